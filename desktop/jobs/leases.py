"""Leases: how a running worker proves it is alive, and how another one tells it is gone.

Each engine gets a fresh owner id ``host:pid:token`` per start, holds an OS lock on a file of
its own for its whole life, and writes a heartbeat from its own thread and connection. On the
same host a gone owner is recognised at once (its lock is free, or its pid is gone); on another
host, by the age of its heartbeat.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pendulum

from ..store import workers
from ..store.clock import parse_db_text
from ..store.models import database_proxy

try:
    import fcntl
except ImportError:  # Windows: fall back to the pid check alone
    fcntl = None

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 3.0
EXPIRY_SECONDS = 30.0  # another host's worker silent this long is gone
PENDING_GRACE_SECONDS = 10.0  # a row another program left pending: give it time to start it
ABANDONED_SECONDS = 3600.0  # the server spec's rule for running rows with no owner of ours


def lock_dir(database_path) -> Path:
    """A folder of lock files for one database, shared by every process on this host."""
    digest = hashlib.sha1(str(Path(database_path).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "rss-desktop-locks" / digest


def _split(owner: str | None) -> tuple[str, int, str] | None:
    parts = (owner or "").split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def local_owner_gone(owner: str, database_path) -> bool:
    """For an owner on this host: is it gone? (Its lock file is free, or its process is.)"""
    _host, pid, token = _split(owner)
    lock_path = lock_dir(database_path) / f"{token}.lock"
    if fcntl is not None and lock_path.exists():
        try:
            with lock_path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(handle, fcntl.LOCK_UN)
        except BlockingIOError:
            return False
        except OSError:
            pass
        else:
            with contextlib.suppress(OSError):
                lock_path.unlink()
            return True
    return pid != os.getpid() and not _pid_exists(pid)


@dataclass(frozen=True)
class JobLeaseState:
    """What recovery needs to know of one pending or running job row."""

    id: int
    status: str
    owner: str | None
    created_at: str | None
    started_at: str | None
    written_by_us: bool  # the row has our columns (a process that holds leases wrote it)


def decide(job: JobLeaseState, *, me: str, database_path, heartbeat_of: dict[str, str],
           now: pendulum.DateTime, pending_grace: float | None = None) -> tuple[bool, str | None]:
    """(run it?, the owner to take it from) for a job this engine does not run yet."""
    grace = PENDING_GRACE_SECONDS if pending_grace is None else pending_grace

    def older_than(text, seconds):
        moment = parse_db_text(text)
        return moment is None or (now - moment).total_seconds() > seconds

    if job.status == "pending":
        return (job.written_by_us or older_than(job.created_at, grace)), None
    if job.owner == me:
        return False, None
    if job.owner is None or _split(job.owner) is None:  # run by a process without leases
        return older_than(job.started_at or job.created_at, ABANDONED_SECONDS), job.owner
    host = _split(job.owner)[0]
    if host == socket.gethostname():
        return local_owner_gone(job.owner, database_path), job.owner
    return older_than(heartbeat_of.get(job.owner), EXPIRY_SECONDS), job.owner


class Lease:
    """This engine's identity while it runs jobs: owner id, lock file and heartbeat thread."""

    def __init__(self, database_path, heartbeat_seconds: float = HEARTBEAT_SECONDS):
        self.database_path = database_path
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.token = uuid.uuid4().hex[:12]
        self.owner = f"{self.host}:{self.pid}:{self.token}"
        self.heartbeat_seconds = heartbeat_seconds
        self._lock_handle = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def lock_path(self) -> Path:
        return lock_dir(self.database_path) / f"{self.token}.lock"

    def hold_lock(self) -> None:
        """Hold an OS lock for this process's life; the OS frees it however the process ends."""
        if fcntl is None:
            return
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_handle = self.lock_path.open("a")
        fcntl.flock(self._lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def start_heartbeat(self, database) -> None:
        """Beat from a thread and connection of its own, so a busy loop never looks dead."""
        self._thread = threading.Thread(target=self._beat, args=(database,), daemon=True,
                                        name="rss-desktop-heartbeat")
        self._thread.start()

    def _beat(self, database) -> None:
        database_proxy.initialize(database)
        try:
            while not self._stop.wait(self.heartbeat_seconds):
                try:
                    if not workers.heartbeat(self.owner):
                        workers.register_worker(self.owner, self.host, self.pid)
                except Exception as exc:  # locked or busy: the next beat tries again
                    log.info("heartbeat of %s failed: %s", self.owner, exc)
        finally:
            with contextlib.suppress(Exception):
                database.close()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._lock_handle is not None:
            with contextlib.suppress(OSError):
                self.lock_path.unlink()
            self._lock_handle.close()
            self._lock_handle = None
