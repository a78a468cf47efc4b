"""The status bar's message: always one line, cut to fit with the whole text as its tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from .formatting import one_line


class StatusLine(QLabel):
    """``setText`` shows the first line of a message, elided to the width; ``full_text`` and
    the tooltip keep all of it. The status bar never grows to several lines.

    ``set_state`` names what lasts (the open database, why it is read-only or failed);
    ``restore_state`` goes back to it once a message no longer applies (the question it asked
    was answered), so that no answered question or past error stays in the bar.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.full_text = ""
        self.state_text = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text if text != one_line(text) or len(text) > 60 else "")
        self._show()

    def set_state(self, text: str) -> None:
        self.state_text = text
        self.setText(text)

    def restore_state(self, unless_changed_from: str | None = None) -> None:
        """Show the lasting state again; with ``unless_changed_from``, only if the bar still
        shows that message (a newer one stays)."""
        if unless_changed_from is None or self.full_text == unless_changed_from:
            self.setText(self.state_text)

    def _show(self) -> None:
        line = one_line(self.full_text)
        width = max(self.width() - 4, 40)
        super().setText(self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._show()
