"""The jobs panel: a table of jobs with progress bars, a status filter, and the job actions."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..column_fit import ColumnsGiveWay
from ..formatting import duration, number, widest_local_times
from ..item_focus import select_row
from ..overlay import FollowSize
from ..resources import icon
from .model import (
    COLUMNS,
    PROGRESS_ROLE,
    JobsTableModel,
    can_cancel,
    can_retry,
    can_undo,
    status_text,
)

STATUSES = ("pending", "running", "completed", "failed", "cancelled")  # the filter's choices
translate = QCoreApplication.translate  # (the name lupdate finds)


def widest_texts() -> dict[str, tuple[str, ...]]:
    """Each column but Job is as wide as its longest usual text in the window's language (the
    person may resize it); Job takes the rest of the width, and keeps at least JOB_MIN_CHARS:
    in a narrow panel the columns of GIVE_WAY are hidden, in this order, rather than squeezing
    it. (Message: longer texts are in the tooltip.)"""
    many = 999_999
    progress = translate("JobsTableModel", "{done} of {total}  ({percent}%)").format(
        done=number(many), total=number(many), percent=100)
    rate = translate("JobsTableModel", "{rate}, {time} left").format(
        rate=translate("JobsTableModel", "{rate}/s").format(rate=number(many)),
        time=duration(59 * 60))
    return {"#": ("9999",), "Status": tuple(status_text(status) for status in STATUSES),
            "Progress": (progress,), "Rate": (rate,),
            "Message": (translate("JobsTableModel", "%Ln newly read", "", many),
                        translate("JobsTableModel", "%Ln made unread", "", many))}


JOB_MIN_CHARS = 22  # "Category: Science (before…"
GIVE_WAY = ("Finished", "Started", "Message", "Rate", "#")  # (the Job's tooltip has its id)
CELL_PADDING = 14  # beyond the text: the style's margins, and a bar's frame in Progress


class ProgressBarDelegate(QStyledItemDelegate):
    """Paints the Progress column as a native progress bar; a cancelled or failed job's bar is
    drawn greyed out, so that it never looks like a completed one."""

    def paint(self, painter, option, index):
        progress = index.data(PROGRESS_ROLE)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.direction = option.direction
        bar.fontMetrics = option.fontMetrics
        bar.palette = QPalette(option.palette)
        if progress.state in ("cancelled", "failed"):  # stopped short: a grey bar
            bar.palette.setColor(QPalette.ColorRole.Highlight,
                                 option.palette.color(QPalette.ColorRole.Mid))
            bar.palette.setColor(QPalette.ColorRole.HighlightedText,  # readable on the grey
                                 option.palette.color(QPalette.ColorRole.Text))
        bar.minimum = 0
        bar.maximum = 0 if progress.indeterminate else max(progress.maximum, 1)
        bar.progress = 0 if progress.indeterminate else min(progress.value,
                                                            max(progress.maximum, 1))
        bar.text = fitting_text(progress.text, option.fontMetrics, bar.rect.width() - 8)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


def fitting_text(text: str, metrics, width: int) -> str:
    """``text`` if it fits on the bar in one line, else its percentage ("1,000,000 / 1,000,000
    (100%)" wrapped and clipped in a narrow column); the cell's tooltip has the counts."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    percent = re.search(r"\((\d+%)\)", text)
    return percent.group(1) if percent else text


def text_widths(view: QTableView) -> dict[str, int]:
    """Each sized column's width for its longest usual text, and for its header."""
    metrics, header = view.fontMetrics(), view.horizontalHeader()
    texts = {**widest_texts(), "Started": widest_local_times(), "Finished": widest_local_times()}
    return {name: max(max(metrics.horizontalAdvance(text) for text in samples) + CELL_PADDING,
                      header.sectionSizeFromContents(COLUMNS.index(name)).width())
            for name, samples in texts.items()}


class JobsPanel(QWidget):
    cancelRequested = Signal(int)
    retryRequested = Signal(int)
    undoRequested = Signal(int)
    clearFinishedRequested = Signal()
    filterChanged = Signal(object)  # a status or None

    def __init__(self, model: JobsTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        title = QLabel("<b>{}</b>".format(self.tr("Jobs")))
        self.filter = QComboBox()
        self.filter.setAccessibleName(self.tr("Filter jobs by status"))
        self.filter.addItem(self.tr("All jobs"), None)
        for status in STATUSES:
            self.filter.addItem(status_text(status), status)
        self.filter.currentIndexChanged.connect(self._filter_changed)
        # Over AT-SPI a combo box is named by its value ("All jobs"): its label names it
        self.filter_label = QLabel(self.tr("Show:"))
        self.filter_label.setAccessibleName(self.tr("Show jobs"))
        self.filter_label.setBuddy(self.filter)
        self._build_actions()
        self._toolbar_with_words: int | None = None

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName(self.tr("Jobs"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, as in any form
        self.table.setItemDelegateForColumn(COLUMNS.index("Progress"), ProgressBarDelegate(self))
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COLUMNS.index("Job"), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        widths = {COLUMNS.index(name): width for name, width in text_widths(self.table).items()}
        for column, width in widths.items():
            header.resizeSection(column, width)
        self.columns_give_way = ColumnsGiveWay(
            self.table, COLUMNS.index("Job"),
            self.table.fontMetrics().averageCharWidth() * JOB_MIN_CHARS,
            [COLUMNS.index(name) for name in GIVE_WAY], widths)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        model.dataChanged.connect(lambda *_: self.update_actions())
        # A reload with another set of rows (another program's new job) resets the model:
        # the job the person had selected stays selected.
        self._selected_before_reset: int | None = None
        self._column_before_reset: int | None = None
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.modelReset.connect(self._restore_selection)
        model.modelReset.connect(self._rows_changed)
        model.rowsInserted.connect(self._rows_changed)
        model.rowsRemoved.connect(self._rows_changed)
        # Rate shows only while a job runs here: until then its room is the Job's
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted,
                       model.rowsRemoved):
            signal.connect(self._show_rate_if_running)

        # Shown over the empty table: "No failed jobs" says the filter worked, a blank does not
        # (over the viewport: overlay.py says why)
        self.empty_label = QLabel(self._no_jobs(), self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # the palette's muted text colour
        self.empty_label.setContentsMargins(12, 12, 12, 12)
        FollowSize(self.empty_label, self.table.viewport())

        bar = QHBoxLayout()
        bar.addWidget(title)
        bar.addWidget(self.filter_label)
        bar.addWidget(self.filter)
        bar.addStretch(1)
        bar.addWidget(self.toolbar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.empty_label.raise_()  # (over the table, which the layout just made our child)
        self._rows_changed()
        self._show_rate_if_running()

    def _build_actions(self) -> None:
        """One action per job action: the toolbar here, the table's context menu and the
        window's Jobs menu all show these (the same shortcut, the same enabled state)."""
        self.cancel_action = QAction(icon("cancel"), self.tr("&Cancel job"), self)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        # Delete cancels only while the jobs panel has the focus (not while typing elsewhere)
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cancel_action.setToolTip(self._cancel_tip())
        self.cancel_action.triggered.connect(self._cancel_selected)
        self.retry_action = QAction(icon("refresh"), self.tr("&Retry job"), self)
        self.retry_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.retry_action.setToolTip(self.tr("Run the selected failed or cancelled job again "
                                             "from where it stopped (Ctrl+Shift+R)"))
        self.retry_action.triggered.connect(self._retry_selected)
        self.undo_action = QAction(icon("undo"), self.tr("&Undo job"), self)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.undo_action.setToolTip(self.tr("Make the articles the selected job marked read "
                                            "unread again (Ctrl+Shift+Z)"))
        self.undo_action.triggered.connect(self._undo_selected)
        self.clear_action = QAction(icon("clear"), self.tr("C&lear finished jobs…"), self)
        self.clear_action.setToolTip(self.tr("Delete the finished jobs of this user, with their "
                                             "undo records (asks first)"))
        self.clear_action.triggered.connect(self.clearFinishedRequested)
        for action in (self.cancel_action, self.retry_action, self.undo_action):
            action.setEnabled(False)
            self.addAction(action)  # the shortcut works wherever the focus is in the panel
        # Icons alone when the panel is too narrow for their words (the tooltips say them);
        # narrower still, it overflows into a » menu rather than squeezing the table
        self.toolbar = QToolBar(self.tr("Job actions"))
        self.toolbar.setIconSize(QSize(16, 16))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.cancel_action, self.retry_action, self.undo_action,
                       self.clear_action):
            self.toolbar.addAction(action)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()

    def _fit_toolbar(self) -> None:
        if self._toolbar_with_words is None:  # measured once, with the words
            self._toolbar_with_words = self.toolbar.sizeHint().width()
        bar = self.layout().itemAt(0).layout()
        others = sum(bar.itemAt(i).widget().sizeHint().width() for i in range(bar.count())
                     if bar.itemAt(i).widget() not in (None, self.toolbar))
        room = self.width() - others - bar.spacing() * bar.count()
        style = (Qt.ToolButtonStyle.ToolButtonTextBesideIcon
                 if room >= self._toolbar_with_words else Qt.ToolButtonStyle.ToolButtonIconOnly)
        if self.toolbar.toolButtonStyle() != style:
            self.toolbar.setToolButtonStyle(style)

    def selected_job(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.job_at(rows[0].row()) if rows else None

    def select_job(self, job_id: int, column: int | None = None) -> None:
        """The cursor stays in its column (``column``; first, the Job's)."""
        row = self.model.row_of(job_id)
        if row >= 0:
            current = self.table.currentIndex().column()
            select_row(self.table, row, column if column is not None
                       else current if current >= 0 else COLUMNS.index("Job"))

    def _remember_selection(self) -> None:
        job = self.selected_job()
        self._selected_before_reset = job.id if job is not None else None
        current = self.table.currentIndex().column()
        self._column_before_reset = current if current >= 0 else None

    def _restore_selection(self) -> None:
        """The job selected before, in the column the cursor was in (selectRow alone put it
        in "#": a screen reader on the Progress cell heard the job's number instead)."""
        if self._selected_before_reset is not None:
            self.select_job(self._selected_before_reset, self._column_before_reset)
        self._selected_before_reset = None

    def _show_rate_if_running(self, *_) -> None:
        running = any(job.status == "running" for job in self.model.jobs())
        self.columns_give_way.set_unused(set() if running else {COLUMNS.index("Rate")})

    def _filter_changed(self, _index) -> None:
        self._rows_changed()
        self.filterChanged.emit(self.filter.currentData())

    def _rows_changed(self) -> None:
        status = self.filter.currentData()
        self.empty_label.setText(self._no_jobs(status))
        self.empty_label.setVisible(self.model.rowCount() == 0)
        self.update_actions()

    def _cancel_tip(self) -> str:
        return self.tr("Cancel the selected job; the work done is kept (Delete)")

    def _no_jobs(self, status: str | None = None) -> str:
        """The empty table's words: none at all, or none with the status filtered for."""
        return {None: self.tr("No jobs yet. Select a category or feed and use Mark all as "
                              "read (Ctrl+R)."),
                "pending": self.tr("No pending jobs."), "running": self.tr("No running jobs."),
                "completed": self.tr("No completed jobs."), "failed": self.tr("No failed jobs."),
                "cancelled": self.tr("No cancelled jobs.")}[status]

    def update_actions(self) -> None:
        job = self.selected_job()
        self.cancel_action.setEnabled(can_cancel(job))
        self.cancel_action.setToolTip(
            self.tr("The web server runs this job and does not stop for a cancel from here")
            if job and job.run_by_server and job.status == "running"
            else self._cancel_tip())
        self.retry_action.setEnabled(can_retry(job))
        self.undo_action.setEnabled(can_undo(job))

    def _cancel_selected(self) -> None:
        job = self.selected_job()
        if can_cancel(job):
            self.cancelRequested.emit(job.id)

    def _retry_selected(self) -> None:
        job = self.selected_job()
        if can_retry(job):
            self.retryRequested.emit(job.id)

    def _undo_selected(self) -> None:
        job = self.selected_job()
        if can_undo(job):
            self.undoRequested.emit(job.id)

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())  # the actions apply to the selected job
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (self.cancel_action, self.retry_action, self.undo_action):
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(pos))
