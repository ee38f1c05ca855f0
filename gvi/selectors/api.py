"""Reads for the partner API: querysets built by `gvi.policy`, with what their lists need loaded."""

from django.db.models import Prefetch, QuerySet

from gvi.models import PartnerOrganisation
from gvi.policy import Action, scoped_queryset


def persons(user) -> QuerySet:
    return scoped_queryset(user, "person")


def groups(user) -> QuerySet:
    return scoped_queryset(user, "group").prefetch_related("areas", "aliases")


def call_ins(user) -> QuerySet:
    return scoped_queryset(user, "call_in").prefetch_related("speakers")


def invitations(user) -> QuerySet:
    return scoped_queryset(user, "invitation")


def custom_notifications(user) -> QuerySet:
    return scoped_queryset(user, "custom_notification").prefetch_related("delivering_organisations")


def enforcement_actions(user) -> QuerySet:
    return scoped_queryset(user, "enforcement_action")


def service_referrals(user) -> QuerySet:
    return scoped_queryset(user, "service_referral")


def risk_assessments(user) -> QuerySet:
    return scoped_queryset(user, "risk_assessment")


def incidents(user) -> QuerySet:
    """Incidents with only the involvements and attributions the user may see (e.g. no minors for an analyst)."""
    return scoped_queryset(user, "incident").prefetch_related(
        Prefetch("involvements", queryset=scoped_queryset(user, "involvement").order_by("id")),
        Prefetch("attributions", queryset=scoped_queryset(user, "group_attribution").order_by("id")),
    )


def own_follow_ups(user) -> QuerySet:
    """Follow-ups owned by the user's organisation that the user may see."""
    return scoped_queryset(user, "follow_up").filter(owner_organisation_id=user.organisation_id)


def memberships(user, action: Action = Action.READ) -> QuerySet:
    return scoped_queryset(user, "membership", action).prefetch_related("evidence")


def programme_organisations(user) -> QuerySet:
    """The partner organisations of the user's programme (e.g. those delivering a notification)."""
    if not getattr(user, "organisation_id", None):
        return PartnerOrganisation.objects.none()
    return PartnerOrganisation.objects.filter(programme_id=user.organisation.programme_id)


def areas(user) -> QuerySet:
    return scoped_queryset(user, "area")


def group_attributions(user) -> QuerySet:
    """Attributions of incidents and groups the user may read (gvi.selectors.attributions)."""
    from gvi.selectors.attributions import _visible

    return _visible(user)


def supervisions(user) -> QuerySet:
    return scoped_queryset(user, "supervision")


def exit_cases(user) -> QuerySet:
    return scoped_queryset(user, "exit_case")


def concern_reports(user) -> QuerySet:
    return scoped_queryset(user, "concern_report")


def group_relations(user) -> QuerySet:
    return scoped_queryset(user, "group_relation")
