"""Our engine, measured as the desktop app runs it: BulkOperationManager on a qasync loop.

Each function runs in a fresh child process (see child.py) on a fresh copy of the database and
returns a plain dict. Times are time.monotonic(), which the writer process shares on Linux.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .dataset import USER_ID
from .paths import ROOT
from .stats import summary
from .targets import is_server_url
from .undo_record import measure_record

PROBE_MS = 5


def run_qt(main):
    """Run ``main()`` (a coroutine function) on a qasync loop over an offscreen QApplication."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(main())


class LoopProbe:
    """A QTimer on the GUI thread firing every ``ms``; a late tick is the loop's stall."""

    def __init__(self, ms: int = PROBE_MS):
        from PySide6.QtCore import Qt, QTimer

        self.interval = ms / 1000
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.monotonic()))

    def start(self) -> None:
        self._gaps: list[float] = []
        self.resume()

    def pause(self) -> None:
        """Stop timing for a while (the benchmark's own work, not the window's)."""
        self.timer.stop()
        self.ticks.append(time.monotonic())
        self._gaps += [max(0.0, b - a - self.interval)
                       for a, b in itertools.pairwise(self.ticks)]

    def resume(self) -> None:
        self.ticks.clear()
        self.ticks.append(time.monotonic())
        self.timer.start()

    def stop(self) -> dict:
        self.pause()
        return summary(self._gaps, scale=1e3)  # milliseconds beyond the interval


# The other program beside the job, as benchmarks/sqlite/writer.py options (see its docstring).
WRITERS = {"contention": (), "sparse": ("--between", "0.9", "1.7", "--single"),
           "connected": ("--idle",)}


class Writer:
    """The other program's process (benchmarks/sqlite/writer.py, or postgresql/writer.py for a
    PostgreSQL URL), started with ``options``."""

    def __init__(self, path, category_id: int, options=()):
        module = ("benchmarks.postgresql.writer" if is_server_url(path)
                  else "benchmarks.sqlite.writer")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, str(path), str(category_id), *options],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        if self.proc.stderr.readline().strip() != "ready":
            raise RuntimeError("the writer process did not start: " + self.proc.stderr.read())

    def stop(self, start: float, end: float) -> dict:
        out, _ = self.proc.communicate(input="", timeout=60)
        data = json.loads(out)
        during = [op for op in data["ops"] if start <= op[1] <= end]
        errors = [e for e in data["errors"] if start <= e[1] <= end]
        result = {"waits_ms": summary([op[2] for op in during], scale=1e3),
                  # every wait (0.1 ms), to pool the runs of a sparse writer
                  "waits_during_job_ms": [round(op[2] * 1e3, 1) for op in during],
                  "starts_during_job": [op[1] for op in during],
                  "lock_ms": summary([op[3] for op in during], scale=1e3),
                  "commit_ms": summary([op[4] for op in during], scale=1e3),
                  "worst": [{"start": op[1], "wait_ms": op[2] * 1e3, "kind": op[0]}
                            for op in sorted(during, key=lambda op: -op[2])[:5]],
                  "errors": len(errors),
                  "error_messages": sorted({e[3] for e in errors}), "inserted": data["inserted"],
                  "writes_total": len(data["ops"]) + len(data["errors"])}
        result["writes_per_second"] = len(during) / (end - start) if end > start else 0.0
        return result


class PaceLog:
    """Every pause the job's Pacer chose, by kind, and the stretches the job went without leaving
    the lock free: from the end of one pause to the end of the chunk before the next (an upper
    bound on holding the lock: it includes a chunk's own wait for the other program's lock)."""

    def __init__(self):
        self.kinds = {"none": 0, "shared": 0, "short": 0, "probe": 0}
        self.stretches: list[float] = []
        self.timeline: list[tuple[float, str]] = []  # (chunk's end, the pause chosen after it)
        self._free_since: float | None = None

    def install(self) -> None:
        from desktop.jobs import manager, pacing, runner

        log = self

        class LoggedPacer(pacing.Pacer):
            def pause_after(self, data_version, others_present=True):
                pause = super().pause_after(data_version, others_present)
                log.note(pause, self.sharing, pause >= self.probe_pause)
                return pause

        for module in (manager, runner):  # wherever the engine looks it up; this child only
            if hasattr(module, "Pacer"):
                module.Pacer = LoggedPacer

    def on_event(self, event) -> None:
        if event.kind == "started":  # the first chunk follows
            self._free_since = time.monotonic()

    def note(self, pause: float, sharing: bool, probe: bool) -> None:
        now = time.monotonic()
        if self._free_since is None:
            self._free_since = now
        kind = "none" if not pause else "probe" if probe else "shared" if sharing else "short"
        self.kinds[kind] += 1
        self.timeline.append((now, kind))
        if pause:
            self.stretches.append(now - self._free_since)
            self._free_since = now + pause

    def unseen(self, start: float) -> bool:
        """Whether the job was not pausing after every chunk when a write began at ``start``
        (it pauses after every chunk, "shared", for a while after it sees another commit)."""
        before = [kind for at, kind in self.timeline if at <= start]
        return not before or before[-1] != "shared"

    def summary(self, pacer) -> dict:
        result = {"pauses_by_kind": self.kinds,
                  "held_stretch_ms": summary(self.stretches, scale=1e3)}
        if pacer is not None:
            result.update(chunks=pacer.chunks, pauses=pacer.pauses,
                          paused_seconds=pacer.paused_seconds)
        return result


async def _engine_job(path, category_id: int, options: dict, *, writer, trace: bool) -> dict:
    from desktop.jobs import BulkOperationManager

    pace_log = PaceLog()
    pace_log.install()
    tracer = None
    if trace:
        from .trace import ChunkTrace
        tracer = ChunkTrace()
        tracer.install()
    manager = BulkOperationManager(path, **options)
    await manager.open()
    progress: list[tuple[float, int]] = []
    manager.subscribe(lambda e: progress.append((time.monotonic(), e.job.progress))
                      if e.kind == "progress" else None)
    manager.subscribe(pace_log.on_event)
    probe = LoopProbe()
    probe.start()
    await asyncio.sleep(0.3)
    idle = probe.stop()  # the probe's own noise on an idle loop
    proc = Writer(path, category_id, writer) if writer is not None else None
    if proc:
        await asyncio.sleep(0.3)  # the writer settles into its pace
    probe.start()
    cpu_before = await manager.db.call(time.thread_time)  # the database thread's CPU time
    started = time.monotonic()
    job_id = await manager.create_job("mark_category_read", USER_ID,
                                      {"category_id": category_id})
    job = await manager.wait_for_job(job_id)
    ended = time.monotonic()
    db_cpu = await manager.db.call(time.thread_time) - cpu_before
    stalls = probe.stop()
    await manager.close()
    result = {"seconds": ended - started, "status": job.status, "progress": job.progress,
              "total": job.total, "marked": job.marked_count, "watermark": job.watermark,
              "chunks": len(progress), "stall_ms": stalls, "idle_stall_ms": idle,
              "db_thread_cpu_seconds": db_cpu, "record": measure_record(path, job.marked_count),
              "options": options, "pacing": pace_log.summary(manager.pacers.get(job_id))}
    sizes = [b - a for (_, a), (_, b) in zip([(started, 0), *progress], progress, strict=False)]
    result["chunk_sizes"] = summary(sizes)
    if proc:
        writes = result["writer"] = proc.stop(started, ended)
        starts = writes.pop("starts_during_job")
        writes["unseen_waits_ms"] = [wait for wait, start in zip(
            writes["waits_during_job_ms"], starts, strict=True) if pace_log.unseen(start)]
    if tracer:
        result["trace"] = tracer.summary()
    return result


def run_engine(path, category_id: int, options: dict | None = None, *, writer=None,
               trace: bool = False) -> dict:
    """Measurements 3 and 4: the whole category job, with the loop probe; with ``writer`` (a
    tuple of benchmarks/sqlite/writer.py options, see WRITERS), beside that other program."""
    return run_qt(lambda: _engine_job(path, category_id, options or {}, writer=writer,
                                      trace=trace))


async def _timed(awaitable) -> tuple[float, object]:
    started = time.perf_counter()
    value = await awaitable
    return time.perf_counter() - started, value


async def _latency(path, category_id: int, options: dict) -> dict:
    from desktop.jobs import BulkOperationManager

    from .plain_connection import open_plain

    manager = BulkOperationManager(path, **options)
    await manager.open()
    server = open_plain(path)  # the web server's status endpoint: its own connection
    status_sql = "SELECT * FROM bulk_operation_jobs WHERE id = ? AND user_id = ?"
    feed_id = server.execute("SELECT id FROM feeds WHERE category_id = ? LIMIT 1",
                             (category_id,)).fetchone()[0]
    create_idle, status_idle = [], []
    for _ in range(5):
        seconds, job_id = await _timed(manager.create_job(
            "mark_feed_read", USER_ID, {"feed_id": feed_id}, run=False))
        create_idle.append(seconds)
    for _ in range(30):
        status_idle.append((await _timed(manager.get_job(USER_ID, job_id)))[0])
    seconds, job_id = await _timed(manager.create_job("mark_category_read", USER_ID,
                                                      {"category_id": category_id}))
    create_busy, status_busy, server_busy = [seconds], [], []
    task = asyncio.ensure_future(manager.wait_for_job(job_id))
    polls = 0
    while not task.done():
        status_busy.append((await _timed(manager.get_job(USER_ID, job_id)))[0])
        began = time.perf_counter()
        server.execute(status_sql, (job_id, USER_ID)).fetchall()
        server_busy.append(time.perf_counter() - began)
        polls += 1
        if polls % 10 == 0:
            create_busy.append((await _timed(manager.create_job(
                "mark_feed_read", USER_ID, {"feed_id": feed_id}, run=False)))[0])
        await asyncio.sleep(0.02)
    job = await task
    server.close()
    await manager.close()
    ms = 1e3
    return {"status": job.status, "progress": job.progress, "total": job.total,
            "watermark": job.watermark, "create_idle_ms": summary(create_idle, ms),
            "create_during_job_ms": summary(create_busy, ms),
            "status_idle_ms": summary(status_idle, ms),
            "status_during_job_ms": summary(status_busy, ms),
            "server_status_during_job_ms": summary(server_busy, ms)}


def run_latency(path, category_id: int, options: dict | None = None) -> dict:
    """Measurement 5: create_job and get_job latency, idle and while the category job runs."""
    return run_qt(lambda: _latency(path, category_id, options or {}))


def run_open(path, checks_record: str | None = None) -> dict:
    """Opening a database as the faces do: ``open()`` (the file inspected through SQLite, the
    connections made) then ``prepare_for_writing()`` (the check before the first write, and the
    app's additive schema: created on a server's file the first time, only checked later), then
    ``close()``. Plain asyncio, as the CLI runs; imports are done before the clock starts.
    ``checks_record``: where passed checks are remembered (the faces keep one: a file unchanged
    since its last check is not checked again); None: every open checks."""
    from desktop.jobs import BulkOperationManager

    async def main():
        manager = BulkOperationManager(
            path, checks_record=Path(checks_record) if checks_record else None)
        began = time.perf_counter()
        await manager.open()
        opened = time.perf_counter()
        await manager.prepare_for_writing()
        prepared = time.perf_counter()
        await manager.close()
        closed = time.perf_counter()
        return {"open_seconds": opened - began, "prepare_seconds": prepared - opened,
                "seconds": prepared - began, "close_seconds": closed - prepared}

    return asyncio.run(main())


def run_memory(path, category_id: int, options: dict | None = None) -> dict:
    """Measurement 6: peak RSS growth of this process during the job, beyond its resident size
    after opening the database. The engine is Qt-free, so this runs it on plain asyncio.

    ru_maxrss cannot give this alone: exec keeps the parent's peak in it (a child of a 130 MB
    benchmark process starts with ru_maxrss 130 MB), and start-up can peak above the job. So
    the peak is reset after opening (Linux ``clear_refs`` 5) and read as VmHWM; ru_maxrss is
    kept alongside for comparison.
    """
    import resource

    from desktop.jobs import BulkOperationManager

    def status_kb(field: str) -> int:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

    def maxrss_kb() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    async def main():
        manager = BulkOperationManager(path, **(options or {}))
        await manager.open()
        maxrss_before = maxrss_kb()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM := VmRSS
        base = status_kb("VmRSS")
        samples = []
        manager.subscribe(lambda e: samples.append(status_kb("VmRSS")))
        job_id = await manager.create_job("mark_category_read", USER_ID,
                                          {"category_id": category_id})
        job = await manager.wait_for_job(job_id)
        peak = status_kb("VmHWM")
        await manager.close()
        return {"status": job.status, "progress": job.progress, "watermark": job.watermark,
                "baseline_mb": base / 1024, "peak_mb": peak / 1024,
                "growth_mb": (peak - base) / 1024,
                "sampled_growth_mb": (max(samples, default=base) - base) / 1024,
                "ru_maxrss_before_mb": maxrss_before / 1024,
                "ru_maxrss_after_mb": maxrss_kb() / 1024}

    return asyncio.run(main())
