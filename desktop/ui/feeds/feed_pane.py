"""The left pane: a filter box over the category → feed tree, which can hide read feeds."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from .scope_tree import SCOPE_ROLE, ScopeTreeModel, TreeScope

NAME_MIN_WIDTH = 120  # a feed's name never shrinks below this; the pane scrolls instead


class FeedFilter(QSortFilterProxyModel):
    """Rows whose name (or whose category's name) contains the filter text, and, with
    ``hide_read``, only those with something unread. *All articles* always stays, and so does
    the selected row, so that a filter never pulls the selection from under the person."""

    def __init__(self, source: ScopeTreeModel, parent=None):
        super().__init__(parent)
        self.setSourceModel(source)
        self.setRecursiveFilteringEnabled(True)  # a category stays while a feed of it matches
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._text = ""
        self._hide_read = False
        self._kept: tuple[str, int | None] | None = None

    def _change(self, **values) -> None:
        """Set what the filter depends on and filter the rows again (Qt 6.10's way)."""
        self.beginFilterChange()
        for name, value in values.items():
            setattr(self, name, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self._change(_text=text.strip().casefold())

    def set_hide_read(self, hide: bool) -> None:
        self._change(_hide_read=hide)

    def keep(self, scope: TreeScope | None) -> None:
        """Always show this scope's row (the selected one)."""
        kept = (scope.kind, scope.id) if scope is not None else None
        if kept != self._kept:
            if self.active:
                self._change(_kept=kept)
            else:
                self._kept = kept  # nothing is hidden: no need to filter again

    @property
    def active(self) -> bool:
        return bool(self._text) or self._hide_read

    def filterAcceptsRow(self, row, parent):
        source = self.sourceModel()
        scope: TreeScope = source.index(row, 0, parent).data(SCOPE_ROLE)
        if scope is None or scope.kind == "all" or (scope.kind, scope.id) == self._kept:
            return True
        if self._hide_read and not source.unread(scope):
            return False
        if not self._text:
            return True
        names = [scope.name]
        if parent.isValid():
            names.append(parent.data(SCOPE_ROLE).name)
        return any(self._text in name.casefold() for name in names)


class FeedPane(QWidget):
    def __init__(self, model: ScopeTreeModel, parent=None):
        super().__init__(parent)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter feeds (Ctrl+F)")
        self.filter_edit.setAccessibleName("Filter feeds by name")
        self.filter_edit.setClearButtonEnabled(True)
        self.proxy = FeedFilter(model, self)
        self.filter_edit.textChanged.connect(self._text_changed)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setAccessibleName("Categories and feeds")
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(40)
        # The names keep a readable width: at 640 px the pane takes it, never the names.
        self.tree.setMinimumWidth(NAME_MIN_WIDTH + 110)  # (+ indentation, icon, count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        self.proxy.rowsInserted.connect(lambda *_: self.tree.expandAll())
        self.proxy.modelReset.connect(self.tree.expandAll)
        self.proxy.layoutChanged.connect(self.tree.expandAll)

    def _text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self.tree.expandAll()

    def view_index(self, source_index):
        return self.proxy.mapFromSource(source_index)
