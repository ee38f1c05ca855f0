"""A report as a file: CSV for Swedish Excel, an XLSX workbook or a PDF of its page.

The report pages (fidelity, outcomes, the weekly review) each offer the three; their views check
what is particular to them (the period, the role) and hand the rows or the PDF template here.
Every file goes through gvi.exports: the policy check and the EXPORT log entry."""

from collections.abc import Callable, Sequence

from django.template.loader import render_to_string

from frontend.pdf import html_to_pdf
from gvi.exports import report_csv_response, report_response, report_xlsx_response

CSV, XLSX, PDF = "csv", "xlsx", "pdf"


def report_file_response(
    request,
    file_format: str,
    *,
    report: str,
    filename: str,
    rows: Sequence[Sequence] = (),
    csv_cell: Callable | None = None,
    title: str = "",
    pdf_template: str = "",
    context: dict | None = None,
):
    """The report `report` as a download named `filename`.

    - CSV: `rows`, each cell through `csv_cell` when given (dates as text), for Swedish Excel.
    - XLSX: the same `rows` as typed cells, on a sheet called `title`.
    - PDF: `pdf_template` rendered with `context` (the page's sections, no navigation).
    """
    if file_format == CSV:
        return report_csv_response(
            user=request.user,
            report=report,
            rows=[[csv_cell(value) for value in row] for row in rows] if csv_cell else rows,
            filename=filename,
            path=request.get_full_path(),
            for_excel=True,
        )
    if file_format == XLSX:
        return report_xlsx_response(
            user=request.user, report=report, title=title, rows=rows, filename=filename, path=request.get_full_path()
        )
    if file_format == PDF:
        html = render_to_string(pdf_template, context, request=request)
        return report_response(
            user=request.user,
            report=report,
            content=html_to_pdf(html),
            content_type="application/pdf",
            filename=filename,
            path=request.get_full_path(),
        )
    raise ValueError(f"Unknown report file format: {file_format}")
