"""Ctrl-C on `make demo` stops the web server, the worker and beat, cleanly and at once.

The commands are the Makefile's own (`make -n demo`), run by /bin/sh as make runs them, in a
process group of their own; Ctrl-C is SIGINT to that group, as a terminal sends it. They run
against the test database (PostgreSQL: the processes share it) with the filesystem broker of the
demo. The old trap (`kill 0` on EXIT, INT and TERM) re-signalled the group, itself included:
the shell crashed, the worker logged thousands of shutdowns and kept running."""

import os
import signal
import socket
import subprocess
import time

import pytest

from tests.tasks.workers import BASE_DIR, database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def demo_commands(port: int) -> str:
    """The last command of `make demo`: the three processes under the trap."""
    dry_run = subprocess.run(
        ["make", "-n", "demo", f"PORT={port}"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    return dry_run[dry_run.index("\ntrap ") + 1 :]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_the_web_server_the_worker_and_beat_cleanly(tmp_path):
    from django.db import connection

    from tests.conftest import skip_or_fail

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL so the demo's processes see the test database")
    port = free_port()
    commands = demo_commands(port)
    assert "runserver" in commands and "worker" in commands and "beat" in commands
    var = tmp_path / "var"
    for folder in ("celery-queue", "celery-processed", "celery-control", "static"):
        (var / folder).mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=database_url(), GVI_VAR_DIR=str(var), CELERY_TASK_ALWAYS_EAGER="0")
    log_path = tmp_path / "demo.log"
    with log_path.open("w") as log:
        shell = subprocess.Popen(
            ["/bin/sh", "-c", commands],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        print(commands)  # shown with the log when the test fails
        wait_for(
            lambda: all(
                sign in log_path.read_text() for sign in ("celery@", "ready", "beat: Starting", "Quit the server")
            ),
            timeout=120,
            what="the web server, the worker and beat to start",
        )
        os.killpg(shell.pid, signal.SIGINT)  # Ctrl-C
        started = time.monotonic()
        shell.wait(timeout=60)  # reaped: a zombie would still count as one of the group
        wait_for(lambda: not group_alive(shell.pid), timeout=30, what="the web server, the worker and beat to stop")
        stopped_in = time.monotonic() - started
    except (AssertionError, subprocess.TimeoutExpired):
        print(log_path.read_text()[-5000:])
        raise
    finally:
        if group_alive(shell.pid):
            os.killpg(shell.pid, signal.SIGKILL)
        shell.wait(timeout=10)
    output = log_path.read_text()
    assert shell.returncode >= 0, f"the shell died of signal {-shell.returncode}"
    assert "Traceback" not in output and "RecursionError" not in output, output[-3000:]
    assert output.count("Warm shutdown") <= 2, output[-3000:]  # Ctrl-C, then the trap's one TERM
    assert stopped_in < 30
