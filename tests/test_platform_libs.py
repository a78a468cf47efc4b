"""``make run``'s and ``make test``'s check for the system libraries Qt needs
(desktop/ui/platform_libs.py).

``ldd`` is the real question asked of the system; to see the answer for a system that lacks
libraries, these tests put a stand-in ``ldd`` first on the PATH that prints what ``ldd`` printed
for PySide6's files on a fresh Debian 12.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.ui.platform_libs import (
    check,
    install_command,
    missing_libraries,
    parse_os_release,
    xcb_plugin,
    xcb_will_be_used,
)

PROJECT = Path(__file__).resolve().parent.parent
FRESH_DEBIAN_LDD = """\
\tlinux-vdso.so.1 (0x00007ffd5b5f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x1)
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x2)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x3)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-randr.so.0 => /lib/x86_64-linux-gnu/libxcb-randr.so.0 (0x4)
\tlibxcb-cursor.so.0 => not found
"""
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
UBUNTU = "NAME=Ubuntu\nID=ubuntu\nID_LIKE=debian\n"
FEDORA = 'NAME="Fedora Linux"\nID=fedora\n'
MANJARO = "NAME=Manjaro\nID=manjaro\nID_LIKE=arch\n"


def test_the_libraries_ldd_did_not_find_each_once():
    assert missing_libraries(FRESH_DEBIAN_LDD) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4",
                                                   "libxcb-keysyms.so.1"]


@pytest.mark.parametrize("release, root, command", [
    (DEBIAN, True, "apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"),
    (UBUNTU, False, "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"),
    (FEDORA, False, "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms"),
    (MANJARO, False, "sudo pacman -S --needed xcb-util-cursor xcb-util-wm xcb-util-keysyms"),
    ("ID=gentoo\n", False, None),
])
def test_one_install_command_for_the_distribution(release, root, command):
    missing = missing_libraries(FRESH_DEBIAN_LDD)
    assert install_command(missing, parse_os_release(release), root=root) == command


def test_xcb_is_what_qt_uses_in_an_x_session_or_when_asked():
    assert xcb_will_be_used({"DISPLAY": ":0"})
    assert xcb_will_be_used({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"})
    assert not xcb_will_be_used({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"})
    assert not xcb_will_be_used({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})


def stand_in_ldd(tmp_path: Path, xcb_output: str, other_output: str = "") -> dict:
    """An environment whose ``ldd`` prints ``xcb_output`` for the X11 plugin and
    ``other_output`` for every other file."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "ldd").write_text(
        f"#!/bin/sh\ncase \"$1\" in\n*/libqxcb.so) cat <<'EOF'\n{xcb_output}EOF\n;;\n"
        f"*) cat <<'EOF'\n{other_output}EOF\n;;\nesac\n")
    (folder / "ldd").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.skipif(xcb_plugin() is None, reason="this PySide6 has no xcb plugin")
def test_make_run_stops_with_the_install_command_when_a_library_is_missing(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv("PATH", stand_in_ldd(tmp_path, FRESH_DEBIAN_LDD)["PATH"])
    release = tmp_path / "os-release"
    release.write_text(DEBIAN)
    out = io.StringIO()
    assert check({"DISPLAY": ":0"}, release, out=out) == 1
    text = out.getvalue()
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in text
    assert "apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in text
    note = io.StringIO()  # under Wayland Qt starts without them: said, not fatal
    assert check({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w"}, release, out=note) == 0
    assert "note:" in note.getvalue()


@pytest.mark.skipif(xcb_plugin() is None, reason="this PySide6 has no xcb plugin")
def test_the_check_is_silent_when_ldd_finds_everything(tmp_path):
    """The module as make runs it, with this system's real ldd when it finds every library."""
    real = subprocess.run(["ldd", str(xcb_plugin())], capture_output=True, text=True)
    if missing_libraries(real.stdout):
        pytest.skip("this system lacks some of the plugin's libraries")
    result = subprocess.run([sys.executable, "-m", "desktop.ui.platform_libs"], cwd=PROJECT,
                            env={**os.environ, "DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"},
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "" and result.stdout == ""


def test_the_check_imports_no_qt():
    """It must run where Qt cannot start."""
    code = ("import sys, desktop.ui.platform_libs as p; p.xcb_plugin(); "
            "sys.exit(any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT).returncode == 0


def test_no_display_at_all_is_said_plainly():
    """Without a display Qt aborts naming libxcb-cursor0 even when it is installed."""
    out = io.StringIO()
    assert check({}, out=out) == 1
    assert "no display to open the window on" in out.getvalue()


# What ldd printed for QtGui.abi3.so on a debootstrap minbase Debian 12 (python3, make, git).
MINIMAL_DEBIAN_QTGUI_LDD = """\
\tlibpyside6.abi3.so.6.11 => /venv/PySide6/libpyside6.abi3.so.6.11 (0x1)
\tlibQt6Gui.so.6 => /venv/PySide6/Qt/lib/libQt6Gui.so.6 (0x2)
\tlibGL.so.1 => not found
\tlibEGL.so.1 => not found
\tlibfontconfig.so.1 => not found
\tlibX11.so.6 => not found
\tlibglib-2.0.so.0 => not found
\tlibxkbcommon.so.0 => not found
\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x3)
\tlibfreetype.so.6 => not found
\tlibgthread-2.0.so.0 => not found
\tlibdbus-1.so.3 => not found
"""
MINIMAL_DEBIAN_PACKAGES = ("libgl1 libegl1 libfontconfig1 libx11-6 libglib2.0-0 libxkbcommon0 "
                           "libfreetype6 libdbus-1-3")


@pytest.mark.skipif(xcb_plugin() is None, reason="this PySide6 has no xcb plugin")
def test_make_test_stops_with_the_command_for_what_qtgui_lacks_offscreen(tmp_path):
    """The module as ``make test`` runs it: one message, the one command, no traceback."""
    release = tmp_path / "os-release"
    release.write_text(DEBIAN)
    env = {**os.environ, **stand_in_ldd(tmp_path, "", MINIMAL_DEBIAN_QTGUI_LDD)}
    code = ("import sys, pathlib, desktop.ui.platform_libs as p; "
            f"sys.exit(p.check(platform='offscreen', os_release=pathlib.Path({str(release)!r})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1
    sudo = "" if os.geteuid() == 0 else "sudo "
    assert result.stderr == (
        "rss-desktop: error: Qt (offscreen, for the tests) needs libraries this system lacks: "
        "libGL.so.1, libEGL.so.1, libfontconfig.so.1, libX11.so.6, libglib-2.0.so.0, "
        "libxkbcommon.so.0, libfreetype.so.6, libgthread-2.0.so.0, libdbus-1.so.3\n"
        f"Install them with:\n  {sudo}apt install {MINIMAL_DEBIAN_PACKAGES}\n")


@pytest.mark.skipif(xcb_plugin() is None, reason="this PySide6 has no xcb plugin")
def test_the_window_cannot_start_under_wayland_without_qtgui_libraries(tmp_path, monkeypatch):
    """Only the xcb plugin's own libraries are optional under Wayland."""
    monkeypatch.setenv("PATH", stand_in_ldd(tmp_path, FRESH_DEBIAN_LDD,
                                            MINIMAL_DEBIAN_QTGUI_LDD)["PATH"])
    release = tmp_path / "os-release"
    release.write_text(DEBIAN)
    out = io.StringIO()
    assert check({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w"}, release, out=out) == 1
    assert "libxcb-cursor0" in out.getvalue() and "libglib2.0-0" in out.getvalue()


@pytest.mark.skipif(xcb_plugin() is None, reason="this PySide6 has no xcb plugin")
def test_the_missing_packages_alone_for_scripts(tmp_path, monkeypatch):
    from desktop.ui.platform_libs import missing_packages

    monkeypatch.setenv("PATH", stand_in_ldd(tmp_path, FRESH_DEBIAN_LDD,
                                            MINIMAL_DEBIAN_QTGUI_LDD)["PATH"])
    release = tmp_path / "os-release"
    release.write_text(DEBIAN)
    assert missing_packages("offscreen", release) == MINIMAL_DEBIAN_PACKAGES
    assert missing_packages("xcb", release) == (
        f"{MINIMAL_DEBIAN_PACKAGES} libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1")
    release.write_text("ID=gentoo\n")
    assert missing_packages("xcb", release) == ""
