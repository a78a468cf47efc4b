"""The main window's actions, menus, toolbar, the tree's context menu, About and Preferences.

The window composes one WindowMenus (``window.menus``): it builds the actions, menus and toolbar
and keeps the actions' enabled state; what they do lives with the window and its parts.
"""

from __future__ import annotations

from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QToolBar

from ... import __version__
from ...jobs.api import is_server_url, shown_name
from ..formatting import isolated
from ..joblist.edit_undo import EditUndo, job_text
from ..joblist.model import can_undo
from ..resources import icon, log_file_path
from ..rules.dialog import RulesDialog
from .preferences import PreferencesDialog

translate = QCoreApplication.translate  # (the name lupdate finds)


class WindowMenus:
    """``window``: the host whose parts the actions act on (its engine, user, tree, article list
    and jobs panel), and whose toolbar and menu bar they fill; ``prefs``: the settings."""

    def __init__(self, window, prefs) -> None:
        self.window = window
        self.prefs = prefs
        # the dialogs last opened (tests look at them)
        self.about_box: QMessageBox | None = None
        self.preferences: PreferencesDialog | None = None
        self.rules_dialog: RulesDialog | None = None
        self.mark_read_action = QAction(icon("mark-read"),
                                        translate("WindowMenus", "&Mark all as read"),
                                        self.window)
        self.mark_read_action.setShortcut(QKeySequence("Ctrl+R"))
        self.mark_read_action.setToolTip(mark_read_tip())
        self.mark_read_action.triggered.connect(lambda: self.window.jobs.mark_selected_read())
        self.open_action = QAction(icon("open"), translate("WindowMenus", "&Open database…"),
                                   self.window)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.window.database.choose_database)
        self.connect_action = QAction(icon("server"),
                                      translate("WindowMenus", "&Connect to server…"),
                                      self.window)
        self.connect_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.connect_action.setToolTip(
            translate("WindowMenus", "Open the reader's database on a PostgreSQL server"))
        self.connect_action.triggered.connect(lambda: self.window.database.connect_to_server())
        self.refresh_action = QAction(icon("refresh"), translate("WindowMenus", "Re&fresh"),
                                      self.window)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(lambda: self.window.spawn(self.window.refresh()))
        quit_action = QAction(translate("WindowMenus", "&Quit"), self.window)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.window.close)
        self.undo_last_action = QAction(icon("undo"), job_text(), self.window)
        self.undo_last_action.setShortcut(QKeySequence.StandardKey.Undo)
        # the action undoes the job, or the focused text box's newer typing (edit_undo.py)
        self.edit_undo = EditUndo(self.undo_last_action,
                                  [self.window.feed_pane.filter_edit,
                                   self.window.articles.pane.search],
                                  lambda: self.window.spawn(self._undo_last()),
                                  self._job_can_be_undone)
        self.find_action = QAction(translate("WindowMenus", "&Filter feeds"), self.window)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._focus_feed_filter)
        self.preferences_action = QAction(translate("WindowMenus", "&Preferences…"),
                                          self.window)
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.triggered.connect(self.open_preferences)
        self.hide_read_action = QAction(
            translate("WindowMenus", "&Hide feeds with nothing unread"), self.window)
        self.hide_read_action.setCheckable(True)
        self.hide_read_action.setShortcut(QKeySequence("Ctrl+H"))
        self.hide_read_action.setChecked(self.prefs.hide_read_feeds)
        self.hide_read_action.toggled.connect(self._set_hide_read)
        about_action = QAction(icon("rss-desktop"),
                               translate("WindowMenus", "&About RSS Desktop Companion"),
                               self.window)
        about_action.triggered.connect(self.show_about)

        toolbar = QToolBar(translate("WindowMenus", "Main"))
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.mark_read_action)
        toolbar.addAction(self.refresh_action)
        toolbar.addSeparator()
        toolbar.addAction(self.open_action)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" " + translate("WindowMenus", "User:") + " "))
        toolbar.addWidget(self.window.user_combo)
        # Over AT-SPI a combo box is named by its value ("alice"): its label, a buddy, says what
        # it is
        user_label = toolbar.widgetForAction(toolbar.actions()[-2])
        user_label.setBuddy(self.window.user_combo)
        user_label.setAccessibleName(QCoreApplication.translate("WindowMenus", "User"))
        self.window.addToolBar(toolbar)

        menus = self.window.menuBar()
        file_menu = menus.addMenu(translate("WindowMenus", "&File"))
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.connect_action)
        self.recent_menu = file_menu.addMenu(translate("WindowMenus", "Open &recent"))
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = menus.addMenu(translate("WindowMenus", "&Edit"))
        edit_menu.addAction(self.undo_last_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.window.articles.search_articles_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)
        view_menu = menus.addMenu(translate("WindowMenus", "&View"))
        view_menu.addAction(self.hide_read_action)
        view_menu.addAction(self.window.articles.show_read_action)
        view_menu.addAction(self.refresh_action)
        view_menu.addSeparator()
        view_menu.addAction(self.window.articles.selection.next_unread_action)
        # (each menu its own mnemonic: Alt+E is Edit's)
        self.feeds_menu = menus.addMenu(translate("WindowMenus", "Fee&ds"))
        self.feeds_menu.aboutToShow.connect(lambda: self.fill_mark_read_menu(self.feeds_menu))
        self.fill_mark_read_menu(self.feeds_menu)
        article_menu = menus.addMenu(translate("WindowMenus", "&Article"))
        articles = self.window.articles
        for action in (articles.open_article_action, articles.copy_link_action, None,
                       articles.toggle_read_action, articles.toggle_star_action, None,
                       articles.mark_older_action, *articles.selection.menu_actions()):
            if action is None:
                article_menu.addSeparator()
            else:
                article_menu.addAction(action)
        article_menu.aboutToShow.connect(self.window.articles.update_actions)
        jobs_menu = menus.addMenu(translate("WindowMenus", "&Jobs"))
        panel = self.window.jobs.panel
        for action in (panel.cancel_action, panel.retry_action, panel.undo_action):
            jobs_menu.addAction(action)
        jobs_menu.addSeparator()
        jobs_menu.addAction(panel.clear_action)
        help_menu = menus.addMenu(translate("WindowMenus", "&Help"))
        help_menu.addAction(about_action)

    def fill_mark_read_menu(self, menu: QMenu) -> None:
        """Mark all as read, then one entry per older-than age (the Feeds menu and the tree's
        context menu): the age chosen here is the one the confirmation starts with."""
        menu.clear()
        menu.addAction(self.mark_read_action)
        usable = self.mark_read_action.isEnabled()
        for _label, age in self.prefs.age_choices():
            if age is None:
                continue
            action = menu.addAction(mark_older_text(age))
            action.setEnabled(usable)
            action.triggered.connect(lambda _c=False, a=age: self.window.jobs.mark_selected_read(a))
        by_published = menu.addAction(QCoreApplication.translate(
            "WindowMenus", "Ages by &publication date"))
        by_published.setCheckable(True)
        by_published.setChecked(self.prefs.age_by_published)
        by_published.setToolTip(QCoreApplication.translate(
            "WindowMenus", "Count “older than” by when articles were published (articles "
            "without a publication date count by arrival)"))
        by_published.toggled.connect(self._set_age_by_published)
        menu.addSeparator()
        scope = self.window.selected_scope()
        automatic = menu.addAction(QCoreApplication.translate(
            "WindowMenus", "Mark read &automatically…"))
        automatic.setEnabled(usable and scope is not None and scope.job_request is not None)
        automatic.triggered.connect(lambda: self.open_rules(scope))
        rules = menu.addAction(QCoreApplication.translate("WindowMenus", "R&ules…"))
        rules.setEnabled(self.window.manager is not None and self.window.user_id is not None)
        rules.triggered.connect(lambda: self.open_rules())
        menu.addSeparator()
        menu.addAction(self.refresh_action)

    def open_rules(self, scope=None) -> RulesDialog:
        """Feeds › Rules…; with ``scope`` (the tree's "Mark read automatically…"), the editor
        of a new rule of that scope opens on it once the rules are read."""
        if self.rules_dialog is not None:
            self.rules_dialog.close()
        dialog = RulesDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: self.rules_dialog is dialog and setattr(
            self, "rules_dialog", None))
        self.rules_dialog = dialog
        dialog.open()
        if scope is not None:
            dialog.reloaded.connect(lambda: dialog.editor is None and dialog.open_editor(
                scope=scope))
        dialog.reload()
        return dialog

    def _set_age_by_published(self, checked: bool) -> None:
        self.prefs.age_by_published = checked

    def update_actions(self) -> None:
        scope = self.window.selected_scope()
        usable = (self.window.manager is not None and self.window.user_id is not None
                  and not self.window.manager.read_only_reason)
        unread = self.window.tree_model.unread(scope) if scope is not None else 0
        self.mark_read_action.setEnabled(usable and scope is not None
                                         and scope.job_request is not None and unread > 0)
        if scope is not None and scope.job_request is not None and usable and not unread:
            self.mark_read_action.setToolTip(translate(
                "WindowMenus", "Nothing unread in {name}").format(name=isolated(scope.name)))
        else:
            self.mark_read_action.setToolTip(mark_read_tip())
        self.refresh_action.setEnabled(self.window.manager is not None)
        self.edit_undo.update()
        jobs = self.window.jobs
        jobs.panel.clear_action.setEnabled(usable and (jobs.finished_jobs_listed or any(
            job.finished for job in jobs.model.jobs())))
        self.window.articles.update_actions()
        self.window.articles.update_state()

    async def _undo_last(self) -> None:
        """Ctrl+Z: the selection just marked unread, if nothing was done since; else a job."""
        selection = self.window.articles.selection
        if selection.can_undo_unread():
            await selection.undo_unread()
        else:
            await self.window.jobs.undo_last_mark_read()

    def _job_can_be_undone(self) -> bool:
        if self.window.articles.selection.can_undo_unread():
            return True
        return (self.window.manager is not None and self.window.user_id is not None
                and not self.window.manager.read_only_reason
                and any(can_undo(job) for job in self.window.jobs.model.jobs()))

    def tree_menu(self, pos) -> None:
        index = self.window.tree.indexAt(pos)
        if not index.isValid():
            return
        self.window.tree.setCurrentIndex(index.siblingAtColumn(0))
        menu = QMenu(self.window)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.fill_mark_read_menu(menu)
        menu.popup(self.window.tree.viewport().mapToGlobal(pos))

    def fill_recent_menu(self) -> None:
        """Files by their path, servers by their URL (a password is never in one)."""
        self.recent_menu.clear()
        for target in self.prefs.recent_databases():
            server = is_server_url(target)
            action = self.recent_menu.addAction(icon("server" if server else "open"),
                                                shown_name(target))
            action.triggered.connect(
                lambda _c=False, t=target: self.window.spawn(self.window.database.open_database(t)))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction(translate("WindowMenus", "(none)")).setEnabled(False)

    def _focus_feed_filter(self) -> None:
        self.window.feed_pane.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.window.feed_pane.filter_edit.selectAll()

    def _set_hide_read(self, hide: bool) -> None:
        self.prefs.hide_read_feeds = hide
        self.window.feed_pane.filter.set_hide_read(hide)

    def show_about(self) -> QMessageBox:
        target = self.window.database_target
        database = (shown_name(target) if target is not None
                    else translate("WindowMenus", "none open"))
        box = QMessageBox(QMessageBox.Icon.NoIcon,
                          translate("WindowMenus", "About RSS Desktop Companion"),
                          "<b>{}</b>".format(translate(
                              "WindowMenus", "RSS Desktop Companion {version}").format(
                              version=__version__)), parent=self.window)
        box.setIconPixmap(icon("rss-desktop").pixmap(64, 64))
        facts = [translate("WindowMenus", "Version {version}").format(version=__version__),
                 translate("WindowMenus", "Database: {database}").format(database=database),
                 translate("WindowMenus", "Log file: {path}").format(path=log_file_path()),
                 f"PySide6 {pyside_version}"]
        box.setInformativeText(
            "<p>{}</p><p>{}</p>".format(escape(translate(
                "WindowMenus", "Marks categories, feeds or everything read on your RSS "
                "reader's shared database (an SQLite file or PostgreSQL), as persisted, "
                "chunked, undoable jobs.")), "<br>".join(escape(fact) for fact in facts)))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_box = box
        box.open()
        return box

    def open_preferences(self) -> PreferencesDialog:
        users = [(self.window.user_combo.itemData(i), self.window.user_combo.itemText(i))
                 for i in range(self.window.user_combo.count())]
        dialog = PreferencesDialog(self.prefs, users, self.window.user_id, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(lambda: self._preferences_applied(dialog.selected_user()))
        self.preferences = dialog
        dialog.open()
        return dialog

    def _preferences_applied(self, user_id: int | None) -> None:
        if self.window.manager is not None:
            self.window.manager.keep_finished_hours = self.prefs.keep_finished_days * 24.0
        if user_id is not None and user_id != self.window.user_id:
            self.window.spawn(self.window.set_user(user_id))
        self.window.status_label.setText(translate("WindowMenus", "Preferences saved"))


def mark_read_tip() -> str:
    return translate("WindowMenus", "Mark every article of the selected category or feed as "
                     "read (Ctrl+R)")


def mark_older_text(age: str) -> str:
    """"Mark older than 1 week as read" for the age "1w" (the Feeds menu, the tree's menu)."""
    count, unit = int(age[:-1]), age[-1]
    if unit == "w":
        return translate("WindowMenus", "Mark older than %n week(s) as read", "", count)
    return translate("WindowMenus", "Mark older than %n day(s) as read", "", count)
