"""The jobs table: one row per persisted job, with progress, rate and time remaining."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ...jobs.api import UNDO, JobRecord
from ...jobs.api import describe_job as describe_job_in_words
from ..formatting import duration, full_local_time, local_time

COLUMNS = ("#", "Job", "Status", "Progress", "Rate", "Started", "Finished", "Message")
JOB_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # a Progress
UNDO_JOB_TYPE = UNDO.name
RATE_WINDOW_SECONDS = 10.0  # the rate is that of the last few seconds, not since the start
COMPLETED_TEXT = "100%"  # a completed job's bar, whatever the job and the column's width


@dataclass(frozen=True)
class Progress:
    """What a job's progress bar shows: ``value`` of ``maximum`` (0 of 0: unknown yet)."""

    value: int
    maximum: int
    text: str
    state: str  # the job's status: pending, running, completed, failed, cancelled

    @property
    def indeterminate(self) -> bool:
        return self.state in ("pending", "running") and not self.maximum


def job_progress(job: JobRecord) -> Progress:
    """A mark-read job the person confirmed in the window counts toward the unread articles
    they were shown (``confirmed_count``): its bar is articles marked read of that number. Other
    jobs (the command line's, the web server's, undo jobs) show their stored progress/total:
    articles checked of the articles in the scope (undo: recorded changes)."""
    counts_confirmed = bool(job.confirmed_count) and job.job_type != UNDO_JOB_TYPE
    if job.status == "completed":
        # One form for every completed job, at every column width: what it changed is in the
        # Message column and the tooltip (and may be fewer than confirmed, if another program
        # read some meanwhile).
        full = (job.confirmed_count if counts_confirmed else job.total) or 1
        return Progress(full, full, COMPLETED_TEXT, job.status)
    percent = 0
    if counts_confirmed:
        marked, wanted = job.marked_count or 0, job.confirmed_count
        percent = 100 * min(marked, wanted) // wanted
        return Progress(min(marked, wanted), wanted, f"{marked:,} of {wanted:,}  ({percent}%)",
                        job.status)
    if not job.total:
        if job.status in ("pending", "running"):
            return Progress(0, 0, "counting…", job.status)
        return Progress(0, 0, f"{job.progress:,}" if job.progress else "–", job.status)
    percent = 100 * job.progress // job.total
    of = "of" if job.job_type == UNDO_JOB_TYPE else "/"  # "/": checked of all, read or not
    return Progress(min(job.progress, job.total), job.total,
                    f"{job.progress:,} {of} {job.total:,}  ({percent}%)", job.status)


def progress_details(job: JobRecord) -> str:
    """Both counts, in words: the tooltip of the Progress cell."""
    checked = (f"{job.progress:,} of {job.total:,} articles checked" if job.total
               else f"{job.progress:,} articles checked")
    if job.job_type == UNDO_JOB_TYPE:
        return (f"{job.progress:,} of {job.total:,} recorded changes gone through; "
                f"{job.marked_count or 0:,} articles made unread again")
    if job.confirmed_count:
        return (f"{job.marked_count or 0:,} of the {job.confirmed_count:,} unread articles you "
                f"confirmed are marked read ({checked}, read or not)")
    marked = ("" if job.marked_count is None
              else f"; {job.marked_count:,} of them were unread and are now read")
    return f"{checked}{marked}"


class RateMeter:
    """Units per second of one job over the last ``window`` seconds of progress seen."""

    def __init__(self, window: float = RATE_WINDOW_SECONDS):
        self._window = window
        self._samples: deque[tuple[float, int]] = deque()

    def observe(self, progress: int, now: float) -> None:
        if self._samples and progress < self._samples[-1][1]:
            self._samples.clear()  # progress went back: a job run again from the start
        self._samples.append((now, progress))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()

    def rate(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (first_time, first), (last_time, last) = self._samples[0], self._samples[-1]
        seconds, done = last_time - first_time, last - first
        return done / seconds if seconds > 0.2 and done > 0 else None


class JobsTableModel(QAbstractTableModel):
    """``monotonic``: the clock rates are measured with (seconds; tests pass their own)."""

    def __init__(self, describe: Callable[[JobRecord], str], parent=None, *,
                 monotonic: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self._describe = describe
        self._monotonic = monotonic
        self._jobs: list[JobRecord] = []
        self._rates: dict[tuple[int, str], RateMeter] = {}  # (id, created_at): one job's meter
        self._undo_jobs: dict[int, JobRecord] = {}  # undo jobs named by rows' undone_by

    # -- data in ----------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every job (another database or user): ids mean other jobs from now on."""
        self.beginResetModel()
        self._jobs, self._rates, self._undo_jobs = [], {}, {}
        self.endResetModel()

    def set_jobs(self, jobs: list[JobRecord], undo_jobs: dict[int, JobRecord] | None = None
                 ) -> None:
        """Replace the rows (newest first), keeping rows that did not change untouched.
        ``undo_jobs``: the undo jobs that rows' ``undone_by`` name, where not among the rows."""
        self._undo_jobs = {**(undo_jobs or {}),
                           **{job.id: job for job in jobs if job.job_type == UNDO_JOB_TYPE}}
        old_ids = [job.id for job in self._jobs]
        new_ids = [job.id for job in jobs]
        for job in jobs:
            self._observe(job)
        if old_ids == new_ids:
            for row, job in enumerate(jobs):
                if job != self._jobs[row] or job.undone_by:  # its undo may have moved
                    self._jobs[row] = job
                    self._changed(row)
            return
        self.beginResetModel()
        self._jobs = list(jobs)
        self.endResetModel()

    def update_job(self, job: JobRecord) -> bool:
        """Refresh one job's row from an engine event; False if the row is not shown. A row
        that already shows ``job`` as it is stays untouched (a cancelled job's "finished" after
        its "cancel_requested")."""
        self._observe(job)
        if job.job_type == UNDO_JOB_TYPE:
            self._undo_jobs[job.id] = job
            self._refresh_undone_by(job.id)
        for row, shown in enumerate(self._jobs):
            if shown.id == job.id:
                if shown != job:
                    self._jobs[row] = job
                    self._changed(row)
                return True
        return False

    def shows_finished(self, job_id: int) -> bool:
        """Whether the job's row shows it finished (completed, failed or cancelled)."""
        row = self.row_of(job_id)
        return row >= 0 and self._jobs[row].finished

    def _refresh_undone_by(self, undo_id: int) -> None:
        for row, shown in enumerate(self._jobs):
            if shown.undone_by == undo_id:
                self._changed(row)

    def _observe(self, job: JobRecord) -> None:
        key = (job.id, job.created_at)
        if job.status == "running":
            self._rates.setdefault(key, RateMeter()).observe(job.progress, self._monotonic())
        else:  # a retried job's rate starts afresh, without the time it stood still
            self._rates.pop(key, None)

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def job_at(self, row: int) -> JobRecord | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: int) -> int:
        return next((row for row, job in enumerate(self._jobs) if job.id == job_id), -1)

    def jobs(self) -> list[JobRecord]:
        return list(self._jobs)

    # -- Qt model ---------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section] == "#":
            return "The job's id (the command line and messages name jobs by it)"
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        column = COLUMNS[index.column()]
        if role == JOB_ROLE:
            return job
        if role == PROGRESS_ROLE:
            return job_progress(job)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "#":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, column)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == "Progress":
            return job_progress(job).text
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(job, column)
        return None

    def _text(self, job: JobRecord, column: str) -> str:
        if column == "#":
            return str(job.id)
        if column == "Job":
            return self._describe(job)
        if column == "Progress":
            return job_progress(job).text
        if column == "Rate":
            return self._rate_text(job)
        if column == "Status":
            return job.status.capitalize()
        if column == "Started":
            return local_time(job.started_at)
        if column == "Finished":
            return local_time(job.completed_at)
        return self._message(job)

    def _tooltip(self, job: JobRecord, column: str) -> str | None:
        """The whole text of a cell that may be cut short, and more where it helps."""
        if column == "Progress":
            return progress_details(job)
        if column == "Started":
            return f"Started {full_local_time(job.started_at)}" if job.started_at else None
        if column == "Finished":
            return (f"Finished {full_local_time(job.completed_at)}" if job.completed_at
                    else None)
        if column == "Job":
            return f"Job {job.id}: {self._describe(job)}"
        if column == "Rate" and self._rate_text(job):
            unit = ("recorded changes" if job.job_type == UNDO_JOB_TYPE
                    else "articles checked")
            return f"{self._rate_text(job)}: {unit} a second over the last few seconds"
        return self._text(job, column) or None

    def _rate_text(self, job: JobRecord) -> str:
        meter = self._rates.get((job.id, job.created_at))
        rate = meter.rate() if meter and job.status == "running" else None
        if not rate:
            return ""
        text = f"{rate:,.0f}/s"
        if job.total:
            text += f", {duration(max(0, job.total - job.progress) / rate)} left"
        return text

    def _message(self, job: JobRecord) -> str:
        if job.undone_by:
            return self._undo_state(job)
        if job.error_message:
            return job.error_message
        if job.status == "completed" and job.marked_count is not None:
            verb = "made unread" if job.job_type == UNDO_JOB_TYPE else "newly read"
            return f"{job.marked_count:,} {verb}"
        return ""

    def _undo_state(self, job: JobRecord) -> str:
        """What became of a job's undo: the original row says it, not only the undo's row."""
        undo = self._undo_jobs.get(job.undone_by)
        status = undo.status if undo is not None else None
        if status in ("pending", "running"):
            return f"being undone by job {job.undone_by}…"
        if status in ("cancelled", "failed"):
            ended = "was cancelled" if status == "cancelled" else "failed"
            if not undo.progress:
                return (f"not undone: its undo, job {job.undone_by}, {ended} before it began "
                        "(retry that job to undo)")
            return f"partly undone: job {job.undone_by} {ended} (retry it to finish)"
        return f"undone by job {job.undone_by}"


def can_cancel(job: JobRecord | None) -> bool:
    """Whether Cancel applies: unfinished, and not a job the web server runs (it would ignore
    the cancel; the engine refuses it)."""
    return (job is not None and job.status in ("pending", "running")
            and not (job.run_by_server and job.status == "running"))


def can_retry(job: JobRecord | None) -> bool:
    return job is not None and job.status in ("failed", "cancelled")


def can_undo(job: JobRecord | None) -> bool:
    """Whether the Undo action applies (the engine gives the reason when it does not)."""
    return (job is not None and job.finished and job.job_type != UNDO_JOB_TYPE
            and bool(job.recorded) and not job.undone_by and bool(job.marked_count))


def describe_job(job: JobRecord, category_names: dict[int, str], feed_names: dict[int, str]) -> str:
    """'Category: Tech', 'Feed: Orbit', 'All articles' (+ the older-than cutoff in local time,
    or the article a "this and everything older" job ends at): the engine's words, which the
    command line uses too."""
    return describe_job_in_words(job, category_names, feed_names, show_time=local_time)
