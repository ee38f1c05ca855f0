"""Registering and correcting groups (aliases, areas, status) and the relations between them.

Every write goes through `create_record` / `update_record` (policy, owner, validation, history).
A group's aliases and areas are written in the same transaction as the group: all or nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi.models import Confidence, Group, GroupAlias, GroupRelation, GroupStatus
from gvi.policy import Action, scoped_queryset
from gvi.services.common import as_changed_by, create_record, require_visible, update_record

# Fields a correction of a group may change (aliases and areas have their own arguments).
GROUP_FIELDS = ("name", "status", "description", "source", "confidence")
ALIAS_MAX_LENGTH = GroupAlias._meta.get_field("alias").max_length


def _clean_aliases(aliases, name: str) -> list[str]:
    """Distinct, trimmed aliases (case-insensitively), never the group's own name."""
    seen, cleaned = set(), []
    for alias in aliases or ():
        alias = " ".join(str(alias).split())
        if not alias or alias.casefold() in seen or alias.casefold() == (name or "").casefold():
            continue
        if len(alias) > ALIAS_MAX_LENGTH:
            raise ValidationError(
                {"aliases": _("An alias can be at most %(limit)d characters.") % {"limit": ALIAS_MAX_LENGTH}}
            )
        seen.add(alias.casefold())
        cleaned.append(alias)
    return cleaned


def _check_areas(user, areas) -> list:
    areas = list(areas or ())
    for area in areas:
        require_visible(user, "area", area, "areas")
    return areas


def _set_aliases(group: Group, aliases: list[str]) -> None:
    existing = {alias.alias: alias for alias in group.aliases.all()}
    GroupAlias.objects.filter(pk__in=[a.pk for name, a in existing.items() if name not in aliases]).delete()
    GroupAlias.objects.bulk_create(GroupAlias(group=group, alias=alias) for alias in aliases if alias not in existing)


@transaction.atomic
def register_group(
    *,
    user,
    name: str,
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    status: str = GroupStatus.ACTIVE,
    description: str = "",
    aliases=(),
    areas=(),
) -> Group:
    """Register a group with its aliases and areas."""
    name = " ".join((name or "").split())
    aliases = _clean_aliases(aliases, name)
    areas = _check_areas(user, areas)
    group = create_record(
        Group(name=name, status=status, description=description, source=source, confidence=confidence),
        user=user,
        kind="group",
    )
    group.areas.set(areas)
    _set_aliases(group, aliases)
    return group


@transaction.atomic
def correct_group(*, user, group: Group, reason: str = "", aliases=None, areas=None, **changes) -> Group:
    """Change a group's name, status, description, source or confidence, and (when given) its
    aliases and areas. The history keeps before and after, with `reason`."""
    unknown = set(changes) - set(GROUP_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be corrected here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    group = Group.objects.select_for_update().get(pk=group.pk)
    if "name" in changes:
        changes["name"] = " ".join((changes["name"] or "").split())
    as_changed_by(group, user, (reason or "").strip() or None)
    group = update_record(group, user=user, kind="group", **changes)
    if areas is not None:
        group.areas.set(_check_areas(user, areas))
    if aliases is not None:
        _set_aliases(group, _clean_aliases(aliases, group.name))
    return group


@transaction.atomic
def record_group_relation(
    *,
    user,
    group_a: Group,
    group_b: Group,
    kind: str,
    start_date,
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    end_date=None,
    description: str = "",
) -> GroupRelation:
    """Record a conflict or an alliance between two groups over a period.

    An open relation of the same kind between the same two groups (either way round) is refused:
    end it first, so the situational picture never shows one conflict twice."""
    require_visible(user, "group", group_a, "group_a")
    require_visible(user, "group", group_b, "group_b")
    if group_a is not None and group_b is not None and group_a.pk != group_b.pk and end_date is None:
        both_ways = scoped_queryset(user, "group_relation", Action.READ).filter(
            kind=kind, end_date__isnull=True, group_a__in=[group_a, group_b], group_b__in=[group_a, group_b]
        )
        if both_ways.exists():
            raise ValidationError({"group_b": _("An open relation of this kind between these groups already exists.")})
    return create_record(
        GroupRelation(
            group_a=group_a,
            group_b=group_b,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            source=source,
            confidence=confidence,
            description=description,
        ),
        user=user,
        kind="group_relation",
    )


@transaction.atomic
def end_group_relation(*, user, relation: GroupRelation, end_date, reason: str) -> GroupRelation:
    """End a conflict or alliance on `end_date`, with the reason kept in the history."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason.")})
    relation = GroupRelation.objects.select_for_update().get(pk=relation.pk)
    as_changed_by(relation, user, reason.strip())
    return update_record(relation, user=user, kind="group_relation", end_date=end_date)


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
