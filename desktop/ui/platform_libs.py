"""Before ``make run``: does this Linux system have what Qt's X11 platform plugin needs?

Without them Qt aborts at start with "could not load the Qt platform plugin xcb" and a hint
about one library at a time (on a fresh Debian 12: libxcb-cursor0, then libxcb-icccm4, then
libxcb-keysyms1). This check asks ``ldd`` which libraries the plugin lacks and prints the one
command that installs them all, for the distribution named in /etc/os-release.

Run as ``python -m desktop.ui.platform_libs``; exit 1 when the app cannot start (libraries
missing, or no display at all). It imports no Qt (that is what may fail) and never installs
anything itself.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

# shared library -> package, per package manager. The libraries are those libqxcb.so links to
# (``ldd`` on PySide6's plugin) that a desktop may lack; Qt's own libraries ship with PySide6.
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
}
MANAGERS = (  # (os-release ids, command, column of PACKAGES)
    ({"debian", "ubuntu", "linuxmint", "pop", "raspbian"}, "apt install", 0),
    ({"fedora", "rhel", "centos", "rocky", "almalinux"}, "dnf install", 1),
    ({"arch", "manjaro", "endeavouros"}, "pacman -S --needed", 2),
)
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = (Path(next(iter(spec.submodule_search_locations)))
              / "Qt" / "plugins" / "platforms" / "libqxcb.so")
    return plugin if plugin.exists() else None


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


def check(env=os.environ, os_release: Path = Path("/etc/os-release"),
          plugin: Path | None = None, out=sys.stderr) -> int:
    """Print what is missing and how to install it; 1 if the app cannot start on X11."""
    if not sys.platform.startswith("linux"):
        return 0
    if not (env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        # Qt would abort with a hint about libxcb-cursor0, whatever is installed
        print("rss-desktop: error: no display to open the window on (DISPLAY and "
              "WAYLAND_DISPLAY are not set): run it from a desktop session", file=out)
        return 1
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return 0  # a PySide6 without the plugin: nothing to say about its libraries
    try:
        result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True,
                                timeout=30)
    except (OSError, subprocess.SubprocessError):
        return 0  # no ldd: Qt will say what it lacks
    missing = missing_libraries(result.stdout)
    if not missing:
        return 0
    try:
        distribution = parse_os_release(os_release.read_text())
    except OSError:
        distribution = set()
    command = install_command(missing, distribution, root=os.geteuid() == 0)
    fatal = xcb_will_be_used(env)
    print(f"rss-desktop: {'error' if fatal else 'note'}: Qt's X11 platform plugin needs "
          f"libraries this system lacks: {', '.join(missing)}", file=out)
    if command:
        print(f"Install them with:\n  {command}", file=out)
    else:
        print("Install the packages of your distribution that provide them.", file=out)
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(check())
