"""The file under the engine: a damaged database is never written (its WAL from another copy
included), and an engine whose path no longer names its file stops writing and says so.

Files are damaged, copied and replaced by other processes or before any connection of this
process to them exists (closing a descriptor would drop SQLite's locks). Every wait is on a
condition; a job is held between two chunks by a gate in its own process.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from support.clock import real_clock
from support.databases import job_row, make_server_database, read_status
from support.engine import run_engine

from desktop.headstart.outside import lock_holders, wal_has_frames

PROJECT = Path(__file__).resolve().parent.parent
DAMAGED = "is damaged (SQLite's "
REPAIR = ".recover | sqlite3 "


def rss(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


def files_beside(path: Path) -> dict[str, bytes]:
    """The database and its -wal, byte for byte (read with no connection of ours open)."""
    return {candidate.name: candidate.read_bytes()
            for candidate in (path, path.with_name(path.name + "-wal")) if candidate.exists()}


def jobs_to_act_on(path: Path) -> dict[str, int]:
    """A completed job (to undo), a cancelled one (to retry) and a pending one (to cancel, and
    for work to run), written by an engine that is closed again afterwards."""
    async def body(manager):
        done = await manager.create_job("mark_feed_read", 1, {"feed_id": 1})
        await manager.wait_for_job(done)
        cancelled = await manager.create_job("mark_feed_read", 1, {"feed_id": 2}, run=False)
        await manager.cancel_job(1, cancelled)
        pending = await manager.create_job("mark_feed_read", 1, {"feed_id": 3}, run=False)
        return {"completed": done, "cancelled": cancelled, "pending": pending}

    with real_clock():  # the subprocesses judge the rows by the real time
        return run_engine(path, body)


# A b-tree page of the server's `sessions` table (which no command reads) gets its cell
# pointers overwritten, in a process of its own: PRAGMA integrity_check then fails there.
DAMAGE_SESSIONS_PAGE = r"""
import sqlite3, sys
path = sys.argv[1]
conn = sqlite3.connect(path)
conn.executemany("INSERT INTO sessions (token, user_id, expires_at) VALUES (?, 1, 'never')",
                 [(f"token-{n}",) for n in range(40)])
conn.commit()
page_size = conn.execute("PRAGMA page_size").fetchone()[0]
root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sessions'").fetchone()[0]
conn.close()
with open(path, "r+b") as file:
    file.seek((root - 1) * page_size + 8)  # a leaf page's cell pointer array
    file.write(b"\xff" * 16)
conn = sqlite3.connect(path)
try:  # SQLite lists what it finds, or stops at the first page it cannot read
    found = conn.execute("PRAGMA integrity_check").fetchone()[0]
except sqlite3.DatabaseError as exc:
    found = str(exc)
print("sound" if found == "ok" else "damaged")
conn.close()
"""


def damage(path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", DAMAGE_SESSIONS_PAGE, str(path)],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "damaged", done.stdout


def assert_refused(result, path: Path) -> None:
    """Non-zero, one line naming the file, saying it is damaged and how to repair it."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{path} {DAMAGED}" in lines[0] and REPAIR in lines[0], lines[0]
    assert "nothing is written to it" in lines[0]


def test_a_damaged_file_is_refused_for_writing_and_still_read(tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    jobs = jobs_to_act_on(path)
    damage(path)
    before = files_beside(path)

    for command in (("mark-read", "--user", 1, "--all"),
                    ("undo", "--user", 1, jobs["completed"]),
                    ("cancel", "--user", 1, jobs["pending"]),
                    ("retry", "--user", 1, jobs["cancelled"]),
                    ("work", "--once")):
        result = rss(*command, "--database", path)
        assert_refused(result, path)
        assert files_beside(path) == before, command

    listed = rss("jobs", "--database", path, "--user", 1)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert len(listed.stdout.splitlines()) == 3
    feeds = rss("feeds", "--database", path, "--user", 1)
    assert feeds.returncode == 0 and "All articles" in feeds.stdout, feeds.stderr
    assert files_beside(path) == before
    assert job_row(path, jobs["pending"])["status"] == "pending"


def test_a_file_unchanged_since_a_check_is_not_checked_again_and_a_changed_one_is(tmp_path):
    from desktop.jobs.api import DatabaseDamaged

    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")

    async def first_write(manager):
        await manager.create_job("mark_feed_read", 1, {"feed_id": 5})
        return manager.check_remembered

    assert run_engine(path, first_write, checks_record=record) is False  # checked
    # written since, but only through SQLite by an engine that found it sound: remembered
    assert run_engine(path, first_write, checks_record=record) is True
    damage(path)

    async def refused(manager):
        with pytest.raises(DatabaseDamaged, match="quick_check"):
            await manager.create_job("mark_feed_read", 1, {"feed_id": 5})
        return manager.check_remembered

    before = files_beside(path)
    assert run_engine(path, refused, checks_record=record) is False
    assert files_beside(path) == before


# A process that writes a few rows and is killed before it checkpoints: its -wal is left.
WRITE_AND_DIE = r"""
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("UPDATE read_status SET is_starred = 1 - is_starred WHERE user_id = 2 AND "
             "article_id <= 10")
conn.execute("INSERT INTO read_status (user_id, article_id, is_read, created_at, updated_at) "
             "VALUES (1, 104, 1, 'now', 'now')")
os.kill(os.getpid(), 9)
"""


def test_a_wal_left_beside_another_copy_of_the_file_is_refused(tmp_path):
    """The -wal of a killed process beside the copy it belongs to is a genuine one: the job
    runs. Beside an older copy of the same file it is self-consistent, so SQLite applies it
    (nothing in the database file ties it to one WAL); the index it leaves disagreeing with
    its table is found by the check, and nothing is written."""
    live = make_server_database(tmp_path / "live.db")
    older = tmp_path / "older.db"
    shutil.copyfile(live, older)  # a copy, taken before the job below
    done = rss("mark-read", "--database", live, "--user", 2, "--all", "--quiet")
    assert done.returncode == 0, done.stderr  # checkpointed into live.db at its close
    killed = subprocess.run([sys.executable, "-c", WRITE_AND_DIE, str(live)], timeout=60)
    assert killed.returncode == -signal.SIGKILL
    wal = live.with_name("live.db-wal")
    assert wal.stat().st_size > 32  # frames the killed process committed

    stale = tmp_path / "stale.db"
    shutil.copyfile(older, stale)
    shutil.copyfile(wal, stale.with_name("stale.db-wal"))
    genuine = tmp_path / "genuine.db"
    shutil.copyfile(live, genuine)
    shutil.copyfile(wal, genuine.with_name("genuine.db-wal"))
    before = files_beside(stale)

    refused = rss("mark-read", "--database", stale, "--user", 1, "--all", "--quiet")
    assert_refused(refused, stale)
    assert "integrity_check" in refused.stderr
    assert files_beside(stale) == before

    accepted = rss("mark-read", "--database", genuine, "--user", 1, "--all", "--quiet")
    assert accepted.returncode == 0, accepted.stderr
    with sqlite3.connect(genuine) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM read_status WHERE user_id = 1 AND "
                            "article_id = 104 AND is_read = 1").fetchone()[0] == 1


def test_the_window_opens_a_damaged_file_read_only_and_says_so(qtbot, make_window, tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    damage(path)  # before this process has any connection to it
    window = make_window()
    window.show_error = lambda title, text, **_kw: window.errorShown.emit(text)
    with qtbot.waitSignal(window.errorShown, timeout=20_000) as shown:
        window.spawn(window.database.open_database(path))
    assert DAMAGED in shown.args[0] and REPAIR in shown.args[0]
    assert DAMAGED in window.status_label.state_text
    assert not window.jobs.panel.isEnabled()
    assert window.manager.read_only_reason == window.manager.damage
    qtbot.waitUntil(lambda: window.tree_model.find("feed", 1).isValid(), timeout=20_000)


# -- the path no longer names the file ------------------------------------------------------

# The real command line, with a gate after its first chunk: it prints "held CURSOR" and waits
# for a line on stdin before going on.
HELD_CLI = r"""
import sys
from desktop import cli
from desktop.jobs import runner

mark_chunk_read, chunks = runner.mark_chunk_read, []


def held(*args, **kwargs):
    outcome = mark_chunk_read(*args, **kwargs)
    chunks.append(outcome.cursor)
    if len(chunks) == 1:  # committed: the test acts on the file, then lets it go on
        print(f"held {outcome.cursor}", flush=True)
        sys.stdin.readline()
    return outcome


runner.mark_chunk_read = held
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_file_removed_mid_job_stops_the_job_with_one_line(tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    process = subprocess.Popen(
        [sys.executable, "-c", HELD_CLI, "mark-read", "--database", str(path), "--user", "1",
         "--all", "--max-batch", "10", "--quiet"], cwd=PROJECT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        job_id = int(process.stdout.readline())
        held = process.stdout.readline().split()
        assert held[0] == "held", held
        os.remove(path)  # as `rm reader.db` does
        process.stdin.write("\n")
        process.stdin.flush()
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, err
    # SQLite leaves the WAL, named after the path, when its file goes: emptied, it cannot be
    # read as part of the next file put there
    assert not wal_has_frames(path)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.strip() == (
        f"rss-desktop: {path} was removed while job {job_id} ran; stopped after article "
        f"{int(held[1]):,}, writing nothing more; the job goes on from there once that file is "
        f"back at {path} (rss-desktop work)")


def leaf_holding(path: Path, table: str, rowid: int) -> tuple[int, int]:
    """(page number, page size) of a leaf of ``table`` holding about ``rowid``: its leaves in
    key order (dbstat) hold equal shares of the rows, which are all the same size here."""
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        leaves = [page for (page,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
            (table,))]
        rows = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return leaves[min(len(leaves) - 1, len(leaves) * rowid // rows)], page_size


def test_damage_met_mid_job_stops_it_and_nothing_more_is_written(tmp_path):
    """The check before the first write passed; a later chunk reads a page damaged since: the
    job stops without writing (not even its failure), with the one message, and the file
    is never written again — not even by the checkpoint of the engine's last connection."""
    path = make_server_database(tmp_path / "reader.db", articles_per_feed=(1500, 10))
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        rowid = conn.execute("SELECT id FROM read_status WHERE user_id = 1 AND "
                             "article_id = 1250").fetchone()[0]
    page, page_size = leaf_holding(path, "read_status", rowid)
    process = subprocess.Popen(
        [sys.executable, "-c", HELD_CLI, "mark-read", "--database", str(path), "--user", "1",
         "--all", "--quiet"], cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        job_id = int(process.stdout.readline())
        held = process.stdout.readline().split()
        assert held == ["held", "1000"], (held, process.stderr.read())
        with open(path, "r+b") as file:  # no connection of this process is open
            file.seek((page - 1) * page_size + 8)  # the leaf's cell pointers
            file.write(b"\xff" * 16)
        # A commit of another program: the job's connection reads the pages again (in WAL
        # mode a changed WAL index resets a connection's page cache).
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("INSERT INTO sessions (token, user_id, expires_at) VALUES "
                         "('another program', 1, 'never')")
            conn.commit()
        before = files_beside(path)
        process.stdin.write("\n")
        process.stdin.flush()
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"rss-desktop: {path} {DAMAGED}") and REPAIR in lines[0]
    assert files_beside(path) == before  # the failure unrecorded, the WAL not checkpointed
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        status, cursor = conn.execute("SELECT status, cursor FROM bulk_operation_jobs WHERE "
                                      "id = ?", (job_id,)).fetchone()
    assert (status, cursor) == ("running", 1000)  # as the last chunk left it, for later
    assert_refused(rss("mark-read", "--database", path, "--user", 1, "--all"), path)
    assert files_beside(path) == before


class Lines:
    """A process's stderr, line by line, read on a thread; ``wait_for`` a line with a text."""

    def __init__(self, stream):
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no line with {text!r} in {self.seen}"
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line

    def wait_for_each(self, *texts: str, timeout: float = 60) -> None:
        """Lines with each of ``texts``, in whatever order they come (two parts of the engine
        that notice the same thing on their own schedules)."""
        awaited = set(texts)
        while awaited:
            line = self.wait_for("", timeout)
            awaited -= {text for text in awaited if text in line}


def test_a_long_running_work_opens_the_file_moved_into_place_and_runs_its_job(tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    work = subprocess.Popen([sys.executable, "-m", "desktop", "work", "--database", str(path)],
                            cwd=PROJECT, stderr=subprocess.PIPE, text=True)
    try:
        lines = Lines(work.stderr)
        deadline = time.monotonic() + 60
        while work.pid not in lock_holders(path)["shm"]:  # it has the file open
            assert work.poll() is None and time.monotonic() < deadline, lines.seen
        replacement = make_server_database(tmp_path / "replacement.db")

        async def pending_job(manager):
            return await manager.create_job("mark_category_read", 1, {"category_id": 2},
                                            run=False)

        with real_clock():
            job_id = run_engine(replacement, pending_job)
        os.replace(replacement, path)

        lines.wait_for(f"{path} was replaced by another file")
        finished = lines.wait_for(f"job {job_id} ")
        assert f"job {job_id} completed (30/30)" in finished, lines.seen
    finally:
        work.send_signal(signal.SIGTERM)
        work.wait(timeout=60)
    assert work.returncode == 130
    assert job_row(path, job_id)["status"] == "completed"
    unread = [row for row in read_status(path).values()
              if row["user_id"] == 1 and 71 <= row["article_id"] <= 100 and not row["is_read"]]
    assert unread == []


@pytest.mark.parametrize("what", ["removed", "replaced"])
def test_an_engine_says_which_when_its_path_changes(tmp_path, what):
    """`work --once` on a path whose file went away between its rounds: one line, exit 1."""
    # more articles than a first chunk takes (1,000), so that the job is held mid-way
    path = make_server_database(tmp_path / "reader.db", articles_per_feed=(1500, 10))

    async def pending_job(manager):
        return await manager.create_job("mark_all_read", 1, {}, run=False)

    with real_clock():
        job_id = run_engine(path, pending_job)
    process = subprocess.Popen(
        [sys.executable, "-c", HELD_CLI, "work", "--once", "--database", str(path)],
        cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        held = process.stdout.readline().split()
        assert held and held[0] == "held", process.stderr.read()
        if what == "removed":
            os.remove(path)
        else:
            os.replace(make_server_database(tmp_path / "other.db"), path)
        process.stdin.write("\n")
        process.stdin.flush()
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, err
    assert "Traceback" not in err, err
    how = "removed" if what == "removed" else "replaced by another file"
    assert f"{path} was {how} while job {job_id} ran; stopped after article" in err


def test_a_request_after_the_path_was_replaced_is_refused(tmp_path):
    """An engine whose path names another file now writes no new job into the old one (the
    rename opens no file, so this process's locks on the old one stay)."""
    from desktop.jobs.api import JobRequestError

    path = make_server_database(tmp_path / "reader.db")
    replacement = make_server_database(tmp_path / "replacement.db")

    async def body(manager):
        assert await manager.check_for_damage() is None
        os.replace(replacement, path)
        with pytest.raises(JobRequestError, match="was replaced by another file"):
            await manager.create_job("mark_feed_read", 1, {"feed_id": 1})
        return manager.path_changed()

    before = replacement.read_bytes()
    assert run_engine(path, body) == "replaced"
    assert path.read_bytes() == before and not wal_has_frames(path)


def test_a_job_stopped_by_a_replaced_file_resumes_when_that_file_is_back(tmp_path):
    """work runs a job; its file is moved aside and another put at the path: the job stops
    (left running under that engine), work opens the other file; the first file moved back,
    work opens it again and takes the job over from its earlier engine, to the end."""
    path = make_server_database(tmp_path / "reader.db", articles_per_feed=(1500, 10))

    async def pending_job(manager):
        return await manager.create_job("mark_all_read", 1, {}, run=False)

    with real_clock():
        job_id = run_engine(path, pending_job)
    aside, other = tmp_path / "aside.db", make_server_database(tmp_path / "other.db")
    work = subprocess.Popen([sys.executable, "-c", HELD_CLI, "work", "--database", str(path)],
                            cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = Lines(work.stderr)
        assert work.stdout.readline().split() == ["held", "1000"], lines.seen
        os.rename(path, aside)
        os.rename(other, path)
        work.stdin.write("\n")
        work.stdin.flush()
        # the job's next chunk and the recovery round each notice it, in either order
        lines.wait_for_each(f"{path} was replaced by another file while job {job_id} ran; "
                            "stopped after article 1,000",
                            f"{path} was replaced by another file; this engine stopped using it")
        os.replace(aside, path)  # the first file is back
        finished = lines.wait_for(f"job {job_id} ")
        assert f"job {job_id} completed (1,510/1,510)" in finished, lines.seen
    finally:
        work.send_signal(signal.SIGTERM)
        work.wait(timeout=60)
    job = job_row(path, job_id)
    assert job["status"] == "completed" and job["progress"] == job["cursor"] == 1510
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM "
                            "read_status r WHERE r.user_id = 1 AND r.article_id = a.id AND "
                            "r.is_read = 1)").fetchone()[0] == 0
