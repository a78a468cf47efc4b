"""The tree's unread counts: live changes from job chunks against reloads read meanwhile.

Deterministic: each case builds the exact interleaving of a chunk's event and a reload's
snapshot that the engine's two threads can produce, and checks the counts shown.
"""

from __future__ import annotations

import pytest

from desktop.jobs.api import Scope
from desktop.store.overview import FeedInfo, Overview
from desktop.ui.feeds.scope_tree import ScopeTreeModel

JOB = 7


@pytest.fixture
def model(qapp):
    model = ScopeTreeModel()
    model.set_overview(Overview(1, {1: "Tech"}, [FeedInfo(10, "A", 1), FeedInfo(11, "B", 1)],
                                {10: 100, 11: 50}))
    return model


def feed(model, feed_id) -> int:
    return model.unread(Scope("feed", feed_id))


def test_a_snapshot_asked_for_before_a_chunk_and_read_before_it_keeps_the_live_change(model):
    requested = model.reload_started()
    model.apply_marked(JOB, 30, {10: 30})  # chunk 1 commits, its event arrives
    assert feed(model, 10) == 70
    model.update_counts({10: 100, 11: 50}, {JOB: 0}, requested)  # read before chunk 1 committed
    assert feed(model, 10) == 70 and feed(model, 11) == 50


def test_a_snapshot_that_saw_the_chunk_does_not_count_it_twice(model):
    requested = model.reload_started()
    model.apply_marked(JOB, 30, {10: 30})
    model.update_counts({10: 70, 11: 50}, {JOB: 30}, requested)  # read after chunk 1 committed
    assert feed(model, 10) == 70


def test_a_snapshot_whose_event_arrives_after_it_is_not_counted_twice(model):
    requested = model.reload_started()
    # The snapshot was read after chunk 1 committed, but applied before chunk 1's event.
    model.update_counts({10: 70, 11: 50}, {JOB: 30}, requested)
    assert feed(model, 10) == 70
    model.apply_marked(JOB, 30, {10: 30})
    assert feed(model, 10) == 70
    model.apply_marked(JOB, 45, {10: 15})  # the next chunk is new to both
    assert feed(model, 10) == 55
    model.update_counts({10: 55, 11: 50}, {JOB: 45}, model.reload_started())
    assert feed(model, 10) == 55


def test_changes_applied_before_the_request_are_in_the_snapshot(model):
    model.apply_marked(JOB, 30, {10: 30})
    model.apply_marked(JOB, 60, {10: 20, 11: 10})
    requested = model.reload_started()
    model.apply_marked(JOB, 90, {11: 40})  # during the read; the snapshot did not see it
    model.update_counts({10: 50, 11: 40, 12: 5}, {JOB: 60}, requested)
    assert (feed(model, 10), feed(model, 11)) == (50, 0)
    # Once a snapshot includes chunk 3, nothing is left to apply again.
    model.update_counts({10: 50, 11: 0}, {JOB: 90}, model.reload_started())
    assert (feed(model, 10), feed(model, 11)) == (50, 0)


def test_an_undo_raises_counts_and_a_rebuild_keeps_pending_changes(model):
    requested = model.reload_started()
    model.apply_marked(8, 5, {10: -5})  # an undo made 5 unread again
    assert feed(model, 10) == 105
    model.set_overview(Overview(1, {1: "Tech"}, [FeedInfo(10, "A", 1), FeedInfo(11, "B", 1)],
                                {10: 100, 11: 50}), {8: 0}, requested)
    assert feed(model, 10) == 105 and model.unread(Scope("category", 1)) == 155


def test_an_older_snapshot_arriving_after_a_newer_one_is_ignored(model):
    older = model.reload_started()
    model.apply_marked(JOB, 30, {10: 30})
    newer = model.reload_started()
    model.update_counts({10: 70, 11: 50}, {JOB: 30}, newer)
    model.update_counts({10: 100, 11: 50}, {JOB: 0}, older)
    assert feed(model, 10) == 70


# -- single-article writes: numbered in commit order instead of a job's progress ------------

def test_a_write_applied_after_the_request_and_unseen_by_the_snapshot_stays(model):
    requested = model.reload_started()
    model.apply_article_change(1, 10, -1)  # one article read, its event arrives
    assert feed(model, 10) == 99
    model.update_counts({10: 100, 11: 50}, {}, requested, writes_seen=0)  # read before it
    assert feed(model, 10) == 99


def test_a_write_the_snapshot_saw_is_not_counted_twice(model):
    requested = model.reload_started()
    model.apply_article_change(1, 10, -1)
    model.update_counts({10: 99, 11: 50}, {}, requested, writes_seen=1)
    assert feed(model, 10) == 99
    requested = model.reload_started()
    model.apply_article_change(2, 10, +1)  # unread again
    model.apply_article_change(3, 11, -1)
    model.update_counts({10: 100, 11: 50}, {}, requested, writes_seen=2)  # saw 2, not 3
    assert (feed(model, 10), feed(model, 11)) == (100, 49)


def test_a_write_whose_event_arrives_after_a_snapshot_that_saw_it_is_ignored(model):
    model.update_counts({10: 99, 11: 50}, {}, model.reload_started(), writes_seen=1)
    model.apply_article_change(1, 10, -1)
    assert feed(model, 10) == 99


def test_writes_and_job_chunks_interleave(model):
    requested = model.reload_started()
    model.apply_marked(JOB, 30, {10: 30})
    model.apply_article_change(1, 10, +1)  # one of them made unread again by the person
    model.apply_article_change(2, 11, -1)
    # the snapshot saw the chunk and the first write only
    model.update_counts({10: 71, 11: 50}, {JOB: 30}, requested, writes_seen=1)
    assert (feed(model, 10), feed(model, 11)) == (71, 49)
