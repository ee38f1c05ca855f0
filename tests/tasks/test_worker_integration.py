"""End to end: a REAL `celery -A config worker` process on the REAL Redis runs the jobs that the
write services dispatch on commit, against the test database (PostgreSQL, shared with the worker).

Run with DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...; without them the test
skips (and fails in CI, where GVI_REQUIRE_REAL_SERVICES=1).
"""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from gvi import models as m
from tests import factories as f
from tests.tasks.workers import celery_worker, purge_queue, require_redis_and_postgresql, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    require_redis_and_postgresql()
    purge_queue()
    with celery_worker() as process:
        yield process


def test_real_worker_scores_flags_and_makes_follow_ups(
    worker, police, probation, social_services, police_analyst, police_coordinator
):
    from gvi.services.callins import record_attendance
    from gvi.services.flags import confirm_flag
    from gvi.services.incidents import confirm_attribution, log_incident

    north = f.GroupFactory(organisation=police, name="Norr")
    south = f.GroupFactory(organisation=police, name="Söder")
    # A burst of five incidents: scored together, not five times. Each analyst attribution is
    # confirmed by the coordinator (four eyes) in the same transaction, so it counts at once.
    for share, group in [("1", north), ("1", north), ("1", north), ("0.5", south), ("1", south)]:
        with transaction.atomic():
            incident = log_incident(
                user=police_analyst,
                incident_type="homicide",
                occurred_at=timezone.now() - dt.timedelta(minutes=5),
                source="K-TEST",
                confidence=m.Confidence.CONFIRMED,
                attributions=[{"group": group, "share": Decimal(share)}],
            )
            confirm_attribution(
                user=police_coordinator, attribution=incident.attributions.get(), reason="Bekräftad av samordnaren"
            )

    def scored():
        run = m.ScoringRun.objects.filter(finished_at__isnull=False).order_by("-id").first()
        return (
            run and run.scores.get(group=north).incident_count == 3 and run.scores.get(group=south).incident_count == 2
        )

    wait_for(scored, what="the worker to score the burst")
    time.sleep(3)  # let any straggler of the burst run
    assert 1 <= m.ScoringRun.objects.count() <= 2
    run = m.ScoringRun.objects.order_by("-id").first()
    assert run.scores.get(group=north).score == pytest.approx(30.0, rel=1e-3)
    assert run.scores.get(group=south).score == pytest.approx(15.0, rel=1e-3)
    flag = m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED)
    assert flag.group == north  # suggested, not acted on
    assert not m.FollowUp.objects.exists()

    confirm_flag(user=police_coordinator, flag=flag, reason="Flest dödligt våld i år")
    wait_for(
        lambda: (
            set(m.FollowUp.objects.filter(rule__startswith="flag_").values_list("rule", "owner_organisation"))
            == {
                ("flag_enforcement_plan", police.pk),
                ("flag_enforcement_plan", probation.pk),
                ("flag_help_offer", social_services.pk),
            }
        ),
        what="an enforcement plan task for each partner with the mandate, a help offer for the others",
    )

    call_in = f.CallInFactory(
        organisation=police, scheduled_at=timezone.now() - dt.timedelta(hours=3), status=m.CallInStatus.HELD
    )
    attended = f.InvitationFactory(organisation=probation, call_in=call_in)
    missed = f.InvitationFactory(organisation=probation, call_in=call_in)
    record_attendance(user=police_coordinator, invitation=attended, status=m.InvitationStatus.ATTENDED)
    record_attendance(user=police_coordinator, invitation=missed, status=m.InvitationStatus.NO_SHOW)
    wait_for(
        lambda: (
            set(m.FollowUp.objects.filter(rule__startswith="call_in").values_list("rule", "owner_organisation"))
            == {("call_in_attended_services", social_services.pk), ("call_in_no_show_notification", probation.pk)}
        ),
        what="the call-in follow-ups",
    )

    from tasks.followups import run_daily_rules

    f.SupervisionFactory(organisation=probation, end_date=timezone.localdate() + dt.timedelta(days=10))
    run_daily_rules.delay()
    run_daily_rules.delay()  # twice: still one follow-up
    wait_for(lambda: m.FollowUp.objects.filter(rule="supervision_ending").exists(), what="the daily rules")
    time.sleep(2)
    assert m.FollowUp.objects.filter(rule="supervision_ending").count() == 1
    assert m.FollowUp.objects.filter(rule__startswith="flag_").count() == 3
    assert worker.poll() is None  # the worker is still alive
