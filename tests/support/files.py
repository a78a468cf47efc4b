"""Showing that nothing touched a file: its state before and after."""

from __future__ import annotations

import os
from pathlib import Path


def file_state(path: Path):
    """What a file (or folder) is now, to show later that nothing touched it."""
    if path.is_dir():
        return ("dir", sorted(os.listdir(path)), path.stat().st_mtime_ns)
    if path.exists():
        return ("file", path.read_bytes(), path.stat().st_mtime_ns)
    return None
