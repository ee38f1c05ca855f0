"""The columns of each kind of import, their Swedish and English headers, how a cell's text is
read (dates, choices, lists), how a file's headers are matched to them, and the templates."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gvi.models import (
    Confidence,
    GroupStatus,
    ImportKind,
    IncidentType,
    MembershipRole,
    RelationKind,
    Sex,
    VerificationStatus,
)

LIST_SEPARATOR = ";"


def fold(text) -> str:
    """Text as matching compares it: without accents, case or punctuation ("Födelsedatum" ==
    "fodelse-datum"... no: "fodelsedatum")."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


@dataclass(frozen=True)
class Column:
    field: str
    sv: str
    en: str
    example: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: object = ""

    def names(self) -> set[str]:
        return {fold(name) for name in (self.field, self.sv, self.en, *self.aliases)}


REFERENCE = Column(
    "reference",
    "Källreferens",
    "Source reference",
    "",
    required=True,
    aliases=("referens", "reference", "id", "radnyckel", "row key", "diarienummer", "report number"),
    help=gettext_lazy("The row's own key, e.g. the police report number: a re-import updates the same record."),
)
SOURCE = Column("source", "Källa", "Source", "Polisen lägesbild 2026-10", required=True)
CONFIDENCE = Column(
    "confidence", "Tillförlitlighet", "Confidence", "probable", aliases=("sakerhet", "konfidens", "tillforlitlighet")
)


@dataclass(frozen=True)
class Layout:
    kind: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.field == name)


LAYOUTS = {
    ImportKind.GROUPS: Layout(
        ImportKind.GROUPS,
        (
            Column("reference", "Källreferens", "Source reference", "GRP-001", True, REFERENCE.aliases),
            Column("name", "Namn", "Name", "Norra nätverket", True, ("gruppnamn", "group name", "grupp")),
            Column("aliases", "Alias", "Aliases", "NN; Norr", aliases=("smeknamn",)),
            Column("areas", "Områden", "Areas", "Björkhamn centrum", aliases=("omrade", "area")),
            Column("status", "Status", "Status", "active"),
            Column("description", "Beskrivning", "Description", ""),
            SOURCE,
            CONFIDENCE,
        ),
    ),
    ImportKind.PERSONS: Layout(
        ImportKind.PERSONS,
        (
            Column("reference", "Källreferens", "Source reference", "P-0001", True, REFERENCE.aliases),
            Column("first_name", "Förnamn", "First name", "Testperson", True, ("fornamn",)),
            Column("last_name", "Efternamn", "Last name", "Exempelsson", True, ("efternamn", "surname")),
            Column(
                "identity_number",
                "Personnummer",
                "Identity number",
                "19900314-1230",
                aliases=("personnummer", "samordningsnummer", "personal identity number", "pnr"),
            ),
            Column("date_of_birth", "Födelsedatum", "Date of birth", "1990-03-14", aliases=("fodd", "born")),
            Column("sex", "Kön", "Sex", "male", aliases=("gender",)),
            Column("home_area", "Hemområde", "Home area", "Björkhamn centrum", aliases=("omrade", "area")),
            SOURCE,
            CONFIDENCE,
        ),
    ),
    ImportKind.MEMBERSHIPS: Layout(
        ImportKind.MEMBERSHIPS,
        (
            Column("reference", "Källreferens", "Source reference", "M-0001", True, REFERENCE.aliases),
            Column(
                "person",
                "Person",
                "Person",
                "P-0001",
                True,
                help=gettext_lazy("The person's source reference from the persons file, or an identity number."),
            ),
            Column(
                "group",
                "Grupp",
                "Group",
                "GRP-001",
                True,
                ("gruppering",),
                help=gettext_lazy("The group's source reference from the groups file, or its name."),
            ),
            Column("start_date", "Startdatum", "Start date", "2025-06-01", True, ("fran", "from", "start")),
            Column("end_date", "Slutdatum", "End date", "", aliases=("till", "to", "end")),
            Column("role", "Roll", "Role", "member"),
            Column("key_individual", "Nyckelperson", "Key individual", "no"),
            Column(
                "criteria",
                "Kriterier",
                "Criteria",
                "own_statement; police_intelligence",
                True,
                ("inclusion criteria", "inklusionskriterier"),
                help=gettext_lazy("The inclusion criteria's codes, separated by semicolons."),
            ),
            Column(
                "evidence",
                "Underlag",
                "Evidence",
                "PM 2025-123",
                True,
                ("evidence reference", "underlagsreferens"),
                help=gettext_lazy("The source reference for the criteria (e.g. a memo number)."),
            ),
            SOURCE,
            CONFIDENCE,
        ),
    ),
    ImportKind.RELATIONS: Layout(
        ImportKind.RELATIONS,
        (
            Column("reference", "Källreferens", "Source reference", "REL-001", True, REFERENCE.aliases),
            Column("group", "Grupp", "Group", "GRP-001", True, ("grupp a", "group a")),
            Column("other_group", "Annan grupp", "Other group", "GRP-002", True, ("grupp b", "group b", "motpart")),
            Column("relation", "Relation", "Relation", "conflict", True, ("typ", "kind")),
            Column("start_date", "Startdatum", "Start date", "2025-01-15", True, ("fran", "from", "start")),
            Column("end_date", "Slutdatum", "End date", "", aliases=("till", "to", "end")),
            Column("description", "Beskrivning", "Description", ""),
            SOURCE,
            CONFIDENCE,
        ),
    ),
    ImportKind.INCIDENTS: Layout(
        ImportKind.INCIDENTS,
        (
            Column("reference", "Källreferens", "Source reference", "5000-K123456-26", True, REFERENCE.aliases),
            Column("incident_type", "Händelsetyp", "Incident type", "shooting", True, ("typ", "type")),
            Column("occurred_at", "Tidpunkt", "Occurred at", "2026-03-14 21:30", True, ("datum", "date", "time")),
            Column("area", "Område", "Area", "Björkhamn centrum"),
            Column("place", "Plats", "Place", "Storgatan"),
            Column("killed", "Döda", "Killed", "0", aliases=("dodade", "avlidna")),
            Column("injured", "Skadade", "Injured", "1"),
            Column("verification_status", "Verifiering", "Verification", "reported", aliases=("verification status",)),
            Column("description", "Beskrivning", "Description", ""),
            Column(
                "suspects",
                "Misstänkta",
                "Suspects",
                "P-0001",
                help=gettext_lazy("Persons' source references or identity numbers, separated by semicolons."),
            ),
            Column("victims", "Målsäganden", "Victims", "", aliases=("offer", "malsagande", "brottsoffer")),
            Column("witnesses", "Vittnen", "Witnesses", ""),
            SOURCE,
            CONFIDENCE,
        ),
    ),
}


# --- Matching headers ------------------------------------------------------------------------


@dataclass
class Mapping:
    """Which file column feeds which field, and what could not be matched."""

    kind: str
    index: dict[str, int]  # field -> column index
    headers: list[str]
    unknown: list[str]  # headers in the file that feed nothing
    missing: list[str]  # required fields without a column
    duplicates: list[str]  # headers that name a field a second time

    def as_json(self) -> dict:
        return {name: self.headers[position] for name, position in self.index.items()}


def match_headers(kind: str, headers: list) -> Mapping:
    layout = LAYOUTS[kind]
    names = {}
    for column in layout.columns:
        for name in column.names():
            names.setdefault(name, column.field)
    index, unknown, duplicates = {}, [], []
    headers = [str(header or "").strip() for header in headers]
    for position, header in enumerate(headers):
        if not header:
            continue
        target = names.get(fold(header))
        if target is None:
            unknown.append(header)
        elif target in index:
            duplicates.append(header)
        else:
            index[target] = position
    missing = [column.field for column in layout.columns if column.required and column.field not in index]
    return Mapping(kind, index, headers, unknown, missing, duplicates)


def guess_kind(headers: list) -> str | None:
    """The kind whose required columns the headers name best (all of them, most matched)."""
    best, best_score = None, -1
    for kind in LAYOUTS:
        mapping = match_headers(kind, headers)
        if mapping.missing:
            continue
        score = len(mapping.index)
        if score > best_score:
            best, best_score = kind, score
    return best


# --- Reading cells ---------------------------------------------------------------------------


def text(value) -> str:
    if type(value) is str:  # a CSV cell (the common case first)
        return value.strip()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value or "").strip()


def items(value) -> list[str]:
    """A list cell: "a; b;c" -> ["a", "b", "c"] (commas too, when no semicolon is used)."""
    value = text(value)
    separator = LIST_SEPARATOR if LIST_SEPARATOR in value or "," not in value else ","
    return [item.strip() for item in value.split(separator) if item.strip()]


_DATE = re.compile(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})[:.](\d{2})(?::(\d{2}))?)?$")


def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    value = text(value)
    if not value:
        return None
    match = _DATE.match(value.replace("/", "-"))
    if not match:
        raise ValidationError(_("Write the date as YYYY-MM-DD."), code="format")
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValidationError(_("The date %(value)s does not exist.") % {"value": value}, code="date") from None


def parse_datetime(value, tz=None) -> dt.datetime | None:
    """A time; without a zone of its own, in `tz` (the current time zone by default)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        value = text(value)
        if not value:
            return None
        match = _DATETIME.match(value.replace("/", "-"))
        if not match:
            raise ValidationError(_("Write the time as YYYY-MM-DD HH:MM."), code="format")
        try:
            moment = dt.datetime(*(int(part or 0) for part in match.groups()))
        except ValueError:
            raise ValidationError(_("The time %(value)s does not exist.") % {"value": value}, code="date") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    return moment


def parse_int(value) -> int:
    value = text(value)
    if not value:
        return 0
    if not re.fullmatch(r"\d{1,4}", value):
        raise ValidationError(_("Write a whole number from 0."), code="invalid")
    return int(value)


_YES = {"1", "ja", "yes", "y", "j", "x", "true", "sant"}
_NO = {"", "0", "nej", "no", "n", "false", "falskt"}


def parse_bool(value) -> bool:
    folded = fold(value)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ValidationError(_("Write yes or no."), code="invalid")


def _choice_names(choices) -> dict[str, str]:
    names = {}
    for value, label in choices.choices:
        names[fold(value)] = value
        for language in ("sv", "en"):
            with translation.override(language):
                names.setdefault(fold(str(label)), value)
    return names


_CHOICES = {}


def parse_choice(choices, value, default=None) -> str:
    """A choice by its code or its Swedish or English name, accents and case aside."""
    if choices not in _CHOICES:
        _CHOICES[choices] = _choice_names(choices)
    folded = fold(value)
    if not folded and default is not None:
        return default
    found = _CHOICES[choices].get(folded)
    if found is None:
        with translation.override(translation.get_language()):
            allowed = ", ".join(str(choice) for choice in choices.values)
        raise ValidationError(_("Unknown value; use one of: %(allowed)s.") % {"allowed": allowed}, code="invalid")
    return found


CHOICES = {
    "status": GroupStatus,
    "sex": Sex,
    "role": MembershipRole,
    "relation": RelationKind,
    "incident_type": IncidentType,
    "verification_status": VerificationStatus,
    "confidence": Confidence,
}


# --- Templates -------------------------------------------------------------------------------


def template_rows(kind: str, language: str) -> list[list[str]]:
    """The header row in `language` ("sv" or "en") and one example row."""
    layout = LAYOUTS[kind]
    header = [column.sv if language == "sv" else column.en for column in layout.columns]
    return [header, [column.example for column in layout.columns]]
