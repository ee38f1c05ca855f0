"""The incident import's fast path: the same validation and policy as a form write, from plain values.

- `ValuesValidator` gives the same errors as `validate` on a model instance, for many random rows;
- the import's own errors for bad dates, unknown choices and numbers, with the messages the
  preview shows;
- the minors rule per involvement: an analyst may not record a minor's involvement.
"""

import datetime as dt
import random

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from gvi import models as m
from gvi.services import imports
from gvi.services.common import ValuesValidator, validate
from tests import factories as f
from tests.imports.helpers import check_and_import, csv_bytes, upload

OWNER = ("programme", "organisation", "created_by", "updated_by")


def _messages(check) -> dict:
    try:
        check()
    except ValidationError as error:
        return error.message_dict
    return {}


def test_values_are_validated_as_validate_validates_a_model_instance(police_coordinator, area):
    rng = random.Random(22)
    now = timezone.now()
    choices = {
        "incident_type": ["shooting", "explosion", "", "knife", None],
        "verification_status": ["reported", "verified", "", "rumour"],
        "confidence": ["probable", "unverified", "", "sure"],
        "source": ["Polisen", "", "x" * 200, "x" * 201, None],
        "place": ["", "Storgatan", "y" * 201],
        "killed": [0, 3, -1, 40000, None, "2", "två"],
        "injured": [0, 1, -5],
        "description": ["", "Beskrivning", None],
        "occurred_at": [
            now - dt.timedelta(days=3),
            now + dt.timedelta(minutes=1),  # within the five minutes clean() allows
            now + dt.timedelta(days=2),  # after today and in the future: two rules, two messages
            timezone.make_aware(dt.datetime(1969, 12, 31, 23)),
            None,
        ],
        "area_id": [area.pk, None],
    }
    owner = {
        "programme_id": police_coordinator.organisation.programme_id,
        "organisation_id": police_coordinator.organisation_id,
        "created_by_id": police_coordinator.pk,
        "updated_by_id": police_coordinator.pk,
    }
    rules = ValuesValidator(m.Incident, known=(*OWNER, "area"))
    involvement_rules = ValuesValidator(m.Involvement, known=(*OWNER, "incident", "person"), new=("incident",))
    person = f.PersonFactory(
        programme=police_coordinator.organisation.programme, organisation=police_coordinator.organisation
    )
    failed = 0
    for _ in range(400):  # each value is seen many times: the memo's answers are checked too
        # The first option of each field is valid: some rows pass, most fail on one field or more.
        values = {**owner, **{name: rng.choice(options[:1] * 6 + options) for name, options in choices.items()}}
        expected = _messages(lambda values=values: validate(m.Incident(**values), known=(*OWNER, "area")))
        assert _messages(lambda values=values: rules.validate(dict(values))) == expected, values
        failed += bool(expected)
        involvement = {
            **owner,
            "person_id": person.pk,
            "role": rng.choice(["suspect", "victim", "bystander", ""]),
            "source": values["source"],
            "confidence": values["confidence"],
        }
        expected = _messages(
            lambda involvement=involvement, values=values: validate(
                m.Involvement(incident=m.Incident(**values), **involvement), known=(*OWNER, "incident", "person")
            )
        )
        assert _messages(lambda involvement=involvement: involvement_rules.validate(dict(involvement))) == expected
    assert 0 < failed < 400


def test_cleaned_values_replace_the_given_ones(police_coordinator):
    values = {"incident_type": "shooting", "occurred_at": timezone.now(), "killed": "2", "source": "Polisen"}
    ValuesValidator(m.Incident, known=(*OWNER, "area")).validate(values)
    assert values["killed"] == 2


def test_a_model_with_checks_it_cannot_make_is_refused():
    # Involvements are unique per incident, person and role: only for a new incident (no id yet)
    # is the check one Django skips too.
    with pytest.raises(ImproperlyConfigured, match="involvement_unique"):
        ValuesValidator(m.Involvement, known=(*OWNER, "incident", "person"))


HEADER = ["Källreferens", "Händelsetyp", "Tidpunkt", "Döda", "Tillförlitlighet", "Misstänkta", "Källa"]


def _errors(user, rows) -> dict:
    run = imports.check(user=user, run=upload(user, "inc.csv", csv_bytes([HEADER, *rows])))
    return {(error["row"], error["column"]): error["message"] for error in run.errors}


def test_the_preview_names_bad_dates_unknown_choices_and_numbers(police_coordinator):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    errors = _errors(
        police_coordinator,
        [
            ["K-1", "skjutning", "2024-02-30 21:00", "0", "", "", "Polisen"],
            ["K-2", "knivbråk", "2024-02-03 21:00", "0", "kanske", "", "Polisen"],
            ["K-3", "skjutning", f"{future} 10:00", "-1", "", "", "Polisen"],
            ["K-4", "skjutning", "1969-12-31 10:00", "0", "", "", "Polisen"],
            ["K-5", "skjutning", "2024-02-03 21:00", "0", "", "", "Polisen"],
        ],
    )
    assert errors[(2, "Tidpunkt")] == "The time 2024-02-30 21:00 does not exist."
    assert errors[(3, "Händelsetyp")].startswith("Unknown value; use one of: shooting, explosion")
    assert errors[(3, "Tillförlitlighet")].startswith("Unknown value; use one of: confirmed, probable")
    assert errors[(4, "Döda")] == "Write a whole number from 0."
    assert errors[(5, "Tidpunkt")] == "Give a date between 1970-01-01 and today."
    assert len(errors) == 5  # K-5 is fine
    errors = _errors(police_coordinator, [["K-6", "skjutning", f"{future} 10:00", "0", "", "", "Polisen"]])
    # The field's bound and the model's clean() both refuse it, as a form write would.
    assert errors[(2, "Tidpunkt")] in (
        "Give a date between 1970-01-01 and today.",
        "An incident cannot be in the future.",
    )


def test_an_analyst_may_not_record_a_minors_involvement(police_analyst, police_coordinator, police):
    # An adult today, registered as one (the analyst sees the person), a minor before 2018-06-01.
    person = f.PersonFactory(programme=police.programme, organisation=police, date_of_birth=dt.date(2000, 6, 1))
    f.PersonFactory(programme=police.programme, organisation=police, date_of_birth=dt.date(1990, 1, 1))
    m.ImportKey.objects.create(
        programme=police.programme, kind=m.ImportKind.PERSONS, reference="P-1", object_id=person.pk, row_hash="x"
    )
    rows = [
        ["K-1", "skjutning", "2015-03-01 21:00", "0", "", "P-1", "Polisen"],  # a minor then
        ["K-2", "skjutning", "2020-03-01 21:00", "0", "", "P-1", "Polisen"],  # an adult then
        ["K-3", "skjutning", "2015-03-02 21:00", "0", "", "", "Polisen"],  # nobody involved
    ]
    errors = _errors(police_analyst, rows)
    assert errors == {(2, "Misstänkta"): "You may not record this person's involvement."}
    # A coordinator sees every minor's record: the same file imports whole.
    run = check_and_import(police_coordinator, "inc.csv", csv_bytes([HEADER, *rows]))
    assert run.rows_created == 3
    years = sorted(m.Involvement.objects.values_list("incident__occurred_at__year", flat=True))
    assert years == [2015, 2020]
    assert {row.history_user for row in m.Involvement.history.all()} == {police_coordinator}


def test_a_failure_midway_leaves_no_incident(police_coordinator, monkeypatch):
    """All or nothing, with chunks written while the next is checked: a crash after two chunks
    leaves no incident, involvement, history row or source reference."""
    rows = [[f"K-{n}", "skjutning", "2024-02-03 21:00", "0", "", "", "Polisen"] for n in range(5)]
    run = imports.check(user=police_coordinator, run=upload(police_coordinator, "inc.csv", csv_bytes([HEADER, *rows])))
    run = imports.confirm(user=police_coordinator, run=run)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    calls = []

    def crash_on_second(self, done):
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(imports.Progress, "report", crash_on_second)
    with pytest.raises(RuntimeError):
        imports.execute(user=police_coordinator, run=run)
    assert not m.Incident.objects.exists() and not m.Incident.history.exists()
    assert not m.ImportKey.objects.exists()
