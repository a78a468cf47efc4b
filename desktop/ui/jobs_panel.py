"""The jobs panel: a table of jobs with progress bars, a status filter, cancel and clear."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .jobs_model import COLUMNS, PROGRESS_ROLE, JobsTableModel, can_cancel, can_undo
from .resources import icon

STATUS_FILTERS = (("All jobs", None), ("Pending", "pending"), ("Running", "running"),
                  ("Completed", "completed"), ("Failed", "failed"), ("Cancelled", "cancelled"))


class ProgressBarDelegate(QStyledItemDelegate):
    """Paints the Progress column as a native progress bar with done/total and percent."""

    def paint(self, painter, option, index):
        done, total, indeterminate = index.data(PROGRESS_ROLE)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.direction = option.direction
        bar.fontMetrics = option.fontMetrics
        bar.palette = option.palette
        bar.minimum = 0
        bar.maximum = 0 if indeterminate else max(total, 1)
        bar.progress = 0 if indeterminate else min(done, max(total, 1))
        bar.text = index.data(Qt.ItemDataRole.DisplayRole)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class JobsPanel(QWidget):
    cancelRequested = Signal(int)
    retryRequested = Signal(int)
    undoRequested = Signal(int)
    clearFinishedRequested = Signal()
    filterChanged = Signal(object)  # a status or None

    def __init__(self, model: JobsTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        title = QLabel("<b>Jobs</b>")
        self.filter = QComboBox()
        self.filter.setAccessibleName("Filter jobs by status")
        for label, status in STATUS_FILTERS:
            self.filter.addItem(label, status)
        self.filter.currentIndexChanged.connect(
            lambda _i: self.filterChanged.emit(self.filter.currentData()))
        self.cancel_button = QPushButton(icon("cancel"), "Cancel job")
        self.cancel_button.setAccessibleName("Cancel the selected job")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.retry_button = QPushButton(icon("refresh"), "Retry")
        self.retry_button.setAccessibleName("Retry the selected job from where it stopped")
        self.retry_button.setEnabled(False)
        self.retry_button.clicked.connect(self._retry_selected)
        self.undo_button = QPushButton(icon("undo"), "Undo")
        self.undo_button.setAccessibleName("Undo the selected job: make its articles unread")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._undo_selected)
        self.clear_button = QPushButton(icon("clear"), "Clear finished")
        self.clear_button.setAccessibleName("Clear finished jobs")
        self.clear_button.clicked.connect(self.clearFinishedRequested)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName("Jobs")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setItemDelegateForColumn(COLUMNS.index("Progress"), ProgressBarDelegate(self))
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in zip(COLUMNS[:-1], (190, 200, 120, 80, 80, 80), strict=True):
            header.resizeSection(COLUMNS.index(column), width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        model.dataChanged.connect(lambda *_: self._update_buttons())
        model.modelReset.connect(self._update_buttons)
        cancel_shortcut = QAction(self.table)
        cancel_shortcut.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        cancel_shortcut.triggered.connect(self._cancel_selected)
        self.table.addAction(cancel_shortcut)

        bar = QHBoxLayout()
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(self.filter)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.retry_button)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)

    def selected_job(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.job_at(rows[0].row()) if rows else None

    def select_job(self, job_id: int) -> None:
        row = self.model.row_of(job_id)
        if row >= 0:
            self.table.selectRow(row)

    def _update_buttons(self) -> None:
        job = self.selected_job()
        self.cancel_button.setEnabled(can_cancel(job))
        self.cancel_button.setToolTip(
            "The web server runs this job and does not stop for a cancel from here"
            if job and job.run_by_server and job.status == "running" else "")
        self.retry_button.setEnabled(bool(job) and job.status in ("failed", "cancelled"))
        self.undo_button.setEnabled(bool(job) and can_undo(job))

    def _cancel_selected(self) -> None:
        job = self.selected_job()
        if can_cancel(job):
            self.cancelRequested.emit(job.id)

    def _retry_selected(self) -> None:
        job = self.selected_job()
        if job and job.status in ("failed", "cancelled"):
            self.retryRequested.emit(job.id)

    def _undo_selected(self) -> None:
        job = self.selected_job()
        if job and can_undo(job):
            self.undoRequested.emit(job.id)

    def _context_menu(self, pos) -> None:
        index: QModelIndex = self.table.indexAt(pos)
        job = self.model.job_at(index.row()) if index.isValid() else None
        if job is None:
            return
        menu = QMenu(self)
        cancel = menu.addAction(icon("cancel"), "Cancel job")
        cancel.setEnabled(can_cancel(job))
        cancel.triggered.connect(lambda: self.cancelRequested.emit(job.id))
        retry = menu.addAction(icon("refresh"), "Retry from where it stopped")
        retry.setEnabled(job.status in ("failed", "cancelled"))
        retry.triggered.connect(lambda: self.retryRequested.emit(job.id))
        undo = menu.addAction(icon("undo"), "Undo: make its articles unread again")
        undo.setEnabled(can_undo(job))
        undo.triggered.connect(lambda: self.undoRequested.emit(job.id))
        menu.popup(self.table.viewport().mapToGlobal(pos))
