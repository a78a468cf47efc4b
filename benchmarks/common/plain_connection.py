"""A plain sqlite3 connection, set up like the web server's."""

from __future__ import annotations

import sqlite3


def open_plain(path, busy_ms: int = 5000, *, foreign_keys: bool = True) -> sqlite3.Connection:
    """A plain sqlite3 connection set up like the web server's (WAL, NORMAL, busy timeout,
    foreign keys enforced); ``foreign_keys=False`` like ours (desktop/store/connection.py)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = normal")
    conn.execute(f"PRAGMA foreign_keys = {'on' if foreign_keys else 'off'}")
    return conn
