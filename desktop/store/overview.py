"""What the desktop window shows: users, the category/feed tree, unread counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from peewee import JOIN, fn

from .article_state import WriteSequence
from .connection import read_snapshot
from .job_requests import bounded_watermark
from .models import Article, BulkOperationJob, Category, Feed, ReadStatus, User, database_proxy
from .scopes import Scope, unread_counts


@dataclass(frozen=True)
class FeedInfo:
    id: int
    title: str
    category_id: int | None


@dataclass
class Overview:
    """A user's view of the database: categories, feeds and unread counts per feed."""

    user_id: int
    categories: dict[int, str] = field(default_factory=dict)  # id -> name, by name
    feeds: list[FeedInfo] = field(default_factory=list)
    unread_by_feed: dict[int, int] = field(default_factory=dict)

    def unread_in_category(self, category_id: int | None) -> int:
        return sum(self.unread_by_feed.get(f.id, 0) for f in self.feeds
                   if f.category_id == category_id)

    @property
    def unread_total(self) -> int:
        return sum(self.unread_by_feed.values())


def list_users() -> list[tuple[int, str]]:
    return list(User.select(User.id, User.username).order_by(User.id).tuples())


def scope_names() -> tuple[dict[int, str], dict[int, str]]:
    """({category id: name}, {feed id: title})."""
    return (dict(Category.select(Category.id, Category.name).tuples()),
            dict(Feed.select(Feed.id, Feed.title).tuples()))


def load_overview(user_id: int, *, with_counts: bool = True) -> Overview:
    """The user's tree and unread counts (``with_counts`` False: the tree alone, no counts)."""
    categories = dict(Category.select(Category.id, Category.name)
                      .order_by(fn.LOWER(Category.name), Category.id).tuples())
    feeds = [FeedInfo(*row) for row in
             Feed.select(Feed.id, Feed.title, Feed.category)
             .order_by(fn.LOWER(Feed.title), Feed.id).tuples()]
    return Overview(user_id, categories, feeds, unread_counts(user_id) if with_counts else {})


def _jobs_progress(user_id: int) -> dict[int, int]:
    """{job id: progress} of the user's jobs (none before the job table exists)."""
    if "bulk_operation_jobs" not in database_proxy.get_tables():
        return {}
    return dict(BulkOperationJob.select(BulkOperationJob.id, BulkOperationJob.progress)
                .where(BulkOperationJob.user_id == user_id).tuples())


def counts_snapshot(backend, user_id: int, *, whole: bool = False,
                    writes: WriteSequence | None = None):
    """(unread counts, or the whole Overview with ``whole``; {job id: progress}; the number of
    the last single-article write included) read in ONE snapshot of the database, so the caller
    knows exactly which job chunks and which article writes (numbered by ``writes``) the counts
    include."""
    with read_snapshot(backend):
        writes_seen = writes.snapshot_point() if writes is not None else 0
        counts = load_overview(user_id) if whole else unread_counts(user_id)
        return counts, _jobs_progress(user_id), writes_seen


def unread_in_scope(user_id: int, scope: Scope) -> tuple[int, int]:
    """(unread articles in scope, watermark): what a confirmation shows, and the newest article
    id it counted, which becomes the job's watermark (the scope's ``up_to`` when it has one)."""
    watermark = bounded_watermark(scope)
    count = (Article.select(fn.COUNT(Article.id))
             .join(ReadStatus, JOIN.LEFT_OUTER,
                   on=(ReadStatus.article == Article.id) & (ReadStatus.user == user_id))
             .where(scope.condition() & (Article.id <= watermark)
                    & (fn.COALESCE(ReadStatus.is_read, False) == False))  # noqa: E712
             .scalar())
    return count, watermark

