"""A job's life said to a screen reader: started, progress at sensible steps, finished,
cancelled, failed, undone.

A sighted person sees these in the status bar and the jobs table; a screen reader is told
nothing by a label's text or a repainted progress bar. Each event becomes one
QAccessibleAnnouncementEvent (Qt ≥ 6.8; AT-SPI's ``object:announcement``, which Orca speaks),
and ``announced`` (for tests and anything else that wants the same words).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

from ...jobs.api import JobEvent, JobRecord
from ..formatting import articles
from .model import UNDO_JOB_TYPE, job_progress

# Progress is said at a new tenth of the way, and no sooner than this after the last thing
# said: a 3-second job is started and finished, a 10-minute one is heard every few tenths.
PROGRESS_EVERY_SECONDS = 5.0
POLITE = QAccessible.AnnouncementPoliteness.Polite
ASSERTIVE = QAccessible.AnnouncementPoliteness.Assertive


def percent_done(job: JobRecord) -> int | None:
    """What the job's bar shows, as a whole percentage (None while its total is unknown)."""
    progress = job_progress(job)
    if not progress.maximum:
        return None
    return 100 * progress.value // progress.maximum


class JobAnnouncer(QObject):
    """Fed the job events of the window's user (JobController.on_job_event); ``target``: the
    widget the announcements come from; ``describe``: a job's words ("Category: Tech");
    ``monotonic``: the clock that spaces progress out (tests pass their own)."""

    announced = Signal(str, str)  # the words, and what happened (the event's kind or status)

    def __init__(self, target, describe: Callable[[JobRecord], str], parent=None, *,
                 monotonic: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self._target = target
        self._describe = describe
        self.monotonic = monotonic  # (public: tests pass their own)
        self._last_said: dict[int, tuple[float, int]] = {}  # job id: (when, tenth said)

    def on_job_event(self, event: JobEvent) -> None:
        job = event.job
        if event.kind == "started":
            self._started(job)
        elif event.kind == "progress":
            self._progress(job)
        elif event.kind == "finished":
            self._finished(job)
        elif event.kind == "stopped" and event.note:
            self._last_said.pop(job.id, None)
            self.say(self.tr("Job {0} stopped: {1}").format(job.id, event.note), "stopped",
                     ASSERTIVE)

    def _started(self, job: JobRecord) -> None:
        percent = percent_done(job)
        if job.progress and percent is not None:
            text = self.tr("Job {0} resumed at {1} percent: {2}").format(
                job.id, percent, self._describe(job))
        elif job.job_type == UNDO_JOB_TYPE:
            text = self.tr("Job {0} started: {1}").format(job.id, self._describe(job))
        else:
            text = self.tr("Job {0} started: marking {1} as read").format(
                job.id, self._describe(job))
        self._last_said[job.id] = (self.monotonic(), (percent or 0) // 10)
        self.say(text, "started")

    def _progress(self, job: JobRecord) -> None:
        percent = percent_done(job)
        if percent is None or percent >= 100:  # (finished says the end)
            return
        now = self.monotonic()
        when, tenth = self._last_said.get(job.id, (float("-inf"), 0))
        if percent // 10 <= tenth or now - when < PROGRESS_EVERY_SECONDS:
            return
        self._last_said[job.id] = (now, percent // 10)
        self.say(self.tr("Job {0}: {1} percent").format(job.id, percent), "progress")

    def _finished(self, job: JobRecord) -> None:
        self._last_said.pop(job.id, None)
        name = self._describe(job)
        if job.status == "completed":
            count = articles(job.marked_count or 0)  # (the window's one plural of articles)
            if job.job_type == UNDO_JOB_TYPE:
                self.say(self.tr("Job {0} finished: {1}, {2} made unread again").format(
                    job.id, name, count), "undone")
            else:
                self.say(self.tr("Job {0} finished: {1}, {2} marked read").format(
                    job.id, name, count), "completed")
        elif job.status == "cancelled":
            self.say(self.tr("Job {0} cancelled at {1} percent; the work done is kept").format(
                job.id, percent_done(job) or 0), "cancelled")
        elif job.status == "failed":
            self.say(self.tr("Job {0} failed: {1}").format(job.id, job.error_message or ""),
                     "failed", ASSERTIVE)

    def say(self, text: str, what: str, politeness=POLITE) -> None:
        """Announce ``text`` to assistive technology and emit it."""
        announce(self._target, text, politeness)
        self.announced.emit(text, what)


def announce(target, text: str, politeness=POLITE) -> None:
    """``text`` said by a screen reader, coming from ``target`` (a widget or other QObject);
    nothing is built when no assistive technology listens."""
    if QAccessible.isActive():
        event = QAccessibleAnnouncementEvent(target, text)
        event.setPoliteness(politeness)
        QAccessible.updateAccessibility(event)
