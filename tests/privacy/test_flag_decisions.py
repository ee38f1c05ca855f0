"""The report of flag decisions: rate, speed and reasons, so rubber-stamping shows (issue 17, point 6)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from gvi import models as m
from gvi.selectors.flag_decisions import flag_decision_report
from tests import factories as f

pytestmark = pytest.mark.django_db


def _flag(police, coordinator, status, *, after, reason):
    flag = f.GroupFlagFactory(group=f.GroupFactory(organisation=police), status=status)
    suggested = flag.suggested_at
    if status != m.FlagStatus.SUGGESTED:
        m.GroupFlag.objects.filter(pk=flag.pk).update(
            decided_at=suggested + after, decided_by=coordinator, decision_reason=reason
        )
    return flag


def test_rate_speed_and_reasons(police, police_coordinator, auditor, django_assert_max_num_queries):
    _flag(
        police,
        police_coordinator,
        m.FlagStatus.ENDED,
        after=dt.timedelta(hours=20),
        reason="Tre skjutningar på två veckor, bekräftat",
    )
    _flag(police, police_coordinator, m.FlagStatus.REJECTED, after=dt.timedelta(minutes=2), reason="Gammal")
    _flag(police, police_coordinator, m.FlagStatus.SUGGESTED, after=None, reason="")
    with django_assert_max_num_queries(2):
        report = flag_decision_report(auditor, since=timezone.now() - dt.timedelta(days=30))
    assert (report.suggested, report.confirmed, report.rejected, report.undecided) == (3, 1, 1, 1)
    assert report.confirmation_rate == 0.5 and report.median_hours_to_decide == 10.0
    assert report.quick_decisions == 1 and report.short_reasons == 1
    out = StringIO()
    call_command("flag_decisions", "--username", auditor.username, stdout=out)
    assert "confirmation rate 50%" in out.getvalue() and "Gammal" in out.getvalue()
