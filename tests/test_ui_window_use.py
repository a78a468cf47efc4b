"""The window as a person uses it (issue 14): each defect a walk-through found, driven with real
keys and clicks on a real qasync loop and real SQLite files."""

from __future__ import annotations

import asyncio
import calendar
import sqlite3
import threading
from pathlib import Path

import pendulum
import pytest
import shiboken6
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QFocusEvent, QHelpEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip
from support.cli import job_rows, run_gated_until_first_chunk
from support.clock import at
from support.databases import make_server_database
from support.window import cell, click_job_row, click_scope, column, panel_button, run, tree_count

from desktop.store import clock
from desktop.store.clock import to_db_text, utc_now_text
from desktop.store.jobs_table import JobRecord
from desktop.ui.feeds.feed_pane import NAME_MIN_WIDTH
from desktop.ui.formatting import duration, isolated, local_time
from desktop.ui.joblist.model import JobsTableModel, RateMeter, job_progress


def ctrl(qtbot, widget, key) -> None:
    """Ctrl+key as typed in ``widget``'s window (shortcuts work in the active window)."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


def delete_later_now() -> None:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def job_count(path: Path) -> int:
    return len(job_rows(path))


# -- 1. Esc on the confirmation while it counts ------------------------------------------

def hold_read_thread(window) -> tuple[threading.Event, asyncio.Future]:
    """Keep the engine's read thread busy until the returned event is set: a count asked for
    meanwhile cannot arrive before that."""
    entered, release = threading.Event(), threading.Event()

    def hold():
        entered.set()
        release.wait(30)

    held = asyncio.ensure_future(window.manager.reads.call(hold))
    return entered, release, held


def test_esc_while_the_confirmation_counts_never_meets_the_count(qtbot, make_window,
                                                                 server_db):
    """The count can only arrive after the dialog was answered: no race to lose."""
    window = make_window(server_db)
    errors = []
    window.errorShown.connect(errors.append)
    click_scope(qtbot, window, "all", None)
    entered, release, held = hold_read_thread(window)
    qtbot.waitUntil(entered.is_set)
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    dialog = window.jobs.confirmation
    assert dialog.isVisible() and not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # answered while the count waits
    assert dialog.closed and not dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: held.done() and not window.messages.tasks)
    delete_later_now()
    assert not shiboken6.isValid(dialog)  # gone, and nothing touched it after
    assert errors == [] and job_count(server_db) == 0


def test_esc_right_after_ctrl_r_before_the_count_starts(qtbot, make_window, server_db):
    window = make_window(server_db)
    errors = []
    window.errorShown.connect(errors.append)
    click_scope(qtbot, window, "category", 1)
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    qtbot.keyClick(window.jobs.confirmation, Qt.Key.Key_Escape)  # the loop has not run in between
    qtbot.waitUntil(lambda: not window.messages.tasks)
    delete_later_now()
    assert errors == [] and job_count(server_db) == 0


def test_opening_another_database_closes_the_confirmation(qtbot, make_window, server_db,
                                                          tmp_path):
    other = make_server_database(tmp_path / "other.db")
    window = make_window(server_db)
    click_scope(qtbot, window, "category", 1)
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    dialog = window.jobs.confirmation
    assert run(qtbot, window.database.open_database(other))
    assert dialog.closed  # its count and watermark belonged to the other file
    qtbot.waitUntil(lambda: not window.messages.tasks)
    assert job_count(server_db) == 0 and job_count(other) == 0


# -- 2, 3. undo: its own words, its rate, the original's state ----------------------------

def test_an_undo_says_it_made_articles_unread(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as marked:
        ctrl(qtbot, window.tree, Qt.Key.Key_R)
    assert window.status_label.full_text == (
        f"Feed: {isolated('Feed 3')} (job {marked.args[0].id}): done, 13 articles marked read")
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as undone:
        ctrl(qtbot, window.tree, Qt.Key.Key_Z)  # undo the last mark-read
    undo = undone.args[0]
    assert window.status_label.full_text == (
        f"Undo of job {marked.args[0].id} (job {undo.id}): done, 13 articles made unread again")
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == 13)


def test_the_original_says_being_undone_until_its_undo_ends(qtbot, make_window, server_db):
    window = make_window(server_db, recover_every=None)  # the undo waits until we say
    job_id = run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 3}))
    run(qtbot, window.manager.wait_for_job(job_id))
    undo = run(qtbot, window.manager.undo_job(1, job_id, run=False))  # pending, not running
    run(qtbot, window.jobs.reload())
    assert cell(window, job_id, "Message") == f"being undone by job {undo.id}…"
    click_job_row(qtbot, window, undo.id)
    qtbot.mouseClick(panel_button(window, window.jobs.panel.cancel_action),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not undone" in (cell(window, job_id, "Message") or ""))
    assert f"job {undo.id}, was cancelled before it began" in cell(window, job_id, "Message")
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):  # Ctrl+Shift+R: retry
        qtbot.keyClick(window.jobs.panel.table, Qt.Key.Key_R,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: cell(window, job_id, "Message") == f"undone by job {undo.id}")


def test_the_rate_is_that_of_the_last_seconds_and_time_left_is_readable():
    meter = RateMeter(window=10)
    meter.observe(0, now=0.0)
    meter.observe(1000, now=1.0)
    assert meter.rate() == 1000
    meter.observe(1000, now=300.0)  # stood still (paused, elsewhere): the old pace is gone
    meter.observe(50_000, now=301.0)
    assert meter.rate() == 49_000
    meter.observe(10, now=302.0)  # progress went back: a job run again from its start
    assert meter.rate() is None
    assert [duration(s) for s in (0.4, 42, 2396, 3900, 7200)] == [
        "<1 s", "42 s", "40 min", "1 h 5 min", "2 h"]


def running_job(job_id: int, progress: int, created_at: str) -> JobRecord:
    return JobRecord(id=job_id, job_type="mark_all_read", status="running", user_id=1,
                     parameters="{}", progress=progress, total=1_000_000,
                     created_at=created_at, started_at=created_at, completed_at=None,
                     error_message=None, watermark=1_000_000, cursor=progress, marked_count=0,
                     owner="host:1:x")


def test_the_rate_column_measures_each_job_afresh(qapp):
    """Job 1 of another file (or the same job run again) is not measured against the samples
    of the old one: the 295/s, 2396 s left of issue 14 came from such old samples."""
    now = [0.0]
    model = JobsTableModel(lambda job: "job", monotonic=lambda: now[0])

    def rate_shown() -> str:
        return model.index(0, column("Rate")).data()

    model.set_jobs([running_job(1, 0, at())])
    now[0] = 240.0
    model.set_jobs([running_job(1, 20_000, at())])
    now[0] = 300.0  # another database is opened; its job 1 runs at 70,000 a second
    model.clear()
    model.set_jobs([running_job(1, 70_000, at(days=1))])
    now[0] = 301.0
    model.update_job(running_job(1, 140_000, at(days=1)))
    assert rate_shown() == "70,000/s, 13 s left"


# -- 4. nothing unread: no job ------------------------------------------------------------

def mark_feed_read_elsewhere(path: Path, feed_id: int) -> None:
    """Another program marks a feed read for user 1."""
    now = utc_now_text()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE read_status SET is_read = 1, read_at = ? WHERE user_id = 1 AND "
                     "article_id IN (SELECT id FROM articles WHERE feed_id = ?)", (now, feed_id))
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, read_at, "
                     "created_at, updated_at) SELECT 1, id, 1, ?, ?, ? FROM articles a WHERE "
                     "feed_id = ? AND NOT EXISTS (SELECT 1 FROM read_status r WHERE "
                     "r.user_id = 1 AND r.article_id = a.id)", (now, now, now, feed_id))


def test_nothing_unread_creates_no_job(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.prefs.custom_age_days = 60  # the articles are 30 days old: none is older
    click_scope(qtbot, window, "feed", 3)
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    dialog.age.setCurrentIndex(dialog.age.findData("60d"))
    qtbot.waitUntil(lambda: dialog.question.text().startswith("Nothing unread"))
    assert "older than 60 days" in dialog.question.text()
    assert not dialog.ok_button.isEnabled() and dialog.cancel_button.text() == "Close"
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter confirms nothing
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert job_count(server_db) == 0

    # without the confirmation, on a count the tree shows but another program just changed
    window.prefs.confirm_mark_read = False
    mark_feed_read_elsewhere(server_db, 3)
    assert window.menus.mark_read_action.isEnabled()  # the tree still shows 13
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.status_label.full_text
                    == f"Nothing unread in Feed: {isolated('Feed 3')}: no job started")
    assert job_count(server_db) == 0
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == 0)  # the poll catches up
    assert not window.menus.mark_read_action.isEnabled()
    assert window.menus.mark_read_action.toolTip() == f"Nothing unread in {isolated('Feed 3')}"


# -- 6, 7. ids and tooltips -----------------------------------------------------------------

def hover(view, index) -> str:
    """The tooltip a person sees when resting the mouse on a cell."""
    QToolTip.hideText()
    pos = view.visualRect(index).center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos,
                                                       view.viewport().mapToGlobal(pos)))
    return QToolTip.text()


def test_every_cut_short_cell_has_its_whole_text_as_tooltip(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    window.prefs.custom_age_days = 1
    click_scope(qtbot, window, "category", 1)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        window.jobs.mark_selected_read("1d")
    job = finished.args[0]
    qtbot.waitUntil(lambda: window.jobs.model.row_of(job.id) >= 0)
    table = window.jobs.panel.table
    for name in ("Job", "Progress", "Message"):
        table.horizontalHeader().resizeSection(column(name), 40)  # far too narrow
    row = window.jobs.model.row_of(job.id)
    assert table.model().index(row, column("#")).data() == str(job.id)
    job_text = cell(window, job.id, "Job")
    assert job_text.startswith(f"Category: {isolated('Tech')} (before ")
    assert hover(table, table.model().index(row, column("Job"))) == f"Job {job.id}: {job_text}"
    assert cell(window, job.id, "Message") in hover(table, table.model().index(row,
                                                                             column("Message")))
    assert "of the 47 unread articles you confirmed" in hover(
        table, table.model().index(row, column("Progress")))
    assert hover(table, table.model().index(row, column("Started"))).startswith("Started 20")


# -- 8. the status bar --------------------------------------------------------------------

def test_the_status_bar_keeps_no_answered_question_or_past_error(qtbot, make_window, server_db,
                                                                tmp_path):
    window = make_window(server_db)
    opened = f"Opened {server_db}"
    assert window.status_label.full_text == opened
    height = window.statusBar().height()
    assert not run(qtbot, window.database.open_database(tmp_path / "missing.db"))
    box = window.messages.message_box
    assert "Create a new database there?" in box.text()
    assert "\n" not in window.status_label.text() and "missing.db" in window.status_label.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert window.status_label.full_text == opened  # the question went with its answer
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert not run(qtbot, window.database.open_database(notes))
    assert "is not an SQLite database" in window.status_label.full_text
    qtbot.keyClick(window.messages.message_box, Qt.Key.Key_Escape)
    assert window.status_label.full_text == opened and window.database.database_path == server_db
    assert window.statusBar().height() == height


# -- 9, 10. keyboard and narrow windows ---------------------------------------------------

def test_tab_leaves_the_jobs_table(qtbot, make_window, server_db):
    window = make_window(server_db)
    run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 5}, run=False))
    run(qtbot, window.jobs.reload())
    table = window.jobs.panel.table
    window.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    assert QApplication.focusWidget() is not None


def test_a_narrow_window_keeps_names_and_status_and_the_layout_is_remembered(
        qtbot, make_window, server_db):
    window = make_window(server_db)
    run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 5}))
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 1)
    window.resize(640, 400)
    qtbot.waitUntil(lambda: window.width() == 640)
    assert window.tree.header().sectionSize(0) >= NAME_MIN_WIDTH
    table, status = window.jobs.panel.table, column("Status")
    assert (table.columnViewportPosition(status) + table.columnWidth(status)
            <= table.viewport().width())  # in view without scrolling

    window.resize(780, 700)  # (on the offscreen screen: a geometry that fits is kept)
    qtbot.waitUntil(lambda: window.width() == 780)
    window.splitter.setSizes([300, 480])
    table.horizontalHeader().resizeSection(column("Progress"), 150)
    sizes = window.splitter.sizes()
    run(qtbot, window.shutdown())
    again = make_window(server_db)
    assert again.splitter.sizes()[0] == sizes[0]
    assert again.jobs.panel.table.columnWidth(column("Progress")) == 150


# -- 12. who cancelled ---------------------------------------------------------------------

def test_a_command_line_job_cancelled_here_is_told_so(qtbot, make_window, demo_db):
    process, job_id = run_gated_until_first_chunk(demo_db)  # stands after its first chunk
    try:
        window = make_window(demo_db)
        qtbot.waitUntil(lambda: window.jobs.model.row_of(job_id) >= 0, timeout=10_000)
        click_job_row(qtbot, window, job_id)
        qtbot.keyClick(window.jobs.panel.table, Qt.Key.Key_Delete)
        qtbot.waitUntil(lambda: cell(window, job_id, "Status") == "Cancelled", timeout=10_000)
        _, stderr = process.communicate(input=b"go", timeout=120)
    finally:
        process.kill()
    assert process.returncode == 1
    assert f"job {job_id} was cancelled by the desktop app at" in stderr.decode()
    assert "the work done is kept" in stderr.decode()


def test_tab_into_the_tree_selects_nothing_to_mark(qtbot, make_window, server_db):
    """Qt makes the first row (All articles) current when the tree gets the focus; only a
    selected row is a scope to mark read."""
    window = make_window(server_db)
    window.tree.clearFocus()
    QApplication.sendEvent(window.tree, QFocusEvent(QEvent.Type.FocusIn,
                                                    Qt.FocusReason.TabFocusReason))
    assert window.tree.currentIndex().isValid()  # what Qt did
    assert window.selected_scope() is None and not window.menus.mark_read_action.isEnabled()
    qtbot.keyClick(window.tree, Qt.Key.Key_Down)  # the keyboard selects as it moves
    assert window.selected_scope().kind == "category" and window.menus.mark_read_action.isEnabled()


# -- 13. smaller --------------------------------------------------------------------------

def test_the_selected_feed_is_restored_after_a_restart(qtbot, make_window, server_db):
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 4)
    run(qtbot, window.shutdown())
    again = make_window(server_db)
    assert (again.selected_scope().kind, again.selected_scope().target_id) == ("feed", 4)


def test_clear_finished_asks_first(qtbot, make_window, server_db):
    window = make_window(server_db)
    for feed in (3, 5):
        run(qtbot, window.manager.wait_for_job(run(qtbot, window.manager.create_job(
            "mark_feed_read", 1, {"feed_id": feed}))))
    run(qtbot, window.jobs.reload())
    clear = panel_button(window, window.jobs.panel.clear_action)
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.jobs.clear_question is not None
                    and shiboken6.isValid(window.jobs.clear_question)
                    and window.jobs.clear_question.isVisible())
    box = window.jobs.clear_question
    assert box.text() == f"Delete 2 finished jobs of {isolated('alice')}?"
    assert "can no longer be undone" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Cancel is the default
    assert job_count(server_db) == 2
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shiboken6.isValid(window.jobs.clear_question)
                    and window.jobs.clear_question.isVisible()
                    and window.jobs.clear_question is not box)
    delete = next(b for b in window.jobs.clear_question.buttons() if b.text() == "Delete")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 0)
    assert job_count(server_db) == 0
    assert window.status_label.full_text == "Cleared 2 finished jobs"


def test_the_open_dialog_starts_in_the_databases_folder(qtbot, make_window, server_db,
                                                        tmp_path, monkeypatch):
    monkeypatch.chdir(server_db.parent)
    window = make_window(Path(server_db.name))  # a relative path, as typed in a terminal
    assert window.database.database_path == server_db
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ctrl(qtbot, window.tree, Qt.Key.Key_O)
    dialog = window.database.file_dialog
    assert Path(dialog.directory().absolutePath()) == server_db.parent
    assert [Path(f).name for f in dialog.selectedFiles()] == [server_db.name]
    assert window.prefs.recent_databases()[0] == str(server_db)
    dialog.reject()


@pytest.mark.parametrize("moment, shown", [
    ({"hours": -3}, "09:00"),
    ({"days": -1}, "yesterday 12:00"),
    ({"days": -40}, "May 6 12:00"),
    ({"days": -400}, "{year_before}-05-{day} 12:00"),
])
def test_started_and_finished_show_the_date_unless_it_is_today(moment, shown):
    """Against 'now' at noon on June 15 of the clock's year, in the local zone: independent of
    the date, the time of day and the zone. 400 days before is May 11 of the year before, or
    May 12 when that span holds a February 29."""
    now = clock.now().in_timezone(pendulum.local_timezone()).set(
        month=6, day=15, hour=12, minute=0, second=0, microsecond=0)
    shown = shown.format(year_before=now.year - 1, day=12 if calendar.isleap(now.year) else 11)
    assert local_time(to_db_text(now.add(**moment)), now=now) == shown


def saturation(colour: QColor) -> int:
    """0 for a grey, more the more coloured."""
    channels = (colour.red(), colour.green(), colour.blue())
    return max(channels) - min(channels)


def bar_colour(window, job_id: int) -> QColor:
    """The colour painted a few pixels into a job's progress bar (its filled part)."""
    table = window.jobs.panel.table
    table.clearSelection()
    rect = table.visualRect(window.jobs.model.index(window.jobs.model.row_of(job_id),
                                                    column("Progress")))
    image = table.viewport().grab().toImage()
    return image.pixelColor(QPoint(rect.left() + 8, rect.top() + rect.height() // 3))


def test_a_cancelled_jobs_bar_is_grey_not_like_a_completed_one(qtbot, make_window, server_db):
    window = make_window(server_db, max_chunk=7)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 5)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as completed:
        ctrl(qtbot, window.tree, Qt.Key.Key_R)

    def cancel_at_first_chunk(event):  # the cancel lands before the job's next chunk
        if event.kind == "progress" and event.job.job_type == "mark_all_read":
            window.bridge.jobEvent.disconnect(cancel_at_first_chunk)
            window.spawn(window.jobs.cancel_job(event.job.id))

    window.bridge.jobEvent.connect(cancel_at_first_chunk)
    click_scope(qtbot, window, "all", None)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as cancelled:
        ctrl(qtbot, window.tree, Qt.Key.Key_R)
    job = cancelled.args[0]
    assert job.status == "cancelled" and 0 < job.marked_count < job.confirmed_count
    qtbot.waitUntil(lambda: cell(window, job.id, "Status") == "Cancelled")
    done, stopped = bar_colour(window, completed.args[0].id), bar_colour(window, job.id)
    assert saturation(done) > 40  # the style's highlight colour
    assert saturation(stopped) < 16  # grey


def test_an_empty_filter_says_so(qtbot, make_window, server_db):
    window = make_window(server_db)
    panel = window.jobs.panel
    assert panel.empty_label.isVisible() and "No jobs yet" in panel.empty_label.text()
    run(qtbot, window.manager.wait_for_job(run(qtbot, window.manager.create_job(
        "mark_feed_read", 1, {"feed_id": 5}))))
    run(qtbot, window.jobs.reload())
    assert not panel.empty_label.isVisible()
    panel.filter.setFocus()
    while panel.filter.currentData() != "failed":
        qtbot.keyClick(panel.filter, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 0)
    assert panel.empty_label.isVisible() and panel.empty_label.text() == "No failed jobs."


def test_resuming_after_a_restart_is_said(qtbot, make_window, demo_db):
    """Closing with a job running pauses it (asked first); the next start resumes it."""
    window = make_window(demo_db, max_chunk=50)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "all", None)
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 1
                    and window.jobs.model.job_at(0).progress > 0, timeout=10_000)
    job_id = window.jobs.model.job_at(0).id
    window.close()
    assert window.isVisible()  # not yet: it asks
    box = window.messages.close_question
    assert "pauses it after its current chunk" in box.informativeText()
    closed = []
    window.closeRequested.connect(lambda: closed.append(True))
    pause = next(b for b in box.buttons() if b.text() == "Close and pause")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed == [True])
    run(qtbot, window.shutdown())  # as the app does on closeRequested
    [row] = job_rows(demo_db)
    assert row["status"] == "pending" and 0 < row["progress"] < row["total"]

    again = make_window(demo_db)
    with qtbot.waitSignal(again.jobFinished, timeout=60_000) as finished:
        qtbot.waitUntil(lambda: "resumed at" in again.status_label.full_text, timeout=20_000)
    assert finished.args[0].id == job_id and finished.args[0].status == "completed"


def test_the_close_question_follows_the_job_and_closes_once_it_ends(qtbot, make_window,
                                                                     demo_db):
    """Ctrl+Q while "All articles" runs, then wait: the question shows the job's progress as
    it moves, and when the job completes it goes and the window closes, without asking."""
    window = make_window(demo_db, max_chunk=500)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "all", None)
    ctrl(qtbot, window.tree, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 1
                    and window.jobs.model.job_at(0).progress > 0, timeout=10_000)
    entered, release = threading.Event(), threading.Event()  # the job held between chunks
    held = asyncio.ensure_future(window.manager.db.call(lambda: (entered.set(),
                                                                 release.wait(30))))
    try:
        qtbot.waitUntil(entered.is_set)
        job = window.jobs.model.job_at(0)
        assert job.status == "running" and job.marked_count < job.confirmed_count
        closed = []
        window.closeRequested.connect(lambda: closed.append(True))
        window.close()  # what Ctrl+Q does (offscreen Qt has no key for StandardKey.Quit)
        box = window.messages.close_question
        assert window.isVisible() and box.isVisible() and not closed
        asked = box.text()
        assert asked.startswith("1 job running here: All articles (job ") and "%" in asked
        asked_at = job_progress(job).text
        assert asked_at in asked
        shown = []  # at each later chunk: what it had done, what the question said

        def seen(event) -> None:  # (after the window's own handlers of the event)
            if event.kind == "progress":
                shown.append((job_progress(event.job).text, box.text()))

        window.bridge.jobEvent.connect(seen)
    finally:
        release.set()
    qtbot.waitUntil(lambda: closed == [True], timeout=60_000)
    assert shown and all(progress in text for progress, text in shown)
    assert shown[-1][0] != asked_at
    assert held.done() and not window.isVisible()
    assert not shiboken6.isValid(box) or not box.isVisible()  # the question went
    assert window.jobs.model.job_at(0).status == "completed"
    assert window.prefs.confirm_close_with_jobs  # not answered: still asked next time
