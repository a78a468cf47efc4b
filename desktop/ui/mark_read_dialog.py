"""The confirmation before a bulk mark-read: names the scope and the unread count."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from .scope_tree import TreeScope

AGE_CHOICES = (("Any age", None), ("Older than 1 day", "1d"), ("Older than 1 week", "1w"),
               ("Older than 2 weeks", "2w"))


class MarkReadDialog(QDialog):
    """Shown with ``open()`` (never ``exec()``: a nested loop breaks qasync).

    The window counts off the GUI thread and calls ``show_count``; changing the age choice
    emits ``ageChanged`` so it recounts. ``confirmed`` carries the age, the watermark of the
    count the user saw, and "don't ask again".
    """

    ageChanged = Signal(object)
    confirmed = Signal(object, int, bool)  # age ("1d"...) or None, watermark, don't ask again

    def __init__(self, scope: TreeScope, parent=None):
        super().__init__(parent)
        self.scope = scope
        self.setWindowTitle("Mark as read")
        self._watermark: int | None = None
        self.question = QLabel(f"Counting unread articles in {self._where()}…")
        self.question.setWordWrap(True)
        self.warning = QLabel()  # the web server marking some of these articles right now
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.age = QComboBox()
        self.age.setAccessibleName("Only articles older than")
        for label, value in AGE_CHOICES:
            self.age.addItem(label, value)
        self.age.currentIndexChanged.connect(self._age_changed)
        self.dont_ask = QCheckBox("Don't ask again")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Mark as read")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Articles:", self.age)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.warning)
        layout.addLayout(form)
        layout.addWidget(self.dont_ask)
        layout.addWidget(self.buttons)

    def _where(self) -> str:
        return {"all": "all feeds", "category": self.scope.name, "feed": self.scope.name}.get(
            self.scope.kind, self.scope.name)

    def show_count(self, count: int, watermark: int, server_jobs: list[int] = ()) -> None:
        """The count the user confirms; ``server_jobs``: the web server's jobs running on some
        of the same articles (its own way of marking can fail beside ours)."""
        self._watermark = watermark
        noun = "article" if count == 1 else "articles"
        self.question.setText(f"Mark {count:,} {noun} in {self._where()} as read?")
        if server_jobs:
            jobs = ", ".join(str(job_id) for job_id in server_jobs)
            self.warning.setText(f"⚠ The web server is marking some of these articles read right "
                                 f"now (job {jobs}). Running both at once can make its job fail.")
        self.warning.setVisible(bool(server_jobs))
        self.ok_button.setEnabled(True)

    def _age_changed(self, _index) -> None:
        self.ok_button.setEnabled(False)
        self.question.setText(f"Counting unread articles in {self._where()}…")
        self.ageChanged.emit(self.age.currentData())

    def _accept(self) -> None:
        if self._watermark is None:
            return
        self.confirmed.emit(self.age.currentData(), self._watermark, self.dont_ask.isChecked())
        self.accept()
