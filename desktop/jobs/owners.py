"""Who runs a job: an owner id per running worker, and telling whether an owner is gone."""

from __future__ import annotations

import os
import socket
import uuid


def new_owner_id() -> str:
    """A fresh id for this process's worker: ``host:pid:token``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def owner_is_gone(owner: str | None) -> bool:
    """True when ``owner`` is a worker on this host whose process no longer exists.

    Owners on other hosts (and owner ids that are not ours) are never judged gone here.
    """
    if not owner:
        return False
    parts = owner.split(":")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
