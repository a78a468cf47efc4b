"""What the window shows when there is nothing to show: no database open, or one with no users
or feeds yet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from .resources import icon


class EmptyState(QWidget):
    """Shown for a database with no users yet (create sample data in it), or when no database
    is open (create a demo database); either way, open another one (a file, or on a server)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        # a long reason (a file's path and what to do) wraps into lines one can read
        self.message.setMaximumWidth(self.message.fontMetrics().averageCharWidth() * 90)
        self.sample_button = QPushButton(self.tr("Create sample data"))
        self.sample_button.setAccessibleName(self.tr("Create sample data"))
        self.demo_button = QPushButton(self.tr("Create a demo database…"))
        self.demo_button.setAccessibleName(self.tr("Create a demo database"))
        self.demo_button.hide()
        self.open_button = QPushButton(icon("open"), self.tr("Open database…"))
        self.open_button.setAccessibleName(self.tr("Open database"))
        self.connect_button = QPushButton(icon("server"), self.tr("Connect to server…"))
        self.connect_button.setAccessibleName(self.tr("Connect to server"))
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)
        for button in (self.sample_button, self.open_button, self.demo_button,
                       self.connect_button):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._describe_buttons()

    def _describe_buttons(self) -> None:
        """A screen reader lands on a button, not on the words above it: each button is
        described by them ("Open database, button. No database is open…")."""
        for button in (self.sample_button, self.open_button, self.demo_button,
                       self.connect_button):
            button.setAccessibleDescription(" ".join(self.message.text().split()))

    def show_no_database(self, reason: str) -> None:
        """No database is open; ``reason`` says why (the last one failed to open)."""
        self.message.setText("{}\n{}\n\n{}".format(
            self.tr("No database is open."), reason,
            self.tr("Open your reader's database, or create a demo database to try the app.")))
        self.sample_button.hide()
        self.demo_button.show()
        self._describe_buttons()
