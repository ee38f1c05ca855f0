"""The whole path: upload, preview (dry run), confirm, import; re-import; history; the log."""

import pytest

from gvi import models as m
from gvi.services import imports
from tests.imports.helpers import check_and_import, csv_bytes, pnr, upload, xlsx_bytes

PERSONS = [
    ["Källreferens", "Förnamn", "Efternamn", "Personnummer", "Kön", "Hemområde", "Källa", "Tillförlitlighet"],
    ["P-1", "Testa", "Exempelsson", pnr("19950314"), "man", "Björkhamn centrum", "Lista 1", "sannolik"],
    ["P-2", "Prova", "Påhittad", pnr("20010101", "234"), "", "", "Lista 1", ""],
]


def test_persons_preview_writes_nothing_then_import_creates_with_history(police_coordinator, area):
    run = upload(police_coordinator, "personer.csv", csv_bytes(PERSONS))
    assert run.kind == m.ImportKind.PERSONS
    assert run.mapping["identity_number"] == "Personnummer"
    run = imports.check(user=police_coordinator, run=run)
    assert run.status == m.ImportStatus.PREVIEWED
    assert (run.rows_total, run.rows_created, run.rows_failed) == (2, 2, 0)
    assert [o["outcome"] for o in run.outcomes] == ["create", "create"]
    assert not m.Person.objects.exists()  # the dry run wrote nothing
    run = imports.execute(user=police_coordinator, run=imports.confirm(user=police_coordinator, run=run))
    assert run.status == m.ImportStatus.DONE
    person = m.Person.objects.get(first_name="Testa")
    assert person.personnummer_hash and "1995" not in person.personnummer_encrypted
    assert person.home_area == area and person.sex == "male" and person.confidence == "probable"
    assert person.history.count() == 1 and person.history.first().history_user == police_coordinator
    # The run is the import's log: who, when, the file's hash, row counts.
    assert len(run.file_sha256) == 64 and run.created_by == police_coordinator and run.rows_created == 2


def test_reimport_changes_nothing_and_a_corrected_file_changes_only_that_row(police_coordinator, area):
    check_and_import(police_coordinator, "personer.csv", csv_bytes(PERSONS))
    again = check_and_import(police_coordinator, "personer.csv", csv_bytes(PERSONS))
    assert (again.rows_created, again.rows_changed, again.rows_unchanged) == (0, 0, 2)
    assert m.Person.objects.count() == 2
    corrected = [row[:] for row in PERSONS]
    corrected[2][2] = "Rättad"
    run = check_and_import(police_coordinator, "personer.xlsx", xlsx_bytes(corrected))
    assert (run.rows_created, run.rows_changed, run.rows_unchanged) == (0, 1, 1)
    person = m.Person.objects.get(first_name="Prova")
    assert person.last_name == "Rättad"
    assert person.history.count() == 2
    assert person.history.first().history_change_reason.startswith("Import")
    assert m.Person.objects.get(first_name="Testa").history.count() == 1


def test_preview_lists_every_error_with_row_column_and_reason(police_coordinator, area):
    rows = [
        *PERSONS,
        ["P-3", "Fel", "Nummer", "19950314-1231", "", "", "Lista 1", ""],
        ["P-4", "Okänt", "Område", "", "", "Ingenstans", "Lista 1", ""],
        ["P-5", "Omöjligt", "Datum", "", "", "", "Lista 1", ""],
        ["P-1", "Dubbel", "Rad", "", "", "", "Lista 1", ""],
    ]
    rows[0].append("Födelsedatum")
    for row in rows[1:]:
        row.append("" if row[3] else "1990-01-01")
    rows[5][-1] = "2023-02-30"
    run = imports.check(user=police_coordinator, run=upload(police_coordinator, "p.csv", csv_bytes(rows)))
    errors = {(e["row"], e["column"]): e["message"] for e in run.errors}
    assert "check digit" in errors[(4, "Personnummer")]
    assert "Unknown area" in errors[(5, "Hemområde")]
    assert "does not exist" in errors[(6, "Födelsedatum")]
    assert "earlier row" in errors[(7, "Källreferens")]
    assert run.rows_failed == 4 and run.rows_created == 2
    with pytest.raises(Exception, match="Correct the errors"):
        imports.confirm(user=police_coordinator, run=run)
    assert not m.Person.objects.exists()


def test_groups_memberships_relations_and_incidents(police_coordinator, area, criteria):
    groups = [
        ["Reference", "Name", "Aliases", "Areas", "Status", "Source"],
        ["G-1", "Norra nätverket", "NN; Norr", "björkhamn CENTRUM", "active", "Lista"],
        ["G-2", "Södra gänget", "", "", "dormant", "Lista"],
    ]
    assert check_and_import(police_coordinator, "groups.csv", csv_bytes(groups, delimiter=",")).rows_created == 2
    north = m.Group.objects.get(name="Norra nätverket")
    assert set(north.aliases.values_list("alias", flat=True)) == {"NN", "Norr"}
    assert list(north.areas.all()) == [area]
    check_and_import(police_coordinator, "persons.csv", csv_bytes(PERSONS))
    memberships = [
        ["Källreferens", "Person", "Grupp", "Startdatum", "Kriterier", "Underlag", "Källa"],
        ["M-1", "P-1", "G-1", "2025-06-01", "own_statement; police_intelligence", "PM 1", "Lista"],
        [
            "M-2",
            pnr("20010101", "234"),
            "Södra gänget",
            "2025-06-01",
            "own_statement;police_intelligence",
            "PM 2",
            "Lista",
        ],
    ]
    run = check_and_import(police_coordinator, "members.csv", csv_bytes(memberships))
    assert run.rows_created == 2
    assert set(m.Membership.objects.values_list("status", flat=True)) == {m.MembershipStatus.PROPOSED}
    assert m.MembershipEvidence.objects.count() == 4
    relations = [
        ["Källreferens", "Grupp", "Annan grupp", "Relation", "Startdatum", "Källa"],
        ["R-1", "G-1", "G-2", "konflikt", "2025-01-15", "Lista"],
    ]
    assert check_and_import(police_coordinator, "rel.csv", csv_bytes(relations)).rows_created == 1
    assert m.GroupRelation.objects.get().kind == "conflict"
    incidents = [
        ["Källreferens", "Händelsetyp", "Tidpunkt", "Område", "Döda", "Skadade", "Misstänkta", "Målsäganden", "Källa"],
        ["5000-K1-26", "Skjutning", "2026-03-14 21:30", "Björkhamn centrum", "0", "1", "P-1", "P-2", "Polisen"],
        ["5000-K2-26", "explosion", "2026-03-15", "", "", "", "", "", "Polisen"],
    ]
    run = check_and_import(police_coordinator, "inc.xlsx", xlsx_bytes(incidents))
    assert run.rows_created == 2
    shooting = m.Incident.objects.get(incident_type="shooting")
    assert shooting.injured == 1 and shooting.area == area
    assert sorted(shooting.involvements.values_list("role", flat=True)) == ["suspect", "victim"]
    assert shooting.history.count() == 1 and shooting.history.first().history_user == police_coordinator
    assert m.Involvement.history.count() == 2
    assert m.WeeklyTypeCount.objects.filter(incident_type="shooting").exists()
    # A corrected incident row: the incident is corrected, its involvements follow.
    incidents[1][5] = "2"
    incidents[1][7] = ""
    run = check_and_import(police_coordinator, "inc.xlsx", xlsx_bytes(incidents))
    assert (run.rows_changed, run.rows_unchanged) == (1, 1)
    shooting.refresh_from_db()
    assert shooting.injured == 2 and list(shooting.involvements.values_list("role", flat=True)) == ["suspect"]
    assert shooting.history.count() == 2


def test_only_importers_may_upload(probation_officer):
    with pytest.raises(Exception, match="may not import"):
        upload(probation_officer, "p.csv", csv_bytes(PERSONS))
