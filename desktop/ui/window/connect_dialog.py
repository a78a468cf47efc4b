"""*File › Connect to server…*: the fields of a PostgreSQL database, a password for this run only.

The dialog only gathers and shows: it builds the URL (never with a password in it) and hands
it and the typed password to the window, which connects in the background and tells the dialog
how it went. It stays open, its fields kept, until the connection works or the person cancels,
so a mistyped password or host is corrected in place.

A password belongs to one server and user: changing the host, the port or the user (by typing
or by pasting a URL) clears it, so that it is never sent to another server or as another user.
The database name does not: a server's users and their passwords are the same for all its
databases, and a mistyped name is corrected without typing the password again.
"""

from __future__ import annotations

import getpass
from urllib.parse import quote, unquote, urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

DEFAULT_PORT = 5432


ERROR_HUE = 0.0  # red; its lightness follows the palette's text


def error_colour(palette: QPalette) -> QColor:
    """Red as light as the palette's text is (within bounds), so an error reads as well as the
    text does on that palette's background: dark red on a light desktop, light red on a dark
    one (a fixed dark red is near invisible on dark grey)."""
    lightness = palette.color(QPalette.ColorRole.WindowText).lightnessF()
    return QColor.fromHslF(ERROR_HUE, 0.8, min(max(lightness, 0.35), 0.75))


def server_url(host: str, port: int, user: str, database: str, options: str = "") -> str:
    """``postgresql://user@host:port/database`` with each part quoted as a URL needs (a socket
    folder as host, an IPv6 address, names with spaces or @); never a password."""
    host = host.strip()
    if host.startswith("/"):  # a Unix socket folder
        host = quote(host, safe="")
    elif ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    login = f"{quote(user.strip(), safe='')}@" if user.strip() else ""
    query = f"?{options}" if options else ""
    return f"postgresql://{login}{host}:{port}/{quote(database.strip(), safe='')}{query}"


def _host_of(netloc: str) -> str:
    """The host of a URL's ``user@host:port`` as typed (urlsplit's lowercases it, and a socket
    folder's case matters), unquoted, without an IPv6 address's brackets."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    name, colon, port = host.rpartition(":")
    return unquote(name if colon and port.isdigit() else host)


class ConnectDialog(QDialog):
    """``connectRequested(url, password)`` when Connect is pressed ('' : no password typed).
    The window answers with ``show_error`` or closes the dialog; ``closed`` is set the moment
    the dialog is answered either way."""

    connectRequested = Signal(str, str)

    def __init__(self, parent=None, url: str | None = None, reason: str = ""):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connect to server"))
        self.closed = False
        self._busy = False  # connecting: the button waits
        self._options = ""  # a URL's connection options (sslmode=...), kept as they were
        self.host = QLineEdit("localhost")
        self.host.setToolTip(self.tr("Host name or address; a postgresql:// URL pasted here "
                                     "fills in every field"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.user = QLineEdit(getpass.getuser())
        self.database = QLineEdit()
        self.database.setPlaceholderText(self.tr("the reader's database, e.g. reader"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("from ~/.pgpass or PGPASSWORD if empty"))
        form = QFormLayout()
        form.addRow(self.tr("&Host:"), self.host)
        form.addRow(self.tr("&Port:"), self.port)
        form.addRow(self.tr("&User:"), self.user)
        form.addRow(self.tr("&Database:"), self.database)
        form.addRow(self.tr("Pass&word:"), self.password)
        for field, name in ((self.host, self.tr("Host")), (self.port, self.tr("Port")),
                            (self.user, self.tr("User")), (self.database, self.tr("Database")),
                            (self.password, self.tr("Password"))):
            field.setAccessibleName(name)
        self.reason = QLabel(reason)
        self.reason.setWordWrap(True)
        self.reason.setVisible(bool(reason))
        note = QLabel(self.tr(
            "The password is used for this session only and is never saved. To connect without "
            "typing it, put it in ~/.pgpass (one line host:port:database:user:password, the "
            "file readable only by you) or in PGPASSWORD. Leave the field empty to use those."))
        note.setWordWrap(True)
        note.setEnabled(False)  # the platform's dimmed text: an aside, not a warning
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(self.tr("&Connect"),
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._connect_pressed)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        # (once the button is inside the dialog: before, QDialog does not see it and makes
        # Cancel the button Return presses)
        self.connect_button.setDefault(True)
        self.setMinimumWidth(460)
        for field in (self.host, self.database):
            field.textChanged.connect(self._update_button)
        # a URL typed into Host is split once the field is left; a pasted one at once
        self.host.editingFinished.connect(self._host_may_be_a_url)
        self._host_before = self.host.text()
        self.host.textEdited.connect(self._host_edited)
        self._password_login = self._login()  # the server and user the password was given for
        self.password.textEdited.connect(self._password_given)
        for changed in (self.host.textChanged, self.port.valueChanged, self.user.textChanged):
            changed.connect(self._forget_password_of_another_login)
        if url:
            self.fill_from_url(url)
        self._update_button()
        (self.password if reason else self.database if self.host.text() else self.host).setFocus()

    def fill_from_url(self, url: str) -> None:
        """Fill the fields from a ``postgresql://`` URL; a password in it goes to the password
        field only (and so never into the URL that is remembered)."""
        parts = urlsplit(url.strip())
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            port = DEFAULT_PORT
        self.host.setText(_host_of(parts.netloc) or "localhost")
        self.port.setValue(port)
        self.user.setText(unquote(parts.username or ""))
        self.database.setText(unquote(parts.path.lstrip("/")))
        if parts.password:
            self.password.setText(unquote(parts.password))
            self._password_given()
        self._options = parts.query

    def url(self) -> str:
        return server_url(self.host.text(), self.port.value(), self.user.text(),
                          self.database.text(), self._options)

    def _login(self) -> tuple[str, int, str]:
        return self.host.text().strip(), self.port.value(), self.user.text().strip()

    def _password_given(self, *_text) -> None:
        self._password_login = self._login()

    def _forget_password_of_another_login(self, *_value) -> None:
        if self._is_url(self.host.text()):
            return  # a URL about to be split into the fields: they decide
        if self._login() != self._password_login:
            self.password.clear()
            self._password_login = self._login()

    @staticmethod
    def _is_url(text: str) -> bool:
        return text.strip().lower().startswith(("postgresql://", "postgres://"))

    def _host_may_be_a_url(self) -> None:
        if self._is_url(self.host.text()):
            self.fill_from_url(self.host.text())

    def _host_edited(self, text: str) -> None:
        pasted = len(text) - len(self._host_before) > 1
        self._host_before = text
        if pasted:
            self._host_may_be_a_url()

    def _update_button(self) -> None:
        self.connect_button.setEnabled(not self._busy and bool(self.host.text().strip())
                                       and bool(self.database.text().strip()))

    def _connect_pressed(self) -> None:
        self._host_may_be_a_url()
        if not self.connect_button.isEnabled():
            return
        self.reason.hide()  # what it asked for is answered; the outcome is the message below
        self.connectRequested.emit(self.url(), self.password.text())

    def set_busy(self, shown_url: str | None) -> None:
        """While the window connects (``shown_url``, without password) the button waits."""
        self._busy = shown_url is not None
        self.connect_button.setText(self.tr("Connecting…") if self._busy
                                    else self.tr("&Connect"))
        if self._busy:
            self.message.setPalette(QPalette())  # the dialog's own text colour again
            self.message.setText(self.tr("Connecting to {server}…").format(server=shown_url))
            self.message.show()
            self._fit_height()
        self._update_button()

    def show_error(self, text: str) -> None:
        """What went wrong, in the dialog; the fields stay as typed."""
        palette = QPalette()  # only the text colour: the rest follows the dialog
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self.message.setPalette(palette)
        self.message.setText(text)
        self.message.show()
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show a longer message whole. (Wrapped labels' height depends on the width,
        which a window's minimum size does not follow: without this the fields get squeezed.)"""
        self.layout().activate()
        needed = self.layout().totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def ask_again_for_password(self) -> None:
        """A refused password is cleared and its field focused, ready for another try."""
        self.password.clear()
        self.password.setFocus()

    def done(self, result: int) -> None:
        self.closed = True
        super().done(result)
