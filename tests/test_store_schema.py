"""Opening the shared database: the schema this app adds, what it leaves alone, bad files."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from support.clock import at
from support.databases import make_server_database
from support.files import file_state

from desktop.jobs import BulkOperationManager
from desktop.store import DatabaseOpenError, connect
from desktop.store.backends.sqlite import SQLITE
from desktop.store.schema import ensure_schema, has_unique_read_status_index

# The web server spec's DDL (seed/000_44223440a540c6c7.txt), copied here on purpose: the test
# must not take the contract from the code it checks.
SPEC_JOB_TABLE = """
CREATE TABLE bulk_operation_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_type VARCHAR(50) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    user_id INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    progress INTEGER DEFAULT 0,
    total INTEGER DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    error_message TEXT,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
"""
SPEC_JOB_INDEXES = {
    "idx_bulk_jobs_user_status": ["user_id", "status"],
    "idx_bulk_jobs_created": ["created_at"],
    "idx_bulk_jobs_type_status": ["job_type", "status"],
}
# What the engine adds beyond the spec (all nullable); later features may add more.
OUR_JOB_COLUMNS = {"watermark", "cursor", "marked_count", "owner", "updated_at", "recorded",
                   "undone_by", "confirmed_count"}
SERVER_TABLES = ("users", "categories", "feeds", "articles", "read_status", "sessions")


def sqlite(path) -> closing:
    return closing(sqlite3.connect(path))


def spec_job_columns() -> list[tuple]:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        conn.execute(SPEC_JOB_TABLE)
        return conn.execute("PRAGMA table_info(bulk_operation_jobs)").fetchall()


def table_info(path, table) -> list[tuple]:
    with sqlite(path) as conn:
        return conn.execute(f'PRAGMA table_info("{table}")').fetchall()


def indexes(path, table) -> dict[str, tuple[bool, list[str]]]:
    """{index name: (unique, columns)} of a table, including automatic indexes."""
    with sqlite(path) as conn:
        found = {}
        for _, name, unique, *_ in conn.execute(f'PRAGMA index_list("{table}")'):
            columns = [row[2] for row in conn.execute(f'PRAGMA index_info("{name}")')]
            found[name] = (bool(unique), columns)
        return found


def schema_objects(path) -> set[tuple]:
    with sqlite(path) as conn:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def table_dump(path, table) -> list[tuple]:
    with sqlite(path) as conn:
        return conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()


def server_snapshot(path) -> dict:
    """Everything the server owns: every table's columns and every row."""
    return {table: (table_info(path, table), table_dump(path, table)) for table in SERVER_TABLES}


def open_and_close(path, **options) -> None:
    db = connect(path, **options)
    db.close()


def add_session_rows(path) -> None:
    with sqlite(path) as conn:
        conn.execute("INSERT INTO sessions VALUES ('t0k3n', 1, ?)", (at(),))
        conn.execute("UPDATE users SET email = 'alice@example.org', password_hash = 'x' "
                     "WHERE id = 1")
        conn.commit()


# -- a new file ---------------------------------------------------------------------------

def test_a_new_file_gets_the_whole_schema(tmp_path):
    path = tmp_path / "sub" / "new.db"
    open_and_close(path, create=True)

    with sqlite(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master "
                                                 "WHERE type = 'table'")}
    assert {"users", "categories", "feeds", "articles", "read_status",
            "bulk_operation_jobs"} <= tables
    columns = {table: {row[1] for row in table_info(path, table)}
               for table in ("users", "categories", "feeds", "articles", "read_status")}
    assert {"id", "username", "created_at"} <= columns["users"]
    assert {"id", "name", "created_at"} <= columns["categories"]
    assert {"id", "url", "title", "category_id", "created_at"} <= columns["feeds"]
    assert {"id", "feed_id", "title", "url", "guid", "published_date",
            "created_at"} <= columns["articles"]
    assert {"id", "user_id", "article_id", "is_read", "is_starred", "is_archived", "read_at",
            "starred_at", "created_at", "updated_at"} == columns["read_status"]
    feeds_category = next(row for row in table_info(path, "feeds") if row[1] == "category_id")
    assert feeds_category[3] == 0  # feeds.category_id is nullable

    assert_job_table_is_the_spec_plus_nullable_columns(path)
    read_status_indexes = indexes(path, "read_status").values()
    assert (True, ["user_id", "article_id"]) in read_status_indexes
    with sqlite(path) as conn:  # the web server writes only the spec's columns
        conn.execute("INSERT INTO users (id, username, created_at) VALUES (1, 'a', ?)", (at(),))
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, user_id, parameters, "
                     "created_at) VALUES ('mark_all_read', 1, '{}', ?)", (at(),))
        assert conn.execute("SELECT status, progress, total FROM bulk_operation_jobs"
                            ).fetchall() == [("pending", 0, 0)]


def assert_job_table_is_the_spec_plus_nullable_columns(path) -> None:
    spec = spec_job_columns()
    info = table_info(path, "bulk_operation_jobs")
    # The spec's columns come first, with the spec's names, types, NOT NULL, defaults and key.
    assert info[:len(spec)] == spec
    extra = info[len(spec):]
    assert {row[1] for row in extra} >= OUR_JOB_COLUMNS  # later features may add more
    for _, name, _, notnull, _, pk in extra:
        assert (notnull, pk) == (0, 0), name  # nullable: a spec-only INSERT still works
    with sqlite(path) as conn:
        foreign_keys = conn.execute("PRAGMA foreign_key_list(bulk_operation_jobs)").fetchall()
    assert [(row[2], row[3], row[4], row[6]) for row in foreign_keys] == [
        ("users", "user_id", "id", "CASCADE")]
    found = indexes(path, "bulk_operation_jobs")
    for name, columns in SPEC_JOB_INDEXES.items():
        assert found[name] == (False, columns)


# -- an existing server database ----------------------------------------------------------

@pytest.mark.parametrize("unique_read_status", [True, False], ids=["unique", "no-unique"])
@pytest.mark.parametrize("job_table", [False, True], ids=["no-job-table", "job-table"])
def test_an_existing_server_database_keeps_everything_it_owns(tmp_path, unique_read_status,
                                                              job_table):
    path = make_server_database(tmp_path / "reader.db", unique_read_status=unique_read_status,
                                job_table=job_table)
    add_session_rows(path)
    if job_table:
        with sqlite(path) as conn:
            conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, "
                         "parameters, created_at) VALUES ('mark_feed_read', 'completed', 2, "
                         "'{\"feed_id\": 3}', ?)", (at(),))
            conn.commit()
        jobs_before = table_dump(path, "bulk_operation_jobs")
    before = server_snapshot(path)
    objects_before = {obj for obj in schema_objects(path) if obj[2] != "bulk_operation_jobs"}
    read_status_indexes_before = indexes(path, "read_status")

    db = connect(path)
    try:
        ensure_schema(SQLITE, db)  # what the engine does before it writes its first job
        assert has_unique_read_status_index(db)
    finally:
        db.close()

    assert server_snapshot(path) == before  # same columns, same rows, sessions included
    assert objects_before <= schema_objects(path)  # no server table or index was rewritten
    assert before["sessions"][1] == [("t0k3n", 1, at())]
    assert before["users"][1][0][2] == "alice@example.org"
    read_status_indexes = indexes(path, "read_status")
    if unique_read_status:  # the server's own unique index serves; nothing is added
        assert read_status_indexes == read_status_indexes_before
    else:
        assert (True, ["user_id", "article_id"]) in read_status_indexes.values()
    assert_job_table_is_the_spec_plus_nullable_columns(path)
    if job_table:  # the server's row keeps its values; our columns are NULL on it
        spec_width = len(spec_job_columns())
        after = table_dump(path, "bulk_operation_jobs")
        assert [row[:spec_width] for row in after] == jobs_before
        assert all(value is None for value in after[0][spec_width:])


def test_a_table_level_unique_constraint_counts_as_the_unique_index(tmp_path):
    path = tmp_path / "reader.db"
    schema = Path(__file__).with_name("server_schema.sql").read_text().replace(
        "updated_at TEXT NOT NULL\n);", "updated_at TEXT NOT NULL,\n"
        "    UNIQUE (user_id, article_id)\n);")
    assert "UNIQUE (user_id, article_id)" in schema
    with sqlite(path) as conn:
        conn.executescript(schema)
    before = indexes(path, "read_status")

    db = connect(path)
    try:
        ensure_schema(SQLITE, db)
        assert has_unique_read_status_index(db)
    finally:
        db.close()
    assert indexes(path, "read_status") == before


def test_ensure_schema_twice_changes_nothing(server_db):
    db = connect(server_db)
    try:
        ensure_schema(SQLITE, db)
        objects, snapshot = schema_objects(server_db), server_snapshot(server_db)
        jobs_info = table_info(server_db, "bulk_operation_jobs")
        ensure_schema(SQLITE, db)
        ensure_schema(SQLITE, db)
    finally:
        db.close()
    open_and_close(server_db)
    assert schema_objects(server_db) == objects
    assert server_snapshot(server_db) == snapshot
    assert table_info(server_db, "bulk_operation_jobs") == jobs_info


# -- duplicate read_status rows -----------------------------------------------------------

def test_duplicate_read_status_rows_are_kept_and_a_plain_index_is_used(tmp_path):
    path = make_server_database(tmp_path / "reader.db", unique_read_status=False)
    with sqlite(path) as conn:
        # Article 5: user 1 has it starred and unread; article 3: read. Duplicate both.
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                     "created_at, updated_at) VALUES (1, 5, 0, 0, ?, ?)", (at(), at()))
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, read_at, "
                     "created_at, updated_at) VALUES (1, 3, 1, ?, ?, ?)", (at(),) * 3)
        conn.commit()
    before = table_dump(path, "read_status")

    for _ in range(2):  # the fallback is idempotent too
        db = connect(path)
        try:
            ensure_schema(SQLITE, db)
            assert not has_unique_read_status_index(db)
        finally:
            db.close()
    assert table_dump(path, "read_status") == before
    read_status_indexes = indexes(path, "read_status").values()
    assert (False, ["user_id", "article_id"]) in read_status_indexes
    assert not any(unique for unique, _ in read_status_indexes)

    # The engine's UPDATE + INSERT-WHERE-NOT-EXISTS path gives the right result.
    async def mark_category_read():
        manager = BulkOperationManager(path)
        await manager.open()
        try:
            job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
            return await manager.wait_for_job(job_id)
        finally:
            await manager.close()

    job = asyncio.run(mark_category_read())
    assert job.status == "completed", job.error_message
    assert job.progress == job.total == 70  # category 1 = feeds 1 and 2 = articles 1..70

    before_by_id = {row[0]: row for row in before}
    after = table_dump(path, "read_status")
    articles_changed = set()  # a duplicated article changes two rows but counts once
    for row in after:
        row_id, user_id, article_id, is_read, is_starred, is_archived, read_at, starred_at = row[:8]
        old = before_by_id.get(row_id)
        in_scope = user_id == 1 and article_id <= 70
        if old is None:
            assert in_scope and (is_read, is_starred, is_archived) == (1, 0, 0)
            articles_changed.add(article_id)
        elif in_scope and old[3] == 0:
            assert (is_read, is_starred, is_archived, starred_at) == (1, *old[4:6], old[7])
            assert read_at != at() and row[9] == read_at and row[8] == old[8]
            articles_changed.add(article_id)
        else:
            assert row == old
    assert job.marked_count == len(articles_changed)
    with sqlite(path) as conn:
        per_article = dict(conn.execute(
            "SELECT article_id, count(*) FROM read_status WHERE user_id = 1 AND article_id <= 70"
            " GROUP BY article_id"))
        unread = conn.execute("SELECT count(*) FROM read_status WHERE user_id = 1 "
                              "AND article_id <= 70 AND is_read = 0").fetchone()[0]
    assert unread == 0
    assert per_article == {article: 2 if article in (3, 5) else 1 for article in range(1, 71)}


# -- connections --------------------------------------------------------------------------

def test_connections_are_set_up_for_sharing_the_file(server_db):
    def pragmas(db) -> dict:
        return {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")}

    db = connect(server_db)
    try:
        here = pragmas(db)
    finally:
        db.close()

    async def on_the_engine_thread():  # the engine connects on its own database thread
        manager = BulkOperationManager(server_db)
        await manager.open()
        try:
            from desktop.store.models import database_proxy
            return await manager.db.call(pragmas, database_proxy)
        finally:
            await manager.close()

    for found in (here, asyncio.run(on_the_engine_thread())):
        assert found["journal_mode"] == "wal"
        assert found["busy_timeout"] >= 5000
        # not enforced by our connections: what we write references rows we read in the same
        # transaction (see test_a_user_deleted_mid_job_fails_the_job_and_leaves_no_rows)
        assert found["foreign_keys"] == 0
        assert found["synchronous"] == 1  # NORMAL
    with server_db.open("rb") as f:
        header = f.read(20)
    assert header[18:20] == b"\x02\x02"  # WAL is recorded in the file for the server too


# -- files that are not usable databases --------------------------------------------------

def _real_database(tmp_path) -> Path:
    path = make_server_database(tmp_path / "source.db")
    open_and_close(path)
    return path


def make_text_file(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("These are my notes, not a database.\n" * 20)
    return path


def make_short_text_file(tmp_path):
    path = tmp_path / "short.db"
    path.write_text("hello\n")
    return path


def make_partial_page(tmp_path):
    path = tmp_path / "cut.db"
    shutil.copyfile(_real_database(tmp_path), path)
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size - 1000)
    return path


def make_missing_pages(tmp_path):
    path = tmp_path / "short-pages.db"
    source = _real_database(tmp_path)
    data = source.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    page_count = int.from_bytes(data[28:32], "big")
    assert page_count >= 4 and len(data) == page_count * page_size
    path.write_bytes(data[:2 * page_size])
    return path


def make_directory(tmp_path):
    path = tmp_path / "folder.db"
    path.mkdir()
    return path


def make_missing(tmp_path):
    return tmp_path / "nowhere" / "missing.db"


def make_empty(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    return path


BAD_FILES = {
    "text": (make_text_file, "is not an SQLite database"),
    "short-text": (make_short_text_file, "is not an SQLite database"),
    "partial-page": (make_partial_page, "is truncated (%d bytes is not a whole number of"),
    "missing-pages": (make_missing_pages, "is truncated or damaged"),
    "directory": (make_directory, "is a directory"),
    "missing": (make_missing, "does not exist"),
    "empty": (make_empty, "is an empty file"),
}


def expected_size(kind, path: Path) -> int:
    """The byte count a truncation message names: the file's, or the header's promise."""
    if kind == "partial-page":
        return path.stat().st_size
    header = path.read_bytes()[:100]
    return int.from_bytes(header[16:18], "big") * int.from_bytes(header[28:32], "big")


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_with_a_reason_and_left_untouched(tmp_path, kind):
    make, reason = BAD_FILES[kind]
    path = make(tmp_path)
    siblings = sorted(os.listdir(path.parent)) if path.parent.exists() else None
    state = file_state(path)

    with pytest.raises(DatabaseOpenError) as caught:
        connect(path)

    error = caught.value
    assert str(path) in str(error)
    if "%d" in reason:
        reason = reason % (expected_size(kind, path))
    assert reason in error.reason
    assert str(error) == f"{path}: {error.reason}"
    assert error.missing == (kind in ("missing", "empty"))
    assert file_state(path) == state
    current = sorted(os.listdir(path.parent)) if path.parent.exists() else None
    assert current == siblings  # no -wal, -shm or journal appeared next to it


@pytest.mark.parametrize("kind", ["text", "partial-page", "missing-pages", "directory"])
def test_create_never_overwrites_a_file_that_is_not_a_database(tmp_path, kind):
    make, reason = BAD_FILES[kind]
    path = make(tmp_path)
    state = file_state(path)
    with pytest.raises(DatabaseOpenError, match=re.escape(reason.split(" (")[0])):
        connect(path, create=True)
    assert file_state(path) == state


def test_create_turns_a_missing_or_empty_file_into_a_new_database(tmp_path):
    for path in (make_missing(tmp_path), make_empty(tmp_path)):
        open_and_close(path, create=True)
        assert path.read_bytes()[:16] == b"SQLite format 3\x00"
        assert_job_table_is_the_spec_plus_nullable_columns(path)
