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
import gc
import itertools
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pendulum
import pytest
import time_machine
from support.clock import base_moment
from support.databases import make_server_database, make_server_database_pg

from desktop.store import clock

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists


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
    # Where the app remembers files it checked sound (headstart/checked_files.py): the session's
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


@pytest.fixture(autouse=True)
def window_in_english(request):
    """A test with Qt sees the window as an English desktop does (desktop/ui/translations.py):
    the English catalogue (its plural forms) and English number formats, installed once. (A
    test of a model alone still counts in English: "13,905", not the C locale's "13905".)"""
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from desktop.ui.translations import formats_for, install_language

    QLocale.setDefault(formats_for("en", QLocale.c()))
    if not {"qapp", "qtbot"} & set(request.fixturenames) and QApplication.instance() is None:
        return
    qapp = request.getfixturevalue("qapp")
    if getattr(qapp, "translators", None) is None:
        qapp.translators = install_language(qapp, "en", formats=formats_for("en", QLocale.c()))


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
        # qasync 0.28 has no public way to drop them: close() only marks its _SimpleTimer
        # stopped, and the timer ids live in that object's private (name-mangled) dict.
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
    gc.unfreeze()  # (a MainWindow froze what existed then: this test's objects among them)
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
    """A real PostgreSQL server, started once for the session (support/postgres_server.py) and
    stopped, with its cluster deleted, at the end. A server that cannot start fails the tests
    that need it, saying which step failed: both backends are part of `make test`, so it is
    never a skip.
    A test may stop, kill or restart it; postgres_url starts it again for the next test."""
    from support.postgres_server import PostgresServer, PostgresStartError

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
    from support.window import run

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
