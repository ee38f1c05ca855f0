"""Fast, bounded-memory writes for the seed: COPY on PostgreSQL, plain INSERTs elsewhere.

Rows are plain tuples in the order of the given field names (attnames such as
`person_id`). Primary keys the seed needs to reference are reserved up front with
`reserve`, so nothing has to be read back after an insert.

These writes skip `save()` and its signals, so django-simple-history records no history
rows for seed data. That is deliberate: seed data has no past to keep.
"""

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from django.apps import apps
from django.db import connection
from django.db.models import JSONField
from psycopg.types.json import Jsonb

# Rows per INSERT batch: with the generators feeding it, memory stays flat.
BATCH_SIZE = 2000


def chunked(rows: Iterable, size: int):
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Sink:
    def __init__(self):
        self.use_copy = connection.vendor == "postgresql"
        self._next_id: dict[type, int] = {}
        self.counts: dict[str, int] = {}

    def reserve(self, model, n: int) -> int:
        """Reserve `n` consecutive primary keys for `model`; return the first."""
        if n <= 0:
            return 0
        table = model._meta.db_table
        if self.use_copy:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
                (sequence,) = cursor.fetchone()
                # One statement: nextval() is evaluated once, setval() moves past the block.
                cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, n])
                (last,) = cursor.fetchone()
            return last - n + 1
        if model not in self._next_id:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT MAX("{model._meta.pk.column}") FROM "{table}"')
                self._next_id[model] = (cursor.fetchone()[0] or 0) + 1
        first = self._next_id[model]
        self._next_id[model] = first + n
        return first

    def write(self, model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert `rows` (tuples in `fields` order) into `model`'s table; return how many.

        The rows are written as they are, on every database: no save(), no signals, no
        auto_now (a seeded incident keeps the time it was logged, not the seed's).
        """
        total = 0
        # Neither COPY nor a plain INSERT applies the model's defaults: a NOT NULL field the rows
        # leave out (a free-text field added after the seed was written) gets its default (or "").
        defaults = [
            field
            for field in model._meta.concrete_fields
            if not field.primary_key
            and not field.null
            and (field.has_default() or (field.blank and field.empty_strings_allowed))
            and field.name not in fields
            and field.attname not in fields
        ]
        if defaults:
            fields = (*fields, *(field.name for field in defaults))
            values = tuple(field.get_default() for field in defaults)
            rows = (tuple(row) + values for row in rows)
        model_fields = [model._meta.get_field(name) for name in fields]
        columns = ", ".join(f'"{field.column}"' for field in model_fields)
        if self.use_copy:
            json_columns = [i for i, field in enumerate(model_fields) if isinstance(field, JSONField)]
            # Django's cursor wraps a psycopg 3 cursor, whose copy() streams rows to the server.
            statement = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
            with connection.cursor() as wrapper, wrapper.cursor.copy(statement) as copy:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for i in json_columns:
                            row[i] = Jsonb(row[i])
                    copy.write_row(row)
                    total += 1
        else:
            placeholders = ", ".join(["%s"] * len(model_fields))
            statement = f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({placeholders})'
            with connection.cursor() as cursor:
                for chunk in chunked(rows, BATCH_SIZE):
                    cursor.executemany(
                        statement,
                        [
                            [
                                field.get_db_prep_save(value, connection)
                                for field, value in zip(model_fields, row, strict=True)
                            ]
                            for row in chunk
                        ],
                    )
                    total += len(chunk)
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + total
        return total

    @contextmanager
    def bulk_load(self, models):
        """Load the big tables the way PostgreSQL's manual advises ("Populating a Database").

        Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: every copied row would queue
        one check per foreign key, all run one by one at COMMIT (minutes for millions of rows).
        So the foreign keys and the plain indexes are dropped for the load and recreated after
        it, which checks and builds each in one pass. Primary keys and unique constraints stay.
        All of it happens inside the seed's transaction: on failure everything rolls back.
        """
        if not self.use_copy:
            yield
            return
        tables = [model._meta.db_table for model in models]
        foreign_keys, indexes = [], []
        with connection.cursor() as cursor:
            # Run the deferred checks queued so far: ALTER TABLE refuses tables with pending ones.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def analyze(self) -> None:
        """Fresh planner statistics after a big load (PostgreSQL only)."""
        if self.use_copy:
            with connection.cursor() as cursor:
                for label in self.counts:
                    cursor.execute(f'ANALYZE "{apps.get_model(label)._meta.db_table}"')
