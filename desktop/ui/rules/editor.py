"""The editor of one rule: its name, scope, age (by arrival or publication date) and schedule."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ...jobs.api import Rule, Scope
from ..formatting import isolated

UNIT_SECONDS = (("minutes", 60), ("hours", 3600), ("days", 86400), ("weeks", 604800))


def period_words(seconds: int) -> str:
    """86400 -> "1 day", 7200 -> "2 hours": the largest unit that divides it."""
    for size in (604800, 86400, 3600, 60):
        if seconds % size == 0:
            return unit_words(seconds // size, size)
    return unit_words(seconds, 1)


def unit_words(count: int, size: int) -> str:
    """``count`` units of ``size`` seconds: "1 week", "3 days". (The count is a plain name:
    lupdate skips a plural whose count is an expression.)"""
    translate = QCoreApplication.translate
    if size == 604800:
        return translate("RulesDialog", "%n week(s)", "", count)
    if size == 86400:
        return translate("RulesDialog", "%n day(s)", "", count)
    if size == 3600:
        return translate("RulesDialog", "%n hour(s)", "", count)
    if size == 60:
        return translate("RulesDialog", "%n minute(s)", "", count)
    return translate("RulesDialog", "%n second(s)", "", count)


def scope_key(kind: str, target_id: int | None) -> str:
    return f"{kind}:{target_id}" if target_id is not None else kind


class AgeInput(QWidget):
    """A number and a unit (minutes, hours, days, weeks): a length of time in seconds."""

    def __init__(self, seconds: int, units=UNIT_SECONDS, parent=None):
        super().__init__(parent)
        self.number = QSpinBox()
        self.number.setRange(1, 9999)
        self.unit = QComboBox()
        self.unit.setAccessibleName(self.tr("Unit"))
        for name, size in units:
            self.unit.addItem(name, size)
        self.number.valueChanged.connect(self._name_units)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.number)
        layout.addWidget(self.unit, 1)
        self.set_seconds(seconds)
        self._name_units()

    def _name_units(self, _value: int = 0) -> None:
        """The units agree with the number: "1 week", "2 weeks" ("1 Woche", "2 Wochen"): each
        is the plural form unit_words translates, without its number (%n is plain digits)."""
        count = self.number.value()
        for index in range(self.unit.count()):
            words = unit_words(count, self.unit.itemData(index))
            self.unit.setItemText(index, words.replace(str(count), "", 1).strip())

    def set_seconds(self, seconds: int) -> None:
        for index in reversed(range(self.unit.count())):
            size = self.unit.itemData(index)
            if seconds % size == 0 and seconds // size <= self.number.maximum():
                self.unit.setCurrentIndex(index)
                self.number.setValue(seconds // size)
                return

    def seconds(self) -> int:
        return self.number.value() * self.unit.currentData()


class RuleEditor(QDialog):
    """Shown with ``open()``; ``values()`` is what the engine's add_rule/update_rule take.
    ``scopes``: (label, Scope) the rule may cover; ``rule``: the rule edited (None: a new one,
    of ``scope`` if given)."""

    def __init__(self, scopes: list[tuple[str, Scope]], rule: Rule | None = None,
                 scope: Scope | None = None, parent=None):
        super().__init__(parent)
        self.rule = rule
        self.setWindowTitle(self.tr("Edit rule") if rule else self.tr("New rule"))
        self.name = QLineEdit(rule.name if rule else "")
        self.name.setPlaceholderText(self.tr("Named after its scope and age"))
        self.scope = QComboBox()
        self.scope_names = [choice.name or label for label, choice in scopes]
        for label, choice in scopes:  # (data as text: Qt compares a tuple by identity)
            self.scope.addItem(isolated(label), scope_key(choice.kind, choice.target_id))
        wanted = (scope_key(rule.scope_kind, rule.target_id) if rule else
                  scope_key(scope.kind, scope.target_id) if scope else None)
        if wanted is not None:
            self.scope.setCurrentIndex(max(0, self.scope.findData(wanted)))
        self.age = AgeInput(rule.age_seconds if rule else 7 * 86400)
        self.by_published = QCheckBox(self.tr(
            "By publication date (articles without one count by arrival)"))
        self.by_published.setChecked(bool(rule and rule.age_by == "published"))
        self.every = QRadioButton(self.tr("Every"))
        self.period = AgeInput(rule.every_seconds if rule and rule.every_seconds else 86400,
                               UNIT_SECONDS[1:])
        self.daily = QRadioButton(self.tr("Daily at"))
        self.time = QTimeEdit(QTime.fromString(rule.daily_at, "HH:mm")
                              if rule and rule.daily_at else QTime(3, 0))
        self.time.setDisplayFormat("HH:mm")
        self.every.toggled.connect(self._schedule_chosen)
        (self.daily if rule and rule.daily_at else self.every).setChecked(True)
        self._schedule_chosen()
        every_row, daily_row = QHBoxLayout(), QHBoxLayout()
        every_row.addWidget(self.every)
        every_row.addWidget(self.period, 1)
        daily_row.addWidget(self.daily)
        daily_row.addWidget(self.time, 1)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Mark read in:"), self.scope)
        form.addRow(self.tr("Articles older than:"), self.age)
        form.addRow("", self.by_published)
        form.addRow(self.tr("Run:"), every_row)
        form.addRow("", daily_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _schedule_chosen(self, _checked: bool = False) -> None:
        """Only the chosen schedule's input can be changed."""
        self.period.setEnabled(self.every.isChecked())
        self.time.setEnabled(self.daily.isChecked())

    def selected_scope(self) -> tuple[str, int | None]:
        kind, _, target = self.scope.currentData().partition(":")
        return kind, int(target) if target else None

    def values(self) -> dict:
        kind, target = self.selected_scope()
        return {"scope_kind": kind, "target_id": target, "age_seconds": self.age.seconds(),
                "by": "published" if self.by_published.isChecked() else "received",
                "every_seconds": self.period.seconds() if self.every.isChecked() else None,
                "daily_at": self.time.time().toString("HH:mm") if self.daily.isChecked()
                else None,
                "name": self.name.text().strip() or self.default_name()}

    def default_name(self) -> str:
        """The name an unnamed rule gets, in the window's language ("Tech older than 1 week";
        the engine's own default is English, for the command line)."""
        return self.tr("{scope} older than {age}").format(
            scope=self.scope_names[self.scope.currentIndex()],
            age=period_words(self.age.seconds()))
