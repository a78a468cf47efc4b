"""``make run``'s check for the libraries Qt's X11 plugin needs (desktop/ui/platform_libs.py).

``ldd`` is the real question asked of the system; to see the answer for a system that lacks
libraries, these tests put a stand-in ``ldd`` first on the PATH that prints what ``ldd`` printed
for PySide6's plugin on a fresh Debian 12.
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


def stand_in_ldd(tmp_path: Path, output: str) -> dict:
    """An environment whose ``ldd`` prints ``output``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "ldd").write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}EOF\n")
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
