"""The benchmark's database: built once per size and cached, copied fresh for every run.

The datasets (``--dataset``):

- ``server`` (the default, every figure in the README): built the way a web server fills one
  (``common/server_dataset.py``: feeds polled in rounds, complete article rows of a few KB, several
  users' read state, a peewee server's indexes). ``compact``, ``feeds2000`` and
  ``categories50`` are the same server laid out otherwise (``server_dataset.SHAPES``: short
  rows; 2,000 feeds in one category; 50 categories of 20 feeds), cached the same way. Two
  files are cached: the file as the server left it (``….asis.db``, for "first open": the
  app's additive schema is not there yet) and a copy prepared once with ``ensure_schema``,
  which every job measurement starts from.
- ``demo`` (issue 5's): the server spec's DDL filled by the demo generator with most articles
  in "Tech" (ids of a category not interleaved, short rows), prepared the same way.

After each run, ``verify`` compares the copy with the cached original so that a fast but wrong
run cannot pass.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import server_dataset
from .paths import BENCHMARKS
from .server_dataset import SEED

CACHE = BENCHMARKS / "cache"
USER_ID = 1  # alice: about a third of articles have a read_status row for her
CATEGORY = "Tech"
LAYOUT_VERSION = 1  # bump when the way the demo file is built changes
SERVER_LAYOUT_VERSION = 1  # the same for common/server_dataset.py
# "server" and the shapes of issue 26 (server_dataset.SHAPES), then issue 5's "demo"
DATASETS = (*server_dataset.SHAPES, "demo")

# The web server's DDL as its peewee models create it (no unique index on read_status).
SERVER_DDL = """
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, username VARCHAR(255) NOT NULL UNIQUE,
    email VARCHAR(255), password_hash VARCHAR(255), is_active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL);
CREATE TABLE categories (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255) NOT NULL,
    description TEXT, sort_order INTEGER DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE feeds (id INTEGER PRIMARY KEY AUTOINCREMENT, url VARCHAR(2048) NOT NULL,
    title VARCHAR(255) NOT NULL, description TEXT,
    category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL, last_fetched TEXT,
    fetch_interval INTEGER DEFAULT 3600, created_at TEXT NOT NULL);
CREATE TABLE articles (id INTEGER PRIMARY KEY AUTOINCREMENT,
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    title VARCHAR(1024) NOT NULL, url VARCHAR(2048), guid VARCHAR(2048), content TEXT,
    author VARCHAR(255), published_date TEXT, created_at TEXT NOT NULL);
CREATE INDEX articles_feed_id ON articles (feed_id);
CREATE TABLE read_status (id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    is_read INTEGER NOT NULL DEFAULT 0, is_starred INTEGER NOT NULL DEFAULT 0,
    is_archived INTEGER NOT NULL DEFAULT 0, read_at TEXT, starred_at TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE sessions (token TEXT PRIMARY KEY, user_id INTEGER, expires_at TEXT);
"""


@dataclass(frozen=True)
class Dataset:
    path: Path
    articles: int
    category_id: int
    category_articles: int
    watermark: int  # newest article id when built: the scope of every run
    user_rows: int  # read_status rows of USER_ID
    build_seconds: float
    schema_seconds: float  # the app's additive indexes on this file (ensure_schema)
    size_bytes: int
    name: str = "demo"  # which dataset (DATASETS)
    server_path: Path | None = None  # the file as the server left it (no schema of ours)

    def as_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def cached_dataset(articles: int, name: str = "server", log=print) -> Dataset:
    """The cached database of this dataset and size, built first if missing."""
    CACHE.mkdir(exist_ok=True)
    if name == "demo":
        share, seed = 0.6, 7
        path = CACHE / f"server-{articles}-{share:g}-{seed}-v{LAYOUT_VERSION}.db"
        server_path = None
    else:
        shape = "" if name == "server" else f"-{name}"
        path = CACHE / f"realistic{shape}-{articles}-s{SEED}-v{SERVER_LAYOUT_VERSION}.db"
        server_path = path.with_suffix(".asis.db")
    timings = path.with_suffix(".timings")
    if not path.exists() or (server_path is not None and not server_path.exists()):
        log(f"building {path.name} ({articles:,} articles, {name} dataset; cached for later "
            "runs)...")
        if name == "demo":
            build, schema = _build(path, articles, share, seed)
        else:
            build, schema = _build_server(path, server_path, articles, name)
        timings.write_text(f"{build} {schema}")
    build, schema = (float(x) for x in timings.read_text().split()) if timings.exists() else (0, 0)
    _keep_prepared(path, log)
    conn = sqlite3.connect(path)
    try:
        category_id = conn.execute("SELECT id FROM categories WHERE name = ?",
                                   (CATEGORY,)).fetchone()[0]
        watermark = conn.execute("SELECT max(id) FROM articles").fetchone()[0]
        in_scope = conn.execute("SELECT count(*) FROM articles WHERE feed_id IN (SELECT id FROM "
                                "feeds WHERE category_id = ?)", (category_id,)).fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM read_status WHERE user_id = ?",
                            (USER_ID,)).fetchone()[0]
    finally:
        conn.close()
    return Dataset(path, articles, category_id, in_scope, watermark, rows, build, schema,
                   path.stat().st_size, name, server_path)


def _keep_prepared(path: Path, log) -> None:
    """Bring the cached prepared file up to the app's current schema (a column added since it
    was built), so that no measured job starts by changing the schema."""
    from desktop.store.backends.sqlite import SQLITE
    from desktop.store.connection import connect
    from desktop.store.schema import ensure_schema, schema_is_ready

    db = connect(path)
    try:
        if not schema_is_ready(SQLITE, db):
            log(f"the app's schema has changed since {path.name} was prepared: preparing it again")
            ensure_schema(SQLITE, db)
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _build_server(path: Path, server_path: Path, articles: int,
                  shape: str = "server") -> tuple[float, float]:
    """The server's file (``server_dataset.build``, laid out as ``shape``), then a copy of it
    with the app's schema."""
    from desktop.store.backends.sqlite import SQLITE
    from desktop.store.connection import connect
    from desktop.store.schema import ensure_schema

    for target in (path, server_path):
        for leftover in target.parent.glob(target.with_suffix(".partial").name + "*"):
            leftover.unlink()
    partial = server_path.with_suffix(".partial")
    built = server_dataset.build(partial, articles, shape=shape)
    if built["articles"] != articles:
        raise RuntimeError(f"built {built['articles']} articles instead of {articles}")
    partial.rename(server_path)
    partial = path.with_suffix(".partial")
    shutil.copyfile(server_path, partial)
    db = connect(partial)
    started = time.perf_counter()
    ensure_schema(SQLITE, db)
    schema = time.perf_counter() - started
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    partial.rename(path)
    return built["seconds"], schema


def _build(path: Path, articles: int, share: float, seed: int) -> tuple[float, float]:
    from desktop.store.backends.sqlite import SQLITE
    from desktop.store.connection import connect
    from desktop.store.demo import build_demo_database
    from desktop.store.schema import ensure_schema

    partial = path.with_suffix(".partial")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA journal_mode=wal")  # as the web server runs it
    conn.executescript(SERVER_DDL)
    conn.close()
    started = time.perf_counter()
    db = connect(partial)
    build_demo_database(SQLITE, articles, seed=seed, main_category_share=share)
    built = time.perf_counter()
    ensure_schema(SQLITE, db)
    schema = time.perf_counter() - built
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    partial.rename(path)
    return built - started, schema


def fresh_copy(dataset: Dataset | Path, name: str, *, as_server_left_it: bool = False) -> Path:
    """A new copy of the cached file (or of a settled database file given by its path) for one
    run; any earlier copy of that name is replaced. ``as_server_left_it``: of the file without
    the app's schema (the server dataset's ``….asis.db``)."""
    if isinstance(dataset, Dataset):
        source = dataset.server_path if as_server_left_it else dataset.path
        if source is None:
            raise ValueError(f"the {dataset.name} dataset has no file as the server left it")
    else:
        source = Path(dataset)
    runs = CACHE / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    target = runs / f"{name}.db"
    remove_copy(target)
    shutil.copyfile(source, target)
    with open(target, "rb+") as f:  # written back now, not by the kernel during the run
        os.fsync(f.fileno())
    return target


def remove_copy(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- checking a run's result ----------------------------------------------------------------
def snapshot(path: Path, dataset: Dataset, watermark: int | None = None) -> dict[str, int]:
    """Counts that a correct mark-category-read job changes only in the expected way.

    ``watermark`` is the job's (articles the concurrent writer added before the job was created
    are in its scope); by default the dataset's newest article.
    """
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    queries, params = snapshot_queries(dataset, watermark)
    try:
        return {name: conn.execute(sql, params).fetchone()[0] for name, sql in queries.items()}
    finally:
        conn.close()


def snapshot_queries(dataset: Dataset, watermark: int | None = None) -> tuple[dict, dict]:
    """The snapshot's queries (SQL that both SQLite and PostgreSQL run, ``:name`` parameters)
    and their parameters."""
    scope = ("SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id "
             "WHERE f.category_id = :cat AND a.id <= :wm")
    params = {"cat": dataset.category_id, "wm": watermark or dataset.watermark, "user": USER_ID}
    queries = {
        "articles": "SELECT count(*) FROM articles",
        "scope_articles": f"SELECT count(*) FROM ({scope})",
        "user_rows_above_watermark": "SELECT count(*) FROM read_status WHERE user_id = :user "
                                     "AND article_id > :wm",
        "rows": "SELECT count(*) FROM read_status",
        "user_rows": "SELECT count(*) FROM read_status WHERE user_id = :user",
        "user_starred": "SELECT count(*) FROM read_status WHERE user_id = :user AND is_starred",
        "user_archived": "SELECT count(*) FROM read_status WHERE user_id = :user AND is_archived",
        "user_read": "SELECT count(*) FROM read_status WHERE user_id = :user AND is_read",
        "user_rows_in_scope": f"SELECT count(*) FROM read_status WHERE user_id = :user "
                              f"AND article_id IN ({scope})",
        "user_read_in_scope": f"SELECT count(*) FROM read_status WHERE user_id = :user "
                              f"AND is_read AND article_id IN ({scope})",
        "others_rows": "SELECT count(*) FROM read_status WHERE user_id != :user",
        "others_read": "SELECT count(*) FROM read_status WHERE user_id != :user AND is_read",
        "others_starred": "SELECT count(*) FROM read_status WHERE user_id != :user "
                          "AND is_starred",
        "duplicates": "SELECT count(*) FROM (SELECT 1 FROM read_status "
                      "GROUP BY user_id, article_id HAVING count(*) > 1)",
    }
    return queries, params


def verify(before: dict[str, int], after: dict[str, int], dataset: Dataset,
           watermark: int | None = None, articles_added: int = 0) -> list[str]:
    """What is wrong with ``after`` (empty when the run left the database correct).

    ``before`` is the cached file's snapshot, ``after`` the run's copy taken at the job's
    ``watermark``. Correct means: every in-scope article is read for the user, exactly the
    missing rows were added, no other row of the user changed its read state, starred and
    archived counts and other users' rows are unchanged, only the concurrent writer added
    articles (all into the category, none with a read_status row), and nothing above the
    watermark was marked.
    """
    expected = dict(before)
    extra = (watermark or dataset.watermark) - dataset.watermark  # writer's, in the category
    in_scope = dataset.category_articles + extra
    missing = in_scope - before["user_rows_in_scope"]
    newly_read = in_scope - before["user_read_in_scope"]
    expected.update(
        articles=before["articles"] + articles_added,
        scope_articles=in_scope,
        rows=before["rows"] + missing,
        user_rows=before["user_rows"] + missing,
        user_read=before["user_read"] + newly_read,
        user_rows_in_scope=in_scope,
        user_read_in_scope=in_scope,
    )
    return [f"{name}: expected {expected[name]:,}, found {after[name]:,}"
            for name in expected if expected[name] != after[name]]
