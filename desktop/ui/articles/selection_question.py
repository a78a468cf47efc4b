"""The question before marking a large selection as read (Ctrl+A over a long list, a long
Shift-click range): how many articles, where, and that Ctrl+Z undoes it.

A handful of rows a person picked by hand is marked at once, as a click on M is; from
CONFIRM_SELECTION_AT rows on the selection is more than anyone checks row by row (it came from
Ctrl+A or a range over many screens), so the window asks first, as *Mark all as read* does —
and as that one, not when the person turned the confirmation off in Preferences.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ...jobs.api import Scope
from ..formatting import isolated

CONFIRM_SELECTION_AT = 1_000  # rows: about 25 screens of the list


def ask_to_mark_selection(parent: QWidget, count: int, more: bool, scope: Scope,
                          marked: Callable[[], None]) -> QMessageBox:
    """Opened (never exec(): a nested loop breaks qasync); ``marked`` runs on Yes. ``more``:
    the count is what the list has read so far, the list goes on."""
    translate = QCoreApplication.translate
    # named as the Mark all as read question names it: "in Tech", "in all feeds"
    where = (translate("SelectionQuestion", "all feeds") if scope.kind == "all"
             else isolated(scope.name))
    question = (translate("SelectionQuestion", "Mark at least %Ln article(s) in {where} as "
                          "read — the whole list?", "", count) if more
                else translate("SelectionQuestion", "Mark %Ln selected article(s) in {where} as "
                               "read?", "", count)).format(where=where)
    box = QMessageBox(QMessageBox.Icon.Question,
                      translate("SelectionQuestion", "Mark as read"), question,
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText(translate("SelectionQuestion",
                                     "It runs as one job; Ctrl+Z marks them unread again."))
    box.button(QMessageBox.StandardButton.Ok).setText(translate("SelectionQuestion",
                                                                "Mark as read"))
    box.setDefaultButton(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.accepted.connect(marked)
    box.open()
    return box
