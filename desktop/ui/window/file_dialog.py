"""A file dialog that never opens the files it lists.

Qt's file dialog (and GTK's, through the platform theme) guesses each listed file's type by
reading its first bytes. On POSIX, closing that descriptor drops every SQLite lock this process
holds on the file, so merely showing the folder of the open database would let another program
delete its WAL under us (see desktop/store/sqlite_file.py). Types here come from file names
alone, and the dialog is always Qt's own.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QFileInfo,
    QLocale,
    QMimeDatabase,
    QTime,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFileIconProvider,
    QHeaderView,
    QStyle,
    QTreeView,
)


def database_type() -> str:
    return QCoreApplication.translate("NameOnlyIconProvider", "SQLite database")


def folder_type() -> str:
    return QCoreApplication.translate("NameOnlyIconProvider", "Folder")


# The detail view's Size, Type and Date Modified columns: as wide as their longest usual text
# (Qt's defaults cut "202.5 MiB" and "SQLite database" short); Name takes the rest.
WIDEST_SIZES = ("1023.9 MiB", "1023.9 KiB")
CELL_PADDING = 24  # the style's margins and a sort arrow


class NameOnlyIconProvider(QFileIconProvider):
    """Icons and type names from the file name, never from the file's contents."""

    def __init__(self):
        super().__init__()
        self._mime = QMimeDatabase()

    def _mime_type(self, info):
        return self._mime.mimeTypeForFile(info.fileName(), QMimeDatabase.MatchMode.MatchExtension)

    def type(self, info) -> str:
        if info.isDir():
            return folder_type()
        if info.suffix().lower() in ("db", "sqlite", "sqlite3"):
            return database_type()
        return self._mime_type(info).comment()

    def icon(self, what):
        """The default provider (through the platform theme) sniffs contents for file icons;
        ``what`` may also be an IconType, which involves no file."""
        if not isinstance(what, QFileInfo):
            return super().icon(what)
        style = QApplication.style()
        if what.isDir():
            return style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        mime = self._mime_type(what)
        return QIcon.fromTheme(mime.iconName(), QIcon.fromTheme(
            mime.genericIconName(), style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)))


def database_file_dialog(parent, title: str, folder: str = "") -> QFileDialog:
    dialog = QFileDialog(parent, title, folder)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setIconProvider(NameOnlyIconProvider())
    translate = QCoreApplication.translate
    dialog.setNameFilters([
        translate("NameOnlyIconProvider", "SQLite databases (*.db *.sqlite *.sqlite3)"),
        translate("NameOnlyIconProvider", "All files (*)")])
    dialog.resize(760, 460)
    details = dialog.findChild(QTreeView, "treeView")  # Qt's own dialog's detail view
    if details is not None:
        size_columns(details)
    return dialog


def size_columns(details: QTreeView) -> None:
    metrics, header = details.fontMetrics(), details.header()
    modified = QLocale().toString(QDateTime(QDate(2026, 12, 28), QTime(23, 59)),
                                  QLocale.FormatType.ShortFormat)
    plain_text = QMimeDatabase().mimeTypeForName("text/plain").comment()
    texts = {1: WIDEST_SIZES, 2: (database_type(), folder_type(), plain_text),
             3: (modified,)}
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column, samples in texts.items():
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, max(
            max(metrics.horizontalAdvance(text) for text in samples) + CELL_PADDING,
            header.sectionSizeFromContents(column).width()))
