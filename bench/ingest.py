"""Partner API ingest: POSTs of custom notifications per second through gunicorn on this machine.

The project: `POST /api/v1/custom-notifications/` with an organisation API key, a fresh
Idempotency-Key per request, validation, the write service, history and the access log, the
follow-up task dispatched on commit (to the broker in CELERY_BROKER_URL; purged afterwards).
The floor: a bare Django view that parses the same JSON body and answers it back with 201,
served by the same gunicorn (settings bench.settings, config/gunicorn.py) in the same run.
The write floor, a second reference: the same bare view also inserting the rows one POST makes
with plain SQL in one committed transaction (bench/urls.py), so the report can tell the
database's share from the rest.

The load generator is bounded: a few threads, each with one keep-alive http.client connection
to 127.0.0.1, stop at `requests` answers or after `seconds`, whichever comes first. The API
throttle stays on, at a rate the benchmark cannot reach (API_THROTTLE_RATE), so its cost counts.
"""

import datetime as dt
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Figure, median

PROJECT_PATH = "/api/v1/custom-notifications/"
SOURCE = "BENCH ingest"


@dataclass
class Load:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load(
    base_url: str, path: str, headers: dict, bodies: list[bytes], *, requests: int, seconds: float, concurrency: int = 4
) -> Load:
    """POST the bodies round robin from `concurrency` keep-alive connections; bounded in count and time."""
    url = urllib.parse.urlsplit(base_url)
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("The load generator only talks to this machine (127.0.0.1).")
    lock = threading.Lock()
    issued = [0]
    result = Load(seconds=0.0)
    deadline = time.perf_counter() + seconds

    def worker():
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        latencies, statuses = [], {}
        while time.perf_counter() < deadline:
            with lock:
                n = issued[0]
                if n >= requests:
                    break
                issued[0] += 1
            body = bodies[n % len(bodies)]
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                status = 0
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
        connection.close()
        with lock:
            result.latencies.extend(latencies)
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def prepare(programme_id: int, persons: int = 200) -> tuple[str, list[bytes]]:
    """An API key for a probation service (else any partner) and request bodies about adults it may see."""
    from django.core.management import call_command
    from django.utils import timezone

    from api.models import service_account_for
    from gvi.models import NotificationResponse, OrganisationKind, PartnerOrganisation, ServiceKind
    from gvi.selectors.api import persons as visible_persons

    organisations = PartnerOrganisation.objects.filter(programme_id=programme_id)
    organisation = organisations.filter(kind=OrganisationKind.PROBATION).first() or organisations.first()
    out = io.StringIO()
    call_command(
        "issue_api_key",
        organisation=str(organisation.pk),
        name="bench ingest",
        expires_in_days=1,
        stdout=out,
        stderr=io.StringIO(),
    )
    key = out.getvalue().strip()
    adult_before = timezone.localdate() - dt.timedelta(days=366 * 19)
    person_ids = list(
        visible_persons(service_account_for(organisation))
        .filter(date_of_birth__lt=adult_before)
        .order_by("id")
        .values_list("id", flat=True)[:persons]
    )
    if not person_ids:
        raise RuntimeError(f"{organisation} sees no adult to log a custom notification about.")
    today = timezone.localdate().isoformat()
    bodies = [
        json.dumps(
            {
                "person": person_id,
                "delivered_on": today,
                "response": NotificationResponse.values[n % len(NotificationResponse.values)],
                "services_offered": [ServiceKind.values[n % len(ServiceKind.values)]],
                "source": SOURCE,
            }
        ).encode()
        for n, person_id in enumerate(person_ids)
    ]
    return key, bodies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(log_path: Path):
    """gunicorn as in production (config/gunicorn.py), with the bench settings, on 127.0.0.1."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # The bench database was seeded with the development keys; gunicorn is told so on purpose.
        "GVI_GUNICORN_DEVELOPMENT": "1",
        "DJANGO_DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "API_THROTTLE_RATE": os.environ.get("BENCH_THROTTLE_RATE", "1000000/minute"),
    }
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(gunicorn_bin), "config.wsgi:application", "--config", "config/gunicorn.py"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(base_url, process)
            yield base_url, env
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(base_url: str, process, timeout: float = 60.0) -> None:
    url = urllib.parse.urlsplit(base_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit code {process.returncode}): see var/bench/gunicorn.log")
        try:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within a minute.")


def purge_queued_tasks() -> int:
    """The follow-up tasks the POSTs queued (no worker runs during the benchmark)."""
    from config.celery import app

    try:
        return app.control.purge() or 0
    except Exception:  # a broker that cannot purge leaves the tasks to the next worker
        return 0


def measure(
    base_url: str,
    key: str,
    bodies: list[bytes],
    *,
    runs: int,
    requests: int,
    seconds: float,
    concurrency: int,
    log=print,
) -> tuple[list[Load], list[Load], list[Load]]:
    """Alternate project, floor and write-floor measurements `runs` times, after a short warm-up of each."""
    from bench.urls import FLOOR_PATH, WRITE_FLOOR_PATH

    project_headers = {"Content-Type": "application/json", "Authorization": f"Api-Key {key}"}
    floor_headers = {"Content-Type": "application/json"}
    targets = [
        (PROJECT_PATH, project_headers),
        ("/" + FLOOR_PATH, floor_headers),
        ("/" + WRITE_FLOOR_PATH, floor_headers),
    ]
    for path, headers in targets:  # the project first: the write floor copies its stored rows
        load(base_url, path, headers, bodies, requests=min(20, requests), seconds=seconds, concurrency=concurrency)
    measured = ([], [], [])
    for n in range(runs):
        for (path, headers), loads in zip(targets, measured, strict=True):
            loads.append(
                load(base_url, path, headers, bodies, requests=requests, seconds=seconds, concurrency=concurrency)
            )
        project, floor, write_floor = (loads[-1] for loads in measured)
        log(
            f"  run {n + 1}: project {project.per_second:.0f}/s ({project.ok} created, statuses {project.statuses}), "
            f"floor {floor.per_second:.0f}/s ({floor.ok} answered), "
            f"write floor {write_floor.per_second:.0f}/s ({write_floor.ok} written)"
        )
    return measured


def figures(
    projects: list[Load], floors: list[Load], write_floors: list[Load], concurrency: int, server: str
) -> list[Figure]:
    def latency(loads):
        values = [x for load_ in loads for x in load_.latencies]
        p50 = statistics.median(values) if values else float("nan")
        return p50, Load(seconds=0, latencies=values).percentile(99)

    p50, p99 = latency(projects)
    floor_p50, floor_p99 = latency(floors)
    write_p50, write_p99 = latency(write_floors)
    failed = {s: n for load_ in projects for s, n in load_.statuses.items() if not 200 <= s < 300}
    notes = [
        f"latency project p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; floor p50 {floor_p50 * 1000:.0f} ms, "
        f"p99 {floor_p99 * 1000:.0f} ms; {concurrency} keep-alive clients; {server}",
    ]
    if failed:
        notes.append(f"project answers that were not 2xx: {failed}")
    return [
        Figure(
            "ingest: custom notifications per second",
            median([p.per_second for p in projects]),
            median([f.per_second for f in floors]),
            unit="/s",
            higher_is_better=True,
            target="≥ 0.5× floor (× ≤ 2)",
            notes=notes,
        ),
        Figure(
            "ingest against the write floor",
            median([p.per_second for p in projects]),
            median([w.per_second for w in write_floors]),
            unit="/s",
            higher_is_better=True,
            notes=[
                f"the bare view plus the same rows inserted with plain SQL, committed: p50 {write_p50 * 1000:.0f} ms, "
                f"p99 {write_p99 * 1000:.0f} ms"
            ],
        ),
    ]


def bench_ingest(
    programme_id: int, runs: int = 3, requests: int = 3000, seconds: float = 15.0, concurrency: int = 4, log=print
) -> list[Figure]:
    from django.conf import settings

    key, bodies = prepare(programme_id)
    with gunicorn(Path(settings.VAR_DIR) / "bench" / "gunicorn.log") as (base_url, env):
        server = (
            f"gunicorn config/gunicorn.py: {env.get('GUNICORN_WORKERS', '3')} workers × "
            f"{env.get('GUNICORN_THREADS', '1')} threads"
        )
        projects, floors, write_floors = measure(
            base_url, key, bodies, runs=runs, requests=requests, seconds=seconds, concurrency=concurrency, log=log
        )
    purged = purge_queued_tasks()
    if purged:
        log(f"  purged {purged} follow-up tasks queued by the POSTs")
    return figures(projects, floors, write_floors, concurrency, server)
