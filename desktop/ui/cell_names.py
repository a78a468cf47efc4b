"""A cell's new name told to assistive technology when its data changes.

Qt tells AT-SPI only that a view's data changed somewhere (``visible-data-changed``), never
that a cell's name did, and AT-SPI clients cache the names they have read: heard over AT-SPI,
the feeds tree's counts stayed "counting…" long after they were known, a zero count blank,
an article marked read still "unread". This sends a NameChanged event for each visible cell
whose name changed (the cells a screen reader has read or can reach by arrowing).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPersistentModelIndex, QTimer
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView

NAMES_EVERY_MS = 1000  # a job's chunks change counts and rows dozens of times a second


class CellNames(QObject):
    """Installed on a view. Changes are gathered and told together ``interval_ms`` after the
    first; a cell is told only when its name differs from the one last told there (a cell is
    an AT-SPI object by its place: row and column)."""

    def __init__(self, view: QAbstractItemView, interval_ms: int = NAMES_EVERY_MS):
        super().__init__(view)
        self._view = view
        self._told: dict[tuple, str] = {}
        self._ranges: list[tuple[QPersistentModelIndex, int, int, int, int]] = []
        self._everything = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tell)
        model = view.model()
        model.dataChanged.connect(self._data_changed)
        model.layoutChanged.connect(self._layout_changed)

    def _data_changed(self, top_left, bottom_right, _roles=()) -> None:
        if QAccessible.isActive():
            self._ranges.append((QPersistentModelIndex(top_left.parent()), top_left.row(),
                                 bottom_right.row(), top_left.column(), bottom_right.column()))
            self._start()

    def _layout_changed(self, *_) -> None:
        if QAccessible.isActive():
            self._everything = True
            self._start()

    def _start(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _tell(self) -> None:
        ranges, everything = self._ranges, self._everything
        self._ranges, self._everything = [], False
        view = self._view
        interface = QAccessible.queryAccessibleInterface(view)
        if interface is None or not view.isVisible() or not QAccessible.isActive():
            return
        for index in self._visible_cells():
            if not everything and not any(
                    parent == index.parent() and top <= index.row() <= bottom
                    and left <= index.column() <= right
                    for parent, top, bottom, left, right in ranges):
                continue
            centre = view.visualRect(index).center()
            if not view.viewport().rect().contains(centre):
                continue  # (scrolled out of sight sideways)
            cell = interface.childAt(*view.viewport().mapToGlobal(centre).toTuple())
            if cell is None:
                continue
            place = (index.row(), index.column(), index.parent().row(), index.internalId())
            name = cell.text(QAccessible.Text.Name)
            if self._told.get(place) == name:
                continue
            self._told[place] = name
            event = QAccessibleEvent(view, QAccessible.Event.NameChanged)
            event.setChild(interface.indexOfChild(cell))
            QAccessible.updateAccessibility(event)

    def _visible_cells(self):
        view, model = self._view, self._view.model()
        height = view.viewport().height()
        index = view.indexAt(view.viewport().rect().topLeft())
        while index.isValid() and view.visualRect(index).top() < height:
            for column in range(model.columnCount(index.parent())):
                if not view.isColumnHidden(column):
                    yield index.siblingAtColumn(column)
            index = (view.indexBelow(index) if isinstance(view, QTreeView)
                     else model.index(index.row() + 1, 0, index.parent()))
