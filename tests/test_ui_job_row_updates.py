"""A request on a job (cancel, retry) is one event of the engine, and the jobs table updates
the job's row once for it: not once from the event and once more from the request's caller,
nor again from a later event that brings the same row."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from support.engine import run_engine
from support.window import click_job_row, click_scope, panel_button, run

from desktop.jobs.api import JobEvent


def row_updates(window, job_id: int) -> list[str]:
    """The status the job's row shows at each update of it (a whole reset counts as one)."""
    model = window.jobs.model
    seen: list[str] = []

    def changed(top_left, bottom_right, roles=()):
        row = model.row_of(job_id)
        if top_left.row() <= row <= bottom_right.row():
            seen.append(model.job_at(row).status)

    model.dataChanged.connect(changed)
    model.modelReset.connect(lambda: seen.append("reset"))
    return seen


def test_a_cancel_and_a_retry_each_update_the_row_once(qtbot, make_window, server_db):
    window = make_window(server_db, recover_every=None)  # the pending job waits for the test
    job_id = run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 3},
                                                  run=False))
    run(qtbot, window.jobs.reload())
    updates = row_updates(window, job_id)
    click_job_row(qtbot, window, job_id)
    qtbot.mouseClick(panel_button(window, window.jobs.panel.cancel_action),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status_label.full_text.startswith(f"Job {job_id} cancelled"))
    qtbot.waitUntil(lambda: not window.messages.tasks)  # the reloads a finished job starts
    assert updates == ["cancelled"]

    with qtbot.waitSignal(window.jobFinished, timeout=10_000):  # Ctrl+Shift+R: retry
        qtbot.keyClick(window.jobs.panel.table, Qt.Key.Key_R,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.messages.tasks)
    # the retry's own update (pending again), then the run's (running ... completed)
    assert updates.count("pending") == 1
    assert updates[:2] == ["cancelled", "pending"] and updates[-1] == "completed"


def test_a_job_cancelled_while_it_runs_here_updates_its_row_once(qtbot, make_window,
                                                                 server_db):
    """The cancel's event shows it cancelled at once; the "finished" its worker publishes when
    it stops (after its current chunk) brings the same row, and changes nothing."""
    window = make_window(server_db, max_chunk=7)
    window.prefs.confirm_mark_read = False
    followed: list[list[str]] = []

    def cancel_at_first_chunk(event):  # the cancel lands before the job's next chunk
        if event.kind == "progress":
            window.bridge.jobEvent.disconnect(cancel_at_first_chunk)
            followed.append(row_updates(window, event.job.id))
            window.spawn(window.jobs.cancel_job(event.job.id))

    window.bridge.jobEvent.connect(cancel_at_first_chunk)
    click_scope(qtbot, window, "all", None)
    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as cancelled:
        qtbot.keyClick(window.tree, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.messages.tasks)
    job = cancelled.args[0]
    assert job.status == "cancelled" and 0 < job.progress < job.total
    assert followed[0].count("cancelled") == 1, followed[0]


def test_the_engine_publishes_one_event_per_request(server_db):
    """A pending job's cancel finishes it ("finished"); a retry makes it pending ("retried");
    a cancel of a job running here is requested ("cancel_requested"), and its worker says
    "finished" when it stops."""
    events: list[JobEvent] = []

    async def body(manager):
        manager.subscribe(events.append)
        job_id = await manager.create_job("mark_all_read", 1, {}, run=False)
        await manager.cancel_job(1, job_id)
        await manager.retry_job(1, job_id, run=False)
        requested = [(event.kind, event.job.status) for event in events]
        events.clear()
        cancelling = []

        def cancel_at_first_chunk(event):
            if event.kind == "progress" and not cancelling:
                cancelling.append(asyncio.ensure_future(manager.cancel_job(1, job_id)))

        manager.subscribe(cancel_at_first_chunk)
        manager.start_job(job_id)
        final = await manager.wait_for_job(job_id)
        await cancelling[0]
        return requested, final

    requested, final = run_engine(server_db, body, max_chunk=7)
    assert requested == [("created", "pending"), ("finished", "cancelled"),
                         ("retried", "pending")]
    kinds = [event.kind for event in events]
    assert kinds.count("cancel_requested") == 1 and kinds[-1] == "finished"
    assert events[kinds.index("cancel_requested")].job.status == "cancelled"
    assert final.status == "cancelled" and events[-1].job == final
    assert events[kinds.index("cancel_requested")].job == final  # the same row: no news
