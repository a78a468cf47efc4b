"""Figures from the runs (medians), the issue's targets with pass/fail, the table and the JSON."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from pathlib import Path

from rich.table import Table

from ..common.paths import BENCHMARKS
from ..common.stats import median, median_of
from . import (
    articles as report_articles,
)
from . import (
    faces as report_faces,
)
from . import (
    sharing as report_sharing,
)
from . import (
    tree as report_tree,
)

RESULTS = BENCHMARKS / "results.json"
FLAT_TOLERANCE_MB = 5.0  # "flat": growth at N at most this much above growth at N/10


_med = median_of


ENGINE_TO_FLOOR = 1.15  # issue 12: the engine in-process, with its undo record
PROCESS_TO_FLOOR = 1.3  # issue 12: the whole `rss-desktop mark-read` process
RECORD_COST = 0.10  # the undo record adds at most this to the job
WRITER_WORST_MS = 100.0  # a writer every 10 ms waits at most this
CONTENTION_TO_FLOOR = 2.5  # the job beside that writer
LATER_OPEN_MS = 100.0  # opening a database prepared before
FLOORS = (("floor_fk_off", "FK off"), ("floor", "FK on"))  # the judged floor first


def _seconds(run: dict, kind: str) -> float | None:
    if kind in ("cli", "cli_process"):
        return (run.get("process") or run).get("process_seconds")
    return run.get("seconds")


def paired_ratio(runs: dict, kind: str, base: str) -> float | None:
    """Median over rounds of (kind's seconds ÷ base's seconds) in the same round: the runs of a
    round follow each other, so a slow spell of the machine touches both alike."""
    pairs = [(_seconds(a, kind), _seconds(b, base))
             for a, b in zip(runs.get(kind, []), runs.get(base, []), strict=False)]
    return median([a / b for a, b in pairs if a and b])


def build(dataset, small, runs: dict, options: dict, args, elapsed: float) -> dict:
    n = dataset.category_articles
    figures: dict[str, dict] = {}
    targets: dict[str, dict] = {}

    def target(name, text, value, passed):
        targets[name] = {"target": text, "value": value, "passed": bool(passed)}

    def best(kind):  # the least disturbed run: a noise-robust companion to the median
        return min((r["seconds"] for r in runs.get(kind, []) if "seconds" in r), default=None)

    floors = {key: _med([r for r in runs.get(key, []) if not r.get("skipped")], "seconds")
              for key in ("floor", "floor_fk_off")}
    floor = floors["floor_fk_off"]  # the judged floor: the same statement on a connection
    floor_on = floors["floor"]  # like ours; FK on: what the server's own connection pays

    def ratios(kind, seconds):
        return {"ratio_to_floor": seconds / floor if floor else None,
                "ratio_to_floor_fk_on": seconds / floor_on if floor_on else None,
                "ratio_to_floor_paired": paired_ratio(runs, kind, "floor_fk_off"),
                "ratio_to_floor_fk_on_paired": paired_ratio(runs, kind, "floor")}

    for key in ("floor", "floor_fk_off", "floor_undo", "spec"):
        seconds = _med([r for r in runs.get(key, []) if not r.get("skipped")], "seconds")
        if seconds:
            figures[key] = {"seconds": seconds, "articles_per_second": n / seconds,
                            "seconds_best": best(key), **ratios(key, seconds)}
    if "spec" in figures:
        figures["spec"]["seconds_with_sleeps"] = _med(runs["spec"], "seconds_with_sleeps")
    for kind in ("engine", "engine_no_undo", "contention", "connected", "sparse"):
        if not runs.get(kind):
            continue
        seconds = _med(runs[kind], "seconds")
        figure = {"seconds": seconds, "articles_per_second": n / seconds,
                  **ratios(kind, seconds), "seconds_best": best(kind),
                  "chunks": _med(runs[kind], "chunks"),
                  "db_thread_cpu_seconds": _med(runs[kind], "db_thread_cpu_seconds"),
                  "stall_worst_ms": _med(runs[kind], "stall_ms", "max"),
                  "stall_p99_ms": _med(runs[kind], "stall_ms", "p99"),
                  "idle_loop_stall_worst_ms": _med(runs[kind], "idle_stall_ms", "max")}
        if kind in ("contention", "sparse"):
            figure.update(report_sharing.writer_figures(runs[kind]))
        figures[kind] = figure
    if "engine" in figures:
        e = figures["engine"]
        record = [r["record"] for r in runs["engine"] if "pages_bytes" in r.get("record", {})]
        if record:
            e["record"] = {key: median([r[key] for r in record]) for key in (
                "pages_bytes", "payload_bytes", "pages_bytes_per_changed_article",
                "payload_bytes_per_changed_article")}
            e["record"]["rows"] = {t: median([r["tables"][t]["rows"] for r in record])
                                   for t in record[0]["tables"]}
            e["record"]["changed_articles"] = _med(runs["engine"], "marked")
        if floor:
            target("engine_vs_floor", f"engine in-process, with its undo record, ÷ floor (FK "
                   f"off) ≤ {ENGINE_TO_FLOOR:g}", e["ratio_to_floor"],
                   e["ratio_to_floor"] <= ENGINE_TO_FLOOR)
        if "engine_no_undo" in figures:
            bare = figures["engine_no_undo"]
            e["record_cost"] = e["seconds"] / bare["seconds"] - 1
            e["record_cost_paired"] = (paired_ratio(runs, "engine", "engine_no_undo") or 1) - 1
            if e.get("db_thread_cpu_seconds") and bare.get("db_thread_cpu_seconds"):
                e["record_cost_db_thread_cpu"] = (e["db_thread_cpu_seconds"]
                                                  / bare["db_thread_cpu_seconds"] - 1)
            target("undo_record_cost", f"undo record adds ≤ {RECORD_COST:.0%} to the job "
                   "(engine with ÷ without, - 1)", e["record_cost"],
                   e["record_cost"] <= RECORD_COST)
        target("loop_worst_stall", "event loop worst stall ≤ 50 ms", e["stall_worst_ms"],
               e["stall_worst_ms"] <= 50)
        target("loop_p99_stall", "event loop p99 stall ≤ 16 ms", e["stall_p99_ms"],
               e["stall_p99_ms"] <= 16)
    if "contention" in figures:
        c = figures["contention"]
        target("writer_worst_wait", f"writer every 10 ms: worst wait ≤ {WRITER_WORST_MS:g} ms",
               c["writer_wait_worst_ms"], c["writer_wait_worst_ms"] <= WRITER_WORST_MS)
        target("writer_errors", "writer every 10 ms: errors = 0", c["writer_errors"],
               c["writer_errors"] == 0)
        if floor:
            target("contention_vs_floor", f"job beside that writer ÷ floor (FK off) ≤ "
                   f"{CONTENTION_TO_FLOOR:g}", c["ratio_to_floor"],
                   c["ratio_to_floor"] <= CONTENTION_TO_FLOOR)
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
    if runs.get("open"):
        op = runs["open"]
        opened = figures["open"] = {"first_from_server_file": dataset.server_path is not None}
        for which in ("first", "later", "remembered"):
            if not all(which in run for run in op):  # (runs from before it was measured)
                continue
            for key in ("open", "prepare"):
                opened[f"{which}_{key}_ms"] = _med(op, which, f"{key}_seconds") * 1e3
            opened[f"{which}_ms"] = _med(op, which, "seconds") * 1e3
        later = figures["open"]["later_ms"]
        target("later_open", f"later opens (open + prepare_for_writing) ≤ {LATER_OPEN_MS:g} ms",
               later, later <= LATER_OPEN_MS)
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
    if "cli" in figures and figures["cli"].get("process_seconds"):
        c = figures["cli"]
        c.update({f"process_{k}": v for k, v in ratios("cli", c["process_seconds"]).items()})
        c["startup_seconds"] = median_of(runs["cli"], "process", "startup_seconds")
        if floor:
            target("cli_process_vs_floor", f"whole `mark-read` process ÷ floor (FK off) ≤ "
                   f"{PROCESS_TO_FLOOR:g}", c["process_ratio_to_floor"],
                   c["process_ratio_to_floor"] <= PROCESS_TO_FLOOR)
    figures["scale"] = _scale(dataset, runs, figures)
    if not figures["scale"]:
        figures.pop("scale")
    report_articles.build(runs, figures, target)
    report_tree.build(runs, figures, target)
    problems = judge_correct_and_trim_traces(runs, target, keep_traces=args.trace)
    return {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "dataset": dataset.name, "articles": dataset.articles, "articles_in_category": n,
        "user_rows_before": dataset.user_rows, "repeats": args.repeats,
        "engine_options": options, "elapsed_seconds": elapsed,
        "judged_floor": "floor_fk_off (the one statement on a connection like ours: foreign "
                        "keys not enforced); ratios to the FK-on floor are given beside",
        "database": {"size_mb": dataset.size_bytes / 2**20,
                     "build_seconds": dataset.build_seconds,
                     "schema_seconds": dataset.schema_seconds},
        "versions": {"sqlite": sqlite3.sqlite_version, "python": platform.python_version(),
                     "platform": platform.platform()},
        "figures": figures, "targets": targets, "problems": problems, "runs": runs,
    }


def _scale(dataset, runs: dict, figures: dict) -> dict:
    """Per size: the scale kinds' medians and µs per article of the scope (the main size's
    from its own runs)."""
    sizes = {}
    for key, rs in runs.items():
        if "@" in key and rs:
            kind, size = key.split("@")
            sizes.setdefault(int(size), {})[kind] = rs
    if not sizes:
        return {}
    sizes[dataset.articles] = {kind: runs[kind] for kind in ("floor", "floor_fk_off", "engine",
                                                              "engine_no_undo") if runs.get(kind)}
    if runs.get("cli"):
        sizes[dataset.articles]["cli_process"] = [r["process"] for r in runs["cli"]
                                                  if "process" in r]
    table = {}
    for size, kinds in sorted(sizes.items()):
        row: dict = {}
        for kind, rs in kinds.items():
            seconds = median([_seconds(r, kind) for r in rs])
            if seconds is None:
                continue
            scope = median([r.get("progress") or r.get("changed") for r in rs
                            if kind.startswith("engine")]) if kind.startswith("engine") else None
            row[kind] = {"seconds": seconds, **({"progress": scope} if scope else {})}
        scope = (row.get("engine") or {}).get("progress")
        row["scope_articles"] = scope
        for kind in list(row):
            if isinstance(row[kind], dict) and scope:
                row[kind]["us_per_article"] = row[kind]["seconds"] / scope * 1e6
        base = (row.get("floor_fk_off") or {}).get("seconds")
        for kind in ("engine", "engine_no_undo", "cli_process", "floor"):
            if base and kind in row:
                row[kind]["ratio_to_floor"] = row[kind]["seconds"] / base
        if len(row) > 1:  # a size with figures
            table[str(size)] = row
    return table


def judge_correct_and_trim_traces(runs: dict, target, keep_traces: bool,
                                  per_chunk: bool = True) -> list[str]:
    """The "correct" target (no run found a problem in the database it left), then each run's
    trace dropped unless ``keep_traces``, and kept without its per-chunk rows unless
    ``per_chunk``. Returns the problems, each named by its run."""
    problems = [f"{kind}-{i + 1}: {p}" for kind, rs in runs.items()
                for i, r in enumerate(rs) for p in r["problems"]]
    target("correct", "every run left the database correct", len(problems), not problems)
    for rs in runs.values():
        for r in rs:
            if not keep_traces:
                r.pop("trace", None)
            elif not per_chunk and r.get("trace"):
                r["trace"].pop("per_chunk", None)
    return problems


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
    table = Table(title=f"Mark {n:,} of {results['articles']:,} articles read for one user, "
                        f"{results.get('dataset', 'demo')} dataset (median of "
                        f"{results['repeats']} runs; SQLite {results['versions']['sqlite']}, "
                        f"Python {results['versions']['python']}). ÷ floor: of the medians "
                        f"/ median of each round's ratio")
    table.add_column("measurement")
    for column in ("seconds", "articles/s", "÷ floor FK off", "÷ floor FK on",
                   "loop stall ms worst / p99", "writer wait ms worst / p99"):
        table.add_column(column, justify="right")
    rows = (("1 floor: one statement, FK on (the server's connection)", "floor"),
            ("1a floor: the same, FK off (a connection like ours)", "floor_fk_off"),
            ("1b floor FK off + the undo record in bare SQL", "floor_undo"),
            ("2 spec's algorithm, no sleeps", "spec"),
            ("3 engine in-process (qasync + QApplication), undo record", "engine"),
            ("3b engine keeping no undo record", "engine_no_undo"),
            ("4 engine + a writer every 10 ms", "contention"))

    def ratio(x, key):
        return (f"{_fmt(x.get(key))} / {_fmt(x.get(key + '_paired'))}"
                if x.get(key) is not None else "—")

    for label, key in rows:
        if key not in f:
            continue
        x = f[key]
        stalls = (f"{_fmt(x['stall_worst_ms'])} / {_fmt(x['stall_p99_ms'])}"
                  if "stall_worst_ms" in x else "")
        waits = (f"{_fmt(x['writer_wait_worst_ms'])} / {_fmt(x['writer_wait_p99_ms'])}"
                 f" ({x['writer_errors']} errors)" if "writer_wait_worst_ms" in x else "")
        table.add_row(label, _fmt(x["seconds"]), _fmt(x["articles_per_second"]),
                      ratio(x, "ratio_to_floor"), ratio(x, "ratio_to_floor_fk_on"), stalls,
                      waits)
        if key == "spec":
            table.add_row("  … with its 0.1 s sleeps", _fmt(x["seconds_with_sleeps"]),
                          _fmt(n / x["seconds_with_sleeps"]), "", "", "", "")
    c = f.get("cli", {})
    if c.get("process_seconds"):
        table.add_row("5 `python -m desktop mark-read --quiet`, spawn to exit",
                      _fmt(c["process_seconds"]), _fmt(c["process_articles_per_second"]),
                      ratio(c, "process_ratio_to_floor"), ratio(c, "process_ratio_to_floor_fk_on"),
                      "", "")
        table.add_row("  of which Python's start + imports (`--version`)",
                      _fmt(c["startup_seconds"]), "", "", "", "", "")
    if table.row_count:  # e.g. --only cli,app has none of these rows
        console.print(table)
    e = f.get("engine", {})
    if "record_cost" in e:
        console.print(
            f"undo record: +{100 * e['record_cost']:.1f} % job time (paired "
            f"+{100 * e['record_cost_paired']:.1f} %), +"
            f"{100 * e.get('record_cost_db_thread_cpu', float('nan')):.1f} % database-thread "
            f"CPU ({_fmt(e.get('db_thread_cpu_seconds'))} s with, "
            f"{_fmt(f['engine_no_undo'].get('db_thread_cpu_seconds'))} s without)")
    if "record" in e:
        r = e["record"]
        console.print(
            f"undo record size: {_fmt(r['pages_bytes'])} bytes in pages "
            f"({_fmt(r['payload_bytes'])} payload) for {_fmt(r['changed_articles'])} changed "
            f"articles: {r['pages_bytes_per_changed_article']:.2f} bytes per changed article "
            f"({r['payload_bytes_per_changed_article']:.2f} payload); rows "
            + ", ".join(f"{t} {_fmt(v)}" for t, v in r["rows"].items()))
    if "open" in f:
        o = f["open"]
        first = ("as the server left it" if o["first_from_server_file"]
                 else "(demo dataset: prepared when built)")
        console.print(
            f"opening (open + prepare_for_writing): first open of the file {first} "
            f"{_fmt(o['first_ms'])} ms (open {_fmt(o['first_open_ms'])}, schema "
            f"{_fmt(o['first_prepare_ms'])}); later opens {_fmt(o['later_ms'])} ms (open "
            f"{_fmt(o['later_open_ms'])}, the check before writing and the schema's "
            f"{_fmt(o['later_prepare_ms'])})"
            + (f"; a file unchanged since its last check (the faces' record) "
               f"{_fmt(o['remembered_ms'])} ms" if "remembered_ms" in o else ""))
    if "latency" in f:
        lat = f["latency"]
        console.print(
            f"job creation: worst {_fmt(lat['create_job_worst_ms'], ' ms')}, idle median "
            f"{_fmt(lat['create_job_idle_median_ms'], ' ms')}.  get_job while a job runs: median "
            f"{_fmt(lat['get_job_during_job_median_ms'], ' ms')}, p95 "
            f"{_fmt(lat['get_job_during_job_p95_ms'], ' ms')}, worst "
            f"{_fmt(lat['get_job_during_job_worst_ms'], ' ms')}; idle median "
            f"{_fmt(lat['get_job_idle_median_ms'], ' ms')}; the same query on the server's own "
            f"connection, p95 {_fmt(lat['server_status_query_during_job_p95_ms'], ' ms')}")
    if "memory" in f:
        console.print("peak RSS growth during the job: " + ", ".join(
            f"{_fmt(v, ' MB')} at {int(k.rsplit('_', 1)[1]):,} articles"
            for k, v in f["memory"].items() if k.startswith("growth")))
    if "scale" in f:
        _show_scale(f["scale"], console)
    report_sharing.show(results, console)
    report_faces.show(results, console)
    report_articles.show(results, console)
    report_tree.show(results, console)
    if "statements" in results["runs"] and results["runs"]["statements"]:
        from ..sqlite.statements import show as show_statements

        show_statements(results["runs"]["statements"][0], console)
    targets = Table(title="Targets (issues 5 and 12; ratios to the FK-off floor)")
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


def _show_scale(scale: dict, console) -> None:
    table = Table(title="How cost grows (seconds, µs per article of the scope, ÷ floor FK off)")
    table.add_column("articles", justify="right")
    table.add_column("in scope", justify="right")
    kinds = (("floor", "floor FK on"), ("floor_fk_off", "floor FK off"),
             ("engine", "engine"), ("engine_no_undo", "engine, no record"),
             ("cli_process", "whole mark-read process"))
    for _, label in kinds:
        table.add_column(label, justify="right")
    for size, row in scale.items():
        cells = []
        for kind, _ in kinds:
            x = row.get(kind)
            if not x:
                cells.append("—")
                continue
            text = f"{_fmt(x['seconds'])} s, {_fmt(x.get('us_per_article'))} µs"
            if kind != "floor_fk_off" and x.get("ratio_to_floor"):
                text += f", {_fmt(x['ratio_to_floor'])}×"
            cells.append(text)
        table.add_row(f"{int(size):,}", _fmt(row.get("scope_articles")), *cells)
    console.print(table)


def write(results: dict, path) -> None:
    Path(path).write_text(json.dumps(results, indent=2, default=str) + "\n")
