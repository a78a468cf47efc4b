"""The main window's part that starts jobs and acts on them, and follows their events.

A mixin of MainWindow (kept apart so each file reads on its own): it uses the window's engine
(``manager``), user, widgets and helpers (``spawn``, ``show_error``, ``reload_*``). Like the
rest of the window it only awaits the engine; dialogs open with ``open()``, never ``exec()``.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon

from ..jobs import JobEvent
from ..store import JobNotFound, JobRequestError, jobs_table
from ..store.clock import cutoff_for_age
from ..store.overview import unread_in_scope
from ..store.scopes import Scope
from .jobs_model import can_undo, describe_job
from .mark_read_dialog import MarkReadDialog
from .scope_tree import SCOPE_ROLE, TreeScope


class JobActions:
    # -- mark read --------------------------------------------------------------------------
    def selected_scope(self) -> TreeScope | None:
        index = self.tree.currentIndex()
        return index.data(SCOPE_ROLE) if index.isValid() else None

    def select_scope(self, kind: str, scope_id: int | None) -> bool:
        index = self.tree_model.find(kind, scope_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)
        return index.isValid()

    def mark_selected_read(self) -> None:
        scope = self.selected_scope()
        if scope is None or scope.job_request is None or self.manager is None:
            return
        if self.settings.value("confirm_mark_read", True, type=bool):
            self._open_confirmation(scope)
        else:
            self.spawn(self.start_mark_read(scope, None, None))

    def _open_confirmation(self, scope: TreeScope) -> MarkReadDialog:
        dialog = MarkReadDialog(scope, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.ageChanged.connect(lambda age: self.spawn(self._count_for(dialog, age)))
        dialog.confirmed.connect(lambda age, watermark, dont_ask: self._confirmed(
            scope, age, watermark, dont_ask))  # (any warning about the server was shown)
        self.confirmation = dialog
        dialog.open()
        self.spawn(self._count_for(dialog, None))
        return dialog

    async def _count_for(self, dialog: MarkReadDialog, age: str | None) -> None:
        cutoff = cutoff_for_age(age) if age else None
        scope = Scope(dialog.scope.kind, dialog.scope.id, cutoff)
        count, watermark = await self.manager.reads.call(unread_in_scope, self.user_id, scope)
        server_jobs = await self.manager.server_jobs_overlapping(self.user_id, scope)
        # the person may have closed the dialog meanwhile (it deletes itself on close)
        if (shiboken6.isValid(dialog) and dialog.isVisible()
                and dialog.age.currentData() == age):
            dialog.show_count(count, watermark, [job.id for job in server_jobs])

    def _confirmed(self, scope: TreeScope, age, watermark: int, dont_ask: bool) -> None:
        if dont_ask:
            self.settings.setValue("confirm_mark_read", False)
        self.spawn(self.start_mark_read(scope, age, watermark, force=True))

    async def start_mark_read(self, scope: TreeScope, age: str | None, watermark: int | None,
                              *, force: bool = False) -> int | None:
        """Create and start the job; the window stays usable while it runs. ``force``: the
        person saw the warning about the web server's overlapping jobs and went on."""
        job_type, parameters = scope.job_request
        if age:
            parameters["older_than"] = cutoff_for_age(age)
        try:
            job_id = await self.manager.create_job(job_type, self.user_id, parameters,
                                                   watermark=watermark, force=force)
        except JobRequestError as exc:
            self.show_error("Cannot mark as read", str(exc))
            return None
        self.status_label.setText(f"Marking {scope.label} as read…")
        await self.reload_jobs()
        self.jobs_panel.select_job(job_id)
        self._schedule_poll()
        return job_id

    async def cancel_job(self, job_id: int) -> None:
        try:
            job = await self.manager.cancel_job(self.user_id, job_id)
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
        self.status_label.setText(f"Job {job_id} retried from {job.progress:,} of {job.total:,}")
        self._schedule_poll()

    async def undo_job(self, job_id: int) -> None:
        try:
            job = await self.manager.undo_job(self.user_id, job_id)
        except (JobRequestError, JobNotFound) as exc:
            self.status_label.setText(str(exc))
            return
        self.undo_offer.withdraw()
        self.status_label.setText(f"Undoing job {job_id}…")
        await self.reload_jobs()
        self.jobs_panel.select_job(job.id)
        self._schedule_poll()

    async def clear_finished(self) -> None:
        removed = await self.manager.db.call(jobs_table.delete_finished_jobs, self.user_id)
        await self.reload_jobs()
        self.status_label.setText(f"Cleared {removed} finished job{'s' * (removed != 1)}")

    # -- engine events ----------------------------------------------------------------------
    def _describe_job(self, job) -> str:
        return describe_job(job, self.tree_model.category_names(), self.tree_model.feed_names())

    def _on_job_event(self, event: JobEvent) -> None:
        job = event.job
        if job.user_id != self.user_id:
            return
        if event.kind == "progress":
            self.tree_model.apply_marked(job.id, job.progress, event.marked_by_feed)
        if not self.jobs_model.update_job(job) and event.kind == "created":
            self.spawn(self.reload_jobs())
        if event.kind == "finished":
            self._job_finished(job)

    def _job_finished(self, job) -> None:
        name = self._describe_job(job)
        if job.status == "completed":
            text = (f"{name}: done, {job.marked_count or 0:,} articles marked read")
        elif job.status == "failed":
            text = f"{name}: failed — {job.error_message}"
        else:
            text = f"{name}: {job.status} at {job.progress:,} of {job.total:,}"
        self.status_label.setText(text)
        if can_undo(job):
            self.undo_offer.offer(job.id)
        if self.tray is not None:
            kind = (QSystemTrayIcon.MessageIcon.Warning if job.status == "failed"
                    else QSystemTrayIcon.MessageIcon.Information)
            self.tray.showMessage("RSS Desktop Companion", text, kind, 5000)
        self.spawn(self.reload_overview())
        self.spawn(self.reload_jobs())
        self.jobFinished.emit(job)

