"""The supervision example client (stdlib only) records and changes a supervision on a live server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gvi import models as m
from tests import factories as f

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "record_supervision.py"


def _run(live_server, raw_key, *args):
    env = {**os.environ, "GVI_API_KEY": raw_key}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--url", live_server.url, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_probation_records_a_supervision_then_moves_its_end(live_server, probation, issue_key):
    person = f.PersonFactory(organisation=probation)
    officer = f.UserFactory(username="frivard.api", organisation=probation, role=m.Role.PARTNER_OFFICER)
    _key, raw = issue_key(probation)
    args = ["--person", str(person.pk), "--kind", "conditional_release", "--start-date", "2026-03-01"]
    args += ["--end-date", "2027-02-28", "--source", "KVV-88", "--idempotency-key", "sup-example-1"]
    args += ["--acting-user", officer.username]
    result = _run(live_server, raw, *args)
    assert result.returncode == 0, result.stderr
    recorded = json.loads(result.stdout)
    supervision = m.Supervision.objects.get()
    assert recorded["id"] == supervision.pk and supervision.organisation == probation
    # The same key again: the first response comes back, nothing new is stored.
    again = _run(live_server, raw, *args)
    assert again.returncode == 0 and json.loads(again.stdout)["id"] == supervision.pk
    assert m.Supervision.objects.count() == 1
    # Move the end date.
    moved = _run(live_server, raw, "--supervision", str(supervision.pk), "--end-date", "2026-12-31")
    assert moved.returncode == 0, moved.stderr
    supervision.refresh_from_db()
    assert str(supervision.end_date) == "2026-12-31"


@pytest.mark.django_db(transaction=True)
def test_another_kind_of_partner_is_refused(live_server, police, issue_key):
    person = f.PersonFactory(organisation=police)
    _key, raw = issue_key(police)
    args = ["--person", str(person.pk), "--kind", "probation", "--start-date", "2026-03-01", "--source", "x"]
    result = _run(live_server, raw, *args, "--language", "en")
    assert result.returncode == 1
    assert json.loads(result.stderr)["status"] == 403
    assert not m.Supervision.objects.exists()
