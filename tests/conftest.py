"""Shared fixtures: real SQLite files shaped like the web server's, and a real qasync loop.

The clock: nothing here depends on the date, the time of day or the time zone. Timestamps are
made from the clock (``desktop.store.clock.now()``), which ``--at`` moves for the whole session
with time-machine and ``--tz`` puts in another time zone, e.g.
``make test ARGS='--at "2031-02-28 23:59:30" --tz Pacific/Kiritimati'``.
time-machine moves this process's clock only: subprocesses (the CLI, ``work``, the GUI) run at
the real time, so what they compare with the time is built from ``real_now()``.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import itertools
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing, contextmanager
from pathlib import Path

import pendulum
import pytest
import time_machine

from desktop.store import clock
from desktop.store.clock import to_db_text

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

SERVER_SCHEMA = Path(__file__).with_name("server_schema.sql").read_text()
SERVER_SCHEMA_PG = Path(__file__).with_name("server_schema_pg.sql").read_text()


# -- the clock ---------------------------------------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("clock", "the clock of the test process (time-machine)")
    group.addoption("--at", metavar="'YYYY-MM-DD HH:MM:SS'",
                    help="move this process's clock there for the whole session; it keeps "
                         "ticking. Local time of the session's zone (--tz) unless the text has "
                         "an offset. Subprocesses keep the real time.")
    group.addoption("--tz", metavar="ZONE",
                    help="the session's local time zone, e.g. Pacific/Kiritimati (TZ of this "
                         "process and of the subprocesses it starts)")


SESSION_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_configure(config):
    # Where the app remembers files it checked sound (store/checked_files.py): the session's
    # own folder, for this process and the ones it starts, never the user's cache.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="rss-desktop-tests-cache-")
    zone = config.getoption("tz")
    if zone:
        try:
            local = pendulum.timezone(zone)
        except Exception as exc:
            raise pytest.UsageError(f"--tz {zone!r}: not a known time zone ({exc})") from None
        os.environ["TZ"] = zone  # subprocesses inherit it
        time.tzset()  # time.localtime, and C code such as SQLite's 'localtime'
        pendulum.set_local_timezone(local)  # pendulum caches the zone it found first
    at = config.getoption("at")
    if at:
        try:
            moment = pendulum.parse(at, tz=pendulum.local_timezone())
        except Exception as exc:
            raise pytest.UsageError(f"--at {at!r}: not a moment like 'YYYY-MM-DD HH:MM:SS' "
                                    f"({exc})") from None
        # A timestamp, not the DateTime: time-machine would also set TZ to a ZoneInfo's zone.
        travel = time_machine.travel(moment.timestamp(), tick=True)
        travel.start()
        config.stash[SESSION_TRAVEL] = travel
    base_moment()  # fixed now, by the session's clock (not by a test's real_clock())
    # The window writes times in the locale's short form: one known locale, whatever the
    # machine's (a test of another sets it and puts this one back).
    from PySide6.QtCore import QLocale
    QLocale.setDefault(QLocale.c())


def pytest_unconfigure(config):
    travel = config.stash.get(SESSION_TRAVEL, None)
    if travel is not None:
        travel.stop()
        del config.stash[SESSION_TRAVEL]


def pytest_report_header(config):
    now = clock.now()
    moved = "moved by --at" if SESSION_TRAVEL in config.stash else "real"
    return (f"clock: {now.to_datetime_string()} UTC ({moved}), local "
            f"{now.in_timezone('local').to_datetime_string()} {pendulum.local_timezone().name}")


def real_now() -> pendulum.DateTime:
    """The real time, wherever --at moved this process's clock (an aware UTC DateTime)."""
    if time_machine.escape_hatch.is_travelling():
        seconds = time_machine.escape_hatch.time.time()
    else:
        seconds = time.time()
    return pendulum.from_timestamp(seconds, tz="UTC")


@contextmanager
def real_clock():
    """This process's clock at the real time for the block (ticking; nothing to do without
    --at): for a test whose engine here writes jobs that a subprocess then reads, since a
    subprocess deletes finished jobs by its own, real, clock."""
    if not time_machine.escape_hatch.is_travelling():
        yield
        return
    with time_machine.travel(real_now().timestamp(), tick=True):
        yield


@functools.cache
def base_moment() -> pendulum.DateTime:
    """When the known data set begins: 30 days before the session's start by its clock, to the
    minute. Article n of make_server_database arrived n minutes after it."""
    return clock.now().subtract(days=30).start_of("minute")


def at(**delta) -> str:
    """The database text of ``base_moment()`` plus ``delta``: ``at(minutes=30)`` is when
    article 30 arrived; ``at()`` is when users, categories, feeds and read rows were made."""
    return to_db_text(base_moment().add(**delta))


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


@pytest.fixture(autouse=True)
def private_xdg_places(tmp_path_factory, monkeypatch):
    """No test writes into the home folder: the XDG places (desktop/places.py: data, settings,
    cache, logs) of this process and of the programs the tests start are the test's own."""
    base = tmp_path_factory.mktemp("xdg")
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(base / variable.lower()))


@pytest.fixture
def server_db(tmp_path) -> Path:
    """A server-shaped database with the unique read_status index and no job table."""
    return make_server_database(tmp_path / "reader.db")


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def make_reader(request, tmp_path):
    """``make_reader(**options)``: make_server_database's data set on each backend in turn — a
    file, then a database of the tests' PostgreSQL server — as a target the engine opens."""
    made = []

    def make(**options):
        made.append(options)
        if request.param == "sqlite":
            return make_server_database(tmp_path / f"reader{len(made)}.db", **options)
        if len(made) > 1:
            raise RuntimeError("one PostgreSQL reader per test")
        return make_server_database_pg(request.getfixturevalue("postgres_url"), **options)

    return make


@pytest.fixture
def reader(make_reader):
    """server_db on each backend in turn (see make_reader)."""
    return make_reader()


@pytest.fixture
def qasync_loop(qapp):
    """A real qasync event loop on the test's QApplication, driven by qtbot.wait*.

    Task errors are forwarded to sys.excepthook so pytest-qt fails the test.
    """
    import qasync
    from PySide6.QtCore import QEvent

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)

    def forward(_loop, context):
        exc = context.get("exception") or RuntimeError(context.get("message"))
        sys.excepthook(type(exc), exc, exc.__traceback__)

    loop.set_exception_handler(forward)
    yield loop
    # qasync's loop.stop() would call QApplication.exit(), after which every later qtbot.wait*
    # returns at once; keep the application alive across tests.
    original_exit = qapp.exit
    qapp.exit = lambda *a, **k: None
    try:
        # qasync leaves the Qt timers of cancelled call_later handles (a job's pause, a
        # recovery sleep) registered; one firing after this loop is gone hits a deleted object.
        timers = loop._timer
        for timer_id in list(timers._SimpleTimer__callbacks):
            timers.killTimer(timer_id)
        timers._SimpleTimer__callbacks.clear()
        loop.stop()
        loop.close()
    finally:
        qapp.exit = original_exit
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
    # Collect this test's Qt wrappers and closed loop now, outside any event processing,
    # rather than at a random point inside a later test's nested event loop.
    qapp.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """``demo_database(n)``: an n-article demo database, built once per session and size.

    Copy it before changing it.
    """
    from desktop.store.demo import create_demo_file

    built: dict[int, Path] = {}

    def get(articles: int) -> Path:
        if articles not in built:
            path = tmp_path_factory.mktemp("demo") / f"demo-{articles}.db"
            create_demo_file(path, articles)
            # The last connection closed: the WAL is checkpointed away; the file copies alone.
            assert not Path(f"{path}-wal").exists()
            built[articles] = path
        return built[articles]

    return get


@pytest.fixture(scope="session")
def demo_database_100k(demo_database) -> Path:
    return demo_database(100_000)


# -- PostgreSQL ---------------------------------------------------------------------------------

# The session's server, once started: for the timings in the terminal summary.
POSTGRES = pytest.StashKey["PostgresServer"]()
test_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server(request):
    """A real PostgreSQL server, started once for the session (postgres_server.py) and stopped,
    with its cluster deleted, at the end. A server that cannot start fails the tests that need
    it, saying which step failed: both backends are part of `make test`, so it is never a skip.
    A test may stop, kill or restart it; postgres_url starts it again for the next test."""
    from postgres_server import PostgresServer, PostgresStartError

    from desktop.store.peewee_driver import give_psycopg_to_peewee

    give_psycopg_to_peewee()  # peewee was imported before psycopg; tests make their own dbs
    server = PostgresServer()
    began = time.monotonic()
    try:
        server.start()
    except Exception as exc:
        server.close()
        what = "" if isinstance(exc, PostgresStartError) else f"{type(exc).__name__}: "
        pytest.fail(f"the tests' PostgreSQL server could not start: {what}{exc}", pytrace=False)
    server.timings["session start"] = time.monotonic() - began
    server.database_seconds = []  # how long each test's CREATE DATABASE took
    request.config.stash[POSTGRES] = server
    yield server
    server.close()


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    """The URL of a new, empty database of the session's server, the test's own (a copy of an
    empty template), dropped after the test with whoever is still connected to it."""
    postgres_server.ensure_running()
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")
    name = f"t{next(test_database_numbers)}_{slug}"[:63]  # PostgreSQL's limit on names
    began = time.monotonic()
    url = postgres_server.create_database(name)
    postgres_server.database_seconds.append(time.monotonic() - began)
    yield url
    postgres_server.ensure_running()  # the test may have stopped or killed it
    postgres_server.drop_database(name)


def pytest_terminal_summary(terminalreporter, config):
    server = config.stash.get(POSTGRES, None)
    if server is None:
        return
    made = server.database_seconds
    average = f", {1000 * sum(made) / len(made):.0f} ms each on average" if made else ""
    steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in server.timings.items())
    who = f" as {server.account.name}" if server.account else ""
    terminalreporter.write_line(f"PostgreSQL for the tests{who}: {steps}; {len(made)} test "
                                f"databases{average}")


# -- helpers the test modules share ------------------------------------------------------------

def run_engine(path, body, **options):
    """Open a manager on ``path``, await ``body(manager)``, close it; return body's result."""
    from desktop.jobs import BulkOperationManager

    async def main():
        manager = BulkOperationManager(path, **options)
        await manager.open()
        try:
            return await body(manager)
        finally:
            await manager.close()

    return asyncio.run(main())


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


def file_state(path: Path):
    """What a file (or folder) is now, to show later that nothing touched it."""
    if path.is_dir():
        return ("dir", sorted(os.listdir(path)), path.stat().st_mtime_ns)
    if path.exists():
        return ("file", path.read_bytes(), path.stat().st_mtime_ns)
    return None


# -- the window ---------------------------------------------------------------------------------

@pytest.fixture
def demo_db(demo_database, tmp_path) -> Path:
    """A copy of the 60,000-article demo database, the test's own."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_database(60_000), path)
    return path


@pytest.fixture
def make_window(qtbot, qasync_loop, tmp_path):
    """``make_window(database=None, **manager_options)``: a shown MainWindow with its own
    settings file (tmp_path/settings.ini), on ``database`` if given. Shut down at the end."""
    from PySide6.QtCore import QSettings
    from window_helpers import run

    from desktop.ui.window.main_window import MainWindow

    windows = []

    def make(database: Path | None = None, **manager_options):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.manager_options = manager_options
        if window.prefs.layout_state("geometry") is None:
            # the size the tests were written for (the offscreen screen is smaller: a first
            # start fits itself to it, see test_ui_look.py)
            window.resize(1200, 720)
        window.show()
        windows.append(window)
        if database is not None:
            assert run(qtbot, window.database.open_database(database))
        return window

    yield make
    for window in windows:  # shut the engine down before Qt deletes the widgets
        run(qtbot, window.shutdown())
        window.close_now()
        window.deleteLater()
