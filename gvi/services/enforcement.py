"""Focused enforcement: actions by each partner, within its own mandate, against a group."""

from django.db import transaction

from gvi.models import Confidence, EnforcementAction, FlagStatus, GroupFlag
from gvi.services.common import create_record, require_visible


@transaction.atomic
def log_enforcement_action(
    *,
    user,
    group,
    kind: str,
    performed_on,
    source: str,
    confidence: str = Confidence.CONFIRMED,
    person=None,
    outcome: str = "",
) -> EnforcementAction:
    """Log an enforcement action. It is linked to the group's confirmed flag when there is one."""
    require_visible(user, "group", group, "group")
    require_visible(user, "person", person, "person")
    flag = GroupFlag.objects.filter(group=group, status=FlagStatus.CONFIRMED).first()
    return create_record(
        EnforcementAction(
            group=group,
            person=person,
            flag=flag,
            kind=kind,
            performed_on=performed_on,
            outcome=outcome,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="enforcement_action",
    )
