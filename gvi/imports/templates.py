"""The downloadable templates: each kind's columns with Swedish or English headers and an
example row, as CSV (UTF-8 with BOM and semicolons, as Swedish Excel opens it) or XLSX."""

import csv
import io

import openpyxl

from gvi.imports.columns import template_rows


def template_csv(kind: str, language: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(template_rows(kind, language))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: str, language: str) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind
    for row in template_rows(kind, language):
        sheet.append(row)
    for cell in sheet[2]:
        cell.data_type = "s"  # the example is text (an identity number is not a number)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = max(14, len(str(column[0].value)) + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
