"""The desktop window on a real qasync loop and real SQLite files, driven like a user would."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QFileSystemModel, QMessageBox
from support.window import (
    ROOT,
    SERVER_UNREAD_USER1,
    click_scope,
    click_toolbar,
    column,
    db_unread,
    insert_job_row,
    panel_button,
    run,
    tree_count,
)

from desktop.headstart.outside import lock_holders
from desktop.store.clock import utc_now_text
from desktop.ui.formatting import isolated
from desktop.ui.joblist.model import PROGRESS_ROLE


def test_click_category_mark_read_and_confirm(qtbot, make_window, server_db):
    window = make_window(server_db)
    assert tree_count(window, "category", 1) == SERVER_UNREAD_USER1[1] + SERVER_UNREAD_USER1[2]
    news_before = tree_count(window, "category", 2)
    click_scope(qtbot, window, "category", 1)
    click_toolbar(qtbot, window, window.menus.mark_read_action)

    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    assert dialog.question.text() == f"Mark 47 unread articles in {isolated('Tech')} as read?"
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert job.status == "completed" and job.progress == job.total == 70

    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == 0)
    row = window.jobs.model.row_of(job.id)
    progress = window.jobs.model.index(row, column("Progress"))
    # the bar counts toward the 47 unread articles the dialog asked about, not the 70 checked
    qtbot.waitUntil(lambda: progress.data() == "100%")
    bar = progress.data(PROGRESS_ROLE)
    assert (bar.value, bar.maximum) == (47, 47)
    assert "70 of 70 articles checked" in progress.data(Qt.ItemDataRole.ToolTipRole)
    assert window.jobs.model.index(row, column("Job")).data() == f"Category: {isolated('Tech')}"
    assert window.jobs.model.index(row, column("#")).data() == str(job.id)
    assert tree_count(window, "category", 2) == news_before
    assert db_unread(server_db, 1, 1) == 0 and db_unread(server_db, 1, 2) == news_before


def test_unread_counts_fall_live_while_the_job_runs(qtbot, make_window, demo_db):
    window = make_window(demo_db, max_chunk=200)
    window.settings.setValue("confirm_mark_read", False)
    start = tree_count(window, "category", 1)
    seen = []
    window.bridge.jobEvent.connect(
        lambda event: event.kind == "progress" and seen.append(tree_count(window, "category", 1)))
    click_scope(qtbot, window, "category", 1)
    with qtbot.waitSignal(window.jobFinished, timeout=30_000):
        window.menus.mark_read_action.trigger()
    assert len(seen) > 3, "a large category takes several chunks"
    assert seen == sorted(seen, reverse=True) and start > seen[0] > seen[-1] == 0


def test_cancel_a_running_job_from_its_row(qtbot, make_window, demo_db):
    window = make_window(demo_db, max_chunk=50)
    window.settings.setValue("confirm_mark_read", False)
    click_scope(qtbot, window, "all", None)
    window.menus.mark_read_action.trigger()
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 1
                    and window.jobs.model.job_at(0).progress > 0, timeout=10_000)
    index = window.jobs.model.index(0, 0)
    qtbot.mouseClick(window.jobs.panel.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.jobs.panel.table.visualRect(index).center())
    assert window.jobs.panel.cancel_action.isEnabled()
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        qtbot.mouseClick(panel_button(window, window.jobs.panel.cancel_action),
                         Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert job.status == "cancelled" and 0 < job.progress < job.total
    qtbot.waitUntil(lambda: window.jobs.model.job_at(0).status == "cancelled")
    assert not window.jobs.panel.cancel_action.isEnabled()
    assert job.error_message == "cancelled by the desktop app"


def test_failed_job_shows_its_message(qtbot, make_window, server_db):
    window = make_window(server_db)
    run(qtbot, window.database.close_database())
    job_id = insert_job_row(server_db, parameters=json.dumps({"category_id": 999}))
    # adopts the pending row, which fails
    assert run(qtbot, window.database.open_database(server_db))
    def message():
        row = window.jobs.model.row_of(job_id)
        return row >= 0 and window.jobs.model.index(row, column("Message")).data()
    qtbot.waitUntil(lambda: message() == "category 999 does not exist")
    row = window.jobs.model.row_of(job_id)
    assert window.jobs.model.index(row, column("Status")).data() == "Failed"


def test_job_of_another_process_appears_and_moves(qtbot, make_window, server_db):
    window = make_window(server_db)
    # the web server runs it: only the spec's columns, started just now
    job_id = insert_job_row(server_db, status="running", progress=0, total=100,
                            created_at=utc_now_text(), started_at=utc_now_text())
    qtbot.waitUntil(lambda: window.jobs.model.row_of(job_id) >= 0, timeout=5000)
    with sqlite3.connect(server_db) as conn:
        conn.execute("UPDATE bulk_operation_jobs SET progress = 50 WHERE id = ?", (job_id,))
    qtbot.waitUntil(lambda: window.jobs.model.job_at(window.jobs.model.row_of(job_id))
                    .progress == 50, timeout=5000)
    row = window.jobs.model.row_of(job_id)
    assert window.jobs.model.index(row, column("Progress")).data() == "50 / 100  (50%)"
    # The server would ignore a cancel written here: the window does not offer one.
    window.jobs.panel.select_job(job_id)
    assert not window.jobs.panel.cancel_action.isEnabled()
    assert "web server" in window.jobs.panel.cancel_action.toolTip()


def test_switching_user_shows_only_their_jobs_and_counts(qtbot, make_window, server_db):
    window = make_window(server_db)
    run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 5}))
    bob_job = run(qtbot, window.manager.create_job("mark_feed_read", 2, {"feed_id": 4}))
    qtbot.waitUntil(lambda: window.manager.running_job_ids() == set())
    combo = window.user_combo
    combo.setCurrentIndex(combo.findData(2))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: window.user_id == 2 and window.jobs.model.rowCount() == 1)
    assert [job.id for job in window.jobs.model.jobs()] == [bob_job]
    qtbot.waitUntil(lambda: tree_count(window, "feed", 4) == 0)
    # bob read every even article; feed 3 is articles 71..90
    assert tree_count(window, "feed", 3) == 10
    assert tree_count(window, "feed", 1) == 20


def test_gui_thread_never_stalls_during_a_large_job(qtbot, make_window, demo_db):
    window = make_window(demo_db)
    window.settings.setValue("confirm_mark_read", False)
    gaps, clock = [], QElapsedTimer()
    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: (gaps.append(clock.restart())))
    click_scope(qtbot, window, "all", None)
    clock.start()
    probe.start()
    with qtbot.waitSignal(window.jobFinished, timeout=30_000) as finished:
        window.menus.mark_read_action.trigger()
    probe.stop()
    assert finished.args[0].status == "completed" and finished.args[0].progress == 60_000
    print(f"GUI-thread probe: {len(gaps)} ticks, worst gap {max(gaps)} ms")
    assert len(gaps) > 10 and max(gaps) < 100


def test_empty_database_offers_sample_data(qtbot, make_window, tmp_path):
    window = make_window()
    assert run(qtbot, window.database.open_database(tmp_path / "new.db", create=True))
    assert window.pages.currentWidget() is window.empty_state
    qtbot.mouseClick(window.empty_state.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.splitter, timeout=60_000)
    assert tree_count(window, "all", None) > 0
    assert window.user_combo.count() == 3


def test_bad_database_names_the_file_and_keeps_the_open_one(qtbot, make_window, server_db,
                                                             tmp_path):
    window = make_window(server_db)
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello")
    with qtbot.waitSignal(window.errorShown) as shown:
        assert not run(qtbot, window.database.open_database(not_a_db))
    assert str(not_a_db) in shown.args[0] and "not an SQLite database" in shown.args[0]
    assert not_a_db.read_text() == "hello"
    assert window.database.database_path == server_db and window.manager is not None
    missing = tmp_path / "missing.db"
    assert not run(qtbot, window.database.open_database(missing))
    box = window.messages.message_box
    assert "does not exist" in box.text()
    box.button(QMessageBox.StandardButton.Ok).click()  # "Create a new database there?"
    qtbot.waitUntil(lambda: window.database.database_path == missing
                    and window.pages.currentWidget() is window.empty_state)


def gui_env(tmp_path: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    env["DISPLAY"] = ":rss-desktop-tests"  # never hand over to a window open on this desktop
    return env


def test_smoke_test_flag(tmp_path):
    result = subprocess.run([sys.executable, "-m", "desktop", "gui", "--smoke-test"], cwd=ROOT,
                            env=gui_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "smoke test ok" in result.stdout


def test_screenshot_flag(tmp_path, server_db):
    output = tmp_path / "shot.png"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "desktop", "gui", "--database",
                             str(server_db), "--screenshot", str(output)], cwd=ROOT,
                            env=gui_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    image = QImage(str(output))
    assert not image.isNull() and image.width() >= 1000 and image.height() >= 600
    print(f"screenshot took {time.monotonic() - started:.2f} s")


def test_undo_offer_after_a_job_and_undo_from_the_row(qtbot, make_window, server_db):
    window = make_window(server_db)
    window.settings.setValue("confirm_mark_read", False)
    before = tree_count(window, "feed", 3)
    click_scope(qtbot, window, "feed", 3)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        window.menus.mark_read_action.trigger()
    job = finished.args[0]
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == 0)
    offer = window.jobs.undo_offer
    assert offer.isVisible() and offer.text() == f"Undo job {job.id}"
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as undone:
        qtbot.mouseClick(window.jobs.undo_offer, Qt.MouseButton.LeftButton)
    assert undone.args[0].job_type == "undo_mark_read" and undone.args[0].status == "completed"
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == before)
    assert not window.jobs.undo_offer.isVisible()  # an undo is not offered for undoing

    # the original job's row no longer offers Undo; a second job's row does
    qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 2)
    window.jobs.panel.select_job(job.id)
    assert not window.jobs.panel.undo_action.isEnabled()
    assert window.jobs.model.index(window.jobs.model.row_of(job.id), column("Message")).data() \
        == f"undone by job {undone.args[0].id}"
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as second:
        window.spawn(window.jobs.start_mark_read(window.selected_scope(), None, None))
    qtbot.waitUntil(lambda: window.jobs.model.row_of(second.args[0].id) >= 0)
    window.jobs.panel.select_job(second.args[0].id)
    assert window.jobs.panel.undo_action.isEnabled()
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        qtbot.mouseClick(panel_button(window, window.jobs.panel.undo_action),
                         Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tree_count(window, "feed", 3) == before)


# -- a file shared with a live server -----------------------------------------------------

def test_the_open_dialog_never_drops_the_database_locks(qtbot, make_window, server_db):
    """Qt's file dialog reads the first bytes of every file it lists to guess its type; closing
    that descriptor would drop this process's SQLite locks on the open database."""
    window = make_window(server_db)
    assert os.getpid() in lock_holders(server_db)["db"]
    window.database.choose_database()
    dialog = window.database.file_dialog
    dialog.setViewMode(QFileDialog.ViewMode.Detail)  # the Type column too
    listing = dialog.findChild(QFileSystemModel)
    folder = listing.index(str(server_db.parent))

    def names():
        return {listing.index(row, 0, folder).data() for row in range(listing.rowCount(folder))}

    qtbot.waitUntil(lambda: server_db.name in names())
    dialog.grab()  # paint every row: icons and types are computed now
    for row in range(listing.rowCount(folder)):
        listing.index(row, 2, folder).data()  # the Type column
    assert os.getpid() in lock_holders(server_db)["db"]
    assert os.getpid() in lock_holders(server_db)["shm"]
    dialog.reject()


def test_an_idle_window_leaves_the_file_untouched(qtbot, make_window, server_db):
    marked = subprocess.run([sys.executable, "-m", "desktop", "mark-read", "--database",
                             str(server_db), "--user", "1", "--feed", "5", "--quiet"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert marked.returncode == 0, marked.stderr
    with closing(sqlite3.connect(server_db)) as conn:  # old enough for a writer to clean up
        conn.execute("UPDATE bulk_operation_jobs SET completed_at = datetime('now', '-3 days')")
        conn.commit()
    window = make_window(server_db)
    wal = server_db.with_name(server_db.name + "-wal")

    def state():
        return server_db.stat().st_mtime_ns, server_db.stat().st_size, wal.stat().st_size

    before = state()
    for _ in range(3):  # three idle polls (and the engine's first recovery round) later
        with qtbot.waitSignal(window.poll_timer.timeout, timeout=10_000):
            pass
    assert state() == before
    assert wal.stat().st_size == 0  # not one page written
    with sqlite3.connect(server_db) as conn:
        assert conn.execute("SELECT count(*) FROM bulk_operation_jobs").fetchone()[0] == 1


# A page of the job table overwritten by some accident, while the window has the file open
# (in another process: a plain write here would drop this process's locks). Then a harmless
# commit, so that the window's poll notices a change and reads the job table.
CORRUPT_THE_JOB_TABLE = """
import sqlite3, sys
path = sys.argv[1]
conn = sqlite3.connect(path)
assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'bulk_operation_jobs'"
                    ).fetchone()[0]
size = conn.execute("PRAGMA page_size").fetchone()[0]
with open(path, "r+b") as f:
    f.seek((root - 1) * size)
    f.write(b"\\xff" * size)
conn.execute("INSERT INTO categories (name, created_at) VALUES ('poke', '')")
conn.commit()
conn.close()
"""


def test_a_database_that_fails_shows_one_message_and_stops(qtbot, make_window, server_db):
    insert_job_row(server_db, status="completed")
    window = make_window(server_db)
    shown = []
    window.errorShown.connect(shown.append)
    corrupt = subprocess.run([sys.executable, "-c", CORRUPT_THE_JOB_TABLE, str(server_db)],
                             capture_output=True, text=True, timeout=60)
    assert corrupt.returncode == 0, corrupt.stderr
    qtbot.waitUntil(lambda: len(shown) > 0, timeout=10_000)
    assert len(shown) == 1 and "malformed" in shown[0] and str(server_db) in shown[0]
    assert window.manager is None and not window.poll_timer.isActive()  # stopped, once
    boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1
    assert boxes[0].windowModality() == Qt.WindowModality.NonModal  # the menus stay usable
    reopen = boxes[0].button(QMessageBox.StandardButton.Retry)
    assert reopen.text() == "Reopen"
    qtbot.mouseClick(reopen, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)  # still damaged: said again, once
    assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] != []
    assert len([box for box in window.findChildren(QMessageBox) if box.isVisible()]) == 1


def test_count_reloads_during_a_job_never_undo_its_live_changes(qtbot, make_window, demo_db):
    window = make_window(demo_db, max_chunk=200)
    window.settings.setValue("confirm_mark_read", False)
    seen = []

    reloads = []

    def on_event(event):
        if event.kind == "progress":
            seen.append(tree_count(window, "category", 1))
            if not reloads or reloads[-1].done():  # a reload racing the chunks, always one
                reloads.append(window.spawn(window.reload_overview()))

    window.bridge.jobEvent.connect(on_event)
    window.overviewLoaded.connect(lambda: seen.append(tree_count(window, "category", 1)))
    start = tree_count(window, "category", 1)
    click_scope(qtbot, window, "category", 1)
    with qtbot.waitSignal(window.jobFinished, timeout=30_000):
        window.menus.mark_read_action.trigger()
    qtbot.waitUntil(lambda: not window.messages.tasks, timeout=30_000)
    assert len(seen) > 6 and len(reloads) > 3
    assert seen == sorted(seen, reverse=True) and start > seen[0] and seen[-1] == 0
    assert db_unread(demo_db, 1, 1) == 0


def test_no_task_of_the_window_outlives_its_shutdown(qtbot, make_window, demo_db):
    """A task ending may start another (a poll's reload, a job's last event while the engine
    closes). Shutdown waits until none is left and nothing starts after it: a task left pending
    was destroyed with the loop ("Task was destroyed but it is pending!") and failed a test."""
    window = make_window(demo_db)
    follow_ups = []

    async def waits_forever():
        await asyncio.Event().wait()

    async def starts_another_as_it_ends():
        try:
            await waits_forever()
        finally:
            follow_ups.append(window.spawn(waits_forever()))

    window.spawn(starts_another_as_it_ends())
    run(qtbot, window.shutdown())
    assert len(follow_ups) == 1 and follow_ups[0].cancelled()
    assert not window.messages.tasks
    assert window.spawn(waits_forever()).cancelled()  # dropped unrun, never left pending


def test_sigterm_closes_the_app_as_its_close_button_does(tmp_path, server_db):
    """A logout or a service manager stops the app with SIGTERM: it shuts its engine down (a
    running job would be handed back after its chunk) and closes the file cleanly."""
    # The window is up once it painted the tree's counts (app.report_first_paints): its
    # database open (the command line's prefetch has the file open long before that).
    app = subprocess.Popen([sys.executable, "-m", "desktop", "gui", "--database",
                            str(server_db)], cwd=ROOT,
                           env=dict(gui_env(tmp_path), RSS_DESKTOP_REPORT_FIRST_PAINT="1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        painted = []
        for line in app.stderr:  # (ends with the process, were it never to paint)
            painted.append(line)
            if line.startswith("first-paint counts"):
                break
        assert painted and painted[-1].startswith("first-paint counts"), "".join(painted)
        assert app.pid in lock_holders(server_db)["db"]
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=60)
    finally:
        app.kill()
    assert app.returncode == 0, err
    assert "Traceback" not in err
    # The last connection closed cleanly: no -wal, no -shm left beside the file.
    assert sorted(p.name for p in server_db.parent.iterdir()
                  if p.name.startswith(server_db.name)) == [server_db.name]


def test_a_progress_text_too_wide_for_its_bar_becomes_its_percentage(qapp):
    """A job over a million articles: "1,000,000 / 1,000,000  (100%)" wrapped onto two lines
    and was clipped in the Progress column; what does not fit is said as "100%"."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QApplication

    from desktop.ui.joblist.panel import fitting_text

    metrics = QFontMetrics(QApplication.font())
    text = "1,000,000 / 1,000,000  (100%)"
    assert fitting_text(text, metrics, metrics.horizontalAdvance(text)) == text
    assert fitting_text(text, metrics, metrics.horizontalAdvance(text) - 1) == "100%"
    assert fitting_text("counting…", metrics, 5) == "counting…"  # no percentage to fall back to
