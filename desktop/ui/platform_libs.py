"""Before ``make run`` and ``make test``: does this Linux system have the libraries Qt needs?

Qt's own libraries ship with PySide6, but they link to system ones. Without them ``make test``
ends in pytest's INTERNALERROR (``ImportError: libglib-2.0.so.0``) and ``make run`` in Qt's
"could not load the Qt platform plugin xcb" with a hint about one library at a time. On a fresh
Debian 12, QtCore needs libglib2.0-0 and QtGui needs libegl1, libgl1, libfontconfig1,
libfreetype6, libxkbcommon0, libx11-6 and libdbus-1-3 even offscreen; the X11 plugin needs the
xcb libraries on top. This check asks ``ldd`` which libraries the Qt files the app loads
lack -- for the offscreen platform (the tests) or for X11 (the window) -- and prints the one
command that installs them all, for the distribution named in /etc/os-release.

Run as ``python -m desktop.ui.platform_libs [offscreen|xcb]`` (xcb by default); exit 1 when
the app cannot start (libraries missing, or no display at all); ``--missing-packages bundle``
prints just the package names (for all the packaged bundle loads, Wayland's plugin too). It
imports no Qt (that is what may fail) and never installs anything itself.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

# shared library -> package, per package manager. The libraries are those the Qt files below
# link to (``ldd`` on them) that a minimal system may lack; Qt's own libraries ship with PySide6.
PACKAGES = {
    #  library                    Debian/Ubuntu (apt)     Fedora (dnf)           Arch (pacman)
    "libxcb-cursor.so.0":       ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4":        ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1":      ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-image.so.0":        ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0":  ("libxcb-render-util0", "xcb-util-renderutil",
                                 "xcb-util-renderutil"),
    "libxcb-util.so.1":         ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-randr.so.0":        ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shape.so.0":        ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm.so.0":          ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1":         ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0":       ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-render.so.0":       ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1":          ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb.so.1":              ("libxcb1", "libxcb", "libxcb"),
    "libxkbcommon-x11.so.0":    ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0":        ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libX11-xcb.so.1":          ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6":              ("libx11-6", "libX11", "libx11"),
    "libGL.so.1":               ("libgl1", "libglvnd-glx", "libglvnd"),
    "libEGL.so.1":              ("libegl1", "libglvnd-egl", "libglvnd"),
    "libfontconfig.so.1":       ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6":         ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3":           ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0":         ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0":      ("libglib2.0-0", "glib2", "glib2"),
    "libpng16.so.16":           ("libpng16-16", "libpng", "libpng"),
    "libexpat.so.1":            ("libexpat1", "expat", "expat"),
    "libXau.so.6":              ("libxau6", "libXau", "libxau"),
    "libXdmcp.so.6":            ("libxdmcp6", "libXdmcp", "libxdmcp"),
    "libwayland-client.so.0":   ("libwayland-client0", "libwayland-client", "wayland"),
    "libwayland-cursor.so.0":   ("libwayland-cursor0", "libwayland-cursor", "wayland"),
}
# The files of PySide6 the app loads on each platform, relative to the PySide6 package: the
# Python modules it imports, the platform plugin, and the SVG icon and image plugins.
QT_FILES = {
    "offscreen": ("QtCore.abi3.so", "QtGui.abi3.so", "QtWidgets.abi3.so",
                  "Qt/plugins/platforms/libqoffscreen.so",
                  "Qt/plugins/iconengines/libqsvgicon.so",
                  "Qt/plugins/imageformats/libqsvg.so"),
}
QT_FILES["xcb"] = (*QT_FILES["offscreen"], "Qt/plugins/platforms/libqxcb.so")
# Everything the packaged bundle carries (packaging/rss-desktop.spec), Wayland included: what
# `make deb` needs installed to name the packages of the libraries it links to.
QT_FILES["bundle"] = (*QT_FILES["xcb"], "Qt/plugins/platforms/libqwayland.so",
                      "Qt/plugins/wayland-shell-integration/libxdg-shell.so",
                      "Qt/plugins/wayland-decoration-client/libbradient.so",
                      "Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so")
MANAGERS = (  # (os-release ids, command, column of PACKAGES)
    ({"debian", "ubuntu", "linuxmint", "pop", "raspbian"}, "apt install", 0),
    ({"fedora", "rhel", "centos", "rocky", "almalinux"}, "dnf install", 1),
    ({"arch", "manjaro", "endeavouros"}, "pacman -S --needed", 2),
)
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)


def pyside6_folder() -> Path | None:
    """Where PySide6 is installed, found without importing it."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def qt_files(platform: str) -> list[Path]:
    """The files of ``QT_FILES[platform]`` this PySide6 has."""
    folder = pyside6_folder()
    if folder is None:
        return []
    return [folder / name for name in QT_FILES[platform] if (folder / name).exists()]


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt."""
    folder = pyside6_folder()
    plugin = folder / "Qt" / "plugins" / "platforms" / "libqxcb.so" if folder else None
    return plugin if plugin and plugin.exists() else None


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as "not found", in its order, each once."""
    return list(dict.fromkeys(NOT_FOUND.findall(ldd_output)))


def parse_os_release(text: str) -> set[str]:
    """The distribution's ID and ID_LIKE values from /etc/os-release text."""
    ids: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("ID", "ID_LIKE"):
            ids.update(value.strip().strip('"').strip("'").lower().split())
    return ids


def install_command(missing: list[str], distribution: set[str], *, root: bool) -> str | None:
    """The command that installs the packages providing ``missing``, or None when the
    distribution (or a library) is unknown here."""
    for ids, command, column in MANAGERS:
        if distribution & ids:
            if any(library not in PACKAGES for library in missing):
                return None
            packages = dict.fromkeys(PACKAGES[library][column] for library in missing)
            return f"{'' if root else 'sudo '}{command} {' '.join(packages)}"
    return None


def xcb_will_be_used(env) -> bool:
    """Whether Qt will start on X11: asked for, or chosen by default in an X session without
    Wayland (a Wayland session uses Qt's wayland plugin first)."""
    platform = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if platform:
        return platform == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_for(files: list[Path]) -> list[str] | None:
    """The libraries ``ldd`` cannot find for any of ``files``; None when there is no ldd."""
    missing: list[str] = []
    for path in files:
        try:
            result = subprocess.run(["ldd", str(path)], capture_output=True, text=True,
                                    timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None  # no ldd: Qt will say what it lacks
        missing += missing_libraries(result.stdout)
    return list(dict.fromkeys(missing))


def check(env=os.environ, os_release: Path = Path("/etc/os-release"),
          platform: str = "xcb", out=sys.stderr) -> int:
    """Print what is missing and how to install it; 1 if the app cannot start on
    ``platform`` ("offscreen": the tests; "xcb": the window, on X11 when Qt will use it)."""
    if not sys.platform.startswith("linux"):
        return 0
    window = platform != "offscreen"
    if window and not (env.get("QT_QPA_PLATFORM") or env.get("DISPLAY")
                       or env.get("WAYLAND_DISPLAY")):
        # Qt would abort with a hint about libxcb-cursor0, whatever is installed
        print("rss-desktop: error: no display to open the window on (DISPLAY and "
              "WAYLAND_DISPLAY are not set): run it from a desktop session", file=out)
        return 1
    missing = missing_for(qt_files(platform))
    if not missing:
        return 0  # everything found, no ldd, or a PySide6 without these files
    try:
        distribution = parse_os_release(os_release.read_text())
    except OSError:
        distribution = set()
    command = install_command(missing, distribution, root=os.geteuid() == 0)
    # Under Wayland the window starts without the xcb libraries, never without QtGui's
    fatal = not window or xcb_will_be_used(env) or bool(missing_for(qt_files("offscreen")))
    what = "the window (Qt on X11) needs" if window else "Qt (offscreen, for the tests) needs"
    print(f"rss-desktop: {'error' if fatal else 'note'}: {what} libraries this system lacks: "
          f"{', '.join(missing)}", file=out)
    if command:
        print(f"Install them with:\n  {command}", file=out)
    else:
        print("Install the packages of your distribution that provide them.", file=out)
    return 1 if fatal else 0


def missing_packages(platform: str, os_release: Path = Path("/etc/os-release")) -> str:
    """The packages to install for ``platform``, space-separated ("" when nothing is missing
    or they cannot be named): for scripts, such as CI installing what `make deb` needs."""
    missing = missing_for(qt_files(platform))
    if not missing:
        return ""
    try:
        command = install_command(missing, parse_os_release(os_release.read_text()), root=True)
    except OSError:
        return ""
    return command.split(" ", 2)[2] if command else ""


if __name__ == "__main__":
    if sys.argv[1:2] == ["--missing-packages"]:
        print(missing_packages(sys.argv[2] if len(sys.argv) > 2 else "xcb"))
        sys.exit(0)
    sys.exit(check(platform=sys.argv[1] if len(sys.argv) > 1 else "xcb"))
