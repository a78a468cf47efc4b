"""Leases: who runs a job, and how another process tells that its owner is gone.

A job running here carries the owner id ``host:pid:token`` of this engine. SQLite's WAL cannot
be shared between hosts, so liveness is a question about processes on this host, answered from
the operating system without writing anything to the database (no heartbeat: an idle engine
leaves the file untouched):

- On Linux the token records the boot id and the process's start time (``/proc/PID/stat``), so
  an owner is alive exactly when a process with that pid and that start time runs in this boot.
  A pid reused after a reboot, or by another program later, is never taken for the owner.
- Elsewhere the token is random and the pid alone is checked.
- An owner on another host (the file was moved, or the host renamed) is judged by its job row:
  gone once the row has not changed for ``EXPIRY_SECONDS``, as a live engine commits every chunk.

Taking a job over is a guarded update (``jobs_table.claim_job``), and every chunk checks the job
is still its owner's, so even a wrong verdict never runs a chunk twice.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..store.clock import parse_db_text, to_db_text
from ..store.jobs_table import JobRecord

if TYPE_CHECKING:
    import pendulum

EXPIRY_SECONDS = 60.0  # a job row of another host's worker unchanged this long: gone
PENDING_GRACE_SECONDS = 10.0  # a row another program left pending: give it time to start it
STALLED_SECONDS = 60.0  # the web server moves a running job's progress ~10 times a second
ABANDONED_SECONDS = 3600.0  # the server spec's rule, for rows nobody watched stall


@cache
def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip().replace("-", "")[:12]
    except OSError:
        return None


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, or None if there is no such
    process (or it cannot be seen)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ..." where comm may contain spaces and parentheses
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[19])  # field 22 of the whole line


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def make_owner() -> str:
    """This process's owner id for one engine: ``host:pid:token``."""
    pid = os.getpid()
    token = uuid.uuid4().hex[:8]
    if sys.platform.startswith("linux") and _boot_id() and _start_ticks(pid) is not None:
        token = f"{_boot_id()}.{_start_ticks(pid)}.{token}"
    return f"{socket.gethostname()}:{pid}:{token}"


def _split(owner: str | None) -> tuple[str, int, str] | None:
    parts = (owner or "").split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def owned_by_us(owner: str | None) -> bool:
    """Whether an owner id is one of ours (the web server writes none)."""
    return _split(owner) is not None


def local_owner_alive(owner: str) -> bool:
    """For an owner on this host: does the process it names still run?"""
    _host, pid, token = _split(owner)
    identity = token.split(".")
    if len(identity) == 3 and identity[1].isdigit() and _boot_id():
        boot, started = identity[0], int(identity[1])
        if boot != _boot_id():
            return False  # this host has rebooted since
        ticks = _start_ticks(pid)
        if ticks is not None:
            return ticks == started
        # not in /proc: gone, unless /proc hides other users' processes (hidepid)
    return _pid_exists(pid)


class Decision(NamedTuple):
    """What recovery does with a job this engine does not run yet (see ``decide``)."""

    run: bool
    take_from: str | None = None  # the owner it is taken from (None: no owner of ours)
    note: str | None = None  # the job's message when the web server's job is taken from it
    waiting: bool = False  # a pending row of the web server's, within its grace period


def _older_than(text: str | None, seconds: float, now: pendulum.DateTime) -> bool:
    moment = parse_db_text(text)
    return moment is None or (now - moment).total_seconds() > seconds


def server_cannot_run(job: JobRecord, *, now: pendulum.DateTime, foreign_present: bool,
                      stalled: bool = True) -> str | None:
    """Why the web server can no longer run its pending or running ``job`` (a row without an
    owner of ours), or None while it still may — then the job is neither taken nor cancelled.

    The server never looks at a job's status once it has it: a row taken or cancelled while its
    process lives (even stopped: SIGSTOP, a swapped-out VM) is run by it again when it resumes.
    Only two things prove it cannot: no program other than this app's engines has the database
    open (``foreign_present`` False: the backend's evidence, /proc/locks or pg_stat_activity),
    past the pending row's grace period, or for a running row once ``stalled`` (its progress
    watched unchanged); or the spec's own rule, an hour after the job was created or started.
    """
    pending = job.status == "pending"
    if not foreign_present:
        if pending and _older_than(job.created_at, PENDING_GRACE_SECONDS, now):
            return "no program but this app has the database open, so no web server can start it"
        if not pending and stalled:
            return "its progress had stopped and no program but this app has the database open"
    began = job.created_at if pending else (job.started_at or job.created_at)
    if _older_than(began, ABANDONED_SECONDS, now):
        return (f"it was still {job.status} an hour after it "
                f"{'was created' if pending else 'started'} (the spec's rule for abandoned jobs)")
    return None


def taken_over_note(reason: str, now: pendulum.DateTime) -> str:
    """The message of a web server's job this engine took over (kept while it runs and after:
    the server, were it to resume, rewrites only the spec's columns, with what it read)."""
    return f"taken over from the web server at {to_db_text(now)} UTC: {reason}"


def decide(job: JobRecord, *, me: str, now: pendulum.DateTime, stalled: bool = False,
           alive: dict[str, bool] | None = None,
           foreign_present: bool = True) -> Decision:
    """What to do with a pending or running job this engine does not run yet.

    A pending row with our columns filled in (a watermark) was written by a process of ours and
    runs at once; one the web server wrote is its own for ``PENDING_GRACE_SECONDS`` (it starts
    its rows itself, at once), and after that until ``server_cannot_run`` says why it no longer
    can. A running row without an owner of ours is the web server's: taken over only when
    ``server_cannot_run`` (the caller saw its progress ``stalled`` for ``STALLED_SECONDS``).
    ``alive``: the database's own verdict on owners of ours, where it has one (backends:
    PostgreSQL's advisory locks, on any host); otherwise the owner id is judged as above.
    """
    if job.status == "pending" and job.watermark is not None:
        return Decision(True)
    if job.status == "pending" and not _older_than(job.created_at, PENDING_GRACE_SECONDS, now):
        return Decision(False, waiting=True)
    if job.owner == me:
        return Decision(False)
    owner = _split(job.owner)
    if owner is None:  # written, or run, by a process without leases (the web server)
        reason = server_cannot_run(job, now=now, foreign_present=foreign_present,
                                   stalled=stalled)
        return Decision(reason is not None, job.owner,
                        taken_over_note(reason, now) if reason else None)
    if alive is not None and job.owner in alive:
        return Decision(not alive[job.owner], job.owner)
    if owner[0] == socket.gethostname():
        return Decision(not local_owner_alive(job.owner), job.owner)
    return Decision(_older_than(job.updated_at or job.started_at, EXPIRY_SECONDS, now),
                    job.owner)
