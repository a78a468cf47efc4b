"""Rows of ``desktop_workers``: which processes run jobs, and when each last proved alive."""

from __future__ import annotations

from .clock import utc_now_text
from .models import Worker


def register_worker(owner: str, host: str, pid: int) -> None:
    now = utc_now_text()
    Worker.insert(owner=owner, host=host, pid=pid, started_at=now, heartbeat_at=now).on_conflict(
        conflict_target=[Worker.owner], update={Worker.heartbeat_at: now}).execute()


def heartbeat(owner: str) -> bool:
    """Record that ``owner`` is alive; False if its row is gone (it was declared dead)."""
    return Worker.update(heartbeat_at=utc_now_text()).where(Worker.owner == owner).execute() == 1


def unregister_worker(owner: str) -> None:
    Worker.delete().where(Worker.owner == owner).execute()


def heartbeats() -> dict[str, str]:
    """{owner: last heartbeat} of every registered worker."""
    return dict(Worker.select(Worker.owner, Worker.heartbeat_at).tuples())


def forget_workers_before(cutoff: str) -> int:
    """Drop rows of workers silent since before ``cutoff`` (their jobs were taken over)."""
    return Worker.delete().where(Worker.heartbeat_at < cutoff).execute()
