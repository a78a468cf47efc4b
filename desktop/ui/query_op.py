"""QueryOp: ask the engine something in the background and show the answer only if it still
applies (after Anki's aqt.operations.QueryOp).

    QueryOp(window, "jobs", lambda manager, user_id: manager.list_jobs(user_id),
            success=window.jobs.model.set_jobs).run_in_background()

``op(manager, user_id)`` is awaited with the window's engine and user taken when the op starts;
``success(result)`` is then called on the GUI thread (the loop's thread under qasync) unless
the answer went stale meanwhile:

- the window's database changed (another engine, or none), or its user did (unless the op
  says ``follows_user=False``: the list of users does not depend on who is chosen);
- a newer op with the same ``key`` was started since: the latest wins, so an older answer
  arriving late never replaces a newer one. ``key=None``: no op supersedes this one. Awaiting
  a superseded op's ``run()`` returns once the newest has settled, so that whoever awaits a
  reload sees one at least as new as the one they asked for (e.g. the job just created).

A stale answer is dropped, never half-shown. An error is raised to whoever awaits ``run()``;
``run_in_background()`` hands it to the window's ``spawn``, which shows it (window/messages.py).
The error of an op whose database is no longer shown is only logged: it was closed under the
op (switched, or failed and said so once), and a message about it would be noise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)

Op = Callable[[Any, "int | None"], Awaitable[Any]]  # (manager, user_id) -> result


class QueryOp:
    def __init__(self, window, key: Hashable | None, op: Op,
                 success: Callable[[Any], Any] | None = None, *, follows_user: bool = True):
        self.window = window
        self.key = key
        self.op = op
        self.success = success
        self.follows_user = follows_user
        self.manager = self.user_id = None
        self._successor: QueryOp | None = None  # the op of the same key started after this one
        self._settled = asyncio.Event()  # shown, or dropped with its successors settled

    async def run(self) -> bool:
        """Await the op; call ``success`` with its result if it still applies. Returns whether
        it did (False: dropped as stale, or no engine was open when it was asked)."""
        self._start()
        return await self._finish()

    def run_in_background(self) -> asyncio.Task:
        """``run()`` as a task of the window: its errors are shown as every task's are. The
        engine, user and place among the key's ops are taken now, not when the task starts."""
        self._start()
        return self.window.spawn(self._finish())

    def still_applies(self) -> bool:
        window = self.window
        return (window.manager is self.manager and self.manager is not None
                and (not self.follows_user or window.user_id == self.user_id))

    def _start(self) -> None:
        self.manager, self.user_id = self.window.manager, self.window.user_id
        if self.key is not None and self.manager is not None:
            latest = latest_ops(self.window)
            previous = latest.get(self.key)
            if previous is not None:
                previous._successor = self
            latest[self.key] = self

    async def _finish(self) -> bool:
        if self.manager is None:
            self._settled.set()
            return False
        try:
            try:
                result = await self.op(self.manager, self.user_id)
            except Exception as exc:
                if self.window.manager is self.manager:
                    raise
                log.info("dropped the error of a query on a database closed since: %r", exc)
                return False
            if self._successor is not None:
                await self._successor._settled.wait()
                return False
            if not self.still_applies():
                return False
            if self.success is not None:
                self.success(result)
            return True
        finally:
            latest = latest_ops(self.window)
            if latest.get(self.key) is self:
                del latest[self.key]  # done: it supersedes nothing from now on
            self._settled.set()


def latest_ops(window) -> dict[Hashable, QueryOp]:
    """The newest op started for each key, while it runs (kept on the window)."""
    ops = getattr(window, "_latest_query_ops", None)
    if ops is None:
        ops = window._latest_query_ops = {}
    return ops
