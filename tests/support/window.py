"""What the window tests share: running coroutines the Qt way, real clicks on the tree and the
jobs panel, reading the tree's counts and the database's. The ``make_window`` and ``demo_db``
fixtures are in conftest.py."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar

from desktop.jobs.api import Scope
from desktop.store.backends.sqlite import JOB_TABLE_DDL
from desktop.store.clock import ago_text
from desktop.ui.joblist.model import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
FEED_ARTICLES = {1: range(1, 41), 2: range(41, 71), 3: range(71, 91), 4: range(91, 101),
                 5: range(101, 106)}  # see make_server_database: user 1 read every third one
SERVER_UNREAD_USER1 = {feed: sum(1 for a in ids if a % 3) for feed, ids in FEED_ARTICLES.items()}


def run(qtbot, coroutine, timeout=20_000):
    """Run a coroutine on the qasync loop and wait, the Qt way, for its result."""
    task = asyncio.ensure_future(coroutine)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def tree_count(window, kind: str, scope_id) -> int:
    assert window.tree_model.find(kind, scope_id).isValid(), (kind, scope_id)
    return window.tree_model.unread(Scope(kind, scope_id))


def tree_index(window, kind: str, scope_id):
    """The tree view's index of a scope's row (the view shows the feed filter's rows)."""
    return window.feed_pane.view_index(window.tree_model.find(kind, scope_id))


def click_scope(qtbot, window, kind: str, scope_id) -> None:
    index = tree_index(window, kind, scope_id)
    assert index.isValid(), (kind, scope_id)
    window.tree.scrollTo(index)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(index).center())
    assert window.selected_scope().kind == kind and window.selected_scope().target_id == scope_id


def click_job_row(qtbot, window, job_id: int) -> None:
    table = window.jobs.panel.table
    index = window.jobs.model.index(window.jobs.model.row_of(job_id), COLUMNS.index("Job"))
    assert index.isValid(), job_id
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    assert window.jobs.panel.selected_job().id == job_id


def panel_button(window, action):
    """The button of a job action in the jobs panel's toolbar."""
    return window.jobs.panel.toolbar.widgetForAction(action)


def column(name: str) -> int:
    return COLUMNS.index(name)


def cell(window, job_id: int, name: str, role=Qt.ItemDataRole.DisplayRole):
    """What the jobs table shows for a job in a column."""
    row = window.jobs.model.row_of(job_id)
    return window.jobs.model.index(row, column(name)).data(role) if row >= 0 else None


def click_toolbar(qtbot, window, action) -> None:
    toolbar = window.findChild(QToolBar, "main-toolbar")
    qtbot.mouseClick(toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)


def db_unread(path: Path, user_id: int, category_id: int) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id "
            "LEFT JOIN read_status r ON r.article_id = a.id AND r.user_id = ? "
            "WHERE f.category_id = ? AND coalesce(r.is_read, 0) = 0",
            (user_id, category_id)).fetchone()[0]


def insert_job_row(path: Path, **values) -> int:
    """A job row as the web server writes it; by default pending since a minute ago (past the
    10 s the engine leaves another program to start its pending rows)."""
    row = {"job_type": "mark_category_read", "status": "pending", "user_id": 1,
           "parameters": json.dumps({"category_id": 1}), "created_at": ago_text(minutes=1),
           **values}
    with sqlite3.connect(path) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'bulk_operation_jobs'"
                            ).fetchone():
            conn.execute(JOB_TABLE_DDL)  # the web server's migration, the spec's DDL
        cursor = conn.execute(
            f"INSERT INTO bulk_operation_jobs ({', '.join(row)}) VALUES "
            f"({', '.join('?' * len(row))})", tuple(row.values()))
        return cursor.lastrowid


# -- the article list ----------------------------------------------------------------------

def article_index(window, article_id: int, column: int | None = None):
    """The list's index of an article among the rows the model holds (invalid if none)."""
    from desktop.ui.articles.model import TITLE

    row = window.articles.model.row_of(article_id)
    return window.articles.model.index(row, TITLE if column is None else column)


def wait_for_articles(qtbot, window, timeout=10_000) -> None:
    """Until the list is walked to its end and every row the view shows has arrived."""
    model = window.articles.model

    def shown() -> bool:
        if not model.complete:
            return False
        first = window.articles.view.rowAt(0)
        last = window.articles.view.rowAt(window.articles.view.viewport().height() - 1)
        last = model.rowCount() - 1 if last < 0 else last
        return first < 0 or all(model.row_at(row) is not None for row in range(first, last + 1))

    qtbot.waitUntil(shown, timeout=timeout)


def listed_ids(window) -> list[int]:
    """The article ids of the list's rows the model holds, in order."""
    model = window.articles.model
    return [row.id for row in (model.row_at(n) for n in range(model.rowCount())) if row]


def bold_ids(window) -> set[int]:
    """The articles shown in bold (unread), among the rows the model holds."""
    from desktop.ui.articles.model import TITLE

    model = window.articles.model
    return {model.row_at(n).id for n in range(model.rowCount())
            if model.row_at(n) is not None
            and model.index(n, TITLE).data(Qt.ItemDataRole.FontRole) is not None
            and model.index(n, TITLE).data(Qt.ItemDataRole.FontRole).bold()}


def click_article(qtbot, window, article_id: int, column: int | None = None,
                  button=Qt.MouseButton.LeftButton) -> None:
    index = article_index(window, article_id, column)
    assert index.isValid(), article_id
    window.articles.view.scrollTo(index)
    qtbot.mouseClick(window.articles.view.viewport(), button,
                     pos=window.articles.view.visualRect(index).center())
