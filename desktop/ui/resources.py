"""Where the app's files live: bundled icons, the default database, the log, settings."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QSettings, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImageReader, QPalette, QPixmap

from .. import places

# Qt builds its per-application folders as <base>/<organisation>/<application>: with no
# organisation they are <base>/rss-desktop, the folders desktop/places.py names.
ORGANIZATION = ""
APPLICATION = places.FOLDER
DISPLAY_NAME = "RSS Desktop Companion"


def resources_dir() -> Path:
    """``resources/`` beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


# An icon drawn in this "colour" is drawn in the palette's text colour: dark on a light desktop,
# light on a dark one (a fixed grey is lost on one of them).
TEXT_COLOUR = "currentColor"
DRAWN_SIZES = (16, 22, 24, 32, 48, 64, 128)  # HiDPI screens take the larger ones


def icon(name: str) -> QIcon:
    """A bundled icon; a monochrome one (TEXT_COLOUR) in the current palette's text colour."""
    if TEXT_COLOUR not in _svg_text(name):
        return _file_icon(name)
    palette = QGuiApplication.palette()
    text, window = (palette.color(role) for role in (QPalette.ColorRole.WindowText,
                                                     QPalette.ColorRole.Window))
    # a quarter of the way toward the background: softer than the text, as clear on both
    colour = QColor.fromRgbF(*(0.75 * a + 0.25 * b for a, b in zip(
        text.getRgbF()[:3], window.getRgbF()[:3], strict=True)))
    return _recoloured_icon(name, colour.name())


@cache
def _svg_text(name: str) -> str:
    try:
        return (resources_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return ""  # (QIcon of a missing file: an empty icon, as before)


@cache
def _file_icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


@cache
def _recoloured_icon(name: str, colour: str) -> QIcon:
    """The SVG with its TEXT_COLOUR replaced, drawn at each size (through Qt's SVG image
    plugin: no QtSvg module needed)."""
    svg = QByteArray(_svg_text(name).replace(TEXT_COLOUR, colour).encode())
    drawn = QIcon()
    for size in DRAWN_SIZES:
        buffer = QBuffer(svg)
        reader = QImageReader(buffer, QByteArray(b"svg"))
        reader.setScaledSize(QSize(size, size))
        image = reader.read()
        if not image.isNull():
            drawn.addPixmap(QPixmap.fromImage(image))
    return drawn if not drawn.isNull() else _file_icon(name)


def app_data_dir() -> Path:
    return places.made(places.data_dir())


def default_database_path() -> Path:
    app_data_dir()  # (made, for a new database)
    return places.default_database()


def log_file_path() -> Path:
    return places.made(places.log_dir()) / "rss-desktop.log"


def crash_log_path() -> Path:
    """Where faulthandler writes the Python stacks of a native crash (a Qt abort, a segfault)."""
    return places.made(places.log_dir()) / "crash.log"


def app_settings() -> QSettings:
    return QSettings(str(places.settings_file()), QSettings.Format.IniFormat)


def throwaway_settings(folder: Path) -> QSettings:
    """Settings for --smoke-test and --screenshot: never the person's."""
    return QSettings(str(folder / "settings.conf"), QSettings.Format.IniFormat)


def move_old_places() -> dict[str, str]:
    """Move the old layout's files (desktop/places.py) and point the settings' records of a
    moved database (the recent list, the last one, its selected row) at its new path."""
    moved = places.move_old_places()
    databases = {old: new for old, new in moved.items() if not old.endswith(".conf")}
    if databases:
        settings = app_settings()
        recent = settings.value("recent_databases", [])
        recent = [recent] if isinstance(recent, str) else list(recent or [])
        settings.setValue("recent_databases", [databases.get(path, path) for path in recent])
        last = settings.value("last_database")
        if last in databases:
            settings.setValue("last_database", databases[last])
        selections = settings.value("selected_scopes")
        if isinstance(selections, str):
            for old, new in databases.items():
                selections = selections.replace(json.dumps(old), json.dumps(new))
            settings.setValue("selected_scopes", selections)
        settings.sync()
    return moved
