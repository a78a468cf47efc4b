"""``rss-desktop work`` stopped by SIGTERM (a service manager, ``timeout -s TERM``) at chosen
points: idle, in the middle of a job, and a second TERM while it hands its jobs back (which
``timeout`` can deliver: it signals the process and then its process group). Each ends with
exit code 130, one line, no traceback, and the job handed back whole.

No race: the worker runs through HARNESS, which reports on a pipe when it reaches a gate and
then blocks its event loop until the test writes a byte to its stdin; every signal handler it
runs is reported too, so the test knows each TERM was taken, and where.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.clock import real_clock
from support.databases import job_row, sqlite
from support.engine import run_engine
from support.processes import Gated

PROJECT = Path(__file__).resolve().parent.parent
ARTICLES = 60_000


def gated_work(path: Path, *gates: str) -> Gated:
    return Gated(["work", "--database", path], *gates)


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
