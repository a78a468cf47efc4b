"""Every SQL statement of every chunk, timed, with its query plan (``--trace``, or ``--only
statements``): where one chunk's time goes, statement by statement.

The engine runs a whole category job as the CLI does (plain asyncio, undo record on) on a fresh
copy. The database object of its database thread gets timing wrappers around ``execute_sql``,
``begin`` and ``commit`` (peewee sends every statement through these), and the chunk's steps
(chunk.py's calls into store/) are wrapped to name the step each statement belongs to; nothing
in desktop/ changes. A statement's time is its execution by SQLite, for a SELECT until its last
row (the rows are read at once inside the timer; a chunk's SELECTs return a few rows each),
and for COMMIT the writing of its WAL frames. What a chunk takes beyond its
statements is Python: building the queries in peewee, reading rows, the wrappers themselves.
After the job, ``EXPLAIN QUERY PLAN`` runs for each distinct statement with the parameters it
first had, on the engine's own connection (where the TEMP table of the undo record exists).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time

from ..common.dataset import USER_ID

# chunk.py's calls, by the module attribute chunk.py looks them up on
STEPS = (("chunk", "span_counts"), ("chunk", "mark_feed_range_read"),
         ("chunk", "feed_categories"), ("undo_record", "begin"), ("undo_record", "end"),
         ("jobs_table", "held_cursor"), ("jobs_table", "record_chunk"),
         ("job_requests", "check_user_exists"))
SKIP_CHUNKS = 5  # the first chunks grow from 1,000 articles: not typical
LIST = re.compile(r"\((?:\?, )+\?\)")


def normalise(sql: str) -> str:
    """One text per statement shape: "IN (?, ?, ?)" lists of any length alike."""
    return LIST.sub("(?, …)", " ".join(sql.split()))


class Prefetched:
    """A cursor whose rows were all read at once, so that the statement's whole execution is
    timed (a GROUP BY over an index streams: most of it runs while the rows are fetched)."""

    def __init__(self, cursor):
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self._rows = iter(cursor.fetchall())
        cursor.close()

    def fetchone(self):
        return next(self._rows, None)

    def fetchall(self):
        return list(self._rows)

    def fetchmany(self, size=1):
        return [row for _, row in zip(range(size), self._rows, strict=False)]

    def __iter__(self):
        return self._rows

    def close(self) -> None:
        pass


class StatementLog:
    def __init__(self):
        self.chunks: list[dict] = []
        self.first_params: dict[str, tuple] = {}
        self._current: dict | None = None
        self._step = "transaction"

    def install(self, db) -> None:
        """Time every statement of ``db`` (the database thread's peewee database)."""
        log = self
        execute_sql, begin, commit = db.execute_sql, db.begin, db.commit

        def timed(label, fn, sql_of):
            def wrapper(*args, **kwargs):
                if log._current is None:
                    return fn(*args, **kwargs)
                started = time.perf_counter()
                try:
                    result = fn(*args, **kwargs)
                    if label == "sql" and result.description is not None:
                        result = Prefetched(result)  # a SELECT runs until its last row
                    return result
                finally:
                    log.note(sql_of(*args, **kwargs), time.perf_counter() - started,
                             args[1] if label == "sql" and len(args) > 1 else kwargs.get("params"))
            return wrapper

        db.execute_sql = timed("sql", execute_sql, lambda sql, *a, **k: sql)
        db.begin = timed("begin", begin, lambda lock_type=None: f"BEGIN {lock_type or ''}".strip())
        db.commit = timed("commit", commit, lambda: "COMMIT")

    def wrap_steps(self) -> None:
        from desktop.jobs import chunk, runner
        from desktop.store.backends import sqlite_record

        # the undo record steps: SQLite's recorder, its methods patched on the class
        modules = {"chunk": chunk, "undo_record": sqlite_record.RowidRecorder,
                   "jobs_table": chunk.jobs_table, "job_requests": chunk.job_requests}
        for module_name, name in STEPS:
            module = modules[module_name]
            original = getattr(module, name)
            setattr(module, name, self._step_wrapper(
                f"{name}" if module_name != "undo_record" else f"record_{name}", original))
        original_chunk = runner.mark_chunk_read

        def logged_chunk(*args, **kwargs):
            self._current = {"statements": [], "size": args[6]}
            started = time.perf_counter()
            try:
                outcome = original_chunk(*args, **kwargs)
            finally:
                chunk_record, self._current = self._current, None
            chunk_record.update(seconds=time.perf_counter() - started,
                                transaction_seconds=outcome.seconds,
                                processed=outcome.processed, changed=outcome.changed,
                                feeds=len(outcome.marked_by_feed))
            self.chunks.append(chunk_record)
            return outcome

        runner.mark_chunk_read = logged_chunk

    def _step_wrapper(self, step, fn):
        def wrapper(*args, **kwargs):
            outer, self._step = self._step, step
            try:
                return fn(*args, **kwargs)
            finally:
                self._step = outer
        return wrapper

    def note(self, sql: str, seconds: float, params) -> None:
        key = normalise(sql)
        self.first_params.setdefault(key, (sql, tuple(params or ())))
        self._current["statements"].append((self._step, key, seconds))


def _plan(db, sql: str, params) -> list[str]:
    """EXPLAIN QUERY PLAN as indented lines (SQLite's tree)."""
    if sql.split()[0].upper() in ("BEGIN", "COMMIT", "PRAGMA"):
        return []
    rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def _by_statement(chunks: list[dict]) -> list[dict]:
    """Per (step, statement): calls and milliseconds in a chunk, medians over ``chunks``."""
    keys = []
    for c in chunks:
        for step, key, _ in c["statements"]:
            if (step, key) not in keys:
                keys.append((step, key))
    rows = []
    for step, key in keys:
        calls = [sum(1 for s, k, _ in c["statements"] if (s, k) == (step, key)) for c in chunks]
        ms = [sum(t for s, k, t in c["statements"] if (s, k) == (step, key)) * 1e3
              for c in chunks]
        rows.append({"step": step, "sql": key, "calls_median": statistics.median(calls),
                     "ms_median": statistics.median(ms), "ms_total": sum(ms)})
    return rows


def run_statements(path, category_id: int, options: dict | None = None) -> dict:
    from desktop.jobs import BulkOperationManager
    from desktop.store.models import database_proxy

    log = StatementLog()
    log.wrap_steps()

    async def main():
        manager = BulkOperationManager(path, **(options or {}))
        await manager.open()
        await manager.prepare_for_writing()
        db = await manager.db.call(lambda: database_proxy.obj)
        log.install(db)
        started = time.perf_counter()
        job_id = await manager.create_job("mark_category_read", USER_ID,
                                          {"category_id": category_id})
        job = await manager.wait_for_job(job_id)
        seconds = time.perf_counter() - started
        plans = await manager.db.call(lambda: {
            key: _plan(db, sql, params) for key, (sql, params) in log.first_params.items()})
        await manager.close()
        return job, seconds, plans

    job, seconds, plans = asyncio.run(main())
    chunks = log.chunks
    steady = chunks[SKIP_CHUNKS:-1] or chunks
    by_duration = sorted(range(len(steady)), key=lambda i: steady[i]["seconds"])
    typical = steady[by_duration[len(by_duration) // 2]]
    in_statements = [sum(t for _, _, t in c["statements"]) for c in steady]
    return {
        "status": job.status, "progress": job.progress, "watermark": job.watermark,
        "marked": job.marked_count, "seconds": seconds, "chunks": len(chunks),
        "steady_chunks": len(steady),
        "chunk_ms_median": statistics.median(c["seconds"] for c in steady) * 1e3,
        "chunk_size_median": statistics.median(c["size"] for c in steady),
        "statements_ms_median": statistics.median(in_statements) * 1e3,
        "python_ms_median": statistics.median(
            c["seconds"] - s for c, s in zip(steady, in_statements, strict=True)) * 1e3,
        "typical_chunk": {
            "index": chunks.index(typical), "size": typical["size"],
            "processed": typical["processed"], "changed": typical["changed"],
            "feeds": typical["feeds"], "ms": typical["seconds"] * 1e3,
            "statements_ms": sum(t for _, _, t in typical["statements"]) * 1e3,
            "statements": [{"step": step, "sql": key, "ms": t * 1e3}
                           for step, key, t in typical["statements"]]},
        "by_statement": _by_statement(steady),
        "plans": plans,
    }


def show(result: dict, console) -> None:
    """The typical chunk, statement by statement, as a Markdown table (for benchmarks/README)."""
    t = result["typical_chunk"]
    console.print(
        f"\nOne typical chunk (#{t['index'] + 1} of {result['chunks']}, the median-length one "
        f"after the first {SKIP_CHUNKS}): ids span {t['size']:,}, {t['processed']:,} articles "
        f"of the scope, {t['changed']:,} changed, {t['feeds']} feeds; {t['ms']:.1f} ms, of "
        f"which {t['statements_ms']:.1f} ms in SQLite statements. Steady chunks: median "
        f"{result['chunk_ms_median']:.1f} ms, statements {result['statements_ms_median']:.1f} "
        f"ms, Python {result['python_ms_median']:.1f} ms.\n", markup=False)
    console.print("| step | statement | ms | plan |", markup=False)
    console.print("|---|---|---:|---|", markup=False)
    merged: list[list] = []
    for s in t["statements"]:
        if merged and merged[-1][0] == s["step"] and merged[-1][1] == s["sql"]:
            merged[-1][2] += s["ms"]
            merged[-1][3] += 1
        else:
            merged.append([s["step"], s["sql"], s["ms"], 1])
    for step, sql, ms, calls in merged:
        plan = "; ".join(line.strip() for line in result["plans"].get(sql, []))
        short = sql if len(sql) <= 110 else sql[:107] + "…"
        times = f" ×{calls}" if calls > 1 else ""
        console.print(f"| {step}{times} | `{short}` | {ms:.2f} | {plan} |", markup=False)
