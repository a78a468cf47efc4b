"""The main window: feeds tree with unread counts, one-click mark-read, the jobs panel.

Every database call goes through the engine's threads (``manager.db`` for writes and for
noticing other programs' commits, ``manager.reads`` for what the window shows); this
module only awaits results and updates widgets. Dialogs are shown with ``open()``, never
``exec()``, because a nested event loop breaks qasync.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QToolBar,
    QTreeView,
)

from ..jobs import BulkOperationManager
from ..store import DatabaseOpenError
from ..store.connection import data_version
from ..store.demo import build_demo_database
from ..store.overview import counts_snapshot, list_users
from ..store.sqlite_file import is_file_failure
from .bridge import EngineBridge
from .empty_state import EmptyState
from .file_dialog import database_file_dialog
from .job_actions import JobActions
from .jobs_model import JobsTableModel
from .jobs_panel import JobsPanel
from .resources import icon
from .scope_tree import ScopeTreeModel
from .undo_offer import UndoOffer

log = logging.getLogger(__name__)

ACTIVE_POLL_MS = 250  # while a job is pending or running
IDLE_POLL_MS = 1500
MAX_RECENT = 8
RECOVER_SECONDS = 5.0  # adopt jobs other programs left pending or a dead process was running
SAMPLE_ARTICLES = 20_000


class MainWindow(JobActions, QMainWindow):
    databaseOpened = Signal(str)
    overviewLoaded = Signal()
    jobsLoaded = Signal()
    jobFinished = Signal(object)  # JobRecord
    errorShown = Signal(str)
    closeRequested = Signal()  # the app shuts the engine down, then ends the loop

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.manager: BulkOperationManager | None = None
        self.bridge: EngineBridge | None = None
        self.database_path: Path | None = None
        self.user_id: int | None = None
        self.status_filter: str | None = None
        self.manager_options: dict = {}  # passed to BulkOperationManager (tests, tuning)
        self._tasks: set[asyncio.Task] = set()
        self._seen_version: int | None = None
        self._message_box: QMessageBox | None = None
        self._failed_path: Path | None = None  # the database that failed, until reopened
        self.file_dialog = None
        self.setWindowTitle("RSS Desktop Companion")
        self.setWindowIcon(icon("rss-desktop"))
        self.resize(1200, 720)

        self.tree_model = ScopeTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setAccessibleName("Categories and feeds")
        self.tree.setUniformRowHeights(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._update_actions())

        self.jobs_model = JobsTableModel(self._describe_job, self)
        self.jobs_panel = JobsPanel(self.jobs_model)
        self.jobs_panel.cancelRequested.connect(lambda job_id: self.spawn(self.cancel_job(job_id)))
        self.jobs_panel.retryRequested.connect(lambda job_id: self.spawn(self.retry_job(job_id)))
        self.jobs_panel.undoRequested.connect(lambda job_id: self.spawn(self.undo_job(job_id)))
        self.jobs_panel.clearFinishedRequested.connect(lambda: self.spawn(self.clear_finished()))
        self.jobs_panel.filterChanged.connect(self._set_status_filter)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.jobs_panel)
        self.splitter.setSizes([330, 870])
        self.empty_state = EmptyState()
        self.empty_state.sample_button.clicked.connect(
            lambda: self.spawn(self.create_sample_data()))
        self.empty_state.open_button.clicked.connect(self.choose_database)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.empty_state)
        self.setCentralWidget(self.pages)

        self._build_actions()
        self.status_label = QLabel("No database open")
        self.statusBar().addWidget(self.status_label, 1)
        self.undo_offer = UndoOffer()
        self.undo_offer.undoRequested.connect(lambda job_id: self.spawn(self.undo_job(job_id)))
        self.statusBar().addPermanentWidget(self.undo_offer)
        self.tray = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("rss-desktop"), self)
            self.tray.setToolTip("RSS Desktop Companion")
            self.tray.show()

        self.poll_timer = QTimer(self)
        self.poll_timer.setSingleShot(True)
        self.poll_timer.timeout.connect(lambda: self.spawn(self._poll()))
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._update_actions()

    # -- actions and menus ------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.mark_read_action = QAction(icon("mark-read"), "Mark all as read", self)
        self.mark_read_action.setShortcut(QKeySequence("Ctrl+R"))
        self.mark_read_action.setToolTip("Mark every article of the selected category or feed "
                                         "as read (Ctrl+R)")
        self.mark_read_action.triggered.connect(self.mark_selected_read)
        self.open_action = QAction(icon("open"), "Open database…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_database)
        self.refresh_action = QAction(icon("refresh"), "Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(lambda: self.spawn(self.refresh()))
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        self.user_combo = QComboBox()
        self.user_combo.setAccessibleName("User")
        self.user_combo.setMinimumWidth(140)
        self.user_combo.activated.connect(self._user_chosen)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.mark_read_action)
        toolbar.addAction(self.refresh_action)
        toolbar.addSeparator()
        toolbar.addAction(self.open_action)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" User: "))
        toolbar.addWidget(self.user_combo)
        self.addToolBar(toolbar)

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        feeds_menu = self.menuBar().addMenu("F&eeds")
        feeds_menu.addAction(self.mark_read_action)
        feeds_menu.addAction(self.refresh_action)

    def _update_actions(self) -> None:
        scope = self.selected_scope()
        usable = (self.manager is not None and self.user_id is not None
                  and not self.manager.read_only_reason)
        self.mark_read_action.setEnabled(usable and scope is not None
                                         and scope.job_request is not None)
        self.refresh_action.setEnabled(self.manager is not None)

    def _tree_menu(self, pos) -> None:
        index = self.tree.indexAt(pos)
        if not index.isValid():
            return
        self.tree.setCurrentIndex(index.siblingAtColumn(0))
        menu = QMenu(self)
        menu.addAction(self.mark_read_action)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_databases():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.spawn(self.open_database(p)))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def recent_databases(self) -> list[str]:
        value = self.settings.value("recent_databases", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_database(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self.recent_databases() if p != str(path)]
        self.settings.setValue("recent_databases", recent[:MAX_RECENT])
        self.settings.setValue("last_database", str(path))

    # -- background work --------------------------------------------------------------------
    def spawn(self, coroutine) -> asyncio.Task:
        """Run a coroutine on the loop; unexpected errors are shown, never lost."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if is_file_failure(exc):
                self._database_failed(exc)
                return
            log.error("background task failed", exc_info=exc)
            self.show_error("Something went wrong", f"{type(exc).__name__}: {exc}")

    def _database_failed(self, exc: BaseException) -> None:
        """The open database cannot be read or written any more (damaged, removed, I/O errors):
        stop its jobs once, say so once, offer to open it again. Never a cascade of messages."""
        if self.manager is None or self._failed_path is not None:
            return
        path = self._failed_path = self.database_path
        log.error("database %s failed: %s", path, exc)
        self.spawn(self.close_database())
        text = (f"{path} can no longer be used: {exc}.\n\nIts jobs were stopped; every chunk "
                "they committed is kept. Reopen it to check it again.")
        box = self.show_error("Database failed", text, modal=False,
                              buttons=QMessageBox.StandardButton.Retry
                              | QMessageBox.StandardButton.Close)
        self.status_label.setText(f"{path.name} failed: {exc}; its jobs were stopped")
        reopen = box.button(QMessageBox.StandardButton.Retry)
        reopen.setText("Reopen")
        reopen.clicked.connect(lambda: self.spawn(self.open_database(path)))

    def show_error(self, title: str, text: str, *, buttons=None, on_accept=None,
                   modal: bool = True) -> QMessageBox:
        """A message box that never blocks the event loop (``open()``, window-modal, or with
        ``modal`` False a plain window), and the text in the status bar. One at a time: a newer
        message replaces the one still shown."""
        self.status_label.setText(text)
        previous = self._message_box
        if previous is not None and shiboken6.isValid(previous) and previous.isVisible():
            previous.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if buttons:
            box.setStandardButtons(buttons)
            if on_accept:
                box.accepted.connect(on_accept)
        if modal:
            box.open()
        else:
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.show()
        self._message_box = box
        self.errorShown.emit(text)
        return box

    # -- database and user ------------------------------------------------------------------
    def choose_database(self) -> None:
        folder = str(self.database_path.parent) if self.database_path else ""
        dialog = database_file_dialog(self, "Open the reader's database", folder)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        self.file_dialog = dialog
        dialog.fileSelected.connect(lambda path: self.spawn(self.open_database(path)))
        dialog.open()

    async def open_database(self, path, *, create: bool = False) -> bool:
        """Switch to the database at ``path``. On failure, say why and keep the current one."""
        path = Path(path).expanduser()
        options = {"recover_every": RECOVER_SECONDS, **self.manager_options}
        manager = BulkOperationManager(path, create=create, **options)
        try:
            await manager.open()
        except DatabaseOpenError as exc:
            await manager.close()
            log.warning("cannot open %s: %s", path, exc.reason)
            if exc.missing:
                self.show_error("Cannot open database", f"{exc}\n\nCreate a new database there?",
                                buttons=QMessageBox.StandardButton.Ok
                                | QMessageBox.StandardButton.Cancel,
                                on_accept=lambda: self.spawn(self.open_database(path,
                                                                                create=True)))
            else:
                self.show_error("Cannot open database", str(exc))
            return False
        await self.close_database()
        self._failed_path = None
        self.manager, self.database_path = manager, path
        self.bridge = EngineBridge(manager, self)
        self.bridge.jobEvent.connect(self._on_job_event)
        self._seen_version = await manager.db.call(data_version)  # changes after this count
        self._remember_database(path)
        self.setWindowTitle(f"{path.name} — RSS Desktop Companion")
        await self._load_users()
        opened = f"Opened {path}"
        if manager.journal_mode and manager.journal_mode != "wal":
            opened += (" (a rollback journal, not WAL: the web server's reads wait while a "
                       "chunk commits, so chunks are kept short)")
        self.status_label.setText(manager.read_only_reason or opened)
        self.jobs_panel.setEnabled(not manager.read_only_reason)
        self.databaseOpened.emit(str(path))
        self._schedule_poll()
        return True

    async def close_database(self) -> None:
        """Stop this window's jobs after their current chunk (they resume on the next open)."""
        self.poll_timer.stop()
        if self.bridge is not None:
            self.bridge.detach()
            self.bridge = None
        manager, self.manager = self.manager, None
        if manager is not None:
            await manager.close()
        self._update_actions()

    async def _load_users(self) -> None:
        users = await self.manager.reads.call(list_users)
        self.user_combo.clear()
        for user_id, name in users:
            self.user_combo.addItem(name, user_id)
        if not users:
            self.user_id = None
            self.empty_state.message.setText(
                f"{self.database_path.name} has no users or feeds yet.\n"
                "Create sample data to try the app, or open your reader's database.")
            self.pages.setCurrentWidget(self.empty_state)
            self._update_actions()
            return
        wanted = int(self.settings.value("user_id", users[0][0]))
        index = max(0, self.user_combo.findData(wanted))
        self.user_combo.setCurrentIndex(index)
        await self.set_user(self.user_combo.itemData(index))
        self.pages.setCurrentWidget(self.splitter)

    def _user_chosen(self, index: int) -> None:
        self.spawn(self.set_user(self.user_combo.itemData(index)))

    async def set_user(self, user_id: int) -> None:
        if user_id != self.user_id:
            self.jobs_model.set_jobs([])  # never show one user's jobs under another's name
        self.user_id = user_id
        self.settings.setValue("user_id", user_id)
        index = self.user_combo.findData(user_id)
        if index >= 0 and index != self.user_combo.currentIndex():
            self.user_combo.setCurrentIndex(index)
        await self.reload_overview(rebuild=True)
        await self.reload_jobs()
        self._update_actions()

    async def create_sample_data(self) -> None:
        self.status_label.setText("Creating sample data…")
        self.empty_state.sample_button.setEnabled(False)
        try:
            await self.manager.db.call(build_demo_database, SAMPLE_ARTICLES)
        finally:
            self.empty_state.sample_button.setEnabled(True)
        await self._load_users()
        self.status_label.setText(f"Created {SAMPLE_ARTICLES:,} sample articles")

    async def refresh(self) -> None:
        if self.manager is not None and self.user_id is not None:
            await self.reload_overview(rebuild=True)
            await self.reload_jobs()

    # -- reading ----------------------------------------------------------------------------
    async def reload_overview(self, *, rebuild: bool = False) -> None:
        """Re-read the tree (``rebuild``) or just the unread counts, off the GUI thread."""
        manager, user_id = self.manager, self.user_id
        if manager is None or user_id is None:
            return
        requested = self.tree_model.reload_started()
        if rebuild or self.tree_model.overview is None:
            overview, progress = await manager.reads.call(counts_snapshot, user_id, whole=True)
            if manager is self.manager and user_id == self.user_id:
                selected = self.selected_scope()
                self.tree_model.set_overview(overview, progress, requested)
                self.tree.expandAll()
                if selected is not None:
                    self.select_scope(selected.kind, selected.id)
        else:
            counts, progress = await manager.reads.call(counts_snapshot, user_id)
            if manager is self.manager and user_id == self.user_id:
                self.tree_model.update_counts(counts, progress, requested)
        self.overviewLoaded.emit()

    async def reload_jobs(self) -> None:
        manager, user_id = self.manager, self.user_id
        if manager is None or user_id is None:
            return
        jobs = await manager.list_jobs(user_id, self.status_filter, limit=100)
        if manager is self.manager and user_id == self.user_id:
            self.jobs_model.set_jobs(jobs)
            self.jobsLoaded.emit()

    def _set_status_filter(self, status) -> None:
        self.status_filter = status
        self.spawn(self.reload_jobs())

    def _schedule_poll(self) -> None:
        if self.manager is None:
            return
        active = self.manager.running_job_ids() or any(
            job.status in ("pending", "running") for job in self.jobs_model.jobs())
        self.poll_timer.start(ACTIVE_POLL_MS if active else IDLE_POLL_MS)

    async def _poll(self) -> None:
        """Re-query only when another connection committed (PRAGMA data_version moved)."""
        manager = self.manager
        if manager is None:
            return
        try:
            version = await manager.db.call(data_version)
            if version != self._seen_version and manager is self.manager:
                self._seen_version = version
                await self.reload_jobs()
                await self.reload_overview()
        finally:
            self._schedule_poll()

    # -- closing ----------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.save_state()
        self.closeRequested.emit()
        super().closeEvent(event)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()

    async def shutdown(self) -> None:
        """Save settings, let running jobs stop after their chunk and hand them back."""
        self.save_state()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.close_database()
