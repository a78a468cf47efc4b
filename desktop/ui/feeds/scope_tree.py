"""The category -> feed tree with unread counts, and which scope each row stands for."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from ...jobs.api import MARK_READ_BY_SCOPE, Overview
from ..formatting import isolated
from ..resources import icon

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class TreeScope:
    """What a row of the tree stands for. kind: all, category, uncategorized or feed."""

    kind: str
    id: int | None
    name: str

    @property
    def job_request(self) -> tuple[str, dict] | None:
        """(job_type, parameters) that marks this scope read, or None if it is no job scope."""
        job_type = MARK_READ_BY_SCOPE.get(self.kind)  # "uncategorized" is no job's scope
        return job_type.request(self.id) if job_type else None

    @property
    def label(self) -> str:
        return {"all": "All articles", "category": f"Category: {isolated(self.name)}",
                "feed": f"Feed: {isolated(self.name)}", "uncategorized": "Uncategorized"
                }[self.kind]


@dataclass(frozen=True)
class ReloadTicket:
    """When a reload of the counts was asked for: the live changes applied by then, and its
    place among reloads (an older snapshot arriving after a newer one is ignored)."""

    seq: int
    number: int


@dataclass(frozen=True)
class LiveChange:
    """One job chunk's change to the counts, or one article write's, as applied live from the
    engine's event."""

    seq: int  # order in which this model applied it
    job_id: int | None  # None: a single-article write
    progress: int  # the job's progress once that chunk committed; a write: its number
    marked_by_feed: dict[int, int]

    def seen_by(self, progress_by_job: dict[int, int], writes_seen: int) -> bool:
        """Whether a snapshot with that job progress and article writes includes it."""
        if self.job_id is None:
            return self.progress <= writes_seen
        return self.progress <= progress_by_job.get(self.job_id, 0)


class ScopeTreeModel(QStandardItemModel):
    """Two columns: name and unread count. Counts fall live through ``apply_marked``.

    A reload of the counts is read while jobs go on, so it may or may not include a chunk whose
    event arrives meanwhile. Each reload says when it was requested (``reload_started``) and
    carries the progress of the user's jobs read in the same transaction as the counts: a live
    change applied before the request is in the snapshot; one applied after is in it exactly
    when its job's progress in the snapshot has reached it. The others are applied again on top
    of the snapshot, so a reload never overwrites a newer live change, nor counts one twice.
    Single-article writes (mark one read, unread) work the same way with their number in commit
    order (store.article_state.WriteSequence) in place of a job's progress.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Feeds", "Unread"])
        self._overview: Overview | None = None
        self._count_items: dict[tuple[str, int | None], QStandardItem] = {}
        self._seq = 0
        self._live: list[LiveChange] = []
        self._included: dict[int, int] = {}  # job id -> progress the counts shown include
        self._writes_included = 0  # article writes up to this number are in the counts shown
        self._reloads = self._applied_reload = 0

    @property
    def overview(self) -> Overview | None:
        return self._overview

    def _row(self, scope: TreeScope, icon_name: str) -> list[QStandardItem]:
        name = QStandardItem(icon(icon_name), scope.name)
        name.setData(scope, SCOPE_ROLE)
        name.setEditable(False)
        name.setAccessibleText(scope.label)
        count = QStandardItem()
        count.setData(scope, SCOPE_ROLE)
        count.setEditable(False)
        count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._count_items[(scope.kind, scope.id)] = count
        return [name, count]

    def reload_started(self) -> ReloadTicket:
        """Call before requesting a snapshot; pass the result to set_overview/update_counts."""
        self._reloads += 1
        return ReloadTicket(self._seq, self._reloads)

    def _rebase(self, unread_by_feed: dict[int, int], progress_by_job: dict[int, int] | None,
                requested: ReloadTicket | None, writes_seen: int | None) -> dict[int, int]:
        """The snapshot's counts with the live changes it does not include applied again."""
        if requested is not None and self._overview is not None:
            if requested.number < self._applied_reload:  # a newer snapshot is shown already
                return dict(self._overview.unread_by_feed)
            self._applied_reload = requested.number
        counts = dict(unread_by_feed)
        self._included = dict(progress_by_job or {})
        self._writes_included = writes_seen or 0
        if requested is None:  # a snapshot that knows nothing of jobs: start afresh
            self._live.clear()
            return counts
        pending = []
        for change in self._live:
            if change.seq <= requested.seq:
                continue  # committed before the snapshot was asked for
            if change.seen_by(self._included, self._writes_included):
                continue  # the snapshot saw that chunk (or write)
            pending.append(change)
            _subtract(counts, change.marked_by_feed)
        self._live = pending
        return counts

    def set_overview(self, overview: Overview, progress_by_job: dict[int, int] | None = None,
                     requested: ReloadTicket | None = None,
                     writes_seen: int | None = None) -> None:
        """Rebuild the tree for ``overview`` (see the class docstring for the others)."""
        overview.unread_by_feed = self._rebase(overview.unread_by_feed, progress_by_job,
                                               requested, writes_seen)
        self.removeRows(0, self.rowCount())
        self._count_items.clear()
        self._overview = overview
        root = self.invisibleRootItem()
        root.appendRow(self._row(TreeScope("all", None, "All articles"), "all"))
        groups = [(TreeScope("category", cid, name), cid)
                  for cid, name in overview.categories.items()]
        if any(f.category_id is None for f in overview.feeds):
            groups.append((TreeScope("uncategorized", None, "Uncategorized"), None))
        for group_scope, category_id in groups:
            row = self._row(group_scope, "folder-feed")
            for feed in overview.feeds:
                if feed.category_id == category_id:
                    row[0].appendRow(self._row(TreeScope("feed", feed.id, feed.title), "feed"))
            root.appendRow(row)
        self._refresh_counts()

    def update_counts(self, unread_by_feed: dict[int, int],
                      progress_by_job: dict[int, int] | None = None,
                      requested: ReloadTicket | None = None,
                      writes_seen: int | None = None) -> None:
        if self._overview is None:
            return
        self._overview.unread_by_feed = self._rebase(unread_by_feed, progress_by_job, requested,
                                                     writes_seen)
        self._refresh_counts()

    def apply_marked(self, job_id: int, progress: int, marked_by_feed: dict[int, int]) -> None:
        """Lower the counts by what a job chunk just marked read (raise them for an undo's)."""
        if self._overview is None or not marked_by_feed:
            return
        if progress <= self._included.get(job_id, 0):
            return  # a snapshot read after that chunk committed was shown before its event
        self._apply_live(job_id, progress, marked_by_feed)

    def apply_article_change(self, number: int, feed_id: int, unread_delta: int) -> None:
        """Move a feed's count by one article written alone (``number``: its place in commit
        order; ``unread_delta`` -1 read now, +1 unread again)."""
        if self._overview is None or not unread_delta or number <= self._writes_included:
            return  # nothing moved, or a snapshot read after that write was shown already
        self._apply_live(None, number, {feed_id: -unread_delta})

    def _apply_live(self, job_id: int | None, progress: int,
                    marked_by_feed: dict[int, int]) -> None:
        self._seq += 1
        self._live.append(LiveChange(self._seq, job_id, progress, dict(marked_by_feed)))
        _subtract(self._overview.unread_by_feed, marked_by_feed)
        self._refresh_counts()

    def unread(self, scope: TreeScope) -> int:
        overview = self._overview
        if overview is None:
            return 0
        if scope.kind == "all":
            return overview.unread_total
        if scope.kind == "feed":
            return overview.unread_by_feed.get(scope.id, 0)
        return overview.unread_in_category(scope.id)

    def _refresh_counts(self) -> None:
        for (kind, scope_id), item in self._count_items.items():
            value = self.unread(TreeScope(kind, scope_id, ""))
            text = f"{value:,}" if value else ""
            if item.text() != text:
                item.setText(text)
                item.setAccessibleText(f"{value} unread")

    def find(self, kind: str, scope_id: int | None):
        """The index of the name cell of a scope's row, or an invalid index."""
        item = self._count_items.get((kind, scope_id))
        if item is None:
            return self.index(-1, -1)
        return item.index().siblingAtColumn(0)

    def category_names(self) -> dict[int, str]:
        return dict(self._overview.categories) if self._overview else {}

    def feed_names(self) -> dict[int, str]:
        return {f.id: f.title for f in self._overview.feeds} if self._overview else {}


def _subtract(counts: dict[int, int], marked_by_feed: dict[int, int]) -> None:
    for feed_id, marked in marked_by_feed.items():
        counts[feed_id] = max(0, counts.get(feed_id, 0) - marked)
