"""The composition root: QApplication, the qasync loop, the main window, error reporting."""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import logging.handlers
import os
import signal
import socket
import sys
import tempfile
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSocketNotifier, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

os.environ.setdefault("QT_API", "pyside6")  # qasync would otherwise probe PyQt5/6 first
import qasync

from .. import APP_ID
from .resources import (
    APPLICATION,
    DISPLAY_NAME,
    ORGANIZATION,
    app_settings,
    crash_log_path,
    default_database_path,
    icon,
    log_file_path,
    move_old_places,
    throwaway_settings,
)

log = logging.getLogger(__name__)
SCREENSHOT_WAIT_SECONDS = 10.0  # at most, for the article list's first rows
FIRST_PAINT_ENV = "RSS_DESKTOP_REPORT_FIRST_PAINT"  # see report_first_paints


def configure_logging() -> Path:
    path = log_file_path()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def record_native_crashes() -> object:
    """A crash inside Qt (an abort, a segfault) kills the process before Python can log it:
    faulthandler writes every thread's Python stack into the log folder. The file stays open
    (returned, kept by the caller) for as long as the window runs."""
    crash_log = crash_log_path().open("a", encoding="utf-8")
    faulthandler.enable(crash_log, all_threads=True)
    return crash_log


def install_error_reporting(loop: asyncio.AbstractEventLoop, log_path: Path) -> None:
    """Unexpected exceptions are logged with their traceback and shown as a readable message."""

    shown: list[QMessageBox] = []  # at most one: a burst of errors must not stack dialogs

    def report(exc: BaseException) -> None:
        log.error("unexpected error\n%s",
                  "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        text = f"{type(exc).__name__}: {exc}\n\n" + QCoreApplication.translate(
            "app", "Details were written to {path}.").format(path=log_path)
        if shown:
            shown[0].setText(text)
            return
        box = QMessageBox(QMessageBox.Icon.Critical,
                          QCoreApplication.translate("app", "Unexpected error"), text)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(shown.clear)
        shown.append(box)
        box.open()

    def excepthook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        report(exc)

    def loop_handler(_loop, context):
        report(context.get("exception") or RuntimeError(context.get("message", "unknown")))

    sys.excepthook = excepthook
    loop.set_exception_handler(loop_handler)


def close_on_signals(window) -> None:
    """SIGTERM (logout, a service manager, kill) and SIGINT (Ctrl-C in a terminal) close the
    window as its close button does: running jobs stop after their chunk and are handed back,
    the database is closed cleanly. Python runs signal handlers only when it gets control, which
    the Qt event loop does not give it while idle: the signal is written to a socket (Python's
    wakeup fd) that Qt watches."""
    receive, send = socket.socketpair()
    receive.setblocking(False)
    send.setblocking(False)
    signal.set_wakeup_fd(send.fileno())
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: None)  # the notifier below does the work
    notifier = QSocketNotifier(receive.fileno(), QSocketNotifier.Type.Read, window)

    def on_signal() -> None:
        with contextlib.suppress(OSError):
            receive.recv(64)
        window.close_now()  # no question about running jobs: they are handed back

    notifier.activated.connect(on_signal)
    window.signal_sockets = (receive, send, notifier)  # kept alive with the window


def create_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(icon("rss-desktop"))
    app.setQuitOnLastWindowClosed(False)  # the window's close ends the loop after shutdown
    return app


async def _run_window(window, database: Path | str, create: bool, demo_if_new: bool) -> int:
    from ..jobs.api import create_demo_file

    closed = asyncio.Event()
    window.closeRequested.connect(closed.set)
    if demo_if_new and isinstance(database, Path) and not database.exists():
        window.status_label.setText(QCoreApplication.translate("app", "Creating a demo database…"))
        window.show()
        await asyncio.get_running_loop().run_in_executor(None, create_demo_file, database)
    window.show()
    await window.database.open_database(database, create=create)
    await closed.wait()
    await window.shutdown()
    return 0


async def _screenshot(window, database: Path | str, output: Path) -> int:
    if not await window.database.open_database(database):
        print(f"rss-desktop: error: {window.status_label.full_text}", file=sys.stderr)
        return 2
    window.resize(1200, 720)
    window.show()
    categories = window.tree_model.category_names()
    if window.selected_scope() is None and categories:
        window.select_scope("category", next(iter(categories)))
    # The loop lays the window out and reads the article list meanwhile. (Never
    # QApplication.processEvents() inside a coroutine: a task step it runs re-entrantly is
    # refused by asyncio and that task never runs.)
    deadline = asyncio.get_running_loop().time() + SCREENSHOT_WAIT_SECONDS
    while (window.articles.model.spec is not None and window.articles.model.rowCount()
           and window.articles.model.row_at(0) is None
           and asyncio.get_running_loop().time() < deadline):
        await asyncio.sleep(0.02)
    while not window.articles.model.complete and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    ok = window.grab().save(str(output))
    await window.shutdown()
    if not ok:
        print(f"rss-desktop: error: cannot write {output}", file=sys.stderr)
        return 2
    print(output)
    return 0


async def _smoke_test(window) -> int:
    """Open a fresh demo database, mark one category read through the real loop, check."""
    from ..jobs.api import create_demo_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "smoke.db"
        # off the GUI thread, like every database call
        await asyncio.get_running_loop().run_in_executor(None, create_demo_file, path, 2000)
        window.show()
        if not await window.database.open_database(path):
            return 1
        finished = asyncio.get_running_loop().create_future()
        def on_finished(job):
            if not finished.done():
                finished.set_result(job)

        window.jobFinished.connect(on_finished)
        window.select_scope("category", next(iter(window.tree_model.category_names())))
        scope = window.selected_scope()
        await window.jobs.start_mark_read(scope, None, None)
        job = await asyncio.wait_for(finished, 60)
        await window.reload_overview()
        unread = window.tree_model.unread(scope)
        await window.shutdown()
    if job.status != "completed" or unread != 0:
        print(f"smoke test failed: job {job.status}, {unread} unread left", file=sys.stderr)
        return 1
    app = QApplication.instance()
    print(f"smoke test ok: {job.progress} articles in category {scope.name}, job {job.status}, "
          f"window in {getattr(app, 'ui_language', '?')} "
          f"({len(getattr(app, 'translators', []))} catalogues)")  # ours, and Qt's
    return 0


def report_first_paints(window) -> None:
    """For the opening benchmark (benchmarks/tree.py): when the tree is first painted with its
    rows, then with its unread counts, print ``first-paint tree|counts SECONDS`` on stderr,
    SECONDS being time.monotonic() (the clock the benchmark's process shares) once that paint
    is done. Asked for by the environment variable FIRST_PAINT_ENV."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    model, reported = window.tree_model, set()

    def report(what: str) -> None:
        reported.add(what)
        QTimer.singleShot(0, lambda: print(f"first-paint {what} {time.monotonic():.6f}",
                                           file=sys.stderr, flush=True))

    class PaintWatch(QObject):
        def eventFilter(self, _watched, event):
            if event.type() == QEvent.Type.Paint and model.rowCount() > 1:
                if "tree" not in reported:
                    report("tree")
                if "counts" not in reported and model.counts_known:
                    report("counts")
            return False

    window.first_paint_watch = PaintWatch(window)
    window.tree.viewport().installEventFilter(window.first_paint_watch)


def run_gui(database: str | None = None, *, smoke_test: bool = False,
            screenshot: str | None = None, demo_if_new: bool = False, prefetch=None) -> int:
    """Open the desktop app on ``database`` (a file, or a ``postgresql://`` URL whose password
    comes from PGPASSWORD, ~/.pgpass or the window's prompt); returns the process exit code.
    ``prefetch``: a headstart.tree.TreePrefetch reading that file's tree since the start (the
    window takes it if it still holds, and closes it)."""
    from .translations import apply_ui_language
    from .window.database import database_target
    from .window.main_window import MainWindow
    from .window.settings import AppSettings

    instance, moved = None, {}
    throwaway = smoke_test or screenshot  # never the person's window, settings or files
    if not throwaway:
        instance, handed_over = one_window_per_session(database)
        if handed_over:
            return 0
        moved = move_old_places()
    app = create_application()
    settings_folder = tempfile.TemporaryDirectory() if throwaway else None
    settings = (throwaway_settings(Path(settings_folder.name)) if settings_folder
                else app_settings())
    app.ui_language = apply_ui_language(app, AppSettings(settings).language)
    log_path = configure_logging()
    if moved:
        log.info("moved from the old places: %s", moved)
    crash_log = record_native_crashes()  # noqa: F841 - kept open while the window runs
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_error_reporting(loop, log_path)
    log.info("window language: %s", app.ui_language)
    window = MainWindow(settings)
    close_on_signals(window)
    if os.environ.get(FIRST_PAINT_ENV):
        report_first_paints(window)
    target = (database_target(database) if database
              else None if smoke_test else default_database_path())
    if instance is not None:
        instance.serve(window)
    if not throwaway:
        window.database.prefetch = prefetch
    with loop, contextlib.ExitStack() as cleanup:
        if instance is not None:
            cleanup.callback(instance.close)
        if settings_folder is not None:
            cleanup.callback(settings_folder.cleanup)
        if smoke_test:
            return loop.run_until_complete(_smoke_test(window))
        if screenshot:
            return loop.run_until_complete(_screenshot(window, target, Path(screenshot)))
        return loop.run_until_complete(
            _run_window(window, target, create=database is None, demo_if_new=demo_if_new))


def one_window_per_session(database: str | None):
    """(the session's InstanceServer or None, whether the window already open took over)."""
    from .window.single_instance import InstanceServer, hand_over, socket_path

    try:
        path = socket_path()
        instance = InstanceServer.claim(path)
        if instance is None and hand_over(database, path):
            print("rss-desktop: the window already open in this session came forward")
            return None, True
        return instance, False
    except OSError as exc:  # no private folder for the socket: a window of its own
        print(f"rss-desktop: note: cannot check for a window already open: {exc}",
              file=sys.stderr)
        return None, False
