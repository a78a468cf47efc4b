"""Running beside the web server: its own process (tests/standin_server.py, the spec's code with
peewee's defaults) on the same file. Real processes; the stand-in stops at known points of its
job (``hold``, ``pause_at``) instead of being raced."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from support.clock import real_clock
from support.databases import job_row, make_server_database, sqlite
from support.engine import run_engine
from support.standin import CATEGORY_1, Server, rss, unread

from desktop.jobs.pacing import Pacer

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def big_server_db(tmp_path) -> Path:
    """Category 1 holds 7,000 articles (70 of the server's batches), category 2 fifty."""
    return make_server_database(tmp_path / "reader.db", articles_per_feed=(4000, 3000, 30, 20, 5))


# -- 1. a pending row the server just wrote is the server's ---------------------------------

def test_a_pending_row_the_server_just_wrote_is_left_to_it_even_by_work_once(big_server_db):
    server = Server(big_server_db)
    try:
        server.send(cmd="post", user=1, category=1, hold=True)  # written, not started yet
        job_id = server.read()["job"]

        async def body(manager):
            started = await manager.start_runnable_jobs()
            seen = (started, manager.waiting_for_server, job_row(big_server_db, job_id))
            once = asyncio.ensure_future(manager.run_available(once=True))  # `work --once`
            server.send(cmd="go")  # the server's own task starts its row
            await once
            return seen, manager.running_job_ids()

        with real_clock():  # the server's row has the real time: so must our clock
            (started, waiting, row), running = run_engine(big_server_db, body)
        assert (started, waiting) == (0, 1)
        # untouched, and no column of ours even exists yet: we wrote nothing at all
        assert (row["status"], row.get("owner"), row.get("watermark")) == ("pending", None, None)
        assert running == set()
        assert server.read() == {"done": job_id, "status": "completed"}
    finally:
        server.stop()
    row = job_row(big_server_db, job_id)
    # The server ran it alone, once: none of our columns were ever filled in.
    assert (row["status"], row["progress"], row["total"]) == ("completed", CATEGORY_1, CATEGORY_1)
    assert "owner" not in row  # we never wrote to the file: not even our columns
    assert unread(big_server_db, 1, 1) == 0


# -- 3. a cancel the server would ignore is refused -----------------------------------------

def test_cancelling_a_job_the_server_runs_is_refused_and_changes_nothing(big_server_db):
    server = Server(big_server_db)
    try:
        server.send(cmd="post", user=1, category=1, hold=True, pause_at=3000)
        job_id = server.read()["job"]
        pending = rss("cancel", "--database", big_server_db, "--user", 1, job_id)
        server.send(cmd="go")
        assert server.read() == {"paused": job_id, "progress": 3000}
        running = rss("cancel", "--database", big_server_db, "--user", 1, job_id)
        row = job_row(big_server_db, job_id)
        server.send(cmd="go")
        assert server.read() == {"done": job_id, "status": "completed"}
    finally:
        server.stop()
    assert pending.returncode == 2 and "just created by the web server" in pending.stderr
    assert running.returncode == 2, running.stderr
    assert f"job {job_id} is being run by the web server" in running.stderr
    assert len(running.stderr.strip().splitlines()) == 1
    assert (row["status"], row["progress"], row["completed_at"]) == ("running", 3000, None)
    assert job_row(big_server_db, job_id)["status"] == "completed"


# -- 5. a server killed mid-job ---------------------------------------------------------------

def test_a_server_job_whose_progress_stalls_is_taken_over(big_server_db):
    server = Server(big_server_db)
    server.send(cmd="post", user=1, category=1, pause_at=2000)
    job_id = server.read()["job"]
    assert server.read() == {"paused": job_id, "progress": 2000}
    server.kill()  # mid-job: its row stays "running", with no owner of ours

    stalled = 0.5

    async def body(manager):
        loop = asyncio.get_running_loop()
        rounds = []  # (started, loop time before the round, loop time after it)
        # The engine's recovery rounds, watching; the sleep only paces them (as the engine's
        # own recover_every does): what is asserted below holds for any pace.
        while not any(started for started, _, _ in rounds):
            before = loop.time()
            started = await manager.start_runnable_jobs()
            rounds.append((started, before, loop.time()))
            assert loop.time() - rounds[0][1] < 60 * stalled, "never taken over"
            await asyncio.sleep(0.05)
        job = await manager.wait_for_job(job_id)
        return rounds, job, manager.owner

    with real_clock():  # its started_at is the real time: the one-hour rule must not fire
        rounds, job, owner = run_engine(big_server_db, body, stalled_seconds=stalled)
    # Not at first sight: only once its progress had not moved for stalled_seconds. The engine
    # reads its time (the loop's) inside each round, so the bounds below are exact: every
    # round ended before stalled_seconds after the first began left it alone, and none that
    # began stalled_seconds after the first ended did.
    first_began, first_ended = rounds[0][1], rounds[0][2]
    assert rounds[0][0] == 0 and rounds[-1][0] == 1 and not any(s for s, _, _ in rounds[:-1])
    assert all(started == 0 for started, _, ended in rounds if ended - first_began < stalled)
    assert all(started == 1 for started, began, _ in rounds if began - first_ended >= stalled)
    assert (job.status, job.owner) == ("completed", owner)
    assert job.error_message.endswith("UTC: its progress had stopped and no program but this "
                                      "app has the database open")  # killed: it cannot resume
    assert job.progress == job.total == CATEGORY_1  # from the start: no cursor of ours
    assert unread(big_server_db, 1, 1) == 0


def test_a_live_server_job_is_never_taken_over(big_server_db):
    """The server moves its job one batch between two recovery rounds (``step``: it stops after
    each batch until told to go on), so every round sees new progress however slow the machine
    is: no race to lose. Its 70 batches, each followed by its 0.02 s sleep, last longer than
    stalled_seconds, so an engine that took over a job it had watched that long would."""
    server = Server(big_server_db, "--batch-sleep", "0.02")
    stalled = 0.5
    try:
        server.send(cmd="post", user=1, category=1, step=True)
        job_id = server.read()["job"]

        async def body(manager):
            rounds = []
            while "paused" in (said := await asyncio.to_thread(server.read)):
                assert said["paused"] == job_id
                rounds.append(await manager.start_runnable_jobs())
                server.send(cmd="go")
            return rounds, said

        with real_clock():  # its started_at is the real time: the one-hour rule must not fire
            began = time.monotonic()
            rounds, said = run_engine(big_server_db, body, stalled_seconds=stalled)
            watched = time.monotonic() - began
        assert said == {"done": job_id, "status": "completed"}
    finally:
        server.stop()
    assert watched > stalled and len(rounds) == CATEGORY_1 // 100 and not any(rounds)
    assert job_row(big_server_db, job_id).get("owner") is None


# -- 6. overlapping jobs --------------------------------------------------------------------

def test_a_job_overlapping_one_the_server_runs_is_refused_unless_forced(big_server_db):
    server = Server(big_server_db)
    try:
        server.send(cmd="post", user=1, category=1, pause_at=1000)
        job_id = server.read()["job"]
        assert server.read()["paused"] == job_id
        same = rss("mark-read", "--database", big_server_db, "--user", 1, "--category", 1)
        inside = rss("mark-read", "--database", big_server_db, "--user", 1, "--feed", 2)
        everything = rss("mark-read", "--database", big_server_db, "--user", 1, "--all")
        other_user = rss("mark-read", "--database", big_server_db, "--user", 2, "--category",
                         1, "--quiet")
        elsewhere = rss("mark-read", "--database", big_server_db, "--user", 1, "--category", 2,
                        "--quiet")
        server.send(cmd="go")
        assert server.read() == {"done": job_id, "status": "completed"}
        forced = rss("mark-read", "--database", big_server_db, "--user", 1, "--category", 1,
                     "--force", "--quiet")
    finally:
        server.stop()
    for refused in (same, inside, everything):
        assert refused.returncode == 2 and refused.stdout == ""
        assert f"the web server is marking some of these articles read right now (job " \
               f"{job_id})" in refused.stderr and "--force" in refused.stderr
    assert other_user.returncode == 0 and elsewhere.returncode == 0
    assert forced.returncode == 0
    with sqlite(big_server_db) as conn:
        ours = conn.execute("SELECT count(*) FROM bulk_operation_jobs WHERE owner IS NOT NULL"
                            ).fetchone()[0]
    assert ours == 3  # other user, other category, forced: none of the refused ones


# -- 4. the file's journal mode -----------------------------------------------------------

def test_a_rollback_journal_server_restarts_while_we_are_connected(tmp_path):
    path = make_server_database(tmp_path / "reader.db", journal_mode="delete")

    async def body(manager):
        await manager.wait_for_job(await manager.create_job("mark_feed_read", 1, {"feed_id": 5}))
        restarted = []
        for _ in range(2):  # its start-up sets its journal mode, which needs the file alone
            server = Server(path, "--journal-mode", "delete")
            server.send(cmd="post", user=2, category=2)
            restarted.append(server.read())
            restarted.append(server.read())
            server.stop()
        return manager.journal_mode, restarted

    mode, restarted = run_engine(path, body)
    assert mode == "delete"
    assert [message.get("status") for message in restarted[1::2]] == ["completed"] * 2
    with sqlite(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_the_command_line_says_once_what_a_rollback_journal_costs(tmp_path):
    path = make_server_database(tmp_path / "reader.db", journal_mode="delete")
    result = rss("mark-read", "--database", path, "--user", 1, "--all", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("rollback journal") == 1


# -- 7. indexes under the names a peewee server gives them -----------------------------------

def index_columns(path) -> list[tuple]:
    """(table, columns, unique) of every index, names aside."""
    with sqlite(path) as conn:
        found = []
        for table, name in conn.execute("SELECT tbl_name, name FROM sqlite_master "
                                        "WHERE type = 'index'"):
            columns = tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{name}")'))
            unique = conn.execute(f'PRAGMA index_list("{table}")').fetchall()
            found.append((table, columns, any(r[1] == name and r[2] for r in unique)))
        return sorted(found)


def schema_sql(path) -> set:
    with sqlite(path) as conn:
        return {tuple(row) for row in conn.execute("SELECT type, name, sql FROM sqlite_master")}


def test_neither_side_adds_a_twin_of_the_others_indexes(tmp_path):
    # The server first: its tables and indexes, then ours, then the server restarts.
    path = tmp_path / "server-first.db"
    Server(path).stop()
    with sqlite(path) as conn:
        conn.execute("INSERT INTO users (username) VALUES ('alice')")
        conn.commit()
    run_engine(path, lambda manager: manager.prepare_for_writing())
    after_ours = index_columns(path)
    assert len(after_ours) == len(set(after_ours)), after_ours  # no two on the same columns
    Server(path).stop()
    assert index_columns(path) == after_ours

    # Ours first (a new database), then the server starts: it finds every index it wants.
    path = tmp_path / "ours-first.db"
    assert rss("demo", "--database", path, "--articles", 200).returncode == 0
    before = schema_sql(path)
    Server(path).stop()
    assert schema_sql(path) == before
    assert len(index_columns(path)) == len(set(index_columns(path)))


# -- 9. what the server's frontend sees -------------------------------------------------------

def test_a_row_the_server_left_without_a_total_is_counted_before_it_runs(server_db):
    with sqlite(server_db) as conn:
        from desktop.store.backends.sqlite import JOB_TABLE_DDL
        conn.execute(JOB_TABLE_DDL)
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, user_id, parameters, created_at)"
                     " VALUES ('mark_category_read', 1, '{\"category_id\": 1}', "
                     "datetime('now', '-1 minute'))")
        conn.commit()
    seen = []

    async def body(manager):
        manager.subscribe(lambda event: seen.append((event.kind, event.job.status,
                                                     event.job.total)))
        await manager.run_available(once=True)

    run_engine(server_db, body)
    assert seen[0] == ("started", "running", 70)  # never "running 0 of 0"


# -- 2. pacing: a writer nobody has seen ------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_chunks(pacer: Pacer, clock: FakeClock, seconds: float, chunk: float, *, others: bool,
               commits_every: float | None = None) -> list[tuple[float, float]]:
    """Chunks of ``chunk`` seconds for ``seconds``; returns (when, pause) of every pause."""
    version, next_commit, pauses = 0, commits_every, []
    pacer.start(version)
    while clock.now < seconds:
        clock.now += chunk
        if next_commit is not None and clock.now >= next_commit:
            version, next_commit = version + 1, next_commit + commits_every
        pause = pacer.pause_after(version, others)
        if pause:
            pauses.append((clock.now, pause))
            clock.now += pause
    return pauses


def test_alone_with_the_file_a_job_never_pauses():
    clock = FakeClock()
    assert run_chunks(Pacer(0.035, clock=clock), clock, 10, 0.035, others=False) == []


def test_commits_seen_while_nobody_can_wait_never_shorten_the_chunks():
    """On PostgreSQL (no pacing: ``others_present`` is always False) the change counter moves
    with every commit, the engine's own included; chunks still aim at chunk_seconds."""
    clock = FakeClock()
    pacer = Pacer(0.200, clock=clock)
    assert run_chunks(pacer, clock, 5, 0.2, others=False, commits_every=0.01) == []
    assert not pacer.sharing and pacer.target_seconds == 0.200


def test_a_writer_nobody_has_seen_never_finds_the_lock_held_long():
    clock = FakeClock()
    pauses = run_chunks(Pacer(0.035, clock=clock), clock, 10, 0.035, others=True)
    # Never more than ~125 ms held without a free window of at least 25 ms ...
    held, last_free_end = [], 0.0
    for when, pause in pauses:
        held.append(when - last_free_end)
        last_free_end = when + pause
        assert pause >= 0.025
    assert max(held) <= 0.125 + 1e-9
    # ... and a window longer than the busy handler's 100 ms step every 2 s at most.
    long_ones = [when for when, pause in pauses if pause > 0.100]
    assert long_ones and all(b - a <= 2.2 for a, b in zip([0.0, *long_ones], long_ones,
                                                           strict=False))
    # What that costs: the share of time the lock is left free.
    free = sum(pause for _, pause in pauses) / clock.now
    assert 0.15 < free < 0.25


def test_a_writer_seen_committing_shares_the_lock_chunk_for_chunk():
    clock = FakeClock()
    pacer = Pacer(0.035, clock=clock)
    pauses = run_chunks(pacer, clock, 5, 0.025, others=True, commits_every=0.01)
    assert pacer.sharing and len(pauses) >= pacer.chunks - 2  # a pause after (nearly) each


def test_a_person_clicking_once_a_second_is_paced_as_a_writer_nobody_saw():
    """Sharing chunk for chunk halves the job; for one commit a second it bounds the wait no
    better than the unseen-writer schedule, so it starts only at two commits within a second."""
    clock = FakeClock()
    pacer = Pacer(0.035, clock=clock)
    pauses = run_chunks(pacer, clock, 10, 0.035, others=True, commits_every=1.3)
    assert not pacer.sharing
    free = sum(pause for _, pause in pauses) / clock.now
    assert 0.15 < free < 0.25
