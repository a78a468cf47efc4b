"""Overlays: a widget laid over another (the empty list's words over a table's viewport)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtWidgets import QWidget


class FollowSize(QObject):
    """Keeps an overlay where the widget it lies on is, and its size. The overlay may be that
    widget's child, or a child of one of its ancestors: an overlay inside a table's viewport is
    no part of the accessible tree (a table's accessible children are its cells) and is out of
    the Tab order, so words and buttons a screen reader must find lie over the table instead."""

    def __init__(self, overlay: QWidget, under: QWidget):
        super().__init__(overlay)
        self._overlay = overlay
        self._under = under
        # ``under`` and its ancestors below the overlay's parent: their moves move it too
        widget = under
        while widget is not None and widget is not overlay.parentWidget():
            widget.installEventFilter(self)
            widget = widget.parentWidget()

    def eventFilter(self, watched, event):
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            parent = self._overlay.parentWidget()
            corner = (QPoint(0, 0) if parent is self._under
                      else self._under.mapTo(parent, QPoint(0, 0)))
            self._overlay.setGeometry(QRect(corner, self._under.size()))
        return False
