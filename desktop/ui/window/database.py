"""Which database the window shows: opening a file (*Open database…*, *Open recent*, the command
line), connecting to a PostgreSQL server (*Connect to server…*, a recent URL), switching, and
closing. A database that cannot be opened is refused with one readable message and the one that
was open stays open.

The window composes one DatabaseController (``window.database``). A target is a ``Path`` (an
SQLite file, made absolute) or a ``postgresql://`` URL, which never holds a password: one typed
in the Connect dialog goes to the engine's connections for this run only.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ...jobs.api import (
    BulkOperationManager,
    DatabaseOpenError,
    DemoDatabaseExists,
    FeedInfo,
    Overview,
    create_demo_file,
    default_checks_record,
    is_server_url,
    shown_name,
    use_password_for_session,
)
from ..bridge import EngineBridge
from .connect_dialog import ConnectDialog
from .file_dialog import database_file_dialog

log = logging.getLogger(__name__)
translate = QCoreApplication.translate  # (the name lupdate finds)

DEMO_ARTICLES = 20_000
RECOVER_SECONDS = 5.0  # adopt jobs other programs left pending or a dead process was running


def database_target(value) -> Path | str:
    """A server URL as given, or a file's absolute path (the recent list must not depend on the
    folder the app was started in)."""
    if is_server_url(value):
        return str(value).strip()
    return Path(value).expanduser().absolute()


def title_name(target) -> str:
    """How the title bar and short messages name a database: a file by its name, a server
    database by its URL (without password)."""
    return shown_name(target) if is_server_url(target) else Path(target).name


class DatabaseController:
    """Which database the window shows. ``window``: the host holding the engine, its bridge and
    the database of the moment (``manager``, ``bridge``, ``database_target``: this sets them)
    and the parts that show them; ``prefs``: the settings (recent databases)."""

    def __init__(self, window, prefs) -> None:
        self.window = window
        self.prefs = prefs
        # the dialogs last opened (tests and the walk-through look at them)
        self.file_dialog: QFileDialog | None = None
        self.connect_dialog: ConnectDialog | None = None
        # the tree of the database given at start, read while the window started
        # (desktop/headstart/tree.py): taken by the first reload of the tree, or dropped
        self.prefetch = None

    # -- choosing -----------------------------------------------------------------------------
    def choose_database(self) -> None:
        """The Open dialog starts in the open file's folder with it selected, or in the folder
        of the file opened last."""
        files = [Path(entry) for entry in self.prefs.recent_databases()
                 if not is_server_url(entry)]
        current = self.database_path or (files[0] if files else None)
        folder = str(current.parent) if current else str(Path.home())
        dialog = database_file_dialog(self.window, translate(
            "DatabaseController", "Open the reader's database"), folder)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        if current is not None:
            dialog.selectFile(current.name)
        self.file_dialog = dialog
        dialog.fileSelected.connect(lambda path: self.window.spawn(self.open_database(path)))
        dialog.open()

    def connect_to_server(self, url: str | None = None, reason: str = "") -> ConnectDialog:
        """The Connect dialog, filled from ``url`` (or the server opened last); ``reason`` says
        why it asks (the server wants a password) and puts the focus on the password."""
        if url is None:
            servers = [entry for entry in self.prefs.recent_databases() if is_server_url(entry)]
            url = servers[0] if servers else None
        dialog = ConnectDialog(self.window, url, reason)
        dialog.connectRequested.connect(
            lambda url, password: self._connect_requested(dialog, url, password))
        self.connect_dialog = dialog
        dialog.open()
        return dialog

    def _connect_requested(self, dialog: ConnectDialog, url: str, password: str) -> None:
        dialog.set_busy(shown_name(url))  # at once: the last attempt's error is gone
        self.window.spawn(self._connect_from_dialog(dialog, url, password))

    async def _connect_from_dialog(self, dialog: ConnectDialog, url: str, password: str) -> bool:
        """Connect as the dialog asks; a failure is said in the dialog, which stays open with
        its fields, and the open database stays open."""
        try:
            manager = await self._open_engine(url, password=password or None)
        except DatabaseOpenError as exc:
            log.warning("cannot connect to %s: %s", exc.target, exc.reason)
            if not dialog.closed:
                dialog.set_busy(None)
                dialog.show_error(_connect_error(exc, typed_password=bool(password)))
                if exc.login_refused:
                    dialog.ask_again_for_password()
            return False
        if dialog.closed:  # cancelled while connecting: the person no longer wants it
            await manager.close()
            return False
        dialog.set_busy(None)
        dialog.accept()
        await self._show_engine(manager, url)
        return True

    # -- opening ------------------------------------------------------------------------------
    async def open_database(self, target, *, create: bool = False) -> bool:
        """Switch to the database at ``target`` (a path or a URL). On failure, say why and keep
        the current one; a server that wants a password gets the Connect dialog asking for it."""
        target = database_target(target)
        self._show_prefetched_tree(target)
        try:
            manager = await self._open_engine(target, create=create)
        except DatabaseOpenError as exc:
            log.warning("cannot open %s: %s", exc.target, exc.reason)
            self.drop_prefetch()  # (its file is not shown)
            if exc.login_refused:
                self.window.status_label.setText(translate(
                    "DatabaseController", "{database}: the server asks for a password"
                ).format(database=exc.target))
                # (the URL on a line of its own: the label wraps it whole)
                asking = translate("DatabaseController", "The server asks for a password to open")
                self.connect_to_server(target, f"{asking}\n{shown_name(target)}")
            elif exc.missing and not is_server_url(target):
                self.window.show_error(
                    translate("DatabaseController", "Cannot open database"),
                    f"{exc}\n\n" + translate("DatabaseController", "Create a new database there?"),
                    buttons=QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
                    on_accept=lambda: self.window.spawn(self.open_database(target, create=True)))
            else:
                self.window.show_error(translate(
                    "DatabaseController", "Cannot open database"), str(exc))
            if self.window.manager is None:  # nothing else is open: say so, and what can be done
                self.window.empty_state.show_no_database(str(exc))
                self.window.pages.setCurrentWidget(self.window.empty_state)
            return False
        await self._show_engine(manager, target)
        return True

    def choose_demo_location(self) -> None:
        """Where to create a demo database (a new file: one that holds data is refused)."""
        files = [Path(entry) for entry in self.prefs.recent_databases()
                 if not is_server_url(entry)]
        folder = str(files[0].parent) if files else str(Path.home())
        dialog = database_file_dialog(self.window, translate(
            "DatabaseController", "Create a demo database"), folder)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)  # nothing is replaced
        dialog.selectFile("demo.db")
        self.file_dialog = dialog
        dialog.fileSelected.connect(lambda path: self.window.spawn(self.create_demo_database(path)))
        dialog.open()

    async def create_demo_database(self, path) -> bool:
        """Make ``path`` a demo database (off the GUI thread), then open it."""
        path = database_target(path)
        self.window.status_label.setText(
            translate(
                "DatabaseController", "Creating a demo database at {path}…").format(path=path))
        try:
            await asyncio.get_running_loop().run_in_executor(None, create_demo_file, path,
                                                             DEMO_ARTICLES)
        except (DatabaseOpenError, DemoDatabaseExists, OSError) as exc:
            reason = exc if isinstance(exc, DatabaseOpenError) else f"{path}: {exc}"
            self.window.show_error(translate(
                "DatabaseController", "Cannot create a demo database"), str(reason))
            return False
        return await self.open_database(path)

    async def _open_engine(self, target, *, create: bool = False,
                           password: str | None = None) -> BulkOperationManager:
        """An open engine on ``target``, or DatabaseOpenError (nothing is left open then). A
        typed ``password`` is used for the server from now on in this run, if it works."""
        options = {"recover_every": RECOVER_SECONDS,
                   "keep_finished_hours": self.prefs.keep_finished_days * 24.0,
                   "checks_record": default_checks_record(),
                   **self.window.manager_options}
        if password:
            use_password_for_session(target, password)
        manager = BulkOperationManager(target, create=create, **options)
        try:
            await manager.open()
        except DatabaseOpenError:
            await manager.close()
            if password:  # a refused password is not kept, even in memory
                use_password_for_session(target, None)
            raise
        return manager

    async def _show_engine(self, manager: BulkOperationManager, target) -> None:
        """Close the database shown so far, then show ``manager``'s."""
        await self.close_database()
        if self.prefetch is not None and self.prefetch.path != target:
            self.drop_prefetch()  # (its file is not the one shown)
        self.window.messages.failed_target = self.window._state_before_lost = None
        self.window.manager, self.window.database_target = manager, target
        self.window.jobs.model.clear()  # job ids name other jobs in another database
        self.window.jobs.finished_jobs_listed = False
        self.window.bridge = EngineBridge(manager, self.window)
        self.window.bridge.jobEvent.connect(self.window.jobs.on_job_event)
        self.window.bridge.articleChanged.connect(self.window.articles.on_article_changed)
        manager.start_serving()  # adopting others' jobs once their events reach the window
        self.window._seen_version = await manager.changes_seen()  # changes after this count
        if not manager.read_only_reason:
            # PostgreSQL pushes other programs' chunks: their jobs and counts follow at once
            await manager.follow_others(lambda _job_id, manager=manager:
                                        self.window._another_program_moved(manager))
        self.prefs.remember_database(str(target))
        self.window.setWindowTitle(translate(
            "DatabaseController", "{database} — RSS Desktop Companion"
        ).format(database=title_name(target)))
        opened = translate(
            "DatabaseController", "Opened {database}").format(database=shown_name(target))
        if manager.journal_mode and manager.journal_mode != "wal":
            opened += translate(
                "DatabaseController", " (a rollback journal, not WAL: the web server's reads "
                "wait while a chunk commits, so chunks are kept short)")
        self.window.status_label.set_state(manager.read_only_reason or opened)
        self.window.jobs.panel.setEnabled(not manager.read_only_reason)
        if manager.damage:  # found on open (a WAL left beside it)
            self.database_damaged(manager.damage)
        elif not manager.read_only_reason:
            self.window.spawn(self._say_if_damaged(manager))
        try:
            await self.window._load_users()
        finally:
            # a read refused meanwhile (a table the database user may not read) is shown as an
            # error; the database is open all the same, and followed
            self.window._schedule_poll()
        self.window.databaseOpened.emit(str(target))

    def drop_prefetch(self) -> None:
        if self.prefetch is not None:
            self.prefetch.close()
            self.prefetch = None

    def _show_prefetched_tree(self, target) -> None:
        """The window's first database, its tree read already: shown while the engine opens
        (the first reload confirms it, or replaces it with what it counts), when it is of the
        user the window will choose (the prefetch was asked for the settings' user)."""
        prefetch = self.prefetch
        if (prefetch is None or self.window.manager is not None or not prefetch.result.done()
                or self.window.tree_model.overview is not None):
            return
        tree = prefetch.result.result()
        if tree is None or tree.path != target or prefetch.user_id != self.prefs.user_id:
            return
        self.window.tree_model.set_overview(_overview(tree), tree.progress_by_job, None, 0)
        self.window.pages.setCurrentWidget(self.window.splitter)

    async def prefetched_tree(self, manager: BulkOperationManager, user_id: int):
        """The snapshot ``reload_overview`` would read ((Overview, {job: progress}, article
        writes seen)), taken from the prefetch (headstart/tree.py) instead when it read this
        engine's file (the same (device, inode) as the engine opened), for this user, and
        nothing was committed since; else None: the window counts. Used once."""
        prefetch, self.prefetch = self.prefetch, None
        if prefetch is None:
            return None
        try:
            tree = await asyncio.wrap_future(prefetch.result)
            if (tree is None or tree.path != self.database_path or tree.user_id != user_id
                    or tree.identity != manager.file_identity):
                return None
            if not await asyncio.wrap_future(prefetch.confirm()):
                log.info("%s changed since its tree was read at start: counted again",
                         tree.path)
                return None
        finally:
            prefetch.close()
        return _overview(tree), tree.progress_by_job, 0  # (no article was written here yet)

    async def _say_if_damaged(self, manager: BulkOperationManager) -> None:
        """The engine checks the database before its first write; asked at once, and for the
        whole file (the article bodies too, which a job's check leaves out), a damaged one is
        said to be so when it opens (it stays open for reading, and offers no job)."""
        damage = await manager.check_for_damage(whole=True)  # while the person looks
        if damage and manager is self.window.manager:
            self.database_damaged(damage)

    def database_damaged(self, damage: str) -> None:
        """The open database is damaged: reading goes on, nothing is written; say so plainly."""
        self.window.status_label.set_state(damage)
        self.window.jobs.panel.setEnabled(False)
        self.window.menus.update_actions()
        self.window.show_error(translate(
            "DatabaseController", "Database damaged"), damage, modal=False)

    @property
    def database_path(self) -> Path | None:
        """The open SQLite file (None for a server database, or none open)."""
        target = self.window.database_target
        return target if isinstance(target, Path) else None

    # -- closing ------------------------------------------------------------------------------
    async def close_database(self) -> None:
        """Stop this window's jobs after their current chunk (they resume on the next open)."""
        self.window.poll_timer.stop()
        if self.window.jobs.confirmation is not None and not self.window.jobs.confirmation.closed:
            self.window.jobs.confirmation.reject()  # it asked about this database's articles
        if self.window.bridge is not None:
            self.window.bridge.detach()
            self.window.bridge = None
        self.window.articles.loader.load(None, None)
        manager, self.window.manager = self.window.manager, None
        if manager is not None:
            await manager.close()
        self.window.menus.update_actions()


def _overview(tree) -> Overview:
    """A prefetched tree (headstart.tree.PrefetchedTree) as the store's Overview."""
    return Overview(tree.user_id, dict(tree.categories), [FeedInfo(*feed) for feed in tree.feeds],
                    dict(tree.unread_by_feed))


def _connect_error(exc: DatabaseOpenError, *, typed_password: bool) -> str:
    """The Connect dialog's words for a failure: a refused login says what to do here."""
    if not exc.login_refused:
        return str(exc)
    if typed_password:
        return translate(
            "DatabaseController", "{database}: the server refused the login: the password is "
            "wrong, or the user does not exist.").format(database=exc.target)
    return translate(
        "DatabaseController", "{database}: the server asks for a password: type it above (or "
        "put it in ~/.pgpass).").format(database=exc.target)
