"""The window as a screen reader meets it: Qt's own accessibility API (QAccessible, what the
AT-SPI bridge reads on Linux) asked for names, roles and values, and the events the window
sends recorded as they go to the bridge: a job's life announced, focus on items.

QAccessible.installUpdateHandler is not in PySide6: the ``spoken`` fixture switches Qt's
accessibility on and records every event our code hands to QAccessible.updateAccessibility
(then passes it on), besides the announcer's own signal."""

from __future__ import annotations

import itertools
import json

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication
from support.window import (
    click_job_row,
    click_scope,
    column,
    insert_job_row,
    run,
    tree_count,
    wait_for_articles,
)

from desktop.store.clock import utc_now_text
from desktop.ui.articles.model import STAR, TITLE
from desktop.ui.formatting import isolated
from desktop.ui.joblist.announcer import PROGRESS_EVERY_SECONDS

Name = QAccessible.Text.Name


@pytest.fixture
def spoken(monkeypatch):
    """The accessibility events sent, as (type, text or child's name, politeness or None)."""
    sent = []
    send = QAccessible.updateAccessibility

    def record(event):
        if event.type() == QAccessible.Event.Announcement:
            sent.append((event.type(), event.message(), event.politeness()))
        else:
            child = event.accessibleInterface()
            sent.append((event.type(), child.text(Name) if child else None, None))
        send(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", record)
    QAccessible.setActive(True)
    yield sent
    QAccessible.setActive(False)


def announcements(sent):
    return [text for kind, text, _ in sent if kind == QAccessible.Event.Announcement]


def listen(window):
    heard = []
    window.jobs.announcer.announced.connect(lambda text, what: heard.append((what, text)))
    return heard


def cell_at(view, row: int, column_: int):
    """The accessible interface of a view's cell, as the bridge finds it: among the view's
    children (PySide6 has no QAccessibleTableInterface; each cell has its cell interface)."""
    view_interface = QAccessible.queryAccessibleInterface(view)
    for number in range(view_interface.childCount()):
        child = view_interface.child(number)
        cell = child.tableCellInterface()
        if cell is not None and (cell.rowIndex(), cell.columnIndex()) == (row, column_):
            return child
    raise AssertionError(f"no cell {row}, {column_} in {view_interface.text(Name)}")


def progress_cell(window, job_id):
    table = QAccessible.queryAccessibleInterface(window.jobs.panel.table)
    assert table.role() == QAccessible.Role.Table and table.text(Name) == "Jobs"
    cell = cell_at(window.jobs.panel.table, window.jobs.model.row_of(job_id),
                   column("Progress"))
    assert cell.role() == QAccessible.Role.Cell
    return cell


# -- a job's life -------------------------------------------------------------------------

def test_a_jobs_whole_life_is_announced_and_its_progress_cell_says_its_value(
        qtbot, make_window, demo_db, spoken):
    window = make_window(demo_db, max_chunk=200)
    window.prefs.confirm_mark_read = False
    ticks = itertools.count(step=PROGRESS_EVERY_SECONDS)  # each event: the time to speak again
    window.jobs.announcer.monotonic = lambda: next(ticks)
    heard = listen(window)
    cells = []  # the Progress cell's name whenever progress is announced
    window.jobs.announcer.announced.connect(
        lambda text, what: what == "progress" and window.jobs.model.row_of(job_id()) >= 0
        and cells.append(progress_cell(window, job_id()).text(Name)))

    def job_id():
        return int(heard[0][1].split()[1])

    click_scope(qtbot, window, "category", 1)
    unread = tree_count(window, "category", 1)
    with qtbot.waitSignal(window.jobFinished, timeout=30_000) as finished:
        window.menus.mark_read_action.trigger()
    job = finished.args[0]
    tech = isolated("Tech")
    assert heard[0] == ("started", f"Job {job.id} started: marking Category: {tech} as read")
    assert heard[-1] == ("completed", f"Job {job.id} finished: Category: {tech}, "
                                      f"{job.marked_count:,} articles marked read")
    assert job.marked_count == unread
    steps = [int(text.split()[2]) for what, text in heard if what == "progress"]
    assert [what for what, _ in heard] == ["started"] + ["progress"] * len(steps) + ["completed"]
    # one announcement a tenth of the way at most, each further than the last
    assert len(steps) >= 5 and steps == sorted(set(steps))
    assert len({step // 10 for step in steps}) == len(steps) and steps[0] > 0 and steps[-1] < 100
    # the same words went to the accessibility bridge as announcements, politely
    assert announcements(spoken) == [text for _, text in heard]
    assert {politeness for kind, _, politeness in spoken
            if kind == QAccessible.Event.Announcement} == {
        QAccessible.AnnouncementPoliteness.Polite}
    # the cell said the percentage announced (it may be a chunk further on)
    assert len(cells) == len(steps)
    number = QLocale().toString  # (the cell's numbers are the locale's)
    for step, name in zip(steps, cells, strict=True):
        percent, counts = name.split(" percent, ")
        assert int(percent) >= step and counts.endswith(f" of {number(unread)}")
    qtbot.waitUntil(lambda: window.jobs.model.row_of(job.id) >= 0
                    and window.jobs.model.job_at(window.jobs.model.row_of(job.id)).finished)
    cell = progress_cell(window, job.id)
    assert cell.text(Name) == f"100 percent, {number(unread)} of {number(unread)}"
    assert cell.text(QAccessible.Text.Description) == (
        f"{unread:,} of the {unread:,} unread articles you confirmed are marked read "
        f"({job.progress:,} of {job.total:,} articles checked, read or not)")


def test_a_cancel_is_announced_with_how_far_the_job_went(qtbot, make_window, demo_db, spoken):
    window = make_window(demo_db, max_chunk=50)
    window.prefs.confirm_mark_read = False
    heard = listen(window)
    click_scope(qtbot, window, "all", None)
    window.menus.mark_read_action.trigger()
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 1
                    and window.jobs.model.job_at(0).progress > 0, timeout=10_000)
    job_id = window.jobs.model.job_at(0).id
    click_job_row(qtbot, window, job_id)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        window.jobs.panel.cancel_action.trigger()
    job = finished.args[0]
    assert job.status == "cancelled"
    # its bar counts articles marked read toward the unread count it started with
    assert 0 < job.marked_count < job.confirmed_count
    percent = 100 * job.marked_count // job.confirmed_count
    assert heard[0] == ("started", f"Job {job_id} started: marking All articles as read")
    assert heard[-1] == ("cancelled", f"Job {job_id} cancelled at {percent} percent; "
                                      "the work done is kept")
    assert announcements(spoken)[-1] == heard[-1][1]


def test_an_undo_is_announced_as_undone(qtbot, make_window, server_db, spoken):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    heard = listen(window)
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as marked:
        window.menus.mark_read_action.trigger()
    original = marked.args[0].id
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as undone:
        qtbot.mouseClick(window.jobs.undo_offer, Qt.MouseButton.LeftButton)
    undo = undone.args[0].id
    feed = isolated("Feed 3")
    assert heard == [
        ("started", f"Job {original} started: marking Feed: {feed} as read"),
        ("completed", f"Job {original} finished: Feed: {feed}, 13 articles marked read"),
        ("started", f"Job {undo} started: Undo of job {original}"),
        ("undone", f"Job {undo} finished: Undo of job {original}, "
                   "13 articles made unread again")]
    assert announcements(spoken) == [text for _, text in heard]


def test_a_failure_is_announced_assertively(qtbot, make_window, server_db, spoken):
    window = make_window(server_db)
    heard = listen(window)
    run(qtbot, window.database.close_database())
    job_id = insert_job_row(server_db, parameters=json.dumps({"category_id": 999}))
    assert run(qtbot, window.database.open_database(server_db))  # adopts it; it fails
    qtbot.waitUntil(lambda: any(what == "failed" for what, _ in heard), timeout=10_000)
    assert ("failed", f"Job {job_id} failed: category 999 does not exist") in heard
    assert (QAccessible.Event.Announcement, f"Job {job_id} failed: category 999 does not exist",
            QAccessible.AnnouncementPoliteness.Assertive) in spoken


def test_the_confirmation_says_its_count_when_it_arrives(qtbot, make_window, server_db, spoken):
    window = make_window(server_db)
    click_scope(qtbot, window, "category", 1)
    window.menus.mark_read_action.trigger()
    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    question = f"Mark 47 unread articles in {isolated('Tech')} as read?"
    assert dialog.question.text() == question
    said = [(text, politeness) for kind, text, politeness in spoken
            if kind == QAccessible.Event.Announcement]
    assert said == [(question, QAccessible.AnnouncementPoliteness.Polite)]
    # its age choice is named by its label
    age = QAccessible.queryAccessibleInterface(dialog.age)
    assert [label.text(Name) for label, _ in age.relations(QAccessible.Relation.Label)] \
        == ["Articles:"]
    dialog.reject()


# -- names and roles ----------------------------------------------------------------------

def labels_of(widget) -> list[str]:
    """The names of the labels naming a widget (AT-SPI's labelled-by: on Linux a combo box's
    own name is its current value)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return [label.text(Name) for label, _ in interface.relations(QAccessible.Relation.Label)]


def test_every_combo_and_field_is_named_by_its_label(qtbot, make_window, server_db):
    window = make_window(server_db)
    combo = QAccessible.queryAccessibleInterface(window.user_combo)
    assert combo.role() == QAccessible.Role.ComboBox
    assert labels_of(window.user_combo) == ["User"]
    assert labels_of(window.jobs.panel.filter) == ["Show jobs"]
    search = QAccessible.queryAccessibleInterface(window.articles.pane.search)
    assert search.role() == QAccessible.Role.EditableText
    assert search.text(Name) == "Search article titles"
    from desktop.ui.window.connect_dialog import ConnectDialog
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    for field, label in ((dialog.host, "Host:"), (dialog.port, "Port:"),
                         (dialog.user, "User:"), (dialog.database, "Database:"),
                         (dialog.password, "Password:")):
        assert labels_of(field) == [label], label
        assert QAccessible.queryAccessibleInterface(field).text(Name), label


def test_counts_are_said_at_start_up_zero_too(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        window.menus.mark_read_action.trigger()
    run(qtbot, window.database.close_database())
    assert run(qtbot, window.database.open_database(server_db))  # the tree as at start-up
    names = {}
    for row in range(window.tree.model().rowCount()):
        group = window.tree.model().index(row, 0)
        window.tree.expand(group)
    interface = QAccessible.queryAccessibleInterface(window.tree)
    for number in range(interface.childCount()):
        child = interface.child(number)
        cell = child.tableCellInterface()
        if cell is not None and cell.columnIndex() == 1:
            name_cell = cell_at(window.tree, cell.rowIndex(), 0)
            names[name_cell.text(Name)] = child.text(Name)
    assert names[f"Feed: {isolated('Feed 3')}"] == "0 unread"
    assert all(name.endswith(" unread") for name in names.values()), names


# -- focus on items -----------------------------------------------------------------------

def focused_items(spoken) -> list[str]:
    return [text for kind, text, _ in spoken if kind == QAccessible.Event.Focus and text]


def test_tabbing_into_a_view_or_coming_back_from_a_dialog_lands_on_an_item(
        qtbot, make_window, server_db, spoken):
    window = make_window(server_db)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    click_scope(qtbot, window, "feed", 2)
    wait_for_articles(qtbot, window)
    window.articles.pane.show_read.setFocus()
    spoken.clear()
    qtbot.keyClick(window.articles.pane.show_read, Qt.Key.Key_Tab)  # into the list: a title
    view = window.articles.view
    qtbot.waitUntil(lambda: focused_items(spoken)[-1:] == [
        view.currentIndex().data(Qt.ItemDataRole.AccessibleTextRole)])
    assert view.currentIndex().column() == TITLE and window.articles.selected_article()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # arrows keep to the titles
    assert view.currentIndex().column() == TITLE and view.currentIndex().row() == 1
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.jobs.panel.filter
    assert QApplication.focusWidget() is window.jobs.panel.filter
    # a job of this user, then Tab from the filter (past the toolbar) to the table
    run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 5}, run=False))
    run(qtbot, window.jobs.reload())
    table = window.jobs.panel.table
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: focused_items(spoken)[-1:] == [
        f"Feed: {isolated('Feed 5')}"])
    assert table.currentIndex().row() == 0  # a current item (its Job), not selected
    assert table.currentIndex().column() == column("Job")
    assert not table.selectionModel().hasSelection()

    # back from a dialog: the item it left is said again
    window.tree.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: focused_items(spoken)[-1:] == [f"Feed: {isolated('Feed 2')}"])
    click_scope(qtbot, window, "feed", 3)
    window.menus.mark_read_action.trigger()
    dialog = window.jobs.confirmation
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    spoken.clear()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    window.activateWindow()  # (what the window manager does when a dialog closes)
    qtbot.waitUntil(lambda: focused_items(spoken)[-1:] == [f"Feed: {isolated('Feed 3')}"])
    assert QApplication.focusWidget() is window.tree


def test_the_star_column_is_named_starred_or_not(qtbot, make_window, server_db):
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 2)
    wait_for_articles(qtbot, window)
    view = window.articles.view
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view.setFocus()
    qtbot.waitUntil(lambda: window.articles.selected_article() is not None)
    row = view.currentIndex().row()
    starred = window.articles.selected_article().is_starred
    names = ["Not starred", "Starred"]
    assert cell_at(view, row, STAR).text(Name) == names[starred]
    qtbot.keyClick(view, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: cell_at(view, row, STAR).text(Name) == names[not starred])


def test_another_programs_new_job_leaves_the_cursor_in_its_column(qtbot, make_window,
                                                                  server_db):
    window = make_window(server_db)
    run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 5}, run=False))
    run(qtbot, window.jobs.reload())
    table = window.jobs.panel.table
    job_id = window.jobs.model.job_at(0).id
    window.jobs.panel.select_job(job_id)  # as a job started here is: the cursor on its Job
    assert table.currentIndex().column() == column("Job")
    table.setCurrentIndex(window.jobs.model.index(0, column("Progress")))
    assert window.jobs.panel.selected_job().id == job_id
    other = insert_job_row(server_db, status="running", progress=0, total=100,
                           created_at=utc_now_text(), started_at=utc_now_text())
    qtbot.waitUntil(lambda: window.jobs.model.row_of(other) >= 0, timeout=5000)
    assert window.jobs.panel.selected_job().id == job_id
    assert table.currentIndex().row() == window.jobs.model.row_of(job_id)
    assert table.currentIndex().column() == column("Progress")


# -- empty states -------------------------------------------------------------------------

def on_top(widget) -> bool:
    """Whether ``widget`` is what one sees (and clicks) at its centre in its window."""
    window = widget.window()
    return window.childAt(widget.mapTo(window, widget.rect().center())) is widget


def in_accessible_tree(widget, window) -> bool:
    """Whether the window's accessible tree reaches ``widget``, parent to child."""
    target = QAccessible.queryAccessibleInterface(widget)
    interface = target
    while interface is not None and interface.object() is not window:
        parent = interface.parent()
        if parent is None or parent.indexOfChild(interface) < 0:
            return False
        interface = parent
    return interface is not None and target.role() != QAccessible.Role.NoRole


def test_the_empty_lists_words_and_button_are_heard_and_tabbed_to(qtbot, make_window,
                                                                   server_db):
    window = make_window(server_db)
    no_jobs = window.jobs.panel.empty_label  # "No jobs yet…", over the empty jobs table
    assert no_jobs.isVisible() and on_top(no_jobs) and in_accessible_tree(no_jobs, window)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        window.menus.mark_read_action.trigger()
    click_scope(qtbot, window, "feed", 2)
    click_scope(qtbot, window, "feed", 3)  # its list read anew: nothing unread
    pane = window.articles.pane
    qtbot.waitUntil(lambda: pane.empty_button.isVisible())
    assert on_top(pane.empty_label) and on_top(pane.empty_button)
    assert in_accessible_tree(pane.empty_label, window)
    assert in_accessible_tree(pane.empty_button, window)
    button = QAccessible.queryAccessibleInterface(pane.empty_button)
    assert button.role() == QAccessible.Role.Button
    assert button.text(Name) == "Show read articles"
    assert button.text(QAccessible.Text.Description) == pane.empty_label.text() != ""
    assert in_accessible_tree(window.jobs.panel.table, window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.articles.view.setFocus()
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is pane.empty_button
    qtbot.keyClick(pane.empty_button, Qt.Key.Key_Space)
    qtbot.waitUntil(pane.show_read.isChecked)


def test_the_no_database_page_says_why_with_each_button(qtbot, make_window, tmp_path):
    folder = tmp_path / "somedir"
    folder.mkdir()
    window = make_window()
    assert not run(qtbot, window.database.open_database(folder))
    window.messages.message_box.close()
    empty = window.empty_state
    assert in_accessible_tree(empty.message, window)
    said = " ".join(empty.message.text().split())
    assert "is a directory, not a database file" in said
    for button in (empty.open_button, empty.demo_button, empty.connect_button):
        assert in_accessible_tree(button, window)
        assert QAccessible.queryAccessibleInterface(button).text(
            QAccessible.Text.Description) == said


# -- names that change ----------------------------------------------------------------------

def names_told(spoken) -> list[str]:
    return [text for kind, text, _ in spoken if kind == QAccessible.Event.NameChanged]


def test_counts_and_articles_that_change_tell_their_new_names(qtbot, make_window, server_db,
                                                              spoken):
    """AT-SPI clients cache the names they read; Qt tells them only "visible data changed"."""
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 2)
    wait_for_articles(qtbot, window)
    view = window.articles.view
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view.setFocus()
    qtbot.waitUntil(lambda: window.articles.selected_article() is not None)
    title = view.currentIndex().data(Qt.ItemDataRole.AccessibleTextRole)
    assert ", unread" in title
    spoken.clear()
    qtbot.keyClick(view, Qt.Key.Key_M)
    read = title.replace(", unread", ", read")
    qtbot.waitUntil(lambda: read in names_told(spoken))
    unread = tree_count(window, "feed", 2)
    assert f"{unread} unread" in names_told(spoken)  # its feed's count in the tree, one less

    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        window.menus.mark_read_action.trigger()
    qtbot.waitUntil(lambda: "0 unread" in names_told(spoken))
