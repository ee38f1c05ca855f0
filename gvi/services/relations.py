"""Conflicts and alliances between groups (group relations)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi.models import Confidence, GroupRelation
from gvi.services.common import create_record, require_visible, update_record


@transaction.atomic
def record_group_relation(
    *,
    user,
    group_a,
    group_b,
    kind: str,
    start_date,
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    end_date=None,
    description: str = "",
) -> GroupRelation:
    """Record a conflict or an alliance between two groups the user may see, over a period."""
    require_visible(user, "group", group_a, "group_a")
    require_visible(user, "group", group_b, "group_b")
    return create_record(
        GroupRelation(
            group_a=group_a,
            group_b=group_b,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            description=description,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="group_relation",
    )


RELATION_CHANGES = ("kind", "end_date", "description", "source", "confidence")


@transaction.atomic
def update_group_relation(*, user, relation: GroupRelation, **changes) -> GroupRelation:
    """Change a relation: end it, or correct its kind, description, source or confidence."""
    unknown = set(changes) - set(RELATION_CHANGES)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    relation = GroupRelation.objects.select_for_update().get(pk=relation.pk)
    return update_record(relation, user=user, kind="group_relation", **changes)
