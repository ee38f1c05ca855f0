"""The one rule for which dates make sense, and date arithmetic that cannot overflow.

Every date a person types (a delivery, an action, a review date, a birth date ...) is bounded by
what it is, here and nowhere else. Each model field names its bound as a validator, so the
services (`gvi.services.common.validate`) and the admin's forms refuse the same dates with the
same message; the API's serializers and the UI's forms take the model field's bound through
`bounds_of`, so that the error shows on their own field first:

- HAPPENED: something that has taken place. Not before EARLIEST, not after today.
- PLANNED: something due or scheduled. Not before EARLIEST, at most PLANNING_HORIZON_YEARS ahead.
- BIRTH: a date of birth. At most OLDEST_AGE years ago, not after today.

Lower bounds are fixed or move slowly, so that a record stays valid when it is changed later.
A year like 1900 or 9999 is a typing error, and 9999-12-31 plus a few days cannot even be
computed (OverflowError): `shift` is the date arithmetic for stored dates.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# Nothing the programme records happened before this day (older typing errors are refused).
EARLIEST = dt.date(1970, 1, 1)
# How far ahead a due date, a review date or a meeting can be planned.
PLANNING_HORIZON_YEARS = 5
# Nobody on record is older than this.
OLDEST_AGE = 120

HAPPENED, PLANNED, BIRTH = "happened", "planned", "birth"


def bounds(kind: str, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and the last acceptable day for a date of `kind`, both included."""
    today = today or timezone.localdate()
    if kind == HAPPENED:
        return EARLIEST, today
    if kind == PLANNED:
        return EARLIEST, _years_from(today, PLANNING_HORIZON_YEARS)
    if kind == BIRTH:
        return _years_from(today, -OLDEST_AGE), today
    raise ValueError(f"Unknown kind of date {kind!r}")


def _years_from(day: dt.date, years: int) -> dt.date:
    # (Not gvi.models.people.years_before: the models import this module.)
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _as_date(value) -> dt.date:
    # A datetime is judged by its own calendar day: converting a year-1 or year-9999 time to
    # another zone could itself overflow.
    return value.date() if isinstance(value, dt.datetime) else value


@deconstructible
class DateBound:
    """A field validator: ValidationError when the date is outside `bounds(kind)`."""

    messages = {
        HAPPENED: _("Give a date between %(first)s and today."),
        PLANNED: _("Give a date between %(first)s and %(last)s."),
        BIRTH: _("Give a date of birth between %(first)s and today."),
    }

    def __init__(self, kind: str):
        if kind not in self.messages:
            raise ValueError(f"Unknown kind of date {kind!r}")
        self.kind = kind

    def __call__(self, value) -> None:
        if value is None:
            return
        first, last = bounds(self.kind)
        if not first <= _as_date(value) <= last:
            raise ValidationError(
                self.messages[self.kind],
                code="date_out_of_range",
                params={"first": date_format(first, "Y-m-d"), "last": date_format(last, "Y-m-d")},
            )

    def __eq__(self, other):
        return isinstance(other, DateBound) and other.kind == self.kind

    def __hash__(self):
        return hash(self.kind)


happened = DateBound(HAPPENED)
planned = DateBound(PLANNED)
birth = DateBound(BIRTH)


def bounds_of(model, name: str) -> list[DateBound]:
    """The bound of a model's date field, for a form or serializer field that takes its value:
    the model field says which bound applies, once."""
    found = [validator for validator in model._meta.get_field(name).validators if isinstance(validator, DateBound)]
    if not found:
        raise ValueError(f"{model.__name__}.{name} names no gvi.dates bound")
    return found


def shift(day: dt.date, days: int) -> dt.date:
    """`day` moved by `days`, kept within the calendar (date.min to date.max) instead of
    raising OverflowError, for dates already stored before their bounds were enforced."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
