"""The demo's SQLite (a file) shared by the web server, the worker and beat: a write while another
process writes waits its turn instead of failing with "database is locked".

A transaction that reads and then writes starts as a reader under SQLite's default (deferred)
BEGIN; when another connection commits a write in between, SQLite cannot upgrade it and answers
SQLITE_BUSY at once, without waiting for the busy timeout. config/settings.py makes Django begin
every transaction IMMEDIATE (the write lock taken up front, waiting up to the timeout), in WAL
mode (readers never wait for the writer). Runs in a fresh process with the real settings on a
file database, whatever database the suite itself uses."""

import json
import subprocess
import sys

from tests.tasks.workers import BASE_DIR

TWO_WRITERS = """
import json, threading
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, seen INTEGER NOT NULL)")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
connection.close()
errors = []
start = threading.Barrier(3)

def work():
    try:
        start.wait()
        for _ in range(150):
            # As a page or a job does: read, then write what it read.
            with transaction.atomic(), connection.cursor() as cursor:
                seen = cursor.execute("SELECT COUNT(*) FROM counter").fetchone()[0]
                cursor.execute("INSERT INTO counter (seen) VALUES (%s)", [seen])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=work) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    rows, distinct = cursor.execute("SELECT COUNT(*), COUNT(DISTINCT seen) FROM counter").fetchone()
print(json.dumps({"errors": errors, "rows": rows, "distinct": distinct, "mode": mode}))
"""


def test_concurrent_writers_on_the_demo_sqlite_wait_their_turn(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "PATH": "/usr/bin:/bin", "LOG_LEVEL": "ERROR"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [sys.executable, "-c", TWO_WRITERS], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["mode"] == "wal"
    # Every transaction saw all the earlier ones: they ran one after another.
    assert result["rows"] == result["distinct"] == 450
