"""The confirmation before a bulk mark-read: names the scope and the unread count."""

from __future__ import annotations

import asyncio

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

from ...jobs.api import ArticleRow, Scope
from ..formatting import isolated


class MarkReadDialog(QDialog):
    """Shown with ``open()`` (never ``exec()``: a nested loop breaks qasync).

    The window counts off the GUI thread and calls ``show_count``; changing the age choice
    emits ``ageChanged`` so it recounts. ``confirmed`` carries the age, the watermark and the
    count the user saw, and "don't ask again".

    ``closed`` turns True the moment the dialog is answered (Esc, Cancel, OK), before Qt can
    delete it: a count that arrives later sees it and leaves the dialog alone. ``count_task``
    is the count in flight, cancelled when the dialog closes or asks for another count.

    With ``up_to`` (an article of the list) it asks about that article and every article of the
    scope received before it ("Mark this and everything older"): no age to choose then.
    """

    ageChanged = Signal(object)
    confirmed = Signal(object, int, int, bool)  # age or None, watermark, count, don't ask again

    def __init__(self, scope: Scope, age_choices, default_age: str | None = None,
                 parent=None, *, up_to: ArticleRow | None = None, by_published: bool = False):
        super().__init__(parent)
        self.scope = scope
        self.up_to = up_to
        if up_to is not None:
            age_choices, default_age = [("Any age", None)], None
        self.closed = False
        self.count_task: asyncio.Task | None = None
        self.setWindowTitle("Mark as read")
        self._watermark: int | None = None
        self._count = 0
        self.age = QComboBox()
        self.age.setAccessibleName("Only articles older than")
        for label, value in age_choices:
            self.age.addItem(label, value)
        self.age.setCurrentIndex(max(0, self.age.findData(default_age)))
        self.age.currentIndexChanged.connect(self._age_changed)
        # the age by publication date rather than arrival (an article without one: arrival)
        self.by_published = QCheckBox(self.tr(
            "By publication date (articles without one count by arrival)"), self)
        self.by_published.setVisible(up_to is None)  # (no age for "this and everything older")
        self.by_published.setChecked(by_published)
        self.by_published.setEnabled(self.selected_age() is not None)
        self.by_published.toggled.connect(self._age_changed)
        self.question = QLabel(f"Counting unread articles in {self._where()}…")
        self.question.setWordWrap(True)
        self.question.setMinimumWidth(420)  # the longest question on one or two whole lines
        self.warning = QLabel()  # the web server marking some of these articles right now
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.dont_ask = QCheckBox("Don't ask again (Edit › Preferences turns it back on)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Mark as read")
        self.ok_button.setEnabled(False)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.warning)
        if up_to is None:
            form = QFormLayout()
            form.addRow("Articles:", self.age)
            form.addRow("", self.by_published)
            layout.addLayout(form)
        layout.addWidget(self.dont_ask)
        layout.addWidget(self.buttons)

    def selected_age(self) -> str | None:
        return self.age.currentData()

    def selected_by(self) -> str:
        """What the age counts: "published" or "received" (the arrival)."""
        return ("published" if self.selected_age() and self.by_published.isChecked()
                else "received")

    def _where(self) -> str:
        """'Tech', 'all feeds', 'Tech (older than 1 week)'."""
        where = {"all": "all feeds"}.get(self.scope.kind, isolated(self.scope.name))
        if self.selected_by() == "published":
            return self.tr("{where} ({age}, by publication date)").format(
                where=where, age=self.age.currentText().lower())
        return f"{where} ({self.age.currentText().lower()})" if self.selected_age() else where

    def _bound(self) -> str:
        """', “Title” and every article received before it' for "this and everything older"."""
        if self.up_to is None:
            return ""
        title = self.up_to.title if len(self.up_to.title) <= 60 else self.up_to.title[:59] + "…"
        return f": “{isolated(title)}” and every article received before it"

    def show_count(self, count: int, watermark: int, server_jobs: list[int] = ()) -> None:
        """The count the user confirms; ``server_jobs``: the web server's jobs running on some
        of the same articles (its own way of marking can fail beside ours). Nothing unread:
        nothing to confirm (a job that marks nothing is never created)."""
        self._watermark, self._count = watermark, count
        if count:
            self.question.setText(f"Mark {count:,} unread article{'s' * (count != 1)} in "
                                  f"{self._where()} as read{self._bound()}?")
        elif self.up_to is not None:
            self.question.setText(f"Nothing unread in {self._where()} up to “"
                                  f"{isolated(self.up_to.title)}”: there is nothing to mark "
                                  "as read.")
        else:
            self.question.setText(f"Nothing unread in {self._where()}: there is nothing to "
                                  "mark as read.")
        if server_jobs and count:
            jobs = ", ".join(str(job_id) for job_id in server_jobs)
            self.warning.setText(f"⚠ The web server is marking some of these articles read right "
                                 f"now (job {jobs}). Running both at once can make its job fail.")
        self.warning.setVisible(bool(server_jobs) and bool(count))
        self.ok_button.setEnabled(count > 0)
        self.cancel_button.setText("Cancel" if count else "Close")
        self.adjustSize()  # a longer question or the warning: grow, never clip

    def _age_changed(self, _index) -> None:
        self.by_published.setEnabled(self.selected_age() is not None)
        self._watermark = None
        self.ok_button.setEnabled(False)
        self.question.setText(f"Counting unread articles in {self._where()}…")
        self.adjustSize()
        self.ageChanged.emit(self.selected_age())

    def _accept(self) -> None:
        if self._watermark is None or not self._count:
            return
        self.confirmed.emit(self.selected_age(), self._watermark, self._count,
                            self.dont_ask.isChecked())
        self.accept()

    def done(self, result: int) -> None:
        """Every way of closing comes here first (Esc, Cancel, OK, the window's close)."""
        self.closed = True
        if self.count_task is not None:
            self.count_task.cancel()
        super().done(result)
