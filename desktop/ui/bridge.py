"""Adapts the engine's plain-Python job events to a Qt signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..jobs.api import BulkOperationManager, JobEvent


class EngineBridge(QObject):
    """Re-emits every JobEvent of a manager as ``jobEvent``, and every article write
    (ArticleChange) as ``articleChanged``.

    The engine publishes on the event loop's thread, which under qasync is the GUI thread, so
    the signals are delivered directly.
    """

    jobEvent = Signal(object)
    articleChanged = Signal(object)

    def __init__(self, manager: BulkOperationManager, parent=None):
        super().__init__(parent)
        self._unsubscribe = [manager.subscribe(self._forward),
                             manager.subscribe_articles(self.articleChanged.emit)]

    def _forward(self, event: JobEvent) -> None:
        self.jobEvent.emit(event)

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
