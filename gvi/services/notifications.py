"""Custom notifications: the message delivered one-to-one, and the services offered with it; and
the notification planned for a group missing at a held call-in."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import dates, jobs
from gvi.followup_rules import PLANNED_NOTIFICATION_RULE
from gvi.models import (
    OPEN_STATUSES,
    CallIn,
    CallInStatus,
    Confidence,
    CustomNotification,
    FollowUp,
    FollowUpOrigin,
    Membership,
    ReferralStatus,
    ServiceKind,
    ServiceReferral,
)
from gvi.policy import Action
from gvi.selectors.callins import groups_not_represented
from gvi.services.common import acting_organisation, create_record, require, require_visible


@transaction.atomic
def log_custom_notification(
    *,
    user,
    person,
    delivered_on,
    response: str,
    source: str,
    confidence: str = Confidence.CONFIRMED,
    group=None,
    delivering_organisations=(),
    message_delivered: bool = True,
    services_offered=(),
    response_note: str = "",
) -> CustomNotification:
    """Log a delivered custom notification. Each service offered becomes a service referral
    (status: offered) linked to it. All or nothing; follow-up rules run after commit."""
    organisation = acting_organisation(user)
    require_visible(user, "person", person, "person")
    require_visible(user, "group", group, "group")
    services_offered = list(dict.fromkeys(services_offered))
    unknown = [kind for kind in services_offered if kind not in ServiceKind.values]
    if unknown:
        raise ValidationError({"services_offered": _("Unknown service: %(kinds)s") % {"kinds": ", ".join(unknown)}})
    delivering = list(delivering_organisations) or [organisation]
    if any(org.programme_id != organisation.programme_id for org in delivering):
        raise ValidationError({"delivering_organisations": _("No such record.")})
    if organisation not in delivering:
        raise ValidationError(
            {"delivering_organisations": _("Your own organisation must be among those delivering the message.")}
        )
    notification = create_record(
        CustomNotification(
            person=person,
            group=group,
            delivered_on=delivered_on,
            message_delivered=message_delivered,
            services_offered=services_offered,
            response=response,
            response_note=response_note,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="custom_notification",
    )
    notification.delivering_organisations.add(*delivering)  # new: nothing to compare with, as set() would
    for kind in services_offered:
        create_record(
            ServiceReferral(
                person=person,
                kind=kind,
                status=ReferralStatus.OFFERED,
                offered_on=delivered_on,
                notification=notification,
                source=source,
                confidence=confidence,
            ),
            user=user,
            kind="service_referral",
        )
    jobs.apply_followup_rules("custom_notification", notification.pk)
    return notification


@transaction.atomic
def plan_custom_notification(*, user, call_in, group, person, today=None) -> FollowUp:
    """Plan the custom notification for a group none of whose invited members attended a held
    call-in: a follow-up for the user's organisation to deliver the message to `person`, a
    named member of the group, due within the programme's days after the call-in.

    Policy-checked: the user must be allowed to log custom notifications and make follow-ups,
    and see the call-in, the group and the person. The person must be a counting member of the
    group, and the group missing at that call-in. Planning the same group again returns the
    open plan rather than a second one. Logging the delivery itself is `log_custom_notification`.
    """
    organisation = acting_organisation(user)
    require(user, "custom_notification", Action.CREATE)
    require(user, "follow_up", Action.CREATE)
    require_visible(user, "call_in", call_in, "call_in")
    require_visible(user, "group", group, "group")
    require_visible(user, "person", person, "person")
    if group is None or person is None:
        raise ValidationError({"person": _("Choose a member of the group.")})
    call_in = CallIn.objects.select_for_update().get(pk=call_in.pk)  # two clicks at once plan once
    if call_in.status != CallInStatus.HELD:
        raise ValidationError({"call_in": _("Notifications after a call-in are planned once it is marked held.")})
    missing = {item.group.pk: item for item in groups_not_represented(user, call_in)}
    if group.pk not in missing:
        raise ValidationError({"group": _("The group was represented at the call-in, or was not invited to it.")})
    if not Membership.objects.counting().filter(person=person, group=group).exists():
        raise ValidationError({"person": _("The person is not a member of the group.")})
    open_plans = [plan for plan in missing[group.pk].planned if plan.status in OPEN_STATUSES]
    if open_plans:
        return open_plans[0]
    held_on = timezone.localtime(call_in.scheduled_at).date()
    today = today or timezone.localdate()
    due = max(today, dates.shift(held_on, call_in.programme.notification_after_call_in_days))
    follow_up = FollowUp(
        programme_id=organisation.programme_id,
        owner_organisation=organisation,
        title=_("Deliver a custom notification: %(group)s was not represented at the call-in on %(date)s")
        % {"group": group.name, "date": held_on.isoformat()},
        description=_("Deliver the call-in message one-to-one to the named member, then log the notification."),
        due_date=due,
        person=person,
        group=group,
        origin=FollowUpOrigin.MANUAL,
        rule=PLANNED_NOTIFICATION_RULE,
        cause_type=ContentType.objects.get_for_model(CallIn),
        cause_id=call_in.pk,
        source=(_("Call-in %(date)s, %(venue)s") % {"date": held_on.isoformat(), "venue": call_in.venue})[:200],
        confidence=Confidence.CONFIRMED,
    )
    return create_record(follow_up, user=user, kind="follow_up")
