"""Writing many new rows with PostgreSQL's COPY, history rows included (the import's bulk path).

The rows are the ones `bulk_create` and simple-history's `bulk_history_create` would write,
field for field (tests/imports/test_bulk_copy.py compares them): ids are drawn from the table's
own sequence first, so the caller knows them; `created_at` / `updated_at` are set as
`auto_now_add` / `auto_now` set them; each history row is a "+" (created) row with the user and
the reason. Without PostgreSQL the same objects go through `bulk_create` and
`bulk_history_create`. Only for objects already validated and policy-checked by the caller.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if any(char in text for char in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy(table: str, columns: list[str], rows) -> None:
    cursor = connection.cursor().cursor  # psycopg's own cursor
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        lines = []
        for row in rows:
            lines.append("\t".join(map(_text, row)))
            if len(lines) >= 2000:  # one write per block of rows, not per row
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")


def _reserve_ids(model, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def create_with_history(model, objects: list, *, user, reason: str) -> None:
    """INSERT `objects` (new, validated) and one history row each; sets their primary keys."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=2000)
        model.history.bulk_history_create(objects, default_user=user, default_change_reason=reason)
        return
    now = timezone.now()
    for obj, pk in zip(objects, _reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
        for name in ("created_at", "updated_at"):
            if hasattr(obj, name):
                setattr(obj, name, now)
        obj._state.adding = False
        obj._state.db = connection.alias
    fields = [field.attname for field in model._meta.concrete_fields]
    _copy(model._meta.db_table, fields, ([getattr(obj, name) for name in fields] for obj in objects))
    history = model.history.model
    tracked = [field.attname for field in history._meta.concrete_fields if not field.attname.startswith("history_")]
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    _copy(
        history._meta.db_table,
        tracked + extra,
        ([getattr(obj, name) for name in tracked] + [now, reason, "+", user.pk] for obj in objects),
    )


def create_plain(model, objects: list) -> None:
    """INSERT `objects` of a model without history (e.g. import keys); their ids are not needed."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=5000)
        return
    fields = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
    _copy(model._meta.db_table, fields, ([getattr(obj, name) for name in fields] for obj in objects))
