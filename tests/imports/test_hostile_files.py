"""Hostile files: each is read correctly or refused with a clear error, and nothing is half-stored."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from gvi import exports
from gvi import models as m
from gvi.services import imports
from tests.imports.helpers import check_and_import, csv_bytes, upload, xlsx_bytes

GROUPS = [["Källreferens", "Namn", "Beskrivning", "Källa"], ["G-1", "Åsa-gänget", "Från Västerås", "Lista"]]


def refused(user, name, data, *, size=True, match=""):
    with pytest.raises(ValidationError) as raised:
        if size:
            upload(user, name, data)
        else:
            imports.upload(user=user, name=name, chunks=[data[i : i + 65536] for i in range(0, len(data), 65536)])
    message = " ".join(raised.value.messages)
    assert match in message, message
    return message


def test_a_formula_is_stored_as_text_never_evaluated_and_escaped_on_export(police_coordinator, import_dir):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(GROUPS[0])
    sheet.append(["G-1", '=HYPERLINK("http://example.invalid","x")', "=1+1", "Lista"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_and_import(police_coordinator, "groups.xlsx", buffer.getvalue())
    group = m.Group.objects.get()
    assert group.name == '=HYPERLINK("http://example.invalid","x")'
    assert group.description == "=1+1"  # as typed, not 2
    assert exports._safe_cell(group.name) == "'" + group.name


def test_csv_formula_stays_text(police_coordinator):
    check_and_import(police_coordinator, "g.csv", csv_bytes([GROUPS[0], ["G-1", "@SUM(A1)", "-2+3", "Lista"]]))
    assert m.Group.objects.get().description == "-2+3"


def test_a_50_mb_file_is_refused_with_the_limit_named(police_coordinator, import_dir):
    data = csv_bytes(GROUPS) + b"x" * (50 * 1000 * 1000)
    assert "largest file" in refused(police_coordinator, "big.csv", data)
    # A client that does not say the size is stopped while the file streams in.
    assert "40 MB" in refused(police_coordinator, "big.csv", data, size=False)
    assert not list(import_dir.glob("*"))  # nothing kept
    assert not m.ImportRun.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("groups.xlsx", csv_bytes(GROUPS), "not an Excel workbook"),
        ("groups.csv", xlsx_bytes(GROUPS), "not a text file"),
        ("groups.csv", b"%PDF-1.4\n" + b"\x00\x01" * 100, "not a text file"),
        ("groups.pdf", csv_bytes(GROUPS), "CSV or XLSX"),
        ("groups.xlsx", xlsx_bytes(GROUPS)[:400], "damaged"),
        ("groups.csv", b"", "empty"),
    ],
)
def test_content_that_is_not_what_the_extension_says(police_coordinator, import_dir, name, data, match):
    refused(police_coordinator, name, data, match=match)
    assert not list(import_dir.glob("*"))


def _bomb(member_bytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        with package.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(member_bytes >> 20):
                member.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_unpacked(police_coordinator, import_dir):
    data = _bomb(64 << 20)
    assert len(data) < 200_000
    refused(police_coordinator, "groups.xlsx", data, match="compression bomb")


def test_a_package_that_unpacks_over_the_limit_is_refused(police_coordinator, settings):
    settings.GVI_IMPORT_MAX_RATIO = 10**9
    settings.GVI_IMPORT_MAX_UNPACKED_BYTES = 16 << 20
    refused(police_coordinator, "groups.xlsx", _bomb(32 << 20), match="unpack to")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_are_read_correctly(police_coordinator, encoding):
    run = check_and_import(police_coordinator, "g.csv", csv_bytes(GROUPS, encoding=encoding))
    assert run.mapping["reference"] == "Källreferens"
    group = m.Group.objects.get()
    assert (group.name, group.description) == ("Åsa-gänget", "Från Västerås")


def test_mixed_encodings_are_refused(police_coordinator, import_dir):
    data = csv_bytes(GROUPS, encoding="cp1252") + csv_bytes([["G-2", "Öster", "Skärholmen", "Lista"]])
    refused(police_coordinator, "g.csv", data, match="mixes two encodings")
    bom_then_latin = csv_bytes(GROUPS, encoding="utf-8-sig") + "G-2;Öst;x;y\r\n".encode("cp1252")
    refused(police_coordinator, "g.csv", bom_then_latin, match="UTF-8")
    refused(police_coordinator, "g.csv", csv_bytes(GROUPS) + b"\x81\x8d\x8f\r\n", match="encoding")
    assert not list(import_dir.glob("*"))


def test_a_file_that_changed_under_the_import_stores_nothing(police_coordinator):
    """A file that cannot be read any more when the job runs fails whole, with a message."""
    run = imports.check(user=police_coordinator, run=upload(police_coordinator, "g.csv", csv_bytes(GROUPS)))
    run = imports.confirm(user=police_coordinator, run=run)
    with open(run.stored_path, "wb") as handle:
        handle.write(b"PK\x03\x04 broken")
    run = imports.execute(user=police_coordinator, run=run)
    assert run.status == m.ImportStatus.FAILED and run.message
    assert not m.Group.objects.exists()
