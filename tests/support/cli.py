"""Running ``rss-desktop`` (``python -m desktop``) in a process of its own and reading what it
said and wrote; with a gate that stops it right after its first chunk."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from desktop.jobs import BulkOperationManager
from support.clock import real_clock
from support.databases import database, has_table
from support.paths import PROJECT


def rss(*args) -> subprocess.CompletedProcess:
    """Run ``python -m desktop ARGS`` to the end; text stdout/stderr."""
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_one_error_line(result, *fragments) -> str:
    """Exit 2, exactly one non-empty stderr line, naming every fragment, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = lines(result.stderr)
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert str(fragment) in error_lines[0]
    assert result.stdout == ""
    return error_lines[0]


def job_rows(path) -> list[dict]:
    """Every job row; none while the job table does not exist (nothing was ever written)."""
    if not has_table(path, "bulk_operation_jobs"):
        return []
    with database(path) as conn:
        return [dict(row) for row in conn.execute("SELECT * FROM bulk_operation_jobs "
                                                  "ORDER BY id")]


def create_jobs(path, *requests, run=False) -> list[int]:
    """Create jobs with the engine: each request is (job_type, user_id, parameters).

    Made at the real time: the clock of the CLI that reads them afterwards (it deletes jobs
    that finished more than a day before its now).
    """
    async def main():
        manager = BulkOperationManager(path)
        await manager.open()
        try:
            ids = [await manager.create_job(*request, run=run) for request in requests]
            for job_id in ids:
                await manager.wait_for_job(job_id)
            return ids
        finally:
            await manager.close()

    with real_clock():
        return asyncio.run(main())


# `python -m desktop ARGS` with a gate for the test below: the first "progress" event, which the
# engine publishes on the event loop's thread right after a chunk committed, writes a byte to
# the file descriptor given first and then blocks that thread until a byte (or EOF) on stdin.
GATED_CLI = """
import os, sys
from desktop.cli import main
from desktop.jobs.events import EventHub
ready, publish = [int(sys.argv.pop(1))], EventHub.publish
def gated(hub, event):
    publish(hub, event)
    if event.kind == "progress" and ready:
        os.write(ready.pop(), b"1")
        os.read(0, 1)
EventHub.publish = gated
sys.exit(main(sys.argv[1:]))
"""


def start_mark_all(path, *, gate_fd: int | None = None, **options) -> subprocess.Popen:
    """``mark-read --all`` for user 1 in chunks of at most 50, with a progress bar on stderr
    (terminal-like, redrawn several times a second); with ``gate_fd``, through GATED_CLI."""
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "TERM": "xterm",
           "COLUMNS": "100"}
    program = ["-m", "desktop"] if gate_fd is None else ["-c", GATED_CLI, str(gate_fd)]
    return subprocess.Popen(
        [sys.executable, *program, "mark-read", "--database", str(path), "--user", "1",
         "--all", "--max-batch", "50"], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, **options)


def run_gated_until_first_chunk(path):
    """``mark-read --all`` through GATED_CLI, stopped right after its first chunk committed:
    (the process, its job id, the read end of its gate). Write to its stdin to let it go on."""
    ready, ready_in_child = os.pipe()
    process = start_mark_all(path, gate_fd=ready_in_child, stdin=subprocess.PIPE,
                             pass_fds=(ready_in_child,))
    os.close(ready_in_child)
    job_id = int(process.stdout.readline())
    assert os.read(ready, 1) == b"1", "mark-read ended before its first chunk"
    os.close(ready)
    return process, job_id
