"""The article list's Qt model: a window onto a list that may hold a million articles.

The list itself lives in the read connection's TEMP table (store/article_list.py); this model
knows how many rows it has so far and keeps at most KEPT_PAGES pages of them, those the view
shows and a few more. The view reports which rows it shows (``set_window``); the pages missing
there are asked for with ``pagesNeeded``, read on the engine's read thread by the loader
(loader.py) and handed back with ``page_arrived``. Nothing here touches the database.

Live changes (a job's chunk went through an id span, one article was written, an undo's chunk
or another program changed rows only the database knows) apply to the rows in memory at once.
A page read before a change but arriving after it would show the row as it was: so every change
is numbered, a page remembers the number when it was asked for, and the changes made since are
applied again to it when it arrives (a change the database already shows changes nothing), or,
for those only the database knows, the page is read again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ...jobs.api import ArticleRow, ListSpec, Scope, clock
from ..formatting import full_local_time, isolated, local_time, yesterday

COLUMNS = ("★", "Title", "Feed", "Published", "Received")
STAR, TITLE, FEED, PUBLISHED, RECEIVED = range(len(COLUMNS))
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_ROWS = 100
KEPT_PAGES = 40  # 4,000 rows at most in memory: the rest is read again when shown
MARGIN_PAGES = 1  # read ahead a page on either side of what the view shows
EVERY_ID = (-1, 2**63 - 1)
SHOWN_TIMES_KEPT = 2_000  # formatted dates remembered: a screenful's many times over, ~0.5 MB
# the roles data() answers: the view asks each painted cell for ~7 (decoration, colours, check
# state…), ~665 calls a paint; these others answer at once, before the row is looked up
_ANSWERED_ROLES = frozenset(map(int, (
    ROW_ROLE, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.TextAlignmentRole)))
_shown_times: dict[tuple, str] = {}  # (stored text, with the whole date?, local day) -> shown
translate = QCoreApplication.translate  # (the name lupdate finds)


def header_tip(column: int) -> str | None:
    return {
        STAR: translate("ArticleListModel", "Starred (S, or click the star)"),
        PUBLISHED: translate("ArticleListModel", "When the feed says the article was published"),
        RECEIVED: translate("ArticleListModel", "When the reader received the article: the "
                            "list's order (click to reverse), and the order 'Mark this and "
                            "everything older' follows"),
    }.get(column)


def column_title(column: int) -> str:
    """A column's header in the window's language (COLUMNS are the code's names)."""
    return ("★", translate("ArticleListModel", "Title"), translate("ArticleListModel", "Feed"),
            translate("ArticleListModel", "Published"),
            translate("ArticleListModel", "Received"))[column]


@dataclass(frozen=True)
class JobPassed:
    """A mark-read chunk left every article of ``scope`` with an id in (low, high] read."""

    seq: int
    low: int
    high: int
    scope: Scope

    def apply(self, row: ArticleRow) -> ArticleRow:
        if (self.low < row.id <= self.high and not row.is_read
                and self.scope.holds(row.id, row.feed_id, row.category_id, row.received,
                                     row.published)):
            return replace(row, is_read=True)
        return row


@dataclass(frozen=True)
class ArticleWritten:
    """One article's state after a write of this engine."""

    seq: int
    article_id: int
    is_read: bool
    is_starred: bool

    def apply(self, row: ArticleRow) -> ArticleRow:
        if row.id == self.article_id:
            return replace(row, is_read=self.is_read, is_starred=self.is_starred)
        return row


@dataclass(frozen=True)
class MayHaveChanged:
    """Rows with ids in (low, high] may have changed in a way only the database knows (an undo's
    chunk, another program's commit): the pages holding them are read again."""

    seq: int
    low: int
    high: int

    def touches(self, rows: list[ArticleRow]) -> bool:
        return any(self.low < row.id <= self.high for row in rows if not row.gone)


class ArticleListModel(QAbstractTableModel):
    pagesNeeded = Signal()
    stateChanged = Signal()  # rows were added, or the list was reset or completed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.spec: ListSpec | None = None
        self.generation = 0
        self.complete = False
        self._count = 0
        self._pages: OrderedDict[int, list[ArticleRow]] = OrderedDict()
        self._in_flight: dict[int, int] = {}  # page -> change number when it was asked for
        self._stale: set[int] = set()  # pages in memory to read again
        self._window = (0, -1)
        self._seq = 0
        self._changes: list[JobPassed | ArticleWritten | MayHaveChanged] = []
        self._bold = QFont(QApplication.font())
        self._bold.setBold(True)

    # -- the list -----------------------------------------------------------------------------
    def reset(self, spec: ListSpec | None, generation: int) -> None:
        """Start over for another list (None: none); results of older generations are dropped."""
        self.beginResetModel()
        self.spec, self.generation = spec, generation
        self.complete = spec is None
        self._count = 0
        self._pages.clear()
        self._in_flight.clear()
        self._stale.clear()
        self._changes.clear()
        self.endResetModel()
        self.stateChanged.emit()

    def grow(self, generation: int, count: int, complete: bool) -> None:
        """The list has ``count`` rows now (``complete``: all of them)."""
        if generation != self.generation:
            return
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        self.complete = complete
        self.stateChanged.emit()
        self._ask_for_missing()

    # -- pages ----------------------------------------------------------------------------
    def set_window(self, first: int, last: int) -> None:
        """The view shows rows first..last: their pages (and a margin) are wanted."""
        self._window = (first, last)
        self._ask_for_missing()

    def _wanted_pages(self) -> list[int]:
        first, last = self._window
        if self._count == 0 or last < first:
            return []
        low = max(0, first // PAGE_ROWS - MARGIN_PAGES)
        high = min((self._count - 1) // PAGE_ROWS, last // PAGE_ROWS + MARGIN_PAGES)
        middle = (first + last) // 2 // PAGE_ROWS
        return sorted(range(low, high + 1), key=lambda page: abs(page - middle))

    def needed_pages(self) -> list[int]:
        """Pages to read, nearest to the middle of the view first: missing, short of rows the
        list has gained since, or stale."""
        return [page for page in self._wanted_pages()
                if (page in self._stale or len(self._pages.get(page, ()))
                    < min(PAGE_ROWS, self._count - page * PAGE_ROWS))
                and page not in self._in_flight]

    def in_flight(self, page: int) -> bool:
        return page in self._in_flight

    def _ask_for_missing(self) -> None:
        if self.needed_pages():
            self.pagesNeeded.emit()

    def page_requested(self, page: int) -> None:
        self._in_flight[page] = self._seq
        self._stale.discard(page)

    def page_arrived(self, generation: int, page: int, rows: list[ArticleRow] | None) -> None:
        """A page read on the read thread (None: its list is gone)."""
        if generation != self.generation:
            return
        asked_at = self._in_flight.pop(page, self._seq)
        if rows is None:
            return
        for change in self._changes:
            if change.seq <= asked_at:
                continue
            if isinstance(change, MayHaveChanged):
                if change.touches(rows):
                    self._stale.add(page)
            else:
                rows = [change.apply(row) for row in rows]
        self._pages[page] = rows
        self._pages.move_to_end(page)
        self._forget_changes()
        self._evict()
        first = page * PAGE_ROWS
        if rows:
            self.dataChanged.emit(self.index(first, 0),
                                  self.index(first + len(rows) - 1, len(COLUMNS) - 1))
        self._ask_for_missing()

    def _forget_changes(self) -> None:
        """Keep only the changes a page still in flight was asked for before."""
        oldest = min(self._in_flight.values(), default=self._seq)
        self._changes = [change for change in self._changes if change.seq > oldest]

    def _evict(self) -> None:
        wanted = set(self._wanted_pages())
        for page in list(self._pages):
            if len(self._pages) <= KEPT_PAGES:
                break
            if page not in wanted:
                del self._pages[page]
                self._stale.discard(page)

    def row_at(self, row: int) -> ArticleRow | None:
        rows = self._pages.get(row // PAGE_ROWS)
        offset = row % PAGE_ROWS
        return rows[offset] if rows is not None and offset < len(rows) else None

    def row_of(self, article_id: int) -> int:
        """The row of an article among the rows in memory, or -1."""
        for rows in self._pages.values():
            for row in rows:
                if row.id == article_id:
                    return row.position
        return -1

    def cached_rows(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    # -- live changes -----------------------------------------------------------------------
    def apply_job_span(self, low: int, high: int, scope: Scope) -> None:
        """A mark-read chunk went through (low, high] of ``scope``: those rows are read now."""
        self._seq += 1
        self._record(JobPassed(self._seq, low, high, scope))

    def apply_article(self, article_id: int, is_read: bool, is_starred: bool) -> None:
        self._seq += 1
        self._record(ArticleWritten(self._seq, article_id, is_read, is_starred))

    def may_have_changed(self, low: int = EVERY_ID[0], high: int = EVERY_ID[1]) -> None:
        """Read again the pages in memory with rows in (low, high] (default: all of them);
        those out of view are forgotten instead, to be read when shown."""
        self._seq += 1
        change = MayHaveChanged(self._seq, low, high)
        if self._in_flight:
            self._changes.append(change)
        wanted = set(self._wanted_pages())
        for page, rows in list(self._pages.items()):
            if change.touches(rows):
                if page in wanted:
                    self._stale.add(page)
                else:
                    del self._pages[page]
        self._ask_for_missing()

    def _record(self, change: JobPassed | ArticleWritten) -> None:
        if self._in_flight:  # to apply again to those pages when they arrive
            self._changes.append(change)
        for page, rows in self._pages.items():
            changed = [change.apply(row) for row in rows]
            moved = [row.position for row, new in zip(rows, changed, strict=True) if row != new]
            if moved:
                self._pages[page] = changed
                self.dataChanged.emit(self.index(min(moved), 0),
                                      self.index(max(moved), len(COLUMNS) - 1))

    # -- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column_title(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            return header_tip(section)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        row = self.row_at(index.row())
        column = index.column()
        if role == ROW_ROLE:
            return row
        if row is None:  # not read yet: on its way
            return "…" if role == Qt.ItemDataRole.DisplayRole and column == TITLE else None
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, column)
        if role == Qt.ItemDataRole.FontRole and not row.is_read and not row.gone:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == TITLE:
            title = isolated(row.title)
            if row.is_starred:
                return (self.tr("{title}, unread, starred") if not row.is_read
                        else self.tr("{title}, read, starred")).format(title=title)
            return (self.tr("{title}, unread") if not row.is_read
                    else self.tr("{title}, read")).format(title=title)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == STAR:
            # (a blank star said nothing: arrowing onto it, a screen reader fell silent)
            return self.tr("Starred") if row.is_starred else self.tr("Not starred")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == STAR:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


def _text(row: ArticleRow, column: int) -> str:
    if row.gone:
        return translate("ArticleListModel", "(deleted)") if column == TITLE else ""
    if column == STAR:
        return "★" if row.is_starred else ""
    if column == TITLE:
        return row.title or translate("ArticleListModel", "(no title)")
    if column == FEED:
        return row.feed_title
    return _when(row.published if column == PUBLISHED else row.received)


def _tooltip(row: ArticleRow, column: int) -> str | None:
    if row.gone:
        return translate("ArticleListModel", "This article was deleted after the list was read")
    if column == STAR:
        return (translate("ArticleListModel", "Starred (S unstars)") if row.is_starred
                else translate("ArticleListModel", "Not starred (S stars)"))
    if column == PUBLISHED:
        return (translate("ArticleListModel", "Published {time}").format(
            time=_when(row.published, whole=True)) if row.published
            else translate("ArticleListModel", "Published: not known"))
    if column == RECEIVED:
        return (translate("ArticleListModel", "Received {time}").format(
            time=_when(row.received, whole=True)) if row.received
            else translate("ArticleListModel", "Received: not known"))
    text = _text(row, column)
    if column == TITLE and row.url:
        text += f"\n{row.url}"
    return text or None


def _when(text: str | None, *, whole: bool = False) -> str:
    """A stored timestamp in local time; one the server wrote in another form, as written.

    Remembered per local day: formatting parses the text and converts zones (about 0.1 ms),
    and every paint of the list asks again for every date it shows, which made dates a third
    of a paint's Python. Today's date is part of the key, since "14:03" becomes "yesterday
    14:03" at midnight."""
    if not text:
        return ""
    now = clock.now()
    # (and the language's word for yesterday: a test may change the language)
    key = (text, whole, now.in_timezone("local").date(), yesterday(""))
    shown = _shown_times.get(key)
    if shown is None:
        try:
            shown = full_local_time(text) if whole else local_time(text, now)
        except ValueError:
            shown = text
        if len(_shown_times) >= SHOWN_TIMES_KEPT:
            _shown_times.clear()
        _shown_times[key] = shown
    return shown
