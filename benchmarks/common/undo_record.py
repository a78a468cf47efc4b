"""The size of a job's undo record, in an SQLite file or a PostgreSQL database."""

from __future__ import annotations

from .targets import is_server_url

RECORD_TABLES = ("bulk_job_changes", "bulk_job_spans")  # WITHOUT ROWID: no other b-tree


def measure_record(path, changed: int | None) -> dict:
    """The job's undo record's size, in an SQLite file or a PostgreSQL database."""
    if is_server_url(path):
        return server_record_size(path, changed)
    return record_size(path, changed)


def record_size(path, changed: int | None) -> dict:
    """What the job's undo record takes in the file: its tables' rows, pages and payload
    (SQLite's dbstat), and bytes per article the job changed. The copy holds this one job."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sizes = {name: {"rows": conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0],
                        **dict(zip(("pages_bytes", "payload_bytes"), conn.execute(
                            "SELECT sum(pgsize), sum(payload) FROM dbstat WHERE name = ?",
                            (name,)).fetchone(), strict=True))}
                 for name in RECORD_TABLES}
    except sqlite3.Error as exc:  # no dbstat in this SQLite build, or no such table
        return {"error": str(exc)}
    finally:
        conn.close()
    pages = sum(t["pages_bytes"] or 0 for t in sizes.values())
    payload = sum(t["payload_bytes"] or 0 for t in sizes.values())
    return {"tables": sizes, "pages_bytes": pages, "payload_bytes": payload,
            "pages_bytes_per_changed_article": pages / changed if changed else None,
            "payload_bytes_per_changed_article": payload / changed if changed else None}


SERVER_RECORD_TABLES = ("bulk_job_changes", "bulk_job_spans", "bulk_job_article_sets")


def server_record_size(url: str, changed: int | None) -> dict:
    """What the job's undo record takes in the database: its tables' rows and size on disk
    (table, indexes, TOAST), and bytes per article the job changed. The copy holds this one
    job."""
    import psycopg

    with psycopg.connect(url) as conn:
        sizes = {name: dict(zip(("rows", "pages_bytes"), conn.execute(
            f"SELECT count(*), pg_total_relation_size('{name}') FROM {name}").fetchone(),
            strict=True)) for name in SERVER_RECORD_TABLES}
    pages = sum(table["pages_bytes"] for table in sizes.values())
    return {"tables": sizes, "pages_bytes": pages,
            "pages_bytes_per_changed_article": pages / changed if changed else None}
