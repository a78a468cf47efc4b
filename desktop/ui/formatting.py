"""How the window writes times, durations and counts."""

from __future__ import annotations

import math

import pendulum

from ..jobs.api import clock, parse_db_text


def local_time(text: str | None, now: pendulum.DateTime | None = None) -> str:
    """A stored UTC timestamp in local time, as short as is unambiguous: the time alone today,
    "yesterday 14:03", "Dec 4 14:03" this year, "2025-12-04 14:03" before. ``now`` defaults to
    the clock's now. A value that is no timestamp is shown as it is."""
    try:
        moment = parse_db_text(text)
    except ValueError:
        return str(text)
    if moment is None:
        return ""
    local = moment.in_timezone("local")
    today = (clock.now() if now is None else now).in_timezone("local").date()
    if local.date() == today:
        return local.format("HH:mm:ss")
    if local.date() == today.subtract(days=1):
        return local.format("[yesterday] HH:mm")
    if local.year == today.year:
        return local.format("MMM D HH:mm")
    return local.format("YYYY-MM-DD HH:mm")


def full_local_time(text: str | None) -> str:
    """A stored UTC timestamp in local time with the date, seconds and the zone's offset (a
    value that is no timestamp as it is)."""
    try:
        moment = parse_db_text(text)
    except ValueError:
        return str(text)
    if moment is None:
        return ""
    return moment.in_timezone("local").format("YYYY-MM-DD HH:mm:ss (Z)")


def duration(seconds: float) -> str:
    """'<1 s', '42 s', '40 min', '1 h 5 min': rounded up, as a person reads time left."""
    if seconds < 1:
        return "<1 s"
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def articles(count: int) -> str:
    return f"{count:,} article{'s' * (count != 1)}"


def one_line(text: str) -> str:
    """The first line of a message (what a status bar shows of it)."""
    return text.strip().splitlines()[0] if text.strip() else ""
