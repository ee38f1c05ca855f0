"""Synthetic identity numbers for tests: generated here, never copied from a real person."""

import datetime as dt

from hypothesis import strategies as st

from gvi.personnummer import luhn_check_digit


def make_number(born: dt.date, serial: int = 238, *, coordination: bool = False, twelve: bool = True) -> str:
    day = born.day + (60 if coordination else 0)
    yymmdd = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    nine = f"{yymmdd}{serial:03d}"
    check = luhn_check_digit(nine)
    if twelve:
        return f"{born.year // 100:02d}{nine}{check}"
    return f"{yymmdd}-{serial:03d}{check}"


birth_dates = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31))
serials = st.integers(min_value=0, max_value=999)
