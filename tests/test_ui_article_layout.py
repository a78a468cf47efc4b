"""The article list's layout as a person sees it (found in the X walk-through): a date or a
feed's name is shown whole, the search box's placeholder is not cut short, and a long header
line gives way to the search box in a narrow window instead of squeezing it."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle
from support.window import article_index, click_scope, wait_for_articles

from desktop.store import clock
from desktop.ui.articles.model import FEED, PUBLISHED, RECEIVED


def shown_whole(view, index) -> bool:
    """Whether a cell's text fits between the margins Qt's styles keep on each side of it
    (the focus frame's margin and a pixel); text that does not is elided."""
    font = index.data(Qt.ItemDataRole.FontRole) or view.font()
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    room = view.horizontalHeader().sectionSize(index.column()) - 2 * margin
    return QFontMetrics(font).horizontalAdvance(index.data()) <= room


def test_dates_and_feed_names_are_shown_whole_in_bold(qtbot, make_window, server_db):
    """Unread rows are bold: "yesterday 23:59", a date of last year and a feed's name such as
    "Open Source Today" still fit their columns."""
    local_now = clock.now().in_timezone("local")
    late_yesterday = clock.to_db_text(local_now.subtract(days=1).set(hour=23, minute=59))
    last_year = clock.to_db_text(local_now.subtract(years=1).set(month=12, day=28, hour=23,
                                                                    minute=58))
    with sqlite3.connect(server_db) as conn:  # articles 40, 38, 37 of feed 1 are unread
        conn.execute("UPDATE feeds SET title = 'Open Source Today' WHERE id = 1")
        conn.execute("UPDATE articles SET published_date = ? WHERE id = 40", (late_yesterday,))
        conn.execute("UPDATE articles SET created_at = ? WHERE id = 40", (late_yesterday,))
        conn.execute("UPDATE articles SET published_date = ?, created_at = ? WHERE id = 38",
                     (last_year, last_year))
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    view = window.articles.view
    texts = {}
    for article_id in (40, 38):
        for column in (FEED, PUBLISHED, RECEIVED):
            index = article_index(window, article_id, column)
            assert index.data(Qt.ItemDataRole.FontRole).bold()
            texts[article_id, column] = index.data()
            assert shown_whole(view, index), (index.data(), view.columnWidth(column))
    assert texts[40, PUBLISHED].startswith("yesterday")
    assert texts[38, RECEIVED].startswith(str(local_now.year - 1))
    assert texts[40, FEED] == "Open Source Today"


def placeholder_room(search) -> int:
    """The width a line edit leaves its text: its frame, Qt's 2-pixel text margins, and the
    clear button's room (a small icon and a quarter of it on each side)."""
    style = search.style()
    icon = style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, search)
    frame = style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, search)
    return search.width() - 2 * frame - 2 * 2 - (icon + icon // 2)


def test_the_search_box_keeps_its_placeholder_and_a_long_header_gives_way(
        qtbot, make_window, server_db):
    with sqlite3.connect(server_db) as conn:
        conn.execute("UPDATE categories SET name = ? WHERE id = 1",
                     ("Technology, programming languages and the tools around them",))
    window = make_window(server_db)
    pane = window.articles.pane
    search = pane.search
    placeholder = search.fontMetrics().horizontalAdvance(search.placeholderText())
    assert placeholder_room(search) >= placeholder  # at the window's first size

    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    qtbot.keyClicks(search, "article 1")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "matching" in pane.title.text() and window.articles.model.complete)
    window.resize(760, 480)
    qtbot.waitUntil(lambda: window.width() <= 760)
    assert search.width() >= search.minimumWidth()
    assert placeholder_room(search) >= placeholder
    title = pane.title
    # (Qt keeps the invisible isolate marks around names when it elides)
    assert title.shown_text().rstrip("\u2068\u2069").endswith("…")
    assert title.shown_text() != title.text()
    assert title.toolTip() == title.text()  # the whole line, on hovering
    assert pane.show_read.width() >= pane.show_read.sizeHint().width()

    window.resize(1400, 720)
    qtbot.waitUntil(lambda: title.shown_text() == title.text())
    assert title.toolTip() == ""

