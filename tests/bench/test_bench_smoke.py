"""Each benchmark function at a tiny scale on the test database, so that the code cannot rot.

The figures themselves are not asserted (benchmarks never fail the suite); what is asserted is
that each benchmark runs end to end and that the checks it makes (scores agree with the floor,
the new score is visible, the POSTs are created) hold.
"""

import io

import pytest
from django.db import connection

from bench import common, incremental, ingest, pages, policy, scoring
from bench import seed as bench_seed
from bench.worker import InProcessWorker
from gvi import models as m
from gvi.seed.runner import run as run_seed


def _quiet(*args, **kwargs):
    pass


@pytest.fixture
def small(db):
    """The small seed (one programme, a few hundred incidents) and its id."""
    run_seed(scale="small", seed=3)
    return m.Programme.objects.get().pk


def test_scoring_agrees_with_the_hand_written_floor(small):
    [figure, check] = scoring.bench_scoring(small, runs=2, log=_quiet, worker_class=InProcessWorker)
    assert figure.project > 0 and figure.floor > 0
    assert "scores agree with the floor" in figure.notes[0]
    assert "peak RSS" in figure.notes[1]
    assert m.ScoringRun.objects.filter(programme_id=small, trigger="bench").count() == 2
    # The nightly check ran twice: the first built the state, the second found no drift.
    assert "the second found 0 groups and 0 terms differing" in check.notes[0]
    assert m.ScoringRun.objects.filter(programme_id=small, trigger="nightly").count() == 2


def test_floor_scores_match_a_run_group_by_group(small):
    from gvi.scoring import run_scoring

    run = run_scoring(programme_id=small, trigger="test")
    project = scoring.project_scores(run.pk)
    floor = scoring.floor_scores(small, run.as_of)
    assert project, "the small seed gives some group a score"
    assert scoring.compare(project, floor) == (0, pytest.approx(0.0, abs=1e-9))
    # and the comparison does see a difference
    floor[next(iter(floor))] += 1.0
    assert scoring.compare(project, floor)[0] == 1


@pytest.mark.django_db(transaction=True)
def test_incremental_update_runs_the_task_path_and_the_new_score_is_visible(settings):
    # Transactional: the scoring task is dispatched when log_incident's transaction commits.
    run_seed(scale="small", seed=3)
    before = m.Incident.objects.count()
    [figure] = incremental.bench_incremental(m.Programme.objects.get().pk, runs=2, log=_quiet)
    assert m.Incident.objects.count() == before + 2
    assert "new score agrees with the full floor" in figure.notes[0]
    assert figure.project > 0 and figure.floor > 0
    # The updates were incremental: the state was built once, then each change taken in.
    assert m.ScoringRun.objects.filter(trigger="incident").count() == 2


def test_pages_are_measured_with_their_query_counts(small):
    figures = pages.bench_pages(small, runs=1, log=_quiet)
    *measured, verify, verify_reach = figures
    assert [f.name.split(" (")[0] for f in measured] == [
        "weekly review, 8 weeks",
        "weekly review, a quarter",
        "weekly review, a year",
        "weekly review, 8 weeks, from the raw tables",
        "weekly review, a quarter, from the raw tables",
        "weekly review, a year, from the raw tables",
        "weekly review, its quality summary",
        "group page",
        "group page",
        "weekly review, 8 weeks, as an analyst",
        "weekly review, a year, as an analyst",
    ]
    group_page, group_page_raw = measured[7:9]
    assert group_page_raw.name.endswith(", from the raw tables") and not group_page.name.endswith("tables")
    # The analyst's review is counted within their view: no target, the coordinator's pages have one.
    assert [f.target for f in measured[-2:]] == ["", ""] and group_page.target.startswith("< 0.3 s")
    for figure in measured:
        assert figure.project > 0 and figure.floor > 0
        assert " queries" in figure.notes[0]
    # The seed built the weekly counts and the reach; the nightly check finds nothing to correct.
    assert verify.name.startswith("weekly counts: nightly verify") and verify.notes == ["0 rows drifted"]
    assert verify_reach.name.startswith("reach of the message: nightly verify")
    assert verify_reach.notes == ["0 rows drifted"]


def test_the_policy_is_measured_per_reader_and_record_kind(small):
    figures = policy.bench_policy(small, runs=1, log=_quiet)
    summed = [f.name for f in figures if f.name.endswith("every kind, summed")]
    assert summed == [
        f"policy, {label} partner officer: every kind, summed"
        for label in ("civil society", "social services", "police")
    ]
    by_name = {f.name: f for f in figures}
    for figure in figures:
        assert figure.project > 0 and figure.floor > 0
    # The policy does filter: a civil-society officer sees fewer involvements than the programme has.
    visible, _, total = by_name["policy, civil society partner officer: involvement"].notes[0].split()[:3]
    assert int(visible.replace(",", "")) < int(total.replace(",", ""))


@pytest.mark.django_db(transaction=True)
def test_ingest_posts_custom_notifications_and_the_bare_floor(live_server, settings, monkeypatch):
    from config.celery import app

    run_seed(scale="small", seed=3)
    programme_id = m.Programme.objects.get().pk
    settings.ROOT_URLCONF = "bench.urls"
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the follow-up task, in the server thread
    key, bodies = ingest.prepare(programme_id, persons=5)
    before = m.CustomNotification.objects.count()
    projects, floors, write_floors = ingest.measure(
        live_server.url, key, bodies, runs=1, requests=4, seconds=20, concurrency=1, log=_quiet
    )
    assert projects[0].statuses == floors[0].statuses == write_floors[0].statuses == {201: 4}
    # 4 measured + 4 warm-up POSTs each by the project and the write floor; the floor created nothing.
    assert m.CustomNotification.objects.count() == before + 16
    written = m.CustomNotification.objects.filter(source="BENCH write floor")
    assert written.count() == 8
    assert m.ServiceReferral.objects.filter(notification__in=written).count() == 8
    assert m.CustomNotification.history.filter(source="BENCH write floor").count() == 8
    figure, against_writes = ingest.figures(projects, floors, write_floors, 1, "live server")
    assert figure.higher_is_better and figure.ratio > 0
    assert "p99" in figure.notes[0]
    assert against_writes.floor > 0 and "plain SQL" in against_writes.notes[0]


def test_load_generator_talks_to_this_machine_only():
    with pytest.raises(ValueError, match="127.0.0.1"):
        ingest.load("http://example.invalid:80", "/", {}, [b"{}"], requests=1, seconds=1)


def test_seed_figures(small):
    assert bench_seed.seeded_programme("small") == small
    assert bench_seed.seeded_programme("national") is None
    [figure] = bench_seed.figure({"scale": "small", "seconds": 2.0, "floor": 0.5, "rows": 10, "at": "x"}, True)
    assert figure.ratio == 4.0 and "in this run" in figure.notes[0]
    if connection.vendor == "postgresql":
        seconds, rows = bench_seed.copy_floor(bench_seed.big_tables(), log=_quiet)
        assert rows == sum(model.objects.count() for model in bench_seed_models())


def bench_seed_models():
    from gvi.seed.runner import BIG_MODELS

    return BIG_MODELS


def test_make_bench_refuses_anything_but_postgresql(db, monkeypatch):
    from bench.__main__ import main

    monkeypatch.setattr(connection, "vendor", "sqlite")  # whatever runs the suite, make bench sees SQLite
    monkeypatch.setenv("DJANGO_DEBUG", "0")  # what main() would set, undone after the test
    with pytest.raises(common.NotPostgreSQL, match="needs PostgreSQL: set DATABASE_URL=postgres://"):
        main([])


def test_table_puts_the_project_next_to_its_floor():
    out = io.StringIO()
    common.print_table(
        [
            common.Figure("scoring", 3.0, 2.0, target="≤ 1.5× floor", notes=["median of 3"]),
            common.Figure("ingest", 50.0, 200.0, unit="/s", higher_is_better=True),
        ],
        out=lambda line: print(line, file=out),
    )
    text = out.getvalue()
    assert "1.50×" in text and "4.00×" in text
    assert "3.00 s" in text and "2.00 s" in text and "200.0 /s" in text
    assert "scoring: median of 3" in text


def test_the_import_benchmark_imports_and_loads_the_floor(db, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the import benchmark's floor is PostgreSQL's COPY")
    from bench import imports as bench_imports

    settings.GVI_IMPORT_DIR = tmp_path
    [figure] = bench_imports.bench_imports(sizes=(60,), log=_quiet, in_process=True)
    assert figure.project > 0 and figure.floor > 0
    assert "peak RSS" in figure.notes[0]
    assert not m.Incident.objects.filter(source="Polisen bänk").exists()  # rolled back
