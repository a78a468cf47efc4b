"""The one thread that does all database work, awaited from the event loop.

peewee keeps a connection per thread, and one writer thread means the engine never contends
with itself (Anki's task manager and Picard's save pool serialise the same way).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import Future, ThreadPoolExecutor


class DatabaseThread:
    def __init__(self, name: str = "rss-desktop-db"):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        # Called on this thread with any error of a call, before it is raised to the caller
        # (the engine looks there for damaged storage, whatever read or write reported it).
        self.on_error = None

    async def call(self, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` on the database thread and await its result."""
        future = self._executor.submit(self._run, functools.partial(fn, *args, **kwargs))
        return await asyncio.wrap_future(future)

    def submit(self, fn, *args, **kwargs) -> Future:
        """Queue ``fn(*args, **kwargs)`` from any thread, this one included (it then runs once
        the current call returns, after what was queued before it); ``asyncio.wrap_future``
        awaits it on the loop."""
        return self._executor.submit(self._run, functools.partial(fn, *args, **kwargs))

    def _run(self, call):
        try:
            return call()
        except Exception as exc:
            if self.on_error is not None:
                self.on_error(exc)
            raise

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
