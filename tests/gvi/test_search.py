"""Search folds case for Swedish letters on every database (SQLite's own LIKE folds only ASCII)."""

import sqlite3

import pytest

from gvi.selectors.groups import group_list
from gvi.selectors.persons import person_list
from gvi.sqlite import like
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_person_search_folds_swedish_letters(police, police_coordinator):
    oberg = f.PersonFactory(organisation=police, first_name="Åsa", last_name="Öberg")
    f.PersonFactory(organisation=police, first_name="Olle", last_name="Oberg")
    assert list(person_list(police_coordinator, q="öberg")) == [oberg]
    assert list(person_list(police_coordinator, q="ÅSA ÖBERG")) == [oberg]


def test_wildcards_typed_in_a_search_are_plain_characters(police, police_coordinator):
    f.GroupFactory(organisation=police, name="Ängsgänget")
    percent = f.GroupFactory(organisation=police, name="100% Södra")
    assert [group.name for group in group_list(police_coordinator, q="ängsgä")] == ["Ängsgänget"]
    assert list(group_list(police_coordinator, q="%")) == [percent]
    assert list(group_list(police_coordinator, q="_")) == []


@pytest.mark.parametrize(
    "pattern, value, escape, matches",
    [
        ("%öberg%", "Åsa Öberg", "", True),
        ("ö_erg", "ÖBERG", "", True),
        ("ö_erg", "Öbberg", "", False),
        (r"%50\%%", "50% rabatt", "\\", True),
        (r"%50\%%", "500 kr", "\\", False),
        (r"a\_b", "axb", "\\", False),
        ("ab\\", "ab", "\\", False),  # a trailing escape matches nothing
        (123, 123, "", True),
        ("%", None, "", None),
        (None, "x", "", None),
        ("x", "x", None, None),  # ESCAPE NULL
    ],
)
def test_like_reads_patterns_as_sqlite_does(pattern, value, escape, matches):
    assert (like(pattern, value, escape) if escape != "" else like(pattern, value)) == matches
    if all(isinstance(text, str) and text.isascii() for text in (pattern, value, escape)):
        builtin = sqlite3.connect(":memory:")  # SQLite's own LIKE, which folds ASCII only
        if escape:
            (found,) = builtin.execute("SELECT ? LIKE ? ESCAPE ?", (value, pattern, escape)).fetchone()
        else:
            (found,) = builtin.execute("SELECT ? LIKE ?", (value, pattern)).fetchone()
        assert bool(found) == matches


@pytest.mark.parametrize("escape", ["ab", ""])
def test_like_refuses_an_escape_that_is_not_one_character_as_sqlite_does(escape):
    with pytest.raises(ValueError):
        like("a", "a", escape)
