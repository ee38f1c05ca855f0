"""The reach of the message, stored per group and per person (GroupReach, PersonReach).

Derived data, like the weekly counts (gvi.weekly_counts): every write that can move a figure
calls `changed` in its own transaction, with the persons and groups it touched, and their rows are
counted again from the memberships, invitations and custom notifications (the raw tables). The
nightly job (`verify`) counts everything again and repairs what drifted, e.g. after an edit
made around the services.

What moves a figure: a membership starting or stopping to count (approved, ended, lapsed,
contested, removed, its key-individual mark), a group's status, an attendance, a delivered custom
notification, and any of those records deleted.
"""

from dataclasses import dataclass

from django.db import transaction

from gvi.locks import REACH, programme_lock
from gvi.models import (
    CustomNotification,
    GroupReach,
    GroupStatus,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipStatus,
    PersonReach,
    Programme,
)

# programme, members, attended, notified, reached, key individuals, key individuals reached
GroupFigures = tuple[int, int, int, int, int, int, int]
# programme, key individual, reached
PersonFigures = tuple[int, bool, bool]
# The figures of a group, in GroupFigures' order after the programme (the group page reads them).
GROUP_FIGURES = ("members", "attended", "notified", "reached", "key_individuals", "key_reached")
_PERSON_FIELDS = ("programme_id", "is_key_individual", "reached")
# The records the figures are counted from: the write path watches these, and only a reader of
# every one of them reads the stored figures (gvi.selectors.weekly_review.reads_stored_reach).
REACH_KINDS = ("group", "membership", "invitation", "custom_notification")


def _reached(programme_id: int | None, persons=None) -> tuple[set[int], set[int]]:
    """The persons (of `persons`, a queryset of person ids; None: all) who attended a call-in, and
    who were delivered a custom notification, in the programme."""
    attended = Invitation.objects.filter(programme_id=programme_id, status=InvitationStatus.ATTENDED)
    notified = CustomNotification.objects.filter(programme_id=programme_id, message_delivered=True)
    if persons is not None:
        attended, notified = attended.filter(person_id__in=persons), notified.filter(person_id__in=persons)
    return set(attended.values_list("person_id", flat=True)), set(notified.values_list("person_id", flat=True))


def _counting(programme_id: int, **within):
    return Membership.objects.counting().filter(programme_id=programme_id, **within)


_ROW = ("programme_id", "group_id", "person_id", "is_key_individual", "group__status")


def count_groups(*, programme_id: int, groups=None) -> dict[int, GroupFigures]:
    """Each group's figures (of `groups`, None: all) counted from the raw tables; a group with no
    counting membership has none. Persons are counted once per group."""
    counting = _counting(programme_id, **({} if groups is None else {"group_id__in": set(groups)}))
    rows = list(counting.values_list(*_ROW))
    attended, notified = _reached(programme_id, None if groups is None else counting.values("person_id"))
    members: dict[int, dict[int, bool]] = {}  # group: {person: a key individual}
    programmes = {}
    for pid, group_id, person_id, is_key, _status in rows:
        programmes[group_id] = pid
        persons = members.setdefault(group_id, {})
        persons[person_id] = persons.get(person_id, False) or is_key
    figures = {}
    for group_id, persons in members.items():
        reached = {p for p in persons if p in attended or p in notified}
        keys = {p for p, is_key in persons.items() if is_key}
        figures[group_id] = (
            programmes[group_id],
            len(persons),
            len(persons.keys() & attended),
            len(persons.keys() & notified),
            len(reached),
            len(keys),
            len(keys & reached),
        )
    return figures


def count_persons(*, programme_id: int, persons=None) -> dict[int, PersonFigures]:
    """Each person's figures (of `persons`, None: all) counted from the raw tables; only persons
    with a counting membership of an active group have any."""
    counting = _counting(programme_id, group__status=GroupStatus.ACTIVE)
    if persons is not None:
        counting = counting.filter(person_id__in=set(persons))
    rows = list(counting.values_list(*_ROW))
    attended, notified = _reached(programme_id, None if persons is None else counting.values("person_id"))
    figures: dict[int, PersonFigures] = {}
    for pid, _group_id, person_id, is_key, _status in rows:
        was_key = figures[person_id][1] if person_id in figures else False
        figures[person_id] = (pid, was_key or is_key, person_id in attended or person_id in notified)
    return figures


def _store(*, groups: set[int] | None, persons: set[int] | None, programme_id: int) -> None:
    group_figures = count_groups(programme_id=programme_id, groups=groups)
    person_figures = count_persons(programme_id=programme_id, persons=persons)
    stored_groups = GroupReach.objects.filter(programme_id=programme_id)
    stored_persons = PersonReach.objects.filter(programme_id=programme_id)
    if groups is not None:
        stored_groups = stored_groups.filter(group_id__in=groups)
    if persons is not None:
        stored_persons = stored_persons.filter(person_id__in=persons)
    stored_groups.delete()
    stored_persons.delete()
    GroupReach.objects.bulk_create(
        [
            GroupReach(
                programme_id=pid,
                group_id=group_id,
                members=members,
                attended=attended,
                notified=notified,
                reached=reached,
                key_individuals=keys,
                key_reached=keys_reached,
            )
            for group_id, (pid, members, attended, notified, reached, keys, keys_reached) in group_figures.items()
        ],
        batch_size=5000,
    )
    PersonReach.objects.bulk_create(
        [
            PersonReach(programme_id=pid, person_id=person_id, is_key_individual=is_key, reached=reached)
            for person_id, (pid, is_key, reached) in person_figures.items()
        ],
        batch_size=5000,
    )


def changed(programme_id: int, *, persons=(), groups=(), members_of=()) -> None:
    """Count again, in the writing transaction, the figures a write moved.

    `persons`: persons whose membership, attendance or notification changed (every group they
    belong to is counted again too); `groups`: groups whose memberships changed; `members_of`:
    groups whose status changed (every member's row is counted again too). Call it after the
    write, before commit; for a deleted record pass its person and group as they were.
    """
    persons, groups, members_of = (set(ids) - {None} for ids in (persons, groups, members_of))
    if not persons and not groups and not members_of:
        return
    # Atomic whatever the caller: the lock is held until the rows are stored again.
    with transaction.atomic():
        programme_lock(REACH, programme_id)
        memberships = Membership.objects.filter(programme_id=programme_id)
        groups |= members_of | set(memberships.filter(person_id__in=persons).values_list("group_id", flat=True))
        if members_of:
            persons |= set(memberships.filter(group_id__in=members_of).values_list("person_id", flat=True))
        _store(groups=groups, persons=persons, programme_id=programme_id)


def state(kind: str, obj) -> tuple | None:
    """What of a record the figures depend on, None for a record that counts nowhere (a proposed
    membership, an invitation not attended): a write that leaves it as it was moves no figure."""
    if kind == "membership":
        counts = obj.status == MembershipStatus.ACTIVE and not obj.is_contested and obj.removed_at is None
        return (obj.person_id, obj.group_id, obj.is_key_individual) if counts else None
    if kind == "invitation":
        return (obj.person_id,) if obj.status == InvitationStatus.ATTENDED else None
    if kind == "custom_notification":
        return (obj.person_id,) if obj.message_delivered else None
    if kind == "group":
        return (obj.pk, obj.status == GroupStatus.ACTIVE)  # dormant or dissolved: not counted alike
    return None


def moved_by_deletion(kind: str, obj) -> dict:
    """What deleting `obj` moves, as `changed`'s arguments (taken before the delete): a call-in's
    attendees go with its invitations; a counting record's person and group go with it."""
    if kind == "call_in":
        attended = obj.invitations.filter(status=InvitationStatus.ATTENDED)
        return {"persons": set(attended.values_list("person_id", flat=True))}
    before = state(kind, obj) if kind in ("membership", "invitation", "custom_notification") else None
    if before is None:
        return {}
    return {"persons": {before[0]}, "groups": {before[1]} if kind == "membership" else set()}


def record_written(kind: str, before: tuple | None, obj) -> None:
    """After a record of `kind` was created or changed (`before`: its `state` before the change,
    None for a new one): count again what the change moved, if anything."""
    after = state(kind, obj)
    if before == after:
        return
    if kind == "group":
        if before is not None:  # a new group has no members yet
            changed(obj.programme_id, members_of=[obj.pk])
    elif kind == "membership":
        ids = [s for s in (before, after) if s is not None]
        changed(obj.programme_id, persons=[s[0] for s in ids], groups=[s[1] for s in ids])
    else:
        changed(obj.programme_id, persons=[s[0] for s in (before, after) if s is not None])


@dataclass
class Drift:
    """What `verify` found: stored rows that differed from the recount (and were corrected)."""

    group_rows: int = 0
    person_rows: int = 0

    @property
    def total(self) -> int:
        return self.group_rows + self.person_rows


def _differences(stored: dict, counted: dict) -> set:
    return {key for key in stored.keys() | counted.keys() if stored.get(key) != counted.get(key)}


def verify(*, programme_id: int | None = None, fix: bool = True) -> Drift:
    """Count every figure again from the raw tables and compare with the stored rows; with `fix`,
    the rows that differ are stored again. Returns how many differed: 0 when the writes kept them.
    None: every programme, one at a time."""
    if programme_id is None:
        drift = Drift()
        for pid in Programme.objects.order_by("pk").values_list("pk", flat=True):
            found = verify(programme_id=pid, fix=fix)
            drift.group_rows += found.group_rows
            drift.person_rows += found.person_rows
        return drift
    # Compared under the programme's lock, where no write is halfway: one committing during the
    # count would otherwise be reported as drift. The count takes under a second at national scale.
    with transaction.atomic():
        programme_lock(REACH, programme_id)
        groups = GroupReach.objects.filter(programme_id=programme_id)
        persons = PersonReach.objects.filter(programme_id=programme_id)
        stored_groups = {
            row[0]: tuple(row[1:]) for row in groups.values_list("group_id", "programme_id", *GROUP_FIGURES)
        }
        stored_persons = {row[0]: tuple(row[1:]) for row in persons.values_list("person_id", *_PERSON_FIELDS)}
        group_keys = _differences(stored_groups, count_groups(programme_id=programme_id))
        person_keys = _differences(stored_persons, count_persons(programme_id=programme_id))
        if fix and (group_keys or person_keys):
            _store(groups=group_keys, persons=person_keys, programme_id=programme_id)
    return Drift(group_rows=len(group_keys), person_rows=len(person_keys))


def rebuild(*, programme_id: int) -> None:
    """Count every figure of a programme again (after a bulk load that went around the services)."""
    with transaction.atomic():
        programme_lock(REACH, programme_id)
        _store(groups=None, persons=None, programme_id=programme_id)
