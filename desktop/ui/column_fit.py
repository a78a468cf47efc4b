"""Tables in a narrow window: the less needed columns give way to the one that stretches."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView, QWidget


class OnResize(QObject):
    """Calls ``react`` after the watched widget changed size."""

    def __init__(self, watched: QWidget, react):
        super().__init__(watched)
        self._react = react
        watched.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Resize:
            self._react()
        return False


class ColumnsGiveWay:
    """Keeps a table's stretched column at least ``minimum`` pixels wide by hiding the columns
    of ``give_way``, in that order, while the others' widths leave it less; each comes back,
    as wide as it was, once there is room. ``widths``: each column's width when first shown
    again (a header state saved in a narrow window has it hidden). A column of give_way that
    has nothing to show (``set_unused``) is hidden first, whatever the room."""

    def __init__(self, view: QTableView, stretched: int, minimum: int, give_way: Sequence[int],
                 widths: dict[int, int]):
        self._view, self._stretched, self._minimum = view, stretched, minimum
        self._give_way, self._widths = tuple(give_way), dict(widths)
        self._unused: frozenset[int] = frozenset()
        OnResize(view.viewport(), self.fit)

    def set_unused(self, columns: set[int]) -> None:
        if frozenset(columns) != self._unused:
            self._unused = frozenset(columns)
            self.fit()

    def fit(self) -> None:
        header = self._view.horizontalHeader()
        widths = {}
        for column in range(header.count()):
            if column != self._stretched:
                widths[column] = (self._widths.get(column, header.defaultSectionSize())
                                  if header.isSectionHidden(column)
                                  else header.sectionSize(column))
        room = self._view.viewport().width() - self._minimum
        shown = set(widths) - self._unused
        for column in self._give_way:
            if sum(widths[kept] for kept in shown) <= room:
                break
            shown.discard(column)
        for column in self._give_way:
            hide = column not in shown
            if hide == header.isSectionHidden(column):
                continue
            if hide:  # its width, for when it is shown again
                self._widths[column] = header.sectionSize(column)
            header.setSectionHidden(column, hide)
            if not hide:
                header.resizeSection(column, self._widths[column])
