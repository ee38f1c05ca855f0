"""Imports from CSV and XLSX: upload, dry run (preview), confirmation, all or nothing.

1. `upload` stores the file (its SHA-256 and size logged on the run), refuses a hostile one
   (`gvi.imports.files`) and matches its headers to the kind's columns; the mapping is shown.
2. `check` is the dry run: every row goes through the same handler as the import
   (`gvi.services.import_rows`), inside a transaction that is always rolled back; the run keeps
   each row's outcome (create, change, unchanged, skip) and every error (row, column, reason).
3. `execute`, after the user confirmed a preview without errors: the same again in ONE
   transaction, committed only when every row passed; a row that fails now (the data changed
   since the preview), a cancellation or a crash rolls everything back.

Large files run as a background job (`tasks.imports`); progress and cancellation reach the
running transaction through a second database connection on PostgreSQL (its own autocommit),
and through the cache everywhere.
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import jobs
from gvi.imports import columns, files
from gvi.models import ImportKind, ImportRun, ImportStatus, Role
from gvi.policy import Action, can
from gvi.services.common import acting_organisation
from gvi.services.import_rows import ERROR, HANDLERS, Row

FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED, ImportStatus.EXPIRED)
# Uploaded and perhaps checked, never confirmed (a check stuck for hours: its worker died).
UNCONFIRMED = (ImportStatus.UPLOADED, ImportStatus.PREVIEWING, ImportStatus.PREVIEWED)
CHUNK_ROWS = 2000
CHECK, EXECUTE = "check", "execute"  # the two modes of the background job
KEEP_ERRORS = 1000
KEEP_OUTCOMES = 1000

RECORD_KIND = {
    ImportKind.GROUPS: "group",
    ImportKind.PERSONS: "person",
    ImportKind.MEMBERSHIPS: "membership",
    ImportKind.RELATIONS: "group_relation",
    ImportKind.INCIDENTS: "incident",
}


class Cancelled(Exception):
    pass


def may_import(user, kind: str | None = None) -> bool:
    """Coordinators and analysts of an organisation import what the policy lets them create."""
    if getattr(user, "role", None) not in (Role.COORDINATOR, Role.ANALYST) or not getattr(
        user, "organisation_id", None
    ):
        return False
    kinds = [kind] if kind else list(RECORD_KIND)
    return any(can(user, RECORD_KIND[k], Action.CREATE) for k in kinds)


def _require_may_import(user, kind: str | None = None) -> None:
    if not may_import(user, kind):
        raise PermissionDenied(_("You may not import these records."))


# --- 1. Upload -------------------------------------------------------------------------------


def upload(*, user, name: str, chunks, size: int | None = None, kind: str | None = None) -> ImportRun:
    """Store an uploaded file (an iterable of byte chunks) and match its headers.

    ValidationError({"file": ...}) for a refused file, ({"kind": ...}) for an unknown layout;
    nothing is kept of a refused file.
    """
    _require_may_import(user)
    organisation = acting_organisation(user)
    name = Path(str(name or "")).name[:255] or "upload"
    if size is not None:
        try:
            files.check_size(size)
        except files.FileRefused as error:
            raise ValidationError({"file": str(error)}) from None
    directory = Path(settings.GVI_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = name.rsplit(".", 1)[-1].lower()[:8] if "." in name else "bin"
    path = directory / f"{uuid.uuid4().hex}.{suffix}"
    digest, written = hashlib.sha256(), 0
    try:
        with open(path, "wb") as handle:
            for chunk in chunks:
                written += len(chunk)
                files.check_size(written)  # refused while it streams in, whatever the client claimed
                digest.update(chunk)
                handle.write(chunk)
        sheet = files.sniff(str(path), name)
        header = _header(str(path), sheet)
        if kind and kind not in ImportKind.values:
            raise ValidationError({"kind": _("Choose what the file contains.")})
        kind = kind or columns.guess_kind(header)
        if kind is None:
            raise ValidationError(
                {"kind": _("The columns do not match any template. Choose what the file contains, or use a template.")}
            )
        _require_may_import(user, kind)
        mapping = columns.match_headers(kind, header)
        if mapping.missing:
            layout = columns.LAYOUTS[kind]
            names = ", ".join(f"{layout.column(f).sv} / {layout.column(f).en}" for f in mapping.missing)
            raise ValidationError({"file": _("Required columns are missing: %(columns)s.") % {"columns": names}})
    except files.FileRefused as error:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": str(error)}) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    run = ImportRun.objects.create(
        programme_id=organisation.programme_id,
        organisation=organisation,
        created_by=user,
        kind=kind,
        file_name=name,
        file_sha256=digest.hexdigest(),
        file_size=written,
        stored_path=str(path),
        mapping=mapping.as_json(),
    )
    cache.delete_many([_cache_key(run.pk, "done"), _cache_key(run.pk, "cancel")])  # nothing left from before
    return run


def upload_path(*, user, path: str, kind: str | None = None) -> ImportRun:
    """`upload` of a file on disk (manage.py import_records)."""

    def chunks():
        with open(path, "rb") as handle:
            while chunk := handle.read(files.CHUNK):
                yield chunk

    return upload(user=user, name=Path(path).name, chunks=chunks(), size=Path(path).stat().st_size, kind=kind)


def _header(path: str, sheet) -> list:
    for cells in files.rows(path, sheet):
        if any(str(cell).strip() for cell in cells):
            return [columns.text(cell) for cell in cells]
    raise files.FileRefused(_("The file has no header row."))


def mapping_rows(run: ImportRun) -> list[dict]:
    """The mapping as the page shows it: each of the kind's columns and the file's header feeding it."""
    layout = columns.LAYOUTS[run.kind]
    return [
        {
            "field": column.field,
            "sv": column.sv,
            "en": column.en,
            "required": column.required,
            "help": column.help,
            "header": run.mapping.get(column.field, ""),
        }
        for column in layout.columns
    ]


# --- Progress and cancellation ---------------------------------------------------------------


def _cache_key(run_id: int, what: str) -> str:
    return f"gvi:import:{run_id}:{what}"


class Progress:
    """Rows done, seen outside the running transaction; and whether a cancellation was asked.

    On PostgreSQL through a second connection (its own autocommit). Elsewhere (SQLite) no other
    connection may write while the import's transaction holds the database, and the cache may be
    the process's own memory (no Redis) or a table in that same transaction: the count and the
    request to cancel then also go through small files beside the uploaded one, which the web
    process and the worker share (`side_file`)."""

    def __init__(self, run: ImportRun, callback: Callable[[int, int], None] | None = None):
        self.run = run
        self.callback = callback
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def report(self, done: int) -> None:
        total = self.run.rows_total
        cache.set(_cache_key(self.run.pk, "done"), done, 3600)
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportRun._meta.db_table} SET rows_done = %s WHERE id = %s",
                    [done, self.run.pk],
                )
        else:
            path = side_file(self.run, "done")
            partial = path.with_suffix(".part")
            partial.write_text(str(done))
            partial.replace(path)  # atomic: a reader sees the old count or the new one
        if self.callback:
            self.callback(done, total)

    def cancelled(self) -> bool:
        if cache.get(_cache_key(self.run.pk, "cancel")):
            return True
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"SELECT cancel_requested FROM {ImportRun._meta.db_table} WHERE id = %s",
                    [self.run.pk],
                )
                row = cursor.fetchone()
                return bool(row and row[0])
        return side_file(self.run, "cancel").exists()

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def side_file(run: ImportRun, what: str) -> Path:
    """A small file beside the uploaded one: the rows done ("done") or a cancellation ("cancel")."""
    return Path(f"{run.stored_path}.{what}")


def _delete_files(run: ImportRun) -> None:
    for path in (Path(run.stored_path), side_file(run, "done"), side_file(run, "cancel")):
        path.unlink(missing_ok=True)


def live_rows_done(run: ImportRun) -> int:
    """Rows done so far: the run's own count, or the cache's or the side file's when ahead."""
    if run.status not in (ImportStatus.PREVIEWING, ImportStatus.RUNNING):
        return run.rows_done
    cached = cache.get(_cache_key(run.pk, "done")) or 0
    try:
        written = int(side_file(run, "done").read_text() or 0)
    except (OSError, ValueError):
        written = 0
    return max(run.rows_done, cached, written)


def request_cancel(*, user, run: ImportRun) -> ImportRun:
    if run.created_by_id != user.pk and getattr(user, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only the person who uploaded the file or a coordinator may cancel it."))
    if run.status in FINISHED:
        raise ValidationError(_("This import has already finished."))
    cache.set(_cache_key(run.pk, "cancel"), True, 24 * 3600)
    if Path(run.stored_path).exists():
        side_file(run, "cancel").touch()  # seen by a running import on any database (Progress)
    ImportRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    if run.status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.QUEUED):
        _finish(run, ImportStatus.CANCELLED, _("Cancelled before anything was written."))
    run.refresh_from_db()
    return run


# --- 2 and 3. The dry run and the import -----------------------------------------------------


def check(*, user, run: ImportRun, progress: Callable[[int, int], None] | None = None) -> ImportRun:
    """The preview: every row through the import's own path, then everything rolled back."""
    _require_owner(user, run)
    if run.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWING, ImportStatus.PREVIEWED):
        raise ValidationError(_("This file has already been imported or cancelled."))
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.PREVIEWING, rows_done=0)
    cache.delete(_cache_key(run.pk, "done"))
    side_file(run, "done").unlink(missing_ok=True)  # the count starts again (the check's is not the import's)
    run.status = ImportStatus.PREVIEWING
    return _process(user=user, run=run, write=False, callback=progress)


def confirm(*, user, run: ImportRun) -> ImportRun:
    """The user confirms a preview without errors: the import is queued (or run by the caller)."""
    _require_owner(user, run)
    if run.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("Check the file before importing it."))
    if run.rows_failed:
        raise ValidationError(_("Correct the errors in the file and upload it again; nothing has been imported."))
    confirmed_at = timezone.now()
    # Only while it is still checked: it may have expired (its file deleted) since the page loaded.
    if not ImportRun.objects.filter(pk=run.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.QUEUED, confirmed_by=user, confirmed_at=confirmed_at, rows_done=0
    ):
        raise ValidationError(_("This file is no longer waiting for confirmation: upload it again."))
    run.status, run.confirmed_by, run.confirmed_at, run.rows_done = ImportStatus.QUEUED, user, confirmed_at, 0
    return run


def execute(*, user, run: ImportRun, progress: Callable[[int, int], None] | None = None) -> ImportRun:
    """Write a confirmed import, all or nothing. Run again after a crash, it starts over (nothing
    of the crashed attempt was committed)."""
    _require_owner(user, run)
    if run.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return run  # finished, cancelled or never confirmed: nothing to do (idempotent job)
    if run.cancel_requested:
        return _finish(run, ImportStatus.CANCELLED, _("Cancelled before anything was written."))
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, rows_done=0)
    cache.delete(_cache_key(run.pk, "done"))
    side_file(run, "done").unlink(missing_ok=True)  # the count starts again (the check's is not the import's)
    run.status = ImportStatus.RUNNING
    return _process(user=user, run=run, write=True, callback=progress)


def _require_owner(user, run: ImportRun) -> None:
    _require_may_import(user, run.kind)
    if run.created_by_id != user.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can check and import it."))


def _finish(run: ImportRun, status: str, message: str = "", **fields) -> ImportRun:
    finished_at = timezone.now()
    # Never over a run that ended meanwhile: a check still running when the run expired (its file
    # deleted) must not bring it back as checked.
    if not (
        ImportRun.objects.filter(pk=run.pk)
        .exclude(status__in=FINISHED)
        .update(status=status, message=message, finished_at=finished_at, **fields)
    ):
        run.refresh_from_db()
        return run
    for name, value in {"status": status, "message": message, "finished_at": finished_at, **fields}.items():
        setattr(run, name, value)
    if status in FINISHED:
        # The file holds personal data: it is not kept once the import is over.
        _delete_files(run)
    return run


def expire_unconfirmed(*, hours: int | None = None) -> int:
    """Delete the files of imports nobody confirmed within `hours` (GVI_IMPORT_EXPIRE_HOURS) of
    the upload, and mark their runs expired; the number of runs expired. Idempotent: a second run
    finds none. A run confirmed meanwhile (queued) is left alone: each run is expired only while
    it is still unconfirmed (one conditional UPDATE), and its file deleted only then."""
    hours = settings.GVI_IMPORT_EXPIRE_HOURS if hours is None else hours
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    message = _("Not confirmed within %(hours)d hours: the file was deleted and nothing was imported.") % {
        "hours": hours
    }
    expired = 0
    for run in ImportRun.objects.filter(status__in=UNCONFIRMED, created_at__lt=cutoff).only("pk", "stored_path"):
        if ImportRun.objects.filter(pk=run.pk, status__in=UNCONFIRMED).update(
            status=ImportStatus.EXPIRED, message=message, finished_at=timezone.now()
        ):
            _delete_files(run)
            cache.delete_many([_cache_key(run.pk, "done"), _cache_key(run.pk, "cancel")])
            expired += 1
    return expired


def fail(run: ImportRun, message: str) -> ImportRun:
    """Mark a run failed (its transaction already rolled back) with a message for the user."""
    return _finish(run, ImportStatus.FAILED, message)


def dispatch(run: ImportRun, mode: str) -> None:
    """Run the check or the import as a background job, once the caller's transaction commits."""
    jobs.after_commit(jobs.RUN_IMPORT, run.pk, mode)


def _chunks(path: str, sheet, index: dict[str, int]):
    chunk, header_seen = [], False
    for number, cells in enumerate(files.rows(path, sheet), start=1):
        if not any(str(cell).strip() for cell in cells):
            continue
        if not header_seen:
            header_seen = True
            continue
        values = {name: (cells[position] if position < len(cells) else "") for name, position in index.items()}
        chunk.append(Row(number=number, values=values))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def count_rows(path: str, sheet) -> int:
    rows = sum(1 for cells in files.rows(path, sheet) if any(str(cell).strip() for cell in cells))
    return max(rows - 1, 0)


def _process(*, user, run: ImportRun, write: bool, callback) -> ImportRun:
    try:
        sheet = files.sniff(run.stored_path, run.file_name)
        header = _header(run.stored_path, sheet)
        run.rows_total = count_rows(run.stored_path, sheet)
    except (files.FileRefused, OSError) as error:
        message = str(error) if isinstance(error, files.FileRefused) else _("The uploaded file is no longer there.")
        return _finish(run, ImportStatus.FAILED, message)
    ImportRun.objects.filter(pk=run.pk).update(rows_total=run.rows_total)
    mapping = columns.match_headers(run.kind, header)
    headers = {name: mapping.headers[position] for name, position in mapping.index.items()}
    labels = {column.field: column.sv for column in columns.LAYOUTS[run.kind].columns}
    counts = {"create": 0, "change": 0, "unchanged": 0, "skip": 0, ERROR: 0}
    errors, outcomes = [], []
    progress = Progress(run, callback)
    done = 0
    try:
        # The zone in force, activated for the run: Django finds an activated zone at once, where
        # falling back to the default costs a raised and caught AttributeError on every lookup
        # (several per row: reading times, their bounds, the week of each incident).
        with timezone.override(timezone.get_current_timezone()), transaction.atomic():
            handler = HANDLERS[run.kind](user=user, run=run, write=write)
            try:
                for chunk in _chunks(run.stored_path, sheet, mapping.index):
                    handler.process(chunk)
                    for row in chunk:
                        outcome = ERROR if row.errors else (row.outcome or "skip")
                        counts[outcome] += 1
                        if len(outcomes) < KEEP_OUTCOMES:
                            outcomes.append(
                                {
                                    "row": row.number,
                                    "reference": row.reference[:60],
                                    "outcome": outcome,
                                    "note": row.note,
                                }
                            )
                        for name, message in row.errors:
                            if len(errors) < KEEP_ERRORS:
                                column = headers.get(name) or labels.get(name, name)
                                errors.append({"row": row.number, "column": column, "message": message})
                    done += len(chunk)
                    progress.report(done)
                    if progress.cancelled():
                        raise Cancelled
                    if write and counts[ERROR]:
                        break  # all or nothing: no point writing on
                if counts[ERROR] == 0:
                    handler.finish()
            finally:
                handler.close()  # before the transaction ends: a write may still be in flight
            if not write or counts[ERROR]:
                transaction.set_rollback(True)
    except Cancelled:
        return _finish(run, ImportStatus.CANCELLED, _("Cancelled: nothing was written."), rows_done=done)
    except files.FileRefused as error:
        return _finish(run, ImportStatus.FAILED, str(error) + " " + _("Nothing was written."), rows_done=done)
    finally:
        progress.close()
    fields = {
        "rows_done": done,
        "rows_created": counts["create"],
        "rows_changed": counts["change"],
        "rows_unchanged": counts["unchanged"] + counts["skip"],
        "rows_failed": counts[ERROR],
        "errors": errors,
        "outcomes": outcomes,
    }
    if not write:
        return _finish(run, ImportStatus.PREVIEWED, "", **fields)
    if counts[ERROR]:
        return _finish(
            run, ImportStatus.FAILED, _("Some rows no longer pass the checks; nothing was written."), **fields
        )
    return _finish(run, ImportStatus.DONE, "", **fields)
