"""The main window's part that starts jobs and acts on them, and follows their events.

The window composes one JobController (``window.jobs``), which owns the jobs table (model and
panel), the undo offer, the questions it asks and the jobs filter; it asks the window for the
engine and user of the moment. Like the rest of the window it only awaits the engine; dialogs
open with ``open()``, never ``exec()``.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon

from ...jobs.api import (
    MAX_LIST_LIMIT,
    ArticleRow,
    JobEvent,
    JobNotFound,
    JobRequestError,
    Scope,
    cutoff_for_age,
)
from ..feeds.scope_tree import scope_label
from ..formatting import articles, isolated
from ..query_op import QueryOp
from ..window.settings import age_phrase
from .announcer import JobAnnouncer
from .mark_read_dialog import MarkReadDialog
from .model import (
    UNDO_JOB_TYPE,
    JobsTableModel,
    can_undo,
    describe_job,
    job_progress,
    status_text,
)
from .panel import JobsPanel
from .undo_offer import UndoOffer

JOBS_LISTED = 100  # the newest jobs of the user the panel lists
CANCELLED_BY = "the desktop app"  # what a program whose job this window cancels is told


class IsolatedNames:
    """{id: name} whose names come isolated, the one asked for only (a job's words name one
    target; isolating every feed's name cost 2,000 calls each time a Job cell was painted)."""

    def __init__(self, names: dict[int, str]):
        self._names = names

    def get(self, number, default=None):
        name = self._names.get(number)
        return default if name is None else isolated(name)

    def __bool__(self) -> bool:
        return True


class JobController(QObject):
    """Starting jobs (the confirmation and its count), acting on them, the jobs table and the
    undo offer, and following the engine's job events. ``window``: the host holding the engine
    and user of the moment (``manager``, ``user_id``), ``spawn``, the selected scope, the status
    line, the menus' actions, the tree and the article list this moves; ``prefs``: the
    settings; ``tree_model``: the tree whose names a job's words use."""

    def __init__(self, window, prefs, tree_model) -> None:
        super().__init__(window)
        self.window = window
        self.prefs = prefs
        self.tree_model = tree_model
        self.status_filter: str | None = None  # the jobs table's filter (None: every job)
        self.finished_jobs_listed = False  # the user has finished jobs (last jobs reload)
        # the questions last asked (tests and the walk-through look at them)
        self.confirmation: MarkReadDialog | None = None
        self.clear_question: QMessageBox | None = None
        self.model = JobsTableModel(self.describe, self)
        self.panel = JobsPanel(self.model)
        self.panel.cancelRequested.connect(lambda job_id: window.spawn(self.cancel_job(job_id)))
        self.panel.retryRequested.connect(lambda job_id: window.spawn(self.retry_job(job_id)))
        self.panel.undoRequested.connect(lambda job_id: window.spawn(self.undo_job(job_id)))
        self.panel.clearFinishedRequested.connect(self.clear_finished)
        self.panel.filterChanged.connect(self._set_status_filter)
        # the status bar's offer to undo the job just finished (the window places it)
        self.undo_offer = UndoOffer()
        self.undo_offer.undoRequested.connect(lambda job_id: window.spawn(self.undo_job(job_id)))
        # a job's life said to a screen reader, as the status bar shows it
        self.announcer = JobAnnouncer(window, self.describe, self)

    # -- the jobs table ---------------------------------------------------------------------
    async def reload(self) -> None:
        if self.manager is None or self.user_id is None:
            return
        status = self.status_filter

        async def jobs_and_their_undos(manager, user_id):
            jobs = await manager.list_jobs(user_id, status, limit=JOBS_LISTED)
            # the undo jobs rows name (a row says "being undone…" until its undo completes)
            listed = {job.id for job in jobs}
            undo_jobs = {}
            for undo_id in {job.undone_by for job in jobs} - listed - {None}:
                with contextlib.suppress(JobNotFound):  # cleaned up: "undone by job N"
                    undo_jobs[undo_id] = await manager.get_job(user_id, undo_id)
            # whether Clear finished has anything to clear (the list may be filtered or cut)
            any_finished = any(job.finished for job in jobs) or (
                (status is not None or len(jobs) >= JOBS_LISTED)
                and await manager.count_finished_jobs(user_id) > 0)
            return jobs, undo_jobs, any_finished

        def shown(found) -> None:
            jobs, undo_jobs, self.finished_jobs_listed = found
            self.model.set_jobs(jobs, undo_jobs)
            self.window.menus.update_actions()
            self.window.jobsLoaded.emit()

        await QueryOp(self.window, "jobs", jobs_and_their_undos, shown).run()

    def _set_status_filter(self, status) -> None:
        self.status_filter = status
        self.window.spawn(self.reload())

    @property
    def manager(self):
        """The engine of the moment: the window's (opening another database replaces it)."""
        return self.window.manager

    @property
    def user_id(self) -> int | None:
        return self.window.user_id

    @property
    def status_label(self):
        return self.window.status_label

    # -- mark read --------------------------------------------------------------------------
    def mark_selected_read(self, age: str | None = None) -> None:
        """The selected scope, after the confirmation (if it is asked for); ``age``: the
        older-than choice to start with (the tree's context menu offers them)."""
        scope = self.window.selected_scope()
        if (scope is None or scope.job_request is None or self.manager is None
                or not self.window.menus.mark_read_action.isEnabled()):
            return
        if self.prefs.confirm_mark_read:
            self.open_confirmation(scope, age if age is not None else self.prefs.default_age)
        else:
            self.window.spawn(self.mark_read_unasked(scope, age))

    def open_confirmation(self, scope: Scope, age: str | None,
                           up_to: ArticleRow | None = None,
                           newer_end: int | None = None) -> MarkReadDialog:
        """``up_to``: "this article and everything older" (no age then); with ``newer_end``
        (the list's last id) "this article and everything newer" up to the list's end."""
        dialog = MarkReadDialog(scope, self.prefs.age_choices(), age, self.window, up_to=up_to,
                                by_published=self.prefs.age_by_published, newer_end=newer_end)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.ageChanged.connect(lambda chosen: self._count_for(dialog, chosen))
        dialog.confirmed.connect(lambda chosen, watermark, count, dont_ask: self._confirmed(
            scope, chosen, watermark, count, dont_ask,
            up_to.id if up_to else None, dialog.selected_by(),
            newer_end is not None))  # (any server warning shown)
        self.confirmation = dialog
        dialog.open()
        self._count_for(dialog, dialog.selected_age())
        return dialog

    def _count_for(self, dialog: MarkReadDialog, age: str | None) -> None:
        """Count in the background what the dialog asks about; a count still in flight for an
        earlier age is dropped (cancelled, and superseded: the latest count wins)."""
        if dialog.count_task is not None:
            dialog.count_task.cancel()
        if self.manager is None:  # the database was closed meanwhile: nothing to count in
            dialog.reject()
            return
        if dialog.newer_end is not None:  # that article up to the list's end
            scope = Scope(dialog.scope.kind, dialog.scope.target_id, None, dialog.newer_end,
                          from_id=dialog.up_to.id)
        else:
            scope = Scope(dialog.scope.kind, dialog.scope.target_id,
                          cutoff_for_age(age) if age else None,
                          dialog.up_to.id if dialog.up_to is not None else None,
                          by=dialog.selected_by())

        async def count_and_overlapping(manager, user_id):
            count, watermark = await manager.unread_in_scope(user_id, scope)
            server_jobs = await manager.server_jobs_overlapping(user_id, scope)
            return count, watermark, [job.id for job in server_jobs]

        def shown(counted) -> None:
            # ``closed`` is set the moment the dialog is answered, before Qt may delete it: a
            # count arriving after Esc never touches it. (The task is cancelled then too.)
            if not dialog.closed:
                count, watermark, server_jobs = counted
                if dialog.newer_end is not None:  # (no later article: the list's end)
                    watermark = dialog.newer_end
                dialog.show_count(count, watermark, server_jobs)

        dialog.count_task = QueryOp(self.window, "confirmation count", count_and_overlapping,
                                    shown).run_in_background()

    def _confirmed(self, scope: Scope, age, watermark: int, count: int,
                   dont_ask: bool, up_to: int | None = None, by: str = "received",
                   newer: bool = False) -> None:
        if dont_ask:
            self.prefs.confirm_mark_read = False
        self.window.spawn(self.start_mark_read(scope, age, watermark, force=True,
                                               confirmed_count=count, by=by,
                                               **({"from_article": up_to} if newer
                                                  else {"up_to": up_to})))

    async def mark_read_unasked(self, scope: Scope, age: str | None,
                                 up_to: int | None = None) -> int | None:
        """Without the confirmation: count first, and start nothing when nothing is unread
        (the tree's count may be a moment old)."""
        by = "published" if age and self.prefs.age_by_published else "received"
        counted_scope = Scope(scope.kind, scope.target_id,
                              cutoff_for_age(age) if age else None, up_to, by=by)
        counted = []  # (no key: a second request is a second job, as it always was)
        if not await QueryOp(self.window, None, lambda manager, user_id:
                             manager.unread_in_scope(user_id, counted_scope),
                             counted.append).run():
            return None
        count, watermark = counted[0]
        if not count:
            where = scope_label(scope)
            if age:
                where = self.tr("{where} ({age})").format(where=where, age=age_phrase(age))
            if up_to:
                where = self.tr("{where} up to article #{id}").format(where=where, id=up_to)
            self.status_label.setText(self.tr("Nothing unread in {where}: no job started"
                                              ).format(where=where))
            return None
        return await self.start_mark_read(scope, age, watermark, confirmed_count=count,
                                          up_to=up_to, by=by)

    async def start_mark_read(self, scope: Scope, age: str | None, watermark: int | None,
                              *, force: bool = False, confirmed_count: int | None = None,
                              up_to: int | None = None, by: str = "received",
                              from_article: int | None = None) -> int | None:
        """Create and start the job; the window stays usable while it runs. ``force``: the
        person saw the warning about the web server's overlapping jobs and went on.
        ``confirmed_count``: the unread count they were shown, which its progress counts to.
        ``up_to``: the article the job ends at (it and the articles received before it).
        ``by``: what the age counts, "received" (arrival) or "published". ``from_article``:
        the article the job starts at (it and the articles received after it)."""
        job_type, parameters = scope.job_request
        if age:
            parameters["older_than"] = cutoff_for_age(age)
            if by == "published":
                parameters["by"] = "published"
        if up_to:
            parameters["up_to_article"] = up_to
        if from_article:
            parameters["from_article"] = from_article
        try:
            job_id = await self.manager.create_job(job_type, self.user_id, parameters,
                                                   watermark=watermark, force=force,
                                                   confirmed_count=confirmed_count)
        except JobRequestError as exc:
            self.window.show_error(self.tr("Cannot mark as read"), str(exc))
            return None
        self.window.menus.edit_undo.job_acted()  # newer than any typing: Ctrl+Z undoes it next
        where = scope_label(scope)
        if up_to:
            where = self.tr("{where} up to article #{id}").format(where=where, id=up_to)
        if from_article:
            where = self.tr("{where} from article #{id} on").format(where=where, id=from_article)
        self.status_label.setText(self.tr("Job {job}: marking {where} as read…").format(
            job=job_id, where=where))
        await self.reload()
        self.panel.select_job(job_id)
        self.window._schedule_poll()
        return job_id

    # -- acting on jobs ---------------------------------------------------------------------
    async def cancel_job(self, job_id: int) -> None:
        try:
            await self.manager.cancel_job(self.user_id, job_id, cancelled_by=CANCELLED_BY)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            await self.reload()
            return
        # (its row: the engine's event, handled before the engine returned)
        self.status_label.setText(self.tr("Job {job} cancelled; the work done is kept").format(
            job=job_id))

    async def retry_job(self, job_id: int) -> None:
        try:
            job = await self.manager.retry_job(self.user_id, job_id)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            return
        # (its row: the engine's "retried" event, handled before the engine returned)
        self.status_label.setText(self.tr("Job {job} retried from {progress}").format(
            job=job_id, progress=job_progress(job).text))
        self.window._schedule_poll()

    async def undo_job(self, job_id: int) -> None:
        try:
            job = await self.manager.undo_job(self.user_id, job_id)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            return
        self.undo_offer.withdraw()
        self.window.menus.edit_undo.job_acted()
        self.status_label.setText(self.tr("Job {job}: undoing job {undone}…").format(
            job=job.id, undone=job_id))
        await self.reload()
        self.panel.select_job(job.id)
        self.window._schedule_poll()

    async def undo_last_mark_read(self) -> None:
        """Ctrl+Z: undo the newest job that can be undone (again: the one before it)."""
        if self.manager is None or self.user_id is None:
            return
        jobs = []  # (no key: a second Ctrl+Z undoes the one before, as it always did)
        if not await QueryOp(self.window, None, lambda manager, user_id:
                             manager.list_jobs(user_id, limit=MAX_LIST_LIMIT), jobs.extend).run():
            return
        job = next((job for job in jobs if can_undo(job)), None)
        if job is None:
            self.status_label.setText(self.tr("Nothing to undo: no finished mark-as-read job "
                                              "is left that can be undone"))
            return
        await self.undo_job(job.id)

    def clear_finished(self) -> None:
        """Ask first: the jobs go with their undo records, so they can no longer be undone."""
        if self.manager is not None and self.user_id is not None:
            QueryOp(self.window, "finished jobs", lambda manager, user_id:
                    manager.count_finished_jobs(user_id),
                    self._ask_to_delete_finished).run_in_background()

    def _ask_to_delete_finished(self, count: int) -> None:
        manager, user_id = self.manager, self.user_id  # those counted for (QueryOp checked)
        if not count:
            self.status_label.setText(self.tr("No finished jobs to clear"))
            return
        name = isolated(self.window.user_combo.currentText())
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Clear finished jobs"),
                          self.tr("Delete %Ln finished job(s) of {user}?", "", count).format(
                              user=name), parent=self.window)
        box.setInformativeText(self.tr("Their undo records are deleted with them: they can no "
                                       "longer be undone. Articles stay as they are."))
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        delete.clicked.connect(lambda: self.window.spawn(self._clear_finished(manager, user_id)))
        self.clear_question = box
        box.open()

    async def _clear_finished(self, manager, user_id: int) -> None:
        if manager is not self.manager:
            return
        removed = await manager.delete_finished_jobs(user_id)
        await self.reload()
        self.status_label.setText(self.tr("Cleared %Ln finished job(s)", "", removed))

    # -- engine events ----------------------------------------------------------------------
    def describe(self, job) -> str:
        """The job's words, its category's or feed's name isolated within them."""
        return describe_job(job, IsolatedNames(self.tree_model.category_names()),
                            IsolatedNames(self.tree_model.feed_names()))

    def on_job_event(self, event: JobEvent) -> None:
        job = event.job
        if job.user_id != self.user_id:
            return
        if event.kind == "progress":
            self.tree_model.apply_marked(job.id, job.progress, event.marked_by_feed)
            self.window.articles.follow_job(event)
            if self.model.shows_finished(job.id):
                # a chunk that committed before the job was cancelled, whose event came after
                # the cancel's: its row (running) is older than the one shown
                self.window.menus.update_actions()
                return
        if not self.model.update_job(job) and event.kind in ("created", "retried"):
            self.window.spawn(self.reload())
        self.announcer.on_job_event(event)  # (after the row: its cell says what is announced)
        if event.kind == "started" and job.progress and job.status == "running":
            self.status_label.setText(self.tr("{job} (job {id}) resumed at {progress}").format(
                job=self.describe(job), id=job.id, progress=job_progress(job).text))
        if event.kind == "finished":
            self._job_finished(job)
        if event.kind == "stopped":  # its file removed, replaced or found damaged
            if self.manager is not None and self.manager.damage:
                self.window.database.database_damaged(self.manager.damage)
            else:
                self.status_label.set_state(event.note)
        self.window.menus.update_actions()

    def _job_finished(self, job) -> None:
        text = finished_message(job, self.describe(job))
        self.status_label.setText(text)
        if can_undo(job):
            self.undo_offer.offer(job.id)
        if self.window.tray is not None:
            kind = (QSystemTrayIcon.MessageIcon.Warning if job.status == "failed"
                    else QSystemTrayIcon.MessageIcon.Information)
            self.window.tray.showMessage(self.tr("RSS Desktop Companion"), text, kind, 5000)
        self.window.spawn(self.window.reload_overview())
        self.window.spawn(self.reload())
        if job.job_type == UNDO_JOB_TYPE and job.marked_count:
            # A list of unread articles made after the job it undid holds none of those it
            # made unread again (it showed "Nothing unread"): list the scope anew.
            self.window.articles.load(again=True)
        self.window.jobFinished.emit(job)


def finished_message(job, name: str) -> str:
    """'Category: Tech (job 4): done, 1,234 articles marked read' (an undo's: made unread)."""
    translate = QCoreApplication.translate
    where = translate("JobController", "{job} (job {id})").format(job=name, id=job.id)
    if job.status == "completed":
        changed = articles(job.marked_count or 0)
        if job.job_type == UNDO_JOB_TYPE:
            return translate("JobController", "{where}: done, {articles} made unread again"
                             ).format(where=where, articles=changed)
        return translate("JobController", "{where}: done, {articles} marked read").format(
            where=where, articles=changed)
    if job.status == "failed":
        # (the engine's reason, in its words)
        return translate("JobController", "{where}: failed — {reason}").format(
            where=where, reason=job.error_message)
    return translate("JobController", "{where}: {status} at {progress}; the work done is kept"
                     ).format(where=where, status=status_text(job.status).lower(),
                              progress=job_progress(job).text)
