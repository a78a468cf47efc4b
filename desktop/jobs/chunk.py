"""One chunk of a job: the hot path, run on the database thread.

Everything a chunk does happens in ONE short write transaction (the backend's: SQLite takes its
write lock at once, PostgreSQL holds the job's row): check the job is still ours and running,
take the next items after the cursor (a span of article ids for mark-read, the next
records for undo), change them, and advance progress and cursor. A crash leaves either the
whole chunk or none of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..store import job_requests, jobs_table, undo, undo_record
from ..store.clock import utc_now_text
from ..store.marking import MANY_FEEDS, mark_feed_range_read, mark_span_read
from ..store.models import database_proxy
from ..store.scopes import Scope, feed_categories, span_counts, walked_cheaply
from ..store.selection import ranges_start


@dataclass
class ChunkOutcome:
    processed: int = 0  # items this chunk covered (scope articles, or undo records)
    changed: int = 0  # articles whose read state it changed
    marked_by_feed: dict[int, int] = field(default_factory=dict)  # newly read (undo: negative)
    category_of_feed: dict[int, int | None] = field(default_factory=dict)
    cursor: int = 0
    completed: bool = False  # nothing is left and the job is now completed
    lost: bool = False  # the job was cancelled or taken over: nothing was written
    record_lost: bool = False  # its undo record could not be kept: nothing was written
    other_writers: int = 0  # the backend's changes_seen after commit, to notice other writers
    others_present: bool = True  # another program may have the database open (see pacing)
    seconds: float = 0.0  # how long the transaction took, to size the next chunk
    job: jobs_table.JobRecord | None = None  # the row as this chunk left it


def _chunk(backend, job_id: int, owner: str, cursor: int,
           work: Callable[[ChunkOutcome], None]) -> ChunkOutcome:
    """The transaction around one chunk; ``work`` fills processed, changed, cursor, marks and
    whether that was the last chunk."""
    db = database_proxy.obj
    started = time.perf_counter()
    outcome = ChunkOutcome(cursor=cursor)
    with backend.write_transaction(db):
        stored = jobs_table.held_cursor(backend, job_id, owner)
        if stored is jobs_table.NOT_OURS:
            outcome.lost = True
            return outcome
        if stored != cursor:
            # An earlier try of this chunk committed but its reply never came (the connection
            # to the server was lost at COMMIT): it is done; go on from where it left the job.
            outcome.cursor = stored
            outcome.job = jobs_table.load_job(job_id)
            return outcome
        work(outcome)
        if outcome.marked_by_feed and not outcome.category_of_feed:
            outcome.category_of_feed = feed_categories(outcome.marked_by_feed)
        outcome.job = jobs_table.record_chunk(job_id, owner, outcome.processed, outcome.changed,
                                              outcome.cursor, completed=outcome.completed)
        backend.announce_chunk(db, job_id, owner)  # to other programs' listeners, at commit
    outcome.seconds = time.perf_counter() - started
    outcome.other_writers = backend.changes_seen(db)
    return outcome


class NarrowingNeedsUniqueIndex(RuntimeError):
    """A job narrowed to a selection or a search on a read_status table without its unique
    index (the one-statement upsert it needs): the job fails saying so."""


def narrowed_low(scope: Scope, cursor: int) -> int:
    """Where a chunk starting at ``cursor`` begins looking: past the ids below the job's
    first article (from_article, the first selected range) in one step."""
    firsts = [first for first in (scope.from_id, ranges_start(scope.id_ranges))
              if first is not None]
    return max([cursor] + [first - 1 for first in firsts])


def scope_in_span(scope: Scope, low: int, high: int) -> Scope | None:
    """The scope as it bears on ids in (low, high]: its selected ranges cut to the span (None
    when none reaches into it), a from_id already passed dropped. SQLite bounds a rowid scan
    by one pair of limits only: left whole, a range of 100,000 selected ids was scanned by
    every chunk of 50 (2 ms an article where 0.02 ms is the rule), and the ids picked one by
    one were all bound in every statement."""
    if scope.id_ranges:
        cut = tuple((max(first, low + 1), min(last, high)) for first, last in scope.id_ranges
                    if first <= high and last > low)
        if not cut:
            return None
        scope = replace(scope, id_ranges=cut)
    if scope.from_id is not None and scope.from_id <= low + 1:
        scope = replace(scope, from_id=None)
    return scope


def mark_chunk_read(job_id: int, owner: str, user_id: int, scope: Scope, cursor: int,
                    watermark: int, span: int, *, upsert: bool,
                    record: bool = True, backend) -> ChunkOutcome:
    """Mark the scope's articles with ids in (cursor, cursor + span], up to the watermark, read
    for ``user_id``; with ``record``, keep what an undo needs (undo_record). If the record
    cannot be kept exactly, nothing is written and ``record_lost`` says so."""

    def work(outcome: ChunkOutcome) -> None:
        low = narrowed_low(scope, cursor)  # no id below it is the job's: skip to it at once
        high = max(cursor, min(low + span, watermark))
        outcome.completed = high >= watermark
        if high <= cursor:
            return
        # (our connections do not enforce foreign keys: the user must still be there)
        job_requests.check_user_exists(user_id)
        in_span = scope_in_span(scope, low, high)
        if in_span is not None and low < high:
            in_span = walked_cheaply(in_span, low, high)
        counts = span_counts(in_span, low, high) if low < high and in_span else {}
        now = utc_now_text()
        recorder = backend.chunk_recorder(database_proxy.obj) if record else None
        if recorder:
            recorder.begin(job_id, cursor)
        rows = 0
        if scope.narrowed and not upsert:
            raise NarrowingNeedsUniqueIndex(
                "marking selected articles or search results read needs read_status's unique "
                "(user_id, article_id) index, which this database lacks")
        if upsert and counts and (len(counts) > MANY_FEEDS or scope.narrowed):
            # one statement rather than one per feed (a selection or a search is a condition
            # a feed's id range cannot say)
            outcome.marked_by_feed, rows = mark_span_read(user_id, in_span, low, high, now,
                                                          recorder=recorder)
            counts_by_feed = {}
        else:
            counts_by_feed = counts
        for feed_id in counts_by_feed:
            changed, changed_rows = mark_feed_range_read(user_id, feed_id, low, high,
                                                         scope.cutoff, now, upsert=upsert,
                                                         recorder=recorder,
                                                         cutoff_by=scope.by)
            rows += changed_rows
            if changed:
                outcome.marked_by_feed[feed_id] = changed
        if scope.kind == "category":  # what the statements saw: no need to ask
            outcome.category_of_feed = dict.fromkeys(outcome.marked_by_feed, scope.target_id)
        outcome.processed = sum(counts.values())
        outcome.changed = sum(outcome.marked_by_feed.values())
        outcome.cursor = high
        if recorder:
            recorder.end(job_id, cursor, high, rows)

    try:
        return _chunk(backend, job_id, owner, cursor, work)
    except undo_record.RecordLost:  # the transaction rolled back: nothing of it was written
        return ChunkOutcome(cursor=cursor, record_lost=True)


def undo_chunk(job_id: int, owner: str, original: jobs_table.JobRecord, cursor: int,
               size: int, *, backend) -> ChunkOutcome:
    """Revert the next ``size`` recorded changes of ``original`` after ``cursor`` (its
    chunks', whole, for a job recorded by chunk)."""
    by_chunk = original.recorded == jobs_table.RECORD_FORMAT

    def work(outcome: ChunkOutcome) -> None:
        inserted = ()
        if by_chunk:
            count, high, inserted, left = undo.next_spans(backend, original.id, cursor, size)
            outcome.completed = not left
        else:
            count, high = undo.next_changes(original.id, cursor, min(size, undo.MAX_UNDO_CHUNK))
            outcome.completed = count < min(size, undo.MAX_UNDO_CHUNK)
        if not count:
            outcome.cursor = high
            return
        reverted = undo.revert_changes(backend, original, cursor, high, utc_now_text(),
                                       inserted)
        outcome.marked_by_feed = {feed: -n for feed, n in reverted.items()}
        outcome.processed, outcome.changed, outcome.cursor = count, sum(reverted.values()), high

    return _chunk(backend, job_id, owner, cursor, work)
