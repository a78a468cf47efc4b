"""The main window's background tasks and the messages it shows: errors (one at a time, never
blocking the loop), the failure of the open database, the question before closing with a job
running.

The window composes one WindowMessages (``window.messages``), which owns the running tasks, the
message box shown and the question before closing; the window's ``spawn`` and ``show_error``
hand over to it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox

from ...jobs.api import is_target_failure, shown_name
from ..formatting import one_line
from ..joblist.model import job_progress
from .database import title_name

log = logging.getLogger(__name__)
translate = QCoreApplication.translate  # (the name lupdate finds)


class WindowMessages:
    """``window``: the host whose engine, database, status line and jobs the messages name."""

    def __init__(self, window) -> None:
        self.window = window
        self.tasks: set[asyncio.Task] = set()
        self.closed = False  # shut down: nothing new starts (see stop_all)
        self.message_box: QMessageBox | None = None
        self.failed_target: Path | str | None = None  # the database that failed, until reopened
        self.close_question: QMessageBox | None = None  # the last one asked (tests look at it)

    # -- background work --------------------------------------------------------------------
    def spawn(self, coroutine) -> asyncio.Future:
        """Run a coroutine on the loop; unexpected errors are shown, never lost. Once the
        window has shut down, the coroutine is dropped unrun (a cancelled future)."""
        if self.closed:
            coroutine.close()
            dropped = asyncio.get_event_loop().create_future()
            dropped.cancel()
            return dropped
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    async def stop_all(self, *, close: bool = False) -> None:
        """Cancel every task and wait for them, again until none is left: a task ending (or a
        timer, or a job's event, while we wait) may start another. ``close``: from now on
        nothing starts (spawn drops it), so no task outlives the window and is destroyed
        pending when its loop goes."""
        self.closed = self.closed or close
        while pending := [task for task in self.tasks if not task.done()]:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _task_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if is_target_failure(exc):
                self.database_failed(exc)
                return
            log.error("background task failed", exc_info=exc)
            # an error the database's backend knows (a privilege missing, the server gone, a
            # full disk) in its words, naming the database; anything else as it is
            backend = self.window.manager.backend if self.window.manager is not None else None
            known = backend.failure_message(exc) if backend is not None else None
            if known:
                self.show_error(translate("WindowMessages", "Database error"),
                                f"{shown_name(self.window.database_target)}: {known}")
            else:
                self.show_error(translate("WindowMessages", "Something went wrong"),
                                f"{type(exc).__name__}: {exc}")

    def database_failed(self, exc: BaseException) -> None:
        """The open database cannot be read or written any more (damaged, removed, I/O errors):
        stop its jobs once, say so once, offer to open it again. Never a cascade of messages."""
        if self.window.manager is None or self.failed_target is not None:
            return
        target = self.failed_target = self.window.database_target
        log.error("database %s failed: %s", shown_name(target), exc)
        self.spawn(self.window.database.close_database())
        text = translate(
            "WindowMessages", "{database} can no longer be used: {reason}.\n\nIts jobs were "
            "stopped; every chunk they committed is kept. Reopen it to check it again."
        ).format(database=shown_name(target), reason=exc)
        self.window.status_label.set_state(translate(
            "WindowMessages", "{database} failed: {reason}; its jobs were stopped"
        ).format(database=title_name(target), reason=exc))
        box = self.show_error(translate("WindowMessages", "Database failed"), text, modal=False,
                              buttons=QMessageBox.StandardButton.Retry
                              | QMessageBox.StandardButton.Close)
        reopen = box.button(QMessageBox.StandardButton.Retry)
        reopen.setText(translate("WindowMessages", "Reopen"))
        reopen.clicked.connect(lambda: self.spawn(self.window.database.open_database(target)))

    def show_error(self, title: str, text: str, *, buttons=None, on_accept=None,
                   modal: bool = True) -> QMessageBox:
        """A message box that never blocks the event loop (``open()``, window-modal, or with
        ``modal`` False a plain window). One at a time: a newer message replaces the one still
        shown. Its first line stands in the status bar while the box is open; once it is
        answered the bar shows the window's state again (no stale question or error stays)."""
        line = one_line(text)
        self.window.status_label.setText(line)
        previous = self.message_box
        if previous is not None and shiboken6.isValid(previous) and previous.isVisible():
            previous.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if buttons:
            box.setStandardButtons(buttons)
            if on_accept:
                box.accepted.connect(on_accept)
        status = self.window.status_label
        box.finished.connect(lambda _r: status.restore_state(unless_changed_from=line))
        if modal:
            box.open()
        else:
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.show()
        self.message_box = box
        self.window.errorShown.emit(text)
        return box

    # -- closing with jobs running ----------------------------------------------------------
    def ask_to_close(self, running: set[int]) -> QMessageBox:
        """Closing pauses this window's jobs (they resume when it opens the database again):
        say so before it happens. The question follows the jobs while it is open (their
        progress; a job that ends leaves it), and once none runs here the window closes as the
        person asked, without the question."""
        box = QMessageBox(QMessageBox.Icon.Question,
                          translate("WindowMessages", "Close while a job runs"), "",
                          parent=self.window)
        box.setInformativeText(translate(
            "WindowMessages", "Closing pauses it after its current chunk; the work done is "
            "kept. It goes on from where it stopped the next time RSS Desktop Companion opens "
            "this database (or `rss-desktop work` runs on it)."))
        close = box.addButton(translate("WindowMessages", "Close and pause"),
                              QMessageBox.ButtonRole.AcceptRole)
        box.addButton(translate("WindowMessages", "Keep open"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(close)
        dont_ask = QCheckBox(translate("WindowMessages", "Don't ask again"))
        box.setCheckBox(dont_ask)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def closing() -> None:
            if dont_ask.isChecked():
                self.window.prefs.confirm_close_with_jobs = False
            self.window.close_now()

        ended: set[int] = set()  # finished here, though their task may not have returned yet
        bridge = self.window.bridge

        def follow(event=None) -> None:
            if event is not None and event.kind in ("finished", "released"):
                ended.add(event.job.id)
            manager = self.window.manager
            still = manager.running_job_ids() if manager is not None else set()
            still -= ended
            if still:
                box.setText(self._running_here(still))
            else:  # nothing left to pause: close as asked (its "finished" stops this)
                box.close()
                closing()

        close.clicked.connect(closing)
        follow()
        if bridge is not None:
            bridge.jobEvent.connect(follow)
            box.finished.connect(lambda _result: bridge.jobEvent.disconnect(follow))
        self.close_question = box
        box.open()
        return box

    def _running_here(self, running: set[int]) -> str:
        """'1 job running here: Category: Tech (job 4, 1,234 of 5,678 (21%)).'"""
        shown = [job for job in self.window.jobs.model.jobs() if job.id in running]
        describe = self.window.jobs.describe
        names = "; ".join(translate("WindowMessages", "{job} (job {id}, {progress})").format(
            job=describe(job), id=job.id, progress=job_progress(job).text) for job in shown[:3])
        names = names or ", ".join(translate("WindowMessages", "job {id}").format(id=i)
                                   for i in sorted(running))
        count = len(running)
        return translate("WindowMessages", "%n job(s) running here: {jobs}.", "",
                         count).format(jobs=names)
