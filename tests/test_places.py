"""Where the app keeps its files (desktop/places.py): the XDG places under one folder name,
the old layout moved once, and the throwaway runs (--smoke-test, --screenshot) touching none of
the person's settings. HOME and XDG_* point into tmp_path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import make_server_database
from support.files import file_state

from desktop import places

ROOT = Path(__file__).resolve().parents[1]
OLD = "RSS Desktop Companion"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    return home


def test_the_places_are_the_xdg_defaults_under_one_folder(home, monkeypatch):
    assert places.data_dir() == home / ".local/share/rss-desktop"
    assert places.settings_file() == home / ".config/rss-desktop/rss-desktop.conf"
    assert places.cache_dir() == home / ".cache/rss-desktop"
    assert places.log_dir() == home / ".local/state/rss-desktop"
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/is/ignored")
    assert places.log_dir() == home / "state/rss-desktop"
    assert places.data_dir() == home / ".local/share/rss-desktop"


def test_qt_names_the_same_folders(qapp, home, monkeypatch):
    """With the window's organisation and application names, QStandardPaths agrees."""
    from PySide6.QtCore import QStandardPaths

    from desktop.ui.resources import APPLICATION, ORGANIZATION

    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    before = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName(ORGANIZATION)
    qapp.setApplicationName(APPLICATION)
    try:
        location = QStandardPaths.writableLocation
        kind = QStandardPaths.StandardLocation
        assert Path(location(kind.AppDataLocation)) == places.data_dir()
        assert Path(location(kind.AppConfigLocation)) == places.config_dir()
        assert Path(location(kind.CacheLocation)) == places.cache_dir()
        assert Path(location(kind.StateLocation)) == places.log_dir()
    finally:
        qapp.setOrganizationName(before[0])
        qapp.setApplicationName(before[1])


def old_layout(home: Path) -> tuple[Path, Path]:
    """What the window left before: its database, log and settings at the old places."""
    old_data = home / ".local/share/rss-desktop" / OLD
    old_data.mkdir(parents=True)
    database = old_data / "reader.db"
    make_server_database(database)
    (old_data / "rss-desktop.log").write_text("an old log line\n")
    old_settings = home / ".config/rss-desktop" / f"{OLD}.conf"
    return database, old_settings


def test_the_old_places_are_moved_once_and_the_settings_follow(qapp, home):
    from PySide6.QtCore import QSettings

    from desktop.ui.resources import app_settings, move_old_places

    database, old_settings = old_layout(home)
    old_settings.parent.mkdir(parents=True)
    settings = QSettings(str(old_settings), QSettings.Format.IniFormat)
    other = str(home / "elsewhere.db")
    settings.setValue("recent_databases", [str(database), other])
    settings.setValue("last_database", str(database))
    settings.setValue("selected_scopes", json.dumps({str(database): ["feed", 3]}))
    settings.setValue("confirm_mark_read", False)
    settings.sync()
    del settings

    moved = move_old_places()

    new_database = places.data_dir() / "reader.db"
    assert moved == {str(database): str(new_database),
                     str(database.parent / "rss-desktop.log"):
                         str(places.log_dir() / "rss-desktop.log"),
                     str(old_settings): str(places.settings_file())}
    assert not database.parent.exists() and not old_settings.exists()
    with sqlite3.connect(new_database) as conn:  # the same database, whole
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 105
    assert (places.log_dir() / "rss-desktop.log").read_text() == "an old log line\n"
    settings = app_settings()
    assert settings.value("recent_databases") == [str(new_database), other]
    assert settings.value("last_database") == str(new_database)
    assert json.loads(settings.value("selected_scopes")) == {str(new_database): ["feed", 3]}
    assert settings.value("confirm_mark_read") in (False, "false")
    assert move_old_places() == {}  # once


def test_a_database_open_elsewhere_stays_until_it_is_closed(home):
    database, _ = old_layout(home)
    (database.parent / "reader.db-wal").write_bytes(b"")  # another program has it open
    moved = places.move_old_places()
    assert list(moved.values()) == [str(places.log_dir() / "rss-desktop.log")]
    assert database.exists() and not (places.data_dir() / "reader.db").exists()
    (database.parent / "reader.db-wal").unlink()
    assert places.move_old_places() == {str(database): str(places.data_dir() / "reader.db")}


def gui_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    return {**env, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(ROOT), "DISPLAY": ":rss-desktop-places-test"}


@pytest.mark.parametrize("flag", ["--smoke-test", "--screenshot"])
def test_smoke_test_and_screenshot_touch_none_of_the_persons_settings(home, server_db, flag):
    config = home / ".config"
    database, old_settings = old_layout(home)
    args = ["--database", str(server_db), "--screenshot", str(home / "shot.png")] \
        if flag == "--screenshot" else [flag]
    old_settings.parent.mkdir(parents=True)
    old_settings.write_text("[General]\nconfirm_mark_read=false\n")
    before = file_state(config), file_state(old_settings), file_state(database.parent)
    result = subprocess.run([sys.executable, "-m", "desktop", "gui", *args], cwd=ROOT,
                            env=gui_env(home), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (file_state(config), file_state(old_settings), file_state(database.parent)) == before
    assert not places.settings_file().exists()


def test_about_says_where_the_log_is(make_window):
    window = make_window()
    box = window.menus.show_about()
    assert f"Log file: {places.log_dir() / 'rss-desktop.log'}" in box.informativeText()
    box.close()


def test_a_native_crash_leaves_its_trace_in_the_log_folder():
    """What run_gui enables: a segfault (here ctypes reading address 0) writes the stacks."""
    code = ("from desktop.ui.app import record_native_crashes; kept = record_native_crashes(); "
            "import ctypes; ctypes.string_at(0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode != 0
    trace = (places.log_dir() / "crash.log").read_text()
    assert "Fatal Python error: Segmentation fault" in trace and "<string>" in trace
