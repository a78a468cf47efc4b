"""Jobs narrowed to what was picked in the article list (store/selection.py): selected id
ranges, "this and everything newer", the list's search — exact and exactly undoable, on both
backends."""

from __future__ import annotations

import pytest
from support.clock import at
from support.databases import make_server_database, read_status, written
from support.engine import run_engine

from desktop.store import JobRequestError
from desktop.store.job_types import describe_job
from desktop.store.jobs_table import JobRecord

# make_server_database: category 1 = feeds 1, 2 = articles 1..70 ("Article N"); category 2 =
# feeds 3, 4 = articles 71..100; feed 5 (no category) = 101..105. User 1 read every third.


def read_by(target, user_id: int) -> set[int]:
    return {row["article_id"] for row in read_status(target).values()
            if row["user_id"] == user_id and row["is_read"]}


def run_and_undo(target, job_type, parameters, **create):
    """Run a job for user 1, note what is read, undo it; return (job, read after the job,
    read after the undo)."""
    seen = {}

    async def body(manager):
        job_id = await manager.create_job(job_type, 1, parameters, **create)
        job = await manager.wait_for_job(job_id)
        seen["after_job"] = read_by(target, 1)
        undo = await manager.undo_job(1, job_id)
        assert (await manager.wait_for_job(undo.id)).status == "completed"
        return job

    job = run_engine(target, body, max_chunk=7)
    return job, seen["after_job"], read_by(target, 1)


def test_selected_ranges_mark_exactly_those_articles_and_undo_exactly(reader):
    before = read_by(reader, 1)
    ranges = [[41, 45], [3, 7], [20, 20], [66, 90]]  # 71..90 are category 2's: not covered
    job, after_job, after_undo = run_and_undo(reader, "mark_category_read",
                                              {"category_id": 1, "article_ranges": ranges})
    picked = {*range(3, 8), 20, *range(41, 46), *range(66, 71)}
    assert job.status == "completed"
    assert after_job == before | picked
    assert job.marked_count == len(picked - before)
    assert job.watermark == 90  # the last range's end, not the newest article
    assert after_undo == before


def test_this_and_everything_newer_is_exact_and_undoes_exactly(reader):
    before = read_by(reader, 1)
    job, after_job, after_undo = run_and_undo(reader, "mark_category_read",
                                              {"category_id": 1, "from_article": 55})
    newer = set(range(55, 71))
    assert job.status == "completed" and job.total == len(newer)
    assert after_job == before | newer
    assert after_undo == before
    assert describe_job(job, {1: "Tech"}) == "Category: Tech (article #55 and newer)"


def test_search_marks_what_the_search_matched_up_to_the_watermark(make_reader):
    """An article matching the search that arrives after the job was created (above its
    watermark) stays unread: the job is created, the article inserted, then the job runs."""
    target = make_reader()
    before = read_by(target, 1)

    async def body(manager):
        job_id = await manager.create_job("mark_all_read", 1, {"search": "article 1"},
                                          run=False)
        with written(target) as conn:  # arrives after the click: above the job's watermark
            conn.execute("INSERT INTO articles (id, feed_id, title, created_at, content) "
                         "VALUES (106, 1, 'Article 1 late', ?, 'body')", (at(minutes=106),))
        manager.start_job(job_id)
        return await manager.wait_for_job(job_id)

    job = run_engine(target, body, max_chunk=7)
    matched = {n for n in range(1, 106) if "1" in str(n)}  # every word: "article", "1"
    assert job.status == "completed" and job.watermark == 105
    assert read_by(target, 1) == before | matched
    assert 106 not in read_by(target, 1)
    assert describe_job(job) == "All articles (titles matching “article 1”)"


def test_a_search_treats_like_wildcards_as_letters(reader):
    before = read_by(reader, 1)
    with written(reader) as conn:
        conn.execute("UPDATE articles SET title = 'Sale: 50% off' WHERE id = 8")
        conn.execute("UPDATE articles SET title = 'Sale: 500 off' WHERE id = 11")
    _job, after_job, after_undo = run_and_undo(reader, "mark_all_read", {"search": "50% off"})
    assert after_job == before | {8}
    assert after_undo == before


@pytest.mark.parametrize(("parameters", "message"), [
    ({"article_ranges": [[9, 4]]}, "article_ranges holds [9, 4]: first after last"),
    ({"article_ranges": []}, "article_ranges must be a list of 1 to 1000"),
    ({"article_ranges": [[1, 2, 3]]}, "not a [first, last] pair"),
    ({"article_ranges": [["1", 2]]}, "article_ranges must hold article ids"),
    ({"article_ranges": [[n, n] for n in range(1, 1002)]}, "1 to 1000"),
    ({"from_article": 0}, "from_article must hold article ids"),
    ({"search": "   "}, "search must be the words a title contains"),
    ({"search": 7}, "search must be the words a title contains"),
])
def test_bad_narrowing_is_refused_before_anything_is_written(server_db, parameters, message):
    async def body(manager):
        with pytest.raises(JobRequestError, match=message.replace("[", r"\[").replace(
                "]", r"\]")):
            await manager.create_job("mark_all_read", 1, parameters)
        return await manager.list_jobs(1)

    assert run_engine(server_db, body) == []


def test_without_the_unique_index_a_selection_job_fails_saying_why(tmp_path):
    path = make_server_database(tmp_path / "reader.db", unique_read_status=False)
    with written(path) as conn:  # a duplicate row the server left: no unique index can be made
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                     "created_at, updated_at) VALUES (1, 10, 0, 0, 'x', 'x')")
    before = read_status(path)

    async def body(manager):
        job_id = await manager.create_job("mark_all_read", 1, {"article_ranges": [[1, 9]]})
        return await manager.wait_for_job(job_id)

    job: JobRecord = run_engine(path, body)
    assert job.status == "failed" and "unique (user_id, article_id) index" in job.error_message
    assert read_status(path) == before


def test_a_chunk_sees_only_the_selected_ranges_inside_its_span():
    """SQLite bounds a rowid scan by one pair of limits: a chunk's statements must carry the
    selection cut to the chunk's span, or every chunk scans the whole selected range."""
    from desktop.jobs.chunk import narrowed_low, scope_in_span
    from desktop.store.scopes import Scope

    scope = Scope("feed", 1, id_ranges=((5, 5), (10, 500), (900, 900)), from_id=8)
    assert scope_in_span(scope, 100, 200) == Scope("feed", 1, id_ranges=((101, 200),))
    assert scope_in_span(scope, 0, 7) == Scope("feed", 1, id_ranges=((5, 5),), from_id=8)
    assert scope_in_span(scope, 500, 899) is None
    assert scope_in_span(Scope("all", from_id=50), 60, 90) == Scope("all")
    assert narrowed_low(scope, 0) == 7 and narrowed_low(scope, 300) == 300  # both bounds hold
