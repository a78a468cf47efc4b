"""What the window remembers between runs (QSettings), read and written in one place."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QCoreApplication, QLocale, QSettings

MAX_RECENT = 8
AGE_PRESETS = (None, "1d", "1w", "2w")
DEFAULT_KEEP_DAYS = 1  # the engine's own default: finished jobs go after 24 h


DAYS_PER_UNIT = {"d": 1, "w": 7}


def age_choices(custom_days: int = 0) -> list[tuple[str, str | None]]:
    """The preset ages, and "older than N days" when ``custom_days`` is set (and is not one of
    them), youngest first: "Any age", 1 day, 3 days, 1 week, 2 weeks."""
    ages = list(AGE_PRESETS)
    preset_days = [int(age[:-1]) * DAYS_PER_UNIT[age[-1]] for age in AGE_PRESETS[1:]]
    if custom_days > 0 and custom_days not in preset_days:
        place = 1 + sum(days < custom_days for days in preset_days)
        ages.insert(place, f"{custom_days}d")
    return [(age_label(age), age) for age in ages]


def age_phrase(age: str) -> str:
    """"older than 1 week" inside a sentence ("Mark Tech (older than 1 week) as read")."""
    translate = QCoreApplication.translate
    count = int(age[:-1])
    if age[-1] == "w":
        return translate("AppSettings", "older than %n week(s)", "", count)
    return translate("AppSettings", "older than %n day(s)", "", count)


def age_label(age: str | None) -> str:
    """"Any age", "Older than 1 week", "Older than 3 days" in the window's language."""
    translate = QCoreApplication.translate
    if age is None:
        return translate("AppSettings", "Any age")
    count = int(age[:-1])
    if age[-1] == "w":
        return translate("AppSettings", "Older than %n week(s)", "", count)
    return translate("AppSettings", "Older than %n day(s)", "", count)


class AppSettings:
    """Typed access to the QSettings keys (the same keys as before: a settings file written by
    an earlier version keeps working)."""

    def __init__(self, settings: QSettings):
        self.qsettings = settings

    def _bool(self, key: str, default: bool) -> bool:
        return self.qsettings.value(key, default, type=bool)

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self.qsettings.value(key, default))
        except (TypeError, ValueError):
            return default  # a hand-edited file: the default rather than a crash

    # -- mark as read -----------------------------------------------------------------------
    @property
    def confirm_mark_read(self) -> bool:
        return self._bool("confirm_mark_read", True)

    @confirm_mark_read.setter
    def confirm_mark_read(self, value: bool) -> None:
        self.qsettings.setValue("confirm_mark_read", bool(value))

    @property
    def age_by_published(self) -> bool:
        """Whether an older-than age counts by publication date (else by arrival)."""
        return self._bool("mark_read/age_by_published", False)

    @age_by_published.setter
    def age_by_published(self, value: bool) -> None:
        self.qsettings.setValue("mark_read/age_by_published", bool(value))

    @property
    def custom_age_days(self) -> int:
        """An extra "older than N days" choice (0: none)."""
        return max(0, self._int("mark_read/custom_age_days", 0))

    @custom_age_days.setter
    def custom_age_days(self, days: int) -> None:
        self.qsettings.setValue("mark_read/custom_age_days", int(days))

    def age_choices(self) -> list[tuple[str, str | None]]:
        """(label, age) offered by the confirmation and the tree's context menu."""
        return age_choices(self.custom_age_days)

    @property
    def default_age(self) -> str | None:
        """The age the confirmation starts with (None: any age)."""
        value = self.qsettings.value("mark_read/default_age", "") or None
        return value if value in {age for _, age in self.age_choices()} else None

    @default_age.setter
    def default_age(self, age: str | None) -> None:
        self.qsettings.setValue("mark_read/default_age", age or "")

    # -- jobs -------------------------------------------------------------------------------
    @property
    def keep_finished_days(self) -> int:
        return min(365, max(1, self._int("jobs/keep_finished_days", DEFAULT_KEEP_DAYS)))

    @keep_finished_days.setter
    def keep_finished_days(self, days: int) -> None:
        self.qsettings.setValue("jobs/keep_finished_days", int(days))

    @property
    def confirm_close_with_jobs(self) -> bool:
        return self._bool("confirm_close_with_jobs", True)

    @confirm_close_with_jobs.setter
    def confirm_close_with_jobs(self, value: bool) -> None:
        self.qsettings.setValue("confirm_close_with_jobs", bool(value))

    # -- language ---------------------------------------------------------------------------
    @property
    def language(self) -> str:
        """The window's language ("de", "en"); "" (translations.SYSTEM): the desktop's."""
        value = self.qsettings.value("view/language", "")
        return value if isinstance(value, str) else ""

    @language.setter
    def language(self, language: str) -> None:
        self.qsettings.setValue("view/language", language)

    # -- user, databases, selection ---------------------------------------------------------
    @property
    def user_id(self) -> int | None:
        value = self._int("user_id", 0)
        return value or None

    @user_id.setter
    def user_id(self, user_id: int) -> None:
        self.qsettings.setValue("user_id", user_id)

    def recent_databases(self) -> list[str]:
        value = self.qsettings.value("recent_databases", [])
        return [value] if isinstance(value, str) else list(value or [])

    def remember_database(self, path: str) -> None:
        recent = [path] + [p for p in self.recent_databases() if p != path]
        self.qsettings.setValue("recent_databases", recent[:MAX_RECENT])
        self.qsettings.setValue("last_database", path)

    def _selections(self) -> dict[str, list]:
        try:
            value = json.loads(self.qsettings.value("selected_scopes", "{}"))
        except (TypeError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def selected_scope(self, database: str) -> tuple[str, int | None] | None:
        """(kind, id) of the row last selected in the tree of ``database``."""
        value = self._selections().get(database)
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
            return value[0], value[1]
        return None

    def remember_selected_scope(self, database: str, kind: str, scope_id: int | None) -> None:
        kept = {path: value for path, value in self._selections().items()
                if path in self.recent_databases()}  # no record of long-forgotten files
        kept[database] = [kind, scope_id]
        self.qsettings.setValue("selected_scopes", json.dumps(kept))

    # -- view -------------------------------------------------------------------------------
    @property
    def hide_read_feeds(self) -> bool:
        return self._bool("view/hide_read_feeds", False)

    @hide_read_feeds.setter
    def hide_read_feeds(self, value: bool) -> None:
        self.qsettings.setValue("view/hide_read_feeds", bool(value))

    @property
    def show_read_articles(self) -> bool:
        """The article list shows read articles too (by default only unread ones)."""
        return self._bool("view/show_read_articles", False)

    @show_read_articles.setter
    def show_read_articles(self, value: bool) -> None:
        self.qsettings.setValue("view/show_read_articles", bool(value))

    def layout_state(self, name: str, *, sized_to_words: bool = False) -> QByteArray | None:
        """A saved geometry or widget state (window, splitter, table headers).
        ``sized_to_words``: a table header, whose columns fit the words of the language it
        was saved in; in another language (its words longer) it is not restored."""
        if sized_to_words and self.qsettings.value("window/locale", QLocale().name()) \
                != QLocale().name():
            return None
        value = self.qsettings.value(f"window/{name}")
        return value if isinstance(value, (QByteArray, bytes)) else None

    def save_layout_state(self, name: str, state: QByteArray) -> None:
        self.qsettings.setValue(f"window/{name}", state)
        self.qsettings.setValue("window/locale", QLocale().name())

    def sync(self) -> None:
        self.qsettings.sync()
