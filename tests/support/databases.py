"""The reader's databases the tests build (the web server's shape, a small known data set, on a
file or on PostgreSQL) and the tests' own connections to them, to read and write rows."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path

import pendulum

from desktop.store.clock import to_db_text
from support.clock import base_moment
from support.paths import TESTS

SERVER_SCHEMA = (TESTS / "server_schema.sql").read_text()
SERVER_SCHEMA_PG = (TESTS / "server_schema_pg.sql").read_text()


def make_server_database(path: Path, *, unique_read_status: bool = True, job_table: bool = False,
                         articles_per_feed: tuple[int, ...] = (40, 30, 20, 10, 5),
                         base: pendulum.DateTime | None = None,
                         journal_mode: str = "wal") -> Path:
    """A database as the web server leaves it, filled with a small known data set.

    Two users; categories 1 (feeds 1, 2) and 2 (feeds 3, 4); feed 5 has no category.
    Articles are numbered in feed order; article n has created_at ``base`` + n minutes
    (default base: ``base_moment()``, so ``at(minutes=n)``), every other row ``base``.
    User 1 has read every third article and starred every fifth; user 2 has read every other
    article.
    """
    base = base_moment() if base is None else base.start_of("minute")
    made = to_db_text(base)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")  # the server's choice, kept by us
    conn.executescript(SERVER_SCHEMA)
    if unique_read_status:
        conn.execute("CREATE UNIQUE INDEX read_status_user_article ON read_status "
                     "(user_id, article_id)")
    if job_table:
        from desktop.store.backends.sqlite import JOB_TABLE_DDL
        conn.execute(JOB_TABLE_DDL)
    conn.execute("INSERT INTO users (id, username, created_at) VALUES (1, 'alice', ?), "
                 "(2, 'bob', ?)", (made, made))
    conn.execute("INSERT INTO categories (id, name, created_at) VALUES (1, 'Tech', ?), "
                 "(2, 'News', ?)", (made, made))
    feed_categories = [1, 1, 2, 2, None]
    for feed_id, category_id in enumerate(feed_categories[:len(articles_per_feed)], start=1):
        conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (feed_id, f"https://f{feed_id}.example/rss", f"Feed {feed_id}", category_id,
                      made))
    article_id = 0
    for feed_id, count in enumerate(articles_per_feed, start=1):
        for _ in range(count):
            article_id += 1
            created = to_db_text(base.add(minutes=article_id))
            conn.execute("INSERT INTO articles (id, feed_id, title, created_at, content) "
                         "VALUES (?, ?, ?, ?, 'body')",
                         (article_id, feed_id, f"Article {article_id}", created))
            if article_id % 3 == 0 or article_id % 5 == 0:
                conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred,"
                             " read_at, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                             (article_id, int(article_id % 3 == 0), int(article_id % 5 == 0),
                              made if article_id % 3 == 0 else None, made, made))
            if article_id % 2 == 0:
                conn.execute("INSERT INTO read_status (user_id, article_id, is_read, read_at, "
                             "created_at, updated_at) VALUES (2, ?, 1, ?, ?, ?)",
                             (article_id, made, made, made))
    conn.commit()
    conn.close()
    return path


SERVER_TABLES = ("users", "categories", "feeds", "articles", "read_status", "sessions")


def make_server_database_pg(url: str, *, unique_read_status: bool = True,
                            job_table: bool = False,
                            articles_per_feed: tuple[int, ...] = (40, 30, 20, 10, 5),
                            base: pendulum.DateTime | None = None) -> str:
    """make_server_database on PostgreSQL: the server's tables (server_schema_pg.sql) in the
    (empty) database at ``url``, filled with the very rows make_server_database writes.

    The rows are made by make_server_database itself, in a scratch SQLite file, and copied
    over, so the two backends' data sets cannot drift apart. The 0/1 of SQLite's boolean
    columns become PostgreSQL booleans; each id sequence is moved past the copied ids, so the
    next insert gets a new id as it would on the server. Returns ``url``.
    """
    import psycopg

    with tempfile.TemporaryDirectory(prefix="rss-pg-rows-") as scratch:
        source = make_server_database(Path(scratch) / "reader.db", unique_read_status=False,
                                      articles_per_feed=articles_per_feed, base=base,
                                      journal_mode="delete")
        with sqlite(source) as lite, psycopg.connect(url) as conn:
            conn.execute(SERVER_SCHEMA_PG)
            booleans = {(table, column) for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND data_type = 'boolean'")}
            with conn.cursor() as cursor:
                for table in SERVER_TABLES:
                    rows = lite.execute(f"SELECT * FROM {table}").fetchall()
                    if not rows:
                        continue
                    columns = rows[0].keys()
                    convert = [(table, column) in booleans for column in columns]
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join(['%s'] * len(columns))})",
                        [[bool(value) if is_bool and value is not None else value
                          for value, is_bool in zip(row, convert, strict=True)]
                         for row in rows])
                for table in SERVER_TABLES:
                    if table != "sessions":  # keyed by token, no sequence
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"COALESCE(max(id), 0) + 1, false) FROM {table}")
            if unique_read_status:
                conn.execute("CREATE UNIQUE INDEX read_status_user_article ON read_status "
                             "(user_id, article_id)")
            if job_table:
                # the spec's table as a migration makes it there (AUTOINCREMENT: identity)
                from desktop.store.backends.postgres import JOB_TABLE_DDL as PG_JOB_TABLE_DDL
                conn.execute(PG_JOB_TABLE_DDL)
    return url


def sqlite(path) -> closing:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return closing(conn)


class PostgresRow(tuple):
    """A row read by index or by column name, like sqlite3.Row (``dict(row)`` works too)."""

    def __new__(cls, values, names):
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            key = self.names.index(key)
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self.names)


class PostgresForTests:
    """The sqlite3 connection interface the tests use (execute, executemany, commit), on a
    PostgreSQL database: ``?`` placeholders become psycopg's, rows are PostgresRow."""

    def __init__(self, url: str):
        import psycopg

        def rows(cursor):
            names = [column.name for column in cursor.description or ()]
            return lambda values: PostgresRow(values, names)

        self.conn = psycopg.connect(url, row_factory=rows)

    @staticmethod
    def _sql(sql: str, params) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if params else sql

    def execute(self, sql: str, params=()):
        return self.conn.execute(self._sql(sql, params), params or None)

    def executemany(self, sql: str, rows):
        with self.conn.cursor() as cursor:
            cursor.executemany(self._sql(sql, True), rows)

    def commit(self):
        self.conn.commit()

    def close(self):
        self.conn.close()


def database(target) -> closing:
    """A test's own connection to the reader's database, a file or a postgresql:// URL, with
    sqlite3's interface (``?`` placeholders; rows by index or name). Boolean columns read 0/1 on
    a file and False/True on PostgreSQL, which compare equal; SQL shared by both writes TRUE
    and FALSE rather than 1 and 0."""
    from desktop.store.connection import is_server_url

    return closing(PostgresForTests(target)) if is_server_url(target) else sqlite(target)


@contextmanager
def written(target):
    """``database(target)`` committed at the end of the block (sqlite3's ``with connection``)."""
    with database(target) as conn:
        yield conn
        conn.commit()


def has_table(target, name: str) -> bool:
    from desktop.store.connection import is_server_url

    with database(target) as conn:
        if is_server_url(target):
            return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() \
            is not None


def read_status(target) -> dict[int, dict]:
    """Every read_status row, whole, by id."""
    with database(target) as conn:
        return {row["id"]: dict(row) for row in conn.execute("SELECT * FROM read_status")}


def job_row(target, job_id) -> dict:
    with database(target) as conn:
        return dict(conn.execute("SELECT * FROM bulk_operation_jobs WHERE id = ?",
                                 (job_id,)).fetchone())
