"""Where a chunk's time goes: wraps the engine's steps with timers (``--trace``), never edits them.

Per chunk: the ownership check, span_counts (which feeds have articles in the id span), the
per-feed upserts, the undo record (record_begin before them, record_end after),
feed_categories, record_chunk (progress, returning the row), and the rest of the transaction,
which is mostly COMMIT. Also the time the database thread sits idle between chunks, and the
count of the scope's total that runs before the first chunk.
"""

from __future__ import annotations

import itertools
import time

STEPS = ("held_cursor", "span_counts", "record_begin", "mark_feed_range_read", "record_end",
         "feed_categories", "record_chunk", "load_job")


class ChunkTrace:
    def __init__(self):
        self.chunks: list[dict] = []
        self.count_seconds = 0.0
        self._current: dict[str, float] = {}
        self._calls: dict[str, int] = {}

    def install(self) -> None:
        from desktop.jobs import chunk, runner
        from desktop.store.backends import postgres_record, sqlite_record

        def timed(name, fn):
            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    self._current[name] = (self._current.get(name, 0.0)
                                           + time.perf_counter() - started)
                    self._calls[name] = self._calls.get(name, 0) + 1
            return wrapper

        # Best effort: a step the engine no longer has is simply not timed.
        for name in ("span_counts", "mark_feed_range_read", "feed_categories"):
            if hasattr(chunk, name):
                setattr(chunk, name, timed(name, getattr(chunk, name)))
        # each backend's recorder (SQLite's, PostgreSQL's): methods patched on the class
        for module, kind in ((sqlite_record, "RowidRecorder"),
                             (postgres_record, "ServerSideRecorder")):
            recorder = getattr(module, kind, None)
            for step, name in (("record_begin", "begin"), ("record_end", "end")):
                if recorder is not None:
                    setattr(recorder, name, timed(step, getattr(recorder, name)))
        for name in ("held_cursor", "record_chunk", "load_job"):
            if hasattr(chunk.jobs_table, name):
                setattr(chunk.jobs_table, name, timed(name, getattr(chunk.jobs_table, name)))
        original_chunk = runner.mark_chunk_read
        original_count = runner.count_in_scope

        def traced_chunk(*args, **kwargs):
            self._current, self._calls = {}, {}
            started = time.perf_counter()
            outcome = original_chunk(*args, **kwargs)
            record = {step: self._current.get(step, 0.0) for step in STEPS}
            record.update(start=started, end=time.perf_counter(), seconds=outcome.seconds,
                          size=args[6], processed=outcome.processed,
                          feeds=self._calls.get("mark_feed_range_read", 0))
            record["commit_and_rest"] = outcome.seconds - sum(record[s] for s in STEPS)
            self.chunks.append(record)
            return outcome

        def traced_count(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original_count(*args, **kwargs)
            finally:
                self.count_seconds += time.perf_counter() - started

        runner.mark_chunk_read = traced_chunk
        runner.count_in_scope = traced_count

    def summary(self) -> dict:
        chunks = self.chunks
        if not chunks:
            return {}
        idle = [b["start"] - a["end"] for a, b in itertools.pairwise(chunks)]
        totals = {step: sum(c[step] for c in chunks) for step in (*STEPS, "commit_and_rest")}
        sizes = [c["size"] for c in chunks]
        return {
            "chunks": len(chunks),
            "count_in_scope_seconds": self.count_seconds,
            "chunk_seconds_total": sum(c["seconds"] for c in chunks),
            "steps_seconds": totals,
            "idle_between_chunks_seconds": sum(idle),
            "chunk_size": {"first": sizes[0], "median": sorted(sizes)[len(sizes) // 2],
                           "max": max(sizes), "last": sizes[-1]},
            "chunk_ms": {"median": sorted(c["seconds"] for c in chunks)[len(chunks) // 2] * 1e3,
                         "max": max(c["seconds"] for c in chunks) * 1e3},
            "per_chunk": [{k: (v if k in ("start", "end") else round(v * 1e3, 3))
                           if isinstance(v, float) else v for k, v in c.items()}
                          for c in chunks],  # ms, but start and end in monotonic seconds
        }
