"""`make bench` (python -m bench): the national scale on PostgreSQL, each figure next to its floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gvi_bench python -m bench [--runs 3] [--only scoring pages]

Migrates, seeds the national scale unless a programme of that size is there (timing the seed),
then runs the benchmarks and prints a table: the project's figure, its floor measured in the
same run, and the ratio. Benchmarks print figures; they never fail. See bench/README.md.
"""

import argparse
import sys
import time

from bench.common import Figure, print_table, require_postgresql, setup_django

BENCHMARKS = ["scoring", "incremental", "ingest", "pages", "policy", "imports"]


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measurement (median quoted)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS)
    parser.add_argument("--scale", default="national", help="the seed scale (national; city for a quick look)")
    parser.add_argument(
        "--reseed", action="store_true", help="EMPTY the database (manage.py flush) and seed again, timing it"
    )
    parser.add_argument("--requests", type=int, default=3000, help="ingest: POSTs per measurement, at most")
    parser.add_argument("--seconds", type=float, default=15.0, help="ingest: seconds per measurement, at most")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv if argv is not None else sys.argv[1:])
    setup_django()
    require_postgresql()
    import logging

    from django.core.management import call_command

    for name in ("celery", "axes"):  # a line per task run or login would break up the figures
        logging.getLogger(name).setLevel(logging.WARNING)

    from bench import seed

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if args.reseed:
        print("Emptying the database (manage.py flush) to seed again ...", flush=True)
        from gvi.audit import flush_may_empty_the_access_log

        with flush_may_empty_the_access_log():  # the bench database is thrown away
            call_command("flush", interactive=False, verbosity=0)
    programme_id = seed.seeded_programme(args.scale)
    seeded_now = False
    if programme_id is None:
        print(f"Seeding the {args.scale} scale (about 2 minutes for national) ...", flush=True)
        seed.seed(args.scale)
        seeded_now = True
        programme_id = seed.seeded_programme(args.scale)
    else:
        print(f"Programme {programme_id} is seeded at the {args.scale} scale: not seeding again.", flush=True)
    figures: list[Figure] = seed.figure(seed.last_record(), seeded_now)
    runs = max(args.runs, 1)
    for name in args.only:
        print(f"\n{name}:", flush=True)
        figures += run_one(name, programme_id, runs, args)
    print(f"\nFigures (medians of {runs} runs; floor measured side by side in this run; × = project / floor,")
    print("for ingest floor / project), all on this machine, in", f"{time.perf_counter() - started:.0f} s:\n")
    print_table(figures)
    return 0


def run_one(name: str, programme_id: int, runs: int, args) -> list[Figure]:
    if name == "scoring":
        from bench.scoring import bench_scoring

        return bench_scoring(programme_id, runs=runs)
    if name == "incremental":
        from bench.incremental import bench_incremental

        return bench_incremental(programme_id, runs=runs)
    if name == "ingest":
        from bench.ingest import bench_ingest

        return bench_ingest(programme_id, runs=runs, requests=args.requests, seconds=args.seconds)
    if name == "pages":
        from bench.pages import bench_pages

        return bench_pages(programme_id, runs=max(runs, 5))
    if name == "policy":
        from bench.policy import bench_policy

        return bench_policy(programme_id, runs=runs)
    if name == "imports":
        from bench.imports import bench_imports

        return bench_imports(runs=1)
    raise ValueError(name)


if __name__ == "__main__":
    sys.exit(main())
