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
from ..window.settings import age_label, age_phrase
from .announcer import announce


class MarkReadDialog(QDialog):
    """Shown with ``open()`` (never ``exec()``: a nested loop breaks qasync).

    The window counts off the GUI thread and calls ``show_count``; changing the age choice
    emits ``ageChanged`` so it recounts. ``confirmed`` carries the age, the watermark and the
    count the user saw, and "don't ask again".

    ``closed`` turns True the moment the dialog is answered (Esc, Cancel, OK), before Qt can
    delete it: a count that arrives later sees it and leaves the dialog alone. ``count_task``
    is the count in flight, cancelled when the dialog closes or asks for another count.

    With ``up_to`` (an article of the list) it asks about that article and every article of the
    scope received before it ("Mark this and everything older"): no age to choose then. With
    ``newer_end`` too, about that article and every article received after it up to the list's
    end (the id ``newer_end``: "Mark this and everything newer").
    """

    ageChanged = Signal(object)
    confirmed = Signal(object, int, int, bool)  # age or None, watermark, count, don't ask again

    def __init__(self, scope: Scope, age_choices, default_age: str | None = None,
                 parent=None, *, up_to: ArticleRow | None = None, by_published: bool = False,
                 newer_end: int | None = None):
        super().__init__(parent)
        self.scope = scope
        self.up_to = up_to
        self.newer_end = newer_end if up_to is not None else None
        if up_to is not None:
            age_choices, default_age = [(age_label(None), None)], None
        self.closed = False
        self.count_task: asyncio.Task | None = None
        self.setWindowTitle(self.tr("Mark as read"))
        self._watermark: int | None = None
        self._count = 0
        self.age = QComboBox()
        self.age.setAccessibleName(self.tr("Only articles older than"))
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
        self.question = QLabel(self._counting())
        self.question.setWordWrap(True)
        self.question.setMinimumWidth(420)  # the longest question on one or two whole lines
        self.warning = QLabel()  # the web server marking some of these articles right now
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.dont_ask = QCheckBox(
            self.tr("Don't ask again (Edit › Preferences turns it back on)"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Mark as read"))
        self.ok_button.setEnabled(False)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.warning)
        if up_to is None:
            form = QFormLayout()
            form.addRow(self.tr("Articles:"), self.age)
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
        where = (self.tr("all feeds") if self.scope.kind == "all"
                 else isolated(self.scope.name))
        age = self.selected_age()
        if not age:
            return where
        if self.selected_by() == "published":
            return self.tr("{where} ({age}, by publication date)").format(
                where=where, age=age_phrase(age))
        return self.tr("{where} ({age})").format(where=where, age=age_phrase(age))

    def _counting(self) -> str:
        return self.tr("Counting unread articles in {where}…").format(where=self._where())

    def _title(self) -> str:
        """The article of "this and everything older", cut to 60 characters."""
        title = self.up_to.title if len(self.up_to.title) <= 60 else self.up_to.title[:59] + "…"
        return isolated(title)

    def show_count(self, count: int, watermark: int, server_jobs: list[int] = ()) -> None:
        """The count the user confirms; ``server_jobs``: the web server's jobs running on some
        of the same articles (its own way of marking can fail beside ours). Nothing unread:
        nothing to confirm (a job that marks nothing is never created)."""
        self._watermark, self._count = watermark, count
        if count and self.newer_end is not None:
            self.question.setText(self.tr(
                "Mark %Ln unread article(s) in {where} as read: “{title}” and every article "
                "received after it?", "", count).format(where=self._where(), title=self._title()))
        elif count and self.up_to is not None:
            self.question.setText(self.tr(
                "Mark %Ln unread article(s) in {where} as read: “{title}” and every article "
                "received before it?", "", count).format(where=self._where(), title=self._title()))
        elif count:
            self.question.setText(self.tr("Mark %Ln unread article(s) in {where} as read?", "",
                                          count).format(where=self._where()))
        elif self.newer_end is not None:
            self.question.setText(self.tr(
                "Nothing unread in {where} from “{title}” on: there is nothing to mark as read."
            ).format(where=self._where(), title=isolated(self.up_to.title)))
        elif self.up_to is not None:
            self.question.setText(self.tr(
                "Nothing unread in {where} up to “{title}”: there is nothing to mark as read."
            ).format(where=self._where(), title=isolated(self.up_to.title)))
        else:
            self.question.setText(self.tr(
                "Nothing unread in {where}: there is nothing to mark as read."
            ).format(where=self._where()))
        if server_jobs and count:
            jobs = ", ".join(str(job_id) for job_id in server_jobs)
            self.warning.setText(self.tr(
                "⚠ The web server is marking some of these articles read right now (job {jobs}). "
                "Running both at once can make its job fail.").format(jobs=jobs))
        self.warning.setVisible(bool(server_jobs) and bool(count))
        self.ok_button.setEnabled(count > 0)
        self.cancel_button.setText(self.tr("Cancel") if count else self.tr("Close"))
        self.adjustSize()  # a longer question or the warning: grow, never clip
        # The dialog took the focus while it was counting (a large file: a third of a second),
        # and a screen reader said "Counting…": the question it asks is said when it is known.
        warning = self.warning.text() if self.warning.isVisibleTo(self) else ""
        announce(self, f"{self.question.text()} {warning}".strip())

    def _age_changed(self, _index) -> None:
        self.by_published.setEnabled(self.selected_age() is not None)
        self._watermark = None
        self.ok_button.setEnabled(False)
        self.question.setText(self._counting())
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
