"""A file dialog that never opens the files it lists.

Qt's file dialog (and GTK's, through the platform theme) guesses each listed file's type by
reading its first bytes. On POSIX, closing that descriptor drops every SQLite lock this process
holds on the file, so merely showing the folder of the open database would let another program
delete its WAL under us (see desktop/store/sqlite_file.py). Types here come from file names
alone, and the dialog is always Qt's own.
"""

from __future__ import annotations

from PySide6.QtCore import QFileInfo, QMimeDatabase
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QFileIconProvider, QStyle


class NameOnlyIconProvider(QFileIconProvider):
    """Icons and type names from the file name, never from the file's contents."""

    def __init__(self):
        super().__init__()
        self._mime = QMimeDatabase()

    def _mime_type(self, info):
        return self._mime.mimeTypeForFile(info.fileName(), QMimeDatabase.MatchMode.MatchExtension)

    def type(self, info) -> str:
        if info.isDir():
            return "Folder"
        if info.suffix().lower() in ("db", "sqlite", "sqlite3"):
            return "SQLite database"
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
    dialog.setNameFilters(["SQLite databases (*.db *.sqlite *.sqlite3)", "All files (*)"])
    dialog.resize(760, 460)  # room for the Size and Date columns
    return dialog
