"""One article's read and starred state, written through the engine by the server's rules, and
the unread counts' snapshots that know exactly which of those writes they include."""

from __future__ import annotations

import random
import threading

import pytest
import time_machine
from support.databases import make_server_database, make_server_database_pg, read_status, sqlite
from support.engine import run_engine

from desktop.store import JobRequestError, clock, connect
from desktop.store.article_state import ArticleNotFound, WriteSequence, set_read
from desktop.store.backends import backend_for
from desktop.store.clock import utc_now_text
from desktop.store.overview import counts_snapshot

# make_server_database: user 1 read every third article and starred every fifth (rows for
# those only); article 7 has no row for user 1, article 10 is starred and unread, 9 is read.


def rows_of(path, user_id, article_id) -> list[dict]:
    return [row for row in read_status(path).values()
            if row["user_id"] == user_id and row["article_id"] == article_id]


@pytest.fixture(params=["upsert", "update-insert"])
def database(request, tmp_path):
    """Both forms of the write: with the unique (user_id, article_id) index (one upsert), and
    without it (UPDATE, then INSERT where no row exists), as a server may leave the file."""
    return make_server_database(tmp_path / "reader.db",
                                unique_read_status=request.param == "upsert")


def test_marking_read_and_unread_follows_the_servers_rules(database):
    others = {k: v for k, v in read_status(database).items() if v["article_id"] != 7}
    since = utc_now_text()

    events = []

    async def body(manager):
        manager.subscribe_articles(events.append)
        return [await manager.set_article_read(1, 7, True),
                await manager.set_article_read(1, 7, True),  # already read: writes nothing
                await manager.set_article_read(1, 7, False)]

    read, again, unread = run_engine(database, body)
    assert (read.is_read, read.unread_delta, read.feed_id, read.category_id) == (True, -1, 1, 1)
    assert (again.is_read, again.unread_delta) == (True, 0)
    assert (unread.is_read, unread.is_starred, unread.unread_delta) == (False, False, +1)
    assert events == [read, again, unread] and [c.sequence for c in events] == [1, 2, 3]
    [row] = rows_of(database, 1, 7)
    assert (row["is_read"], row["is_starred"], row["is_archived"]) == (0, 0, 0)
    assert row["read_at"] is None and row["starred_at"] is None
    assert row["created_at"] >= since and row["updated_at"] >= row["created_at"]
    assert {k: v for k, v in read_status(database).items() if v["article_id"] != 7} == others


def test_a_new_row_is_stamped_like_the_servers(database):
    since = utc_now_text()
    run_engine(database, lambda manager: manager.set_article_read(1, 7, True))
    [row] = rows_of(database, 1, 7)
    assert (row["is_read"], row["is_starred"], row["is_archived"]) == (1, 0, 0)
    assert row["read_at"] == row["updated_at"] == row["created_at"] >= since
    assert row["starred_at"] is None


def test_starring_keeps_the_read_state_and_stamps_starred_at(database):
    since = utc_now_text()
    [before] = rows_of(database, 1, 9)  # read, not starred

    async def body(manager):
        starred = await manager.set_article_starred(1, 9, True)
        return starred, rows_of(database, 1, 9)[0], await manager.set_article_starred(1, 9, False)

    starred, row, unstarred = run_engine(database, body)
    assert (starred.is_starred, starred.is_read, starred.unread_delta) == (True, True, 0)
    assert row["is_starred"] == 1 and row["starred_at"] == row["updated_at"] >= since
    assert row["read_at"] == before["read_at"]  # reading is another matter
    [after] = rows_of(database, 1, 9)
    assert (after["is_starred"], after["starred_at"], after["is_read"]) == (0, None, 1)
    assert (unstarred.is_starred, unstarred.unread_delta) == (False, 0)


def test_starring_an_article_without_a_row_creates_an_unread_one(database):
    change = run_engine(database, lambda manager: manager.set_article_starred(1, 7, True))
    [row] = rows_of(database, 1, 7)
    assert (row["is_read"], row["is_starred"], row["read_at"]) == (0, 1, None)
    assert row["starred_at"] == row["created_at"] == row["updated_at"]
    assert (change.is_read, change.is_starred, change.unread_delta) == (False, True, 0)


def test_duplicate_rows_left_by_the_server_all_change_and_none_is_added(tmp_path):
    path = make_server_database(tmp_path / "reader.db", unique_read_status=False)
    with sqlite(path) as conn:  # the server's read-then-insert raced with itself once
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                     "created_at, updated_at) VALUES (1, 10, 0, 0, 'x', 'x')")
        conn.commit()

    change = run_engine(path, lambda manager: manager.set_article_read(1, 10, True))
    rows = rows_of(path, 1, 10)
    assert len(rows) == 2 and all(row["is_read"] for row in rows)
    assert change.unread_delta == -1


def test_an_unknown_article_or_user_writes_nothing(database):
    before = read_status(database)

    async def body(manager):
        with pytest.raises(ArticleNotFound, match="article 999 does not exist"):
            await manager.set_article_read(1, 999, True)
        with pytest.raises(JobRequestError, match="user 9 does not exist"):
            await manager.set_article_starred(9, 7, True)

    run_engine(database, body)
    assert read_status(database) == before


def test_a_read_only_database_refuses_with_the_reason(database, monkeypatch):
    # As root no permission makes a file unwritable: the check that notices is told so, and the
    # database is then really opened mode=ro (as in test_reliability).
    monkeypatch.setattr("desktop.store.backends.sqlite._not_writable",
                        lambda _path: "not writable here")

    async def body(manager):
        with pytest.raises(JobRequestError, match="read-only"):
            await manager.set_article_read(1, 7, True)

    run_engine(database, body)
    assert rows_of(database, 1, 7) == []


def test_undo_leaves_an_article_changed_since_its_job(server_db):
    """The writes set updated_at as the server does, which is how an undo knows an article was
    changed after its job: starred since, it stays read; marked unread since, it stays so."""
    async def body(manager):
        job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": 3})
        await manager.wait_for_job(job_id)
        # a minute later: timestamps have whole seconds, and undo tells "changed since" by them
        with time_machine.travel(clock.now().add(minutes=1), tick=True):
            await manager.set_article_starred(1, 71, True)  # read by the job, starred since
            await manager.set_article_read(1, 73, False)  # read by the job, unread since
            undo = await manager.undo_job(1, job_id)
            return await manager.wait_for_job(undo.id)

    undo = run_engine(server_db, body)
    assert undo.status == "completed"
    assert rows_of(server_db, 1, 71)[0]["is_read"] == 1
    assert rows_of(server_db, 1, 73)[0]["is_read"] == 0
    assert rows_of(server_db, 1, 74)[0]["is_read"] == 0  # the job's doing: undone


@pytest.mark.parametrize("journal_mode", ["wal", "delete", "postgresql"])
def test_every_counts_snapshot_knows_exactly_which_writes_it_includes(request, tmp_path,
                                                                       journal_mode):
    """A writer toggles articles read and unread while a reader takes snapshots, on two real
    connections and threads: whatever the interleaving, every snapshot's counts equal the
    counts before plus exactly the writes numbered up to the number it read. (On PostgreSQL
    only if the snapshot's statements share one snapshot: REPEATABLE READ.)"""
    if journal_mode == "postgresql":
        path = make_server_database_pg(request.getfixturevalue("postgres_url"))
    else:
        path = make_server_database(tmp_path / "reader.db", journal_mode=journal_mode)
    backend = backend_for(path)
    sequence = WriteSequence()
    deltas: dict[int, tuple[int, int]] = {}  # write number -> (feed, unread delta)
    snapshots: list[tuple[dict, int]] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            connect(path)
            rng = random.Random(5)
            for _ in range(300):
                change = set_read(1, rng.randint(1, 105), rng.random() < 0.5, upsert=True,
                                  sequence=sequence, backend=backend)
                deltas[change.sequence] = (change.feed_id, change.unread_delta)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def reader():
        try:
            connect(path)
            while not done.is_set() or len(snapshots) < 5:
                counts, _, seen = counts_snapshot(backend, 1, writes=sequence)
                snapshots.append((counts, seen))
        except BaseException as exc:
            errors.append(exc)

    connect(path)
    start, _, _ = counts_snapshot(backend, 1, writes=sequence)
    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(deltas) == 300 and len(snapshots) >= 5
    seen_values = {seen for _, seen in snapshots}
    assert len(seen_values) > 1  # the snapshots did interleave with the writes
    for counts, seen in snapshots:
        expected = dict(start)
        for number in range(1, seen + 1):
            feed, delta = deltas[number]
            expected[feed] += delta
        assert counts == expected, seen


@pytest.mark.parametrize("unique_read_status", [True, False], ids=["upsert", "update-insert"])
def test_single_article_writes_on_postgresql(postgres_url, unique_read_status):
    """Read, unread, star and unstar one article on PostgreSQL (boolean columns, READ COMMITTED
    write transactions), in both forms of the write."""
    import psycopg

    url = make_server_database_pg(postgres_url, unique_read_status=unique_read_status)

    def row(article_id):
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT is_read, is_starred, read_at IS NOT NULL, "
                                "starred_at IS NOT NULL FROM read_status WHERE user_id = 1 "
                                "AND article_id = %s", (article_id,)).fetchall()

    async def body(manager):
        read = await manager.set_article_read(1, 7, True)  # no row yet
        after_read = row(7)
        starred = await manager.set_article_starred(1, 7, True)
        unread = await manager.set_article_read(1, 7, False)
        unstarred = await manager.set_article_starred(1, 7, False)
        return read, after_read, starred, unread, unstarred

    read, after_read, starred, unread, unstarred = run_engine(url, body)
    assert (read.is_read, read.unread_delta, read.feed_id, read.category_id) == (True, -1, 1, 1)
    assert after_read == [(True, False, True, False)]
    assert (starred.is_read, starred.is_starred, starred.unread_delta) == (True, True, 0)
    assert (unread.is_read, unread.is_starred, unread.unread_delta) == (False, True, +1)
    assert (unstarred.is_read, unstarred.is_starred) == (False, False)
    assert row(7) == [(False, False, False, False)]
    assert [c.sequence for c in (read, starred, unread, unstarred)] == [1, 2, 3, 4]
