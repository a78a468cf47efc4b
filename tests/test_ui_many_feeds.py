"""The feed tree with many feeds (issue 26): counts move in place on a reload, filtering and
hiding stay right, the tree's outline shows before its counts. Real files, a real loop."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from support.databases import make_server_database
from support.window import run, tree_count

from desktop.jobs.api import Scope
from desktop.store.clock import utc_now_text

MANY = 300  # feeds added to category 1 ("Tech")
FIRST_MANY = 6  # their ids: 6 .. 305


@pytest.fixture
def many_feeds_db(tmp_path):
    """The small server database plus MANY feeds in "Tech", two articles each: every fourth
    of them read by user 1 (nothing unread), the others unread."""
    path = make_server_database(tmp_path / "many.db")
    made = utc_now_text()
    conn = sqlite3.connect(path)
    article_id = conn.execute("SELECT max(id) FROM articles").fetchone()[0]
    for n in range(MANY):
        feed_id = FIRST_MANY + n
        conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) "
                     "VALUES (?, ?, ?, 1, ?)",
                     (feed_id, f"https://m{feed_id}.example/rss", f"Many {n:03d}", made))
        for _ in range(2):
            article_id += 1
            conn.execute("INSERT INTO articles (id, feed_id, title, created_at, content) "
                         "VALUES (?, ?, ?, ?, 'body')",
                         (article_id, feed_id, f"Article {article_id}", made))
            if n % 4 == 0:
                conn.execute("INSERT INTO read_status (user_id, article_id, is_read, read_at, "
                             "created_at, updated_at) VALUES (1, ?, 1, ?, ?, ?)",
                             (article_id, made, made, made))
    conn.commit()
    conn.close()
    return path


def shown_feeds(window, category_id: int = 1) -> list[str]:
    """The names of the feeds the tree shows under a category (hidden rows left out)."""
    model, tree = window.tree_model, window.tree
    parent = model.find("category", category_id)
    if tree.isRowHidden(parent.row(), QModelIndex()):
        return []
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))
            if not tree.isRowHidden(row, parent)]


def mark_read_elsewhere(path, feed_id: int) -> None:
    """Another program (the web server) marks a feed's articles read for user 1."""
    made = utc_now_text()
    with sqlite3.connect(path) as conn:
        for (article_id,) in conn.execute("SELECT id FROM articles WHERE feed_id = ?",
                                          (feed_id,)).fetchall():
            conn.execute("INSERT INTO read_status (user_id, article_id, is_read, read_at, "
                         "created_at, updated_at) VALUES (1, ?, 1, ?, ?, ?) ON CONFLICT DO "
                         "UPDATE SET is_read = 1", (article_id, made, made, made))
    conn.close()


class ModelChanges:
    """What the tree's model told its views: resets, rows removed or inserted, cells changed."""

    def __init__(self, model):
        self.structural, self.changed = [], []
        model.modelReset.connect(lambda: self.structural.append("reset"))
        model.rowsRemoved.connect(lambda *_: self.structural.append("removed"))
        model.rowsInserted.connect(lambda *_: self.structural.append("inserted"))
        model.dataChanged.connect(lambda first, last, _roles: self.changed.append(
            (first.parent().row(), first.row(), last.row())))


def test_a_count_reload_moves_the_changed_counts_in_place(qtbot, make_window, many_feeds_db):
    window = make_window(many_feeds_db)
    model = window.tree_model
    feed = FIRST_MANY + 1  # "Many 001": two unread
    kept = QPersistentModelIndex(model.find("feed", feed))
    before = {"feed": tree_count(window, "feed", feed), "tech": tree_count(window, "category", 1),
              "all": tree_count(window, "all", None)}
    changes = ModelChanges(model)
    mark_read_elsewhere(many_feeds_db, feed)
    run(qtbot, window.reload_overview())
    assert tree_count(window, "feed", feed) == before["feed"] - 2 == 0
    assert tree_count(window, "category", 1) == before["tech"] - 2
    assert tree_count(window, "all", None) == before["all"] - 2
    assert changes.structural == []  # no reset, no row removed or added
    assert kept.isValid() and kept == model.find("feed", feed)  # the same row, still there
    # only the rows whose count moved: the feed's, then Tech's and All articles' (top level)
    tech_row = model.find("category", 1).row()
    assert sorted(changes.changed) == sorted([(tech_row, kept.row(), kept.row()),
                                              (-1, 0, tech_row)])

    changes.changed.clear()
    run(qtbot, window.reload_overview())  # nothing changed: nothing is told
    assert changes.changed == [] and changes.structural == []


def test_f5_with_the_same_feeds_keeps_the_rows_and_a_new_feed_rebuilds(qtbot, make_window,
                                                                       many_feeds_db):
    window = make_window(many_feeds_db)
    model = window.tree_model
    changes = ModelChanges(model)
    kept = QPersistentModelIndex(model.find("feed", FIRST_MANY))
    run(qtbot, window.refresh())  # F5
    assert changes.structural == [] and kept.isValid()

    with sqlite3.connect(many_feeds_db) as conn:  # the server subscribes to a new feed
        conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) VALUES "
                     "(900, 'https://new.example/rss', 'Brand new', 2, ?)",
                     (utc_now_text(),))
    conn.close()
    run(qtbot, window.refresh())
    assert changes.structural == ["reset"]
    assert model.find("feed", 900).isValid() and "Brand new" in shown_feeds(window, 2)
    assert window.tree.isExpanded(model.find("category", 2))  # rebuilt rows come expanded


def test_hiding_read_feeds_follows_the_counts_among_many(qtbot, make_window, many_feeds_db):
    window = make_window(many_feeds_db)
    every = shown_feeds(window)
    assert len(every) == 2 + MANY  # Feed 1, Feed 2 and the many
    window.menus.hide_read_action.trigger()
    unread = shown_feeds(window)
    assert unread == [name for name in every
                      if not (name.startswith("Many") and int(name[5:]) % 4 == 0)]

    mark_read_elsewhere(many_feeds_db, FIRST_MANY + 1)  # "Many 001" has nothing unread now
    run(qtbot, window.reload_overview())
    assert shown_feeds(window) == [name for name in unread if name != "Many 001"]

    # the whole category read: Tech goes (nothing of it is selected), All articles stays
    with qtbot.waitSignal(window.jobFinished, timeout=20_000):
        run(qtbot, window.jobs.start_mark_read(Scope("category", 1, name="Tech"), None, None))
    qtbot.waitUntil(lambda: shown_feeds(window) == [], timeout=10_000)
    assert window.tree.isRowHidden(model_row(window, "category", 1), QModelIndex())
    assert not window.tree.isRowHidden(0, QModelIndex())  # All articles

    window.menus.hide_read_action.trigger()  # off: every feed again
    assert shown_feeds(window) == every


def model_row(window, kind, scope_id) -> int:
    return window.tree_model.find(kind, scope_id).row()


def test_the_filter_text_and_hiding_combine_among_many(qtbot, make_window, many_feeds_db):
    window = make_window(many_feeds_db)
    edit = window.feed_pane.filter_edit
    qtbot.keyClicks(edit, "many 01")
    assert shown_feeds(window) == [f"Many {n:03d}" for n in range(10, 20)]
    window.menus.hide_read_action.trigger()
    assert shown_feeds(window) == [f"Many {n:03d}" for n in range(10, 20) if n % 4]
    assert shown_feeds(window, 2) == []  # News: no feed of it matches
    edit.clear()
    assert len(shown_feeds(window)) == 2 + MANY - MANY // 4
    # a selected feed stays while the filter would hide it
    window.select_scope("feed", FIRST_MANY)  # "Many 000", nothing unread
    assert "Many 000" in shown_feeds(window)
    window.select_scope("feed", 1)
    assert "Many 000" not in shown_feeds(window)


def test_the_outline_shows_before_the_counts(qtbot, make_window, many_feeds_db):
    """Opening shows the tree as soon as its categories and feeds are read; the counts fill
    in when counted, in place, and the read feeds are hidden only then."""
    window = make_window()
    window.prefs.hide_read_feeds = True
    window.feed_pane.filter.set_hide_read(True)
    model = window.tree_model
    seen = []

    def outline_shown():
        if not seen:
            seen.append((model.counts_known, len(shown_feeds(window)),
                         model.index(0, 1).data()))

    model.modelReset.connect(outline_shown)
    changes = ModelChanges(model)
    assert run(qtbot, window.database.open_database(many_feeds_db))
    # the outline: every feed shown (no count known to hide one by), no count text
    assert seen == [(False, 2 + MANY, "")]
    assert changes.structural == ["reset"]  # the counts then came in place
    assert model.counts_known and tree_count(window, "feed", FIRST_MANY + 1) == 2
    assert len(shown_feeds(window)) == 2 + MANY - MANY // 4


def test_a_change_to_hundreds_of_counts_keeps_the_selection_and_the_rows(qtbot, make_window,
                                                                          many_feeds_db):
    """With most rows changed the model says one dataChanged over the group's count column
    (no layoutChanged: that lays the whole tree out again): nothing moves, the selection and
    the expanded rows stay, nothing reloads."""
    window = make_window(many_feeds_db)
    model = window.tree_model
    window.select_scope("feed", FIRST_MANY + 1)
    selections = []
    window.tree.selectionModel().selectionChanged.connect(lambda *_: selections.append(1))
    changes = ModelChanges(model)
    layouts = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    before = tree_count(window, "all", None)
    marked = {FIRST_MANY + n: 1 for n in range(MANY) if n % 4}  # every feed with unread
    model.apply_marked(99, 1, marked)  # one chunk of a job over the whole category
    assert tree_count(window, "all", None) == before - len(marked)
    assert tree_count(window, "feed", FIRST_MANY + 1) == 1
    group = model.place("category", 1)[1]
    rows = sorted(model.place("feed", feed)[1] for feed in marked)
    assert (group, rows[0], rows[-1]) in changes.changed
    assert len(changes.changed) == 2  # the feeds' range; the top rows (category, All articles)
    assert changes.structural == [] and layouts == [] and selections == []
    assert window.selected_scope() == Scope("feed", FIRST_MANY + 1, name="Many 001")
    assert window.tree.isExpanded(model.find("category", 1))
