"""The clock, and the shared database's timestamp format: UTC TEXT 'YYYY-MM-DD HH:MM:SS'.

``now()`` is the one place the code reads the wall-clock time (the tests move it with
time-machine). pendulum DateTimes are not bindable by sqlite3 (its adapters are looked up by
exact type), so every timestamp crosses the store boundary as text made here.
"""

from __future__ import annotations

import re

import pendulum

TIMESTAMP_FORMAT = "YYYY-MM-DD HH:mm:ss"


def now() -> pendulum.DateTime:
    """The current moment, as an aware UTC DateTime."""
    return pendulum.now("UTC")


def to_db_text(moment: pendulum.DateTime) -> str:
    """A pendulum DateTime as the database's UTC text."""
    return moment.in_timezone("UTC").to_datetime_string()


def utc_now_text() -> str:
    return to_db_text(now())


def parse_db_text(text: str | None) -> pendulum.DateTime | None:
    """Database text back to an aware UTC DateTime; None stays None."""
    if not text:
        return None
    return pendulum.parse(text, tz="UTC")


def ago_text(**delta: float) -> str:
    """The database text of a moment in the past, e.g. ``ago_text(hours=24)``."""
    return to_db_text(now().subtract(**delta))


AGE = re.compile(r"^(\d+)\s*([mhdw])$")
AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def cutoff_for_age(age: str) -> str:
    """'7d' -> the database timestamp of seven days ago (units m, h, d, w).

    Raises ValueError naming the text when it is not such an age.
    """
    match = AGE.match(age.strip().lower())
    if not match:
        raise ValueError(f"{age!r} is not an age like 30m, 12h, 7d or 2w")
    try:
        return ago_text(**{AGE_UNITS[match.group(2)]: int(match.group(1))})
    except (OverflowError, ValueError):  # before the year 1: no date can be that old
        raise ValueError(f"{age!r} is longer ago than any date (the year 1)") from None
