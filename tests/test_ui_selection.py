"""Several articles at once, as a person does it (issue 25): Shift/Ctrl-click and Ctrl+A in
the article list marked read as one undoable job, "this and everything newer", the search's
results, and N / Space to the next unread article across feeds. Real clicks and keys on a real
qasync loop and real SQLite files."""

from __future__ import annotations

import json
import sqlite3

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from support.databases import make_server_database, read_status, written
from support.window import (
    article_index,
    bold_ids,
    click_article,
    click_scope,
    listed_ids,
    wait_for_articles,
)

from desktop.store.clock import utc_now_text
from desktop.ui.formatting import isolated

# make_server_database: category 1 "Tech" = feeds 1 (articles 1..40) and 2 (41..70); category
# 2 "News" = feeds 3 (71..90), 4 (91..100); feed 5 (101..105) has none. User 1 has read every
# third article.
TECH = range(1, 71)


def unread(ids) -> list[int]:
    """User 1's unread articles among ``ids`` (as the fixture made them), newest first."""
    return [n for n in reversed(ids) if n % 3]


def read_by(path, user_id: int = 1) -> set[int]:
    return {row["article_id"] for row in read_status(path).values()
            if row["user_id"] == user_id and row["is_read"]}


def focus_articles(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.articles.view.setFocus()
    qtbot.waitUntil(window.articles.view.hasFocus)


def selected_ids(window) -> set[int]:
    model = window.articles.model
    return {model.row_at(index.row()).id
            for index in window.articles.view.selectionModel().selectedRows()}


def choose_in_menu(qtbot, window, article_id: int, text: str) -> None:
    view = window.articles.view
    index = article_index(window, article_id)
    view.scrollTo(index)
    pos = view.visualRect(index).center()
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    action = next(a for a in menu.actions() if a.text().replace("&", "") == text)
    assert action.isEnabled(), text
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def test_shift_and_ctrl_click_mark_exactly_the_selection_as_one_undoable_job(
        qtbot, make_window, reader):
    server_db = reader  # a file, then a PostgreSQL database
    window = make_window(server_db, max_chunk=4)  # many chunks: the selection outlives them
    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    focus_articles(qtbot, window)
    before = read_by(server_db)
    click_article(qtbot, window, 68)
    index = article_index(window, 59)
    qtbot.mouseClick(window.articles.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ShiftModifier,
                     pos=window.articles.view.visualRect(index).center())
    index = article_index(window, 35)
    window.articles.view.scrollTo(index)
    qtbot.mouseClick(window.articles.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier,
                     pos=window.articles.view.visualRect(index).center())
    picked = {n for n in unread(TECH) if 59 <= n <= 68} | {35}
    assert selected_ids(window) == picked
    action = window.articles.selection.mark_selected_action
    assert action.text().replace("&", "") == f"Mark {len(picked)} selected as read"

    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as finished:
        qtbot.keyClick(window.articles.view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    job = finished.args[0]
    assert job.status == "completed" and job.job_type == "mark_category_read"
    assert json.loads(job.parameters) == {"category_id": 1,
                                          "article_ranges": [[35, 35], [59, 68]]}
    assert read_by(server_db) == before | picked
    qtbot.waitUntil(lambda: bold_ids(window) == set(unread(TECH)) - picked)
    assert selected_ids(window) == picked  # the selection stays through the live updates
    qtbot.waitUntil(lambda: tree_unread(window) == len(unread(TECH)) - len(picked))

    with qtbot.waitSignal(window.jobFinished, timeout=20_000):  # Ctrl+Z: undone exactly
        window.menus.undo_last_action.trigger()
    assert read_by(server_db) == before
    qtbot.waitUntil(lambda: bold_ids(window) == set(unread(TECH)))
    # the list was read again (the articles made unread are in it): the same rows selected
    qtbot.waitUntil(lambda: selected_ids(window) == picked)


def answer(qtbot, window, button) -> str:
    """Answer the question before a large selection is marked; its text."""
    selection = window.articles.selection
    qtbot.waitUntil(lambda: selection.question is not None and selection.question.isVisible())
    text = selection.question.text()
    qtbot.mouseClick(selection.question.button(button), Qt.MouseButton.LeftButton)
    selection.question = None
    return text


def test_a_large_selection_is_marked_only_once_its_count_is_confirmed(
        qtbot, make_window, tmp_path):
    """Ctrl+A over thousands of rows asks first, with the count (Cancel marks nothing); a
    selection picked by hand is marked at once."""
    path = make_server_database(tmp_path / "big.db", articles_per_feed=(3000, 3000, 20, 10, 5))
    window = make_window(path)
    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    before = read_by(path)
    count = len(unread(range(1, 6001)))
    focus_articles(qtbot, window)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    text = answer(qtbot, window, QMessageBox.StandardButton.Cancel)
    assert QLocale().toString(count) in text and "Tech" in text, text
    assert read_by(path) == before and not window.jobs.model.rowCount()

    click_article(qtbot, window, 5999)  # a handful by hand: no question
    with qtbot.waitSignal(window.jobFinished, timeout=30_000):
        qtbot.keyClick(window.articles.view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    assert window.articles.selection.question is None
    assert read_by(path) == before | {5999}

    focus_articles(qtbot, window)  # (the jobs panel showed the job)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.jobFinished, timeout=30_000):
        qtbot.keyClick(window.articles.view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
        answer(qtbot, window, QMessageBox.StandardButton.Ok)
    assert read_by(path) == before | set(range(1, 6001))


def tree_unread(window) -> int:
    from desktop.store.scopes import Scope

    return window.tree_model.unread(Scope("category", 1))


def test_ctrl_a_over_a_lazily_read_list_marks_exactly_the_lists_matches(
        qtbot, make_window, tmp_path):
    """Ctrl+A selects the whole list, not the rows read in so far: the job covers the scope's
    matches of the search up to the list's end, whatever the model holds."""
    path = make_server_database(tmp_path / "big.db", articles_per_feed=(3000, 3000, 20, 10, 5))
    window = make_window(path)
    click_scope(qtbot, window, "category", 1)
    window.articles.pane.search.setText("7")
    qtbot.waitUntil(lambda: window.articles.model.spec is not None
                    and window.articles.model.spec.search == "7")
    wait_for_articles(qtbot, window)
    model = window.articles.model
    matches = {n for n in range(1, 6001) if "7" in str(n)}
    assert model.rowCount() == len(set(unread(range(1, 6001))) & matches)
    assert model.cached_rows() < model.rowCount()  # most rows were never read in
    high = window.articles.loader.start.high
    with sqlite3.connect(path) as conn:  # arrives after the list began: not in it
        late = conn.execute("INSERT INTO articles (feed_id, title, created_at) VALUES "
                            "(1, 'Late 7', ?)", (utc_now_text(),)).lastrowid
    before = read_by(path)
    focus_articles(qtbot, window)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.articles.view.whole_list
    assert window.articles.selection.mark_selected_action.text().replace("&", "") == (
        "Mark the whole list as read")
    with qtbot.waitSignal(window.jobFinished, timeout=30_000) as finished:
        qtbot.keyClick(window.articles.view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
        answer(qtbot, window, QMessageBox.StandardButton.Ok)  # (more than a thousand rows)
    job = finished.args[0]
    assert json.loads(job.parameters) == {"category_id": 1, "search": "7"}
    assert job.watermark == high < late
    assert read_by(path) == before | matches
    with qtbot.waitSignal(window.jobFinished, timeout=30_000):
        window.menus.undo_last_action.trigger()
    assert read_by(path) == before


def test_this_and_everything_newer_is_exact_and_undoable(qtbot, make_window, server_db):
    """Asked first with its count, as "this and everything older" is; bounded by the list's
    end (an article arriving meanwhile is left unread), and undone exactly."""
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    before = read_by(server_db)
    with sqlite3.connect(server_db) as conn:  # arrives after the list began: not in it
        late = conn.execute("INSERT INTO articles (feed_id, title, created_at) VALUES "
                            "(1, 'Late', ?)", (utc_now_text(),)).lastrowid
    choose_in_menu(qtbot, window, 29,
                   f"Mark this and everything newer in {isolated('Feed 1')} as read…")
    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    assert dialog.question.text().startswith(
        f"Mark 8 unread articles in {isolated('Feed 1')} as read: ")  # 29..40, every 3rd read
    assert "every article received after it?" in dialog.question.text()
    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert json.loads(job.parameters) == {"feed_id": 1, "from_article": 29}
    assert job.watermark < late
    assert read_by(server_db) == before | set(range(29, 41))
    qtbot.waitUntil(lambda: bold_ids(window) >= set(unread(range(1, 29))))
    with qtbot.waitSignal(window.jobFinished, timeout=20_000):
        window.menus.undo_last_action.trigger()
    assert read_by(server_db) == before


def test_the_search_results_are_marked_up_to_the_lists_end(qtbot, make_window, reader):
    server_db = reader  # a file, then a PostgreSQL database
    window = make_window(server_db)
    click_scope(qtbot, window, "category", 1)
    window.articles.pane.search.setText("2")
    qtbot.waitUntil(lambda: window.articles.model.spec is not None
                    and window.articles.model.spec.search == "2")
    wait_for_articles(qtbot, window)
    matches = {n for n in TECH if "2" in str(n)}
    assert set(listed_ids(window)) == set(unread(TECH)) & matches
    with written(server_db) as conn:  # the gate: it exists before the click
        conn.execute("INSERT INTO articles (id, feed_id, title, created_at, content) VALUES "
                     "(106, 1, 'Late 2', ?, 'body')", (utc_now_text(),))
    late = 106
    before = read_by(server_db)
    action = window.articles.selection.mark_search_action
    assert action.isEnabled()
    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as finished:
        action.trigger()
    job = finished.args[0]
    assert json.loads(job.parameters) == {"category_id": 1, "search": "2"}
    assert read_by(server_db) == before | matches
    assert late not in read_by(server_db)
    qtbot.waitUntil(lambda: not bold_ids(window))


def test_n_and_space_go_to_the_next_unread_article_and_on_into_the_next_feed(
        qtbot, make_window, reader):
    server_db = reader  # a file, then a PostgreSQL database
    with written(server_db) as conn:  # feed 1 (after News' feeds in the tree) all read
        conn.execute("UPDATE read_status SET is_read = TRUE WHERE user_id = 1 "
                     "AND article_id <= 40")
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                     "is_archived, created_at, updated_at) SELECT 1, id, TRUE, FALSE, FALSE, "
                     "created_at, created_at "
                     "FROM articles a WHERE feed_id = 1 AND NOT EXISTS (SELECT 1 FROM "
                     "read_status r WHERE r.user_id = 1 AND r.article_id = a.id)")
    window = make_window(server_db)
    window.articles.pane.show_read.setChecked(True)  # read rows listed: N skips them
    click_scope(qtbot, window, "feed", 4)  # 100..91; 99, 96, 93 read
    wait_for_articles(qtbot, window)
    focus_articles(qtbot, window)
    assert selected_ids(window) == {100}
    seen = []
    for _ in range(5):
        current = window.articles.selected_article().id
        qtbot.keyClick(window.articles.view, Qt.Key.Key_N)
        qtbot.waitUntil(lambda current=current: window.articles.selected_article().id != current)
        seen.append(window.articles.selected_article().id)
    assert seen == [98, 97, 95, 94, 92]
    click_article(qtbot, window, 93)  # a read one: Space goes on to the next unread
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.articles.selected_article().id == 92)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.articles.selected_article().id == 91)
    # feed 4 done: on in the tree's order (News, Tech, Uncategorized), past feed 1 (all read)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.selected_scope().target_id == 2
                    and window.articles.selected_article() is not None
                    and window.articles.selected_article().id == 70)
    assert window.articles.view.hasFocus()
    view_menu = next(action.menu() for action in window.menuBar().actions()
                     if action.text() == "&View")
    assert window.articles.selection.next_unread_action in view_menu.actions()
    assert window.articles.selection.next_unread_action.shortcut().toString() == "N"


def test_mark_selected_unread_writes_each_and_ctrl_z_marks_them_read_again(
        qtbot, make_window, server_db):
    window = make_window(server_db)
    window.articles.pane.show_read.setChecked(True)
    click_scope(qtbot, window, "feed", 4)  # 100..91; 99, 96, 93 read
    wait_for_articles(qtbot, window)
    focus_articles(qtbot, window)
    before = read_by(server_db)
    click_article(qtbot, window, 99)
    index = article_index(window, 93)
    qtbot.mouseClick(window.articles.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ShiftModifier,
                     pos=window.articles.view.visualRect(index).center())
    assert selected_ids(window) == set(range(93, 100))
    assert window.articles.selection.mark_unread_action.text().replace("&", "") == (
        "Mark 7 selected as unread")  # (the count, as "Mark 7 selected as read" says it)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_U, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bold_ids(window) == set(range(91, 101)))
    assert read_by(server_db) == before - {99, 96, 93}
    assert window.status_label.full_text == "Marked 3 articles unread (Ctrl+Z marks them " \
                                            "read again)"
    window.menus.undo_last_action.trigger()
    qtbot.waitUntil(lambda: bold_ids(window) == set(range(91, 101)) - {99, 96, 93})
    qtbot.waitUntil(lambda: read_by(server_db) == before)
    assert not window.articles.selection.can_undo_unread()


def test_ctrl_a_before_the_list_is_walked_to_its_end_selects_the_rows_that_come(
        qtbot, make_window, server_db, monkeypatch):
    """The walk is held after its first step (a gate, not a race): Ctrl+A then, the rest of
    the list arrives selected, and the job is the whole list's."""
    import asyncio

    window = make_window(server_db)
    gate, steps = asyncio.Event(), []
    queries = window.manager.queries
    extend = queries.extend_article_list

    async def held(start, spec, cursor, span, rows):
        if steps:
            await gate.wait()
        steps.append(cursor)
        return await extend(start, spec, cursor, 10, rows)  # 10 ids a step: several steps

    monkeypatch.setattr(queries, "extend_article_list", held)
    click_scope(qtbot, window, "category", 1)
    qtbot.waitUntil(lambda: window.articles.model.rowCount() > 0)
    assert not window.articles.model.complete
    focus_articles(qtbot, window)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    first = window.articles.model.rowCount()
    gate.set()
    wait_for_articles(qtbot, window)
    assert window.articles.model.rowCount() > first
    assert window.articles.view.whole_list
    rows = window.articles.view.selectionModel().selectedRows()
    assert len(rows) == window.articles.model.rowCount() == len(unread(TECH))
    before = read_by(server_db)
    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as finished:
        qtbot.keyClick(window.articles.view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    assert json.loads(finished.args[0].parameters) == {"category_id": 1}
    assert read_by(server_db) == before | set(TECH)
