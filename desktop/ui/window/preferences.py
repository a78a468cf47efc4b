"""Edit › Preferences: the confirmation, the ages offered, the user, how long jobs are kept."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from ..translations import SYSTEM, language_name, shipped_languages
from .settings import AppSettings, age_choices


class PreferencesDialog(QDialog):
    """Opened with ``open()``; on OK writes the settings and emits ``applied``. Every field is
    a choice or a bounded number: there is no input it could refuse."""

    applied = Signal()

    def __init__(self, settings: AppSettings, users: list[tuple[int, str]],
                 current_user: int | None, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Preferences"))

        self.confirm = QCheckBox(self.tr("Ask before marking as read"))
        self.confirm.setChecked(settings.confirm_mark_read)
        self.custom_days = DaysSpinBox(0, 3650)
        self.custom_days.setSpecialValueText(self.tr("none"))
        self.custom_days.setValue(settings.custom_age_days)
        self.custom_days.setAccessibleName(self.tr("Also offer: older than this many days"))
        self.custom_days.valueChanged.connect(self._fill_ages)
        self.default_age = QComboBox()
        self.default_age.setAccessibleName(self.tr("The age the confirmation starts with"))
        self._fill_ages()
        self.default_age.setCurrentIndex(max(0, self.default_age.findData(settings.default_age)))
        mark = QGroupBox(self.tr("Mark as read"))
        form = QFormLayout(mark)
        form.addRow(self.confirm)
        form.addRow(self.tr("Also offer older than:"), self.custom_days)
        form.addRow(self.tr("Start with:"), self.default_age)

        self.user = QComboBox()
        self.user.setAccessibleName(self.tr("User"))
        for user_id, name in users:
            self.user.addItem(name, user_id)
        self.user.setCurrentIndex(max(0, self.user.findData(current_user)))
        self.user.setEnabled(bool(users))
        # at least a day: with none, each job would go, with its undo, when the next one runs
        self.keep_days = DaysSpinBox(1, 365)
        self.keep_days.setValue(settings.keep_finished_days)
        self.keep_days.setAccessibleName(self.tr("Keep finished jobs for this many days"))
        self.confirm_close = QCheckBox(self.tr("Ask before closing while a job runs"))
        self.confirm_close.setChecked(settings.confirm_close_with_jobs)
        jobs = QGroupBox(self.tr("User and jobs"))
        jobs_form = QFormLayout(jobs)
        jobs_form.addRow(self.tr("User:"), self.user)
        jobs_form.addRow(self.tr("Keep finished jobs:"), self.keep_days)
        note = QLabel(self.tr("Older finished jobs and their undo records are deleted when "
                              "this app next runs a job. The command line and rss-desktop "
                              "work keep them 24 hours unless told otherwise "
                              "(--keep-hours)."))
        note.setWordWrap(True)
        note.setEnabled(False)  # muted: an explanation, not a field
        jobs_form.addRow(note)
        jobs_form.addRow(self.confirm_close)

        self.language = QComboBox()
        self.language.setAccessibleName(self.tr("Language"))
        self.language.addItem(self.tr("System"), SYSTEM)
        for language in shipped_languages():
            self.language.addItem(language_name(language), language)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        window = QGroupBox(self.tr("Window"))
        window_form = QFormLayout(window)
        window_form.addRow(self.tr("Language:"), self.language)
        restart = QLabel(self.tr("A new language is used when the app next starts."))
        restart.setWordWrap(True)
        restart.setEnabled(False)
        window_form.addRow(restart)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(mark)
        layout.addWidget(jobs)
        layout.addWidget(window)
        layout.addWidget(buttons)

    def _fill_ages(self) -> None:
        """The ages the confirmation offers, with the custom one as it is being typed."""
        wanted = self.default_age.currentData()
        self.default_age.blockSignals(True)
        self.default_age.clear()
        for label, age in age_choices(self.custom_days.value()):
            self.default_age.addItem(label, age)
        self.default_age.setCurrentIndex(max(0, self.default_age.findData(wanted)))
        self.default_age.blockSignals(False)

    def selected_user(self) -> int | None:
        return self.user.currentData()

    def _apply(self) -> None:
        self.settings.confirm_mark_read = self.confirm.isChecked()
        self.settings.custom_age_days = self.custom_days.value()
        self.settings.default_age = self.default_age.currentData()
        self.settings.keep_finished_days = self.keep_days.value()
        self.settings.confirm_close_with_jobs = self.confirm_close.isChecked()
        self.settings.language = self.language.currentData()
        self.applied.emit()
        self.accept()


class DaysSpinBox(QSpinBox):
    """A number of days: "1 day", "7 days" (the suffix follows the number). A number below the
    minimum that no further digit could mend ("0" when the minimum is 1) cannot be typed: it
    would stand there as "0 days" and quietly become the minimum when the field is left."""

    def __init__(self, minimum: int, maximum: int, parent=None):
        super().__init__(parent)
        self.setRange(minimum, maximum)
        self.valueChanged.connect(self._follow)
        self._follow(self.value())

    def _follow(self, value: int) -> None:
        # the words around the number ("1 day", "1 Tag"; a language may put them first)
        before, _number, after = self.tr("%n day(s)", "", value).partition(str(value))
        self.setPrefix(before)
        self.setSuffix(after)

    def validate(self, text: str, pos: int):
        state, text, pos = super().validate(text, pos)
        number = text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip()
        if (state == QValidator.State.Intermediate and number.isdigit()
                and int(number) < self.minimum()
                and len(number) >= len(str(self.minimum()))):
            return QValidator.State.Invalid, text, pos
        return state, text, pos
