"""The one thread that does all database work, awaited from the event loop.

peewee keeps a connection per thread, and one writer thread means the engine never contends
with itself (Anki's task manager and Picard's save pool serialise the same way).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor


class DatabaseThread:
    def __init__(self, name: str = "rss-desktop-db"):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def call(self, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` on the database thread and await its result."""
        future = self._executor.submit(functools.partial(fn, *args, **kwargs))
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
