"""Identity numbers: checksum, century, samordningsnummer, encryption, keyed search."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gvi import crypto
from gvi import models as m
from gvi import personnummer as pnr
from gvi.selectors.identity import find_person_by_personnummer
from gvi.services.people import correct_person, register_person
from tests import factories as f
from tests.privacy.identity import birth_dates, make_number, serials

TODAY = dt.date(2026, 6, 1)


@given(born=birth_dates, serial=serials, coordination=st.booleans())
def test_every_generated_number_is_valid_and_normalises_to_twelve_digits(born, serial, coordination):
    number = make_number(born, serial, coordination=coordination)
    parsed = pnr.parse(number, today=TODAY)
    assert parsed.normalised == number
    assert parsed.date_of_birth == born
    assert parsed.is_coordination_number is coordination


@given(born=birth_dates, serial=serials, position=st.integers(min_value=2, max_value=11), delta=st.integers(1, 9))
def test_changing_any_one_digit_breaks_the_checksum(born, serial, position, delta):
    number = make_number(born, serial)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    with pytest.raises(ValidationError):
        pnr.parse(changed, today=TODAY)


@given(born=birth_dates, serial=serials)
def test_swapping_two_different_adjacent_digits_of_the_serial_is_caught(born, serial):
    number = make_number(born, serial)
    a, b = number[8], number[9]
    if a == b or {a, b} == {"0", "9"}:  # Luhn's one blind spot: 09 <-> 90
        return
    swapped = number[:8] + b + a + number[10:]
    assert not pnr.is_valid(swapped)


@given(born=st.dates(min_value=dt.date(1927, 6, 2), max_value=dt.date(2026, 6, 1)), serial=serials)
def test_ten_digit_form_gets_the_century_from_the_separator(born, serial):
    short = make_number(born, serial, twelve=False)
    age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
    if age >= 100:
        short = short.replace("-", "+")
    assert pnr.parse(short, today=TODAY).date_of_birth == born


def test_plus_means_a_hundred_years_earlier():
    number = make_number(dt.date(1920, 2, 10), twelve=False)
    assert pnr.parse(number.replace("-", "+"), today=TODAY).date_of_birth == dt.date(1920, 2, 10)
    assert pnr.parse(number, today=TODAY).date_of_birth == dt.date(2020, 2, 10)


@pytest.mark.parametrize(
    "value, code",
    [("", "format"), ("abc", "format"), ("19900314-12", "format"), ("19900314+1234", "format")],
)
def test_malformed_numbers_are_refused_with_a_clear_error(value, code):
    with pytest.raises(ValidationError) as error:
        pnr.parse(value, today=TODAY)
    assert error.value.code == code


def test_wrong_check_digit_is_refused():
    good = make_number(dt.date(1990, 3, 14), 123)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as error:
        pnr.parse(bad, today=TODAY)
    assert error.value.code == "checksum"


def test_invalid_dates_and_future_dates_are_refused_even_with_a_good_checksum():
    def with_check(twelve_without_check):
        return twelve_without_check + str(pnr.luhn_check_digit(twelve_without_check[2:]))

    for bad in ("199013141234"[:11], "199002301234"[:11], "203001011234"[:11]):
        with pytest.raises(ValidationError) as error:
            pnr.parse(with_check(bad), today=TODAY)
        assert error.value.code == "date"
    # Samordningsnummer day 91 = 31 + 60 is fine in March, day 92 is not.
    assert pnr.is_valid(with_check("19900391123"))
    assert not pnr.is_valid(with_check("19900392123"))


def test_encryption_round_trips_and_rotates_keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("199003141234")
    assert "199003141234" not in token
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "199003141234"
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "199003141234"
    with pytest.raises(ValueError):
        crypto.decrypt(token)


def test_search_hash_is_keyed(settings):
    settings.SEARCH_HASH_KEY = "one-key"
    first = crypto.search_hash("199003141234")
    settings.SEARCH_HASH_KEY = "another-key"
    assert crypto.search_hash("199003141234") != first
    assert len(first) == 64


@pytest.mark.django_db
class TestRegisterAndFind:
    def test_register_stores_only_ciphertext_and_hash(self, police_coordinator):
        number = make_number(dt.date(1999, 4, 21), 123)
        person = register_person(
            user=police_coordinator, first_name="Test", last_name="Testsson", source="TEST-1", personnummer=number
        )
        person.refresh_from_db()
        assert person.date_of_birth == dt.date(1999, 4, 21)
        assert number not in person.personnummer_encrypted
        assert person.personnummer_hash == crypto.search_hash(number)
        assert pnr.reveal(person) == number
        # Nothing of the number reaches the history in plain text either.
        assert all(number not in str(row.__dict__) for row in person.history.all())

    def test_bad_number_and_mismatching_birth_date_are_refused(self, police_coordinator):
        with pytest.raises(ValidationError) as error:
            register_person(
                user=police_coordinator, first_name="A", last_name="B", source="S", personnummer="19990421-1111"
            )
        assert "personnummer" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            register_person(
                user=police_coordinator,
                first_name="A",
                last_name="B",
                source="S",
                date_of_birth=dt.date(2000, 1, 1),
                personnummer=make_number(dt.date(1999, 4, 21)),
            )
        assert "date_of_birth" in error.value.message_dict
        assert not m.Person.objects.exists()

    def test_duplicate_number_is_refused(self, police_coordinator):
        number = make_number(dt.date(1999, 4, 21))
        register_person(user=police_coordinator, first_name="A", last_name="B", source="S", personnummer=number)
        with pytest.raises(ValidationError) as error:
            register_person(user=police_coordinator, first_name="C", last_name="D", source="S", personnummer=number)
        assert "personnummer" in error.value.message_dict

    def test_find_is_scoped_and_logged(self, police, social_services, police_analyst, police_coordinator, today):
        minor_number = make_number(today - dt.timedelta(days=15 * 365), 412)
        minor = f.PersonFactory(organisation=social_services)
        pnr.set_on(minor, minor_number)
        minor.date_of_birth = pnr.parse(minor_number).date_of_birth
        minor.save()
        assert list(find_person_by_personnummer(user=police_coordinator, personnummer=minor_number)) == [minor]
        # The analyst may not see minors: the search finds nothing and says nothing more.
        assert list(find_person_by_personnummer(user=police_analyst, personnummer=minor_number)) == []
        rows = m.AccessLog.objects.filter(action=m.AccessAction.SEARCH).order_by("id")
        assert [(row.user_id, row.person_id) for row in rows] == [
            (police_coordinator.pk, minor.pk),
            (police_analyst.pk, None),
        ]
        assert all(minor_number not in (row.reason + row.path + row.object_id) for row in rows)

    def test_find_refuses_a_malformed_number(self, police_coordinator):
        with pytest.raises(ValidationError):
            find_person_by_personnummer(user=police_coordinator, personnummer="nonsense")

    def test_correction_keeps_history_with_reason(self, police_coordinator, police):
        person = register_person(
            user=police_coordinator, first_name="Fel", last_name="Namn", source="S", date_of_birth=dt.date(1990, 1, 1)
        )
        number = make_number(dt.date(1990, 1, 2))
        correct_person(
            user=police_coordinator, person=person, reason="Begäran om rättelse", first_name="Rätt", personnummer=number
        )
        person.refresh_from_db()
        assert (person.first_name, person.date_of_birth) == ("Rätt", dt.date(1990, 1, 2))
        latest, earlier = person.history.all()[:2]
        assert (earlier.first_name, latest.first_name) == ("Fel", "Rätt")
        assert latest.history_change_reason == "Begäran om rättelse"
        assert latest.history_user_id == police_coordinator.pk

    def test_correction_needs_a_reason_and_the_right(self, police_coordinator, probation_officer, police):
        person = f.PersonFactory(organisation=police)
        with pytest.raises(ValidationError):
            correct_person(user=police_coordinator, person=person, reason=" ", first_name="X")
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            correct_person(user=probation_officer, person=person, reason="r", first_name="X")
        person.refresh_from_db()
        assert person.first_name != "X"

    def test_a_reason_longer_than_the_history_keeps_is_refused_not_cut(self, police_coordinator, police):
        person = f.PersonFactory(organisation=police)
        with pytest.raises(ValidationError) as refused:
            correct_person(user=police_coordinator, person=person, reason="x" * 101, first_name="X")
        assert "100 characters" in str(refused.value.message_dict["reason"])
        person.refresh_from_db()
        assert person.first_name != "X"
        correct_person(user=police_coordinator, person=person, reason="y" * 100, first_name="X")
        assert person.history.latest().history_change_reason == "y" * 100


@pytest.mark.django_db
def test_rotate_field_keys_command_re_encrypts_with_the_new_key(settings, police):
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    number = make_number(dt.date(1985, 7, 9), 555)
    person = f.PersonFactory(organisation=police)
    pnr.set_on(person, number)
    person.save()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    settings.SEARCH_HASH_KEY = "a-new-search-key"
    call_command("rotate_field_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new]
    person.refresh_from_db()
    assert pnr.reveal(person) == number
    assert person.personnummer_hash == crypto.search_hash(number)


# --- Digits of other scripts (issue 14, item 12) --------------------------------------------

OTHER_DIGITS = {
    "Arabic-Indic": "٠١٢٣٤٥٦٧٨٩",
    "Persian": "۰۱۲۳۴۵۶۷۸۹",
    "full-width": "０１２３４５６７８９",
    "Devanagari": "०१२३४५६७८९",
}


def _in_script(number: str, script: str) -> str:
    return number.translate(str.maketrans("0123456789", OTHER_DIGITS[script]))


@pytest.mark.parametrize("script", list(OTHER_DIGITS))
@given(born=birth_dates, serial=serials, twelve=st.booleans())
def test_digits_of_other_scripts_normalise_to_the_same_ascii_number(script, born, serial, twelve):
    number = make_number(born, serial, twelve=twelve)
    ascii_form = pnr.parse(number, today=TODAY)
    other = pnr.parse(_in_script(number, script), today=TODAY)
    assert other == ascii_form
    assert other.normalised.isascii() and other.normalised.isdigit()


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2212", "\uff0d"])
def test_other_dashes_are_read_as_a_hyphen(dash):
    number = make_number(dt.date(1990, 3, 14), 123)
    with_dash = f"{number[:8]}{dash}{number[8:]}"
    assert pnr.parse(with_dash, today=TODAY).normalised == number


@pytest.mark.parametrize("value", ["¹9900314-1232", "19900314-123²", "19900314-12①2", "19900314-123½"])
def test_digit_like_characters_that_are_not_decimal_digits_are_refused(value):
    with pytest.raises(ValidationError) as error:
        pnr.parse(value, today=TODAY)
    assert error.value.code == "format"


@pytest.mark.django_db
@pytest.mark.parametrize("script", list(OTHER_DIGITS))
def test_one_person_cannot_be_registered_twice_with_digits_of_another_script(police_coordinator, script):
    number = make_number(dt.date(1999, 4, 21), 321)
    first = register_person(user=police_coordinator, first_name="A", last_name="B", source="S", personnummer=number)
    with pytest.raises(ValidationError) as error:
        register_person(
            user=police_coordinator, first_name="A", last_name="B", source="S", personnummer=_in_script(number, script)
        )
    assert "personnummer" in error.value.message_dict
    assert list(m.Person.objects.all()) == [first]
    assert list(find_person_by_personnummer(user=police_coordinator, personnummer=_in_script(number, script))) == [
        first
    ]
