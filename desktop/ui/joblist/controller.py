"""The main window's part that starts jobs and acts on them, and follows their events.

A mixin of MainWindow (kept apart so each file reads on its own): it uses the window's engine
(``manager``), user, widgets and helpers (``spawn``, ``show_error``, ``reload_*``). Like the
rest of the window it only awaits the engine; dialogs open with ``open()``, never ``exec()``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
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
from ..feeds.scope_tree import SCOPE_ROLE, TreeScope
from ..formatting import articles, isolated
from ..query_op import QueryOp
from .mark_read_dialog import MarkReadDialog
from .model import UNDO_JOB_TYPE, can_undo, describe_job, job_progress

CANCELLED_BY = "the desktop app"  # what a program whose job this window cancels is told


class JobActions:
    # -- mark read --------------------------------------------------------------------------
    def selected_scope(self) -> TreeScope | None:
        """The selected row's scope. The selection, not the current index: Tab into the tree
        makes its first row current without selecting it, and that must not arm Ctrl+R for
        *All articles*."""
        rows = self.tree.selectionModel().selectedRows(0)
        return rows[0].data(SCOPE_ROLE) if rows else None

    def select_scope(self, kind: str, scope_id: int | None) -> bool:
        index = self.feed_pane.view_index(self.tree_model.find(kind, scope_id))
        if index.isValid():
            self.tree.setCurrentIndex(index)
        return index.isValid()

    def mark_selected_read(self, age: str | None = None) -> None:
        """The selected scope, after the confirmation (if it is asked for); ``age``: the
        older-than choice to start with (the tree's context menu offers them)."""
        scope = self.selected_scope()
        if (scope is None or scope.job_request is None or self.manager is None
                or not self.menus.mark_read_action.isEnabled()):
            return
        if self.prefs.confirm_mark_read:
            self._open_confirmation(scope, age if age is not None else self.prefs.default_age)
        else:
            self.spawn(self._mark_read_unasked(scope, age))

    def _open_confirmation(self, scope: TreeScope, age: str | None,
                           up_to: ArticleRow | None = None) -> MarkReadDialog:
        """``up_to``: "this article and everything older" (no age then)."""
        dialog = MarkReadDialog(scope, self.prefs.age_choices(), age, self, up_to=up_to)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.ageChanged.connect(lambda chosen: self._count_for(dialog, chosen))
        dialog.confirmed.connect(lambda chosen, watermark, count, dont_ask: self._confirmed(
            scope, chosen, watermark, count, dont_ask,
            up_to.id if up_to else None))  # (any warning about the server shown)
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
        scope = Scope(dialog.scope.kind, dialog.scope.id, cutoff_for_age(age) if age else None,
                      dialog.up_to.id if dialog.up_to is not None else None)

        async def count_and_overlapping(manager, user_id):
            count, watermark = await manager.unread_in_scope(user_id, scope)
            server_jobs = await manager.server_jobs_overlapping(user_id, scope)
            return count, watermark, [job.id for job in server_jobs]

        def shown(counted) -> None:
            # ``closed`` is set the moment the dialog is answered, before Qt may delete it: a
            # count arriving after Esc never touches it. (The task is cancelled then too.)
            if not dialog.closed:
                dialog.show_count(*counted)

        dialog.count_task = QueryOp(self, "confirmation count", count_and_overlapping,
                                    shown).run_in_background()

    def _confirmed(self, scope: TreeScope, age, watermark: int, count: int,
                   dont_ask: bool, up_to: int | None = None) -> None:
        if dont_ask:
            self.prefs.confirm_mark_read = False
        self.spawn(self.start_mark_read(scope, age, watermark, force=True,
                                        confirmed_count=count, up_to=up_to))

    async def _mark_read_unasked(self, scope: TreeScope, age: str | None,
                                 up_to: int | None = None) -> int | None:
        """Without the confirmation: count first, and start nothing when nothing is unread
        (the tree's count may be a moment old)."""
        counted_scope = Scope(scope.kind, scope.id, cutoff_for_age(age) if age else None, up_to)
        counted = []  # (no key: a second request is a second job, as it always was)
        if not await QueryOp(self, None, lambda manager, user_id:
                             manager.unread_in_scope(user_id, counted_scope),
                             counted.append).run():
            return None
        count, watermark = counted[0]
        if not count:
            older = {a: f" {label.lower()}" for label, a in self.prefs.age_choices()
                     if a}.get(age, "")
            bound = f" up to article #{up_to}" if up_to else ""
            self.status_label.setText(f"Nothing unread{older} in {scope.label}{bound}: no job "
                                      "started")
            return None
        return await self.start_mark_read(scope, age, watermark, confirmed_count=count,
                                          up_to=up_to)

    async def start_mark_read(self, scope: TreeScope, age: str | None, watermark: int | None,
                              *, force: bool = False, confirmed_count: int | None = None,
                              up_to: int | None = None) -> int | None:
        """Create and start the job; the window stays usable while it runs. ``force``: the
        person saw the warning about the web server's overlapping jobs and went on.
        ``confirmed_count``: the unread count they were shown, which its progress counts to.
        ``up_to``: the article the job ends at (it and the articles received before it)."""
        job_type, parameters = scope.job_request
        if age:
            parameters["older_than"] = cutoff_for_age(age)
        if up_to:
            parameters["up_to_article"] = up_to
        try:
            job_id = await self.manager.create_job(job_type, self.user_id, parameters,
                                                   watermark=watermark, force=force,
                                                   confirmed_count=confirmed_count)
        except JobRequestError as exc:
            self.show_error("Cannot mark as read", str(exc))
            return None
        self.menus.edit_undo.job_acted()  # newer than any typing: Ctrl+Z undoes it next
        bound = f" up to article #{up_to}" if up_to else ""
        self.status_label.setText(f"Job {job_id}: marking {scope.label}{bound} as read…")
        await self.reload_jobs()
        self.jobs_panel.select_job(job_id)
        self._schedule_poll()
        return job_id

    # -- acting on jobs ---------------------------------------------------------------------
    async def cancel_job(self, job_id: int) -> None:
        try:
            job = await self.manager.cancel_job(self.user_id, job_id, cancelled_by=CANCELLED_BY)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            await self.reload_jobs()
            return
        self.jobs_model.update_job(job)
        self.status_label.setText(f"Job {job_id} cancelled; the work done is kept")

    async def retry_job(self, job_id: int) -> None:
        try:
            job = await self.manager.retry_job(self.user_id, job_id)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            return
        self.jobs_model.update_job(job)
        self.status_label.setText(f"Job {job_id} retried from {job_progress(job).text}")
        self._schedule_poll()

    async def undo_job(self, job_id: int) -> None:
        try:
            job = await self.manager.undo_job(self.user_id, job_id)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            return
        self.undo_offer.withdraw()
        self.menus.edit_undo.job_acted()
        self.status_label.setText(f"Job {job.id}: undoing job {job_id}…")
        await self.reload_jobs()
        self.jobs_panel.select_job(job.id)
        self._schedule_poll()

    async def undo_last_mark_read(self) -> None:
        """Ctrl+Z: undo the newest job that can be undone (again: the one before it)."""
        if self.manager is None or self.user_id is None:
            return
        jobs = []  # (no key: a second Ctrl+Z undoes the one before, as it always did)
        if not await QueryOp(self, None, lambda manager, user_id:
                             manager.list_jobs(user_id, limit=MAX_LIST_LIMIT), jobs.extend).run():
            return
        job = next((job for job in jobs if can_undo(job)), None)
        if job is None:
            self.status_label.setText("Nothing to undo: no finished mark-as-read job is left "
                                      "that can be undone")
            return
        await self.undo_job(job.id)

    def clear_finished(self) -> None:
        """Ask first: the jobs go with their undo records, so they can no longer be undone."""
        if self.manager is not None and self.user_id is not None:
            QueryOp(self, "finished jobs", lambda manager, user_id:
                    manager.count_finished_jobs(user_id),
                    self._ask_to_delete_finished).run_in_background()

    def _ask_to_delete_finished(self, count: int) -> None:
        manager, user_id = self.manager, self.user_id  # those counted for (QueryOp checked)
        if not count:
            self.status_label.setText("No finished jobs to clear")
            return
        name = isolated(self.user_combo.currentText())
        box = QMessageBox(QMessageBox.Icon.Question, "Clear finished jobs",
                          f"Delete {count:,} finished job{'s' * (count != 1)} of {name}?",
                          parent=self)
        box.setInformativeText("Their undo records are deleted with them: they can no longer "
                               "be undone. Articles stay as they are.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        delete.clicked.connect(lambda: self.spawn(self._clear_finished(manager, user_id)))
        self.clear_question = box
        box.open()

    async def _clear_finished(self, manager, user_id: int) -> None:
        if manager is not self.manager:
            return
        removed = await manager.delete_finished_jobs(user_id)
        await self.reload_jobs()
        self.status_label.setText(f"Cleared {removed} finished job{'s' * (removed != 1)}")

    # -- engine events ----------------------------------------------------------------------
    def _describe_job(self, job) -> str:
        """The job's words, its category's or feed's name isolated within them."""
        categories, feeds = ({number: isolated(name) for number, name in names.items()}
                             for names in (self.tree_model.category_names(),
                                           self.tree_model.feed_names()))
        return describe_job(job, categories, feeds)

    def _on_job_event(self, event: JobEvent) -> None:
        job = event.job
        if job.user_id != self.user_id:
            return
        if event.kind == "progress":
            self.tree_model.apply_marked(job.id, job.progress, event.marked_by_feed)
            self.articles.follow_job(event)
        if not self.jobs_model.update_job(job) and event.kind == "created":
            self.spawn(self.reload_jobs())
        if event.kind == "started" and job.progress and job.status == "running":
            self.status_label.setText(f"{self._describe_job(job)} (job {job.id}) resumed at "
                                      f"{job_progress(job).text}")
        if event.kind == "finished":
            self._job_finished(job)
        if event.kind == "stopped":  # its file removed, replaced or found damaged
            if self.manager is not None and self.manager.damage:
                self.database_damaged(self.manager.damage)
            else:
                self.status_label.set_state(event.note)
        self.menus.update_actions()

    def _job_finished(self, job) -> None:
        text = finished_message(job, self._describe_job(job))
        self.status_label.setText(text)
        if can_undo(job):
            self.undo_offer.offer(job.id)
        if self.tray is not None:
            kind = (QSystemTrayIcon.MessageIcon.Warning if job.status == "failed"
                    else QSystemTrayIcon.MessageIcon.Information)
            self.tray.showMessage("RSS Desktop Companion", text, kind, 5000)
        self.spawn(self.reload_overview())
        self.spawn(self.reload_jobs())
        if job.job_type == UNDO_JOB_TYPE and job.marked_count:
            # A list of unread articles made after the job it undid holds none of those it
            # made unread again (it showed "Nothing unread"): list the scope anew.
            self.articles.load(again=True)
        self.jobFinished.emit(job)


def finished_message(job, name: str) -> str:
    """'Category: Tech (job 4): done, 1,234 articles marked read' (an undo's: made unread)."""
    where = f"{name} (job {job.id})"
    if job.status == "completed":
        changed = articles(job.marked_count or 0)
        if job.job_type == UNDO_JOB_TYPE:
            return f"{where}: done, {changed} made unread again"
        return f"{where}: done, {changed} marked read"
    if job.status == "failed":
        return f"{where}: failed — {job.error_message}"
    return f"{where}: {job.status} at {job_progress(job).text}; the work done is kept"
