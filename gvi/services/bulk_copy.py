"""Writing many new rows with PostgreSQL's COPY, history rows included (the import's bulk path).

The rows are given as plain values, {attname: value}, already validated and policy-checked by the
caller (`gvi.services.common.ValuesValidator`, `gvi.policy.CreateDecisions`). They are the rows
`bulk_create` and simple-history's `bulk_history_create` would write, field for field
(tests/imports/test_bulk_copy.py compares them): ids are drawn from the table's own sequence
first, so the caller knows them; `created_at` / `updated_at` are set as `auto_now_add` /
`auto_now` set them; a field left out takes its default; each history row is a "+" (created) row
with the user and the reason. Each row goes to COPY as a tuple (`Copy.write_row`: psycopg's C
adapters quote and escape, no text is built here). Without PostgreSQL the same rows become model
objects and go through `bulk_create` and `bulk_history_create`.
"""

from operator import itemgetter

from django.db import connection
from django.utils import timezone

HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


class _Table:
    """What writing rows of `model` needs, worked out once per call: columns, defaults, getters."""

    def __init__(self, model, *, with_pk: bool):
        fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
        self.columns = [field.attname for field in fields]
        # A field left out gets what a model instance made without it gets.
        self.defaults = {field.attname: field.get_default() for field in fields if not field.primary_key}
        self.stamps = [
            field.attname
            for field in fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        ]
        self.row = itemgetter(*self.columns)


def _copy(table: str, columns, rows, writer=None) -> None:
    if writer is not None:
        writer.submit(table, columns, rows)
        return
    _copy_on(connection.cursor().cursor, table, columns, rows)  # psycopg's own cursor


def _copy_on(cursor, table: str, columns, rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)


class Writer:
    """The COPYs of one batch run in a second thread while the caller prepares the next batch:
    the database works on one core while Python reads and checks rows on the other.

    The thread uses the caller's own database connection (psycopg's connection is thread-safe and
    runs one operation at a time: a query of the caller's waits for the COPY in flight), so the
    rows land in the caller's transaction, in order (one worker thread). `submit` only queues a
    batch: the caller calls `wait()` before it submits the next one, to keep one batch in flight.
    `wait()` raises here whatever the COPY raised; call it (or `close()`) before the transaction
    ends. Only on PostgreSQL; elsewhere `create_with_history` writes at once."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        connection.ensure_connection()
        self.connection = connection.connection  # psycopg's, not Django's per-thread wrapper
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gvi-copy")
        self.pending = []

    def submit(self, table: str, columns, rows) -> None:
        rows = list(rows)  # built here, in order; the thread only sends them

        def copy():
            with self.connection.cursor() as cursor:
                _copy_on(cursor, table, columns, rows)

        self.pending.append(self.pool.submit(copy))

    def wait(self) -> None:
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True)


def _reserve_ids(model, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def create_with_history(model, rows: list[dict], *, user, reason: str, writer: Writer | None = None) -> list[int]:
    """INSERT new records given as {attname: value} and one history row each; their ids, in order.
    With a `writer` (PostgreSQL) the COPYs run in its thread: written once `writer.wait()` returns."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = model.objects.bulk_create([model(**values) for values in rows], batch_size=2000)
        model.history.bulk_history_create(objects, default_user=user, default_change_reason=reason)
        return [obj.pk for obj in objects]
    table = _Table(model, with_pk=True)
    now = timezone.now()
    stamps = dict.fromkeys(table.stamps, now)  # auto_now(_add) sets them whatever was given
    ids = _reserve_ids(model, len(rows))
    pk = model._meta.pk.attname
    full = [{**table.defaults, **values, **stamps, pk: id_} for values, id_ in zip(rows, ids, strict=True)]
    _copy(model._meta.db_table, table.columns, map(table.row, full), writer)
    history = model.history.model
    tracked = [field.attname for field in history._meta.concrete_fields if not field.attname.startswith("history_")]
    tracked_row = itemgetter(*tracked)
    extra = (now, reason, "+", user.pk)
    _copy(
        history._meta.db_table, [*tracked, *HISTORY_COLUMNS], (tracked_row(values) + extra for values in full), writer
    )
    return ids


def create_plain(model, rows: list[dict], *, writer: Writer | None = None) -> None:
    """INSERT records given as {attname: value} of a model without history (e.g. import keys)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**values) for values in rows], batch_size=5000)
        return
    table = _Table(model, with_pk=False)
    now = timezone.now()
    stamps = dict.fromkeys(table.stamps, now)
    full = ({**table.defaults, **values, **stamps} for values in rows)
    _copy(model._meta.db_table, table.columns, map(table.row, full), writer)
