"""Weekly incident counts (gvi.models.weekly): recounted from the raw tables, kept current, verified.

The weekly review reads these counts instead of counting half a million links on every view.
Beside the group counts, the links they count are stored (GroupIncidentLink) for the group page's
latest incidents; they are refreshed and verified with the group counts, week by week.
They are kept current by the write path, in the writing transaction:

- `incident_changed(before, incident)` after an incident is logged, corrected or retracted
  (`before` is `incident_keys(incident)` taken before the change, None for a new incident);
- `record_written("membership", before, membership)` after a membership is created or changed
  (its status, period, review date or contest): a suspect's incident links to the groups he was
  a member of on the incident's date (`gvi.models.people.valid_on`, the rule scoring uses), so
  only his incidents' weeks are recounted, for the groups concerned.

Each recounts only the weeks, areas and groups the change touches, from the raw tables, so a
correction cannot leave a count off by one. Whatever changes the raw tables around these calls
(retention, the admin's edits of incidents, involvements and attributions, deleting a person,
a raw SQL fix, a seed) is caught by `verify()`, which the nightly job
runs: it recounts everything and corrects the rows that drifted.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, Q, Value, When
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from gvi.locks import REACH, WEEKLY_COUNTS, programme_lock
from gvi.models import (
    GroupAttribution,
    GroupIncidentLink,
    Incident,
    Involvement,
    InvolvementRole,
    MembershipStatus,
    VerificationStatus,
    WeeklyAreaCount,
    WeeklyGroupCount,
    WeeklyTypeCount,
)
from gvi.models.people import valid_on

AreaKey = tuple[int, dt.date, int | None, str]  # programme, Monday, area (None: no area), incident type
GroupKey = tuple[int, dt.date, int]  # programme, Monday, group
TypeKey = tuple[int, dt.date, str]  # programme, Monday, incident type


def monday_of(moment) -> dt.date:
    """The Monday (local date) of the week a datetime or date falls in."""
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    return day - dt.timedelta(days=day.weekday())


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The week as [start, end) aware datetimes: Monday 00:00 to the next Monday 00:00, local time."""
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(weeks=1), dt.time.min))
    return start, end


def counted_incidents():
    """The incidents the counts count: every one but those found unfounded (retracted)."""
    return Incident.objects.exclude(verification_status=VerificationStatus.UNFOUNDED)


def _in_weeks(weeks: Iterable[dt.date] | None, field: str = "occurred_at") -> Q:
    if weeks is None:
        return Q()
    condition = Q(pk__in=[])
    for monday in set(weeks):
        start, end = week_bounds(monday)
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _as_monday(value) -> dt.date:
    # TruncWeek gives an aware datetime (local midnight); a raw cursor gives a datetime on
    # PostgreSQL and ISO text on SQLite.
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def count_areas(*, programme_id=None, weeks=None, areas=None) -> dict[AreaKey, int]:
    """Incidents per (programme, week, area, type), from the raw tables; optionally only some weeks/areas."""
    incidents = counted_incidents().filter(_in_weeks(weeks))
    if programme_id is not None:
        incidents = incidents.filter(programme_id=programme_id)
    if areas is not None:
        areas = set(areas)
        incidents = incidents.filter(
            Q(area_id__in=areas - {None}) | Q(area__isnull=True) if None in areas else Q(area_id__in=areas)
        )
    rows = (
        incidents.order_by()
        .annotate(week=TruncWeek("occurred_at"))
        .values_list("programme_id", "week", "area_id", "incident_type")
        .annotate(n=Count("id"))
    )
    return {(pid, _as_monday(week), area_id, kind): n for pid, week, area_id, kind, n in rows}


def count_types(*, programme_id=None, weeks=None) -> dict[TypeKey, int]:
    """Incidents per (programme, week, type), from the raw tables; optionally only some weeks."""
    incidents = counted_incidents().filter(_in_weeks(weeks))
    if programme_id is not None:
        incidents = incidents.filter(programme_id=programme_id)
    rows = (
        incidents.order_by()
        .annotate(week=TruncWeek("occurred_at"))
        .values_list("programme_id", "week", "incident_type")
        .annotate(n=Count("id"))
    )
    return {(pid, _as_monday(week), kind): n for pid, week, kind, n in rows}


def _link_querysets(incidents, groups):
    """(attributions, suspects' involvements) linking `incidents` to groups (optionally only `groups`)."""
    attributions = GroupAttribution.objects.filter(incident__in=incidents)
    suspect_filter = {"role": InvolvementRole.SUSPECT, "incident__in": incidents}
    if groups is not None:
        groups = list(set(groups))
        attributions = attributions.filter(group_id__in=groups)
        suspect_filter["person__memberships__group_id__in"] = groups
    # One filter() call, so the membership join is shared by the conditions and the values.
    return attributions, Involvement.objects.filter(member_on_the_day(), **suspect_filter)


def member_on_the_day() -> Q:
    """An involvement's person was a member of the group (through person__memberships) on the
    incident's local date: his incidents belong to the groups he was in when they happened."""
    return valid_on(TruncDate("incident__occurred_at"), prefix="person__memberships__")


def _links_sql(incidents, groups, **columns) -> tuple[str, list]:
    """SQL of the distinct links (pid, gid, incident_id, *columns), each column an expression on the link."""
    attributions, suspects = _link_querysets(incidents, groups)
    names = ("pid", "gid", "incident_id", *columns)
    links = (
        attributions.order_by()
        .annotate(pid=F("incident__programme_id"), gid=F("group_id"), **columns)
        .values_list(*names)
        .union(
            suspects.order_by()
            .annotate(pid=F("incident__programme_id"), gid=F("person__memberships__group_id"), **columns)
            .values_list(*names)
        )
    )
    # UNION (not ALL) drops an incident reached by both links (and by two suspects); the columns
    # are the incident's, so they cannot tell two links of one incident and group apart.
    return links.query.sql_with_params()


def _scoped(incidents, programme_id, weeks):
    incidents = incidents.filter(_in_weeks(weeks))
    return incidents if programme_id is None else incidents.filter(programme_id=programme_id)


WEEK = TruncWeek("incident__occurred_at")
COUNTED = Case(
    When(incident__verification_status=VerificationStatus.UNFOUNDED, then=Value(False)),
    default=Value(True),
    output_field=BooleanField(),
)


def count_groups(*, programme_id=None, weeks=None, groups=None) -> dict[GroupKey, int]:
    """Incidents per (programme, week, group), from the raw tables; optionally only some weeks/groups.

    An incident is linked to a group when an analyst attributed it to the group, or when a
    suspect in it was a member of the group on its date (valid_on); linked both ways it counts once.
    """
    incidents = _scoped(counted_incidents(), programme_id, weeks)
    sql, params = _links_sql(incidents, groups, wk=WEEK)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pid, gid, wk, COUNT(*) FROM ({sql}) links GROUP BY pid, gid, wk", params)
        return {(pid, _as_monday(week), gid): n for pid, gid, week, n in cursor.fetchall()}


def _stored_links(programme_id, weeks=None, groups=None):
    stored = GroupIncidentLink.objects.filter(_in_weeks(weeks))
    if programme_id is not None:
        stored = stored.filter(programme_id=programme_id)
    return stored if groups is None else stored.filter(group_id__in=set(groups))


# Temporary tables of this connection, for the length of store_links.
RAW_LINKS, NEW_LINKS = "gvi_raw_links", "gvi_new_links"


def store_links(*, programme_id: int, weeks=None, groups=None) -> dict[GroupKey, int]:
    """Bring the stored group-incident links of the given weeks and groups (None: all) in line with
    the raw tables, and return those weeks' incident counts per group, counted from the same links.

    The raw links are gathered once (into a temporary table); only the stored links that changed
    are deleted or inserted: a member joining the busiest group adds a few hundred links instead
    of rewriting its hundred thousand. Every incident has its links here, unfounded ones too (the
    group page lists them, marked); the counts leave those out.
    """
    incidents = _scoped(Incident.objects.all(), programme_id, weeks)
    raw, raw_params = _links_sql(incidents, groups, at=F("incident__occurred_at"), wk=WEEK, counted=COUNTED)
    stored, stored_params = (
        _stored_links(programme_id, weeks, groups)
        .values_list("id", "group_id", "incident_id", "occurred_at")
        .query.sql_with_params()
    )
    table = GroupIncidentLink._meta.db_table
    with connection.cursor() as cursor:
        try:
            # In a savepoint: a failure rolls it back (the temporary table with it) before the DROP
            # below runs, so the DROP works and the error raised is the failure's own, not
            # PostgreSQL's "current transaction is aborted".
            with transaction.atomic():
                _drop_link_tables(cursor)
                cursor.execute(f"CREATE TEMPORARY TABLE {RAW_LINKS} AS {raw}", raw_params)
                if connection.vendor == "postgresql" and cursor.rowcount > 10_000:
                    # A large recount (a member of a big group, the nightly fix): plan the joins
                    # below on real figures, not a guess for a table without statistics.
                    cursor.execute(f"ANALYZE {RAW_LINKS}")
                cursor.execute(
                    f"SELECT s.id FROM ({stored}) s WHERE NOT EXISTS (SELECT 1 FROM {RAW_LINKS} r "
                    "WHERE r.gid = s.group_id AND r.incident_id = s.incident_id AND r.at = s.occurred_at)",
                    stored_params,
                )
                # By id, read first: a DELETE with the scope inside it was planned over every stored link.
                stale = [row[0] for row in cursor.fetchall()]
                for start in range(0, len(stale), 5000):
                    GroupIncidentLink.objects.filter(id__in=stale[start : start + 5000])._raw_delete(connection.alias)
                # Matched on (group, incident) alone: a stored link left with another date (outside
                # these weeks) can never collide here; the nightly check corrects it. The new links
                # are found first and inserted after: probing the table the same statement inserts
                # into was quadratic where its statistics said empty (a new seed: 18 minutes and on).
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {NEW_LINKS} AS "
                    f"SELECT r.pid, r.gid, r.incident_id, r.at FROM {RAW_LINKS} r WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {table} s WHERE s.group_id = r.gid AND s.incident_id = r.incident_id)"
                )
                cursor.execute(
                    f"INSERT INTO {table} (programme_id, group_id, incident_id, occurred_at) "
                    f"SELECT pid, gid, incident_id, at FROM {NEW_LINKS}"
                )
                cursor.execute(f"SELECT pid, gid, wk, COUNT(*) FROM {RAW_LINKS} WHERE counted GROUP BY pid, gid, wk")
                return {(pid, _as_monday(week), gid): n for pid, gid, week, n in cursor.fetchall()}
        finally:
            _drop_link_tables(cursor)


def _drop_link_tables(cursor) -> None:
    for name in (RAW_LINKS, NEW_LINKS):  # one by one: SQLite drops one table a statement
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def drifted_links(programme_id=None, weeks=None, groups=None) -> set[GroupKey]:
    """(programme, week, group) of every stored link (of `weeks` and `groups`; None: all) that
    differs from the raw tables, either way."""
    incidents = _scoped(Incident.objects.all(), programme_id, weeks)
    raw, raw_params = _links_sql(incidents, groups, at=F("incident__occurred_at"))
    stored, stored_params = (
        _stored_links(programme_id, weeks, groups)
        .annotate(pid=F("programme_id"), gid=F("group_id"), at=F("occurred_at"))
        .values_list("pid", "gid", "incident_id", "at")
        .query.sql_with_params()
    )
    columns = "pid, gid, incident_id, at"
    missing = f"SELECT {columns} FROM ({raw}) r EXCEPT SELECT {columns} FROM ({stored}) s"
    stale = f"SELECT {columns} FROM ({stored}) s EXCEPT SELECT {columns} FROM ({raw}) r"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pid, gid, at FROM ({missing}) m UNION SELECT pid, gid, at FROM ({stale}) t",
            [*raw_params, *stored_params, *stored_params, *raw_params],
        )
        return {(pid, monday_of(_as_moment(at)), gid) for pid, gid, at in cursor.fetchall()}


def _as_moment(value) -> dt.datetime:
    # A raw cursor gives an aware datetime on PostgreSQL and UTC text on SQLite.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _area_filter(areas) -> Q:
    if areas is None:
        return Q()
    areas = set(areas)
    condition = Q(area_id__in=areas - {None})
    return condition | Q(area__isnull=True) if None in areas else condition


def refresh(*, programme_id: int, weeks=None, areas=(), groups=()) -> None:
    """Recount the given weeks (None: all) for the given areas and groups (None: all) and store them."""
    programme_lock(WEEKLY_COUNTS, programme_id)
    week_filter = Q() if weeks is None else Q(week__in=set(weeks))
    if areas is None or areas:
        # Any change to an incident's area, type or week changes its week's totals per type too.
        types = count_types(programme_id=programme_id, weeks=weeks)
        WeeklyTypeCount.objects.filter(week_filter, programme_id=programme_id).delete()
        WeeklyTypeCount.objects.bulk_create(
            [
                WeeklyTypeCount(programme_id=pid, week=week, incident_type=kind, incidents=n)
                for (pid, week, kind), n in types.items()
            ]
        )
        counts = count_areas(programme_id=programme_id, weeks=weeks, areas=areas)
        WeeklyAreaCount.objects.filter(week_filter, _area_filter(areas), programme_id=programme_id).delete()
        WeeklyAreaCount.objects.bulk_create(
            [
                WeeklyAreaCount(programme_id=pid, week=week, area_id=area_id, incident_type=kind, incidents=n)
                for (pid, week, area_id, kind), n in counts.items()
            ],
            batch_size=5000,
        )
    if groups is None or groups:
        counts = store_links(programme_id=programme_id, weeks=weeks, groups=groups)
        stored = WeeklyGroupCount.objects.filter(week_filter, programme_id=programme_id)
        if groups is not None:
            stored = stored.filter(group_id__in=set(groups))
        stored.delete()
        WeeklyGroupCount.objects.bulk_create(
            [
                WeeklyGroupCount(programme_id=pid, week=week, group_id=gid, incidents=n)
                for (pid, week, gid), n in counts.items()
            ],
            batch_size=5000,
        )


@dataclass(frozen=True)
class IncidentKeys:
    """What an incident's counts depend on: its programme, week, area and linked groups."""

    programme_id: int
    week: dt.date
    area_id: int | None
    group_ids: frozenset


def incident_keys(incident) -> IncidentKeys:
    """The incident's keys as stored now (read before a correction, to recount where it was)."""
    attributed = GroupAttribution.objects.filter(incident_id=incident.pk).values_list("group_id", flat=True)
    by_suspects = Involvement.objects.filter(
        member_on_the_day(), incident_id=incident.pk, role=InvolvementRole.SUSPECT
    ).values_list("person__memberships__group_id", flat=True)
    row = Incident.objects.filter(pk=incident.pk).values_list("programme_id", "occurred_at", "area_id").first()
    if row is None:  # deleted
        return IncidentKeys(incident.programme_id, monday_of(incident.occurred_at), incident.area_id, frozenset())
    programme_id, occurred_at, area_id = row
    return IncidentKeys(programme_id, monday_of(occurred_at), area_id, frozenset(attributed.union(by_suspects)))


def incident_changed(before: IncidentKeys | None, incident) -> None:
    """Keep the weekly counts current after `incident` was logged (before=None), corrected or retracted.

    Call inside the writing transaction, after the incident and its links are written.
    """
    programme_lock(WEEKLY_COUNTS, incident.programme_id)  # before its links are read
    after = incident_keys(incident)
    keys = [after] if before is None else [before, after]
    for programme_id in {k.programme_id for k in keys}:
        mine = [k for k in keys if k.programme_id == programme_id]
        refresh(
            programme_id=programme_id,
            weeks={k.week for k in mine},
            areas={k.area_id for k in mine},
            groups=set().union(*(k.group_ids for k in mine)),
        )


def member_links_changed(*, programme_id: int, person_ids, group_ids) -> None:
    """Recount `group_ids` in the weeks of the persons' incidents as a suspect, after a membership
    of theirs started, ended, lapsed, moved or had its dates changed: only those incidents can
    have gained or lost a link to those groups."""
    # Locked before the weeks are read: an incident of his logged meanwhile, in a week not read
    # here, waits for this write. The reach's lock first, as every membership write takes them
    # (a write that moves the reach took it already): two writers never hold them crosswise.
    programme_lock(REACH, programme_id)
    programme_lock(WEEKLY_COUNTS, programme_id)
    occurred = (
        Involvement.objects.filter(
            person_id__in=set(person_ids), role=InvolvementRole.SUSPECT, incident__programme_id=programme_id
        )
        .values_list("incident__occurred_at", flat=True)
        .distinct()
    )
    weeks = {monday_of(moment) for moment in occurred}
    if weeks and group_ids:
        refresh(programme_id=programme_id, weeks=weeks, areas=(), groups=set(group_ids))


def link_state(kind: str, obj) -> tuple | None:
    """What of a membership its links depend on (None for other records, and for a membership
    that links nothing whatever its dates: proposed, rejected, removed)."""
    if kind != "membership" or obj.removed_at is not None:
        return None
    if obj.status in (MembershipStatus.PROPOSED, MembershipStatus.REJECTED):
        return None
    # The review date bounds only a lapsed membership: re-approving an active one moves nothing.
    review_due = obj.review_due if obj.status == MembershipStatus.LAPSED else None
    return (obj.person_id, obj.group_id, obj.status, obj.start_date, obj.end_date, review_due, obj.is_contested)


def record_written(kind: str, before: tuple | None, obj, *, deleted: bool = False) -> None:
    """After a record of `kind` was created, changed or `deleted` (`before`: the `link_state` of
    the row as stored before the write): recount the links the change can have moved, if any."""
    after = None if deleted else link_state(kind, obj)
    if before == after:
        return
    states = [state for state in (before, after) if state is not None]
    member_links_changed(
        programme_id=obj.programme_id,
        person_ids={state[0] for state in states},
        group_ids={state[1] for state in states},
    )


@dataclass
class Drift:
    """What `verify` found: stored rows that differed from the recount (and were corrected)."""

    area_rows: int = 0
    group_rows: int = 0
    type_rows: int = 0
    link_weeks: int = 0  # (week, group) pairs whose stored incident links differed

    @property
    def total(self) -> int:
        return self.area_rows + self.group_rows + self.type_rows + self.link_weeks


def _stored_areas(programme_id, weeks=None, areas=None) -> dict[AreaKey, int]:
    rows = WeeklyAreaCount.objects.filter(_area_filter(areas))
    if weeks is not None:
        rows = rows.filter(week__in=weeks)
    if programme_id is not None:
        rows = rows.filter(programme_id=programme_id)
    return {
        (pid, week, area_id, kind): n
        for pid, week, area_id, kind, n in rows.values_list(
            "programme_id", "week", "area_id", "incident_type", "incidents"
        )
    }


def _stored_types(programme_id, weeks=None) -> dict[TypeKey, int]:
    rows = WeeklyTypeCount.objects.all() if weeks is None else WeeklyTypeCount.objects.filter(week__in=weeks)
    if programme_id is not None:
        rows = rows.filter(programme_id=programme_id)
    return {
        (pid, week, kind): n
        for pid, week, kind, n in rows.values_list("programme_id", "week", "incident_type", "incidents")
    }


def _stored_groups(programme_id, weeks=None, groups=None) -> dict[GroupKey, int]:
    rows = WeeklyGroupCount.objects.all() if weeks is None else WeeklyGroupCount.objects.filter(week__in=weeks)
    if groups is not None:
        rows = rows.filter(group_id__in=groups)
    if programme_id is not None:
        rows = rows.filter(programme_id=programme_id)
    return {
        (pid, week, gid): n for pid, week, gid, n in rows.values_list("programme_id", "week", "group_id", "incidents")
    }


def _differences(stored: dict, counted: dict) -> set:
    return {key for key in stored.keys() | counted.keys() if stored.get(key) != counted.get(key)}


def _drifted(programme_id) -> tuple[set, set, set, set]:
    """The keys of the (area, group, type) rows and the link weeks that differ from a recount."""
    return (
        _differences(_stored_areas(programme_id), count_areas(programme_id=programme_id)),
        _differences(_stored_groups(programme_id), count_groups(programme_id=programme_id)),
        _differences(_stored_types(programme_id), count_types(programme_id=programme_id)),
        drifted_links(programme_id),
    )


def _still_drifted(pid: int, area_keys, group_keys, type_keys, link_keys) -> tuple[set, set, set, set]:
    """Of the keys `_drifted` found for programme `pid`, those that differ when counted again: only
    their weeks, and only their areas or groups (a lapsed member's group drifts in every week it
    has; the rest of the programme is not counted twice while writers wait for the lock)."""

    def weeks(keys):
        return {key[1] for key in keys}

    areas = {key[2] for key in area_keys}
    groups = {key[2] for key in group_keys}
    return (
        _differences(
            _stored_areas(pid, weeks(area_keys), areas),
            count_areas(programme_id=pid, weeks=weeks(area_keys), areas=areas),
        )
        if area_keys
        else set(),
        _differences(
            _stored_groups(pid, weeks(group_keys), groups),
            count_groups(programme_id=pid, weeks=weeks(group_keys), groups=groups),
        )
        if group_keys
        else set(),
        _differences(_stored_types(pid, weeks(type_keys)), count_types(programme_id=pid, weeks=weeks(type_keys)))
        if type_keys
        else set(),
        drifted_links(pid, weeks(link_keys), {key[2] for key in link_keys}) if link_keys else set(),
    )


def verify(*, programme_id: int | None = None, fix: bool = True) -> Drift:
    """Recount everything from the raw tables and compare with the stored counts.

    With fix=True the rows that differ are corrected (the weeks they are in are recounted and
    stored again). Returns how many rows differed: 0 when the write path kept them current.

    The full recount runs without the lock (17–50 s at national scale, and incidents are logged
    meanwhile), so a write committing during it can look like drift. What it found is counted
    again under the programme's lock, where no write is halfway, and only what still differs
    there is reported and corrected.
    """
    found = _drifted(programme_id)
    drift = Drift()
    for pid in sorted({key[0] for keys in found for key in keys}):
        mine = [{key for key in keys if key[0] == pid} for keys in found]
        # In a transaction, as the write path's refreshes are: the advisory lock holds until the
        # repair commits, and nobody reads a week deleted and not yet stored again.
        with transaction.atomic():
            programme_lock(WEEKLY_COUNTS, pid)
            area_keys, group_keys, type_keys, link_keys = _still_drifted(pid, *mine)
            if fix:
                area_weeks = {key[1] for key in area_keys | type_keys}
                group_weeks = {key[1] for key in group_keys | link_keys}
                if area_weeks:
                    # Every area of those weeks: the week's types are recounted with its areas.
                    refresh(programme_id=pid, weeks=area_weeks, areas=None, groups=())
                if group_weeks:
                    refresh(
                        programme_id=pid,
                        weeks=group_weeks,
                        areas=(),
                        groups={key[2] for key in group_keys | link_keys},
                    )
        drift.area_rows += len(area_keys)
        drift.group_rows += len(group_keys)
        drift.type_rows += len(type_keys)
        drift.link_weeks += len(link_keys)
    return drift


def rebuild(*, programme_id: int) -> None:
    """Recount every week of a programme (after a bulk load that went around the services)."""
    refresh(programme_id=programme_id, weeks=None, areas=None, groups=None)
