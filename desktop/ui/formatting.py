"""How the window writes times, durations and counts, and names from the database."""

from __future__ import annotations

import math

import pendulum
from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

from ..jobs.api import clock, parse_db_text

# Unicode's first-strong isolate and its end (UAX #9): text inside keeps its own direction and
# leaves the sentence around it alone, whatever script either is written in.
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolated(name: object) -> str:
    """A name from the database (a feed, category, user, article title) or typed by the person,
    ready to go inside a sentence of the window: a right-to-left name such as "الجزيرة نت"
    no longer pulls the count after it to its side ("45 — name unread" for "name — 45 unread")."""
    return f"{FIRST_STRONG_ISOLATE}{name}{POP_DIRECTIONAL_ISOLATE}"


def clock_time(hour: int, minute: int) -> str:
    """A time of day as the locale writes it short ("14:03", "2:03 PM"): no seconds, ever."""
    return QLocale().toString(QTime(hour, minute), QLocale.FormatType.ShortFormat)


def _day_and_month(month: int, day: int) -> str:
    # (the order is the language's: "Dec 4", "4. Dez.")
    return QLocale().toString(QDate(2000, month, day),
                              QCoreApplication.translate("formatting", "MMM d"))


def local_time(text: str | None, now: pendulum.DateTime | None = None) -> str:
    """A stored UTC timestamp in local time, as short as is unambiguous, the time always in the
    locale's short form: the time alone today, "yesterday 14:03", "Dec 4 14:03" this year,
    "2025-12-04 14:03" before. ``now`` defaults to the clock's now. A value that is no
    timestamp is shown as it is."""
    try:
        moment = parse_db_text(text)
    except ValueError:
        return str(text)
    if moment is None:
        return ""
    local = moment.in_timezone("local")
    today = (clock.now() if now is None else now).in_timezone("local").date()
    time_of_day = clock_time(local.hour, local.minute)
    if local.date() == today:
        return time_of_day
    if local.date() == today.subtract(days=1):
        return yesterday(time_of_day)
    if local.year == today.year:
        return f"{_day_and_month(local.month, local.day)} {time_of_day}"
    return f"{local.format('YYYY-MM-DD')} {time_of_day}"


def yesterday(time_of_day: str) -> str:
    return QCoreApplication.translate("formatting", "yesterday {time}").format(time=time_of_day)


def widest_local_times() -> list[str]:
    """The longest texts local_time writes in this locale (a date column's width)."""
    late = clock_time(23, 59)  # "11:59 PM" where the locale counts hours to 12
    return [yesterday(late), f"2026-12-28 {late}",
            *(f"{_day_and_month(month, 28)} {late}" for month in range(1, 13))]


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
    translate = QCoreApplication.translate
    if seconds < 1:
        return translate("formatting", "<1 s")
    if seconds < 60:
        return translate("formatting", "{seconds} s").format(seconds=math.ceil(seconds))
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return translate("formatting", "{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if minutes:
        return translate("formatting", "{hours} h {minutes} min").format(hours=hours,
                                                                           minutes=minutes)
    return translate("formatting", "{hours} h").format(hours=hours)


def number(count: float) -> str:
    """A count as the window's locale writes it ("1,234"; "1.234" in German)."""
    return QLocale().toString(int(count))


def articles(count: int) -> str:
    return QCoreApplication.translate("formatting", "%Ln article(s)", "", count)


def one_line(text: str) -> str:
    """The first line of a message (what a status bar shows of it)."""
    return text.strip().splitlines()[0] if text.strip() else ""
