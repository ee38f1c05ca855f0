"""Opening an uploaded spreadsheet safely and streaming its rows.

Every check happens before a row is read, so a hostile file is refused whole with a clear error
(`FileRefused`) and never half-read:

- size: at most `GVI_IMPORT_MAX_BYTES` (a larger upload is refused before it is stored);
- content against extension: an .xlsx must be a ZIP package with a workbook, a .csv must be text
  (no NUL bytes, not a ZIP or another binary format);
- zip bomb: an XLSX's members are measured from the ZIP directory before anything is inflated:
  total uncompressed size, each member's ratio, the number of members;
- encodings: UTF-8 with or without BOM, else Windows-1252 (Excel's Swedish "CSV"); a file that
  mixes them (UTF-8 text read as Windows-1252 shows as "Ã¥") is refused; bytes valid in neither
  are refused.

Cells are read as text or dates, never evaluated: openpyxl reads a formula cell as its text
("=..."), and the import stores it as typed (exports escape it, gvi.exports).
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 1 << 16
# Windows-1252 reading of UTF-8 for å ä ö é ü Å Ä Ö É Ü and friends: "Ã" or "Â" followed by a
# continuation byte's character.
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2122]")


class FileRefused(Exception):
    """The file is refused as a whole; `str(error)` is the translated reason shown to the user."""


@dataclass(frozen=True)
class SheetFormat:
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""


def max_bytes() -> int:
    return settings.GVI_IMPORT_MAX_BYTES


def check_size(size: int) -> None:
    if size > max_bytes():
        raise FileRefused(
            _("The file is %(size)s MB; the largest file that can be imported is %(limit)s MB. Split it into parts.")
            % {"size": f"{size / 1e6:.1f}", "limit": f"{max_bytes() / 1e6:.0f}"}
        )


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(path: str, name: str) -> SheetFormat:
    """Check the file at `path` (uploaded as `name`) and say how to read it, or refuse it."""
    extension = _extension(name)
    if extension not in ("csv", "txt", "xlsx"):
        raise FileRefused(_("Upload a CSV or XLSX file (.csv or .xlsx)."))
    with open(path, "rb") as handle:
        head = handle.read(8192)
        handle.seek(0, io.SEEK_END)
        check_size(handle.tell())
    if not head:
        raise FileRefused(_("The file is empty."))
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == "xlsx":
        if not is_zip:
            raise FileRefused(_("The file is called .xlsx but is not an Excel workbook. Save it again as XLSX or CSV."))
        check_package(path)
        return SheetFormat("xlsx")
    if is_zip or b"\x00" in head or head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise FileRefused(
            _("The file is called .%(extension)s but is not a text file. Save it as CSV (UTF-8) or upload the XLSX.")
            % {"extension": extension}
        )
    encoding = detect_encoding(path)
    return SheetFormat("csv", encoding=encoding, delimiter=_delimiter(path, encoding))


def check_package(path: str) -> None:
    """Refuse a ZIP that is not a workbook, or whose members would inflate too far (zip bomb)."""
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            names = {member.filename for member in members}
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(_("The Excel file is damaged and cannot be read.")) from error
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise FileRefused(_("The file is a ZIP archive but not an Excel workbook."))
    if len(members) > settings.GVI_IMPORT_MAX_MEMBERS:
        raise FileRefused(_("The Excel file has too many parts to be a plain workbook."))
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > settings.GVI_IMPORT_MAX_RATIO and member.file_size > 1 << 20:
            raise FileRefused(
                _("The Excel file would unpack to far more than its size (a compression bomb); it is refused.")
            )
    if total > settings.GVI_IMPORT_MAX_UNPACKED_BYTES:
        raise FileRefused(
            _("The Excel file would unpack to %(size)s MB, over the limit of %(limit)s MB. Split it into parts.")
            % {"size": f"{total / 1e6:.0f}", "limit": f"{settings.GVI_IMPORT_MAX_UNPACKED_BYTES / 1e6:.0f}"}
        )


def detect_encoding(path: str) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, read through once in chunks (flat memory)."""
    with open(path, "rb") as handle:
        start = handle.read(3)
        bom = start == codecs.BOM_UTF8
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig" if bom else "utf-8"
        except UnicodeDecodeError:
            if bom:
                raise FileRefused(
                    _("The file says it is UTF-8 but contains other characters. Save it again as CSV UTF-8.")
                ) from None
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        tail = ""
        try:
            while chunk := handle.read(CHUNK):
                text = tail + decoder.decode(chunk)
                if _MOJIBAKE.search(text):
                    raise FileRefused(
                        _(
                            "The file mixes two encodings (UTF-8 and Windows-1252): some letters such as å, ä "
                            "and ö would be wrong. Save it again as CSV UTF-8."
                        )
                    )
                tail = text[-1:]
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused(
                _("The file's characters are in an unknown encoding. Save it again as CSV UTF-8.")
            ) from None
    return "cp1252"


def _delimiter(path: str, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as handle:
        first = handle.readline()
    counts = {delimiter: first.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cell(value):
    """A cell as the import reads it: text stripped, a date or datetime as such, numbers as text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows(path: str, sheet: SheetFormat) -> Iterator[list]:
    """The file's rows (the header first) as lists of cells, streamed: memory stays flat."""
    if sheet.kind == "csv":
        with open(path, encoding=sheet.encoding, newline="") as handle:
            try:
                for row in csv.reader(handle, delimiter=sheet.delimiter):
                    yield [cell.strip() for cell in row]
            except csv.Error as error:
                raise FileRefused(_("The CSV file cannot be read: %(error)s") % {"error": error}) from error
        return
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged package
        raise FileRefused(_("The Excel file is damaged and cannot be read.")) from error
    try:
        worksheet = workbook.worksheets[0]
        for row in worksheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    except FileRefused:
        raise
    except Exception as error:
        raise FileRefused(_("The Excel file is damaged and cannot be read.")) from error
    finally:
        workbook.close()
