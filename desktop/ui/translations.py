"""The window's language: which one, and loading its catalogues (ours and Qt's own).

Our catalogues are ``resources/translations/rss_desktop_<lang>.ts`` (the sources, kept by
``make translations``) and the ``.qm`` compiled from them, committed beside them. Qt's own
(``qtbase_<lang>.qm``: the standard buttons, the file dialog, a line edit's context menu) come
with PySide6, and the bundle keeps those of the languages we ship.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from .resources import resources_dir

CATALOGUE_PREFIX = "rss_desktop_"
SOURCE_LANGUAGE = "en"  # the words in the code
SYSTEM = ""  # the Preferences choice "System": follow the desktop's languages
# Languages written right to left (the layout is mirrored for them).
RIGHT_TO_LEFT = {"ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"}


def translations_dir() -> Path:
    return resources_dir() / "translations"


def qt_translation_dirs() -> list[Path]:
    """Where Qt's own catalogues are: Qt's configured place, else PySide6's folder (in the
    bundle, whose qt.conf may not name one)."""
    import PySide6

    return [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
            Path(PySide6.__file__).parent / "Qt" / "translations"]


def shipped_languages() -> list[str]:
    """The languages we ship a catalogue for, plus English (the code's own words)."""
    found = {path.stem.removeprefix(CATALOGUE_PREFIX)
             for path in translations_dir().glob(f"{CATALOGUE_PREFIX}*.qm")}
    return sorted(found | {SOURCE_LANGUAGE})


def language_name(language: str) -> str:
    """A language in its own words ("Deutsch", "English": not "American English")."""
    if language == SOURCE_LANGUAGE:
        return "English"
    name = QLocale(language).nativeLanguageName()
    return name[:1].upper() + name[1:] if name else language


def choose_language(chosen: str, ui_languages: list[str],
                    shipped: list[str] | None = None) -> str:
    """The language the window speaks: ``chosen`` in Preferences when it is one we ship, else
    the first of the desktop's ``ui_languages`` ("de-DE", "de", "fr_CA"...) we ship, else
    English. A regional language falls back to its base ("de-AT" → "de")."""
    shipped = shipped_languages() if shipped is None else shipped
    if chosen and chosen in shipped:
        return chosen
    for wanted in ui_languages:
        tag = wanted.replace("_", "-")
        for candidate in (tag, tag.split("-")[0]):
            if candidate in shipped:
                return candidate
    return SOURCE_LANGUAGE


def install_language(app: QCoreApplication, language: str, folder: Path | None = None,
                     formats: QLocale | None = None) -> list[QTranslator]:
    """Load our catalogue (from ``folder``, by default ours) and Qt's for ``language`` into
    ``app``, make ``formats`` (by default the language's own) the default locale for numbers
    and dates, and mirror the layout for a right-to-left language. English has a catalogue
    too: the plural forms of its words ("1 day", "2 days"). Returns the translators (to be
    kept: a translator that is garbage-collected is removed)."""
    QLocale.setDefault(formats or QLocale(language))
    installed = []
    for name, places in ((f"{CATALOGUE_PREFIX}{language}", [folder or translations_dir()]),
                         (f"qtbase_{language}", qt_translation_dirs())):
        translator = QTranslator(app)
        if (any(translator.load(name, str(place)) for place in places)
                and app.installTranslator(translator)):
            installed.append(translator)
    if isinstance(app, QApplication):
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft
                               if language.split("-")[0] in RIGHT_TO_LEFT
                               else Qt.LayoutDirection.LeftToRight)
    return installed


def apply_ui_language(app: QCoreApplication, chosen: str) -> str:
    """At start: the language chosen in Preferences (SYSTEM: the desktop's), installed."""
    system = QLocale.system()
    language = choose_language(chosen, system.uiLanguages())
    app.translators = install_language(app, language, formats=formats_for(language, system))
    return language


def formats_for(language: str, system: QLocale) -> QLocale:
    """How numbers and times are written: the desktop's own formats when it speaks
    ``language`` ("en_GB": 24-hour times), the C locale's (24-hour) with thousands grouped
    ("1,234") when it is the C or POSIX locale, else the language's usual ones."""
    if system.language() == QLocale.Language.C:
        plain = QLocale.c()
        plain.setNumberOptions(QLocale.NumberOption.DefaultNumberOptions)
        return plain
    if system.name().split("_")[0] == language:
        return system
    return QLocale(language)
