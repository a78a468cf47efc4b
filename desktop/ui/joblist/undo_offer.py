"""The Undo button that stands in the status bar for a few seconds after a job completes."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QPushButton

from ..resources import icon

OFFER_MS = 10_000


class UndoOffer(QPushButton):
    undoRequested = Signal(int)  # the job to undo

    def __init__(self, parent=None):
        super().__init__(icon("undo"), self.tr("Undo"), parent)
        self.setAccessibleName(self.tr("Undo the job that just finished"))
        self.job_id: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.clicked.connect(self._clicked)
        self.hide()

    def offer(self, job_id: int) -> None:
        self.job_id = job_id
        self.setText(self.tr("Undo job {job}").format(job=job_id))
        self.show()
        self._timer.start(OFFER_MS)

    def withdraw(self) -> None:
        self._timer.stop()
        self.hide()

    def _clicked(self) -> None:
        self.withdraw()
        if self.job_id is not None:
            self.undoRequested.emit(self.job_id)
