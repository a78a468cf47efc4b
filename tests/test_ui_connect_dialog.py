"""*File › Connect to server…*'s fields, driven by keys as a person would: a password belongs
to the server and user it was given for."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.window.connect_dialog import ConnectDialog


@pytest.fixture
def dialog(qtbot):
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def paste(qtbot, field, text: str) -> None:
    """Select all of ``field`` and paste ``text`` over it."""
    QApplication.clipboard().setText(text)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def fields(dialog) -> tuple:
    return (dialog.host.text(), dialog.port.value(), dialog.user.text(), dialog.database.text(),
            dialog.password.text())


def test_a_url_for_another_server_and_user_clears_the_password(qtbot, dialog):
    paste(qtbot, dialog.host, "postgresql://bob:secret@127.0.0.1:1/nodb")
    assert fields(dialog) == ("127.0.0.1", 1, "bob", "nodb", "secret")
    paste(qtbot, dialog.host, "postgresql://reader@db.example:5432/reader")
    assert fields(dialog) == ("db.example", 5432, "reader", "reader", "")


@pytest.mark.parametrize("change", ["host", "port", "user"])
def test_changing_the_server_or_the_user_clears_a_typed_password(qtbot, dialog, change):
    paste(qtbot, dialog.host, "postgresql://ann@db.example:6543/news")
    qtbot.keyClicks(dialog.password, "s3cret")
    field = getattr(dialog, change)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_End)
    qtbot.keyClick(field, Qt.Key.Key_1 if change == "port" else Qt.Key.Key_X)
    assert dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, "other")  # a password for the new login stays
    assert dialog.password.text() == "other"


def test_the_same_server_and_user_keep_the_password(qtbot, dialog):
    """Another database of the same server, or the same URL pasted again: the same login."""
    paste(qtbot, dialog.host, "postgresql://ann@db.example:6543/news")
    qtbot.keyClicks(dialog.password, "s3cret")
    dialog.database.setFocus()
    qtbot.keyClick(dialog.database, Qt.Key.Key_S)
    paste(qtbot, dialog.host, "postgresql://ann@db.example:6543/archive")
    assert fields(dialog) == ("db.example", 6543, "ann", "archive", "s3cret")
