"""``rss-desktop work --install-service``: a systemd user unit that runs ``work`` for one
database from login on, so the person's rules run (and others' jobs are taken on) without the
window open. Plain Python: it writes one file and says what to run next."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
from pathlib import Path


def unit_folder() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def unit_name(database: str) -> str:
    """rss-desktop-work-<name>-<hash>.service: one unit per database, readable and unique."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(database.rstrip("/")).stem or "db").strip("-")
    digest = hashlib.sha256(database.encode()).hexdigest()[:8]
    return f"rss-desktop-work-{stem[:32] or 'db'}-{digest}.service"


def _quoted(word: str) -> str:
    """One word of ExecStart= as systemd splits it: double-quoted, with \\, " and the
    specifier % escaped."""
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def command_line(database: str) -> list[str]:
    """How the unit starts ``work``: the installed rss-desktop, else this Python with ours."""
    installed = shutil.which("rss-desktop")
    program = [installed] if installed else [sys.executable, "-m", "desktop"]
    return [*program, "work", "--database", database]


def unit_text(database: str, is_server: bool) -> str:
    words = " ".join(_quoted(word) for word in command_line(database))
    after = "After=network-online.target\nWants=network-online.target\n" if is_server else ""
    environment = ""
    if not shutil.which("rss-desktop"):  # run from a source tree: find the package there
        package_root = str(Path(__file__).resolve().parent.parent)
        environment = f"Environment={_quoted('PYTHONPATH=' + package_root)}\n"
    return (
        "[Unit]\n"
        f"Description=rss-desktop: run mark-read jobs and rules on {database.replace('%', '%%')}\n"
        f"{after}"
        "\n[Service]\n"
        "Type=exec\n"
        f"{environment}"
        f"ExecStart={words}\n"
        "Restart=on-failure\n"
        "RestartSec=30\n"
        "\n[Install]\n"
        "WantedBy=default.target\n")


def install(database: str, is_server: bool) -> Path:
    """Write the unit (replacing an earlier one for the same database); returns its path."""
    folder = unit_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / unit_name(database)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(unit_text(database, is_server))
    temporary.replace(path)
    return path
