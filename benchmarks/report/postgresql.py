"""Issue 13's figures on PostgreSQL (medians of the runs), its targets with pass/fail, the table
and benchmarks/results-postgresql.json."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from rich.table import Table

from ..common.paths import BENCHMARKS
from ..common.stats import median, median_of
from .results import FLAT_TOLERANCE_MB, judge_correct_and_trim_traces, paired_ratio
from .sharing import writer_figures

RESULTS = BENCHMARKS / "results-postgresql.json"
ENGINE_TO_FLOOR = 1.2  # issue 13: the engine, undo record included, against the floor
WRITER_WORST_MS = 50.0  # issue 13: a writer committing every 10 ms waits at most this
FLOORS = ("floor", "floor_fk_off", "floor_undo", "floor_contention")
ENGINES = ("engine", "engine_no_undo", "contention")


def build(dataset, small, runs: dict, options: dict, args, elapsed: float,
          server: dict) -> dict:
    n = dataset.category_articles
    figures: dict[str, dict] = {}
    targets: dict[str, dict] = {}

    def target(name, text, value, passed):
        targets[name] = {"target": text, "value": value, "passed": bool(passed)}

    def seconds_of(run: dict, kind: str) -> float | None:
        return run.get("process_seconds") if kind == "cli_process" else run.get("seconds")

    floor = median_of(runs.get("floor", []), "seconds")

    def timing(kind: str) -> dict:
        rs = runs[kind]
        seconds = median([seconds_of(r, kind) for r in rs])
        return {"seconds": seconds, "seconds_best": min(seconds_of(r, kind) for r in rs),
                "seconds_all": [seconds_of(r, kind) for r in rs],
                "articles_per_second": n / seconds,
                "ratio_to_floor": seconds / floor if floor else None,
                "ratio_to_floor_paired": paired_ratio(runs, kind, "floor")}

    for kind in FLOORS:
        if runs.get(kind):
            figures[kind] = {**timing(kind),
                             "changed": median_of(runs[kind], "changed"),
                             "commit_seconds": median_of(runs[kind], "commit_seconds"),
                             "plan": runs[kind][0].get("plan")}
    for kind in ENGINES:
        if runs.get(kind):
            rs = runs[kind]
            figures[kind] = {**timing(kind), "changed": median_of(rs, "marked"),
                             "chunks": median_of(rs, "chunks"),
                             "chunk_size_median": median_of(rs, "chunk_sizes", "median"),
                             "db_thread_cpu_seconds": median_of(rs, "db_thread_cpu_seconds"),
                             "stall_worst_ms": median_of(rs, "stall_ms", "max"),
                             "stall_p99_ms": median_of(rs, "stall_ms", "p99")}
            traced = [r["trace"] for r in rs if r.get("trace")]
            if traced:  # --trace: where the chunks' time went (trace.py), medians over runs
                figures[kind]["trace"] = {
                    "steps_seconds": {step: median([t["steps_seconds"][step] for t in traced])
                                      for step in traced[0]["steps_seconds"]},
                    "idle_between_chunks_seconds": median(
                        [t["idle_between_chunks_seconds"] for t in traced]),
                    "chunk_ms_median": median([t["chunk_ms"]["median"] for t in traced]),
                    "chunk_size_median": median([t["chunk_size"]["median"] for t in traced])}
    if runs.get("cli_process"):
        figures["cli_process"] = {**timing("cli_process"), "startup_seconds": median_of(
            runs["cli_process"], "startup_seconds")}
    for kind in ("floor_contention", "contention"):
        if runs.get(kind):
            figures[kind].update(writer_figures(runs[kind]))
            for r in runs[kind]:  # hundreds of writes a run: the summaries suffice
                for key in ("waits_during_job_ms", "unseen_waits_ms"):
                    r["writer"].pop(key, None)
    if "engine" in figures:
        e = figures["engine"]
        records = [r["record"] for r in runs["engine"] if "pages_bytes" in r.get("record", {})]
        if records:
            e["record"] = {"pages_bytes": median([r["pages_bytes"] for r in records]),
                           "pages_bytes_per_changed_article": median(
                               [r["pages_bytes_per_changed_article"] for r in records]),
                           "rows": {t: median([r["tables"][t]["rows"] for r in records])
                                    for t in records[0]["tables"]}}
        if floor:
            target("engine_vs_floor", f"engine, undo record included, ÷ floor ≤ "
                   f"{ENGINE_TO_FLOOR:g}", e["ratio_to_floor"],
                   e["ratio_to_floor"] <= ENGINE_TO_FLOOR)
        if "engine_no_undo" in figures:
            e["record_cost"] = e["seconds"] / figures["engine_no_undo"]["seconds"] - 1
            e["record_cost_paired"] = (paired_ratio(runs, "engine", "engine_no_undo") or 1) - 1
    if "contention" in figures:
        c = figures["contention"]
        target("writer_worst_wait", f"a writer every 10 ms, during the engine's job: worst "
               f"wait ≤ {WRITER_WORST_MS:g} ms (worst of all runs)",
               c["writer_wait_worst_of_all_runs_ms"],
               c["writer_wait_worst_of_all_runs_ms"] <= WRITER_WORST_MS)
        target("writer_errors", "that writer: errors = 0", c["writer_errors"],
               c["writer_errors"] == 0)
    memory = {size: runs.get(f"memory_{size}") for size in (small.articles, dataset.articles)}
    if small is not dataset and all(memory.values()):
        growth = {size: median_of(rs, "growth_mb") for size, rs in memory.items()}
        figures["memory"] = {f"growth_mb_at_{size}": value for size, value in growth.items()}
        figures["memory"]["baseline_mb"] = median_of(memory[dataset.articles], "baseline_mb")
        big, little = growth[dataset.articles], growth[small.articles]
        target("memory_flat", f"engine's peak memory growth flat from {small.articles:,} to "
               f"{dataset.articles:,} articles (≤ {FLAT_TOLERANCE_MB:g} MB more)", big - little,
               big - little <= FLAT_TOLERANCE_MB)
    # ~900 chunks a run: each step's total is kept, not each chunk
    problems = judge_correct_and_trim_traces(runs, target, keep_traces=args.trace,
                                             per_chunk=False)
    return {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "backend": "postgresql", "dataset": dataset.name, "articles": dataset.articles,
        "articles_in_category": n, "user_rows_before": dataset.user_rows,
        "repeats": args.repeats, "engine_options": options, "elapsed_seconds": elapsed,
        "judged_floor": "floor: the one statement, foreign keys enforced (as on every "
                        "connection to PostgreSQL, the engine's too)",
        "server": server,
        "versions": {"postgresql": server["version"], "python": platform.python_version(),
                     "platform": platform.platform()},
        "figures": figures, "targets": targets, "problems": problems, "runs": runs,
    }


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.{digits}g}"
    return f"{value:,}"


ROWS = (("floor: one INSERT … SELECT … ON CONFLICT DO UPDATE, FK enforced", "floor"),
        ("floor, foreign-key checks off (session_replication_role)", "floor_fk_off"),
        ("floor + the undo record in bare SQL (one statement)", "floor_undo"),
        ("engine (qasync + QApplication), with its undo record", "engine"),
        ("engine keeping no undo record", "engine_no_undo"),
        ("whole `python -m desktop mark-read` process", "cli_process"),
        ("floor beside a writer every 10 ms", "floor_contention"),
        ("engine beside a writer every 10 ms", "contention"))


def show(results: dict, console) -> None:
    f = results["figures"]
    table = Table(title=f"PostgreSQL {results['versions']['postgresql']}: mark "
                        f"{results['articles_in_category']:,} of {results['articles']:,} "
                        f"articles read for one user (median of {results['repeats']} runs). "
                        "÷ floor: of the medians / median of each round's ratio")
    for column, justify in (("measurement", "left"), ("seconds", "right"),
                            ("÷ floor", "right"), ("chunks", "right"),
                            ("writer wait ms worst / p99", "right")):
        table.add_column(column, justify=justify)
    for label, key in ROWS:
        if key not in f:
            continue
        x = f[key]
        writer = (f"{_fmt(x['writer_wait_worst_of_all_runs_ms'])} / "
                  f"{_fmt(x['writer_wait_p99_ms'])}" if "writer_wait_p99_ms" in x else "")
        table.add_row(label, _fmt(x["seconds"]),
                      f"{_fmt(x['ratio_to_floor'])} / {_fmt(x['ratio_to_floor_paired'])}",
                      _fmt(x.get("chunks")), writer)
    console.print(table)
    for key in ENGINES:
        if "trace" in f.get(key, {}):
            t = f[key]["trace"]
            console.print(f"{key}: chunks of {t['chunk_ms_median']:.0f} ms, "
                          f"{t['chunk_size_median']:,} ids (medians); seconds in "
                          + ", ".join(f"{step} {seconds:.2f}"
                                      for step, seconds in t["steps_seconds"].items())
                          + f"; idle between chunks {t['idle_between_chunks_seconds']:.2f}")
    if "memory" in f:
        console.print("engine's peak memory growth: " + ", ".join(
            f"{k.removeprefix('growth_mb_at_')} articles {v:.1f} MB"
            for k, v in f["memory"].items() if k.startswith("growth")))
    for name, t in results["targets"].items():
        mark = "[green]holds" if t["passed"] else "[red]fails"
        console.print(f"{mark}[/]  {t['target']}: {_fmt(t['value'])}  ({name})")
    for problem in results["problems"]:
        console.print(f"[red]{problem}")


def write(results: dict, path) -> None:
    Path(path).write_text(json.dumps(results, indent=2, default=str) + "\n")
