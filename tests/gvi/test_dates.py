"""Dates bounded by what they are, in one place (gvi.dates): services, forms and the API agree."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from gvi import dates
from gvi import followup_rules as rules
from gvi import models as m
from gvi.services.callins import plan_call_in
from gvi.services.enforcement import log_enforcement_action
from gvi.services.interventions import assess_risk, refer_to_service
from gvi.services.notifications import log_custom_notification
from tests import factories as f

# Date fields the system sets itself (stamps, run times, decisions): no person types them.
SYSTEM_SET = {
    # Imports: when a file was uploaded, confirmed and finished (gvi.services.imports).
    "gvi.ImportRun.confirmed_at",
    "gvi.ImportRun.finished_at",
    "gvi.FollowUp.escalated_at",
    "gvi.FollowUp.completed_at",
    "gvi.DigestDelivery.day",
    "gvi.Membership.decided_at",
    "gvi.ScoringRun.as_of",
    "gvi.ScoringRun.finished_at",
    "gvi.GroupFlag.decided_at",
    "gvi.RetentionRun.finished_at",
    "gvi.User.last_login",
    "gvi.User.date_joined",
    "gvi.AccessLog.at",
    "gvi.AccessLogPrune.cutoff",
    "gvi.Person.adult_on",  # the 18th birthday, from the date of birth
    "gvi.Membership.removed_at",
    "gvi.DataSubjectRequest.due_on",  # from the day received
    "gvi.Consent.withdrawn_at",
    "gvi.ResearchExport.decided_at",
    "gvi.GroupAttribution.confirmed_at",
    "gvi.ScoreContribution.occurred_at",  # copied from the incident
    "gvi.GroupFlag.ended_at",
    "gvi.WeeklyAreaCount.week",
    "gvi.WeeklyGroupCount.week",
    "gvi.WeeklyTypeCount.week",
    "gvi.ReviewMeeting.held_at",  # the moment a coordinator marks the review held
    "gvi.DataSubjectRequest.extract_reviewed_at",  # the moment the reviewer marks the extract reviewed
    "gvi.CallIn.status_changed_at",  # the moment a coordinator marks the call-in held or cancelled
    "gvi.ScoreTerm.occurred_at",  # copied from the incident
    "gvi.GroupIncidentLink.occurred_at",  # copied from the incident
    # Incremental scoring's own stamps (gvi.scoring_state): reference moment, window, rebuild, check.
    "gvi.ScoreState.reference_at",
    "gvi.ScoreState.window_through",
    "gvi.ScoreState.rebuilt_at",
    "gvi.ScoreState.verified_at",
    "gvi.SingleSignOnEvent.at",  # the moment of a sign-on attempt (append-only log)
}

TODAY = dt.date(2026, 6, 1)


def _typed_date_fields():
    for model in apps.get_app_config("gvi").get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField) and not (field.auto_now or field.auto_now_add):
                yield f"{model._meta.label}.{field.name}", field


def test_every_date_a_person_types_names_its_bound():
    """A new date field must say which bound applies to it (or be listed as set by the system)."""
    unbounded = [
        label
        for label, field in _typed_date_fields()
        if label not in SYSTEM_SET and not any(isinstance(v, dates.DateBound) for v in field.validators)
    ]
    assert not unbounded, f"Give these fields a gvi.dates bound: {unbounded}"
    labels = {label for label, _field in _typed_date_fields()}
    assert labels >= SYSTEM_SET, f"SYSTEM_SET names fields that no longer exist: {SYSTEM_SET - labels}"


@pytest.mark.parametrize(
    "kind, first, last",
    [
        (dates.HAPPENED, dt.date(1970, 1, 1), TODAY),
        (dates.PLANNED, dt.date(1970, 1, 1), dt.date(2031, 6, 1)),
        (dates.BIRTH, dt.date(1906, 6, 1), TODAY),
    ],
)
def test_bounds(kind, first, last):
    assert dates.bounds(kind, TODAY) == (first, last)


@pytest.mark.parametrize("bound", [dates.happened, dates.planned, dates.birth])
@pytest.mark.parametrize(
    "value", [dt.date(1900, 1, 1), dt.date(9999, 12, 31), dt.date.min, dt.datetime(9999, 12, 31, 23, 59)]
)
def test_1900_and_9999_are_refused_by_every_bound(bound, value):
    with pytest.raises(ValidationError) as error:
        bound(value)
    assert error.value.code == "date_out_of_range"


def test_a_planned_date_may_be_ahead_and_a_happened_one_not(today):
    dates.planned(today + dt.timedelta(days=365))
    dates.happened(today)
    with pytest.raises(ValidationError):
        dates.happened(today + dt.timedelta(days=1))


def test_shift_stays_on_the_calendar():
    assert dates.shift(dt.date.max, 14) == dt.date.max
    assert dates.shift(dt.date.min, -14) == dt.date.min
    assert dates.shift(dt.date(2026, 1, 1), 14) == dt.date(2026, 1, 15)


@pytest.mark.django_db
class TestServicesRefuseNonsenseDates:
    """The services behind the API and the UI (item 11: these took 1900 and 9999)."""

    @pytest.mark.parametrize("day", [dt.date(1900, 1, 1), dt.date(9999, 12, 31)])
    def test_notification(self, probation_officer, probation, day):
        person = f.PersonFactory(organisation=probation)
        with pytest.raises(ValidationError) as error:
            log_custom_notification(
                user=probation_officer, person=person, delivered_on=day, response="listened", source="S"
            )
        assert "delivered_on" in error.value.message_dict
        assert not m.CustomNotification.objects.exists()

    @pytest.mark.parametrize("day", [dt.date(1900, 1, 1), dt.date(9999, 12, 31)])
    def test_referral_enforcement_and_risk_assessment(self, police_coordinator, police, day, today):
        person = f.PersonFactory(organisation=police)
        group = f.GroupFactory(organisation=police)
        with pytest.raises(ValidationError) as error:
            refer_to_service(user=police_coordinator, person=person, kind="housing", offered_on=day, source="S")
        assert "offered_on" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            log_enforcement_action(user=police_coordinator, group=group, kind="control", performed_on=day, source="S")
        assert "performed_on" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            assess_risk(
                user=police_coordinator,
                person=person,
                kind="threat_to",
                level="high",
                assessed_on=day,
                next_review_on=max(day, today),
                source="S",
            )
        assert "assessed_on" in error.value.message_dict
        assert not (m.ServiceReferral.objects.exists() or m.EnforcementAction.objects.exists())
        assert not m.RiskAssessment.objects.exists()

    def test_call_in(self, police_coordinator):
        from django.utils import timezone

        with pytest.raises(ValidationError) as error:
            plan_call_in(
                user=police_coordinator,
                scheduled_at=timezone.make_aware(dt.datetime(9999, 12, 31, 18)),
                venue="Folkets hus",
            )
        assert "scheduled_at" in error.value.message_dict


@pytest.mark.django_db
def test_the_call_in_form_shows_the_bound_on_its_date_field(client, police_coordinator):
    client.force_login(police_coordinator)
    response = client.post(reverse("frontend:call_in_list"), {"date": "9999-12-31", "time": "18:00", "venue": "V"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["date"]
    assert not m.CallIn.objects.exists()


@pytest.mark.django_db
def test_a_stored_notification_of_9999_still_gets_its_follow_up(probation, social_services):
    """Stored before the bounds: the rule's date arithmetic used to raise OverflowError, so the
    follow-up was silently never made."""
    notification = f.CustomNotificationFactory(
        organisation=probation, delivered_on=dt.date(9999, 12, 31), response=m.NotificationResponse.ACCEPTED_HELP
    )
    made = rules.apply_rules_for(cause_kind="custom_notification", cause_id=notification.pk)
    assert made == 1
    assert m.FollowUp.objects.get().due_date == dt.date.max
