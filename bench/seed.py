"""Seed load: the national scale into PostgreSQL, against loading the same rows with bare COPY.

`manage.py seed --scale national` draws the synthetic rows in Python and loads the big tables
with COPY, dropping and rebuilding their indexes and foreign keys (gvi/seed/). The floor copies
the rows of those tables out again and loads them with COPY into bare copies of the tables (no
index, no constraint), in a transaction that is rolled back: the cost of moving the bytes alone.

The seed is measured when `make bench` seeds (an empty database, or --reseed); the figures are
kept in var/bench/seed.json and shown again by later runs.
"""

import json
import tempfile
import time
from pathlib import Path

from bench.common import Figure

RECORD = "bench/seed.json"


def record_path() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / RECORD


def seeded_programme(scale: str = "national"):
    """The id of a programme with at least the scale's incidents, else None."""
    from django.db.models import Count

    from gvi.models import Incident
    from gvi.seed.context import SCALES

    row = (
        Incident.objects.values("programme_id")
        .annotate(n=Count("id"))
        .filter(n__gte=SCALES[scale].incidents)
        .order_by("-n", "programme_id")
        .first()
    )
    return row["programme_id"] if row else None


def big_tables() -> list[str]:
    from gvi.seed.runner import BIG_MODELS

    return [model._meta.db_table for model in BIG_MODELS]


def copy_floor(tables: list[str], log=print) -> tuple[float, int]:
    """Seconds to COPY the tables' rows into bare copies of them (rolled back), and the rows moved."""
    from django.db import connection, transaction

    seconds, rows = 0.0, 0
    with transaction.atomic():
        cursor = connection.cursor().cursor  # psycopg's own cursor, for COPY
        for table in tables:
            with tempfile.TemporaryFile() as spool:
                with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                    for data in copy:
                        spool.write(data)
                spool.seek(0)
                cursor.execute(f"CREATE TABLE bench_floor_{table} (LIKE {table})")
                started = time.perf_counter()
                with cursor.copy(f"COPY bench_floor_{table} FROM STDIN") as copy:
                    while data := spool.read(1 << 20):
                        copy.write(data)
                seconds += time.perf_counter() - started
                rows += cursor.rowcount if cursor.rowcount and cursor.rowcount > 0 else 0
        transaction.set_rollback(True)
    log(f"  floor: {rows:,} rows of {len(tables)} tables loaded with bare COPY in {seconds:.1f} s")
    return seconds, rows


def seed(scale: str = "national", log=print) -> dict:
    """Seed the scale, measure the floor right after, and keep both figures."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("seed", scale=scale, verbosity=2 if log is print else 0)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        # Statistics for the planner and the visibility map for index-only scans, as autovacuum
        # would leave them some minutes later.
        cursor.execute("VACUUM ANALYZE")
    floor, rows = copy_floor(big_tables(), log=log)
    record = {
        "scale": scale,
        "seconds": seconds,
        "floor": floor,
        "rows": rows,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))
    return record


def figure(record: dict | None, measured_now: bool) -> list[Figure]:
    if record is None:
        return [Figure("seed load", None, None, notes=["not measured: run `make bench BENCH_ARGS=--reseed`"])]
    when = "in this run" if measured_now else f"when seeded on {record['at']} (kept in var/{RECORD})"
    return [
        Figure(
            f"seed load: {record['scale']} scale",
            record["seconds"],
            record["floor"],
            notes=[f"measured {when}; floor = bare COPY of the {record['rows']:,} rows of the big tables"],
        )
    ]


def last_record() -> dict | None:
    path = record_path()
    return json.loads(path.read_text()) if path.exists() else None
