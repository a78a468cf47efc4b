"""The article list (issue 15) as a person uses it: real clicks and keys on a real qasync loop
and real SQLite files — the list of a scope, one article's read and starred state, opening and
copying links, "mark this and everything older", rows falling live while a job runs, the
search, the empty list's words."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QContextMenuEvent, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu
from support.databases import make_server_database, read_status
from support.window import (
    article_index,
    bold_ids,
    cell,
    click_article,
    click_scope,
    listed_ids,
    run,
    tree_count,
    wait_for_articles,
)

from desktop.store.clock import utc_now_text
from desktop.store.models import database_proxy
from desktop.ui.articles.model import KEPT_PAGES, PAGE_ROWS, RECEIVED, STAR
from desktop.ui.formatting import isolated

# make_server_database: category 1 "Tech" = feeds 1 (articles 1..40) and 2 (41..70); category
# 2 "News" = feeds 3 (71..90), 4 (91..100); feed 5 (101..105) has none. User 1 has read every
# third article and starred every fifth.
FEED_1 = range(1, 41)
TECH = range(1, 71)


def unread(ids) -> list[int]:
    """User 1's unread articles among ``ids``, newest first."""
    return [n for n in reversed(ids) if n % 3]


def focus_articles(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.articles.view.setFocus()
    qtbot.waitUntil(window.articles.view.hasFocus)


def row_of(path, user_id: int, article_id: int) -> dict:
    [row] = [row for row in read_status(path).values()
             if row["user_id"] == user_id and row["article_id"] == article_id]
    return row


def open_menu_on(qtbot, window, article_id: int) -> QMenu:
    """Right-click an article: its context menu."""
    view = window.articles.view
    index = article_index(window, article_id)
    view.scrollTo(index)
    pos = view.visualRect(index).center()
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    return QApplication.activePopupWidget()


def choose(qtbot, menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text().replace("&", "") == text)
    assert action.isEnabled(), text
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


class LinkCatcher(QObject):
    """Stands in for the browser: Qt hands it the links QDesktopServices.openUrl opens."""

    def __init__(self):
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser():
    catcher = LinkCatcher()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


def with_links(path):
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE articles SET url = 'https://example.org/a/' || id")
        conn.execute("UPDATE articles SET url = 'javascript:alert(1)' WHERE id = 38")
        conn.execute("UPDATE articles SET url = NULL WHERE id = 37")
    return path


# -- the list of a scope ----------------------------------------------------------------------

def test_a_feed_lists_its_unread_articles_newest_first_bold_and_starred(qtbot, make_window,
                                                                        server_db):
    window = make_window(server_db)
    assert window.articles.pane.empty_label.text() == (
        "Select a category or a feed to see its articles.")
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == unread(FEED_1)
    assert bold_ids(window) == set(unread(FEED_1))
    stars = {n for n in listed_ids(window)
             if article_index(window, n, STAR).data() == "★"}
    assert stars == {40, 35, 25, 20, 10, 5}  # every fifth, among the unread
    assert window.articles.pane.title.text() == f"{isolated('Feed 1')} — 27 unread"
    assert article_index(window, 40).data() == "Article 40"

    qtbot.mouseClick(window.articles.pane.show_read, Qt.MouseButton.LeftButton)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == list(reversed(FEED_1))
    assert bold_ids(window) == set(unread(FEED_1))  # read ones in normal weight
    assert window.prefs.show_read_articles

    header = window.articles.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(RECEIVED) + 10,
                                header.height() // 2))
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == list(FEED_1)  # oldest first
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder

    click_scope(qtbot, window, "uncategorized", None)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == list(range(1, 106))[100:]
    assert window.articles.pane.title.text() == f"{isolated('Uncategorized')} — 3 unread"


@pytest.mark.parametrize("unique_index", [True, False], ids=["upsert", "update-insert"])
def test_m_and_s_write_one_article_by_the_servers_rules(qtbot, make_window, tmp_path,
                                                        unique_index):
    path = make_server_database(tmp_path / "reader.db", unique_read_status=unique_index)
    window = make_window(path)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    since = utc_now_text()
    click_article(qtbot, window, 38)
    focus_articles(qtbot, window)
    assert window.articles.selected_article().id == 38

    qtbot.keyClick(window.articles.view, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: 38 not in bold_ids(window))
    assert tree_count(window, "feed", 1) == 26 and tree_count(window, "category", 1) == 46
    row = row_of(path, 1, 38)
    assert row["is_read"] == 1 and row["read_at"] == row["updated_at"] >= since
    assert window.articles.pane.title.text() == f"{isolated('Feed 1')} — 26 unread"
    assert window.articles.toggle_read_action.text() == "Mark as &unread"

    qtbot.keyClick(window.articles.view, Qt.Key.Key_M)  # unread again
    qtbot.waitUntil(lambda: 38 in bold_ids(window))
    assert tree_count(window, "feed", 1) == 27
    row = row_of(path, 1, 38)
    assert row["is_read"] == 0 and row["read_at"] is None

    qtbot.keyClick(window.articles.view, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: article_index(window, 38, STAR).data() == "★")
    assert row_of(path, 1, 38)["starred_at"] >= since
    click_article(qtbot, window, 38, STAR)  # a click on the star unstars
    qtbot.waitUntil(lambda: article_index(window, 38, STAR).data() == "")
    row = row_of(path, 1, 38)
    assert (row["is_starred"], row["starred_at"], row["is_read"]) == (0, None, 0)
    assert 38 in bold_ids(window)


def test_enter_and_space_open_the_link_and_mark_the_article_read(qtbot, make_window,
                                                                 server_db, browser):
    window = make_window(with_links(server_db))
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    click_article(qtbot, window, 40)
    focus_articles(qtbot, window)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Return)
    assert browser.opened == ["https://example.org/a/40"]
    qtbot.waitUntil(lambda: 40 not in bold_ids(window))
    assert row_of(server_db, 1, 40)["is_read"] == 1

    qtbot.keyClick(window.articles.view, Qt.Key.Key_Down)  # 38: its link is no web link
    assert window.articles.selected_article().id == 38
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Space)
    assert browser.opened == ["https://example.org/a/40"]
    assert window.status_label.full_text == (
        f"“{isolated('Article 38')}” has no web link to open (javascript:alert(1))")
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Down)  # 37: none at all
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Enter)
    assert window.status_label.full_text == f"“{isolated('Article 37')}” has no web link to open"
    assert {38, 37} <= bold_ids(window)

    qtbot.keyClick(window.articles.view, Qt.Key.Key_Down)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Space)
    assert browser.opened[-1] == "https://example.org/a/35"
    center = window.articles.view.visualRect(article_index(window, 34)).center()
    # a double click: press and release, then Qt's double-click event (QTest sends only that)
    qtbot.mouseClick(window.articles.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(window.articles.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert browser.opened[-1] == "https://example.org/a/34"
    qtbot.waitUntil(lambda: not {35, 34} & bold_ids(window))


def test_the_context_menu_copies_the_link_and_marks_read(qtbot, make_window, server_db):
    window = make_window(with_links(server_db))
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    menu = open_menu_on(qtbot, window, 35)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "&Open in browser", "&Copy link", "Mark as &read", "Un&star",
        f"Mark this and everything older in {isolated('Feed 1')} as read…",
        f"Mark this and everything newer in {isolated('Feed 1')} as read…"]
    choose(qtbot, menu, "Copy link")
    assert QGuiApplication.clipboard().text() == "https://example.org/a/35"
    assert window.status_label.full_text == "Copied https://example.org/a/35"
    choose(qtbot, open_menu_on(qtbot, window, 35), "Mark as read")
    qtbot.waitUntil(lambda: 35 not in bold_ids(window))
    assert window.articles.selected_article().id == 35

    # the keyboard's menu key opens it for the selected row
    focus_articles(qtbot, window)
    QApplication.sendEvent(window.articles.view, QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, QPoint(0, 0),
        window.articles.view.mapToGlobal(QPoint())))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert "Mark as &unread" in [a.text() for a in menu.actions()]
    menu.close()


def test_keys_go_from_the_tree_to_the_list_and_letters_stay_letters_elsewhere(
        qtbot, make_window, server_db):
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 2)
    wait_for_articles(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.tree.setFocus()
    for expected in (window.articles.pane.search, window.articles.pane.show_read,
                     window.articles.view):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
    assert window.articles.selected_article().id == 70  # the focus gave the first row the selection
    qtbot.keyClick(window.articles.view, Qt.Key.Key_Down)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: 68 not in bold_ids(window))
    assert 70 in bold_ids(window)

    window.articles.pane.search.setFocus()
    qtbot.keyClicks(window.articles.pane.search, "ms")  # typed, not M and S
    assert window.articles.pane.search.text() == "ms"
    row = row_of(server_db, 1, 70)
    assert (row["is_read"], row["is_starred"]) == (0, 1)  # as the server left it


# -- "mark this and everything older" and rows falling live ---------------------------------

def test_mark_this_and_everything_older_falls_live_and_stops_at_the_article(
        qtbot, make_window, server_db):
    window = make_window(server_db, max_chunk=4)  # spans of at most 4 ids: many chunks
    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == unread(TECH)
    choose(qtbot, open_menu_on(qtbot, window, 35),
           f"Mark this and everything older in {isolated('Tech')} as read…")
    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    count = len(unread(range(1, 36)))
    assert dialog.question.text() == (
        f"Mark {count} unread articles in {isolated('Tech')} as read: “{isolated('Article 35')}” "
        "and every article received before it?")
    assert not dialog.age.isVisible()

    falls = []
    window.bridge.jobEvent.connect(  # after the window's own handler: the rows as shown
        lambda event: event.kind == "progress" and falls.append((event.span, bold_ids(window))))
    generation = window.articles.model.generation
    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert job.status == "completed" and job.watermark == 35

    newer = set(unread(range(36, 71)))
    assert len(falls) >= 8
    for (_low, high), bold in falls:  # each chunk: its span normal, the rest still bold
        assert bold == newer | {n for n in unread(range(1, 36)) if n > high}
    assert len({frozenset(bold) for _, bold in falls}) >= 6  # fell step by step
    assert bold_ids(window) == newer
    assert window.articles.model.generation == generation  # no reload per chunk
    read = {r["article_id"] for r in read_status(server_db).values()
            if r["user_id"] == 1 and r["is_read"]}
    assert set(range(1, 36)) <= read and not (newer & read)
    qtbot.waitUntil(lambda: cell(window, job.id, "Job") == f"Category: {isolated('Tech')} "
                                                           "(article #35 and older)")
    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == len(newer))
    assert window.articles.pane.title.text() == f"{isolated('Tech')} — {len(newer)} unread"

    with qtbot.waitSignal(window.jobFinished, timeout=20_000):  # Ctrl+Z: undo it
        window.menus.undo_last_action.trigger()
    qtbot.waitUntil(lambda: bold_ids(window) == set(unread(TECH)), timeout=10_000)


def test_uncategorized_marks_older_in_the_articles_feed(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "uncategorized", None)
    wait_for_articles(qtbot, window)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        choose(qtbot, open_menu_on(qtbot, window, 103),
               f"Mark this and everything older in {isolated('Feed 5')} as read…")
    job = finished.args[0]
    assert job.job_type == "mark_feed_read" and '"up_to_article": 103' in job.parameters
    qtbot.waitUntil(lambda: bold_ids(window) == {104})


def test_a_job_on_the_shown_scope_leaves_later_arrivals_bold(qtbot, make_window, server_db):
    window = make_window(server_db, max_chunk=3, recover_every=None)
    job_id = run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 1},
                                                  run=False))  # watermark 105
    with sqlite3.connect(server_db) as conn:  # the web server adds three to feed 1
        late = [conn.execute("INSERT INTO articles (feed_id, title, created_at) VALUES "
                             "(1, ?, ?)", (f"Late {n}", utc_now_text())).lastrowid
                for n in range(3)]
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == list(reversed(late)) + unread(FEED_1)
    generation, falls = window.articles.model.generation, []
    window.bridge.jobEvent.connect(
        lambda event: event.kind == "progress" and falls.append(bold_ids(window)))
    with qtbot.waitSignal(window.jobFinished, timeout=20_000):
        window.manager.start_job(job_id)
    assert len(falls) >= 5 and all(set(late) <= bold for bold in falls)
    assert bold_ids(window) == set(late)
    assert window.articles.model.generation == generation


def test_a_page_read_before_a_chunk_but_arriving_after_its_event_shows_the_chunk(
        qtbot, make_window, demo_db):
    """The race made to happen: the read thread holds a snapshot from before the job; the page
    is read in it (its rows unread) but arrives after the event of the chunk that marked them;
    it must show them read."""
    window = make_window(demo_db, max_chunk=500, recover_every=None)
    window.articles.pane.show_read.setChecked(True)
    click_scope(qtbot, window, "all", None)
    qtbot.mouseClick(window.articles.view.horizontalHeader().viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(window.articles.view.horizontalHeader().sectionViewportPosition(
                         RECEIVED) + 10, 10))  # oldest first: the job reaches them early
    wait_for_articles(qtbot, window, timeout=30_000)
    page = 10
    assert window.articles.model.row_at(page * PAGE_ROWS) is None  # not read yet
    # The engine's first job of the hour looks for old finished jobs on the read thread: a
    # small one (another user's) does that now. The job under test is written now too (its
    # request reads on the read thread) and runs once the snapshot is held.
    run(qtbot, window.manager.wait_for_job(run(qtbot, window.manager.create_job(
        "mark_feed_read", 2, {"feed_id": 1}))))
    job_id = run(qtbot, window.manager.create_job("mark_all_read", 1, {}, run=False))
    run(qtbot, window.jobs.reload())

    entered, release = threading.Event(), threading.Event()

    def hold_in_a_snapshot():  # on the read thread: a read transaction left open
        database_proxy.execute_sql("BEGIN")
        database_proxy.execute_sql("SELECT count(*) FROM articles").fetchone()
        entered.set()
        release.wait(30)

    held = asyncio.ensure_future(window.manager.reads.call(hold_in_a_snapshot))
    qtbot.waitUntil(entered.is_set)
    window.articles.view.scrollTo(window.articles.model.index(page * PAGE_ROWS + 50, 1))
    qtbot.waitUntil(lambda: window.articles.model.in_flight(page))  # queued behind the hold
    ended = asyncio.ensure_future(window.manager.reads.call(
        lambda: database_proxy.execute_sql("COMMIT")))  # right after the page's read
    high_needed = page * PAGE_ROWS + PAGE_ROWS  # ids grow with rows: oldest first, no gaps
    passed = []
    window.bridge.jobEvent.connect(
        lambda event: event.kind == "progress" and passed.append(event.span[1]))
    window.manager.start_job(job_id)
    try:
        qtbot.waitUntil(lambda: bool(passed) and passed[-1] >= high_needed, timeout=20_000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: held.done() and ended.done())
    qtbot.waitUntil(lambda: window.articles.model.row_at(page * PAGE_ROWS) is not None)
    shown = [window.articles.model.row_at(page * PAGE_ROWS + n) for n in range(PAGE_ROWS)]
    assert all(row.id <= passed[-1] for row in shown)
    assert not {row.id for row in shown} & bold_ids(window)  # all read, as the chunks left them
    run(qtbot, window.manager.cancel_job(1, job_id))


def test_switching_scopes_drops_the_older_lists_results(qtbot, make_window, server_db):
    window = make_window(server_db)
    entered, release = threading.Event(), threading.Event()
    held = asyncio.ensure_future(window.manager.reads.call(
        lambda: (entered.set(), release.wait(30))))
    qtbot.waitUntil(entered.is_set)
    try:
        click_scope(qtbot, window, "feed", 1)  # both lists wait behind the hold
        click_scope(qtbot, window, "feed", 3)
    finally:
        release.set()
    qtbot.waitUntil(held.done)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == unread(range(71, 91))
    assert window.articles.pane.title.text() == f"{isolated('Feed 3')} — 13 unread"


# -- search, empty lists, other programs -------------------------------------------------------

def test_search_lists_matching_titles_and_says_when_none_match(qtbot, make_window, server_db):
    window = make_window(server_db)
    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    search = window.articles.pane.search
    qtbot.keyClicks(search, "article 1")  # every word, anywhere in the title, any case
    qtbot.waitUntil(lambda: window.articles.model.spec.search == "article 1")
    wait_for_articles(qtbot, window)
    matching = [n for n in unread(TECH) if "1" in str(n)]
    assert listed_ids(window) == matching
    assert window.articles.pane.title.text() == (
        f"{isolated('Tech')} — 47 unread · {len(matching)} matching “{isolated('article 1')}”")

    search.clear()
    qtbot.keyClicks(search, "zzz")
    qtbot.keyClick(search, Qt.Key.Key_Return)  # at once, without waiting for the pause
    qtbot.waitUntil(lambda: window.articles.pane.empty_label.text()
                    == f"No unread article in {isolated('Tech')} matches “{isolated('zzz')}”.")
    # (after "Searching Tech…")
    assert window.articles.pane.empty.isVisible() and window.articles.pane.empty_button.isVisible()
    qtbot.mouseClick(window.articles.pane.empty_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.articles.pane.empty_label.text()
                    == f"No article in {isolated('Tech')} matches “{isolated('zzz')}”.")
    assert not window.articles.pane.empty_button.isVisible()


def test_nothing_unread_says_so_and_offers_the_read_ones(qtbot, make_window, server_db):
    window = make_window(server_db)
    run(qtbot, window.manager.wait_for_job(run(qtbot, window.manager.create_job(
        "mark_feed_read", 1, {"feed_id": 5}))))
    click_scope(qtbot, window, "feed", 5)
    qtbot.waitUntil(lambda: window.articles.pane.empty.isVisible())
    assert window.articles.pane.empty_label.text() == f"Nothing unread in {isolated('Feed 5')}."
    qtbot.mouseClick(window.articles.pane.empty_button, Qt.MouseButton.LeftButton)
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == [105, 104, 103, 102, 101] and not bold_ids(window)
    assert not window.articles.pane.empty.isVisible()


def test_another_programs_changes_show_and_new_articles_are_offered(qtbot, make_window,
                                                                   server_db):
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    now = utc_now_text()
    with sqlite3.connect(server_db) as conn:  # the web server: 40 read, a new article
        conn.execute("UPDATE read_status SET is_read = 1, read_at = ?, updated_at = ? "
                     "WHERE user_id = 1 AND article_id = 40", (now, now))
        new = conn.execute("INSERT INTO articles (feed_id, title, created_at) VALUES "
                           "(1, 'Fresh', ?)", (now,)).lastrowid
    qtbot.waitUntil(lambda: 40 not in bold_ids(window), timeout=10_000)  # the poll saw it
    qtbot.waitUntil(window.articles.pane.new_button.isVisible, timeout=10_000)
    assert new not in listed_ids(window)
    qtbot.mouseClick(window.articles.pane.new_button, Qt.MouseButton.LeftButton)
    wait_for_articles(qtbot, window)
    assert listed_ids(window)[0] == new and not window.articles.pane.new_button.isVisible()


def test_a_read_only_database_lists_but_changes_nothing(qtbot, make_window, server_db,
                                                       monkeypatch):
    monkeypatch.setattr("desktop.store.backends.sqlite._not_writable",
                        lambda _path: "not writable here")
    before = read_status(server_db)
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    click_article(qtbot, window, 40)
    focus_articles(qtbot, window)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_M)
    menu = open_menu_on(qtbot, window, 40)
    disabled = {a.text() for a in menu.actions() if not a.isEnabled() and not a.isSeparator()}
    assert {"Mark as &read", "Un&star",
            f"Mark this and everything older in {isolated('Feed 1')} as read…"} <= disabled
    menu.close()
    assert 40 in bold_ids(window)
    assert read_status(server_db) == before


# -- a long list ------------------------------------------------------------------------------

def test_a_long_list_scrolls_to_its_end_keeping_a_few_pages(qtbot, make_window, demo_db):
    window = make_window(demo_db)
    window.articles.pane.show_read.setChecked(True)
    click_scope(qtbot, window, "all", None)
    wait_for_articles(qtbot, window, timeout=30_000)
    model = window.articles.model
    assert model.rowCount() == 60_000
    focus_articles(qtbot, window)
    qtbot.keyClick(window.articles.view, Qt.Key.Key_End)
    wait_for_articles(qtbot, window)
    assert window.articles.selected_article().id == 1  # the oldest
    scrollbar = window.articles.view.verticalScrollBar()
    for step in range(0, 101, 4):  # dragged through the whole list
        scrollbar.setValue(scrollbar.maximum() * step // 100)
        wait_for_articles(qtbot, window)
        assert model.cached_rows() <= KEPT_PAGES * PAGE_ROWS
    first = window.articles.view.rowAt(0)
    assert model.row_at(first).id == 60_000 - first


def test_the_counts_stay_exact_when_a_reload_was_asked_for_before_a_write(
        qtbot, make_window, server_db):
    """A reload asked for before M but read after the write committed: the write is in its
    snapshot (its number says so) and is not counted twice."""
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    click_article(qtbot, window, 40)
    focus_articles(qtbot, window)
    entered, release = threading.Event(), threading.Event()
    held = asyncio.ensure_future(window.manager.reads.call(
        lambda: (entered.set(), release.wait(30))))
    qtbot.waitUntil(entered.is_set)
    try:
        reload = asyncio.ensure_future(window.reload_overview())  # its ticket: before M
        qtbot.keyClick(window.articles.view, Qt.Key.Key_M)  # the write's thread is free
        qtbot.waitUntil(lambda: 40 not in bold_ids(window))
        assert tree_count(window, "feed", 1) == 26
    finally:
        release.set()
    qtbot.waitUntil(lambda: held.done() and reload.done())
    assert tree_count(window, "feed", 1) == 26 and tree_count(window, "all", None) == 69
