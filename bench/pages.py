"""The weekly review and a group page at national scale: server time and query count.

Each page is requested through Django's test client, logged in as a coordinator of the
programme (the review also as a police analyst, who reads no minors' records and so gets it
counted within their view), inside CaptureQueriesContext. The floor is the page's own SQL, every statement it
sent, executed again bare on a cursor (in a transaction that is rolled back, so the audit rows
are not doubled): what the page costs beyond that is Python, templates and round trips.
"""

from contextlib import contextmanager

from bench.common import Figure, median

SKIPPED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def _user(programme_id: int, role: str):
    """An active user of `role` in the programme, of the police when there is one."""
    from gvi.models import OrganisationKind, User

    users = User.objects.filter(role=role, organisation__programme_id=programme_id, is_active=True)
    return users.filter(organisation__kind=OrganisationKind.POLICE).first() or users.first()


def coordinator(programme_id: int):
    from gvi.models import Role

    return _user(programme_id, Role.COORDINATOR)


def analyst(programme_id: int):
    """An analyst of the programme (of the police): reads every incident but no minors' records."""
    from gvi.models import Role

    return _user(programme_id, Role.ANALYST)


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


@contextmanager
def from_the_raw_tables():
    """The pages as they were before the stored figures: nobody reads them."""
    from unittest import mock

    with (
        mock.patch("gvi.selectors.weekly_review.reads_weekly_counts", return_value=False),
        mock.patch("gvi.selectors.weekly_review.reads_stored_reach", return_value=False),
    ):
        yield


REVIEW_PERIODS = [("8 weeks", "8w"), ("a quarter", "quarter"), ("a year", "year")]


def bench_pages(programme_id: int, runs: int = 5, log=print, verify: bool = True) -> list[Figure]:
    from contextlib import nullcontext

    from django.test import Client
    from django.urls import reverse

    from gvi.selectors.weekly_review import reads_stored_reach, reads_weekly_counts

    user = coordinator(programme_id)
    if user is None:
        raise RuntimeError(f"Programme {programme_id} has no coordinator to log in as.")
    if not (reads_weekly_counts(user) and reads_stored_reach(user)):
        # The headline figures are the stored ones: never measure a raw count under their name.
        raise RuntimeError(f"{user.username} does not read the stored figures; check the programme's sharing rules.")
    ensure_weekly_counts(programme_id, log)
    client = Client()
    client.force_login(user)
    group_id = busiest_group(programme_id)
    review = reverse("frontend:weekly_review")
    target = "< 0.3 s, fixed query count"
    # (name, url, counted from the raw tables, who asks, target)
    pages = [
        (f"weekly review, {label}", f"{review}?period={kind}", False, user, target) for label, kind in REVIEW_PERIODS
    ]
    # The same page with the trends counted from the raw tables (as before the weekly counts).
    pages += [
        (f"weekly review, {label}, from the raw tables", f"{review}?period={kind}", True, user, "")
        for label, kind in REVIEW_PERIODS
    ]
    pages.append(
        (
            "weekly review, its quality summary (fetched by the page)",
            reverse("frontend:weekly_review_quality"),
            False,
            user,
            "none; after the page",
        )
    )
    group_page = reverse("frontend:group_detail", args=[group_id])
    pages.append((f"group page (group {group_id})", group_page, False, user, target))
    # The same page with its 52 weeks counted from the raw tables (as before it read the counts).
    pages.append((f"group page (group {group_id}), from the raw tables", group_page, True, user, ""))
    # A reader who may not read every record behind the stored figures (an analyst reads no
    # minors' records) gets the review counted within their own view: the figure shows that cost.
    reader = analyst(programme_id)
    if reader is not None:
        pages += [
            (f"weekly review, {label}, as an analyst (within their view)", f"{review}?period={kind}", False, reader, "")
            for label, kind in REVIEW_PERIODS[::2]
        ]
    figures = []
    clients = {user.pk: client}
    for name, url, raw, asker, goal in pages:
        if asker.pk not in clients:
            clients[asker.pk] = Client()
            clients[asker.pk].force_login(asker)
        repeats = min(runs, 3) if raw or asker != user else runs  # the slow ones fewer times
        with from_the_raw_tables() if raw else nullcontext():
            times, floors, queries, size = measure_page(clients[asker.pk], url, repeats)
        log(f"  {name}: {', '.join(f'{t * 1000:.0f}' for t in times)} ms; {queries} queries")
        figures.append(
            Figure(
                name,
                median(times),
                median(floors),
                target=goal,
                notes=[
                    f"{queries} queries, {size / 1024:.0f} KiB of HTML, logged in as {asker.username}; "
                    f"median of {repeats}; floor = the same SQL replayed bare"
                ],
            )
        )
    if verify:
        figures += bench_verify(programme_id, log)
    return figures
