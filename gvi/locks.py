"""Transaction-scoped locks for derived data kept by the write path."""

from django.db import connection

# One namespace per kind of derived data, so that writers of one never wait for another's.
WEEKLY_COUNTS = 48_185
REACH = 48_186


def programme_lock(namespace: int, programme_id: int) -> None:
    """Hold a lock on the programme's derived data of `namespace` until the transaction ends.

    Two writers recounting the same rows must not both write what each saw alone: the second
    waits for the first to commit, then recounts with its rows in view (PostgreSQL; SQLite
    serialises writers anyway).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, programme_id])
