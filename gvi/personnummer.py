"""Swedish identity numbers: personnummer and samordningsnummer.

Accepted forms: YYMMDD-NNNC, YYMMDD+NNNC (a person of 100 or more), YYMMDDNNNC, YYYYMMDDNNNC and
YYYYMMDD-NNNC. A samordningsnummer has 60 added to the day. The last digit C is a Luhn check
digit over the ten digits YYMMDDNNN. The normal form is twelve digits, YYYYMMDDNNNC.

Digits of other scripts (Arabic-Indic, Persian, full-width ...) and other dashes are read as the
ASCII digits and hyphen they stand for, so that one number has one normal form and one keyed hash
however it was typed; anything else is refused. (python-stdnum's `se.personnummer` checks the
same date and check digit; it would add a dependency for no rule this module lacks, and its
messages are not translated, so the parsing stays here.)

Stored only encrypted (`gvi.crypto`) and found only by keyed hash; never logged or shown whole.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import crypto

# ASCII only: in Python's re, \d also matches the digits of every other script.
_PATTERN = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$", re.ASCII)
# Dashes and pluses a keyboard, a word processor or a form in another script may give.
_SEPARATORS = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-", "\ufe63": "-", "\uff0d": "-"}
    | {"\ufe62": "+", "\uff0b": "+"}
)


def _ascii(text: str) -> str:
    """`text` with every decimal digit of any script as its ASCII digit, and dashes as "-"."""
    # Only decimal digits (Unicode category Nd): not superscripts, fractions or circled numbers.
    text = text.translate(_SEPARATORS)
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit of YYMMDDNNN (weights 2, 1, 2, 1, ... from the left)."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class IdentityNumber:
    normalised: str  # YYYYMMDDNNNC
    date_of_birth: date
    is_coordination_number: bool

    def masked(self) -> str:
        """Shown in lists and logs: the date only, e.g. 19900314-****."""
        return f"{self.normalised[:8]}-****"


def parse(value: str, *, today: date | None = None) -> IdentityNumber:
    """Validate and normalise a personnummer or samordningsnummer; ValidationError if it is not one."""
    today = today or timezone.localdate()
    text = _ascii((value or "").strip()).replace(" ", "")
    match = _PATTERN.match(text)
    if not match:
        raise ValidationError(_("Enter an identity number as YYYYMMDD-NNNN or YYMMDD-NNNN."), code="format")
    yymmdd, serial, check = match["yymmdd"], match["serial"], match["check"]
    if match["century"] and match["sep"] == "+":
        raise ValidationError(_("Use + only with a two-digit year."), code="format")
    if luhn_check_digit(yymmdd + serial) != int(check):
        raise ValidationError(_("The identity number's check digit is wrong."), code="checksum")
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    coordination = day > 60
    if coordination:
        day -= 60
    if match["century"]:
        year = int(match["century"]) * 100 + yy
    else:
        # The latest year ending in YY that is not in the future; '+' means a hundred years earlier.
        year = today.year - (today.year - yy) % 100
        if match["sep"] == "+":
            year -= 100
    try:
        born = date(year, month, day)
    except ValueError as error:
        raise ValidationError(_("The identity number does not contain a valid date."), code="date") from error
    if born > today:
        raise ValidationError(_("The identity number's date of birth is in the future."), code="date")
    return IdentityNumber(
        normalised=f"{year:04d}{month:02d}{int(yymmdd[4:6]):02d}{serial}{check}",
        date_of_birth=born,
        is_coordination_number=coordination,
    )


def normalise(value: str) -> str:
    return parse(value).normalised


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except ValidationError:
        return False
    return True


def encrypt(normalised: str) -> str:
    return crypto.encrypt(normalised)


def search_hash(normalised: str) -> str:
    return crypto.search_hash(normalised)


def set_on(person, value: str) -> IdentityNumber:
    """Validate `value` and store it on `person` encrypted, with its search hash (not saved)."""
    number = parse(value)
    person.personnummer_encrypted = encrypt(number.normalised)
    person.personnummer_hash = search_hash(number.normalised)
    return number


def reveal(person) -> str:
    """The person's identity number in normal form, or "" (callers log the read)."""
    return crypto.decrypt(person.personnummer_encrypted)
