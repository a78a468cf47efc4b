"""The main window's article list: which list it shows, what a person does to an article (open,
copy the link, mark read or unread, star, "mark this and everything older"), and how the list
follows the engine (job chunks, article writes, other programs).

The window composes one ArticleController (``window.articles``), which owns the list's model,
loader, pane and actions; it asks the window for the engine and user of the moment. Every
database call is one of the engine's methods: reads on its read thread, writes on its database
thread.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from ...jobs.api import (
    ArticleChange,
    ArticleNotFound,
    ArticleRow,
    JobEvent,
    JobRequestError,
    ListSpec,
    Scope,
    parse_parameters,
)
from ..formatting import isolated
from .loader import ArticleLoader
from .model import ROW_ROLE, STAR, ArticleListModel
from .pane import ArticlePane
from .selection import ArticleSelection

OPENED_SCHEMES = ("http", "https")  # a feed's link is opened in the browser only if it is one


class ArticleController(QObject):
    """Owns the list's model, loader, pane (``view`` is its table) and the article actions.
    ``window``: the host that holds the engine and user of the moment (``manager``,
    ``user_id``), ``spawn``, ``selected_scope``, the status line, its menus' actions and the
    confirmation (``window.jobs``)."""

    def __init__(self, window, prefs, tree_model) -> None:
        super().__init__(window)
        self.window = window
        self.prefs = prefs
        self.tree_model = tree_model
        self.article_menu: QMenu | None = None  # the context menu last shown (tests look)
        self.model = ArticleListModel(self)
        self.loader = ArticleLoader(self.model, window.spawn, self)
        self.loader.listLost.connect(lambda: self.load(again=True))
        self.pane = ArticlePane(self.model)
        self.view = self.pane.view
        self._list_scope: Scope | None = None
        pane = self.pane
        pane.show_read.setChecked(self.prefs.show_read_articles)
        pane.searchChanged.connect(lambda _text: self.load())
        pane.showReadChanged.connect(self._show_read_changed)
        pane.orderChanged.connect(lambda _newest: self.load())
        pane.newArticlesRequested.connect(lambda: self.load(again=True))
        self.model.stateChanged.connect(self.update_state)
        self.view.menuRequested.connect(self._article_menu)
        self.view.doubleClicked.connect(lambda index: self.open_article(index.data(ROW_ROLE)))
        self.view.clicked.connect(self._article_clicked)
        self.view.selectionModel().selectionChanged.connect(
            lambda *_: self.update_actions())
        self.model.dataChanged.connect(lambda *_: self.update_actions())

        def action(text, keys, slot, tip):
            made = QAction(text, self)
            made.setShortcuts([QKeySequence(key) for key in keys])
            # only while the list has the focus: M or S typed in the feed filter is a letter
            made.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            made.setToolTip(tip)
            made.triggered.connect(lambda: slot(self.selected_article()))
            self.view.addAction(made)
            return made

        self.open_article_action = action(
            self.tr("&Open in browser"), ["Return", "Enter", "Space"], self.open_article,
            self.tr("Open the article's link in the browser and mark it read (Enter or Space)"))
        self.copy_link_action = action(self.tr("&Copy link"), [QKeySequence.StandardKey.Copy],
                                       self.copy_article_link, self.tr("Copy the article's link"))
        self.toggle_read_action = action(self.tr("Mark as &read"), ["M"],
                                         self.toggle_article_read,
                                         self.tr("Mark the article read or unread (M)"))
        self.toggle_star_action = action(self.tr("&Star"), ["S"], self.toggle_article_star,
                                         self.tr("Star or unstar the article (S)"))
        self.mark_older_action = action(self.tr("Mark this and everything older as read…"), [],
                                        self.mark_older_than,
                                        self.tr("Mark this article and every article of the "
                                                "list's scope received before it as read, as "
                                                "one job"))
        self.selection = ArticleSelection(self)  # several articles at once; next unread
        self.search_articles_action = QAction(self.tr("&Search articles"), self)
        self.search_articles_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.search_articles_action.triggered.connect(self._focus_article_search)
        self.show_read_action = QAction(self.tr("Show &read articles"), self)
        self.show_read_action.setCheckable(True)
        self.show_read_action.setChecked(self.prefs.show_read_articles)
        self.show_read_action.toggled.connect(pane.show_read.setChecked)
        self.update_actions()

    @property
    def manager(self):
        """The engine of the moment: the window's (opening another database replaces it)."""
        return self.window.manager

    @property
    def user_id(self) -> int | None:
        return self.window.user_id

    # -- which list -----------------------------------------------------------------------
    def load(self, *, again: bool = False) -> None:
        """Show the list of the selected scope, as the header's search, "Show read" and order
        say; the same list is not read again unless ``again``."""
        scope = self.window.selected_scope()
        pane = self.pane
        spec = None
        if scope is not None and self.manager is not None and self.user_id is not None:
            spec = ListSpec(self.user_id, scope,
                            unread_only=not pane.show_read.isChecked(),
                            search=pane.search_text(), newest_first=pane.newest_first())
        if spec == self.model.spec and scope == self._list_scope and not again:
            return
        self._list_scope = scope
        pane.new_button.hide()
        self.loader.load(self.manager, spec)

    def _show_read_changed(self, show: bool) -> None:
        self.prefs.show_read_articles = show
        self.show_read_action.setChecked(show)
        self.load()

    def _focus_article_search(self) -> None:
        self.pane.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.pane.search.selectAll()

    def update_state(self) -> None:
        """The header (scope, unread count, matches) and the empty list's words."""
        scope, spec, model = self._list_scope, self.model.spec, self.model
        if spec is None or scope is None:
            self.pane.set_state(
                self.tr("Articles"), self.tr("Select a category or a feed to see its articles.")
                if self.manager is not None and self.user_id is not None else "", False)
            return
        name = isolated(scope.name)
        title = self.tr("{name} — %Ln unread", "", self.tree_model.unread(scope)).format(
            name=name)
        count = model.rowCount()
        if spec.search:
            search = isolated(spec.search)
            title += " · " + (
                self.tr("%Ln matching “{search}”", "", count) if model.complete
                else self.tr("%Ln+ matching “{search}”", "", count)).format(search=search)
        empty = None
        if count == 0 and model.complete:
            if spec.search and spec.unread_only:
                empty = self.tr("No unread article in {name} matches “{search}”.")
            elif spec.search:
                empty = self.tr("No article in {name} matches “{search}”.")
            elif spec.unread_only:
                empty = self.tr("Nothing unread in {name}.")
            else:
                empty = self.tr("No articles in {name} yet.")
            empty = empty.format(name=name, search=isolated(spec.search or ""))
        elif count == 0 and spec.search:
            empty = self.tr("Searching {name}…").format(name=name)
        self.pane.set_state(title, empty, empty is not None and spec.unread_only
                                    and model.complete, scope.name)

    # -- one article ------------------------------------------------------------------------
    def selected_article(self) -> ArticleRow | None:
        """The article one-article actions act on: the current row when it is selected
        (the last one clicked in a selection of several), else the first selected."""
        selection = self.view.selectionModel()
        current = self.view.currentIndex()
        rows = ([current] if current.isValid() and selection.isRowSelected(current.row())
                else selection.selectedRows())
        row = self.model.row_at(rows[0].row()) if rows else None
        return row if row is not None and not row.gone else None

    def _writable(self) -> bool:
        return (self.manager is not None and self.user_id is not None
                and not self.manager.read_only_reason)

    def update_actions(self) -> None:
        row = self.selected_article()
        writable = self._writable()
        self.open_article_action.setEnabled(row is not None)  # without a link it says so
        self.copy_link_action.setEnabled(row is not None and bool(row.url))
        self.toggle_read_action.setEnabled(row is not None and writable)
        self.toggle_read_action.setText(self.tr("Mark as &unread") if row and row.is_read
                                        else self.tr("Mark as &read"))
        self.toggle_star_action.setEnabled(row is not None and writable)
        self.toggle_star_action.setText(self.tr("Un&star") if row and row.is_starred
                                        else self.tr("&Star"))
        scope = self._older_scope(row)
        self.mark_older_action.setEnabled(row is not None and writable and scope is not None)
        self.mark_older_action.setText(
            self.tr("Mark this and everything older in {name} as read…").format(
                name=isolated(scope.name)) if scope
            else self.tr("Mark this and everything older as read…"))
        if hasattr(self, "selection"):  # (not while the actions are being made)
            self.selection.update_actions()

    def open_article(self, row: ArticleRow | None) -> None:
        """The link in the browser; opening an article marks it read, as a reader does."""
        if row is None or row.gone:
            return
        url = QUrl(row.url or "")
        if not row.url or url.scheme().lower() not in OPENED_SCHEMES:
            self.window.status_label.setText(
                self.tr("“{title}” has no web link to open ({link})").format(
                    title=isolated(row.title), link=row.url) if row.url
                else self.tr("“{title}” has no web link to open").format(
                    title=isolated(row.title)))
            return
        if not QDesktopServices.openUrl(url):
            self.window.status_label.setText(
                self.tr("No browser could open {link}").format(link=row.url))
            return
        self.window.status_label.setText(self.tr("Opened {link}").format(link=row.url))
        if not row.is_read:
            self.toggle_article_read(row)

    def copy_article_link(self, row: ArticleRow | None) -> None:
        if row is None or not row.url:
            return
        QGuiApplication.clipboard().setText(row.url)
        self.window.status_label.setText(self.tr("Copied {link}").format(link=row.url))

    def toggle_article_read(self, row: ArticleRow | None) -> None:
        if self.selection.selected_count() > 1:  # M on several: they are marked read, one job
            self.selection.mark_selected_read()
            return
        if row is not None and self._writable():
            self.window.spawn(self._write_article("set_article_read", row, not row.is_read))

    def toggle_article_star(self, row: ArticleRow | None) -> None:
        if row is not None and self._writable():
            self.window.spawn(self._write_article("set_article_starred", row, not row.is_starred))

    async def _write_article(self, method: str, row: ArticleRow, value: bool) -> None:
        """One write on the engine's database thread; its ArticleChange event moves the list
        and the counts (``on_article_changed``)."""
        try:
            await getattr(self.manager, method)(self.user_id, row.id, value)
        except (JobRequestError, ArticleNotFound) as exc:
            self.window.status_label.setText(self.tr("“{title}” was not changed: {reason}"
                                                     ).format(title=isolated(row.title),
                                                              reason=exc))

    def _article_clicked(self, index) -> None:
        if index.column() == STAR:
            self.toggle_article_star(index.data(ROW_ROLE))

    def _older_scope(self, row: ArticleRow | None) -> Scope | None:
        """The scope "everything older" covers: the list's, or for Uncategorized (no job of
        its own) the article's feed."""
        scope = self._list_scope
        if row is None or row.gone or scope is None:
            return None
        if scope.job_request is None:
            return Scope("feed", row.feed_id, name=row.feed_title)
        return scope

    def mark_older_than(self, row: ArticleRow | None) -> None:
        """An ordinary bulk job on the scope, ending at this article (ids are the ingestion
        order, the list's): it and every article received before it."""
        scope = self._older_scope(row)
        if scope is None or not self._writable():
            return
        if self.prefs.confirm_mark_read:
            self.window.jobs.open_confirmation(scope, None, up_to=row)
        else:
            self.window.spawn(self.window.jobs.mark_read_unasked(scope, None, up_to=row.id))

    def _article_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        if self.view.selectionModel().isRowSelected(index.row()):  # keep the selection
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.NoUpdate)
        else:
            self.view.setCurrentIndex(index)  # selects its row: the actions apply to it
        self.update_actions()
        menu = QMenu(self.window)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (self.open_article_action, self.copy_link_action, None,
                       self.toggle_read_action, self.toggle_star_action, None,
                       self.mark_older_action, *self.selection.menu_actions(for_rows=True)):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        self.article_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # -- following the engine ---------------------------------------------------------------
    def on_article_changed(self, change: ArticleChange) -> None:
        """An article written alone (here, by this engine): its row and its feed's count move
        at once."""
        if change.user_id != self.user_id:
            return
        self.tree_model.apply_article_change(change.sequence, change.feed_id,
                                             change.unread_delta)
        self.model.apply_article(change.article_id, change.is_read, change.is_starred)
        self.window.menus.update_actions()

    def follow_job(self, event: JobEvent) -> None:
        """A chunk went through (low, high]: a mark-read one left every article of its scope
        there read (rows of the list turn from unread to read, articles after the job's
        watermark are never in a span); an undo one made some unread again, which only the
        database knows: their pages are read again."""
        if event.span is None or event.job.user_id != self.user_id:
            return
        low, high = event.span
        if high <= low:
            return
        try:
            scope, _ = parse_parameters(event.job.job_type, event.job.parameters)
        except JobRequestError:
            return
        # an undo, or a search's job (whether a title matches is the database's to say)
        if scope.kind == "undo" or scope.search.split():
            if event.marked_by_feed:
                self.model.may_have_changed(low, high)
        else:
            self.model.apply_job_span(low, high, scope)

    async def changed_elsewhere(self) -> None:
        """Another program committed: rows shown are read again, and new articles offered."""
        self.model.may_have_changed()
        if await self.loader.has_newer():
            self.pane.new_button.show()
