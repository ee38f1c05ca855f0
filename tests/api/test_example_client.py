"""The example client (stdlib only) logs a custom notification against a live server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gvi import models as m
from tests import factories as f

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "log_notification.py"


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
def test_example_client_logs_a_notification(live_server, probation, issue_key):
    person = f.PersonFactory(organisation=probation)
    _key, raw = issue_key(probation)
    args = ["--person", str(person.pk), "--delivered-on", "2026-03-02", "--response", "accepted_help"]
    args += ["--service", "housing", "--source", "KVV-77", "--idempotency-key", "example-1"]
    result = _run(live_server, raw, *args)
    assert result.returncode == 0, result.stderr
    logged = json.loads(result.stdout)
    notification = m.CustomNotification.objects.get()
    assert logged["id"] == notification.pk and notification.organisation == probation
    assert list(notification.referrals.values_list("kind", flat=True)) == ["housing"]
    # Run again with the same key: the first response comes back, nothing new is stored.
    again = _run(live_server, raw, *args)
    assert again.returncode == 0 and json.loads(again.stdout)["id"] == notification.pk
    assert m.CustomNotification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_example_client_reports_refusals(live_server, probation, issue_key):
    _key, raw = issue_key(probation)
    args = ["--person", "999999", "--delivered-on", "2026-03-02", "--response", "listened", "--source", "x"]
    result = _run(live_server, raw, *args, "--language", "en")
    assert result.returncode == 1
    assert json.loads(result.stderr)["errors"] == {"person": ["No such record."]}
    bad_key = _run(live_server, "nope.nope", *args)
    assert bad_key.returncode == 1 and json.loads(bad_key.stderr)["status"] == 401
