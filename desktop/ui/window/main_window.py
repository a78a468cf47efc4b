"""The main window: feeds tree with unread counts, one-click mark-read, the jobs panel.

The database is reached only through the engine's methods (reads on its read thread, writes
and noticing other programs' commits on its database thread); this module only awaits results
and updates widgets, asking through QueryOp (query_op.py) where an answer may arrive stale.
Dialogs are shown with ``open()``, never ``exec()``, because a nested event loop breaks
qasync. The window composes its parts, each owning its state: the article list
(``self.articles``, ../articles/controller.py), starting and following jobs and the jobs table
(``self.jobs``, ../joblist/controller.py), the actions, menus and toolbar (``self.menus``,
menus.py), background tasks, errors and questions (``self.messages``, messages.py), opening,
switching and closing databases, files and servers (``self.database``, database.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

from PySide6.QtCore import QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QWidget,
)

from ...jobs.api import BulkOperationManager, Scope, is_server_url, shown_name
from ..articles.controller import ArticleController
from ..articles.model import TITLE
from ..bridge import EngineBridge
from ..cell_names import CellNames
from ..empty_state import EmptyState
from ..feeds.feed_pane import FeedPane
from ..feeds.scope_tree import SCOPE_ROLE, ScopeTreeModel
from ..formatting import one_line
from ..item_focus import ItemFocus
from ..joblist.announcer import PROGRESS_EVERY_SECONDS
from ..joblist.controller import JobController
from ..joblist.model import COLUMNS
from ..query_op import QueryOp
from ..resources import icon
from ..status_line import StatusLine
from .database import DatabaseController, title_name
from .menus import WindowMenus
from .messages import WindowMessages
from .settings import AppSettings

log = logging.getLogger(__name__)

ACTIVE_POLL_MS = 250  # while a job is pending or running
IDLE_POLL_MS = 1500
# After a poll during which other programs' notices came: the next one, soon but not at once
FOLLOW_POLL_MS = 150
SAMPLE_ARTICLES = 20_000
JOBS_HEADER = "jobs_header_v3"  # the saved column layout of the jobs table (Job stretches)
ARTICLES_HEADER = "articles_header"  # and of the article list
DEFAULT_SIZE = QSize(1200, 720)  # a first start's size, where the screen has room for it
# The smallest window whose parts all stay usable: the feeds' names, the list's scope, count,
# search and titles, the jobs' actions and their Job, Status and Progress (the other columns
# give way); a smaller screen's available area lowers it
MINIMUM_SIZE = QSize(600, 420)
SCREEN_SHARE = 0.9  # of the available screen at most, when it has not: room for the frame


def fitted_rect(saved: QRect | None, available: QRect, preferred: QSize = DEFAULT_SIZE
                ) -> QRect:
    """Where the window opens on a screen whose free area (without panels) is ``available``:
    where the person left it (``saved``) when that lies wholly on it; else the same size moved
    onto it when it fits; else ``preferred``, shrunk to fit, centred. (A geometry saved on a
    larger or another screen, or a scale factor that doubles every size, would otherwise put
    the close button, the status bar and the jobs panel out of reach.)"""
    if saved is not None and saved.isValid() and available.contains(saved):
        return QRect(saved)
    room = QSize(int(available.width() * SCREEN_SHARE), int(available.height() * SCREEN_SHARE))
    if saved is not None and saved.isValid() and saved.width() <= room.width() \
            and saved.height() <= room.height():
        size = saved.size()
    else:
        size = preferred.boundedTo(room)
    rect = QRect(available.topLeft(), size)
    rect.moveCenter(available.center())
    return rect


class MainWindow(QMainWindow):
    databaseOpened = Signal(str)
    overviewLoaded = Signal()
    jobsLoaded = Signal()
    jobFinished = Signal(object)  # JobRecord
    errorShown = Signal(str)
    closeRequested = Signal()  # the app shuts the engine down, then ends the loop

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.prefs = AppSettings(settings)
        self.manager: BulkOperationManager | None = None
        self.bridge: EngineBridge | None = None
        self.database_target: Path | str | None = None  # a file, or a server's URL
        self.user_id: int | None = None
        self.manager_options: dict = {}  # passed to BulkOperationManager (tests, tuning)
        self.messages = WindowMessages(self)  # background tasks, errors, the closing question
        self.database = DatabaseController(self, self.prefs)  # which database: open, switch, close
        self._seen_version: int | None = None
        # the status bar's text before the server went out of reach (None: it answers)
        self._state_before_lost: str | None = None
        self._close_now = False  # closing without asking (asked already, or SIGTERM)
        self.setWindowTitle(self.tr("RSS Desktop Companion"))
        self.setWindowIcon(icon("rss-desktop"))
        self.resize(DEFAULT_SIZE)

        self.tree_model = ScopeTreeModel(self)
        self.feed_pane = FeedPane(self.tree_model)
        self.feed_pane.filter.set_hide_read(self.prefs.hide_read_feeds)
        self.tree = self.feed_pane.tree
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(lambda pos: self.menus.tree_menu(pos))
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._scope_changed())

        self.jobs = JobController(self, self.prefs, self.tree_model)  # starting jobs, the table

        self.articles = ArticleController(self, self.prefs, self.tree_model)
        # the articles above the jobs, right of the feeds
        self.content_splitter = QSplitter(Qt.Orientation.Vertical)
        self.content_splitter.addWidget(self.articles.pane)
        self.content_splitter.addWidget(self.jobs.panel)
        self.content_splitter.setChildrenCollapsible(False)
        # A taller or shorter window changes both in proportion (a splitter keeps the size of a
        # part without a stretch factor: at 480 px high the list was left five rows)
        self.content_splitter.setStretchFactor(0, 1)
        self.content_splitter.setStretchFactor(1, 1)
        self.content_splitter.setSizes([420, 220])
        self.splitter = QSplitter()
        self.splitter.addWidget(self.feed_pane)
        self.splitter.addWidget(self.content_splitter)
        self.splitter.setChildrenCollapsible(False)  # dragging never hides the feeds
        # A narrower window narrows the feeds too, down to their minimum (kept at 300 px, they
        # left the list and the jobs a third of a 640 px window)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 940])
        self.empty_state = EmptyState()
        self.empty_state.sample_button.clicked.connect(
            lambda: self.spawn(self.create_sample_data()))
        self.empty_state.open_button.clicked.connect(self.database.choose_database)
        self.empty_state.demo_button.clicked.connect(self.database.choose_demo_location)
        self.empty_state.connect_button.clicked.connect(
            lambda: self.database.connect_to_server())
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.empty_state)
        self.setCentralWidget(self.pages)

        self.user_combo = QComboBox()  # the toolbar's; filled with the database's users
        self.user_combo.setAccessibleName(self.tr("User"))
        self.user_combo.setMinimumWidth(120)
        self.user_combo.activated.connect(self._user_chosen)
        self.menus = WindowMenus(self, self.prefs)  # the actions, menus and toolbar
        # Tab: the feeds, then the list's search, "Show read" and rows, then the jobs
        # (and the empty list's "Show read articles", when it is shown)
        for before, after in ((self.tree, self.articles.pane.search),
                              (self.articles.pane.search, self.articles.pane.show_read),
                              (self.articles.pane.show_read, self.articles.view),
                              (self.articles.view, self.articles.pane.empty_button),
                              (self.articles.pane.empty_button, self.jobs.panel.filter)):
            QWidget.setTabOrder(before, after)
        # focus lands on an item, for a screen reader too: in the column that names its row
        for view, column in ((self.tree, 0), (self.articles.view, TITLE),
                             (self.jobs.panel.table, COLUMNS.index("Job"))):
            ItemFocus(view, column)
        # and a cell's new name is told when it changes (a job's progress: every few seconds,
        # as it is announced)
        CellNames(self.tree)
        CellNames(self.articles.view)
        CellNames(self.jobs.panel.table, int(PROGRESS_EVERY_SECONDS * 1000))
        self.status_label = StatusLine(self.tr("No database open"))
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.jobs.undo_offer)
        self.tray = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("rss-desktop"), self)
            self.tray.setToolTip(self.tr("RSS Desktop Companion"))
            self.tray.show()

        self.poll_timer = QTimer(self)
        self.poll_timer.setSingleShot(True)
        self.poll_timer.timeout.connect(lambda: self.spawn(self._poll()))
        self._polling = False  # a poll is awaiting its reads: another must wait for it
        self._poll_again = False  # notices came meanwhile: poll once more after it
        self._restore_layout()
        self.menus.update_actions()
        self.tree.setFocus()  # keys go to the feeds first, not into the filter box
        # What exists now (the modules, Qt's wrappers, the window's parts) lives as long as the
        # window: left out of the garbage collector's full passes, which otherwise walk it all
        # in one tick now and then (~40 ms with a database open; issue 26).
        gc.freeze()

    def _restore_layout(self) -> None:
        """Window size, the splitter and the jobs table's columns as the person left them."""
        geometry = self.prefs.layout_state("geometry")
        restored = geometry is not None and self.restoreGeometry(geometry)
        self.fit_to_screen(restored)
        splitter = self.prefs.layout_state("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = self.prefs.layout_state(JOBS_HEADER, sized_to_words=True)
        if header is not None:
            self.jobs.panel.table.horizontalHeader().restoreState(header)
        content = self.prefs.layout_state("content_splitter")
        if content is not None:
            self.content_splitter.restoreState(content)
        header = self.prefs.layout_state(ARTICLES_HEADER, sized_to_words=True)
        if header is not None:
            self.articles.view.horizontalHeader().restoreState(header)
            self.articles.pane.show_order()  # the order is the list's, not the saved header's

    def fit_to_screen(self, restored: bool = True) -> None:
        """Keep a restored geometry only if it lies on the available screen (the one it was
        on, else the primary); otherwise fit the window to it (``restored``: False, a first
        start, which asks for the default size)."""
        saved = self.geometry() if restored else None
        screen = (QGuiApplication.screenAt(saved.center()) if saved is not None else None) \
            or self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        self.setMinimumSize(MINIMUM_SIZE.boundedTo(available.size()))
        if not (self.isMaximized() or self.isFullScreen()):  # the window manager fits those
            self.setGeometry(fitted_rect(saved, available))

    # -- the feeds tree's selection -----------------------------------------------------------
    def selected_scope(self) -> Scope | None:
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


    def _scope_changed(self) -> None:
        scope = self.selected_scope()
        self.feed_pane.filter.keep(scope)  # a filter never hides the selected row
        if scope is not None and self.database_target is not None:
            self.prefs.remember_selected_scope(str(self.database_target), scope.kind,
                                               scope.target_id)
        self.articles.load()
        self.menus.update_actions()

    # -- background work and errors (every part of the window spawns through it) -----------
    def spawn(self, coroutine) -> asyncio.Task:
        """Run a coroutine on the loop; unexpected errors are shown, never lost."""
        return self.messages.spawn(coroutine)

    def show_error(self, title: str, text: str, **how) -> QMessageBox:
        """A message box that never blocks the loop (WindowMessages.show_error)."""
        return self.messages.show_error(title, text, **how)

    # -- database and user ------------------------------------------------------------------
    async def _load_users(self) -> None:
        users = []  # (whoever is chosen meanwhile: the list is the database's, not theirs)
        if not await QueryOp(self, "users", lambda manager, _user_id: manager.users(),
                             users.extend, follows_user=False).run():
            return  # another database is shown by now
        self.user_combo.clear()
        for user_id, name in users:
            self.user_combo.addItem(name, user_id)
        if not users:
            self.user_id = None
            server = is_server_url(self.database_target)
            # (sample data is made in files only: ids on a server come from its sequences)
            self.empty_state.sample_button.setVisible(not server)
            self.empty_state.demo_button.hide()
            self.empty_state.message.setText(
                self.tr("{database} has no users or feeds yet.").format(
                    database=title_name(self.database_target)) + "\n" + (
                    self.tr("The reader's web server adds them; or open another database.")
                    if server else self.tr("Create sample data to try the app, or open your "
                                           "reader's database.")))
            self.pages.setCurrentWidget(self.empty_state)
            self.menus.update_actions()
            return
        index = max(0, self.user_combo.findData(self.prefs.user_id))
        self.user_combo.setCurrentIndex(index)
        await self.set_user(self.user_combo.itemData(index))
        self.pages.setCurrentWidget(self.splitter)
        saved = self.prefs.selected_scope(str(self.database_target))
        if saved is not None and self.selected_scope() is None:
            self.select_scope(*saved)  # where the person left this database

    def _user_chosen(self, index: int) -> None:
        self.spawn(self.set_user(self.user_combo.itemData(index)))

    async def set_user(self, user_id: int) -> None:
        if user_id != self.user_id:
            self.jobs.model.clear()  # never show one user's jobs under another's name
            self.jobs.finished_jobs_listed = False
        self.user_id = user_id
        self.prefs.user_id = user_id
        index = self.user_combo.findData(user_id)
        if index >= 0 and index != self.user_combo.currentIndex():
            self.user_combo.setCurrentIndex(index)
        await self.reload_overview(rebuild=True)
        self.articles.load()
        await self.reload_jobs()
        self.menus.update_actions()

    async def create_sample_data(self) -> None:
        self.status_label.setText(self.tr("Creating sample data…"))
        self.empty_state.sample_button.setEnabled(False)
        try:
            await self.manager.create_sample_data(SAMPLE_ARTICLES)
        finally:
            self.empty_state.sample_button.setEnabled(True)
        await self._load_users()
        self.status_label.setText(
            self.tr("Created %Ln sample article(s)", "", SAMPLE_ARTICLES))

    async def refresh(self) -> None:
        if self.manager is not None and self.user_id is not None:
            await self.reload_overview(rebuild=True)
            self.articles.load(again=True)
            await self.reload_jobs()

    # -- reading ----------------------------------------------------------------------------
    async def reload_overview(self, *, rebuild: bool = False) -> None:
        """Re-read the tree (``rebuild``) or just the unread counts, off the GUI thread."""
        if self.manager is None or self.user_id is None:
            return
        requested = self.tree_model.reload_started()

        def rebuilt(snapshot) -> None:
            overview, progress, writes = snapshot
            selected = self.selected_scope()
            self.tree_model.set_overview(overview, progress, requested, writes)
            if selected is not None:
                self.select_scope(selected.kind, selected.target_id)

        def counted(snapshot) -> None:
            counts, progress, writes = snapshot
            self.tree_model.update_counts(counts, progress, requested, writes)

        # Two keys: a newer counts-only reload must not drop a rebuild (new feeds); between
        # the two, the tickets decide which snapshot is newer.
        prefetch = self.database.prefetch  # (shown already, or not yet)
        if self.tree_model.overview is None and (prefetch is None or not prefetch.result.done()):
            # nothing shown yet: the tree at once while its counts come (issue 26)
            await QueryOp(self, "tree", lambda manager, user_id: manager.tree_outline(user_id),
                          self.tree_model.show_outline).run()
        prefetched = []  # the tree read while the window started, if it still holds
        if prefetch is not None:
            await QueryOp(self, "tree", self.database.prefetched_tree, prefetched.append).run()
        if prefetched and prefetched[0] is not None:
            rebuilt(prefetched[0])
        elif rebuild or not self.tree_model.counts_known:
            await QueryOp(self, "tree", lambda manager, user_id:
                          manager.counts_snapshot(user_id, whole=True), rebuilt).run()
        else:
            await QueryOp(self, "counts", lambda manager, user_id:
                          manager.counts_snapshot(user_id), counted).run()
        self.menus.update_actions()
        self.overviewLoaded.emit()

    async def reload_jobs(self) -> None:
        """The jobs table, read again (JobController.reload)."""
        await self.jobs.reload()

    def _schedule_poll(self) -> None:
        if self.manager is None:
            return
        active = self.manager.running_job_ids() or any(
            job.status in ("pending", "running") for job in self.jobs.model.jobs())
        self.poll_timer.start(ACTIVE_POLL_MS if active else IDLE_POLL_MS)

    def _another_program_moved(self, manager) -> None:
        """Another program's chunk committed (pushed by the database): read again now rather
        than at the next poll. Notices coalesce: another process's job sends one per chunk,
        dozens a second, while a reload of a large database's counts takes a good part of a
        second; a burst during a poll makes one more poll after it, never polls side by side
        (each would queue a full reload on the read thread, and the queue outlived the job)."""
        if manager is self.manager:
            self._seen_version = None
            if self._polling:
                self._poll_again = True
            else:
                self.poll_timer.start(0)

    async def _poll(self) -> None:
        """Re-query only when another connection committed (the backend's changes_seen moved).
        A server out of reach (restarting, the network gone) is said once, in the status bar,
        and asked again at each poll until it answers: then everything is read again."""
        manager = self.manager
        if manager is None:
            return
        if self._polling:  # the timer fired while a poll still awaits its reads
            self._poll_again = True
            return
        self._polling = True
        try:
            try:
                version = await manager.changes_seen()
            except Exception as exc:
                if manager is not self.manager or not manager.backend.is_retryable(exc):
                    raise
                self._out_of_reach(exc)
                return
            if self._state_before_lost is not None:
                self.status_label.set_state(self._state_before_lost)
                self._state_before_lost = None
                self._seen_version = None  # whatever happened meanwhile: read it all again
                log.info("%s answers again", shown_name(self.database_target))
                self.articles.load(again=True)  # (its table went with the lost connection)
            if version != self._seen_version and manager is self.manager:
                self._seen_version = version
                await self.reload_jobs()
                await self.reload_overview()
                await self.articles.changed_elsewhere()
        finally:
            self._polling = False
            if self._poll_again:
                self._poll_again = False
                self.poll_timer.start(FOLLOW_POLL_MS)  # not back to back with this one
            else:
                self._schedule_poll()

    def _out_of_reach(self, exc: BaseException) -> None:
        if self._state_before_lost is not None:
            return  # said already
        self._state_before_lost = self.status_label.state_text
        shown = shown_name(self.database_target)
        log.warning("lost the connection to %s: %s", shown, one_line(str(exc)))
        self.status_label.set_state(
            self.tr("Lost the connection to {database}; trying again… ({reason})").format(
                database=shown, reason=one_line(str(exc))))

    # -- closing ----------------------------------------------------------------------------
    def close_now(self) -> None:
        """Close without asking (SIGTERM, or the person already answered)."""
        self._close_now = True
        self.close()

    def closeEvent(self, event) -> None:
        running = self.manager.running_job_ids() if self.manager is not None else set()
        if running and not self._close_now and self.prefs.confirm_close_with_jobs:
            event.ignore()
            self.messages.ask_to_close(running)
            return
        self.save_state()
        self.closeRequested.emit()
        super().closeEvent(event)

    def save_state(self) -> None:
        self.prefs.save_layout_state("geometry", self.saveGeometry())
        self.prefs.save_layout_state("splitter", self.splitter.saveState())
        self.prefs.save_layout_state(JOBS_HEADER,
                                     self.jobs.panel.table.horizontalHeader().saveState())
        self.prefs.save_layout_state("content_splitter", self.content_splitter.saveState())
        self.prefs.save_layout_state(ARTICLES_HEADER,
                                     self.articles.view.horizontalHeader().saveState())
        self.prefs.sync()

    async def shutdown(self) -> None:
        """Save settings, let running jobs stop after their chunk and hand them back."""
        self.save_state()
        self.poll_timer.stop()
        await self.messages.stop_all()
        await self.database.close_database()
        # whatever the close started (a last event of a job, a timer) ends here too
        await self.messages.stop_all(close=True)
