"""Exports of records: the one way personal data leaves gvi as a file.

Every export (API, UI, admin, jobs) goes through here: the policy's EXPORT action decides what
the user may export, each exported record is written to the access log as an EXPORT, and the CSV
is written so that a spreadsheet cannot run a cell as a formula.
"""

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.audit import log_access
from gvi.models import AccessAction
from gvi.policy import RECORD_KINDS, Action, can, scoped_queryset

# Never exported as such: ciphertext and search hashes are useless outside and only add risk.
NEVER_EXPORTED = frozenset({"personnummer_encrypted", "personnummer_hash"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def default_fields(kind: str) -> list[str]:
    """Every concrete column of the kind's model except the never-exported ones (foreign keys as ids)."""
    model = RECORD_KINDS[kind].model_class
    return [field.attname for field in model._meta.concrete_fields if field.attname not in NEVER_EXPORTED]


def exportable(*, user, kind: str, queryset: QuerySet | None = None) -> QuerySet:
    """The records of `kind` (within `queryset`) the user may export; PermissionDenied if none at all."""
    if not can(user, kind, Action.EXPORT):
        raise PermissionDenied(_("You may not export these records."))
    return scoped_queryset(user, kind, Action.EXPORT, queryset)


def _safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # keeps the text, stops spreadsheet formula execution (CSV injection)
    return value


def _log_export(*, user, kind: str, queryset: QuerySet, reason: str, channel: str, path: str) -> None:
    person_path = RECORD_KINDS[kind].person_path
    owner = RECORD_KINDS[kind].organisation_path
    if person_path is None:
        # Not about one person (groups, incidents): one row for the export, and one per record
        # another organisation owns, as a disclosure with its owner, rule and legal basis.
        objects = []
        if owner and getattr(user, "organisation_id", None) is not None:
            objects = list(
                queryset.select_related(None).exclude(**{f"{owner}_id": user.organisation_id}).only("pk", owner)
            )
        elif owner:  # a user with no organisation (a superuser): every record is another's
            objects = list(queryset.select_related(None).only("pk", owner))
    else:
        # One EXPORT row per record, naming the person it is about (log_access reads obj.person_id).
        # The owner too, for the disclosure log (gvi.audit.disclosures_read), without a query per row.
        owner = RECORD_KINDS[kind].organisation_path
        columns = ["pk", *([person_path] if person_path else []), *([owner] if owner else [])]
        objects = list(queryset.select_related(None).only(*columns))
    log_access(
        user=user,
        action=AccessAction.EXPORT,
        record_kind=kind,
        objects=objects,
        reason=reason,
        channel=channel,
        path=path,
    )


def write_csv(
    stream,
    *,
    user,
    kind: str,
    queryset: QuerySet | None = None,
    fields: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    reason: str = "",
    channel: str = "export",
    path: str = "",
) -> int:
    """Write the records of `kind` the user may export as CSV to `stream`; returns the row count.

    `fields` are value lookups (e.g. "person__last_name"); by default every column of the model.
    Each exported record gets an EXPORT row in the access log, with `reason`.
    """
    qs = exportable(user=user, kind=kind, queryset=queryset)
    fields = list(fields or default_fields(kind))
    if NEVER_EXPORTED & {field.split("__")[-1] for field in fields}:
        raise PermissionDenied(_("Encrypted identity numbers are never exported."))
    # Read first, then log (so an export of the access log does not contain its own row), then write.
    rows = list(qs.values_list(*fields))
    _log_export(user=user, kind=kind, queryset=qs, reason=reason, channel=channel, path=path)
    return _write(stream, headers or fields, rows)


def _write(stream, header, rows) -> int:
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows([_safe_cell(value) for value in row] for row in rows)
    return len(rows)


def csv_response(
    *,
    user,
    kind: str,
    queryset: QuerySet | None = None,
    fields: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    reason: str = "",
    channel: str = "ui",
    path: str = "",
    filename: str | None = None,
) -> HttpResponse:
    """An HTTP response with the CSV export (for the UI, the admin and the API)."""
    buffer = io.StringIO()
    write_csv(
        buffer,
        user=user,
        kind=kind,
        queryset=queryset,
        fields=fields,
        headers=headers,
        reason=reason,
        channel=channel,
        path=path,
    )
    filename = filename or f"gvi-{kind}-{timezone.localdate():%Y%m%d}.csv"
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


HISTORY_COLUMNS = ["history_date", "history_user__username", "history_type", "history_change_reason"]


def write_history_csv(
    stream, *, user, kind: str, queryset: QuerySet | None = None, reason: str = "", channel: str = "export"
) -> int:
    """Write the change history of records of `kind` the user may export: one row per version
    (who, when, created/changed/deleted, reason, and the record as it was). Logged per person."""
    spec = RECORD_KINDS[kind]
    history = queryset if queryset is not None else spec.model_class.history.all()
    qs = exportable(user=user, kind=kind, queryset=history).order_by("id", "history_date")
    fields = HISTORY_COLUMNS + default_fields(kind)
    person_attr = None if spec.person_path is None else ("id" if spec.person_path == "" else f"{spec.person_path}_id")
    person_ids = sorted(set(qs.values_list(person_attr, flat=True))) if person_attr else []
    rows = list(qs.values_list(*fields))
    log_access(
        user=user,
        action=AccessAction.EXPORT,
        record_kind=f"{kind}_history",
        person_ids=[pk for pk in person_ids if pk is not None],
        reason=reason,
        channel=channel,
    )
    return _write(stream, fields, rows)


# --- Reports: figures drawn from several record kinds (the weekly review, the quality report) ---

# The record kinds each report summarises: exporting it needs the EXPORT action on every one.
REPORT_KINDS: dict[str, tuple[str, ...]] = {
    "weekly_review": (
        "group",
        "incident",
        "flag",
        "membership",
        "invitation",
        "custom_notification",
        "enforcement_action",
        "service_referral",
        "follow_up",
    ),
    "quality_report": ("person", "membership"),
    "disclosure_report": ("access_log",),
    "flag_explanation": ("group", "incident", "flag"),
    "outcomes": ("incident",),
    "research_export": (
        "person",
        "group",
        "membership",
        "incident",
        "involvement",
        "call_in",
        "invitation",
        "custom_notification",
        "enforcement_action",
        "service_referral",
        "follow_up",
    ),
    "fidelity": (
        "group",
        "flag",
        "invitation",
        "custom_notification",
        "enforcement_action",
        "service_referral",
        "exit_case",
        "follow_up",
    ),
}


def may_export_report(user, report: str) -> bool:
    """May the user take the report out of gvi as a file?"""
    return all(can(user, kind, Action.EXPORT) for kind in REPORT_KINDS[report])


def require_report_export(user, report: str) -> None:
    """PermissionDenied unless the user may export the report (check before building it)."""
    if not may_export_report(user, report):
        raise PermissionDenied(_("You may not export this report."))


def log_report_export(*, user, report: str, reason: str = "", channel: str = "ui", path: str = "") -> None:
    """One EXPORT row in the access log for the report (its figures are not about one person)."""
    log_access(user=user, action=AccessAction.EXPORT, record_kind=report, reason=reason, channel=channel, path=path)


def report_response(
    *, user, report: str, content: bytes | str, content_type: str, filename: str, reason: str = "", path: str = ""
) -> HttpResponse:
    """A report file (PDF, CSV) as a download, after the policy check, logged as an EXPORT."""
    require_report_export(user, report)
    log_report_export(user=user, report=report, reason=reason, path=path)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def report_csv_response(
    *,
    user,
    report: str,
    rows: Sequence[Sequence],
    filename: str,
    reason: str = "",
    path: str = "",
    for_excel: bool = False,
) -> HttpResponse:
    """A report's rows as CSV (formula-safe cells), after the policy check, logged as an EXPORT.

    `for_excel`: as Swedish Excel opens it by a double click: a byte order mark (else å, ä, ö
    are read as Latin-1) and semicolons between cells (the list separator of the Swedish locale,
    where a comma is the decimal sign).
    """
    require_report_export(user, report)
    buffer = io.StringIO()
    if for_excel:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";" if for_excel else ",")
    writer.writerows([_safe_cell(value) for value in row] for row in rows)
    return report_response(
        user=user,
        report=report,
        content=buffer.getvalue().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        filename=filename,
        reason=reason,
        path=path,
    )


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_xlsx_response(
    *, user, report: str, title: str, rows: Sequence[Sequence], filename: str, reason: str = "", path: str = ""
) -> HttpResponse:
    """A report's rows as an XLSX workbook (openpyxl): dates as dates, numbers as numbers, text as
    text (never a formula), after the policy check, logged as an EXPORT."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    require_report_export(user, report)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, dt.datetime):
                value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones: local time
            elif value is not None and not isinstance(value, (str, int, float, Decimal, dt.date)):
                value = str(value)  # a translated label (lazy), a choice
            cell = WriteOnlyCell(sheet, value=_safe_cell(value))
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text, even "=…" (no formula)
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return report_response(
        user=user,
        report=report,
        content=buffer.getvalue(),
        content_type=XLSX_CONTENT_TYPE,
        filename=filename,
        reason=reason,
        path=path,
    )
