"""A worker process for the benchmarks: runs scoring tasks as the Celery worker does, reports memory.

    python -m bench.worker      (reads commands on stdin, answers one JSON line each)

Commands: `memory`, `score <programme id>` (the full run, `gvi.scoring.run_scoring`, as the
nightly task runs it without the comparison), `verify <programme id>` (the nightly task
`tasks.scoring.verify_programme_scores` with Celery's `apply`, the worker's code path: the full
run, the comparison with the incremental state, any repair), each answering the time, the run
and the peak RSS; `quit`. Run by WorkerProcess; a separate process so that its peak RSS is its own.
"""

import json
import os
import subprocess
import sys
import time

from bench.common import memory_kib, setup_django


def score(programme_id: int) -> dict:
    """One full scoring run (every incident of the window, every group)."""
    from gvi.scoring import run_scoring

    started = time.perf_counter()
    run = run_scoring(programme_id=programme_id, trigger="bench")
    return {"seconds": time.perf_counter() - started, "run_id": run.pk}


def verify(programme_id: int) -> dict:
    """The nightly check through its task, as the Celery worker runs it."""
    from tasks.scoring import verify_programme_scores

    started = time.perf_counter()
    result = verify_programme_scores.apply(args=(programme_id,), throw=True).get()
    return {"seconds": time.perf_counter() - started, **result}


def serve(stdin=sys.stdin, stdout=sys.stdout) -> None:
    setup_django(os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"))
    import logging

    from django.db import connection

    logging.getLogger("celery").setLevel(logging.WARNING)  # no "Task succeeded" lines in the table
    connection.ensure_connection()
    print(json.dumps({"ready": True, **memory_kib()}), file=stdout, flush=True)
    for line in stdin:
        command, *args = line.split()
        if command == "quit":
            break
        answer = {"score": score, "verify": verify}[command](int(args[0])) if command in ("score", "verify") else {}
        print(json.dumps({**answer, **memory_kib()}), file=stdout, flush=True)


class InProcessWorker:
    """The same interface in this process (the smoke test: its test database is not reachable
    from another process). Its memory figures are this process's."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def memory(self) -> dict:
        return memory_kib()

    def score(self, programme_id: int) -> dict:
        return {**score(programme_id), **memory_kib()}

    def verify(self, programme_id: int) -> dict:
        return {**verify(programme_id), **memory_kib()}


class WorkerProcess:
    """Starts `python -m bench.worker` with this process's environment and talks to it."""

    def __enter__(self):
        env = {**os.environ, "DJANGO_DEBUG": "0"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.started = self._read()
        return self

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"The bench worker stopped (exit code {self.process.wait()}).")
        return json.loads(line)

    def _ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def memory(self) -> dict:
        return self._ask("memory")

    def score(self, programme_id: int) -> dict:
        return self._ask(f"score {programme_id}")

    def verify(self, programme_id: int) -> dict:
        return self._ask(f"verify {programme_id}")

    def __exit__(self, *exc):
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    serve()
