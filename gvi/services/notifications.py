"""Custom notifications: the message delivered one-to-one, and the services offered with it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi import jobs
from gvi.models import Confidence, CustomNotification, ReferralStatus, ServiceKind, ServiceReferral
from gvi.services.common import acting_organisation, create_record, require_visible


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
