"""Import a CSV or XLSX file of groups, persons, memberships, group relations or incidents.

    manage.py import_records FILE --user USERNAME [--kind incidents] [--dry-run] [--yes]

The same path as the web page: the file is checked (a dry run, with every error listed by row and
column), then, without errors and with --yes (or a "yes" at the prompt), imported in one
transaction, all or nothing, with a progress bar on the terminal. The run is logged (who, when,
the file's SHA-256, row counts) like an upload in the page.
"""

import sys
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from gvi.models import ImportKind, ImportStatus, User
from gvi.services import imports


class Bar:
    def __init__(self, stream, label: str):
        self.stream, self.label, self.started, self.last = stream, label, time.monotonic(), 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(now - self.started, 1e-6)
        percent = f"{100 * done / total:5.1f}%" if total else "  ?  "
        self.stream.write(
            f"\r{self.label:<10} [{'#' * filled}{'.' * (width - filled)}] {percent} "
            f"{done:,}/{total:,} rows, {rate:,.0f}/s"
        )
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")


class Command(BaseCommand):
    help = "Import a CSV or XLSX file (groups, persons, memberships, relations, incidents), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="The importing user's username (a coordinator or analyst).")
        parser.add_argument("--kind", choices=ImportKind.values, help="What the file holds (guessed from the headers).")
        parser.add_argument("--dry-run", action="store_true", help="Check only: nothing is written.")
        parser.add_argument("--yes", action="store_true", help="Import without asking once the check passed.")

    def handle(self, *args, file, user, kind, dry_run, yes, **options):
        account = User.objects.select_related("organisation").filter(username=user).first()
        if account is None:
            raise CommandError(f"No user {user!r}.")
        try:
            run = imports.upload_path(user=account, path=file, kind=kind)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(_messages(error))) from None
        except OSError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{run.file_name}: {run.get_kind_display()}, SHA-256 {run.file_sha256}")
        for row in imports.mapping_rows(run):
            self.stdout.write(f"  {row['en']:<18} <- {row['header'] or '(not in the file)'}")
        bar = Bar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr, "checking")
        run = imports.check(user=account, run=run, progress=bar)
        bar.end()
        self._summary(run)
        if run.status != ImportStatus.PREVIEWED or run.rows_failed:
            if run.status == ImportStatus.PREVIEWED:
                imports.request_cancel(user=account, run=run)
            raise CommandError("Nothing was imported: correct the file and run the command again.")
        if dry_run:
            imports.request_cancel(user=account, run=run)
            self.stdout.write("Dry run: nothing was written.")
            return
        if not yes and input("Import? [yes/no] ").strip().lower() not in ("y", "yes", "j", "ja"):
            imports.request_cancel(user=account, run=run)
            self.stdout.write("Nothing was imported.")
            return
        run = imports.confirm(user=account, run=run)
        bar = Bar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr, "importing")
        run = imports.execute(user=account, run=run, progress=bar)
        bar.end()
        if run.status != ImportStatus.DONE:
            raise CommandError(f"{run.get_status_display()}: {run.message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported (run {run.pk}): {run.rows_created} created, {run.rows_changed} changed, "
                f"{run.rows_unchanged} unchanged."
            )
        )

    def _summary(self, run):
        self.stdout.write(
            f"{run.rows_total} rows: {run.rows_created} to create, {run.rows_changed} to change, "
            f"{run.rows_unchanged} unchanged or skipped, {run.rows_failed} with errors."
        )
        for error in run.errors[:50]:
            self.stdout.write(f"  row {error['row']}, column {error['column']}: {error['message']}")
        if run.message:
            self.stdout.write(run.message)


def _messages(error) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]
