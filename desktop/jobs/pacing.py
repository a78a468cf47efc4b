"""How long a job leaves SQLite's write lock free between chunks, so other writers get in.

A writer blocked by our transaction waits in SQLite's busy handler, which sleeps in growing
steps (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 ms, then 100 ms at a time) and only tries the
lock when it wakes. Chunks that follow each other at once would keep it out for the whole job.
We cannot see a waiting writer, only its commits (``PRAGMA data_version``) and whether another
program has the database open at all (``sqlite_file.OtherProcesses``). So:

- no other program has the file open: nobody can be waiting; chunks follow each other at once;
- another connection committed twice within the last second ("sharing": a busy writer): chunks
  aim at ``shared_seconds`` and each is followed by a pause just as long; a writer that began
  waiting during a chunk is still polling every few ms, and gets in within about two chunks.
  One commit a second (a person's clicks) is not enough: for such a writer sharing costs half
  the job's time and bounds its wait no better than the schedule below (measured);
- otherwise (a writer nobody has seen, e.g. one star click a second): the lock is never held
  longer than ``hold_limit`` plus one chunk without a ``short_pause``. With the busy handler's
  steps, a free 25 ms after at most ~125 ms held lands one of a new waiter's tries (at 53, 78,
  103 or 128 ms) whatever its phase, so its wait stays within ~130 ms. No cheaper schedule does
  that: a writer we cannot see costs a free window every ~125 ms, 17 % of the lock's time
  (``benchmarks/pacing_model.py`` searches all of them). Every ``probe_every`` seconds the
  pause is ``probe_pause`` instead, longer than the handler's longest step, so that a writer
  whose steps have grown to 50 or 100 ms gets in too.
"""

from __future__ import annotations

import time

BUSY_HANDLER_LONGEST_STEP = 0.100


class Pacer:
    def __init__(self, chunk_seconds: float, *, shared_seconds: float = 0.050,
                 shared_pause: float = 0.025, sharing_window: float = 1.0,
                 hold_limit: float | None = 0.090, short_pause: float = 0.025,
                 probe_every: float | None = 2.0,
                 probe_pause: float = BUSY_HANDLER_LONGEST_STEP + 0.010, clock=time.monotonic):
        self.chunk_seconds = chunk_seconds
        self.shared_seconds = min(shared_seconds, chunk_seconds)
        self.shared_pause = shared_pause
        self.sharing_window = sharing_window
        self.hold_limit = hold_limit
        self.short_pause = short_pause
        self.probe_every = probe_every
        self.probe_pause = probe_pause
        self._clock = clock
        self.chunks = self.pauses = 0  # how this job shared the lock, for tests and benchmarks
        self.paused_seconds = 0.0
        self._version: int | None = None
        self._foreign: list[float] = []  # when this job saw other connections' commits
        self._held_since = self._probed_at = clock()

    def start(self, data_version: int) -> None:
        """The connection's ``PRAGMA data_version`` before the first chunk."""
        self._version = data_version
        self._held_since = self._probed_at = self._clock()

    @property
    def sharing(self) -> bool:
        now = self._clock()
        return sum(1 for seen in self._foreign if now - seen < self.sharing_window) >= 2

    @property
    def target_seconds(self) -> float:
        """How long the next chunk's transaction should take."""
        return self.shared_seconds if self.sharing else self.chunk_seconds

    def pause_after(self, data_version: int, others_present: bool = True) -> float:
        """Seconds to leave the lock free after a chunk whose commit left ``data_version``;
        ``others_present``: another program may have the database open."""
        pause = self._pause(data_version, others_present)
        self.chunks += 1
        if pause:
            self.pauses += 1
            self.paused_seconds += pause
            self._held_since = self._clock() + pause
        return pause

    def _pause(self, data_version: int, others_present: bool) -> float:
        now = self._clock()
        if self._version is not None and data_version != self._version:
            self._foreign = [seen for seen in self._foreign[-1:]
                             if now - seen < self.sharing_window] + [now]
        self._version = data_version
        if not others_present:
            # Alone with the file, or a backend that needs no pacing (PostgreSQL, whose
            # changes_seen moves with this engine's own commits too): nobody waits, and the
            # chunks aim at chunk_seconds, not at the shorter shared_seconds.
            self._held_since = self._probed_at = now
            self._foreign.clear()
            return 0.0
        if self.sharing:
            return self.shared_pause
        if self.probe_every is not None and now - self._probed_at >= self.probe_every:
            self._probed_at = now + self.probe_pause
            return self.probe_pause
        if self.hold_limit is not None and now - self._held_since >= self.hold_limit:
            return self.short_pause
        return 0.0
