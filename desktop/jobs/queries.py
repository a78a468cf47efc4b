"""The faces' reads and writes besides jobs: users, the tree's counts, the article list, sample
data, clearing finished jobs. One part of BulkOperationManager (manager.py holds jobs' requests),
which hands it the engine's two threads, its sequence of article writes and its schema preparation.

What a face shows is read on the engine's read connection (``self.reads``), so it never queues
behind a chunk; writes, and the question "did another program commit?", run on the database
thread (``self.db``): its connection is the one whose own commits must not count as others'.
"""

from __future__ import annotations

from ..store import article_list, connection, jobs_table, overview
from ..store.article_list import ArticleRow, ListSpec, ListStart, ListStep
from ..store.demo import build_demo_database
from ..store.scopes import Scope


class FaceQueries:
    def __init__(self, db, reads, article_writes, *, preparation, locks):
        self.db, self.reads, self.article_writes = db, reads, article_writes
        self.preparation, self.locks = preparation, locks

    # -- what the window shows --------------------------------------------------------------
    async def users(self) -> list[tuple[int, str]]:
        """(id, name) of every user of the database."""
        return await self.reads.call(overview.list_users)

    async def counts_snapshot(self, user_id: int, *, whole: bool = False) -> tuple:
        """(the user's unread counts by feed, or the whole Overview with ``whole``; the progress
        of their jobs; the number of the last article write it includes), read in one snapshot (see
        store.overview.counts_snapshot and the window's ScopeTreeModel)."""
        return await self.reads.call(overview.counts_snapshot, self.locks.guard.backend,
                                     user_id, whole=whole, writes=self.article_writes)

    async def tree_outline(self, user_id: int):
        """The user's Overview without its counts (categories and feeds only: a few
        milliseconds where counting takes a good part of a second), shown while they count."""
        return await self.reads.call(overview.load_overview, user_id, with_counts=False)

    async def scope_names(self) -> tuple[dict[int, str], dict[int, str]]:
        """({category id: name}, {feed id: title}): what a job's description names its target
        by (store.job_types.describe_job), without counting anything."""
        return await self.reads.call(overview.scope_names)

    async def unread_in_scope(self, user_id: int, scope: Scope) -> tuple[int, int]:
        """(unread articles in ``scope``, the newest article id counted): what a confirmation
        shows, and the watermark of the job it starts."""
        return await self.reads.call(overview.unread_in_scope, user_id, scope)

    async def changes_seen(self) -> int:
        """A number that moves when another connection commits (the backend's data_version);
        raises what the database raises, so that a face can tell a server out of reach."""
        return await self.db.call(connection.data_version, self.locks.guard.backend)

    # -- the article list (a TEMP table of the read connection) -----------------------------
    async def start_article_list(self, generation: int, spec: ListSpec) -> ListStart:
        """A new list's table (named by ``generation``) and the id range it will walk."""
        return await self.reads.call(article_list.start_list, self.locks.guard.backend,
                                     generation, spec)

    async def extend_article_list(self, start: ListStart, spec: ListSpec, cursor: int,
                                  span: int, rows: int) -> ListStep | None:
        """Walk one more span of ids into the list, with its first ``rows`` rows if asked;
        None when the list's table is gone (with a lost connection)."""
        return await self.reads.call(article_list.extend_list, self.locks.guard.backend, start,
                                     spec, cursor, span, rows)

    async def read_article_page(self, start: ListStart, user_id: int, first: int,
                                count: int) -> list[ArticleRow] | None:
        """``count`` rows of the list from position ``first``; None when its table is gone."""
        return await self.reads.call(article_list.read_page, self.locks.guard.backend,
                                     start.table, user_id, first, count)

    async def has_newer_articles(self, spec: ListSpec, start: ListStart) -> bool:
        """Whether articles of the list's scope arrived after it was started."""
        return await self.reads.call(article_list.has_newer, self.locks.guard.backend, spec,
                                     start.high)

    async def selected_article_ranges(self, start: ListStart, blocks: list[tuple[int, int]],
                                      *, exact_blocks: bool, limit: int) -> list | None:
        """The id ranges of blocks of the list's rows (article_list.selected_ranges)."""
        return await self.reads.call(article_list.selected_ranges, self.locks.guard.backend,
                                     start.table, blocks,
                                     exact_blocks=exact_blocks, limit=limit)

    async def next_unread_in_list(self, start: ListStart, user_id: int,
                                  after: int) -> int | None:
        """The position of the list's first unread row after position ``after``, or None."""
        return await self.reads.call(article_list.next_unread_position, self.locks.guard.backend,
                                     start.table, user_id, after)

    # -- writes -------------------------------------------------------------------------------
    async def create_sample_data(self, articles: int) -> dict[str, int]:
        """Fill an empty database with sample users, feeds and ``articles`` articles (raises
        store.demo.DemoDatabaseExists if it holds any). One transaction, not retried: the
        demo refuses a database that a half-seen first attempt may have filled."""
        return await self.db.call(build_demo_database, self.locks.guard.backend, articles)

    async def count_finished_jobs(self, user_id: int) -> int:
        return await self.reads.call(jobs_table.count_finished_jobs, user_id)

    async def delete_finished_jobs(self, user_id: int) -> int:
        """Delete the user's finished jobs with their undo records; returns how many."""
        await self.preparation.prepare()
        return await self.locks.call(jobs_table.delete_finished_jobs, self.locks.guard.backend,
                                     user_id)
