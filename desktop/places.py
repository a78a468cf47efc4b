"""Where the app keeps its files: the XDG base directories, under one folder name.

    data      $XDG_DATA_HOME/rss-desktop/      (~/.local/share/rss-desktop/: the demo database)
    settings  $XDG_CONFIG_HOME/rss-desktop/rss-desktop.conf
    cache     $XDG_CACHE_HOME/rss-desktop/
    logs      $XDG_STATE_HOME/rss-desktop/     (~/.local/state/rss-desktop/: the window's log,
                                               `work`'s log, native crash traces)

Plain Python (no Qt): the command line needs the log folder too. The window sets Qt's
organisation name empty and its application name to FOLDER, so QStandardPaths names the same
folders (tests/test_places.py checks).

Before this layout the window kept its data in ~/.local/share/rss-desktop/RSS Desktop Companion/
(the name twice, with spaces; the log there too) and its settings in
~/.config/rss-desktop/RSS Desktop Companion.conf: ``move_old_places`` moves them, once.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

FOLDER = "rss-desktop"
OLD_NAME = "RSS Desktop Companion"  # the application name Qt's paths used to be built from
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

log = logging.getLogger(__name__)


def _base(variable: str, default: str, env=None) -> Path:
    """An XDG base directory: the variable when it holds an absolute path (the spec ignores
    relative ones), else its default under the home folder."""
    env = os.environ if env is None else env
    value = env.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(env.get("HOME") or Path.home()) / default


def data_dir(env=None) -> Path:
    return _base("XDG_DATA_HOME", ".local/share", env) / FOLDER


def config_dir(env=None) -> Path:
    return _base("XDG_CONFIG_HOME", ".config", env) / FOLDER


def cache_dir(env=None) -> Path:
    return _base("XDG_CACHE_HOME", ".cache", env) / FOLDER


def log_dir(env=None) -> Path:
    return _base("XDG_STATE_HOME", ".local/state", env) / FOLDER


def default_database(env=None) -> Path:
    """The file the window opens when it is given none."""
    return data_dir(env) / "reader.db"


def settings_file(env=None) -> Path:
    return config_dir(env) / f"{FOLDER}.conf"


def made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def move_old_places(env=None) -> dict[str, str]:
    """Move what the old layout holds to the new places; returns {old path: new path}.

    Nothing is overwritten (a file already at the new place wins). A database another program
    has open in WAL mode (its -wal/-shm beside it) is left where it is this time: moving a
    database without its side files, or under an open connection, could lose commits. Its
    folder then stays, so the move is tried again at the next start.
    """
    moved: dict[str, str] = {}
    old_data = data_dir(env) / OLD_NAME
    if old_data.is_dir():
        entries = sorted(old_data.iterdir())
        in_use = {database_of(entry.name) for entry in entries
                  if database_of(entry.name) != entry.name}
        for entry in entries:
            if database_of(entry.name) in in_use:
                continue
            logs = entry.name.startswith(f"{FOLDER}.log")
            target = made(log_dir(env) if logs else data_dir(env)) / entry.name
            if target.exists():
                continue
            if _move(entry, target):
                moved[str(entry)] = str(target)
        with contextlib.suppress(OSError):
            old_data.rmdir()  # only when empty
    old_settings = config_dir(env) / f"{OLD_NAME}.conf"
    new_settings = settings_file(env)
    if old_settings.is_file() and not new_settings.exists() and _move(old_settings,
                                                                       new_settings):
        moved[str(old_settings)] = str(new_settings)
    return moved


def database_of(name: str) -> str:
    """The database a side file belongs to ("reader.db-wal" -> "reader.db"), else ``name``."""
    for suffix in SQLITE_SIDE_FILES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _move(source: Path, target: Path) -> bool:
    try:
        source.rename(target)  # the same file system: the home folder's
    except OSError as exc:
        log.warning("could not move %s to %s: %s", source, target, exc)
        return False
    log.info("moved %s to %s", source, target)
    return True
