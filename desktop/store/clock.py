"""The shared database's timestamp format: UTC TEXT 'YYYY-MM-DD HH:MM:SS'.

pendulum DateTimes are not bindable by sqlite3 (its adapters are looked up by exact type), so
every timestamp crosses the store boundary as text made here.
"""

from __future__ import annotations

import pendulum

TIMESTAMP_FORMAT = "YYYY-MM-DD HH:mm:ss"


def to_db_text(moment: pendulum.DateTime) -> str:
    """A pendulum DateTime as the database's UTC text."""
    return moment.in_timezone("UTC").to_datetime_string()


def utc_now_text() -> str:
    return to_db_text(pendulum.now("UTC"))


def parse_db_text(text: str | None) -> pendulum.DateTime | None:
    """Database text back to an aware UTC DateTime; None stays None."""
    if not text:
        return None
    return pendulum.parse(text, tz="UTC")


def ago_text(**delta: float) -> str:
    """The database text of a moment in the past, e.g. ``ago_text(hours=24)``."""
    return to_db_text(pendulum.now("UTC").subtract(**delta))
