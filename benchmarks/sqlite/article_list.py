"""The article list (issue 15), measured in the real window and on the real queries.

``articles``: MainWindow shown offscreen on a qasync loop over a fresh copy (QSettings in a
temporary file), user 1. The category of 600,000 articles (its unread ones listed, as the
window starts) is clicked in the tree with a real mouse click (QTest), and the time is taken
from just before the click to the end of the first paint of the list's viewport that shows rows
with their data (a paint-event filter notes the paint, a zero timer after it takes the time, so
the paint itself is included). The clicks alternate with other scopes: the first click after
opening ("cold"), then later ones. Then, once the whole category is listed, the list is
scrolled to its end three ways — End, a drag of the scrollbar from top to bottom in 240 steps
over about 2 s, and 600 wheel steps of 3 rows — each until the rows shown have arrived and been
painted. A 5 ms GUI-thread timer (benchmarks/common/engine.py's LoopProbe) runs throughout: how late
its ticks come is the event loop's stall. Memory is VmRSS of the process: after the first
paint, once the list is complete (the rows' bookkeeping in Qt's header is there then: about 8
bytes a row), and the peak while scrolling (VmHWM, reset once the list is complete). Last,
"Show read" is clicked: the whole category, read articles too, to its first painted rows and to
the end of its listing.

``search``: the title search on the read connection, Qt-free: the list's own steps (LIKE) for a
common word, two words, a rare word and no match, over the category (all of it, and its unread
articles as the window lists them by default) and over all articles — time to the first page of
matches and to the end. Then the same searches with an FTS5 index over the titles (external
content, the table the server would have to carry): the index's build time and size, its query
times, and what it costs the server: an article INSERT with the three triggers that keep the
index current, against one without (each in its own transaction, as the server's requests are).
The copy's read state is checked unchanged afterwards.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from ..common.dataset import USER_ID
from ..common.engine import LoopProbe, run_qt
from ..common.plain_connection import open_plain
from ..common.stats import summary
from .writer import CONTENT, INSERT_SQL

KINDS = ("articles", "search")
OTHER_SCOPES = ("News", "all", "Design", "Science")  # clicked between the category's clicks
DRAG_STEPS, WHEEL_STEPS, WHEEL_ROWS = 240, 600, 3
SEARCHES = {"common word": "kernel", "two words": "kernel patch", "rare word": "grid museum",
            "no match": "zeppelin"}
# (label, list kind, in the category?, unread only?): the window lists unread articles unless
# "Show read" is on
SEARCH_SCOPES = (("category", "category", True, False),
                 ("category, unread", "category", True, True),
                 ("all", "all", False, False))


def run(kind: str, path, category_id: int) -> dict:
    if kind == "articles":
        return run_qt(lambda: _articles(path, category_id))
    if kind == "search":
        return _search(path, category_id)
    raise SystemExit(f"unknown measurement {kind!r}")


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


class PaintWatch:
    """Resolves when the list's viewport finished a paint that showed rows with their data."""

    def __init__(self, window):
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.window = window
        self.future: asyncio.Future | None = None
        watch = self

        class Filter(QObject):
            def eventFilter(self, _watched, event):
                if event.type() == QEvent.Type.Paint and watch.future is not None \
                        and not watch.future.done() and watch._rows_ready():
                    future = watch.future
                    # after this paint event is handled: the paint itself counts
                    QTimer.singleShot(0, lambda: future.done()
                                      or future.set_result(time.perf_counter()))
                return False

        self._filter = Filter()
        window.articles.view.viewport().installEventFilter(self._filter)

    def _rows_ready(self) -> bool:
        view, model = self.window.articles.view, self.window.articles.model
        first = view.rowAt(0)
        last = view.rowAt(view.viewport().height() - 1)
        last = model.rowCount() - 1 if last < 0 else last
        return first >= 0 and all(model.row_at(row) is not None
                                  for row in range(first, min(last, first + 20) + 1))

    def arm(self) -> asyncio.Future:
        self.future = asyncio.get_running_loop().create_future()
        return self.future

    async def shown(self, timeout: float = 30.0) -> float:
        return await asyncio.wait_for(self.future, timeout)


async def _click_scope(window, watch, kind, scope_id) -> float:
    """A real click on the tree's row; milliseconds until the list's rows are painted."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    index = window.feed_pane.view_index(window.tree_model.find(kind, scope_id))
    window.tree.scrollTo(index)
    await asyncio.sleep(0.05)
    watch.arm()
    began = time.perf_counter()
    QTest.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(index).center())
    return (await watch.shown() - began) * 1e3


async def _until(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the list did not get there")
        await asyncio.sleep(0.005)


async def _scroll(window, watch, move) -> float:
    """``move()`` then wait for the rows shown: milliseconds."""
    watch.arm()
    began = time.perf_counter()
    move()
    window.articles.view.viewport().update()  # a paint even if nothing was left to arrive
    return (await watch.shown() - began) * 1e3


async def _articles(path, category_id: int) -> dict:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from desktop.ui.window.main_window import MainWindow

    result: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.resize(1200, 800)
        window.show()
        if not await window.database.open_database(path):
            raise RuntimeError(f"the window did not open {path}")
        if window.user_id != USER_ID:
            await window.set_user(USER_ID)
        names = {name: cid for cid, name in window.tree_model.category_names().items()}
        await asyncio.sleep(0.5)  # the jobs and counts read after opening
        watch = PaintWatch(window)
        probe = LoopProbe()
        rss_open = _status_kb("VmRSS")

        probe.start()
        first_paint, others = [], {}
        for other in OTHER_SCOPES:
            first_paint.append(await _click_scope(window, watch, "category", category_id))
            kind, scope_id = ("all", None) if other == "all" else ("category", names[other])
            others[other] = await _click_scope(window, watch, kind, scope_id)
        began = time.perf_counter()
        first_paint.append(await _click_scope(window, watch, "category", category_id))
        rss_first = _status_kb("VmRSS")
        await _until(lambda: window.articles.model.complete)
        listed_seconds = time.perf_counter() - began
        clicks_stall = probe.stop()
        rows = window.articles.model.rowCount()
        rss_listed = _status_kb("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM := VmRSS: the peak from here on is the scrolling's

        view = window.articles.view
        window.activateWindow()
        view.setFocus()
        await asyncio.sleep(0.05)
        probe.start()
        end_ms = await _scroll(window, watch, lambda: QTest.keyClick(view, Qt.Key.Key_End))
        home_ms = await _scroll(window, watch, lambda: QTest.keyClick(view, Qt.Key.Key_Home))
        bar = view.verticalScrollBar()
        drag_began = time.perf_counter()
        for step in range(1, DRAG_STEPS + 1):  # a drag: the thumb moves every 8 ms
            bar.setValue(bar.maximum() * step // DRAG_STEPS)
            await asyncio.sleep(0.008)
        watch.arm()
        drag_ended = time.perf_counter()
        view.viewport().update()
        drag_shown = await watch.shown()
        drag_ms, drag_settle_ms = (drag_shown - drag_began) * 1e3, (drag_shown - drag_ended) * 1e3
        QTest.keyClick(view, Qt.Key.Key_Home)
        await asyncio.sleep(0.2)
        wheel_began = time.perf_counter()
        for _ in range(WHEEL_STEPS):  # reading on: three rows a wheel step
            bar.setValue(bar.value() + WHEEL_ROWS)
            await asyncio.sleep(0.004)
        watch.arm()
        wheel_ended = time.perf_counter()
        view.viewport().update()
        wheel_shown = await watch.shown()
        wheel_ms, wheel_settle_ms = ((wheel_shown - wheel_began) * 1e3,
                                     (wheel_shown - wheel_ended) * 1e3)
        scroll_stall = probe.stop()
        rss_scrolled = _status_kb("VmRSS")
        peak_scrolling = _status_kb("VmHWM")
        last_shown = window.articles.model.row_at(view.rowAt(0))
        cached = window.articles.model.cached_rows()
        # the whole category, read articles too: "Show read" clicked
        box = window.articles.pane.show_read
        watch.arm()
        show_read_began = time.perf_counter()
        QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
        show_read_ms = (await watch.shown() - show_read_began) * 1e3
        await _until(lambda: window.articles.model.complete)
        show_read_listed = time.perf_counter() - show_read_began
        all_rows = window.articles.model.rowCount()
        await window.shutdown()
        settings.sync()

    ms = 1 / 1024
    result.update({
        "status": "completed", "checked": True, "problems": [],
        "category_rows": rows,
        "first_paint_ms": first_paint, "first_paint_cold_ms": first_paint[0],
        "first_paint_later_ms": summary(first_paint[1:]), "other_scopes_ms": others,
        "listed_seconds": listed_seconds, "clicks_stall_ms": clicks_stall,
        "end_ms": end_ms, "home_ms": home_ms, "drag_ms": drag_ms, "drag_steps": DRAG_STEPS,
        "drag_settle_ms": drag_settle_ms, "wheel_settle_ms": wheel_settle_ms,
        "wheel_ms": wheel_ms, "wheel_rows": WHEEL_STEPS * WHEEL_ROWS,
        "scroll_stall_ms": scroll_stall, "rows_kept_after_scrolling": cached,
        "last_row_shown_id": last_shown.id if last_shown else None,
        "show_read_first_paint_ms": show_read_ms, "show_read_listed_seconds": show_read_listed,
        "show_read_rows": all_rows,
        "rss_mb": {"opened": rss_open * ms, "first_paint": rss_first * ms,
                   "listed": rss_listed * ms, "scrolled": rss_scrolled * ms,
                   "peak_while_scrolling": peak_scrolling * ms},
        "growth_listing_mb": (rss_listed - rss_first) * ms,
        "growth_scrolling_mb": (peak_scrolling - rss_listed) * ms,
    })
    return result


# -- search -------------------------------------------------------------------------------

def _walk(spec, generation: int, page_rows: int = 100) -> tuple[float, float, int]:
    """The list's own steps: (seconds to the first page of rows, to the end, rows)."""
    from desktop.store.article_list import FIRST_SPAN, extend_list, next_span, start_list
    from desktop.store.backends.sqlite import SQLITE

    began = time.perf_counter()
    start = start_list(SQLITE, generation, spec)
    cursor, span, first = start.first_cursor(spec.newest_first), FIRST_SPAN, None
    while True:
        step = extend_list(SQLITE, start, spec, cursor, span)
        if first is None and (step.count >= page_rows or step.done):
            first = time.perf_counter() - began
        if step.done:
            return first, time.perf_counter() - began, step.count
        cursor, span = step.cursor, next_span(span, step.seconds)


def _state(conn) -> tuple:
    return conn.execute("SELECT count(*), sum(is_read), sum(is_starred), max(updated_at) FROM "
                        "read_status").fetchone()


FTS_TRIGGERS = """
CREATE TRIGGER bench_fts_ai AFTER INSERT ON articles BEGIN
  INSERT INTO bench_fts(rowid, title) VALUES (new.id, new.title); END;
CREATE TRIGGER bench_fts_ad AFTER DELETE ON articles BEGIN
  INSERT INTO bench_fts(bench_fts, rowid, title) VALUES ('delete', old.id, old.title); END;
CREATE TRIGGER bench_fts_au AFTER UPDATE OF title ON articles BEGIN
  INSERT INTO bench_fts(bench_fts, rowid, title) VALUES ('delete', old.id, old.title);
  INSERT INTO bench_fts(rowid, title) VALUES (new.id, new.title); END;
"""


def _fts_query(conn, words: list[str], category_id: int | None,
               unread_only: bool) -> tuple[float, float, int]:
    """(seconds to the first 100, to count them all, how many) with the FTS5 index: every
    word as a prefix (LIKE matches inside words; a prefix is the nearest FTS5 has). Newest
    first by the index's own rowid: FTS5 walks its matches in that order, where ordering by
    ``articles.id`` would sort every match before the first row comes out."""
    match = " ".join(f'"{word}"*' for word in words)
    scope = ("AND a.feed_id IN (SELECT id FROM feeds WHERE category_id = :cat)"
             if category_id else "")
    if unread_only:  # the list's own condition (store/article_list.py)
        scope += (" AND NOT EXISTS (SELECT 1 FROM read_status r WHERE r.user_id = :user "
                  "AND r.article_id = a.id AND r.is_read)")
    sql = (f"SELECT a.id FROM bench_fts JOIN articles a ON a.id = bench_fts.rowid "
           f"WHERE bench_fts MATCH :match {scope} ORDER BY bench_fts.rowid DESC")
    params = {"match": match, "cat": category_id, "user": USER_ID}
    began = time.perf_counter()
    conn.execute(sql + " LIMIT 100", params).fetchall()
    first = time.perf_counter() - began
    began = time.perf_counter()
    count = conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
    return first, time.perf_counter() - began, count


def _insert_cost(conn, feed_id: int, label: str, count: int = 300) -> list[float]:
    """Seconds per article INSERT, each its own transaction, as the server's fetcher writes:
    a whole row like writer.py's (the server's articles need a guid, unique per feed)."""
    from desktop.store.clock import utc_now_text

    times = []
    for n in range(count):
        guid = f"urn:bench-search:{label}:{n}"
        stamp = utc_now_text()  # when the fetcher writes it
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(INSERT_SQL, (feed_id, f"https://bench.example/{guid}", guid, CONTENT,
                                  stamp, stamp))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - began)
    return times


def _search(path, category_id: int) -> dict:
    from desktop.store.article_list import ListSpec
    from desktop.store.connection import connect
    from desktop.store.scopes import Scope

    plain = open_plain(path)  # set up like the server's: its INSERTs are measured on it
    before = _state(plain)
    db = connect(path)
    like: dict = {}
    generation = 0
    try:
        for label, text in SEARCHES.items():
            for scope, kind, in_category, unread_only in SEARCH_SCOPES:
                generation += 1
                target = category_id if in_category else None
                spec = ListSpec(USER_ID, Scope(kind, target), unread_only=unread_only,
                                search=text)
                first, whole, count = _walk(spec, generation)
                like[f"{label}|{scope}"] = {"first_page_ms": first * 1e3, "all_ms": whole * 1e3,
                                            "matches": count}
        generation += 1
        plain_first, plain_whole, plain_count = _walk(
            ListSpec(USER_ID, Scope("category", category_id), unread_only=False), generation)
    finally:
        db.close()

    def size() -> int:
        return (plain.execute("PRAGMA page_count").fetchone()[0]
                * plain.execute("PRAGMA page_size").fetchone()[0])

    size_before = size()
    feed_id = plain.execute("SELECT id FROM feeds WHERE category_id = ? LIMIT 1",
                            (category_id,)).fetchone()[0]
    without = _insert_cost(plain, feed_id, "without-fts")
    began = time.perf_counter()
    plain.execute("CREATE VIRTUAL TABLE bench_fts USING fts5(title, content='articles', "
                  "content_rowid='id')")
    plain.execute("INSERT INTO bench_fts(bench_fts) VALUES ('rebuild')")
    build_seconds = time.perf_counter() - began
    plain.executescript(FTS_TRIGGERS)
    index_mb = (size() - size_before) / 2**20
    with_fts = _insert_cost(plain, feed_id, "with-fts")
    fts: dict = {}
    for label, text in SEARCHES.items():
        for scope, _kind, in_category, unread_only in SEARCH_SCOPES:
            first, whole, count = _fts_query(plain, text.split(),
                                             category_id if in_category else None, unread_only)
            fts[f"{label}|{scope}"] = {"first_page_ms": first * 1e3, "all_ms": whole * 1e3,
                                       "matches": count}
    after = _state(plain)
    plain.close()
    problems = [] if after == before else [f"read_status changed: {before} -> {after}"]
    return {"status": "completed", "checked": True, "problems": problems,
            "like": like, "fts": fts,
            "unfiltered_category": {"first_page_ms": plain_first * 1e3,
                                    "all_ms": plain_whole * 1e3, "rows": plain_count},
            "fts_build_seconds": build_seconds, "fts_index_mb": index_mb,
            "insert_ms_without_fts": summary(without, 1e3),
            "insert_ms_with_fts": summary(with_fts, 1e3), "pid": os.getpid()}
