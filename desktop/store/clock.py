"""The clock, and the shared database's timestamp format: UTC TEXT 'YYYY-MM-DD HH:MM:SS'.

``now()`` is the one place the code reads the wall-clock time (the tests move it with
time-machine). pendulum DateTimes are not bindable by sqlite3 (its adapters are looked up by
exact type), so every timestamp crosses the store boundary as text made here. pendulum (with
dateutil, ~30 ms) is imported where a DateTime is asked for: the text of now and of a moment
ago comes from the standard library's datetime (which time-machine moves too), so a small job
never loads it (issue 26).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pendulum

TIMESTAMP_FORMAT = "YYYY-MM-DD HH:mm:ss"


def now() -> pendulum.DateTime:
    """The current moment, as an aware UTC DateTime."""
    import pendulum

    return pendulum.now("UTC")


def to_db_text(moment: pendulum.DateTime) -> str:
    """A pendulum DateTime as the database's UTC text."""
    return moment.in_timezone("UTC").to_datetime_string()


def utc_now_text() -> str:
    return _text_of(datetime.now(timezone.utc))


def _text_of(moment: datetime) -> str:
    """An aware UTC datetime as the database's text (what to_db_text makes of a DateTime)."""
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")


# The timestamp forms a server plausibly writes: the spec's 'YYYY-MM-DD HH:MM:SS', ISO 8601
# (a T, a fraction, Z or an offset), or epoch seconds (SQLite keeps a number written into a
# column declared DATETIME as a number; one declared TEXT keeps its text).
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                      r"(Z|[+-]\d{2}(:?\d{2})?)?$", re.IGNORECASE)
EPOCH_SECONDS = re.compile(r"^\d{1,12}(\.\d+)?$")
LAST_EPOCH_SECOND = 253402300799  # 9999-12-31 23:59:59, the last moment the text form holds
SHOWN_CHARACTERS = 60


def shown(value) -> str:
    """A stored value as a message quotes it: repr, cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 3] + "..."


def _utc_datetime(value) -> datetime | None:
    """parse_db_text's work in the standard library (a stored job row's four timestamps are
    read with every chunk and every listing: pendulum's parser took 0.17 ms each)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{shown(value)} is not a timestamp")
    text = str(value).strip()
    try:
        if EPOCH_SECONDS.match(text) and float(text) <= LAST_EPOCH_SECOND:
            return datetime.fromtimestamp(float(text), timezone.utc)
        if ISO_8601.match(text):
            moment = datetime.fromisoformat(text.upper())
            if moment.tzinfo is None:  # the spec's text: UTC
                return moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass  # a month 13, an hour 25
    raise ValueError(f"{shown(value)} is not a timestamp")


def parse_db_text(value) -> pendulum.DateTime | None:
    """A stored timestamp, in any of the forms above, as an aware UTC DateTime; None and ''
    stay None. Anything else raises ValueError quoting the value: every timestamp read from a
    row another program wrote goes through here."""
    moment = _utc_datetime(value)
    if moment is None:
        return None
    import pendulum

    return pendulum.instance(moment)


def db_text_of(value) -> str | None:
    """A stored timestamp in any accepted form as the database's UTC text (parse_db_text)."""
    moment = _utc_datetime(value)
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def ago_text(**delta: float) -> str:
    """The database text of a moment in the past, e.g. ``ago_text(hours=24)``."""
    if delta.keys() <= FIXED_UNITS:  # the standard library's arithmetic, no pendulum
        return _text_of(datetime.now(timezone.utc) - timedelta(**delta))
    return to_db_text(now().subtract(**delta))  # months, years: calendar arithmetic


FIXED_UNITS = {"weeks", "days", "hours", "minutes", "seconds"}


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
