"""``rss-desktop work`` stopped by SIGTERM (a service manager, ``timeout -s TERM``) at chosen
points: idle, in the middle of a job, and a second TERM while it hands its jobs back (which
``timeout`` can deliver: it signals the process and then its process group). Each ends with
exit code 130, one line, no traceback, and the job handed back whole.

No race: the worker runs through HARNESS, which reports on a pipe when it reaches a gate and
then blocks its event loop until the test writes a byte to its stdin; every signal handler it
runs is reported too, so the test knows each TERM was taken, and where.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import job_row, real_clock, run_engine, sqlite

PROJECT = Path(__file__).resolve().parent.parent
ARTICLES = 60_000

HARNESS = r"""
import asyncio, os, sys
from desktop.cli import main
from desktop.jobs.events import EventHub
from desktop.jobs.manager import BulkOperationManager
from desktop.jobs.recovery import Recovery

report, gates = int(sys.argv.pop(1)), set(sys.argv.pop(1).split(","))

def gate(name):
    if name in gates:
        gates.discard(name)
        os.write(report, name[0].encode())
        os.read(0, 1)

publish = EventHub.publish
def gated_publish(hub, event):
    publish(hub, event)
    if event.kind == "progress":
        gate("progress")
EventHub.publish = gated_publish

close = BulkOperationManager.close
async def gated_close(self):
    gate("close")
    await close(self)
BulkOperationManager.close = gated_close

start_runnable = Recovery.start_runnable_jobs
async def reported_round(self):
    started = await start_runnable(self)
    if not started and "idle" in gates:
        gates.discard("idle")
        os.write(report, b"i")
    return started
Recovery.start_runnable_jobs = reported_round

loop_class = asyncio.get_event_loop_policy()._loop_factory
add_signal_handler = loop_class.add_signal_handler
def add_reported(self, number, callback, *args):
    def reported(*args):
        callback(*args)
        os.write(report, b"s")
    return add_signal_handler(self, number, reported, *args)
loop_class.add_signal_handler = add_reported

sys.exit(main(sys.argv[1:]))
"""


class Gated:
    """``rss-desktop ARGS`` through HARNESS with the given gates."""

    def __init__(self, args, *gates: str):
        self.reports, child_end = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", HARNESS, str(child_end), ",".join(gates) or "-",
             *map(str, args)], cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=(child_end,))
        os.close(child_end)

    def expect(self, reports: bytes) -> None:
        for wanted in reports:
            got = os.read(self.reports, 1)
            assert got == bytes([wanted]), (f"expected {bytes([wanted])!r}, got {got!r}: "
                                            f"{self.process.stderr.peek().decode()}")

    def open_gate(self) -> None:
        self.process.stdin.write(b"g")
        self.process.stdin.flush()

    def terminate(self) -> None:
        """SIGTERM, returning once the kernel has delivered it (no longer pending)."""
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while sigterm_pending(self.process.pid):
            assert time.monotonic() < deadline, "SIGTERM never delivered"

    def finish(self) -> tuple[int, str]:
        try:
            self.out, err = self.process.communicate(timeout=120)  # (closes its stdin)
        finally:
            self.process.kill()
            os.close(self.reports)
        return self.process.returncode, err.decode(errors="replace")


def gated_work(path: Path, *gates: str) -> Gated:
    return Gated(["work", "--database", path], *gates)


def sigterm_pending(pid: int) -> bool:
    bit = 1 << (signal.SIGTERM - 1)
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    masks = [int(line.split()[1], 16) for line in status if line.startswith(("SigPnd", "ShdPnd"))]
    return any(mask & bit for mask in masks)


def assert_stopped_cleanly(returncode: int, err: str) -> None:
    assert returncode == 130, err
    assert "Traceback" not in err and "CancelledError" not in err, err
    assert err.strip().splitlines() == ["rss-desktop: stopped; unfinished jobs were handed back"]


@pytest.fixture
def big_reader(demo_database, tmp_path) -> Path:
    path = tmp_path / "reader.db"
    shutil.copyfile(demo_database(ARTICLES), path)
    return path


def pending_job(path: Path) -> int:
    """A mark-all-read job for user 1, written and left pending (at the real time: the worker
    subprocess reads it by its own clock)."""
    with real_clock():
        return run_engine(path, lambda manager: manager.create_job("mark_all_read", 1, {},
                                                                   run=False))


def unread_up_to(path: Path, watermark: int) -> int:
    with sqlite(path) as conn:
        return conn.execute(
            "SELECT count(*) FROM articles a WHERE a.id <= ? AND NOT EXISTS (SELECT 1 FROM "
            "read_status r WHERE r.user_id = 1 AND r.article_id = a.id AND r.is_read = 1)",
            (watermark,)).fetchone()[0]


def assert_handed_back_and_finished_by_the_next_worker(path: Path, job_id: int) -> None:
    row = job_row(path, job_id)
    assert (row["status"], row["owner"]) == ("pending", None)
    assert 0 < row["progress"] < row["total"] == ARTICLES
    done = subprocess.run([sys.executable, "-m", "desktop", "work", "--once", "--database",
                           str(path)], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    row = job_row(path, job_id)
    assert row["status"] == "completed" and row["progress"] == row["total"]
    assert unread_up_to(path, row["watermark"]) == 0


def test_sigterm_while_idle(server_db):
    worker = gated_work(server_db, "idle")
    worker.expect(b"i")  # a recovery round found nothing to run
    worker.terminate()
    worker.expect(b"s")
    assert_stopped_cleanly(*worker.finish())


def test_sigterm_in_the_middle_of_a_job_hands_it_back(big_reader):
    job_id = pending_job(big_reader)
    worker = gated_work(big_reader, "progress")
    worker.expect(b"p")  # one chunk committed; the event loop waits at the gate
    worker.terminate()
    worker.open_gate()
    worker.expect(b"s")
    assert_stopped_cleanly(*worker.finish())
    assert_handed_back_and_finished_by_the_next_worker(big_reader, job_id)


def test_a_second_sigterm_while_handing_jobs_back_changes_nothing(big_reader):
    """The regression: the second TERM cancelled the shutdown itself, which printed an
    asyncio.CancelledError traceback after "stopped" (and left the close half-done)."""
    job_id = pending_job(big_reader)
    worker = gated_work(big_reader, "progress", "close")
    worker.expect(b"p")
    worker.terminate()
    worker.open_gate()
    worker.expect(b"sc")  # the first TERM taken; the worker is closing, held at the gate
    worker.terminate()  # a second TERM, delivered while the event loop stands in close()
    worker.open_gate()
    worker.expect(b"s")  # taken by the handler while the close goes on
    assert_stopped_cleanly(*worker.finish())
    assert_handed_back_and_finished_by_the_next_worker(big_reader, job_id)
