"""Focus that enters a list, table or tree lands on an item, for a screen reader too.

Qt tells assistive technology that the view has the focus, and names an item only when the
current item changes. Tabbing into a view, or coming back to it from a dialog or a menu, left
a screen reader on the container ("Jobs, table"), the item under the cursor unsaid; and a view
whose model was reset (the jobs table at every reload) had no current item at all.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QAbstractItemView


def select_row(view: QAbstractItemView, row: int, column: int) -> None:
    """Select ``row`` with the cursor in ``column`` (QTableView.selectRow puts it in the
    leftmost column: a screen reader then names the row by its "#" or its ★)."""
    flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
             | QItemSelectionModel.SelectionFlag.Rows)
    view.selectionModel().setCurrentIndex(view.model().index(row, max(0, column)), flags)


class ItemFocus(QObject):
    """Installed on a view: focus coming in by keyboard, or back from a dialog or a menu,
    makes an item current if none is (the selected row's, else the first; in ``column``, the
    one that names a row), without selecting it, and tells assistive technology the item has
    the focus."""

    def __init__(self, view: QAbstractItemView, column: int = 0):
        super().__init__(view)
        self._view = view
        self._column = column
        view.installEventFilter(self)

    def eventFilter(self, watched, event):
        if (event.type() == QEvent.Type.FocusIn
                and event.reason() != Qt.FocusReason.MouseFocusReason):  # (a click picks one)
            self._ensure_current()
            # Qt says the view has the focus after this event: the item is said after that
            QTimer.singleShot(0, self, self._say_current)
        return False

    def _ensure_current(self) -> None:
        view, model = self._view, self._view.model()
        if model is None or view.currentIndex().isValid() or not model.rowCount():
            return
        selected = view.selectionModel().selectedIndexes()
        index = model.index(selected[0].row() if selected else 0, self._column,
                            selected[0].parent() if selected else view.rootIndex())
        view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def _say_current(self) -> None:
        view = self._view
        if not (QAccessible.isActive() and view.hasFocus() and view.currentIndex().isValid()):
            return
        interface = QAccessible.queryAccessibleInterface(view)
        item = interface.focusChild() if interface is not None else None
        if item is None:
            return
        event = QAccessibleEvent(view, QAccessible.Event.Focus)
        event.setChild(interface.indexOfChild(item))
        QAccessible.updateAccessibility(event)
