"""States with nothing to show: no database open (the last one failed to open) offers what can
be done from there; Clear finished jobs is offered only when there is a finished job."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from support.window import click_scope, run, tree_count


def test_no_database_open_says_so_and_offers_open_and_a_demo(qtbot, make_window, tmp_path):
    """`gui --database somedir`: the error, then a window that says what it lacks and offers
    a way on, not blank panes."""
    folder = tmp_path / "somedir"
    folder.mkdir()
    window = make_window()
    assert not run(qtbot, window.database.open_database(folder))
    box = window.messages.message_box
    assert box.text() == f"{folder}: is a directory, not a database file"
    box.close()
    empty = window.empty_state
    assert window.pages.currentWidget() is empty and empty.isVisible()
    assert empty.message.text().startswith("No database is open.")
    assert "is a directory, not a database file" in empty.message.text()
    assert empty.open_button.isVisible() and empty.demo_button.isVisible()
    assert empty.connect_button.isVisible() and not empty.sample_button.isVisible()

    qtbot.mouseClick(empty.demo_button, Qt.MouseButton.LeftButton)
    dialog = window.database.file_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Create a demo database"
    demo = tmp_path / "demo.db"
    with qtbot.waitSignal(window.databaseOpened, timeout=60_000):
        dialog.selectFile(str(demo))
        dialog.accept()
    assert window.database.database_path == demo and window.pages.currentWidget() is window.splitter
    assert tree_count(window, "all", None) > 0 and window.user_id is not None


def test_a_demo_is_not_made_in_a_file_that_holds_data(qtbot, make_window, server_db,
                                                      tmp_path):
    before = server_db.read_bytes()
    window = make_window()
    assert not run(qtbot, window.database.create_demo_database(server_db))
    assert window.messages.message_box.text() == (
        f"{server_db}: already holds data; the demo needs a new or empty database")
    assert server_db.read_bytes() == before and window.manager is None


def test_clear_finished_is_offered_only_with_finished_jobs(qtbot, make_window, server_db):
    window = make_window(server_db)
    clear = window.jobs.panel.clear_action
    assert window.jobs.model.rowCount() == 0 and not clear.isEnabled()
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 5)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        window.menus.mark_read_action.trigger()
    qtbot.waitUntil(clear.isEnabled)

    window.jobs.panel.filter.setCurrentIndex(window.jobs.panel.filter.findData("running"))
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 0)
    assert clear.isEnabled()  # not listed under this filter, but there to clear

    clear.trigger()
    qtbot.waitUntil(lambda: window.jobs.clear_question is not None
                    and shiboken6.isValid(window.jobs.clear_question)
                    and window.jobs.clear_question.isVisible())
    delete = next(b for b in window.jobs.clear_question.buttons()
                  if window.jobs.clear_question.buttonRole(b)
                  == QMessageBox.ButtonRole.DestructiveRole)
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status_label.full_text == "Cleared 1 finished job")
    qtbot.waitUntil(lambda: not clear.isEnabled())
