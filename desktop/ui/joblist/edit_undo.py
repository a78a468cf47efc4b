"""*Edit › Undo* (Ctrl+Z): what the person did last — typing in a text box, or a job.

A text box takes Ctrl+Z for itself whenever it has focus, so with the cursor still in the
search box after marking a category read, Ctrl+Z used to change the search text back while
the menu promised to undo the job. Here the window's one Undo action decides, and its text
says which: "Undo typing" while the focused text box has typing newer than the last job this
window started or undid, else "Undo last mark as read". Ctrl+Z in the text boxes goes to that
action (the boxes' own Redo and context menu stay theirs), so the menu, the key and the result
always agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QMenuBar


def job_text() -> str:
    return QCoreApplication.translate("EditUndo", "&Undo last mark as read")


def typing_text() -> str:
    return QCoreApplication.translate("EditUndo", "&Undo typing")


class EditUndo(QObject):
    """Drives ``action`` for the text boxes ``edits``: ``undo_job()`` runs the job's undo,
    ``job_can_be_undone()`` says whether there is one; ``job_acted()`` is told when the person
    starts or undoes a job (it is then newer than any typing so far)."""

    def __init__(self, action: QAction, edits: list[QLineEdit], undo_job: Callable[[], None],
                 job_can_be_undone: Callable[[], bool]):
        super().__init__(action)
        self.action = action
        self._edits = list(edits)
        self._undo_job = undo_job
        self._job_can_be_undone = job_can_be_undone
        self._turns = itertools.count(1)
        self._job_turn = 0
        self._typed_turn = {edit: 0 for edit in self._edits}
        self._working_in = QApplication.focusWidget()  # where the keyboard was, menus aside
        for edit in self._edits:
            edit.installEventFilter(self)
            edit.textEdited.connect(lambda _text, edit=edit: self._typed(edit))
            edit.textChanged.connect(self.update)  # its undo steps change (an undo, a clear)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        action.triggered.connect(self._triggered)
        self.update()

    def job_acted(self) -> None:
        self._job_turn = next(self._turns)
        self.update()

    @property
    def job_turn(self) -> int:
        """The number of the last job_acted(): a write that noted it is the newest while it
        has not moved (articles/selection.py's marking unread)."""
        return self._job_turn

    def typing_to_undo(self) -> QLineEdit | None:
        """The focused text box, if what Ctrl+Z undoes now is its typing."""
        edit = self._working_in
        if edit not in self._edits or not edit.isUndoAvailable():
            return None
        if self._typed_turn[edit] > self._job_turn or not self._job_can_be_undone():
            return edit
        return None

    def update(self, *_args) -> None:
        typing = self.typing_to_undo() is not None
        self.action.setText(typing_text() if typing else job_text())
        self.action.setEnabled(typing or self._job_can_be_undone())

    def eventFilter(self, watched, event) -> bool:
        # The box would claim Ctrl+Z (ShortcutOverride accepted): leave it to the action.
        if (event.type() == QEvent.Type.ShortcutOverride and watched in self._edits
                and event.matches(QKeySequence.StandardKey.Undo)):
            event.ignore()
            return True
        return False

    def _typed(self, edit: QLineEdit) -> None:
        self._typed_turn[edit] = next(self._turns)
        self.update()

    def _focus_changed(self, _old, new) -> None:
        # Alt+E gives the menu bar the keyboard: the menu's Undo still means the text box
        if new is not None and not isinstance(new, (QMenu, QMenuBar)):
            self._working_in = new
        self.update()

    def _triggered(self) -> None:
        edit = self.typing_to_undo()
        if edit is not None:
            edit.undo()
        elif self._job_can_be_undone():
            self._undo_job()
