"""The access policy's querysets at national scale (issue 16): what the policy's filters cost.

For a partner officer of a civil-society organisation, of social services (the municipality) and
of the police, and for every record kind, `gvi.policy.scoped_queryset(user, kind)` is asked what
a list page asks: the count (for the paginator) and the first page of 50 rows, newest first. The
floor is the same two statements on the programme's rows without the policy (only the programme
filter every record kind has): what is above it is the policy's organisation, sharing-rule,
consent and minors subqueries. A kind the role may not read at all is shown as such (no SQL).
"""

import time

from bench.common import Figure, median

PAGE = 50
READERS = [
    ("civil society", "civil_society"),
    ("social services", "municipality"),
    ("police", "police"),
]


def reader(programme_id: int, organisation_kind: str):
    from gvi.models import Role, User

    return (
        User.objects.filter(
            role=Role.PARTNER_OFFICER,
            organisation__programme_id=programme_id,
            organisation__kind=organisation_kind,
            is_active=True,
        )
        .select_related("organisation")
        .order_by("id")
        .first()
    )


def _list_page(queryset) -> tuple[float, int]:
    """Seconds for the count and the first page, and the count."""
    started = time.perf_counter()
    count = queryset.count()
    list(queryset.order_by("-pk")[:PAGE])
    return time.perf_counter() - started, count


def programme_rows(kind: str, programme_id: int):
    """The floor's queryset: the kind's rows in the programme, no policy."""
    from gvi.policy import RECORD_KINDS

    spec = RECORD_KINDS[kind]
    rows = spec.model_class._default_manager.all()
    if spec.programme_path:
        rows = rows.filter(**{f"{spec.programme_path}_id": programme_id})
    return rows


def bench_policy(programme_id: int, runs: int = 3, log=print, kinds=None) -> list[Figure]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gvi.policy import RECORD_KINDS, Action, Scope, scope_for, scoped_queryset

    kinds = kinds or [kind for kind in RECORD_KINDS if kind != "access_log"]
    figures = []
    for label, organisation_kind in READERS:
        user = reader(programme_id, organisation_kind)
        if user is None:
            log(f"  {label}: no partner officer in the programme, skipped")
            continue
        total_project, total_floor, lines = 0.0, 0.0, []
        for kind in kinds:
            scope = scope_for(user, kind, Action.READ)
            if scope == Scope.NONE:
                lines.append(f"{kind}: not readable (no SQL)")
                continue
            times, floors = [], []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    seconds, visible = _list_page(scoped_queryset(user, kind))
                times.append(seconds)
                floor_seconds, in_programme = _list_page(programme_rows(kind, programme_id))
                floors.append(floor_seconds)
            project, floor = median(times), median(floors)
            total_project += project
            total_floor += floor
            line = (
                f"{kind} ({scope.value.lower()}): {project * 1000:.1f} ms vs {floor * 1000:.1f} ms, "
                f"{visible:,} of {in_programme:,} rows visible, {len(queries)} statements"
            )
            log(f"  {label}: {line}")
            lines.append(line)
            figures.append(
                Figure(
                    f"policy, {label} partner officer: {kind}",
                    project,
                    floor,
                    notes=[f"{visible:,} of {in_programme:,} rows visible; count + first {PAGE} rows"],
                )
            )
        figures.append(
            Figure(
                f"policy, {label} partner officer: every kind, summed",
                total_project,
                total_floor,
                notes=[f"user {user.username}; medians of {runs}"],
            )
        )
    return figures


if __name__ == "__main__":
    import sys

    from bench.common import print_table, require_postgresql, setup_django

    setup_django()
    require_postgresql()
    from bench import seed

    programme = seed.seeded_programme(sys.argv[1] if len(sys.argv) > 1 else "national")
    print_table(bench_policy(programme))
