"""The jobs table: one row per persisted job, with progress, rate and time remaining."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QLocale, QModelIndex, Qt

from ...jobs.api import UNDO, JobRecord, JobWords
from ...jobs.api import describe_job as describe_in_words
from ..formatting import duration, full_local_time, local_time, number

COLUMNS = ("#", "Job", "Status", "Progress", "Rate", "Started", "Finished", "Message")
translate = QCoreApplication.translate  # (the name lupdate finds)


def column_title(column: str) -> str:
    """A column's header in the window's language (COLUMNS are the code's names)."""
    return {"#": "#", "Job": translate("JobsTableModel", "Job"),
            "Status": translate("JobsTableModel", "Status"),
            "Progress": translate("JobsTableModel", "Progress"),
            "Rate": translate("JobsTableModel", "Rate"),
            "Started": translate("JobsTableModel", "Started"),
            "Finished": translate("JobsTableModel", "Finished"),
            "Message": translate("JobsTableModel", "Message")}[column]


def status_text(status: str) -> str:
    """A job's status as the Status column and the filter say it."""
    return {"pending": translate("JobsTableModel", "Pending"),
            "running": translate("JobsTableModel", "Running"),
            "completed": translate("JobsTableModel", "Completed"),
            "failed": translate("JobsTableModel", "Failed"),
            "cancelled": translate("JobsTableModel", "Cancelled")}.get(status, status)
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
        return Progress(min(marked, wanted), wanted, translate(
            "JobsTableModel", "{done} of {total}  ({percent}%)").format(
            done=number(marked), total=number(wanted), percent=percent), job.status)
    if not job.total:
        if job.status in ("pending", "running"):
            return Progress(0, 0, translate("JobsTableModel", "counting…"), job.status)
        return Progress(0, 0, number(job.progress) if job.progress else "–", job.status)
    percent = 100 * job.progress // job.total
    # "/": checked of all, read or not
    text = (translate("JobsTableModel", "{done} of {total}  ({percent}%)")
            if job.job_type == UNDO_JOB_TYPE else "{done} / {total}  ({percent}%)")
    return Progress(min(job.progress, job.total), job.total, text.format(
        done=number(job.progress), total=number(job.total), percent=percent), job.status)


def spoken_progress(progress: Progress) -> str:
    """The Progress cell's accessible name: what its bar shows, percentage first ("42 percent,
    4,200 of 10,000"), since a screen reader hears no bar."""
    if progress.indeterminate:
        return QCoreApplication.translate("JobsTableModel", "counting")
    if not progress.maximum:
        return progress.text
    locale = QLocale()
    return QCoreApplication.translate("JobsTableModel", "{0} percent, {1} of {2}").format(
        100 * progress.value // progress.maximum, locale.toString(progress.value),
        locale.toString(progress.maximum))


def progress_details(job: JobRecord) -> str:
    """Both counts, in words: the tooltip of the Progress cell."""
    # (each count a plain name: lupdate's parser skips a call whose count is an expression)
    done, total, marked = job.progress, job.total, job.marked_count or 0
    checked = (translate("JobsTableModel", "{done} of %Ln article(s) checked", "",
                         total).format(done=number(done)) if total
               else translate("JobsTableModel", "%Ln article(s) checked", "", done))
    if job.job_type == UNDO_JOB_TYPE:
        return translate("JobsTableModel", "{done} of {total} recorded changes gone through; "
                         "%Ln article(s) made unread again", "", marked).format(
            done=number(done), total=number(total))
    if job.confirmed_count:
        return translate("JobsTableModel", "%Ln of the {confirmed} unread articles you "
                         "confirmed are marked read ({checked}, read or not)", "",
                         marked).format(confirmed=number(job.confirmed_count), checked=checked)
    if job.marked_count is None:
        return checked
    return translate("JobsTableModel", "{checked}; %Ln of them were unread and are now read",
                     "", marked).format(checked=checked)


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
            return column_title(COLUMNS[section])
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section] == "#":
            return self.tr("The job's id (the command line and messages name jobs by it)")
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
            return spoken_progress(job_progress(job))
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and column == "Progress":
            return progress_details(job)
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
            return status_text(job.status)
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
            return (self.tr("Started {time}").format(time=full_local_time(job.started_at))
                    if job.started_at else None)
        if column == "Finished":
            return (self.tr("Finished {time}").format(time=full_local_time(job.completed_at))
                    if job.completed_at else None)
        if column == "Job":
            return self.tr("Job {id}: {job}").format(id=job.id, job=self._describe(job))
        if column == "Rate" and self._rate_text(job):
            if job.job_type == UNDO_JOB_TYPE:
                return self.tr("{rate}: recorded changes a second over the last few seconds"
                               ).format(rate=self._rate_text(job))
            return self.tr("{rate}: articles checked a second over the last few seconds"
                           ).format(rate=self._rate_text(job))
        return self._text(job, column) or None

    def _rate_text(self, job: JobRecord) -> str:
        meter = self._rates.get((job.id, job.created_at))
        rate = meter.rate() if meter and job.status == "running" else None
        if not rate:
            return ""
        text = self.tr("{rate}/s").format(rate=number(round(rate)))
        if not job.total:
            return text
        return self.tr("{rate}, {time} left").format(
            rate=text, time=duration(max(0, job.total - job.progress) / rate))

    def _message(self, job: JobRecord) -> str:
        if job.undone_by:
            return self._undo_state(job)
        if job.error_message:
            return job.error_message
        if job.status == "completed" and job.marked_count is not None:
            if job.job_type == UNDO_JOB_TYPE:
                return self.tr("%Ln made unread", "", job.marked_count)
            return self.tr("%Ln newly read", "", job.marked_count)
        return ""

    def _undo_state(self, job: JobRecord) -> str:
        """What became of a job's undo: the original row says it, not only the undo's row."""
        undo = self._undo_jobs.get(job.undone_by)
        status = undo.status if undo is not None else None
        by = job.undone_by
        if status in ("pending", "running"):
            return self.tr("being undone by job {job}…").format(job=by)
        if status == "cancelled" and not undo.progress:
            return self.tr("not undone: its undo, job {job}, was cancelled before it began "
                           "(retry that job to undo)").format(job=by)
        if status == "failed" and not undo.progress:
            return self.tr("not undone: its undo, job {job}, failed before it began "
                           "(retry that job to undo)").format(job=by)
        if status == "cancelled":
            return self.tr("partly undone: job {job} was cancelled (retry it to finish)"
                           ).format(job=by)
        if status == "failed":
            return self.tr("partly undone: job {job} failed (retry it to finish)").format(job=by)
        return self.tr("undone by job {job}").format(job=by)


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


def job_words() -> JobWords:
    """The words of a job's label (the engine's describe_job, which the command line prints in
    English) in the window's language."""
    return JobWords(
        category=translate("JobsTableModel", "Category: {name}"),
        feed=translate("JobsTableModel", "Feed: {name}"),
        all=translate("JobsTableModel", "All articles"),
        undo=translate("JobsTableModel", "Undo of job {job}"),
        unreadable=translate("JobsTableModel", "{type} (unreadable parameters)"),
        before=translate("JobsTableModel", " (before {time})"),
        published_before=translate("JobsTableModel", " (published before {time})"),
        up_to=translate("JobsTableModel", " (article #{id} and older)"),
        newer=translate("JobsTableModel", " (article #{id} and newer)"),
        one_article=translate("JobsTableModel", " (article #{id})"),
        selected=translate("JobsTableModel", " (selected articles)"),
        search=translate("JobsTableModel", " (titles matching “{text}”)"),
        rule=translate("JobsTableModel", 'Rule "{name}": {job}'),
    )


def describe_job(job: JobRecord, category_names: dict[int, str],
                 feed_names: dict[int, str]) -> str:
    """'Category: Tech', 'Feed: Orbit', 'All articles' (+ the older-than cutoff in local time,
    the article a "this and everything older" job ends at, the rule that ran it)."""
    return describe_in_words(job, category_names, feed_names, show_time=local_time,
                             words=job_words())
