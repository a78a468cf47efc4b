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
from support.window import (
    click_job_row,
    click_scope,
    column,
    insert_job_row,
    run,
    tree_count,
)

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
    percent = 100 * job.progress // job.total
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
