"""Overlays: a widget laid over another (the empty list's words over a table's viewport)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class FollowSize(QObject):
    """Keeps an overlay the size of the widget it lies on."""

    def __init__(self, overlay: QWidget, under: QWidget):
        super().__init__(overlay)
        self._overlay = overlay
        under.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Resize:
            self._overlay.setGeometry(watched.rect())
        return False
