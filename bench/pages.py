"""The weekly review and a group page at national scale: server time and query count.

Each page is requested through Django's test client, logged in as a coordinator of the
programme, inside CaptureQueriesContext. The floor is the page's own SQL, every statement it
sent, executed again bare on a cursor (in a transaction that is rolled back, so the audit rows
are not doubled): what the page costs beyond that is Python, templates and round trips.
"""

from bench.common import Figure, median

SKIPPED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def coordinator(programme_id: int):
    from gvi.models import OrganisationKind, Role, User

    users = User.objects.filter(role=Role.COORDINATOR, organisation__programme_id=programme_id, is_active=True)
    return users.filter(organisation__kind=OrganisationKind.POLICE).first() or users.first()


def busiest_group(programme_id: int):
    """The group that led the latest scoring run, else the one with the most members: the heaviest page."""
    from django.db.models import Count

    from gvi.models import Group, GroupScore

    top = (
        GroupScore.objects.filter(run__programme_id=programme_id, rank=1)
        .order_by("-run__as_of", "-run_id")
        .values_list("group_id", flat=True)
        .first()
    )
    if top:
        return top
    return (
        Group.objects.filter(programme_id=programme_id)
        .annotate(n=Count("memberships"))
        .order_by("-n", "id")
        .values_list("id", flat=True)
        .first()
    )


def replay(statements: list[str]) -> float:
    """Run the captured statements again, bare, and roll back; return the seconds it took."""
    import time

    from django.db import connection, transaction

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def measure_page(client, url: str, runs: int) -> tuple[list[float], list[float], int, int]:
    """(server times, floor times, queries per request, response bytes) over `runs` requests after one
    warm-up; each timed request is followed by a captured one, whose statements are replayed."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    times, floors, counts = [], [], []
    for _ in range(runs):
        # Timed bare: capturing the queries formats every statement's SQL with its parameters,
        # which is the benchmark's cost, not the page's (10-50 ms on these pages). The next request,
        # captured, gives the statements to count and replay.
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts.append(len(queries))
        statements = [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(SKIPPED)]
        floors.append(replay(statements))
    return times, floors, max(counts), len(response.content)


def ensure_weekly_counts(programme_id: int, log=print) -> None:
    """A database seeded before the weekly counts existed gets them once (as the nightly job would)."""
    from gvi import weekly_counts
    from gvi.models import WeeklyAreaCount

    if not WeeklyAreaCount.objects.filter(programme_id=programme_id).exists():
        log("  counting the weekly review's weeks once (weekly_counts.rebuild) ...")
        weekly_counts.rebuild(programme_id=programme_id)
        from django.db import connection

        with connection.cursor() as cursor:  # fresh tables: give the planner their statistics
            for table in ("gvi_weeklyareacount", "gvi_weeklytypecount", "gvi_weeklygroupcount"):
                cursor.execute(f"ANALYZE {table}")


def bench_verify(programme_id: int, log=print) -> list[Figure]:
    """The nightly check: recount every week, and the reach of the message, from the raw tables and
    compare (no drift expected)."""
    from bench.common import timed
    from gvi import reach, weekly_counts

    figures = []
    for name, module in (("weekly counts", weekly_counts), ("reach of the message", reach)):
        seconds, drift = timed(module.verify, programme_id=programme_id, fix=True)
        log(f"  {name}, nightly verify: {seconds:.1f} s, {drift.total} rows drifted")
        figures.append(
            Figure(f"{name}: nightly verify (recount all)", seconds, None, notes=[f"{drift.total} rows drifted"])
        )
    return figures


REVIEW_PERIODS = [("8 weeks", "8w"), ("a quarter", "quarter"), ("a year", "year")]


def bench_pages(programme_id: int, runs: int = 5, log=print, verify: bool = True) -> list[Figure]:
    from unittest import mock

    from django.test import Client
    from django.urls import reverse

    user = coordinator(programme_id)
    if user is None:
        raise RuntimeError(f"Programme {programme_id} has no coordinator to log in as.")
    ensure_weekly_counts(programme_id, log)
    client = Client()
    client.force_login(user)
    group_id = busiest_group(programme_id)
    review = reverse("frontend:weekly_review")
    pages = [(f"weekly review, {label}", f"{review}?period={kind}", False) for label, kind in REVIEW_PERIODS]
    # The same page with the trends counted from the raw tables (as before the weekly counts).
    pages += [
        (f"weekly review, {label}, from the raw tables", f"{review}?period={kind}", True)
        for label, kind in REVIEW_PERIODS
    ]
    pages.append(
        ("weekly review, its quality summary (fetched by the page)", reverse("frontend:weekly_review_quality"), False)
    )
    group_page = reverse("frontend:group_detail", args=[group_id])
    pages.append((f"group page (group {group_id})", group_page, False))
    # The same page with its 52 weeks counted from the raw tables (as before it read the counts).
    pages.append((f"group page (group {group_id}), from the raw tables", group_page, True))
    figures = []
    for name, url, raw in pages:
        with (
            mock.patch("gvi.selectors.weekly_review.reads_weekly_counts", return_value=not raw),
            mock.patch("gvi.selectors.weekly_review.reads_stored_reach", return_value=not raw),
        ):
            times, floors, queries, size = measure_page(client, url, min(runs, 3) if raw else runs)
        log(f"  {name}: {', '.join(f'{t * 1000:.0f}' for t in times)} ms; {queries} queries")
        figures.append(
            Figure(
                name,
                median(times),
                median(floors),
                target="< 0.3 s, fixed query count" if not raw else "",
                notes=[
                    f"{queries} queries, {size / 1024:.0f} KiB of HTML, logged in as {user.username}; "
                    f"median of {runs}; floor = the same SQL replayed bare"
                ],
            )
        )
    if verify:
        figures += bench_verify(programme_id, log)
    return figures
