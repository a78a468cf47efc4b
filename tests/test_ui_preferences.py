"""Edit › Preferences as typed: the days fields say what they hold, and the ages offered come
in order of age."""

from __future__ import annotations

from PySide6.QtCore import Qt


def type_over(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def test_keep_finished_jobs_never_shows_what_it_will_not_save(qtbot, make_window, server_db):
    window = make_window(server_db)
    dialog = window.menus.open_preferences()
    keep = dialog.keep_days
    type_over(qtbot, keep, "0")  # below the one-day minimum: refused as typed
    assert keep.text() == "1 day" and keep.value() == 1
    type_over(qtbot, keep, "3")
    assert keep.text() == "3 days"
    type_over(qtbot, keep, "1")
    assert keep.text() == "1 day"
    type_over(qtbot, keep, "10")
    assert keep.text() == "10 days"
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert window.prefs.keep_finished_days == 10
    assert window.manager.keep_finished_hours == 10 * 24


def test_the_custom_age_takes_its_place_among_the_ages(qtbot, make_window, server_db):
    window = make_window(server_db)
    dialog = window.menus.open_preferences()
    type_over(qtbot, dialog.custom_days, "3")
    assert dialog.custom_days.text() == "3 days"
    assert [dialog.default_age.itemText(i) for i in range(dialog.default_age.count())] == [
        "Any age", "Older than 1 day", "Older than 3 days", "Older than 1 week",
        "Older than 2 weeks"]
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    window.menus.fill_mark_read_menu(window.menus.feeds_menu)
    assert [action.text() for action in window.menus.feeds_menu.actions()
            if action.text().startswith("Mark older")] == [
        "Mark older than 1 day as read", "Mark older than 3 days as read",
        "Mark older than 1 week as read", "Mark older than 2 weeks as read"]

    window.prefs.custom_age_days = 7  # one of the presets already: offered once
    window.menus.fill_mark_read_menu(window.menus.feeds_menu)
    assert [action.text() for action in window.menus.feeds_menu.actions()
            if action.text().startswith("Mark older")] == [
        "Mark older than 1 day as read", "Mark older than 1 week as read",
        "Mark older than 2 weeks as read"]
