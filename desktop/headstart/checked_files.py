"""Checks of database files that passed, remembered so that an unchanged file is not checked
again by every command (a 1,000,000-article server file takes seconds to check).

A file is remembered by its path and its (device, inode, size, mtime): while all four stay the
same, it holds the pages that were checked. SQLite writes a database file only at commits and
checkpoints, which change its mtime, and a copy is a new inode, so any change is checked again.
With them: whether the check was whole or left the article bodies out (sqlite_check.py). A file
found damaged is remembered by its (device, inode) as doubted: the next engine checks it whole,
whatever was written since.
The record is a cache (``$XDG_CACHE_HOME/rss-desktop/checked-files.json``): deleting it only
costs a check. Nothing here opens a database file (``stat`` only).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

KEPT = 64  # the files remembered, the most recent first
DOUBTED = "damaged"  # an entry [DOUBTED, device, inode]: found damaged, checked whole next


def default_record() -> Path:
    """Where the faces keep it: the app's folder in the user's XDG cache."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "rss-desktop" / "checked-files.json"


def _read(record: Path) -> dict[str, list[int]]:
    try:
        entries = json.loads(record.read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def was_checked(record: Path | None, path, stamp: list[int] | None, *,
                whole: bool = False) -> bool:
    """Whether a check passed on the file at ``path`` when it had this very ``stamp`` (with
    ``whole``: a check of every page)."""
    if record is None or stamp is None:
        return False
    entry = _read(record).get(str(Path(path).resolve()))
    if not isinstance(entry, list) or entry[:4] != stamp:
        return False
    return not whole or entry[4:] in ([], [1])  # (four numbers: written by a whole check)


def doubted(record: Path | None, path, identity) -> bool:
    """Whether the file at ``path`` with this (device, inode) was found damaged."""
    if record is None or identity is None:
        return False
    return _read(record).get(str(Path(path).resolve())) == [DOUBTED, *identity]


def remember(record: Path | None, path, stamp: list[int] | None, *, whole: bool = True) -> None:
    """Remember that the file at ``path`` was sound with ``stamp``, checked ``whole`` or not
    (None: forget it)."""
    _store(record, path, None if stamp is None else [*stamp, int(whole)])


def remember_damaged(record: Path | None, path, identity) -> None:
    """Remember that the file at ``path`` with this (device, inode) was found damaged."""
    if identity is not None:
        _store(record, path, [DOUBTED, *identity])


def _store(record: Path | None, path, entry: list | None) -> None:
    if record is None:
        return
    key = str(Path(path).resolve())
    entries = {name: value for name, value in _read(record).items() if name != key}
    if entry is not None:
        entries = {key: entry, **dict(list(entries.items())[:KEPT - 1])}
    with contextlib.suppress(OSError):  # a cache: never a reason to fail
        record.parent.mkdir(parents=True, exist_ok=True)
        partial = record.with_name(f"{record.name}.{os.getpid()}")
        partial.write_text(json.dumps(entries))
        os.replace(partial, record)
