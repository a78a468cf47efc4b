"""The window's rules (Feeds › Rules…, the tree's "Mark read automatically…") and the age by
publication date in the confirmation, as a person uses them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from support.clock import at
from support.databases import database, written
from support.pseudo_locale import reset_language
from support.window import click_scope, tree_index

from desktop.jobs.api import Scope, parameters_of
from desktop.ui.formatting import isolated
from desktop.ui.translations import install_language


def context_menu_entry(qtbot, window, kind, scope_id, text):
    index = tree_index(window, kind, scope_id)
    pos = window.tree.visualRect(index).center()
    QApplication.sendEvent(window.tree.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, window.tree.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    [action] = [action for action in menu.actions() if action.text() == text]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def rules_in(path) -> list[dict]:
    with database(path) as conn:
        return [dict(row) for row in conn.execute("SELECT * FROM bulk_operation_rules")]


def rule_job_ids(window, rule_id) -> list[int]:
    return [job.id for job in window.jobs.model.jobs()
            if (parameters_of(job.parameters) or {}).get("rule_id") == rule_id]


def test_mark_read_automatically_adds_a_rule_that_runs_at_once(qtbot, make_window, server_db):
    window = make_window(server_db)
    assert window.user_id == 1
    context_menu_entry(qtbot, window, "category", 1, "Mark read &automatically…")
    dialog = window.menus.rules_dialog
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    editor = dialog.editor
    assert editor.selected_scope() == ("category", 1)  # prefilled with the tree's scope
    assert editor.age.seconds() == 7 * 86400 and editor.every.isChecked()
    editor.name.setText("Tech weekly")
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        qtbot.mouseClick(editor.buttons.button(editor.buttons.StandardButton.Save),
                         Qt.MouseButton.LeftButton)
    [rule] = rules_in(server_db)
    assert parameters_of(finished.args[0].parameters)["rule_id"] == rule["id"]
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1
                    and "(job " in dialog.table.item(0, 4).text())
    assert "Tech weekly" in dialog.table.item(0, 0).text()
    assert "Category: Tech" in dialog.table.item(0, 1).text()
    assert dialog.table.item(0, 3).text() == "Daily"  # (not "Every 1 day")
    qtbot.waitUntil(lambda: len(rule_job_ids(window, rule["id"])) == 1)
    [job] = [job for job in window.jobs.model.jobs() if job.id == rule_job_ids(
        window, rule["id"])[0]]
    assert window.jobs.describe(job).startswith('Rule "Tech weekly": Category: ')

    # Run now: a second job; disable; remove (the jobs stay)
    dialog.table.selectRow(0)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rule_job_ids(window, rule["id"])) == 2)
    with qtbot.waitSignal(dialog.reloaded, timeout=10_000):
        dialog.table.item(0, 6).setCheckState(Qt.CheckState.Unchecked)
    assert not rules_in(server_db)[0]["enabled"]
    assert dialog.table.item(0, 5).text() == "(disabled)"
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.reloaded, timeout=10_000):
        dialog.question.button(QMessageBox.StandardButton.Yes).click()
    assert dialog.table.rowCount() == 0 and rules_in(server_db) == []
    assert len(rule_job_ids(window, rule["id"])) == 2
    dialog.close()


def test_the_confirmation_counts_by_publication_date(qtbot, make_window, server_db):
    with written(server_db) as conn:  # feed 1: articles 1..40, 30 days old by arrival
        conn.execute("UPDATE articles SET published_date = ? WHERE id <= 20", (at(days=29),))
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    window.menus.feeds_menu.aboutToShow.emit()
    [by_published] = [action for action in window.menus.feeds_menu.actions()
                      if action.text() == "Ages by &publication date"]
    by_published.trigger()  # remembered: the confirmation starts with it
    assert window.prefs.age_by_published
    window.jobs.mark_selected_read("1w")
    dialog = window.jobs.confirmation
    assert dialog.by_published.isChecked()
    # by publication date, articles 1..20 were published a day ago (at(days=29)): of the
    # unread ones (every third is read), only 21..40 are older than a week
    unread = sum(1 for n in range(21, 41) if n % 3)
    qtbot.waitUntil(lambda: dialog.question.text().startswith(f"Mark {unread} unread"))
    assert "by publication date" in dialog.question.text()
    dialog.by_published.setChecked(False)  # by arrival: all forty are a month old
    everything = sum(1 for n in range(1, 41) if n % 3)
    qtbot.waitUntil(lambda: dialog.question.text().startswith(f"Mark {everything} unread"))
    dialog.by_published.setChecked(True)
    qtbot.waitUntil(lambda: dialog.question.text().startswith(f"Mark {unread} unread"))
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert parameters_of(job.parameters)["by"] == "published"
    assert job.marked_count == unread


def test_a_rule_left_unnamed_is_named_in_the_windows_language(qtbot, make_window, server_db,
                                                              qapp):
    """In German the editor's units agree with the number ("1 Woche", "2 Wochen") and a rule
    saved without a name is named in German, not with the engine's English default."""
    translators = install_language(qapp, "de")
    try:
        window = make_window(server_db)
        dialog = window.menus.open_rules(Scope("category", 1, name="Tech"))
        qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
        editor = dialog.editor
        assert editor.age.number.value() == 1 and editor.age.unit.currentText() == "Woche"
        editor.age.number.setValue(2)
        assert editor.age.unit.currentText() == "Wochen"
        assert [editor.period.unit.itemText(i) for i in range(editor.period.unit.count())] == [
            "Stunde", "Tag", "Woche"]  # (every 1 day)
        with qtbot.waitSignal(window.jobFinished, timeout=10_000):
            qtbot.mouseClick(editor.buttons.button(editor.buttons.StandardButton.Save),
                             Qt.MouseButton.LeftButton)
        [rule] = rules_in(server_db)
        assert rule["name"] == "Tech älter als 2 Wochen"
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
        assert dialog.table.item(0, 2).text() == "2 Wochen"
        assert dialog.table.item(0, 3).text() == "Täglich"  # (not "Alle 1 Tag")
        # removing asks with German quotes and a verb on the button
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
        dialog.table.selectRow(0)
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
        assert dialog.question.text().startswith(
            f"Die Regel „{isolated('Tech älter als 2 Wochen')}“ entfernen?")
        button = dialog.question.button(QMessageBox.StandardButton.Yes)
        assert button.text().replace("&", "") == "Entfernen"
        dialog.question.button(QMessageBox.StandardButton.Cancel).click()
        dialog.close()
    finally:
        reset_language(qapp, translators)
