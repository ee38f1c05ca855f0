"""Import: N incidents with their involvements from a CSV file, against bare COPY of the same rows.

The project: `gvi.services.imports` as the page and `manage.py import_records` run it: upload
(hash, type and header checks), the dry run (every row parsed, references resolved through the
access policy, validated as `create_record` validates), then the import (the same again, the
rows written a chunk at a time with their history rows, the source references, the weekly counts
refreshed). Each size runs in its own process (`python -m bench.imports N`), which reports its
peak RSS (VmHWM), so that memory can be compared across file sizes.

The floor: the same incidents and involvements (the columns the import fills) loaded with bare
COPY into copies of the two tables without indexes or constraints. Beside it, what the database
alone costs the import: the same rows by bare COPY into the real tables (their indexes, one
history row each, the source references), and for both the import and that load the foreign-key
checks PostgreSQL defers to the commit (the benchmark rolls back, so it runs them on purpose:
`commit_checks`).

Everything is written in a programme of the benchmark's own, in one transaction rolled back at
the end: the database is left as it was.
"""

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time

from bench.common import Figure, memory_kib, setup_django

PERSONS = 2000
FLOOR_INCIDENT_COLUMNS = (
    "id, programme_id, organisation_id, source, confidence, created_at, updated_at, created_by_id, updated_by_id, "
    "incident_type, occurred_at, area_id, place, killed, injured, verification_status, description"
)
FLOOR_INVOLVEMENT_COLUMNS = (
    "id, programme_id, organisation_id, source, confidence, created_at, updated_at, created_by_id, updated_by_id, "
    "incident_id, person_id, role"
)


def _rows(n: int):
    """The file's rows: one incident a row, a suspect and a victim each (2 involvements)."""
    types = ["shooting", "explosion", "serious_assault", "armed_threat"]
    for i in range(n):
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        year = 2020 + (i // 336) % 6
        yield [
            f"BENCH-{i:07d}",
            types[i % 4],
            f"{year}-{month:02d}-{day:02d} {i % 24:02d}:{i % 60:02d}",
            f"Bänkområde {i % 10}",
            "Storgatan",
            str(i % 2),
            str(i % 3),
            "reported",
            f"BP-{i % PERSONS}",
            f"BP-{(i * 7 + 1) % PERSONS}",
            "Polisen bänk",
        ]


HEADER = [
    "Källreferens",
    "Händelsetyp",
    "Tidpunkt",
    "Område",
    "Plats",
    "Döda",
    "Skadade",
    "Verifiering",
    "Misstänkta",
    "Målsäganden",
    "Källa",
]


def write_file(n: int, path: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(_rows(n))


def _setup():
    """A programme, an organisation, a coordinator, 10 areas and the persons the file names."""
    from gvi.models import (
        Area,
        ImportKey,
        ImportKind,
        OrganisationKind,
        PartnerOrganisation,
        Person,
        Programme,
        Role,
        User,
    )

    programme = Programme.objects.create(name=f"BENCH import {time.time_ns()}", city="Bänkstad")
    organisation = PartnerOrganisation.objects.create(
        programme=programme, name="Polisen bänk", kind=OrganisationKind.POLICE
    )
    user = User.objects.create(
        username=f"bench.import.{time.time_ns()}", organisation=organisation, role=Role.COORDINATOR
    )
    Area.objects.bulk_create([Area(programme=programme, name=f"Bänkområde {i}") for i in range(10)])
    persons = Person.objects.bulk_create(
        [
            Person(
                programme=programme,
                organisation=organisation,
                source="bench",
                first_name="Bänk",
                last_name=f"Person{i}",
                date_of_birth=f"{1980 + i % 20}-01-01",
            )
            for i in range(PERSONS)
        ]
    )
    ImportKey.objects.bulk_create(
        [
            ImportKey(programme=programme, kind=ImportKind.PERSONS, reference=f"BP-{i}", object_id=p.pk, row_hash="x")
            for i, p in enumerate(persons)
        ]
    )
    return programme, organisation, user, persons


def floor_copy(n: int, programme, organisation, user, persons, *, into: str = "bare") -> float:
    """Seconds to COPY the same incidents and involvements, as text built beforehand.

    into="bare": into copies of the two tables without indexes or constraints (the floor).
    into="tables": into the real tables with their indexes, plus one history row each and the
    import's source references, as the import writes them (what the database alone costs the
    import); their foreign keys are checked at commit (`commit_checks`), not here."""
    from django.db import connection
    from django.utils import timezone

    from gvi.models import Area, ImportKey, Incident, Involvement

    areas = dict(Area.objects.filter(programme=programme).values_list("name", "id"))
    now = timezone.now().isoformat()
    common = f"{programme.pk}\t{organisation.pk}\tPolisen bänk\tunverified\t{now}\t{now}\t{user.pk}\t{user.pk}"
    history = f"\t{now}\tImport: floor\t+\t{user.pk}"
    first = 10**12 if into == "tables" else 0  # ids no row has (all rolled back)
    incidents, involvements = io.StringIO(), io.StringIO()
    incident_history, involvement_history, keys = io.StringIO(), io.StringIO(), io.StringIO()
    for i, row in enumerate(_rows(n)):
        incident = (
            f"{first + i + 1}\t{common}\t{row[1]}\t{row[2]}:00+01\t{areas[row[3]]}\t{row[4]}\t{row[5]}\t{row[6]}"
            "\treported\t"
        )
        incidents.write(incident + "\n")
        if into == "tables":
            incident_history.write(incident + history + "\n")
            keys.write(f"{programme.pk}\tincidents\tFLOOR-{i}\t{first + i + 1}\t{'0' * 64}\n")
        for offset, (reference, role) in enumerate(((row[8], "suspect"), (row[9], "victim"))):
            person = persons[int(reference[3:])].pk
            involvement = f"{first + 2 * i + offset + 1}\t{common}\t{first + i + 1}\t{person}\t{role}"
            involvements.write(involvement + "\n")
            if into == "tables":
                involvement_history.write(involvement + history + "\n")
    cursor = connection.cursor().cursor
    history_columns = ", history_date, history_change_reason, history_type, history_user_id"
    if into == "tables":
        loads = (
            (Incident._meta.db_table, FLOOR_INCIDENT_COLUMNS, incidents),
            (Incident.history.model._meta.db_table, FLOOR_INCIDENT_COLUMNS + history_columns, incident_history),
            (Involvement._meta.db_table, FLOOR_INVOLVEMENT_COLUMNS, involvements),
            (
                Involvement.history.model._meta.db_table,
                FLOOR_INVOLVEMENT_COLUMNS + history_columns,
                involvement_history,
            ),
            (ImportKey._meta.db_table, "programme_id, kind, reference, object_id, row_hash", keys),
        )
    else:
        loads = []
        for table, columns, data in (
            (Incident._meta.db_table, FLOOR_INCIDENT_COLUMNS, incidents),
            (Involvement._meta.db_table, FLOOR_INVOLVEMENT_COLUMNS, involvements),
        ):
            cursor.execute(f"CREATE TEMP TABLE bench_floor_{table} (LIKE {table}) ON COMMIT DROP")
            loads.append((f"bench_floor_{table}", columns, data))
    started = time.perf_counter()
    for table, columns, data in loads:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(data.getvalue())
    return time.perf_counter() - started


def commit_checks() -> float:
    """Seconds the foreign keys written so far take to check. They are deferred to the commit,
    which the benchmark never reaches (it rolls back): here they are checked now."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return time.perf_counter() - started


def measure(n: int) -> dict:
    """Run in a process of its own: set up, import N incidents, measure the floor, roll back."""
    from django.db import transaction

    from gvi.models import ImportStatus, Incident, Involvement
    from gvi.services import imports

    result = {"rows": n}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, f"incidents-{n}.csv")
        write_file(n, path)
        result["file_mb"] = os.path.getsize(path) / 1e6
        result["rss_before_kib"] = memory_kib()["VmHWM"]
        with transaction.atomic():
            programme, organisation, user, persons = _setup()
            started = time.perf_counter()
            run = imports.upload_path(user=user, path=path)
            result["upload"] = time.perf_counter() - started
            started = time.perf_counter()
            run = imports.check(user=user, run=run)
            result["check"] = time.perf_counter() - started
            assert run.rows_failed == 0, run.errors[:3]
            run = imports.confirm(user=user, run=run)
            started = time.perf_counter()
            run = imports.execute(user=user, run=run)
            result["execute"] = time.perf_counter() - started
            assert run.status == ImportStatus.DONE, run.message
            result["incidents"] = Incident.objects.filter(programme=programme).count()
            result["involvements"] = Involvement.objects.filter(programme=programme).count()
            result["history_rows"] = Incident.history.filter(programme_id=programme.pk).count()
            result["commit_checks"] = commit_checks()
            result["peak_rss_kib"] = memory_kib()["VmHWM"]
            result["floor"] = floor_copy(n, programme, organisation, user, persons)
            result["floor_tables"] = floor_copy(n, programme, organisation, user, persons, into="tables")
            result["floor_tables_checks"] = commit_checks()
            transaction.set_rollback(True)
    return result


def run_child(n: int) -> dict:
    """`measure(n)` in a fresh process, so that its peak RSS is the import's own."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.imports", str(n)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_imports(*, sizes=(20_000, 100_000), runs: int = 1, log=print, in_process: bool = False) -> list[Figure]:
    figures = []
    results = {}
    for n in sizes:
        measured = [measure(n) if in_process else run_child(n) for _ in range(max(runs, 1))]
        best = sorted(measured, key=lambda r: r["check"] + r["execute"])[len(measured) // 2]
        results[n] = best
        log(
            f"  {n:,} incidents ({best['file_mb']:.1f} MB, {best['involvements']:,} involvements): upload "
            f"{best['upload']:.2f} s, check {best['check']:.2f} s, import {best['execute']:.2f} s "
            f"(+ {best['commit_checks']:.2f} s of foreign-key checks at commit); COPY floor {best['floor']:.2f} s, "
            f"into the real tables {best['floor_tables']:.2f} s (+ {best['floor_tables_checks']:.2f} s); "
            f"peak RSS {best['peak_rss_kib'] / 1024:.0f} MiB"
        )
        figures.append(
            Figure(
                f"import {n:,} incidents + {best['involvements']:,} involvements (confirmed import)",
                best["execute"],
                best["floor"],
                target="< 60 s, ≤ 5× COPY" if n >= 100_000 else "",
                notes=[
                    f"{n:,}: dry run {best['check']:.2f} s before it, upload {best['upload']:.2f} s; "
                    f"peak RSS {best['peak_rss_kib'] / 1024:.0f} MiB "
                    f"(process start {best['rss_before_kib'] / 1024:.0f} MiB)",
                    f"{n:,}: foreign keys checked at commit {best['commit_checks']:.2f} s more; the same rows by "
                    f"bare COPY into the real tables (indexes, history rows, source references) "
                    f"{best['floor_tables']:.2f} s + {best['floor_tables_checks']:.2f} s at commit",
                ],
            )
        )
    return figures


if __name__ == "__main__":
    setup_django()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    print(json.dumps(measure(int(sys.argv[1]))))
