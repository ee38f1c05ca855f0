"""Building import files in tests: CSV and XLSX from rows, valid synthetic identity numbers."""

import csv
import io

import openpyxl

from gvi.personnummer import luhn_check_digit


def pnr(yyyymmdd: str, serial: str = "123") -> str:
    """A synthetic identity number with the right check digit."""
    return f"{yyyymmdd}-{serial}{luhn_check_digit(yyyymmdd[2:] + serial)}"


def csv_bytes(rows, *, encoding="utf-8", delimiter=";") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(user, name: str, data: bytes, kind=None):
    from gvi.services import imports

    return imports.upload(user=user, name=name, chunks=[data], size=len(data), kind=kind)


def check_and_import(user, name: str, data: bytes, kind=None):
    from gvi.services import imports

    run = imports.check(user=user, run=upload(user, name, data, kind))
    assert run.rows_failed == 0, run.errors
    run = imports.confirm(user=user, run=run)
    return imports.execute(user=user, run=run)
