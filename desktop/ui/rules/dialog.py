"""Feeds › Rules…: the user's rules (scope, age, schedule, last run and its job, next run,
enabled), add, edit, remove, Run now.

Every read and write is an engine call in the background (QueryOp, ``window.spawn``); the
editor and the question before removing open with ``open()``. A rule's runs are ordinary jobs:
the jobs panel shows them, named after the rule.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...jobs.api import JobRequestError, Rule, RuleNotFound, Scope
from ..formatting import isolated, local_time
from ..query_op import QueryOp
from .editor import RuleEditor, period_words

COLUMNS = ("name", "scope", "age", "schedule", "last_run", "next_run", "enabled")


class RulesDialog(QDialog):
    """``window``: the host (engine and user of the moment, ``spawn``, ``show_error``, the
    jobs panel). ``reloaded`` is emitted once the table shows the rules as read."""

    reloaded = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.rules: list[Rule] = []
        self.scopes: list[tuple[str, Scope]] = []
        self.editor: RuleEditor | None = None  # the editor last opened (tests look at it)
        self.question: QMessageBox | None = None
        self._filling = False
        self.setWindowTitle(self.tr("Rules"))
        intro = QLabel(self.tr(
            "Rules mark a scope's old articles read on a schedule, as ordinary jobs you can "
            "cancel and undo. They run while this window or rss-desktop work is running."))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([
            self.tr("Name"), self.tr("Scope"), self.tr("Older than"), self.tr("Schedule"),
            self.tr("Last run"), self.tr("Next run"), self.tr("Enabled")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemChanged.connect(self._enabled_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.add_button = QPushButton(self.tr("&Add…"))
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.run_button = QPushButton(self.tr("Run &now"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.add_button, self.edit_button, self.remove_button, self.run_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(lambda: self.open_editor())
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.run_button.clicked.connect(self.run_selected)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(860, 320)
        self._update_buttons()

    # -- reading --------------------------------------------------------------------------
    def reload(self):
        """Read the user's rules and the scopes' names in the background; returns the task."""

        async def rules_and_names(manager, user_id):
            categories, feeds = await manager.scope_names()
            return await manager.list_rules(user_id), categories, feeds

        return QueryOp(self.window, "rules", rules_and_names, self._show).run_in_background()

    def _show(self, found) -> None:
        self.rules, categories, feeds = found
        self.scopes = [(self.tr("All articles"), Scope("all", name=self.tr("All articles")))]
        self.scopes += [(self.tr("Category: {name}").format(name=name),
                         Scope("category", cid, name=name))
                        for cid, name in sorted(categories.items(), key=lambda c: c[1].lower())]
        self.scopes += [(self.tr("Feed: {name}").format(name=name), Scope("feed", fid, name=name))
                        for fid, name in sorted(feeds.items(), key=lambda f: f[1].lower())]
        labels = {(scope.kind, scope.target_id): label for label, scope in self.scopes}
        selected = self.selected_rule()
        self._filling = True
        self.table.setRowCount(len(self.rules))
        for row, rule in enumerate(self.rules):
            texts = [rule.name, labels.get((rule.scope_kind, rule.target_id),
                                           f"{rule.scope_kind} #{rule.target_id}"),
                     self._age_text(rule), self._schedule_text(rule), self._last_run(rule),
                     local_time(rule.next_run_at) if rule.enabled else self.tr("(disabled)"),
                     ""]
            for column, text in enumerate(texts):
                item = QTableWidgetItem(isolated(text) if column < 2 else text)
                item.setData(Qt.ItemDataRole.UserRole, rule.id)
                if COLUMNS[column] == "enabled":
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                                  | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if rule.enabled
                                       else Qt.CheckState.Unchecked)
                self.table.setItem(row, column, item)
            if selected is not None and rule.id == selected.id:
                self.table.selectRow(row)
        self._filling = False
        for column in range(1, len(COLUMNS)):
            self.table.resizeColumnToContents(column)
        self._update_buttons()
        self.reloaded.emit()

    def _age_text(self, rule: Rule) -> str:
        if rule.age_by == "published":
            return self.tr("{age}, published").format(age=period_words(rule.age_seconds))
        return period_words(rule.age_seconds)

    def _schedule_text(self, rule: Rule) -> str:
        if rule.daily_at:
            return self.tr("Daily at {time}").format(time=rule.daily_at)
        # one unit has its own word ("Täglich", not "Alle 1 Tag")
        once = {3600: self.tr("Hourly"), 86400: self.tr("Daily"), 604800: self.tr("Weekly")}
        if rule.every_seconds in once:
            return once[rule.every_seconds]
        return self.tr("Every {period}").format(period=period_words(rule.every_seconds or 0))

    def _last_run(self, rule: Rule) -> str:
        if not rule.last_run_at:
            return self.tr("Never")
        return self.tr("{time} (job {job})").format(time=local_time(rule.last_run_at),
                                                    job=rule.last_job_id)

    def selected_rule(self) -> Rule | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        rule_id = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def _update_buttons(self) -> None:
        chosen = self.selected_rule() is not None
        for button in (self.edit_button, self.remove_button, self.run_button):
            button.setEnabled(chosen)

    # -- writing --------------------------------------------------------------------------
    def open_editor(self, rule: Rule | None = None, scope: Scope | None = None) -> RuleEditor:
        editor = RuleEditor(self.scopes, rule, scope, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.accepted.connect(lambda: self.window.spawn(self._save(rule, editor.values())))
        self.editor = editor
        editor.open()
        return editor

    def edit_selected(self) -> None:
        rule = self.selected_rule()
        if rule is not None:
            self.open_editor(rule)

    async def _save(self, rule: Rule | None, values: dict) -> None:
        manager, user_id = self.window.manager, self.window.user_id
        if manager is None or user_id is None:
            return
        try:
            if rule is None:
                await manager.add_rule(user_id, **values)
                await manager.run_due_rules()  # a new rule is due at once: run it now
            else:
                await manager.update_rule(user_id, rule.id, **values)
        except (JobRequestError, RuleNotFound) as exc:
            self.window.show_error(self.tr("Cannot save the rule"), str(exc))
        await self.reload()

    def remove_selected(self) -> None:
        rule = self.selected_rule()
        if rule is None:
            return
        # (the quotes in the message: each language has its own, „…“ in German)
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Remove rule"), self.tr(
            "Remove the rule “{name}”? The jobs it ran stay, and can still be undone.").format(
            name=isolated(rule.name)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Remove"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.window.spawn(self._write(
            lambda manager, user_id: manager.remove_rule(user_id, rule.id))))
        self.question = box
        box.open()

    def run_selected(self) -> None:
        rule = self.selected_rule()
        if rule is not None:
            self.window.spawn(self._write(
                lambda manager, user_id: manager.run_rule_now(user_id, rule.id)))

    def _enabled_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != COLUMNS.index("enabled"):
            return
        rule_id = item.data(Qt.ItemDataRole.UserRole)
        enabled = item.checkState() == Qt.CheckState.Checked
        self.window.spawn(self._write(
            lambda manager, user_id: manager.set_rule_enabled(user_id, rule_id, enabled)))

    async def _write(self, request) -> None:
        manager, user_id = self.window.manager, self.window.user_id
        if manager is None or user_id is None:
            return
        try:
            await request(manager, user_id)
        except (JobRequestError, RuleNotFound) as exc:
            self.window.show_error(self.tr("Rules"), str(exc))
        await self.reload()
