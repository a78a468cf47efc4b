"""The left pane: a filter box over the category → feed tree, which can hide read feeds."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ...jobs.api import Scope
from ..formatting import number
from .scope_tree import ScopeTreeModel

NAME_MIN_WIDTH = 120  # a feed's name never shrinks below this; the pane scrolls instead
COUNT_MIN_WIDTH = 40
COUNT_PADDING = 12  # beside the widest count's text: the cell's margins


class FeedFilter:
    """Rows whose name (or whose category's name) contains the filter text, and, with
    ``hide_read``, only those with something unread. *All articles* always stays, and so does
    the selected row, so that a filter never pulls the selection from under the person; a
    category stays while a feed of it is shown.

    The rows are hidden in the view itself (``QTreeView.setRowHidden``), not by a proxy model:
    with thousands of feeds a proxy re-filtered and re-mapped row after row on every count
    (issue 26). Here what is shown is worked out in Python, and only the rows whose state
    changes are told to the view: after a count reload, only the rows whose count moved."""

    def __init__(self, source: ScopeTreeModel, view: QTreeView):
        self.source = source
        self.view = view
        self._text = ""
        self._hide_read = False
        self._kept: tuple[str, int | None] | None = None
        self._hidden: set[tuple[str, int | None]] = set()  # the rows hidden now
        self._shown_feeds: dict[int, int] = {}  # group row -> its feeds shown now
        self._hidden_unknown_counts = False  # filtered while the counts were not known
        source.modelReset.connect(self._rebuilt)
        source.countsMoved.connect(self._counts_moved)

    def set_text(self, text: str) -> None:
        self._text = text.strip().casefold()
        self._refilter()

    def set_hide_read(self, hide: bool) -> None:
        self._hide_read = hide
        self._refilter()

    def keep(self, scope: Scope | None) -> None:
        """Always show this scope's row (the selected one)."""
        kept = (scope.kind, scope.target_id) if scope is not None else None
        if kept != self._kept:
            before, self._kept = self._kept, kept
            if self.active:
                self._update_rows([key for key in (before, kept) if key is not None])

    @property
    def active(self) -> bool:
        return bool(self._text) or self._hide_read

    def is_hidden(self, kind: str, scope_id: int | None) -> bool:
        return (kind, scope_id) in self._hidden

    def _accepts(self, scope: Scope, group: Scope | None = None) -> bool:
        """Whether the row shows by itself (a category: also whenever a feed of it shows)."""
        if scope.kind == "all" or (scope.kind, scope.target_id) == self._kept:
            return True
        if self._hide_read and self.source.counts_known and not self.source.unread(scope):
            return False
        text = self._text
        return not text or text in scope.name.casefold() or (
            group is not None and text in group.name.casefold())

    def _feed_test(self):
        """``shows(feed_id, name, in_group)``: whether a feed's row shows (as _accepts words it;
        ``in_group``: the filter text is in its category's name), made once per pass over the
        rows: with 2,000 feeds the test runs at each key typed, and a category's job moves ~700
        counts per chunk (issue 26)."""
        by_count = self._hide_read and self.source.counts_known
        counts = self.source.overview.unread_by_feed if by_count else {}
        text = self._text
        kept = self._kept[1] if self._kept is not None and self._kept[0] == "feed" else None

        def shows(feed_id: int, name: str, in_group: bool) -> bool:
            return feed_id == kept or ((not by_count or bool(counts.get(feed_id, 0)))
                                       and (not text or in_group or text in name.casefold()))
        return shows

    def _rebuilt(self) -> None:
        self._hidden.clear()  # (a reset view forgets its hidden rows)
        self._shown_feeds.clear()
        self._refilter()
        # Each group with feeds expanded, not expandAll(): after a reset the view only notes
        # them and lays the tree out once, later, in a tick of its own; expandAll() lays it out
        # at once, asking the model about each feed three times (2,000 feeds: ~10 ms more in
        # the tick that built the tree).
        for group_row, _group in enumerate(self.source.groups()):
            if self.source.feeds_of(group_row):
                self.view.setExpanded(self.source.index(group_row, 0), True)

    def _refilter(self) -> None:
        """Every row again (the text or hide_read changed)."""
        self._hidden_unknown_counts = not self.source.counts_known
        top = QModelIndex()
        source, text, hidden = self.source, self._text, self._hidden
        shows = self._feed_test()
        for group_row, group in enumerate(source.groups()):
            feeds = source.feeds_of(group_row)
            parent = source.index(group_row, 0)  # (once: the view asks for each row)
            in_group = bool(text) and text in group.name.casefold()
            shown = 0
            for row, scope in enumerate(feeds):
                visible = shows(scope.target_id, scope.name, in_group)
                shown += visible
                key = ("feed", scope.target_id)
                if visible == (key in hidden):  # it flips
                    self._show(row, parent, key, visible)
            self._shown_feeds[group_row] = shown
            self._show(group_row, top, (group.kind, group.target_id),
                       bool(shown) or self._accepts(group))

    def _counts_moved(self, keys: list) -> None:
        if not self._hide_read:
            return
        if self._hidden_unknown_counts:  # the outline's counts came: hide the read rows now
            self._refilter()
        else:
            self._update_rows(keys)

    def _update_rows(self, keys) -> None:
        """These rows again (their count moved, or they are kept no more), then their groups."""
        source, hidden, shown_feeds, view = self.source, self._hidden, self._shown_feeds, self.view
        places, group_scopes = source.places(), source.groups()
        shows, text = self._feed_test(), self._text
        groups: dict[int, QModelIndex | None] = {}
        for key in keys:
            place = places.get(key)
            if place is None:
                continue
            group_row, row = place
            if group_row < 0:
                groups.setdefault(row, None)
                continue
            parent = groups.get(group_row)
            if parent is None:
                parent = groups[group_row] = source.index(group_row, 0)
            visible = shows(key[1], source.feeds_of(group_row)[row].name,
                            bool(text) and text in group_scopes[group_row].name.casefold())
            if visible == (key in hidden):  # it flips
                if visible:
                    hidden.discard(key)
                    shown_feeds[group_row] += 1
                else:
                    hidden.add(key)
                    shown_feeds[group_row] -= 1
                view.setRowHidden(row, parent, not visible)
        top = QModelIndex()
        for group_row in groups:
            group = group_scopes[group_row]
            self._show(group_row, top, (group.kind, group.target_id),
                       bool(shown_feeds.get(group_row)) or self._accepts(group))

    def _show(self, row: int, parent: QModelIndex, key, visible: bool) -> None:
        if visible == (key not in self._hidden):
            return  # as it is
        if visible:
            self._hidden.discard(key)
        else:
            self._hidden.add(key)
        self.view.setRowHidden(row, parent, not visible)


class FeedPane(QWidget):
    def __init__(self, model: ScopeTreeModel, parent=None):
        super().__init__(parent)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter feeds (Ctrl+F)"))
        self.filter_edit.setAccessibleName(self.tr("Filter feeds by name"))
        self.filter_edit.setClearButtonEnabled(True)
        self.model = model
        self.filter_edit.textChanged.connect(self._text_changed)
        self.tree = QTreeView()
        self.tree.setModel(model)
        self.tree.setAccessibleName(self.tr("Categories and feeds"))
        self.tree.setUniformRowHeights(True)
        # (a feed's cells have Qt's default flags, editable among them: see ScopeTreeModel)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The counts' width is worked out from the widest count (All articles'): Qt's
        # ResizeToContents would measure every row of the tree on each change.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setMinimumSectionSize(COUNT_MIN_WIDTH)
        self._count_width = 0
        # The names keep a readable width: at 640 px the pane takes it, never the names.
        self.tree.setMinimumWidth(NAME_MIN_WIDTH + 110)  # (+ indentation, icon, count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        self.filter = FeedFilter(model, self.tree)
        model.countsMoved.connect(self._fit_counts)
        self._fit_counts()

    def _fit_counts(self, *_) -> None:
        total = self.model.unread(Scope("all"))
        text = number(total) if total else ""
        width = max(COUNT_MIN_WIDTH, self.tree.fontMetrics().horizontalAdvance(text)
                    + 2 * self.tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin)
                    + COUNT_PADDING,
                    # and its header whole ("Ungelesen" is wider than any count)
                    self.tree.header().sectionSizeFromContents(1).width())
        if width != self._count_width:
            self._count_width = width
            self.tree.header().resizeSection(1, width)

    def _text_changed(self, text: str) -> None:
        self.filter.set_text(text)

    def view_index(self, source_index):
        """The view's index of a model index (the view shows the model itself)."""
        return source_index
