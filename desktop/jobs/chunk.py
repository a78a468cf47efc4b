"""One chunk of a mark-read job: the hot path, run on the database thread.

Everything a chunk does happens in ONE short IMMEDIATE transaction: check the job is still ours
and running, find the next ``size`` articles of the scope by keyset, mark them read per feed,
and advance progress and cursor. A crash leaves either the whole chunk or none of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..store import jobs_table
from ..store.clock import utc_now_text
from ..store.models import database_proxy
from ..store.scopes import Scope, feed_categories, mark_feed_range_read, next_chunk


@dataclass
class ChunkOutcome:
    processed: int = 0  # scope articles this chunk covered
    marked_by_feed: dict[int, int] = field(default_factory=dict)  # newly read, per feed
    category_of_feed: dict[int, int | None] = field(default_factory=dict)
    cursor: int = 0
    completed: bool = False  # the scope is exhausted and the job is now completed
    lost: bool = False  # the job was cancelled or taken over: nothing was written
    other_writers: int = 0  # PRAGMA data_version after commit, to notice other connections
    seconds: float = 0.0  # how long the transaction took, to size the next chunk
    job: jobs_table.JobRecord | None = None  # the row as this chunk left it

    @property
    def marked(self) -> int:
        return sum(self.marked_by_feed.values())


def mark_chunk_read(job_id: int, owner: str, user_id: int, scope: Scope, cursor: int,
                    watermark: int, size: int, *, upsert: bool) -> ChunkOutcome:
    """Mark the next ``size`` in-scope articles after ``cursor`` read for ``user_id``."""
    db = database_proxy
    started = time.perf_counter()
    outcome = ChunkOutcome(cursor=cursor)
    with db.atomic("IMMEDIATE"):
        if not jobs_table.owns(job_id, owner):
            outcome.lost = True
            return outcome
        chunk = next_chunk(scope, cursor, watermark, size)
        if chunk:
            now = utc_now_text()
            high = max(max_id for _, max_id in chunk.values())
            for feed_id in chunk:
                changed = mark_feed_range_read(user_id, feed_id, cursor, high, scope.cutoff, now,
                                               upsert=upsert)
                if changed:
                    outcome.marked_by_feed[feed_id] = changed
            outcome.processed = sum(count for count, _ in chunk.values())
            outcome.cursor = high
            if outcome.marked_by_feed:
                outcome.category_of_feed = feed_categories(outcome.marked_by_feed)
        outcome.completed = outcome.processed < size
        jobs_table.record_chunk(job_id, owner, outcome.processed, outcome.marked, outcome.cursor,
                                completed=outcome.completed)
        outcome.job = jobs_table.load_job(job_id)
    outcome.seconds = time.perf_counter() - started
    outcome.other_writers = db.execute_sql("PRAGMA data_version").fetchone()[0]
    return outcome
