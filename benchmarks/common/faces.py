"""The same job through the two faces: the command line and the window (issue 5: "the app's
job rate is within 10 % of the CLI's on the same file").

Both faces run as shipped (no engine knobs), each in a fresh child process (child.py) on a fresh
copy. Their job time is taken the same way for both, from the engine's own events: from
"created" (the job row is written) to "finished" (its last chunk committed). A clock is
subscribed to the face's own engine by handing the face a subclass of BulkOperationManager that
subscribes it on construction; nothing in desktop/ changes. The CLI is also timed as a whole
process (``python -m desktop mark-read``, spawn to exit) from the benchmark process itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .dataset import USER_ID
from .engine import run_qt
from .paths import ROOT


class JobClock:
    """When the engine published each kind of event (time.monotonic), and the final row."""

    def __init__(self):
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.chunks = 0
        self.job = None

    def on_event(self, event) -> None:
        now = time.monotonic()
        self.first.setdefault(event.kind, now)
        self.last[event.kind] = now
        self.chunks += event.kind == "progress"
        if event.kind == "finished":
            self.job = event.job

    def result(self) -> dict:
        job = self.job
        if job is None:
            raise RuntimeError(f"the job never finished (events seen: {sorted(self.first)})")
        seconds = self.last["finished"] - self.first["created"]
        run_seconds = self.last["finished"] - self.first["started"]
        return {"status": job.status, "progress": job.progress, "total": job.total,
                "marked": job.marked_count, "watermark": job.watermark,
                "seconds": seconds, "articles_per_second": job.progress / seconds,
                # started -> finished: without the face's work between writing the job and
                # the engine starting it (the CLI's progress bar set-up, the app's jobs reload)
                "run_seconds": run_seconds, "run_articles_per_second": job.progress / run_seconds,
                "chunks": self.chunks}


def observed_manager(clock: JobClock):
    """The engine class with ``clock`` subscribed first, before the face's own subscribers."""
    from desktop.jobs import BulkOperationManager

    class ObservedManager(BulkOperationManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.subscribe(clock.on_event)

    return ObservedManager


def cli_arguments(path, category_id: int) -> list[str]:
    return ["mark-read", "--database", str(path), "--user", str(USER_ID),
            "--category", str(category_id)]


def _tracer(trace: bool):
    """With ``--trace``: where each chunk's time went, and the gaps between chunks."""
    if not trace:
        return None
    from .trace import ChunkTrace

    tracer = ChunkTrace()
    tracer.install()
    return tracer


def run_cli(path, category_id: int, trace: bool = False) -> dict:
    """The job through ``desktop.cli.main`` in this process, progress bar on (stderr is the
    benchmark's pipe, as for a user piping it)."""
    import desktop.cli as cli

    clock, tracer = JobClock(), _tracer(trace)
    cli.load_engine()  # (its names are imported on first use: replaced after, not before)
    cli.BulkOperationManager = observed_manager(clock)  # this child process only
    began = time.monotonic()
    code = cli.main(cli_arguments(path, category_id))
    ended = time.monotonic()
    result = clock.result()
    # main() to return: also opening the database and closing it (WAL checkpoint)
    result.update(exit_code=code, face_seconds=ended - began)
    if tracer:
        result["trace"] = tracer.summary()
    return result


def run_cli_process(path, category_id: int) -> dict:
    """The real command as a user runs it, spawn to exit (``--quiet``: no progress bar); runs
    in the benchmark process. Also ``python -m desktop --version`` spawn to exit: Python's
    start and the imports, the part of the whole process that is not the database's."""
    command = [sys.executable, "-m", "desktop", *cli_arguments(path, category_id), "--quiet"]
    began = time.monotonic()
    version = subprocess.run([sys.executable, "-m", "desktop", "--version"], cwd=ROOT,
                             capture_output=True, text=True, check=False)
    startup = time.monotonic() - began
    if version.returncode != 0:
        raise RuntimeError(f"--version exited {version.returncode}:\n{version.stderr[-2000:]}")
    began = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - began
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return {"status": "completed", "process_seconds": seconds, "seconds": seconds,
            "startup_seconds": startup, "job_id": int(proc.stdout.split()[0])}


async def _app_job(path, category_id: int, trace: bool) -> dict:
    from PySide6.QtCore import QSettings

    import desktop.ui.window.database as window_database
    import desktop.ui.window.main_window as main_window

    clock, tracer = JobClock(), _tracer(trace)
    # where the window makes its engine; this child process only
    window_database.BulkOperationManager = observed_manager(clock)
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = main_window.MainWindow(settings)
        window.show()
        if not await window.database.open_database(path):
            raise RuntimeError(f"the window did not open {path}: {window.status_label.full_text}")
        if window.user_id != USER_ID:
            await window.set_user(USER_ID)
        if not window.select_scope("category", category_id):
            raise RuntimeError(f"category {category_id} is not in the window's tree")
        # As a person does: the category's article list is on screen before "Mark all as
        # read" is clicked. (Started at once, the job shares the process with the list's walk
        # of the category's 473,778 unread articles, ~0.5 s: app ÷ CLI 0.80 instead of ~0.9.)
        listed = loop.create_future()

        def on_state() -> None:
            if window.articles.model.complete and not listed.done():
                listed.set_result(True)

        window.articles.model.stateChanged.connect(on_state)
        on_state()
        await asyncio.wait_for(listed, 600)
        window.articles.model.stateChanged.disconnect(on_state)
        finished = loop.create_future()

        def on_finished(job):
            if not finished.done():
                finished.set_result(job)

        window.jobFinished.connect(on_finished)
        began = time.monotonic()
        await window.jobs.start_mark_read(window.selected_scope(), None, None)
        await asyncio.wait_for(finished, 3600)
        ended = time.monotonic()
        await window.shutdown()
        settings.sync()
    result = clock.result()
    # start_mark_read() called to jobFinished emitted: what the user waits for
    result["face_seconds"] = ended - began
    if tracer:
        result["trace"] = tracer.summary()
    return result


def run_app(path, category_id: int, trace: bool = False) -> dict:
    """The job through the real MainWindow on a qasync loop, with all of its machinery on."""
    return run_qt(lambda: _app_job(path, category_id, trace))


SMALL_JOB_UP_TO = 200  # a small job: the category's articles with ids up to this one


def run_small_job(path, category_id: int) -> dict:
    """A small job on a large file, spawn to exit (issue 26: ≤ 150 ms): ``mark-read --category
    ID --up-to-article 200 --quiet``, the category's first ~120 articles; what a start, the
    open, the count and one chunk cost. Checks its own copy: none of them left unread."""
    import sqlite3

    command = [sys.executable, "-m", "desktop", *cli_arguments(path, category_id),
               "--up-to-article", str(SMALL_JOB_UP_TO), "--quiet"]
    began = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - began
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        left = conn.execute(
            "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE "
            "f.category_id = ? AND a.id <= ? AND NOT EXISTS (SELECT 1 FROM read_status r "
            "WHERE r.user_id = ? AND r.article_id = a.id AND r.is_read)",
            (category_id, SMALL_JOB_UP_TO, USER_ID)).fetchone()[0]
    finally:
        conn.close()
    return {"status": "completed", "seconds": seconds, "process_seconds": seconds,
            "checked": True, "problems": [f"{left} articles left unread"] if left else [],
            "stderr": proc.stderr.strip()[-200:]}
