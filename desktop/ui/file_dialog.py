"""A file dialog that never opens the files it lists.

Qt's file dialog (and GTK's, through the platform theme) guesses each listed file's type by
reading its first bytes. On POSIX, closing that descriptor drops every SQLite lock this process
holds on the file, so merely showing the folder of the open database would let another program
delete its WAL under us (see desktop/store/sqlite_file.py). Types here come from file names
alone, and the dialog is always Qt's own.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeDatabase
from PySide6.QtWidgets import QFileDialog, QFileIconProvider


class NameOnlyIconProvider(QFileIconProvider):
    """Icons and type names from the file name, never from the file's contents."""

    def __init__(self):
        super().__init__()
        self._mime = QMimeDatabase()

    def type(self, info) -> str:
        if info.isDir():
            return "Folder"
        mime = self._mime.mimeTypeForFile(info.fileName(), QMimeDatabase.MatchMode.MatchExtension)
        return mime.comment()


def database_file_dialog(parent, title: str, folder: str = "") -> QFileDialog:
    dialog = QFileDialog(parent, title, folder)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setIconProvider(NameOnlyIconProvider())
    dialog.setNameFilters(["SQLite databases (*.db *.sqlite *.sqlite3)", "All files (*)"])
    return dialog
