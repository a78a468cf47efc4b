"""The main window's actions, menus, toolbar, the tree's context menu, About and Preferences.

A mixin of MainWindow (as in joblist/controller.py): it builds the actions
and keeps their enabled state; what they do lives with the window and its job actions.
"""

from __future__ import annotations

from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QMessageBox, QToolBar

from ... import __version__
from ...jobs.api import is_server_url, shown_name
from ..formatting import isolated
from ..joblist.edit_undo import JOB_TEXT, EditUndo
from ..joblist.model import can_undo
from ..resources import icon, log_file_path
from .preferences import PreferencesDialog


class WindowMenus:
    def _build_actions(self) -> None:
        self.mark_read_action = QAction(icon("mark-read"), "&Mark all as read", self)
        self.mark_read_action.setShortcut(QKeySequence("Ctrl+R"))
        self.mark_read_action.setToolTip("Mark every article of the selected category or feed "
                                         "as read (Ctrl+R)")
        self.mark_read_action.triggered.connect(lambda: self.mark_selected_read())
        self.open_action = QAction(icon("open"), "&Open database…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_database)
        self.connect_action = QAction(icon("server"), "&Connect to server…", self)
        self.connect_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.connect_action.setToolTip("Open the reader's database on a PostgreSQL server")
        self.connect_action.triggered.connect(lambda: self.connect_to_server())
        self.refresh_action = QAction(icon("refresh"), "Re&fresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(lambda: self.spawn(self.refresh()))
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.undo_last_action = QAction(icon("undo"), JOB_TEXT, self)
        self.undo_last_action.setShortcut(QKeySequence.StandardKey.Undo)
        # the action undoes the job, or the focused text box's newer typing (edit_undo.py)
        self.edit_undo = EditUndo(self.undo_last_action,
                                  [self.feed_pane.filter_edit, self.articles.pane.search],
                                  lambda: self.spawn(self.undo_last_mark_read()),
                                  self._job_can_be_undone)
        self.find_action = QAction("&Filter feeds", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._focus_feed_filter)
        self.preferences_action = QAction("&Preferences…", self)
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.triggered.connect(self.open_preferences)
        self.hide_read_action = QAction("&Hide feeds with nothing unread", self)
        self.hide_read_action.setCheckable(True)
        self.hide_read_action.setShortcut(QKeySequence("Ctrl+H"))
        self.hide_read_action.setChecked(self.prefs.hide_read_feeds)
        self.hide_read_action.toggled.connect(self._set_hide_read)
        about_action = QAction(icon("rss-desktop"), "&About RSS Desktop Companion", self)
        about_action.triggered.connect(self.show_about)

        self.user_combo = QComboBox()
        self.user_combo.setAccessibleName("User")
        self.user_combo.setMinimumWidth(120)
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

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.connect_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addAction(self.undo_last_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.articles.search_articles_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)
        view_menu = menus.addMenu("&View")
        view_menu.addAction(self.hide_read_action)
        view_menu.addAction(self.articles.show_read_action)
        view_menu.addAction(self.refresh_action)
        self.feeds_menu = menus.addMenu("F&eeds")
        self.feeds_menu.aboutToShow.connect(lambda: self._fill_mark_read_menu(self.feeds_menu))
        self._fill_mark_read_menu(self.feeds_menu)
        article_menu = menus.addMenu("&Article")
        for action in (self.articles.open_article_action, self.articles.copy_link_action, None,
                       self.articles.toggle_read_action, self.articles.toggle_star_action, None,
                       self.articles.mark_older_action):
            if action is None:
                article_menu.addSeparator()
            else:
                article_menu.addAction(action)
        article_menu.aboutToShow.connect(self.articles.update_actions)
        jobs_menu = menus.addMenu("&Jobs")
        panel = self.jobs_panel
        for action in (panel.cancel_action, panel.retry_action, panel.undo_action):
            jobs_menu.addAction(action)
        jobs_menu.addSeparator()
        jobs_menu.addAction(panel.clear_action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(about_action)

    def _fill_mark_read_menu(self, menu: QMenu) -> None:
        """Mark all as read, then one entry per older-than age (the Feeds menu and the tree's
        context menu): the age chosen here is the one the confirmation starts with."""
        menu.clear()
        menu.addAction(self.mark_read_action)
        usable = self.mark_read_action.isEnabled()
        for label, age in self.prefs.age_choices():
            if age is None:
                continue
            action = menu.addAction(f"Mark {label[0].lower()}{label[1:]} as read")
            action.setEnabled(usable)
            action.triggered.connect(lambda _c=False, a=age: self.mark_selected_read(a))
        menu.addSeparator()
        menu.addAction(self.refresh_action)

    def _update_actions(self) -> None:
        scope = self.selected_scope()
        usable = (self.manager is not None and self.user_id is not None
                  and not self.manager.read_only_reason)
        unread = self.tree_model.unread(scope) if scope is not None else 0
        self.mark_read_action.setEnabled(usable and scope is not None
                                         and scope.job_request is not None and unread > 0)
        if scope is not None and scope.job_request is not None and usable and not unread:
            self.mark_read_action.setToolTip(f"Nothing unread in {isolated(scope.name)}")
        else:
            self.mark_read_action.setToolTip("Mark every article of the selected category or "
                                             "feed as read (Ctrl+R)")
        self.refresh_action.setEnabled(self.manager is not None)
        self.edit_undo.update()
        self.jobs_panel.clear_action.setEnabled(usable and (self._finished_jobs_listed or any(
            job.finished for job in self.jobs_model.jobs())))
        self.articles.update_actions()
        self.articles.update_state()

    def _job_can_be_undone(self) -> bool:
        return (self.manager is not None and self.user_id is not None
                and not self.manager.read_only_reason
                and any(can_undo(job) for job in self.jobs_model.jobs()))

    def _tree_menu(self, pos) -> None:
        index = self.tree.indexAt(pos)
        if not index.isValid():
            return
        self.tree.setCurrentIndex(index.siblingAtColumn(0))
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._fill_mark_read_menu(menu)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    def _fill_recent_menu(self) -> None:
        """Files by their path, servers by their URL (a password is never in one)."""
        self.recent_menu.clear()
        for target in self.prefs.recent_databases():
            server = is_server_url(target)
            action = self.recent_menu.addAction(icon("server" if server else "open"),
                                                shown_name(target))
            action.triggered.connect(
                lambda _c=False, t=target: self.spawn(self.open_database(t)))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _focus_feed_filter(self) -> None:
        self.feed_pane.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.feed_pane.filter_edit.selectAll()

    def _set_hide_read(self, hide: bool) -> None:
        self.prefs.hide_read_feeds = hide
        self.feed_pane.proxy.set_hide_read(hide)
        self.tree.expandAll()

    def show_about(self) -> QMessageBox:
        database = (shown_name(self.database_target) if self.database_target is not None
                    else "none open")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About RSS Desktop Companion",
                          f"<b>RSS Desktop Companion {__version__}</b>", parent=self)
        box.setIconPixmap(icon("rss-desktop").pixmap(64, 64))
        box.setInformativeText(
            "<p>Marks categories, feeds or everything read on your RSS reader's shared "
            "database (an SQLite file or PostgreSQL), as persisted, chunked, undoable "
            "jobs.</p>"
            f"<p>Version {escape(__version__)}<br>Database: {escape(database)}<br>"
            f"Log file: {escape(str(log_file_path()))}<br>"
            f"PySide6 {escape(pyside_version)}</p>")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_box = box
        box.open()
        return box

    def open_preferences(self) -> PreferencesDialog:
        users = [(self.user_combo.itemData(i), self.user_combo.itemText(i))
                 for i in range(self.user_combo.count())]
        dialog = PreferencesDialog(self.prefs, users, self.user_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(lambda: self._preferences_applied(dialog.selected_user()))
        self.preferences = dialog
        dialog.open()
        return dialog

    def _preferences_applied(self, user_id: int | None) -> None:
        if self.manager is not None:
            self.manager.keep_finished_hours = self.prefs.keep_finished_days * 24.0
        if user_id is not None and user_id != self.user_id:
            self.spawn(self.set_user(user_id))
        self.status_label.setText("Preferences saved")
