"""The category -> feed tree with unread counts, and which scope each row stands for (a
Scope, with its title as its name)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel

from ...jobs.api import Overview, Scope
from ..formatting import isolated, number
from ..resources import icon

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 1
ICONS = {"all": "all", "category": "folder-feed", "uncategorized": "folder-feed",
         "feed": "feed"}
_GROUP_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_ACCESSIBLE_TEXT = Qt.ItemDataRole.AccessibleTextRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_COUNT_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_COUNT_ROLES = [_DISPLAY, _ACCESSIBLE_TEXT]
# the roles data() answers; the view asks each painted cell for ~7 (font, colours, check
# state, size hint…), and these answer without finding the cell's scope first
_ANSWERED_ROLES = frozenset(map(int, (SCOPE_ROLE, _DISPLAY, _DECORATION, _ACCESSIBLE_TEXT,
                                      _ALIGNMENT)))
_NOT_SHOWN = object()  # a feed id the counts hold but the tree does not show


def scope_label(scope: Scope) -> str:
    """How a message names a scope: "Category: Tech", "Feed: …", "All articles"."""
    translate = QCoreApplication.translate
    if scope.kind == "category":
        return translate("ScopeTreeModel", "Category: {name}").format(name=isolated(scope.name))
    if scope.kind == "feed":
        return translate("ScopeTreeModel", "Feed: {name}").format(name=isolated(scope.name))
    if scope.kind == "all":
        return translate("ScopeTreeModel", "All articles")
    return translate("ScopeTreeModel", "Uncategorized")


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

    Thousands of feeds (issue 26): the scopes are plain Python lists (*All articles*, then
    the groups, each with its feeds); the rows the view walks are Qt's (see "the Qt model"),
    and a cell's text is read from the scopes and counts when it is painted. A reload or a
    live change moves only the counts that changed: the category totals by their difference,
    ``countsMoved`` with the scopes whose count moved (the feed pane shows or hides those
    rows), then one ``dataChanged`` per group over its changed rows' counts. Only a tree whose
    categories or feeds changed is rebuilt (one model reset).
    """

    countsMoved = Signal(object)  # [(kind, id)] whose count changed (object: no conversion)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._overview: Overview | None = None
        self._groups: list[Scope] = []  # top-level rows: All articles, then the groups
        self._children: list[list[Scope]] = []  # each top-level row's feeds
        self._group_prototype = QStandardItem()  # a top-level cell
        self._group_prototype.setFlags(_GROUP_FLAGS)
        self.setColumnCount(2)
        self._places: dict[tuple[str, int | None], tuple[int, int]] = {}  # (group row, row)
        self._feed_category: dict[int, int | None] = {}  # the feeds shown: their category
        self._group_unread: dict[int | None, int] = {}  # category id (None: uncategorized)
        self._total = 0
        self._names: tuple[dict[int, str], dict[int, str]] = ({}, {})
        self._seq = 0
        self._live: list[LiveChange] = []
        self._included: dict[int, int] = {}  # job id -> progress the counts shown include
        self._writes_included = 0  # article writes up to this number are in the counts shown
        self._reloads = self._applied_reload = 0
        self._counts_known = False

    @property
    def overview(self) -> Overview | None:
        return self._overview

    @property
    def counts_known(self) -> bool:
        """False while the tree shows an outline whose counts are still being read."""
        return self._counts_known

    # -- the Qt model ---------------------------------------------------------------------
    # The rows' structure is Qt's own (QStandardItemModel), so that laying the tree out,
    # which the view does over every row, never calls into Python: with 2,000 feeds a Python
    # index() and flags() per row made each layout ~10 ms (issue 26); Qt's own takes ~3 ms.
    # A top-level cell is a bare item holding only its flags; a feed's cells have no item
    # (a group's rows are made by one setRowCount: an item per cell cost ~10 ms to make for
    # 2,000 feeds), so Qt gives them its default flags, editable and draggable among them:
    # the feed pane's view edits nothing and drags nothing. What a cell shows still comes
    # from data() below, asked for the cells painted only.
    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("Feeds"), self.tr("Unread"))[section]
        return None

    def scope_at(self, index) -> Scope | None:
        if not index.isValid():
            return None
        parent = index.parent()
        if parent.isValid():
            return self._children[parent.row()][index.row()]
        return self._groups[index.row()]

    def data(self, index, role=_DISPLAY):
        # (roles compared with module constants: an enum member looked up on Qt's classes costs
        # Python calls of its own, and a repaint asks ~500 times)
        if role not in _ANSWERED_ROLES:
            return None
        scope = self.scope_at(index)
        if scope is None:
            return None
        if role == SCOPE_ROLE:
            return scope
        if index.column() == 0:
            if role == _DISPLAY:
                return scope.name
            if role == _DECORATION:
                return icon(ICONS[scope.kind])
            if role == _ACCESSIBLE_TEXT:
                return scope_label(scope)
            return None
        if role == _DISPLAY:
            value = self.unread(scope)
            return number(value) if value else ""
        if role == _ACCESSIBLE_TEXT:
            return (self.tr("%Ln unread", "", self.unread(scope)) if self._counts_known
                    else self.tr("counting…"))
        if role == _ALIGNMENT:
            return _COUNT_ALIGNMENT
        return None

    # -- snapshots and live changes ---------------------------------------------------------
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
        """Show ``overview``: rebuilt if its categories or feeds differ from the tree's, else
        only its counts moved in place (see the class docstring for the others)."""
        counts = self._rebase(overview.unread_by_feed, progress_by_job, requested, writes_seen)
        shown = self._overview
        if (shown is not None and shown.categories == overview.categories
                and shown.feeds == overview.feeds):
            known, self._counts_known = self._counts_known, True
            self._set_counts(counts)
            if not known:
                self.countsMoved.emit([])  # (the feed pane's first look at the counts)
            return
        overview.unread_by_feed = counts
        self._rebuild(overview, counts_known=True)

    def show_outline(self, overview: Overview) -> None:
        """Show the tree of ``overview`` (no counts: they come with set_overview) when the
        model shows nothing yet. Live changes meanwhile are kept for the counts to come."""
        if self._overview is None:
            overview.unread_by_feed = {}
            self._rebuild(overview, counts_known=False)

    def _rebuild(self, overview: Overview, *, counts_known: bool) -> None:
        self.beginResetModel()
        # (the rows' own removal and insertion unsaid: the reset says it all, once)
        blocked = self.blockSignals(True)
        try:
            self._overview = overview
            self._counts_known = counts_known
            self._build(overview)
            self._build_items()
        finally:
            self.blockSignals(blocked)
        self.endResetModel()
        self.countsMoved.emit([])

    def _build_items(self) -> None:
        """A bare item per top-level cell (flags only, by cloning); a group's feed rows made in
        one call each, with no item at all (see "the Qt model")."""
        root = self.invisibleRootItem()
        root.removeRows(0, root.rowCount())
        group_item = self._group_prototype
        for feeds in self._children:
            name = group_item.clone()
            if feeds:
                name.setColumnCount(2)
                name.setRowCount(len(feeds))
            root.appendRow([name, group_item.clone()])

    def _build(self, overview: Overview) -> None:
        self._groups = [Scope("all", None, name=self.tr("All articles"))]
        self._children = [[]]
        by_group: dict[int | None, list[Scope]] = {}
        for feed in overview.feeds:
            by_group.setdefault(feed.category_id, []).append(
                Scope("feed", feed.id, name=feed.title))
        groups = [(Scope("category", cid, name=name), cid)
                  for cid, name in overview.categories.items()]
        if None in by_group:
            groups.append((Scope("uncategorized", None, name=self.tr("Uncategorized")), None))
        for scope, category_id in groups:
            self._groups.append(scope)
            self._children.append(by_group.get(category_id, []))
        self._places = {(scope.kind, scope.target_id): (-1, row)
                        for row, scope in enumerate(self._groups)}
        self._feed_category = {}
        for group_row, feeds in enumerate(self._children):
            category_id = self._groups[group_row].target_id
            for row, scope in enumerate(feeds):
                self._places[("feed", scope.target_id)] = (group_row, row)
                self._feed_category[scope.target_id] = category_id
        self._group_unread = dict.fromkeys(by_group, 0)
        for feed_id, value in overview.unread_by_feed.items():
            category_id = self._feed_category.get(feed_id, _NOT_SHOWN)
            if category_id is not _NOT_SHOWN:
                self._group_unread[category_id] += value
        self._total = sum(overview.unread_by_feed.values())
        self._names = (dict(overview.categories), {f.id: f.title for f in overview.feeds})

    def update_counts(self, unread_by_feed: dict[int, int],
                      progress_by_job: dict[int, int] | None = None,
                      requested: ReloadTicket | None = None,
                      writes_seen: int | None = None) -> None:
        if self._overview is None:
            return
        self._set_counts(self._rebase(unread_by_feed, progress_by_job, requested, writes_seen))

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
        counts = self._overview.unread_by_feed
        before = {feed_id: counts.get(feed_id, 0) for feed_id in marked_by_feed}
        _subtract(counts, marked_by_feed)
        self._counts_moved(before)

    def _set_counts(self, counts: dict[int, int]) -> None:
        """Show ``counts`` (every feed's), moving only what differs from the counts shown."""
        shown = self._overview.unread_by_feed
        before = {feed_id: value for feed_id, value in shown.items()
                  if counts.get(feed_id, 0) != value}
        before.update((feed_id, 0) for feed_id, value in counts.items()
                      if value and feed_id not in shown)
        self._overview.unread_by_feed = counts
        self._counts_moved(before)

    def _counts_moved(self, before: dict[int, int]) -> None:
        """The feeds in ``before`` (their previous counts) moved: totals by the difference,
        then countsMoved, then one dataChanged per group (_changed_rows)."""
        counts = self._overview.unread_by_feed
        moved: list[tuple[str, int | None]] = []
        # (locals: an attribute of a QObject costs a lookup through Qt's properties each time)
        total, group_unread, feed_category = self._total, self._group_unread, self._feed_category
        for feed_id, value in before.items():
            delta = counts.get(feed_id, 0) - value
            if not delta:
                continue
            total += delta
            category_id = feed_category.get(feed_id, _NOT_SHOWN)
            if category_id is not _NOT_SHOWN:
                group_unread[category_id] += delta
                moved.append(("feed", feed_id))
        if total == self._total and not moved:
            return
        self._total = total
        places = self._places
        groups = {places[key][0] for key in moved}
        moved += [(self._groups[row].kind, self._groups[row].target_id) for row in sorted(groups)]
        moved.append(("all", None))
        # countsMoved first: when the feed pane hides or shows rows for it, the view will lay
        # the tree out anyway and then skips the cells' dataChanged, which it would otherwise
        # walk row by row (asking the model for each row of the range)
        self.countsMoved.emit(moved)
        self._changed_rows(moved)

    def _changed_rows(self, keys) -> None:
        """One dataChanged per group, from its first changed row to its last (the rows between
        are repainted too, which costs less than a signal per run of rows). Only the count
        column: the view then walks the range in C++ without asking the model, where a
        layoutChanged (tried for a category's job) lays the whole tree out again, asking the
        Python model about every row (2,000 feeds: ~8 ms against ~0.3 ms, issue 26)."""
        rows_by_group: dict[int, list[int]] = {}
        places = self._places
        for key in keys:
            group_row, row = places[key]
            rows_by_group.setdefault(group_row, []).append(row)
        top = QModelIndex()
        for group_row, rows in rows_by_group.items():
            parent = self.index(group_row, 0) if group_row >= 0 else top
            self.dataChanged.emit(self.index(min(rows), 1, parent),
                                  self.index(max(rows), 1, parent), _COUNT_ROLES)

    def unread(self, scope: Scope) -> int:
        overview = self._overview
        if overview is None:
            return 0
        if scope.kind == "all":
            return self._total
        if scope.kind == "feed":
            return overview.unread_by_feed.get(scope.target_id, 0)
        return self._group_unread.get(scope.target_id, 0)

    # -- finding rows -----------------------------------------------------------------------
    def find(self, kind: str, scope_id: int | None):
        """The index of the name cell of a scope's row, or an invalid index."""
        place = self._places.get((kind, scope_id))
        if place is None:
            return QModelIndex()
        group_row, row = place
        if group_row < 0:
            return self.index(row, 0)
        return self.index(row, 0, self.index(group_row, 0))

    def place(self, kind: str, scope_id: int | None) -> tuple[int, int] | None:
        """(group row, row) of a feed's row; (-1, row) of a top-level row; None: not shown."""
        return self._places.get((kind, scope_id))

    def places(self) -> dict[tuple[str, int | None], tuple[int, int]]:
        """{(kind, id): place (as ``place`` gives it)} of every row (do not change it)."""
        return self._places

    def groups(self) -> list[Scope]:
        """The top-level rows' scopes, top to bottom (do not change the list)."""
        return self._groups

    def feeds_of(self, group_row: int) -> list[Scope]:
        """The feeds under a top-level row, top to bottom (do not change the list)."""
        return self._children[group_row]

    def category_names(self) -> dict[int, str]:
        """{category id: name} of the tree (shared: do not change it)."""
        return self._names[0]

    def feed_names(self) -> dict[int, str]:
        """{feed id: title} of the tree (shared: do not change it)."""
        return self._names[1]


def _subtract(counts: dict[int, int], marked_by_feed: dict[int, int]) -> None:
    for feed_id, marked in marked_by_feed.items():
        counts[feed_id] = max(0, counts.get(feed_id, 0) - marked)
