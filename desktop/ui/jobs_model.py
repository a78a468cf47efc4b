"""The jobs table: one row per persisted job, with progress, rate and time remaining."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pendulum
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ..store import clock
from ..store.clock import parse_db_text
from ..store.jobs_table import JobRecord

COLUMNS = ("Job", "Progress", "Rate", "Status", "Started", "Finished", "Message")
JOB_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # (done, total, indeterminate)


def local_time(text: str | None, now: pendulum.DateTime | None = None) -> str:
    """A stored UTC timestamp in local time: the time alone if it is on the local date of
    ``now`` (default: the clock's now), else with the date."""
    moment = parse_db_text(text)
    if moment is None:
        return ""
    local = moment.in_timezone("local")
    now = clock.now() if now is None else now
    today = now.in_timezone("local").date() == local.date()
    return local.format("HH:mm:ss" if today else "MMM D HH:mm")


class RateMeter:
    """Articles per second of one job, from the progress this window has seen."""

    def __init__(self):
        self._first: tuple[float, int] | None = None
        self._last: tuple[float, int] | None = None

    def observe(self, progress: int) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first = (now, progress)
        self._last = (now, progress)

    def rate(self) -> float | None:
        if not self._first or not self._last:
            return None
        seconds = self._last[0] - self._first[0]
        done = self._last[1] - self._first[1]
        return done / seconds if seconds > 0.2 and done > 0 else None


class JobsTableModel(QAbstractTableModel):
    def __init__(self, describe: Callable[[JobRecord], str], parent=None):
        super().__init__(parent)
        self._describe = describe
        self._jobs: list[JobRecord] = []
        self._rates: dict[int, RateMeter] = {}

    # -- data in ----------------------------------------------------------------------------
    def set_jobs(self, jobs: list[JobRecord]) -> None:
        """Replace the rows (newest first), keeping rows that did not change untouched."""
        old_ids = [job.id for job in self._jobs]
        new_ids = [job.id for job in jobs]
        for job in jobs:
            self._observe(job)
        if old_ids == new_ids:
            for row, job in enumerate(jobs):
                if job != self._jobs[row]:
                    self._jobs[row] = job
                    self._changed(row)
            return
        self.beginResetModel()
        self._jobs = list(jobs)
        self.endResetModel()

    def update_job(self, job: JobRecord) -> bool:
        """Refresh one job's row from an engine event; False if the row is not shown."""
        self._observe(job)
        for row, shown in enumerate(self._jobs):
            if shown.id == job.id:
                self._jobs[row] = job
                self._changed(row)
                return True
        return False

    def _observe(self, job: JobRecord) -> None:
        if job.status == "running":
            self._rates.setdefault(job.id, RateMeter()).observe(job.progress)

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
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        column = COLUMNS[index.column()]
        if role == JOB_ROLE:
            return job
        if role == PROGRESS_ROLE:
            return (job.progress, job.total, job.status == "running" and not job.total)
        if role == Qt.ItemDataRole.ToolTipRole and column == "Message":
            return job.error_message
        if role == Qt.ItemDataRole.AccessibleTextRole and column == "Progress":
            return self._progress_text(job)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "Job":
            return self._describe(job)
        if column == "Progress":
            return self._progress_text(job)
        if column == "Rate":
            return self._rate_text(job)
        if column == "Status":
            return job.status.capitalize()
        if column == "Started":
            return local_time(job.started_at)
        if column == "Finished":
            return local_time(job.completed_at)
        if column == "Message":
            return self._message(job)
        return None

    @staticmethod
    def _progress_text(job: JobRecord) -> str:
        if not job.total:
            if job.status in ("pending", "running"):
                return "counting…"
            return f"{job.progress:,}" if job.progress else "–"
        percent = 100 * job.progress // job.total
        return f"{job.progress:,} / {job.total:,}  ({percent}%)"

    def _rate_text(self, job: JobRecord) -> str:
        meter = self._rates.get(job.id)
        rate = meter.rate() if meter and job.status == "running" else None
        if not rate:
            return ""
        remaining = max(0, job.total - job.progress) / rate if job.total else None
        text = f"{rate:,.0f}/s"
        if remaining is not None:
            text += f", {remaining:.0f} s left" if remaining >= 1 else ", <1 s left"
        return text

    @staticmethod
    def _message(job: JobRecord) -> str:
        if job.error_message:
            return job.error_message
        if job.undone_by:
            return f"undone by job {job.undone_by}"
        if job.status == "completed" and job.marked_count is not None:
            verb = "made unread" if job.job_type == "undo_mark_read" else "newly read"
            return f"{job.marked_count:,} {verb}"
        return ""


def can_cancel(job: JobRecord | None) -> bool:
    """Whether Cancel applies: unfinished, and not a job the web server runs (it would ignore
    the cancel; the engine refuses it)."""
    return (job is not None and job.status in ("pending", "running")
            and not (job.run_by_server and job.status == "running"))


def can_undo(job: JobRecord) -> bool:
    """Whether the Undo action applies (the engine gives the reason when it does not)."""
    return (job.finished and job.job_type != "undo_mark_read" and bool(job.recorded)
            and not job.undone_by and bool(job.marked_count))


def describe_job(job: JobRecord, category_names: dict[int, str], feed_names: dict[int, str]) -> str:
    """'Category: Tech', 'Feed: Orbit', 'All articles' (+ the older-than cutoff)."""
    try:
        params = json.loads(job.parameters)
    except ValueError:
        params = None
    if not isinstance(params, dict):
        return f"{job.job_type} (unreadable parameters)"
    if job.job_type == "mark_category_read":
        cid = params.get("category_id")
        text = f"Category: {category_names.get(cid, f'#{cid}')}"
    elif job.job_type == "mark_feed_read":
        fid = params.get("feed_id")
        text = f"Feed: {feed_names.get(fid, f'#{fid}')}"
    elif job.job_type == "mark_all_read":
        text = "All articles"
    elif job.job_type == "undo_mark_read":
        text = f"Undo of job {params.get('job_id')}"
    else:
        text = job.job_type
    if params.get("older_than"):
        text += f" (before {local_time(params['older_than'])})"
    return text
