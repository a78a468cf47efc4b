"""``python -m benchmarks``: the measurements of issues 5 and 12, each the median of several runs.

Every run gets a fresh copy of the cached database and a fresh process, and is checked for a
correct final state before its figures count.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console

from .common.code_state import code_state
from .common.dataset import (
    CACHE,
    DATASETS,
    cached_dataset,
    fresh_copy,
    remove_copy,
    snapshot,
    verify,
)
from .common.faces import run_cli_process, run_small_job
from .common.fresh_process import run_child
from .common.paths import ROOT
from .report import results as report
from .report import shapes as report_shapes
from .sqlite.article_list import KINDS as ARTICLE_LIST_KINDS
from .sqlite.idle import run_idle
from .sqlite.rules import run_rules
from .sqlite.split import run_split
from .sqlite.tree import KINDS as TREE_KINDS
from .sqlite.tree import run_shapes, run_window_open

KINDS = ("floor", "floor_fk_off", "floor_undo", "engine", "engine_no_undo", "contention",
         "connected", "sparse", "latency", "cli", "split", "small_job", "app", "open",
         *ARTICLE_LIST_KINDS, *TREE_KINDS)
# Issue 26: what runs again on each other shape of database (--shapes), each against its own
# floor; "split" is the whole mark-read process timed in parts, "small_job" a start-to-exit
# job of ~120 articles.
SHAPE_KINDS = ("floor", "floor_fk_off", "engine", "cli", "split", "small_job")
SHAPES = tuple(name for name in DATASETS if name != "demo")
# what --trace times
TRACED = ("engine", "engine_no_undo", "contention", "connected", "sparse", "cli", "app")
# Not in the default set: two processes watched for a minute each (idle), and the spec's
# algorithm (half a minute a run), a rule's run against a plain job and work idle with a rule
# (rules: its own --repeats pairs and one idle watch). Idle, statements and rules run once.
OPTIONAL_KINDS = ("idle", "spec", "statements", "rules")
ONCE = ("idle", "statements", "rules")
# How cost grows: these again at N/10 (and 10 N with --large), "cli_process" being the whole
# `python -m desktop mark-read` process alone.
SCALE_KINDS = ("floor", "floor_fk_off", "engine", "engine_no_undo", "cli_process")
LARGE = 10_000_000
console = Console(stderr=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                        help="sqlite: the measurements of issues 5 and 12 on a file (the "
                             "default); postgresql: issue 13's on a PostgreSQL server the "
                             "benchmark starts itself (postgresql/main.py)")
    parser.add_argument("--quick", action="store_true",
                        help="50,000 articles (100,000 on PostgreSQL) and 3 runs: a check in "
                             "a few minutes")
    parser.add_argument("--articles", type=int, metavar="N",
                        help="database size (default 1,000,000; 50,000 with --quick, "
                             "100,000 on PostgreSQL)")
    parser.add_argument("--dataset", choices=DATASETS, default="server",
                        help="server: built the way a web server fills one (the default; "
                             "common/server_dataset.py); compact, feeds2000, categories50: the "
                             "same server laid out otherwise (server_dataset.SHAPES); demo: issue "
                             "5's, the demo generator's")
    parser.add_argument("--shapes", metavar="NAMES",
                        help="the other shapes of database measured beside --dataset "
                             f"(issue 26): comma-separated of {', '.join(SHAPES)}, or 'none'; "
                             "default: all but --dataset. Each runs "
                             f"{', '.join(SHAPE_KINDS)} (those of them --only selects)")
    parser.add_argument("--large", action="store_true",
                        help=f"also measure how cost grows at {LARGE:,} articles (needs about "
                             "three times its ~40 GB of free disk: two cached files and a copy)")
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
    parser.add_argument("--output",
                        help="where to write the JSON results (default benchmarks/results.json; "
                             "on PostgreSQL benchmarks/results-postgresql.json for a complete "
                             "run)")
    args = parser.parse_args(argv)
    quick = 100_000 if args.backend == "postgresql" else 50_000
    args.articles = args.articles or (quick if args.quick else 1_000_000)
    args.repeats = max(1, args.repeats or 3)
    if args.backend == "postgresql":
        from .postgresql.main import KINDS as SERVER_KINDS

        args.kinds = args.only.split(",") if args.only else [*SERVER_KINDS, "memory"]
        if args.kinds == ["rules"]:  # issue 25's, alone (postgresql/rules.py)
            return args
        unknown = set(args.kinds) - {*SERVER_KINDS, "memory"}
        if unknown:
            parser.error(f"not measured on PostgreSQL: {', '.join(sorted(unknown))} (these "
                         f"are: {', '.join((*SERVER_KINDS, 'memory'))})")
        return args
    args.kinds = args.only.split(",") if args.only else [*KINDS, "memory", "scale"]
    wanted = (args.shapes or ",".join(SHAPES)).split(",")
    if args.shapes and set(wanted) - {*SHAPES, "none"}:
        parser.error(f"unknown shape(s): {', '.join(sorted(set(wanted) - {*SHAPES, 'none'}))}")
    args.shapes = [name for name in wanted if name not in ("none", args.dataset)]
    if args.trace and "statements" not in args.kinds:
        args.kinds.append("statements")
    unknown = set(args.kinds) - {*KINDS, *OPTIONAL_KINDS, "memory", "scale"}
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    return args


def measure(kind: str, dataset, before, run_name: str, options: dict, trace: bool,
            seed: int = 1) -> dict:
    """One run of one measurement on a fresh copy, with its final state checked."""
    whole = None
    if kind == "cli_process":  # only the whole process
        return _checked(kind, dataset, before, run_name,
                        lambda path: run_cli_process(path, dataset.category_id))
    if kind == "split":  # the whole process, in parts
        return _checked(kind, dataset, before, run_name,
                        lambda path: run_split(path, dataset.category_id))
    if kind == "small_job":  # checks its own copy
        return _checked(kind, dataset, before, run_name,
                        lambda path: run_small_job(path, dataset.category_id))
    if kind == "tree":  # the tree's own files (common/tree_dataset.py), copied per run
        return run_shapes()
    if kind == "open":
        return _checked(kind, dataset, before, run_name, _first_and_later_open,
                        as_server_left_it=dataset.server_path is not None)
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


def _first_and_later_open(path) -> dict:
    """Open the copy twice, each in a fresh process: first as the server left it (the app's
    schema is created), then again (only checked), both without a record of checks (as after
    the server wrote the file: the check before the first write runs); then twice more with
    one, as the faces keep it ("remembered": the second finds the file unchanged since the
    first checked it); then the window on it, from process start to the tree with its counts
    painted (tree.run_window_open). Nothing else is written."""
    first = run_child("open", path=str(path), category_id=0)
    later = run_child("open", path=str(path), category_id=0)
    with tempfile.TemporaryDirectory() as folder:
        record = str(Path(folder) / "checked-files.json")
        run_child("open", path=str(path), category_id=0, checks_record=record)
        remembered = run_child("open", path=str(path), category_id=0, checks_record=record)
    return {"first": first, "later": later, "remembered": remembered,
            "window": run_window_open(path), "skipped_job": True}


def _checked(kind: str, dataset, before, run_name: str, run, *,
             as_server_left_it: bool = False) -> dict:
    """``run(path)`` on a fresh copy, then the copy's final state checked."""
    path = fresh_copy(dataset, run_name, as_server_left_it=as_server_left_it)
    try:
        result = run(path)
        watermark = result.get("watermark") or dataset.watermark
        added = result.get("writer", {}).get("inserted", 0)
        if result.get("checked"):  # it ran no job and checked its copy itself
            result.setdefault("problems", [])
        elif result.get("skipped_job"):  # no job ran: every count is as it was
            after = snapshot(path, dataset)
            result["problems"] = [f"{name}: expected {before[name]:,}, found {after[name]:,}"
                                  for name in before if before[name] != after[name]]
        else:
            result["problems"] = [] if result.get("skipped") else verify(
                before, snapshot(path, dataset, watermark), dataset, watermark, added)
        if result.get("skipped") or result.get("skipped_job") or result.get("checked"):
            pass
        elif (kind not in ("floor", "floor_fk_off", "floor_undo", "spec")
              and result["status"] != "completed"):
            result["problems"].append(f"job ended {result['status']}")
    finally:
        remove_copy(path)
    if result["problems"]:
        console.print(f"[red]{run_name}: wrong final state: {'; '.join(result['problems'])}")
    return result


def _large_dataset(name: str):
    """The 10,000,000-article dataset, if the disk can hold it, its prepared twin and a copy
    (measured here: 3.6 GB per 1,000,000 articles of the server dataset)."""
    per_million = 3.95e9 if name == "server" else 0.3e9
    files = 3 if name == "server" else 2
    needed = per_million * LARGE / 1e6 * files
    free = shutil.disk_usage(CACHE).free
    if free < needed * 1.05:
        console.print(f"[yellow]--large skipped: {LARGE:,} articles of the {name} dataset need "
                      f"about {needed / 1e9:.0f} GB of free disk ({files} files of "
                      f"{per_million * LARGE / 1e15:.0f} GB: the cached file"
                      f"{', its prepared twin' if files == 3 else ''} and a run's copy); "
                      f"{free / 1e9:.0f} GB are free")
        return None
    return cached_dataset(LARGE, name, log=console.print)


def bytecode_as_installed() -> None:
    """Time every process as a user runs it: an installed package's modules are compiled when
    it is installed. A shell with PYTHONDONTWRITEBYTECODE set (this machine's is) would have
    each measured process compile ~50 of the app's modules again (~60 ms); the children inherit
    this environment, so the variable goes, and the app is compiled once here."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(ROOT / "desktop", quiet=1)


def main(argv=None) -> int:
    args = parse_args(argv)
    bytecode_as_installed()
    options = {key: value for key, value in (("chunk_seconds", args.chunk_seconds),
                                             ("contention_pause", args.contention_pause),
                                             ("max_chunk", args.max_chunk)) if value is not None}
    if args.backend == "postgresql" and args.kinds == ["rules"]:
        from .postgresql import rules as pg_rules

        return pg_rules.main(args)
    if args.backend == "postgresql":
        from .postgresql import main as pg_main

        args.engine_options = options
        return pg_main.main(args)
    args.output = args.output or str(report.RESULTS)
    started = time.monotonic()
    load_start = os.getloadavg()
    dataset = cached_dataset(args.articles, args.dataset, log=console.print)
    sizes = {dataset.articles: dataset}
    if {"memory", "scale"} & set(args.kinds):  # how cost grows: the same at N/10
        small = cached_dataset(max(1000, args.articles // 10), args.dataset, log=console.print)
        sizes[small.articles] = small
    else:
        small = dataset
    if args.large and "scale" in args.kinds and LARGE not in sizes:
        large = _large_dataset(args.dataset)
        if large is not None:
            sizes[LARGE] = large
    before = {n: snapshot(d.path, d) for n, d in sizes.items()}
    shapes = {name: cached_dataset(args.articles, name, log=console.print)
              for name in args.shapes if any(k in args.kinds for k in SHAPE_KINDS)}
    shape_before = {name: snapshot(d.path, d) for name, d in shapes.items()}
    runs: dict[str, list[dict]] = {kind: [] for kind in args.kinds
                                   if kind not in ("memory", "scale")}
    runs.update({f"memory_{d.articles}": [] for d in (small, dataset) if "memory" in args.kinds})
    if "scale" in args.kinds:
        runs.update({f"{kind}@{n}": [] for n in sorted(sizes) if n != dataset.articles
                     for kind in SCALE_KINDS})
    runs.update({f"{kind}#{name}": [] for name in shapes for kind in SHAPE_KINDS
                 if kind in args.kinds})
    for repeat in range(args.repeats):
        # Interleaved rounds, so a slow spell of the machine touches every measurement alike.
        for kind in runs:
            name = f"{kind}-{repeat + 1}".replace("@", "-at-").replace("#", "-on-")
            if kind in ONCE and repeat:
                continue
            console.print(f"[dim]{time.monotonic() - started:6.1f} s  {name}")
            if kind == "idle":
                runs[kind].append(run_idle(args.idle_database or dataset, name,
                                           args.idle_seconds, log=console.print))
            elif kind == "rules":
                runs[kind].append(run_rules(dataset, name, args.repeats, args.idle_seconds,
                                            log=console.print))
            elif kind.startswith("memory_"):
                target = dataset if kind == f"memory_{dataset.articles}" else small
                runs[kind].append(measure("memory", target, before[target.articles], name,
                                          options, False))
            elif "#" in kind:  # another shape of database
                base, shape = kind.split("#")
                runs[kind].append(measure(base, shapes[shape], shape_before[shape], name,
                                          options, False, seed=repeat + 1))
            elif "@" in kind:
                base, size = kind.split("@")
                runs[kind].append(measure(base, sizes[int(size)], before[int(size)], name,
                                          options, False, seed=repeat + 1))
            else:
                runs[kind].append(measure(kind, dataset, before[dataset.articles], name,
                                          options, args.trace, seed=repeat + 1))
    results = report.build(dataset, small, runs, options, args, time.monotonic() - started)
    report_shapes.build(results, dataset, shapes, runs)
    results["load_average"] = {"start": load_start, "end": os.getloadavg()}
    results["code"] = code_state()
    out = Console()
    shown = out if out.is_terminal else Console(width=150)
    report.show(results, shown)
    report_shapes.show(results, shown)
    report.write(results, args.output)
    console.print(f"results written to {args.output}")
    if results["problems"]:
        return 2
    return 0 if all(t["passed"] for t in results["targets"].values()) else 1
