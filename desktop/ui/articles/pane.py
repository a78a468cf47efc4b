"""The article list's widgets: the header (scope, counts, search, "Show read"), the table, and
what it says when it has nothing to show."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..column_fit import ColumnsGiveWay
from ..formatting import widest_local_times
from ..item_focus import select_row
from ..overlay import FollowSize
from .model import COLUMNS, FEED, PUBLISHED, RECEIVED, STAR, TITLE, ArticleListModel

SEARCH_DELAY_MS = 300  # the list is read again once typing pauses, not at every key
COLUMN_WIDTHS = {STAR: 28, TITLE: 420}
FEED_CHARS = 20  # most feeds' names whole ("Open Source Today"); longer ones end in "…"
CELL_PADDING = 12  # beyond the style's text margins: the columns do not touch
# In a narrow window the title keeps this many characters' width: Published, then Feed, are
# hidden rather than squeezing it (Received stays: the list is in its order)
TITLE_MIN_CHARS = 24
GIVE_WAY = (PUBLISHED, FEED)
TITLE_ROOM_CHARS = 24  # what the header line leaves the scope's name and count at least
SPACING = 6  # a layout's usual spacing between the header line's widgets


def text_margin(widget: QWidget) -> int:
    """What an item view's cell keeps free on each side of its text (as Qt's styles draw it)."""
    return widget.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1


class ArticleView(QTableView):
    """The table of articles. It tells the model which rows it shows (their pages are read on
    demand), gives a row the selection when it gets the focus without one (so M, S and Enter
    act on what is highlighted), and asks for the context menu (``menuRequested``, a point of
    the viewport) where the mouse is, or from the keyboard (Menu key, Shift+F10) at the
    selected row."""

    menuRequested = Signal(QPoint)

    def __init__(self, model: ArticleListModel, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName(self.tr("Articles"))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # click, Shift/Ctrl+click, Shift+arrows, Ctrl+A (articles/selection.py acts on them)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.whole_list = False  # Ctrl+A: every row, also those the list has not read in yet
        self._selecting_all = False
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(24)
        widths = {**COLUMN_WIDTHS, **self._text_widths()}
        for column, width in widths.items():
            header.resizeSection(column, width)
        self.columns_give_way = ColumnsGiveWay(
            self, TITLE, self.fontMetrics().averageCharWidth() * TITLE_MIN_CHARS, GIVE_WAY,
            widths)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(RECEIVED, Qt.SortOrder.DescendingOrder)
        self._report_timer = QTimer(self)
        self._report_timer.setSingleShot(True)
        self._report_timer.timeout.connect(self._report_window)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._report_soon())
        for signal in (model.rowsInserted, model.modelReset, model.layoutChanged):
            signal.connect(lambda *_: self._report_soon())
        self.selectionModel().selectionChanged.connect(self._selection_changed)
        model.rowsInserted.connect(self._rows_added)
        model.modelReset.connect(self._forget_whole_list)

    def _text_widths(self) -> dict[int, int]:
        """Feed and date columns wide enough for their text in bold (unread rows) and for their
        header with its sort arrow."""
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        margins = 2 * text_margin(self) + CELL_PADDING
        # the longest forms local_time writes, in the unread rows' bold: no time is cut off
        dates = max(metrics.horizontalAdvance(text) for text in widest_local_times()) + margins
        widths = {FEED: metrics.averageCharWidth() * FEED_CHARS + margins,
                  PUBLISHED: dates, RECEIVED: dates}
        header = self.horizontalHeader()
        return {column: max(width, header.sectionSizeFromContents(column).width())
                for column, width in widths.items()}

    def _report_soon(self) -> None:
        self._report_timer.start(0)  # once per turn of the loop, whatever moved

    def _report_window(self) -> None:
        model = self.model()
        count = model.rowCount()
        first = self.rowAt(0)
        if first < 0:
            first = 0
        last = self.rowAt(self.viewport().height() - 1)
        if last < 0:
            last = count - 1
        model.set_window(first, last)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._report_soon()

    def moveCursor(self, action, modifiers):
        """Home and End go to the first and the last article (in a table they would go to the
        first and last column of the row, which means nothing here)."""
        if action in (QAbstractItemView.CursorAction.MoveHome,
                      QAbstractItemView.CursorAction.MoveEnd):
            modifiers |= Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(action, modifiers)

    def selectAll(self) -> None:
        """Ctrl+A selects the whole list: rows the walk adds later are selected as they come."""
        self._selecting_all = True
        try:
            super().selectAll()
        finally:
            self._selecting_all = False
        self.whole_list = self.model().rowCount() > 0

    def _selection_changed(self, *_args) -> None:
        if not self._selecting_all:
            self.whole_list = False

    def _rows_added(self, _parent, first: int, last: int) -> None:
        if self.whole_list:
            rows = QItemSelection(self.model().index(first, 0),
                                  self.model().index(last, self.model().columnCount() - 1))
            self._selecting_all = True
            try:
                self.selectionModel().select(rows, QItemSelectionModel.SelectionFlag.Select)
            finally:
                self._selecting_all = False

    def _forget_whole_list(self) -> None:
        self.whole_list = False

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        if not self.selectionModel().hasSelection() and self.model().rowCount():
            current = self.currentIndex()
            row = current.row() if current.isValid() else 0
            # (the cursor on the title, not the ★: arrows keep its column)
            select_row(self, row, current.column() if current.isValid() else TITLE)

    def contextMenuEvent(self, event) -> None:
        """A mouse's event comes through the viewport, in its coordinates; the keyboard's is
        sent to the view (its position means nothing here)."""
        if event.reason() != QContextMenuEvent.Reason.Keyboard:
            self.menuRequested.emit(event.pos())
            return
        selected = self.selectionModel().selectedRows()
        index = selected[0] if selected else self.currentIndex()
        if index.isValid():
            self.scrollTo(index)
            self.menuRequested.emit(self.visualRect(index).center())


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when the room is short (the whole of it in the
    tooltip) instead of widening the window: the list's header line grows with the scope's name
    and the search, and would otherwise squeeze the search box. A part named with
    ``shorten_first`` (the scope's name) is cut short before the rest (its unread count)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._shorten_first = ""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        metrics, room, text = self.fontMetrics(), self.contentsRect().width(), self.text()
        part = self._shorten_first
        if part and part in text and metrics.horizontalAdvance(text) > room:
            rest = metrics.horizontalAdvance(text.replace(part, "", 1))
            least = metrics.horizontalAdvance("Mm…")  # a name shorter than this says nothing
            if room - rest >= least:
                return text.replace(part, metrics.elidedText(
                    part, Qt.TextElideMode.ElideRight, room - rest), 1)
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())

    def _update_tip(self) -> None:
        self.setToolTip(self.text() if self.shown_text() != self.text() else "")

    def setText(self, text: str, shorten_first: str = "") -> None:
        self._shorten_first = shorten_first
        super().setText(text)
        self._update_tip()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tip()


class ArticlePane(QWidget):
    """``searchChanged`` (after typing pauses), ``showReadChanged`` and ``orderChanged`` (newest
    first or not) ask for the list again; the window builds it."""

    searchChanged = Signal(str)
    showReadChanged = Signal(bool)
    orderChanged = Signal(bool)  # newest first
    newArticlesRequested = Signal()

    def __init__(self, model: ArticleListModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.title = ElidedLabel()
        # the search box's hint, and the short one when narrow
        self.search_hints = (self.tr("Search titles (Ctrl+Shift+F)"), self.tr("Search titles"))
        self.new_button = QPushButton(self.tr("New articles: show them"))
        self.new_button.setFlat(True)
        self.new_button.setToolTip(self.tr("Articles arrived after this list was read (F5 also "
                                           "shows them)"))
        self.new_button.hide()
        self.new_button.clicked.connect(self.newArticlesRequested)
        self.search = QLineEdit()
        self.search.setAccessibleName(self.tr("Search article titles"))
        self.search.setToolTip(self.search_hints[0])
        self.search.setClearButtonEnabled(True)
        self._show_search_hint(self.search_hints[0])
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.searchChanged.emit(self.search_text()))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.show_read = QCheckBox(self.tr("Show read"))
        self.show_read.setToolTip(self.tr("List read articles too, not only unread ones"))
        self.show_read.toggled.connect(self.showReadChanged)
        self.view = ArticleView(model)
        self._newest_first = True
        self.view.horizontalHeader().sectionClicked.connect(self._header_clicked)

        self.empty = QWidget(self)  # over the list's viewport (overlay.py says why not in it)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # the palette's muted text colour
        self.empty_button = QPushButton(self.tr("Show read articles"))
        self.empty_button.clicked.connect(lambda: self.show_read.setChecked(True))
        overlay = QVBoxLayout(self.empty)
        overlay.addStretch(1)
        overlay.addWidget(self.empty_label)
        overlay.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        overlay.addStretch(1)
        FollowSize(self.empty, self.view.viewport())
        self.empty.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.new_button)
        bar.addWidget(self.search)
        bar.addWidget(self.show_read)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self.empty.raise_()  # (over the list, which the layout just made the pane's child)
        self.setTabOrder(self.search, self.show_read)
        self.setTabOrder(self.show_read, self.view)

    def _search_width(self, hint: str) -> int:
        """The search box's width for the whole of ``hint`` beside the clear button (a line
        edit cuts its placeholder short)."""
        style = self.search.style()
        return (self.search.fontMetrics().horizontalAdvance(hint)
                + 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth)
                + style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 24)

    def _show_search_hint(self, hint: str) -> None:
        self.search.setPlaceholderText(hint)
        self.search.setMinimumWidth(self._search_width(hint))
        self.search.setMaximumWidth(max(320, self.search.minimumWidth()))

    def resizeEvent(self, event) -> None:
        """In a narrow window the search box's hint drops its shortcut (the tooltip keeps it),
        leaving the scope's name and count room beside it."""
        title_room = (self.width() - self.show_read.sizeHint().width() - 3 * SPACING
                      - self._search_width(self.search_hints[0]))
        wanted = self.fontMetrics().averageCharWidth() * TITLE_ROOM_CHARS
        hint = self.search_hints[0] if title_room >= wanted else self.search_hints[1]
        if hint != self.search.placeholderText():
            self._show_search_hint(hint)
        super().resizeEvent(event)

    def search_text(self) -> str:
        return self.search.text().strip()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.searchChanged.emit(self.search_text())

    def newest_first(self) -> bool:
        return self._newest_first

    def _header_clicked(self, section: int) -> None:
        """Only Received sorts (the ingestion order, which the database's indexes serve and
        "everything older" follows): a click there reverses it; the indicator Qt moved to
        another column goes back."""
        if section == RECEIVED:
            self._newest_first = not self._newest_first
        self.show_order()
        if section == RECEIVED:
            self.orderChanged.emit(self._newest_first)

    def show_order(self) -> None:
        self.view.horizontalHeader().setSortIndicator(
            RECEIVED, Qt.SortOrder.DescendingOrder if self._newest_first
            else Qt.SortOrder.AscendingOrder)

    def set_state(self, title: str, empty_text: str | None, offer_read: bool,
                  name: str = "") -> None:
        """The header's text (``name``: its part cut short first), and what the list says when
        it has no row (None: it has rows, or is still looking)."""
        self.title.setText(title, name)
        self.empty_label.setText(empty_text or "")
        self.empty_button.setVisible(offer_read)
        self.empty_button.setAccessibleDescription(empty_text or "")  # (said with the button)
        self.empty.setVisible(empty_text is not None)


__all__ = ["COLUMNS", "ArticlePane", "ArticleView"]
