"""``python -m benchmarks``: the measurements of issue 5, each the median of several runs.

Every run gets a fresh copy of the cached database and a fresh process, and is checked for a
correct final state before its figures count.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import time
from pathlib import Path

from rich.console import Console

from . import report
from .article_list import KINDS as ARTICLE_LIST_KINDS
from .child import run_child
from .dataset import cached_dataset, fresh_copy, remove_copy, snapshot, verify
from .faces import run_cli_process
from .idle import run_idle

KINDS = ("floor", "floor_undo", "spec", "engine", "engine_no_undo", "contention", "connected",
         "sparse", "latency", "cli", "app", *ARTICLE_LIST_KINDS)
# what --trace times
TRACED = ("engine", "engine_no_undo", "contention", "connected", "sparse", "cli", "app")
# Not in the default set: two processes watched for a minute each would make `make bench`
# much longer. Run once per invocation, whatever --repeats says (it is a long average already).
OPTIONAL_KINDS = ("idle",)
console = Console(stderr=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="50,000 articles and 3 runs: a check in under a minute")
    parser.add_argument("--articles", type=int, metavar="N",
                        help="database size (default 1,000,000; 50,000 with --quick)")
    parser.add_argument("--repeats", type=int, metavar="R", help="runs per figure (default 3)")
    parser.add_argument("--only", metavar="KINDS",
                        help=f"comma-separated subset of {', '.join((*KINDS, 'memory'))}; "
                             f"also {', '.join(OPTIONAL_KINDS)} (not run by default)")
    parser.add_argument("--idle-seconds", type=float, default=60.0, metavar="S",
                        help="idle: how long each process is watched (default 60)")
    parser.add_argument("--idle-database", metavar="PATH",
                        help="idle: copy this settled database file instead of the cached one "
                             "(e.g. one made by `rss-desktop demo`); it is never opened")
    parser.add_argument("--chunk-seconds", type=float, help="engine knob: target chunk length")
    parser.add_argument("--contention-pause", type=float, help="engine knob: pause after "
                        "noticing another writer")
    parser.add_argument("--max-chunk", type=int, help="engine knob: articles per chunk at most")
    parser.add_argument("--trace", action="store_true",
                        help="time the steps of every engine chunk and keep them in the results")
    parser.add_argument("--output", default=str(report.RESULTS),
                        help="where to write the JSON results (default benchmarks/results.json)")
    args = parser.parse_args(argv)
    args.articles = args.articles or (50_000 if args.quick else 1_000_000)
    args.repeats = max(1, args.repeats or 3)
    args.kinds = args.only.split(",") if args.only else [*KINDS, "memory"]
    unknown = set(args.kinds) - {*KINDS, *OPTIONAL_KINDS, "memory"}
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    return args


def measure(kind: str, dataset, before, run_name: str, options: dict, trace: bool,
            seed: int = 1) -> dict:
    """One run of one measurement on a fresh copy, with its final state checked."""
    whole = None
    if kind == "cli":  # the real command timed spawn to exit, on a copy of its own
        whole = _checked("cli_process", dataset, before, f"{run_name}-process",
                         lambda path: run_cli_process(path, dataset.category_id))
    result = _checked(kind, dataset, before, run_name, lambda path: run_child(
        kind, path=str(path), category_id=dataset.category_id, watermark=dataset.watermark,
        options=options, trace=trace and kind in TRACED, seed=seed))
    if whole is not None:
        result["process"] = whole
        result["problems"] += [f"process: {p}" for p in whole["problems"]]
    return result


def _checked(kind: str, dataset, before, run_name: str, run) -> dict:
    """``run(path)`` on a fresh copy, then the copy's final state checked."""
    path = fresh_copy(dataset, run_name)
    try:
        result = run(path)
        watermark = result.get("watermark") or dataset.watermark
        added = result.get("writer", {}).get("inserted", 0)
        if result.get("checked"):  # it ran no job and checked its copy itself
            result.setdefault("problems", [])
        else:
            result["problems"] = [] if result.get("skipped") else verify(
                before, snapshot(path, dataset, watermark), dataset, watermark, added)
        if result.get("skipped"):
            result["problems"] = []
        elif kind not in ("floor", "floor_undo", "spec") and result["status"] != "completed":
            result["problems"].append(f"job ended {result['status']}")
    finally:
        remove_copy(path)
    if result["problems"]:
        console.print(f"[red]{run_name}: wrong final state: {'; '.join(result['problems'])}")
    return result


def code_state() -> dict:
    """Which engine was measured: the commit, and a digest of desktop/ as it is on disk."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1()
    for path in sorted((root / "desktop").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())

    def git(*command):
        proc = subprocess.run(["git", *command], cwd=root, capture_output=True, text=True,
                              check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "desktop")
    return {"commit": git("rev-parse", "HEAD"), "desktop_sha1": digest.hexdigest(),
            "desktop_uncommitted": changed.splitlines() if changed else []}


def main(argv=None) -> int:
    args = parse_args(argv)
    options = {key: value for key, value in (("chunk_seconds", args.chunk_seconds),
                                             ("contention_pause", args.contention_pause),
                                             ("max_chunk", args.max_chunk)) if value is not None}
    started = time.monotonic()
    load_start = os.getloadavg()
    dataset = cached_dataset(args.articles, log=console.print)
    small = (cached_dataset(max(1000, args.articles // 10), log=console.print)
             if "memory" in args.kinds else dataset)  # only the memory figure needs it
    before = {d.articles: snapshot(d.path, d) for d in (dataset, small)}
    runs: dict[str, list[dict]] = {kind: [] for kind in args.kinds if kind != "memory"}
    runs.update({f"memory_{d.articles}": [] for d in (small, dataset) if "memory" in args.kinds})
    for repeat in range(args.repeats):
        # Interleaved rounds, so a slow spell of the machine touches every measurement alike.
        for kind in runs:
            name = f"{kind}-{repeat + 1}"
            if kind == "idle" and repeat:
                continue
            console.print(f"[dim]{time.monotonic() - started:6.1f} s  {name}")
            if kind == "idle":
                runs[kind].append(run_idle(args.idle_database or dataset, name,
                                           args.idle_seconds, log=console.print))
            elif kind.startswith("memory_"):
                target = dataset if kind == f"memory_{dataset.articles}" else small
                runs[kind].append(measure("memory", target, before[target.articles], name,
                                          options, False))
            else:
                runs[kind].append(measure(kind, dataset, before[dataset.articles], name,
                                          options, args.trace, seed=repeat + 1))
    results = report.build(dataset, small, runs, options, args, time.monotonic() - started)
    results["load_average"] = {"start": load_start, "end": os.getloadavg()}
    results["code"] = code_state()
    out = Console()
    report.show(results, out if out.is_terminal else Console(width=150))
    report.write(results, args.output)
    console.print(f"results written to {args.output}")
    if results["problems"]:
        return 2
    return 0 if all(t["passed"] for t in results["targets"].values()) else 1
