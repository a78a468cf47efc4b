"""Older than an age by publication date (``by: "published"``): the cut is exact, an article
without a publication date falls back to its arrival, and the job undoes exactly. Both
backends."""

from __future__ import annotations

import pytest
from support.cli import assert_one_error_line, rss
from support.clock import at, real_now
from support.databases import read_status, sqlite, written
from support.engine import run_engine

from desktop.store.clock import to_db_text
from desktop.store.job_requests import JobRequestError

# Category 1 holds articles 1..70 (feeds 1 and 2); article n arrived at(minutes=n).
PUBLISHED = {
    **{n: at(minutes=100) for n in range(1, 6)},  # arrived before the cut, published after
    **{n: at(days=-5) for n in range(30, 36)},  # arrived after the cut, published long before
    36: "",  # an empty publication date counts as none: arrival
    37: at(minutes=21),  # published just after the cut
}
CUT = at(minutes=20)
# the articles before the cut: by publication date where there is one, else by arrival
EXPECTED = set(range(6, 20)) | set(range(30, 36))


def set_published(target):
    with written(target) as conn:
        for article_id, published in PUBLISHED.items():
            conn.execute("UPDATE articles SET published_date = ? WHERE id = ?",
                         (published, article_id))


def unread_of_user_1(target) -> set[int]:
    read = {row["article_id"] for row in read_status(target).values()
            if row["user_id"] == 1 and row["is_read"]}
    return set(range(1, 106)) - read


def test_published_cut_is_exact_with_the_arrival_fallback_and_undoes_exactly(reader):
    set_published(reader)
    unread_before = unread_of_user_1(reader)
    params = {"category_id": 1, "older_than": CUT, "by": "published"}

    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, params)
        job = await manager.wait_for_job(job_id)
        undo = await manager.undo_job(1, job_id)
        return job, await manager.wait_for_job(undo.id)

    job, undone = run_engine(reader, body)
    assert job.status == "completed" and job.total == len(EXPECTED)
    assert job.marked_count == len(EXPECTED & unread_before)
    assert undone.status == "completed"
    assert unread_of_user_1(reader) == unread_before  # undo made exactly those unread again


def test_published_cut_marks_exactly_the_expected_articles(reader):
    set_published(reader)
    unread_before = unread_of_user_1(reader)

    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, {
            "category_id": 1, "older_than": CUT, "by": "published"})
        return await manager.wait_for_job(job_id)

    run_engine(reader, body)
    assert unread_before - unread_of_user_1(reader) == EXPECTED & unread_before


def test_received_stays_the_default_for_jobs_without_by(reader):
    # a web server's job names no ``by``: its older_than keeps meaning arrival
    set_published(reader)
    unread_before = unread_of_user_1(reader)

    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, {
            "category_id": 1, "older_than": CUT})
        return await manager.wait_for_job(job_id)

    job = run_engine(reader, body)
    assert job.total == 19
    assert unread_before - unread_of_user_1(reader) == set(range(1, 20)) & unread_before


def test_unknown_by_is_refused_writing_nothing(reader):
    async def body(manager):
        with pytest.raises(JobRequestError, match="by must be one of received, published"):
            await manager.create_job("mark_all_read", 1, {"older_than": CUT, "by": "seen"})
        return await manager.list_jobs(1)

    assert run_engine(reader, body) == []


def test_by_published_is_refused_where_articles_have_no_publication_date(tmp_path, server_db):
    with sqlite(server_db) as conn:
        conn.execute("ALTER TABLE articles DROP COLUMN published_date")
        conn.commit()
    before = server_db.read_bytes()
    result = rss("mark-read", "--database", server_db, "--user", 1, "--all",
                 "--older-than", "1d", "--by", "published")
    assert_one_error_line(result, "no published_date column", "--by received")
    assert server_db.read_bytes() == before


@pytest.mark.parametrize("args, fragment", [
    (("--older-than", "1d", "--by", "seen"), "invalid choice: 'seen'"),
    (("--by", "published"), "give --older-than AGE"),
])
def test_cli_bad_by_exits_2_writing_nothing(server_db, args, fragment):
    before = server_db.read_bytes()
    result = rss("mark-read", "--database", server_db, "--user", 1, "--all", *args)
    assert_one_error_line(result, fragment)
    assert server_db.read_bytes() == before


def test_cli_mark_read_by_published(server_db):
    with written(server_db) as conn:
        conn.execute("UPDATE articles SET published_date = ? WHERE id <= 10",
                     (to_db_text(real_now().subtract(days=400)),))
    unread_before = unread_of_user_1(server_db)
    # (the command runs at the real time) arrivals are recent, or in the future with --at: only
    # the ten published over a year ago are older than 52 weeks
    result = rss("mark-read", "--database", server_db, "--user", 1, "--all",
                 "--older-than", "52w", "--by", "published", "-q")
    assert result.returncode == 0, result.stderr
    assert unread_before - unread_of_user_1(server_db) == set(range(1, 11)) & unread_before


def test_a_list_row_is_in_a_published_cut_as_the_sql_says():
    # the window applies a job's chunks to the rows it shows with Scope.holds: the same rule
    from desktop.store.scopes import Scope

    scope = Scope("all", cutoff=CUT, by="published")
    old, new = at(minutes=5), at(minutes=50)
    assert scope.holds(1, 1, 1, new, old)  # arrived late, published long before
    assert not scope.holds(1, 1, 1, old, new)  # arrived early, published after the cut
    assert scope.holds(1, 1, 1, old, None) and scope.holds(1, 1, 1, old, "")  # arrival
    assert not Scope("all", cutoff=CUT).holds(1, 1, 1, new, old)  # by arrival: ignored
