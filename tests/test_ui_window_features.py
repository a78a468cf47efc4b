"""What peer readers (RSS Guard, QuiteRSS, Liferea, Akregator) have and the window now has too:
preferences, menus and shortcuts for every job action, About, the tree's context menu with the
older-than choices, a filter over the feeds, hiding read feeds."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from support.window import (
    ROOT,
    cell,
    click_job_row,
    click_scope,
    click_toolbar,
    listed_ids,
    run,
    tree_count,
    tree_index,
    wait_for_articles,
)

from desktop import __version__


def keys(qtbot, widget, key, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    """A shortcut typed in ``widget``'s window (shortcuts work in the active window)."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(widget, key, modifiers)


def visible_names(window) -> list[str]:
    """The names the tree shows, top to bottom."""
    model, names = window.tree_model, []

    def walk(parent):
        for row in range(model.rowCount(parent)):
            if window.tree.isRowHidden(row, parent):
                continue
            index = model.index(row, 0, parent)
            names.append(index.data())
            walk(index)

    walk(QModelIndex())
    return names


def test_preferences_turn_the_confirmation_back_on_and_set_the_ages(qtbot, make_window,
                                                                    server_db):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False  # "don't ask again" was ticked once
    keys(qtbot, window.tree, Qt.Key.Key_Comma)  # Ctrl+,
    dialog = window.menus.preferences
    assert dialog.isVisible() and not dialog.confirm.isChecked()
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    dialog.custom_days.setFocus()
    dialog.custom_days.selectAll()
    qtbot.keyClicks(dialog.custom_days, "10")
    dialog.default_age.setCurrentIndex(dialog.default_age.findData("10d"))
    dialog.keep_days.setValue(7)
    dialog.user.setCurrentIndex(dialog.user.findData(2))
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.user_id == 2)
    assert window.prefs.confirm_mark_read and window.manager.keep_finished_hours == 7 * 24
    assert window.user_combo.currentText() == "bob"

    click_scope(qtbot, window, "feed", 3)
    keys(qtbot, window.tree, Qt.Key.Key_R)
    confirmation = window.jobs.confirmation
    assert confirmation.isVisible()  # asked again
    assert confirmation.age.currentText() == "Older than 10 days"  # the chosen start
    qtbot.waitUntil(confirmation.ok_button.isEnabled)
    assert "(older than 10 days)" in confirmation.question.text()
    qtbot.keyClick(confirmation, Qt.Key.Key_Escape)


def test_ctrl_z_undoes_the_last_mark_read_then_the_one_before(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    jobs = []
    for feed in (3, 4):
        click_scope(qtbot, window, "feed", feed)
        with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
            keys(qtbot, window.tree, Qt.Key.Key_R)
        jobs.append(finished.args[0].id)
    qtbot.waitUntil(window.menus.undo_last_action.isEnabled)
    for job_id in reversed(jobs):
        with qtbot.waitSignal(window.jobFinished, timeout=10_000) as undone:
            keys(qtbot, window.tree, Qt.Key.Key_Z)
        assert undone.args[0].parameters == f'{{"job_id": {job_id}}}'
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == 13 and tree_count(window, "feed", 4)
                    == 7)
    qtbot.waitUntil(lambda: not window.menus.undo_last_action.isEnabled())  # nothing left to undo


def test_ctrl_z_in_a_text_box_undoes_what_was_done_last_as_the_menu_says(qtbot, make_window,
                                                                         server_db):
    """Typed a search, then marked Tech read with the cursor still in the search box: Ctrl+Z
    undoes the job, as Edit › Undo says; typing after it is what Ctrl+Z undoes next."""
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "category", 1)
    search = window.articles.pane.search
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "article")
    assert window.menus.undo_last_action.text() == "&Undo typing"  # nothing else done yet
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as marked:
        click_toolbar(qtbot, window, window.menus.mark_read_action)
    assert search.hasFocus() and search.isUndoAvailable()
    qtbot.waitUntil(lambda: window.menus.undo_last_action.text() == "&Undo last mark as read"
                    and window.menus.undo_last_action.isEnabled())

    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as undone:
        keys(qtbot, search, Qt.Key.Key_Z)
    assert undone.args[0].parameters == f'{{"job_id": {marked.args[0].id}}}'
    assert search.text() == "article"
    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == 47)

    qtbot.keyClick(search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(search, "tech")
    assert window.menus.undo_last_action.text() == "&Undo typing"
    keys(qtbot, search, Qt.Key.Key_Z)
    assert search.text() == "article"
    assert window.menus.undo_last_action.text() == "&Undo typing"  # the rest of the typing


def test_the_edit_menu_opened_over_a_text_box_undoes_its_typing(qtbot, make_window, server_db):
    """The menu takes the keyboard while it is open: its Undo still means the box's typing
    (found under X: the open menu said, and did, "Undo last mark as read")."""
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        keys(qtbot, window.tree, Qt.Key.Key_R)
    search = window.articles.pane.search
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "rust")
    edit_menu = next(action.menu() for action in window.menuBar().actions()
                     if action.text() == "&Edit")
    keys(qtbot, search, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # the menu bar
    qtbot.waitUntil(edit_menu.isVisible)
    undo = edit_menu.actions()[0]
    assert undo is window.menus.undo_last_action and undo.text() == "&Undo typing"
    qtbot.keyClick(edit_menu, Qt.Key.Key_Return)  # its first entry: Undo
    qtbot.waitUntil(lambda: not edit_menu.isVisible())
    assert search.text() == "" and not window.jobs.model.job_at(0).undone_by


def test_an_undo_brings_its_articles_back_into_a_list_made_after_the_job(qtbot, make_window,
                                                                          server_db):
    """Feed 3 marked read, then listed again ("Nothing unread"): its undo must show the
    articles it made unread, not leave the empty list of before."""
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        keys(qtbot, window.tree, Qt.Key.Key_R)
    click_scope(qtbot, window, "feed", 4)
    click_scope(qtbot, window, "feed", 3)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == []
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        keys(qtbot, window.tree, Qt.Key.Key_Z)
    unread_again = [a for a in range(71, 91) if a % 3]  # feed 3: user 1 had read every third
    qtbot.waitUntil(lambda: sorted(listed_ids(window)) == unread_again, timeout=10_000)


def test_the_jobs_menu_holds_every_job_action_with_its_shortcut(qtbot, make_window, server_db):
    window = make_window(server_db, recover_every=None)  # a pending job waits for us
    jobs_menu = next(action.menu() for action in window.menuBar().actions()
                     if action.text() == "&Jobs")
    shortcuts = {action.text(): action.shortcut().toString() for action in jobs_menu.actions()
                 if not action.isSeparator()}
    assert shortcuts == {"&Cancel job": "Del", "&Retry job": "Ctrl+Shift+R",
                         "&Undo job": "Ctrl+Shift+Z", "C&lear finished jobs…": ""}
    job_id = run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 3},
                                                  run=False))
    run(qtbot, window.jobs.reload())
    click_job_row(qtbot, window, job_id)
    qtbot.keyClick(window.jobs.panel.table, Qt.Key.Key_Delete)  # cancel
    qtbot.waitUntil(lambda: cell(window, job_id, "Status") == "Cancelled")
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        keys(qtbot, window.jobs.panel.table, Qt.Key.Key_R,
             Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # retry
    assert finished.args[0].status == "completed"
    qtbot.waitUntil(window.jobs.panel.undo_action.isEnabled)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as undone:
        keys(qtbot, window.jobs.panel.table, Qt.Key.Key_Z,
             Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # undo
    assert undone.args[0].job_type == "undo_mark_read"
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == 13)


def test_delete_in_the_feed_filter_edits_text_and_cancels_nothing(qtbot, make_window,
                                                                  server_db):
    window = make_window(server_db, recover_every=None)  # the job stays pending
    job_id = run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 3},
                                                  run=False))
    run(qtbot, window.jobs.reload())
    click_job_row(qtbot, window, job_id)
    assert window.jobs.panel.cancel_action.isEnabled()  # Delete would cancel it in the table
    edit = window.feed_pane.filter_edit
    qtbot.keyClicks(edit, "Tech")
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    assert edit.text() == "ech"
    run(qtbot, window.jobs.reload())
    assert cell(window, job_id, "Status") == "Pending"


def test_about_names_the_version_and_the_database(qtbot, make_window, server_db):
    window = make_window(server_db)
    help_menu = next(action.menu() for action in window.menuBar().actions()
                     if action.text() == "&Help")
    help_menu.actions()[0].trigger()
    box = window.menus.about_box
    assert box.isVisible() and __version__ in box.text()
    assert str(server_db) in box.informativeText() and "Log file" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Escape)


def test_the_trees_context_menu_offers_the_ages_inline(qtbot, make_window, server_db):
    window = make_window(server_db)
    index = tree_index(window, "category", 1)
    pos = window.tree.visualRect(index).center()
    QApplication.sendEvent(window.tree.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, window.tree.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    entries = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert entries == ["&Mark all as read", "Mark older than 1 day as read",
                       "Mark older than 1 week as read", "Mark older than 2 weeks as read",
                       "Ages by &publication date", "Mark read &automatically…", "R&ules…",
                       "Re&fresh"]
    week = menu.actions()[2]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(week).center())
    dialog = window.jobs.confirmation
    assert dialog.isVisible() and dialog.selected_age() == "1w"
    assert (window.selected_scope().kind, window.selected_scope().target_id) == ("category", 1)
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert '"older_than"' in finished.args[0].parameters


def test_the_filter_box_and_hiding_read_feeds(qtbot, make_window, server_db):
    window = make_window(server_db)
    keys(qtbot, window.tree, Qt.Key.Key_F)  # Ctrl+F: to the filter box
    edit = window.feed_pane.filter_edit
    assert edit.hasFocus()
    qtbot.keyClicks(edit, "feed 3")
    assert visible_names(window) == ["All articles", "News", "Feed 3"]
    edit.clear()
    qtbot.keyClicks(edit, "news")  # a category's name shows its feeds
    assert visible_names(window) == ["All articles", "News", "Feed 3", "Feed 4"]
    edit.clear()

    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 5)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        keys(qtbot, window.tree, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: tree_count(window, "feed", 5) == 0)
    keys(qtbot, window.tree, Qt.Key.Key_H)  # View › Hide feeds with nothing unread
    assert window.menus.hide_read_action.isChecked() and window.prefs.hide_read_feeds
    assert "Feed 5" in visible_names(window)  # still selected: it stays
    click_scope(qtbot, window, "feed", 1)
    assert "Feed 5" not in visible_names(window) and "Uncategorized" not in visible_names(window)
    assert visible_names(window)[:3] == ["All articles", "News", "Feed 3"]
    run(qtbot, window.shutdown())
    again = make_window(server_db)  # remembered
    assert again.menus.hide_read_action.isChecked() and "Feed 5" not in visible_names(again)


def test_the_user_and_the_tree_start_where_they_were(qtbot, make_window, server_db):
    window = make_window(server_db)
    combo = window.user_combo
    combo.setCurrentIndex(combo.findData(2))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: window.user_id == 2)
    run(qtbot, window.shutdown())
    again = make_window(server_db)
    assert again.user_id == 2 and again.user_combo.currentText() == "bob"


def test_the_selected_job_stays_selected_when_another_programs_job_arrives(qtbot, make_window,
                                                                           server_db):
    """Another program's new job changes the panel's rows (a model reset): the job the person
    had clicked stays selected, its actions with it."""
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        keys(qtbot, window.tree, Qt.Key.Key_R)
    ours = finished.args[0].id
    qtbot.waitUntil(lambda: window.jobs.model.row_of(ours) >= 0)
    click_job_row(qtbot, window, ours)
    other = subprocess.run([sys.executable, "-m", "desktop", "mark-read", "--quiet", "--database",
                            str(server_db), "--user", "1", "--feed", "4"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr
    theirs = int(other.stdout)
    qtbot.waitUntil(lambda: window.jobs.model.row_of(theirs) >= 0, timeout=10_000)
    assert window.jobs.panel.selected_job().id == ours
    assert window.jobs.panel.undo_action.isEnabled()
