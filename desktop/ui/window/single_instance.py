"""One window per desktop session: a second ``rss-desktop gui`` hands over to the first.

The first launch takes a lock (flock on a file) and listens on a Unix socket, both named by the
session's display, in the user's runtime folder ($XDG_RUNTIME_DIR, private to the user; else a
0700 folder of the temporary one). A launch that cannot take the lock connects, sends one line
-- the database it was given, or nothing -- waits for "ok" and exits 0; the first window comes
to the front and opens that database, asking first when jobs run here, as closing does. The
lock (dropped by the kernel when its process ends, even by a crash) means two launches at once
cannot both listen, and a crashed window's socket file is replaced, never believed.

Why a plain socket: Python's ``socket`` and Qt's QSocketNotifier (the same pair app.py uses for
signals) cost the bundle nothing, where QLocalServer would bring QtNetwork and libQt6Network
(3.4 MB, and Kerberos' libraries as dependencies) and D-Bus needs a session bus that a bare X
session or a container may not have.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import socket
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSocketNotifier, Qt
from PySide6.QtWidgets import QMessageBox

from ...jobs.api import is_server_url, shown_name

log = logging.getLogger(__name__)
# A running window answers at once; one still starting answers once its loop runs; a hung one
# must not hang the launch (which then opens a window of its own).
REPLY_SECONDS = 10.0


def socket_path(env=os.environ) -> Path:
    """The socket for this user's current desktop session (its display)."""
    display = env.get("WAYLAND_DISPLAY") or env.get("DISPLAY") or "no-display"
    session = re.sub(r"[^A-Za-z0-9._-]", "_", display)
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        folder = Path(runtime)
    else:
        folder = Path(tempfile.gettempdir()) / f"rss-desktop-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
            raise OSError(f"{folder} is not this user's private folder")
    return folder / f"rss-desktop-{session}.socket"  # a Unix socket path is at most 107 bytes


def hand_over(database: str | None, path: Path) -> bool:
    """Ask the window running in this session to come forward (and open ``database``);
    True when it answered. It may be starting still: try again until REPLY_SECONDS pass."""
    target = None
    if database:
        target = database if is_server_url(database) else str(
            Path(database).expanduser().absolute())
    deadline = time.monotonic() + REPLY_SECONDS
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(max(0.1, deadline - time.monotonic()))
                client.connect(str(path))
                client.sendall(json.dumps({"database": target}).encode() + b"\n")
                return client.makefile("rb").readline().strip() == b"ok"
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() >= deadline:  # the lock's holder never listened
                return False
            time.sleep(0.1)
        except OSError:
            return False


class InstanceServer:
    """The first window's end: holds the session's lock and answers the later launches."""

    @classmethod
    def claim(cls, path: Path | None = None) -> InstanceServer | None:
        """The server for this session, or None when another process holds its lock."""
        path = path or socket_path()
        lock = path.with_suffix(".lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            return None
        return cls(path, lock)

    def __init__(self, path: Path, lock):
        self.path, self.lock, self.window = path, lock, None
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # we hold the lock: whoever made it is gone
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(4)  # launches now wait in the backlog until serve()
        self.listener.setblocking(False)
        self.notifier: QSocketNotifier | None = None
        self.open_question: QMessageBox | None = None

    def serve(self, window) -> None:
        self.window = window
        self.notifier = QSocketNotifier(self.listener.fileno(), QSocketNotifier.Type.Read,
                                        window)
        self.notifier.activated.connect(self._accept)

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.setEnabled(False)
        self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.lock.close()  # the next launch may listen now

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(1.0)  # the launch sends its line right after connecting
            try:
                request = json.loads(connection.makefile("rb").readline() or b"{}")
                connection.sendall(b"ok\n")
            except (OSError, ValueError) as exc:
                log.warning("a second launch's request was unreadable: %s", exc)
                return
        log.info("a second launch asked for the window (database: %s)",
                 request.get("database"))
        self.bring_forward()
        if request.get("database"):
            self.open_asked(request["database"])

    def bring_forward(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def open_asked(self, database: str) -> None:
        """Open what the second launch was given; when jobs run here, ask first (opening
        another database pauses them, as closing does)."""
        window = self.window
        if database == str(window.database_target):
            return
        running = window.manager.running_job_ids() if window.manager is not None else set()
        if not running:
            window.spawn(window.database.open_database(database))
            return
        translate = QCoreApplication.translate
        asked = translate("InstanceServer", "RSS Desktop Companion was asked to open {database}."
                          ).format(database=shown_name(database))
        count = len(running)
        jobs = translate("InstanceServer", "%n job(s) running here.", "", count)
        box = QMessageBox(QMessageBox.Icon.Question,
                          translate("InstanceServer", "Open another database while a job runs"),
                          f"{asked} {jobs}", parent=window)
        box.setInformativeText(translate(
            "InstanceServer", "Opening it pauses them after their current chunk; the work done "
            "is kept. They go on from where they stopped the next time this database is opened."))
        open_button = box.addButton(translate("InstanceServer", "Open and pause"),
                                    QMessageBox.ButtonRole.AcceptRole)
        box.addButton(translate("InstanceServer", "Keep this one"),
                      QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(open_button)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        open_button.clicked.connect(lambda: window.spawn(window.database.open_database(database)))
        self.open_question = box
        box.open()
