"""Where the whole ``mark-read`` process's time goes (issue 26): one process, timed in parts.

``python -m benchmarks.sqlite.split SPAWNED PATH CATEGORY`` runs the real command line
(``desktop.cli.process_main()`` with ``mark-read ... --quiet``, as the script runs it) in a
fresh process that notes, on the clock every process shares (``time.monotonic``), when it got
control, when its imports were done, and when each of the engine's steps began and ended;
``SPAWNED`` is the parent's clock when it started the process. Nothing in ``desktop/``
changes: the steps are timed by wrapping the engine's functions in this process
(trace.ChunkTrace for the chunks). The parts:

- start: spawn to this module's first line (the interpreter, site, the editable install's
  finder, the ``benchmarks`` package);
- imports: ``desktop.cli`` and the engine's names (``cli.load_engine``, if the CLI has it);
- open: ``BulkOperationManager.open()`` (the file inspected, connections made);
- create: from open to the job's "created" event (the schema check, the job row);
- claim: "created" to "started" (the claim, the targets checked);
- count: the scope's count before the first chunk (``count_in_scope``);
- chunks: the chunks' transactions without their COMMIT, and the COMMITs (and the rest after
  the last step: ``commit_and_rest`` of the trace), and the loop between chunks;
- close: ``close()`` (the connections closed; SQLite checkpoints the WAL);
- exit: from ``main()``'s return to the parent seeing the process end.

The parent (``run_split``) checks the copy like every run.
"""

from __future__ import annotations

import time

GOT_CONTROL = time.monotonic()  # first: the module's imports below are the benchmark's

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402


def _wrap_async(owner, name: str, marks: dict) -> None:
    original = getattr(owner, name)

    async def timed(self, *args, **kwargs):
        began = time.monotonic()
        try:
            return await original(self, *args, **kwargs)
        finally:
            marks.setdefault(f"{name}_began", began)
            marks[f"{name}_ended"] = time.monotonic()

    setattr(owner, name, timed)


def main(spawned: float, path: str, category_id: int) -> dict:
    marks: dict[str, float] = {"spawned": spawned, "control": GOT_CONTROL}
    import desktop.cli as cli

    if hasattr(cli, "load_engine"):
        cli.load_engine()
    marks["imported"] = time.monotonic()
    from desktop.jobs import BulkOperationManager

    from ..common.faces import JobClock, cli_arguments
    from ..common.trace import ChunkTrace

    tracer = ChunkTrace()
    tracer.install()
    clock = JobClock()
    for name in ("open", "close"):
        _wrap_async(BulkOperationManager, name, marks)
    original_init = BulkOperationManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.subscribe(clock.on_event)

    BulkOperationManager.__init__ = init
    marks["main"] = time.monotonic()
    arguments = [*cli_arguments(path, category_id), "--quiet"]
    if hasattr(cli, "process_main"):  # the entry points' way: what is left frozen for the exit
        sys.argv = ["rss-desktop", *arguments]
        code = cli.process_main()
    else:
        code = cli.main(arguments)
    marks["returned"] = time.monotonic()
    if code != 0:
        raise SystemExit(f"mark-read exited {code}")
    result = clock.result()
    result.update(marks=marks, events=clock.first, trace=tracer.summary())
    return result


def run_split(path, category_id: int) -> dict:
    """The process above, spawn to exit, from the benchmark process; its parts in seconds."""
    from ..common.paths import ROOT

    spawned = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.sqlite.split", repr(spawned),
                           str(path), str(category_id)], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    ended = time.monotonic()
    if proc.returncode != 0:
        raise RuntimeError(f"split run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    marks, trace = result["marks"], result["trace"]
    steps = trace.get("steps_seconds", {})
    commit = steps.get("commit_and_rest", 0.0)
    chunk_total = trace.get("chunk_seconds_total", 0.0)
    parts = {
        "start": marks["control"] - marks["spawned"],
        "imports": marks["imported"] - marks["control"],
        "open": marks["open_ended"] - marks["open_began"],
        "create": result["events"]["created"] - marks["open_ended"],
        "claim": result["events"]["started"] - result["events"]["created"],
        "count": trace.get("count_in_scope_seconds", 0.0),
        "chunk_statements": chunk_total - commit,
        "commits": commit,
        "between_chunks": trace.get("idle_between_chunks_seconds", 0.0),
        "close": marks["close_ended"] - marks["close_began"],
        "exit": ended - marks["returned"],
    }
    known = sum(v for v in parts.values() if v is not None)
    parts["other"] = (ended - spawned) - known
    result.update(seconds=ended - spawned, process_seconds=ended - spawned, parts=parts,
                  chunks=trace.get("chunks", 0))
    result.pop("trace", None)
    result["chunk_ms"] = trace.get("chunk_ms")
    return result


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]), sys.argv[2], int(sys.argv[3]))))
