"""Build dist/rss-desktop_<version>_<arch>.deb from the PyInstaller bundle (``make deb``).

    .venv/bin/python packaging/build_deb.py        # after `make package` (dist/rss-desktop/)

The package is laid out in build/deb/debian/rss-desktop/ (the layout Debian's own tools expect)
and packed with dpkg-deb:

- /usr/lib/rss-desktop/            the onedir bundle, less its copies of Debian's own libraries
                                   (files identical to one a Debian package installs here: the
                                   package depends on it instead);
- /usr/bin/rss-desktop             a link to the bundle's executable;
- /usr/share/applications/, /usr/share/icons/hicolor/, /usr/share/metainfo/: the desktop file,
  the icon (SVG and PNG sizes) and the AppStream metadata, named by the application id;
- /usr/share/man/man1/rss-desktop.1.gz and the bash and zsh completions, generated here from
  the command line's argparse parser (argparse-manpage, shtab), so they follow ``--help``;
- /usr/lib/systemd/user/rss-desktop-work@.service: a template that runs ``work`` for one
  database from login on, once a person enables an instance (packaging/rss-desktop-work@.service;
  nothing is enabled by installing the package);
- /usr/share/doc/rss-desktop/copyright and changelog.gz.

``Depends`` is what dpkg-shlibdeps says the bundle's ELF files need from the system: never a
list kept by hand. dpkg-shlibdeps must find every such library on this machine; when some are
missing it stops, and so does this script, naming them and the command that installs them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop import APP_ID, __version__  # noqa: E402
from desktop.ui.platform_libs import install_command, parse_os_release  # noqa: E402

NAME = "rss-desktop"
BUNDLE = ROOT / "dist" / NAME
RESOURCES = ROOT / "resources"
STAGE = ROOT / "build" / "deb"
PACKAGE_ROOT = STAGE / "debian" / NAME
MAINTAINER = "RSS Desktop Companion developers <rss-desktop@users.noreply.github.com>"
HOMEPAGE = "https://github.com/rssdesktop/rss-desktop"
SUMMARY = "companion to an RSS reader: bulk mark-as-read jobs with live progress"
DESCRIPTION = """\
 Opens the SQLite file or PostgreSQL database an RSS reader's web server uses
 and marks a whole category, a feed or everything as read in one click, as a
 persisted, chunked, cancellable and undoable job with a live progress bar.
 Shows categories and feeds with their unread counts, the articles of each,
 and every job of the user, whichever program started it.
 .
 The package carries its own Python and Qt (a PyInstaller bundle).
 It also provides the rss-desktop command line for the same jobs."""
WORK_UNIT = "rss-desktop-work@.service"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
# The Python distributions inside the bundle, named in the copyright file with their licences
# (read from their installed metadata at build time).
BUNDLED_DISTRIBUTIONS = ("PySide6-Essentials", "shiboken6", "qasync", "peewee", "pendulum",
                         "rich", "tzdata", "psycopg", "psycopg-binary", "pyinstaller")


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, text=True, **options)


def is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def debian_copy_of(library: Path) -> str | None:
    """The package that installs a file identical to ``library`` in a system library folder."""
    for folder in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                   "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib"):
        system = Path(folder, library.name)
        if system.is_file() and sha256(system) == sha256(library):
            owner = subprocess.run(["dpkg", "-S", str(system.resolve())], capture_output=True,
                                   text=True)
            if owner.returncode == 0:
                return owner.stdout.split(":", 1)[0]
    return None


def install_bundle(target: Path) -> list[str]:
    """Copy the bundle; drop its top-level copies of Debian's libraries. Returns those names."""
    shutil.copytree(BUNDLE, target, symlinks=True)
    dropped = []
    for library in sorted((target / "_internal").glob("lib*.so*")):
        if library.is_file() and not library.is_symlink() and is_elf(library) \
                and not library.name.startswith("libpython") and debian_copy_of(library):
            library.unlink()
            dropped.append(library.name)
    return dropped


def install_desktop_files(usr: Path) -> None:
    applications = usr / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy(RESOURCES / f"{APP_ID}.desktop", applications)
    metainfo = usr / "share" / "metainfo"
    metainfo.mkdir(parents=True)
    shutil.copy(RESOURCES / f"{APP_ID}.metainfo.xml", metainfo)
    hicolor = usr / "share" / "icons" / "hicolor"
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(RESOURCES / "icons" / "rss-desktop.svg",
                hicolor / "scalable" / "apps" / f"{APP_ID}.svg")
    for size in ICON_SIZES:
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy(RESOURCES / "icons" / "png" / f"rss-desktop-{size}.png",
                    folder / f"{APP_ID}.png")


def install_systemd_unit(usr: Path) -> None:
    """The user unit template: from the package rather than only from ``work
    --install-service``, so that it names the installed program, changes with the package and
    goes with it (a unit written into a home folder outlives ``apt remove`` and would retry a
    missing program every 30 s)."""
    user_units = usr / "lib" / "systemd" / "user"
    user_units.mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / WORK_UNIT, user_units)


def command_line_parser() -> argparse.ArgumentParser:
    """The command line's parser, with file completion for the options that take paths."""
    import shtab

    from desktop.cli import build_parser

    parser = build_parser()
    parser.prog = NAME
    pending = [parser]
    while pending:
        current = pending.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
            elif action.dest in ("database", "screenshot"):
                action.complete = shtab.FILE
    return parser


def install_manual_and_completions(usr: Path) -> None:
    import shtab
    from argparse_manpage.manpage import Manpage

    parser = command_line_parser()
    manual = str(Manpage(parser, _data={
        "project_name": NAME, "version": __version__, "manual_section": "1",
        "manual_title": "User Commands", "url": HOMEPAGE,
        "description": "mark whole categories or feeds of an RSS reader's database as read"}))
    man1 = usr / "share" / "man" / "man1"
    man1.mkdir(parents=True)
    gzip_file(man1 / f"{NAME}.1.gz", manual)
    bash = usr / "share" / "bash-completion" / "completions"
    bash.mkdir(parents=True)
    (bash / NAME).write_text(shtab.complete(parser, shell="bash"))
    zsh = usr / "share" / "zsh" / "vendor-completions"
    zsh.mkdir(parents=True)
    (zsh / f"_{NAME}").write_text(shtab.complete(parser, shell="zsh"))


def gzip_file(path: Path, text: str) -> None:
    """gzip -9n: no name or time stamp inside, so the same text packs to the same bytes."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                 compresslevel=9, mtime=0) as packed:
        packed.write(text.encode())


def install_documents(usr: Path, dropped: list[str]) -> None:
    from importlib import metadata

    doc = usr / "share" / "doc" / NAME
    doc.mkdir(parents=True)
    year = time.strftime("%Y", time.gmtime(build_time()))
    lines = [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
        f"Upstream-Name: {NAME}",
        f"Source: {HOMEPAGE}",
        "",
        "Files: *",
        f"Copyright: {year} The RSS Desktop Companion developers",
        "License: LicenseRef-proprietary",
        " The authors have not published this program under a licence yet: all rights",
        " reserved.",
        f"Comment: /usr/lib/{NAME}/ also holds, each under its own licence (as its",
        " metadata states):",
    ]
    for name in BUNDLED_DISTRIBUTIONS:
        try:
            info = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        licence = info.get("License-Expression") or ", ".join(
            c.split(" :: ")[-1] for c in info.get_all("Classifier", [])
            if c.startswith("License ::")) or (info.get("License") or "").split("\n")[0]
        lines.append(f"  {name} {info['Version']}: {licence or 'see the project'}")
    lines.append(f"  Python {sys.version.split()[0]} (libpython and its modules): PSF-2.0")
    if dropped:
        lines += [" .", " Not bundled, from Debian's packages instead (see Depends):",
                  *(f"  {name}" for name in dropped)]
    (doc / "copyright").write_text("\n".join(lines) + "\n")
    date = formatdate(build_time(), usegmt=False)
    gzip_file(doc / "changelog.gz",  # a native package: its own changelog
              f"{NAME} ({__version__}) unstable; urgency=medium\n\n"
              f"  * Built from the project's sources with make deb.\n\n"
              f" -- {MAINTAINER}  {date}\n")


def build_time() -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the last commit's time."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    result = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True,
                            text=True)
    return int(result.stdout.strip() or time.time())


MISSING_LIBRARY = re.compile(r"cannot find library (\S+) needed by")


def system_depends() -> str:
    """dpkg-shlibdeps over every ELF file of the package (it skips the libraries the package
    itself carries, found through ``-l`` and the files' $ORIGIN run paths)."""
    elf_files = sorted(str(path.relative_to(STAGE)) for path in PACKAGE_ROOT.rglob("*")
                       if path.is_file() and not path.is_symlink() and is_elf(path))
    folders = sorted({f"-l{STAGE / Path(path).parent}" for path in elf_files})
    result = subprocess.run(["dpkg-shlibdeps", "-O", "--warnings=0", *folders, *elf_files],
                            cwd=STAGE, capture_output=True, text=True)
    if result.returncode != 0:
        missing = list(dict.fromkeys(MISSING_LIBRARY.findall(result.stderr)))
        if missing:
            fail_for_missing(missing)
        sys.exit(f"make deb: dpkg-shlibdeps failed:\n{result.stderr}")
    line = next(line for line in result.stdout.splitlines() if line.startswith("shlibs:Depends="))
    return line.split("=", 1)[1]


def fail_for_missing(missing: list[str]) -> None:
    try:
        distribution = parse_os_release(Path("/etc/os-release").read_text())
    except OSError:
        distribution = set()
    command = install_command(missing, distribution, root=os.geteuid() == 0)
    advice = f"install them with:\n  {command}" if command else "install them"
    sys.exit(f"make deb: the bundle needs libraries this machine lacks, so their packages "
             f"cannot be named: {', '.join(missing)}; {advice}")


def write_control(depends: str, architecture: str) -> None:
    installed_kb = sum(path.lstat().st_size for path in PACKAGE_ROOT.rglob("*")
                       if "DEBIAN" not in path.parts) // 1024 + 1
    (PACKAGE_ROOT / "DEBIAN" / "control").write_text(
        f"Package: {NAME}\nVersion: {__version__}\nArchitecture: {architecture}\n"
        f"Maintainer: {MAINTAINER}\nInstalled-Size: {installed_kb}\nDepends: {depends}\n"
        f"Section: net\nPriority: optional\nHomepage: {HOMEPAGE}\n"
        f"Description: {SUMMARY}\n{DESCRIPTION}\n")


def normalise_modes(root: Path) -> None:
    """0755 for folders and programs, 0644 for the rest, shared libraries included (Debian's
    policy; whatever this machine's umask and the wheels' modes were)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or (path.stat().st_mode & 0o111 and ".so" not in path.name)
        path.chmod(0o755 if executable else 0o644)


def main() -> int:
    if not (BUNDLE / NAME).is_file():
        sys.exit(f"make deb: {BUNDLE / NAME} is missing: run `make package` first")
    for tool in ("dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            sys.exit(f"make deb: {tool} is missing: install it with "
                     f"`{'' if os.geteuid() == 0 else 'sudo '}apt install dpkg-dev`")
    architecture = run(["dpkg", "--print-architecture"], capture_output=True).stdout.strip()
    shutil.rmtree(STAGE, ignore_errors=True)
    (PACKAGE_ROOT / "DEBIAN").mkdir(parents=True)
    (STAGE / "debian" / "control").write_text(
        f"Source: {NAME}\n\nPackage: {NAME}\nArchitecture: any\n")
    usr = PACKAGE_ROOT / "usr"
    dropped = install_bundle(usr / "lib" / NAME)
    (usr / "bin").mkdir(parents=True)
    (usr / "bin" / NAME).symlink_to(f"../lib/{NAME}/{NAME}")
    install_desktop_files(usr)
    install_manual_and_completions(usr)
    install_systemd_unit(usr)
    install_documents(usr, dropped)
    depends = system_depends()
    write_control(depends, architecture)
    normalise_modes(PACKAGE_ROOT)
    output = ROOT / "dist" / f"{NAME}_{__version__}_{architecture}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(PACKAGE_ROOT), str(output)],
        stdout=subprocess.DEVNULL, env={**os.environ, "SOURCE_DATE_EPOCH": str(build_time())})
    print(f"{output.relative_to(ROOT)}: {output.stat().st_size / 1e6:.1f} MB; "
          f"{len(dropped)} bundled libraries left to Debian's packages")
    print(f"Depends: {depends}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
