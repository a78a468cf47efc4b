"""Figures from the runs (medians), the issue's targets with pass/fail, the table and the JSON."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from pathlib import Path

from rich.table import Table

from . import report_articles, report_faces, report_sharing
from .stats import median, median_of

RESULTS = Path(__file__).with_name("results.json")
FLAT_TOLERANCE_MB = 5.0  # "flat": growth at N at most this much above growth at N/10


_med = median_of


def build(dataset, small, runs: dict, options: dict, args, elapsed: float) -> dict:
    n = dataset.category_articles
    figures: dict[str, dict] = {}
    targets: dict[str, dict] = {}

    def target(name, text, value, passed):
        targets[name] = {"target": text, "value": value, "passed": bool(passed)}

    def best(kind):  # the least disturbed run: a noise-robust companion to the median
        return min((r["seconds"] for r in runs.get(kind, []) if "seconds" in r), default=None)

    floor = _med(runs.get("floor", []), "seconds")
    spec = _med(runs.get("spec", []), "seconds")
    if floor:
        figures["floor"] = {"seconds": floor, "articles_per_second": n / floor,
                            "seconds_best": best("floor")}
    floor_undo = _med([r for r in runs.get("floor_undo", []) if not r.get("skipped")],
                      "seconds")
    if floor_undo:
        figures["floor_undo"] = {"seconds": floor_undo, "articles_per_second": n / floor_undo,
                                 "seconds_best": best("floor_undo"),
                                 "ratio_to_floor": floor_undo / floor if floor else None}
    if spec:
        figures["spec"] = {"seconds": spec, "articles_per_second": n / spec,
                           "seconds_best": best("spec"),
                           "seconds_with_sleeps": _med(runs["spec"], "seconds_with_sleeps"),
                           "ratio_to_floor": spec / floor if floor else None}
    for kind in ("engine", "engine_no_undo", "contention", "connected", "sparse"):
        if not runs.get(kind):
            continue
        seconds = _med(runs[kind], "seconds")
        figure = {"seconds": seconds, "articles_per_second": n / seconds,
                  "ratio_to_floor": seconds / floor if floor else None,
                  "seconds_best": best(kind),
                  "ratio_to_floor_best": best(kind) / best("floor") if floor else None,
                  "ratio_to_floor_with_undo_record": seconds / floor_undo if floor_undo else None,
                  "speedup_over_spec": spec / seconds if spec else None,
                  "speedup_over_spec_with_sleeps": (figures["spec"]["seconds_with_sleeps"]
                                                    / seconds if spec else None),
                  "chunks": _med(runs[kind], "chunks"),
                  "stall_worst_ms": _med(runs[kind], "stall_ms", "max"),
                  "stall_p99_ms": _med(runs[kind], "stall_ms", "p99"),
                  "idle_loop_stall_worst_ms": _med(runs[kind], "idle_stall_ms", "max")}
        if kind in ("contention", "sparse"):
            figure.update(report_sharing.writer_figures(runs[kind]))
        figures[kind] = figure
    if "engine" in figures:
        e = figures["engine"]
        if floor:
            target("engine_vs_floor", "engine time ÷ floor ≤ 1.3 (with its undo record)",
                   e["ratio_to_floor"], e["ratio_to_floor"] <= 1.3)
        if "engine_no_undo" in figures:
            bare = figures["engine_no_undo"]
            target("engine_no_undo_vs_floor", "engine time ÷ floor ≤ 1.3 (no undo record)",
                   bare["ratio_to_floor"], bare["ratio_to_floor"] <= 1.3)
            target("undo_record_cost", "undo record slows the job ≤ 10 %",
                   e["seconds"] / bare["seconds"] - 1, e["seconds"] / bare["seconds"] <= 1.10)
        target("loop_worst_stall", "event loop worst stall ≤ 50 ms", e["stall_worst_ms"],
               e["stall_worst_ms"] <= 50)
        target("loop_p99_stall", "event loop p99 stall ≤ 16 ms", e["stall_p99_ms"],
               e["stall_p99_ms"] <= 16)
    if "contention" in figures:
        c = figures["contention"]
        target("writer_worst_wait", "concurrent writer worst wait ≤ 200 ms",
               c["writer_wait_worst_ms"], c["writer_wait_worst_ms"] <= 200)
        target("writer_errors", "concurrent writer errors = 0", c["writer_errors"],
               c["writer_errors"] == 0)
    if runs.get("latency"):
        lat = runs["latency"]
        worst_create = [max(r["create_idle_ms"]["max"], r["create_during_job_ms"]["max"])
                        for r in lat]
        figures["latency"] = {
            "create_job_worst_ms": median(worst_create),
            "create_job_idle_median_ms": _med(lat, "create_idle_ms", "median"),
            "create_job_during_job_median_ms": _med(lat, "create_during_job_ms", "median"),
            "get_job_during_job_p95_ms": _med(lat, "status_during_job_ms", "p95"),
            "get_job_during_job_median_ms": _med(lat, "status_during_job_ms", "median"),
            "get_job_during_job_worst_ms": _med(lat, "status_during_job_ms", "max"),
            "get_job_idle_median_ms": _med(lat, "status_idle_ms", "median"),
            "server_status_query_during_job_p95_ms": _med(lat, "server_status_during_job_ms",
                                                          "p95"),
        }
        f = figures["latency"]
        target("job_creation", "job creation ≤ 100 ms (worst of a run)",
               f["create_job_worst_ms"], f["create_job_worst_ms"] <= 100)
        target("job_status", "job status query (get_job) ≤ 5 ms (p95, while a job runs)",
               f["get_job_during_job_p95_ms"], f["get_job_during_job_p95_ms"] <= 5)
    memory = {size: runs.get(f"memory_{size}") for size in (small.articles, dataset.articles)}
    if all(memory.values()):
        growth = {size: _med(rs, "growth_mb") for size, rs in memory.items()}
        figures["memory"] = {f"growth_mb_at_{size}": value for size, value in growth.items()}
        figures["memory"]["baseline_mb"] = _med(memory[dataset.articles], "baseline_mb")
        big, little = growth[dataset.articles], growth[small.articles]
        target("memory_growth", f"peak memory growth ≤ 30 MB at {dataset.articles:,} articles",
               big, big <= 30)
        target("memory_flat", f"memory growth flat from {small.articles:,} "
               f"(≤ {FLAT_TOLERANCE_MB:g} MB more)", big - little,
               big - little <= FLAT_TOLERANCE_MB)
    report_sharing.build(runs, figures, target)
    report_faces.build(runs, figures, target)
    report_articles.build(runs, figures, target)
    problems = [f"{kind}-{i + 1}: {p}" for kind, rs in runs.items()
                for i, r in enumerate(rs) for p in r["problems"]]
    target("correct", "every run left the database correct", len(problems), not problems)
    for rs in runs.values():
        for r in rs:
            if not args.trace:
                r.pop("trace", None)
    return {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "articles": dataset.articles, "articles_in_category": n,
        "user_rows_before": dataset.user_rows, "repeats": args.repeats,
        "engine_options": options, "elapsed_seconds": elapsed,
        "database": {"size_mb": dataset.size_bytes / 2**20,
                     "build_seconds": dataset.build_seconds,
                     "schema_seconds": dataset.schema_seconds},
        "versions": {"sqlite": sqlite3.sqlite_version, "python": platform.python_version(),
                     "platform": platform.platform()},
        "figures": figures, "targets": targets, "problems": problems, "runs": runs,
    }


def _fmt(value, unit="") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
    else:
        text = f"{value:,}"
    return f"{text}{unit}"


def show(results: dict, console) -> None:
    f, n = results["figures"], results["articles_in_category"]
    table = Table(title=f"Mark {n:,} of {results['articles']:,} articles read for one user "
                        f"(median of {results['repeats']} runs; SQLite "
                        f"{results['versions']['sqlite']}, Python "
                        f"{results['versions']['python']})")
    table.add_column("measurement")
    for column in ("seconds", "articles/s", "÷ floor", "× spec", "loop stall ms worst / p99",
                   "writer wait ms worst / p99"):
        table.add_column(column, justify="right")
    rows = (("1 floor: one statement", "floor"),
            ("1b floor + undo record (2 statements)", "floor_undo"),
            ("2 spec's algorithm, no sleeps", "spec"),
            ("3 engine, qasync + GUI probe", "engine"),
            ("3b engine keeping no undo record", "engine_no_undo"),
            ("4 engine + writer process", "contention"))
    for label, key in rows:
        if key not in f:
            continue
        x = f[key]
        stalls = (f"{_fmt(x['stall_worst_ms'])} / {_fmt(x['stall_p99_ms'])}"
                  if "stall_worst_ms" in x else "")
        waits = (f"{_fmt(x['writer_wait_worst_ms'])} / {_fmt(x['writer_wait_p99_ms'])}"
                 f" ({x['writer_errors']} errors)" if "writer_wait_worst_ms" in x else "")
        table.add_row(label, _fmt(x["seconds"]), _fmt(x["articles_per_second"]),
                      _fmt(x.get("ratio_to_floor", 1.0 if key == "floor" else None)),
                      _fmt(x.get("speedup_over_spec")), stalls, waits)
        if key == "spec":
            table.add_row("  … with its 0.1 s sleeps", _fmt(x["seconds_with_sleeps"]),
                          _fmt(n / x["seconds_with_sleeps"]),
                          _fmt(x["seconds_with_sleeps"] / f["floor"]["seconds"])
                          if "floor" in f else "—", "", "", "")
    if table.row_count:  # e.g. --only cli,app has none of these rows
        console.print(table)
    if "latency" in f:
        lat = f["latency"]
        console.print(
            f"5 create_job: worst {_fmt(lat['create_job_worst_ms'], ' ms')}, idle median "
            f"{_fmt(lat['create_job_idle_median_ms'], ' ms')}.  get_job while a job runs: median "
            f"{_fmt(lat['get_job_during_job_median_ms'], ' ms')}, p95 "
            f"{_fmt(lat['get_job_during_job_p95_ms'], ' ms')}, worst "
            f"{_fmt(lat['get_job_during_job_worst_ms'], ' ms')}; idle median "
            f"{_fmt(lat['get_job_idle_median_ms'], ' ms')}; the same query on the server's own "
            f"connection, p95 {_fmt(lat['server_status_query_during_job_p95_ms'], ' ms')}")
    if "memory" in f:
        console.print("6 peak RSS growth during the job: " + ", ".join(
            f"{_fmt(v, ' MB')} at {int(k.rsplit('_', 1)[1]):,} articles"
            for k, v in f["memory"].items() if k.startswith("growth")))
    report_sharing.show(results, console)
    report_faces.show(results, console)
    report_articles.show(results, console)
    targets = Table(title="Targets (issue 5)")
    for column in ("target", "value", "result"):
        targets.add_column(column)
    for t in results["targets"].values():
        targets.add_row(t["target"], _fmt(t["value"]),
                        "[green]pass" if t["passed"] else "[red]FAIL")
    console.print(targets)
    if "load_average" in results:
        load = results["load_average"]
        console.print(f"machine load average (1 min) at start {load['start'][0]:.2f}, "
                      f"at end {load['end'][0]:.2f}, on {os.cpu_count()} CPUs")


def write(results: dict, path) -> None:
    Path(path).write_text(json.dumps(results, indent=2, default=str) + "\n")
