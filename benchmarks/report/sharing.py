"""Figures, targets and the table for the job beside another program: alone, an idle program
connected, a sparse writer (one write every 0.9–1.7 s) and a writer every 10 ms.

The issue's "a writer committing at random 0.9–1.7 s intervals waits ≤ 150 ms worst, at a cost
of ≤ 10 % on the job": a writer the engine has not seen commit can only be bounded by leaving
the lock free ~17 % of the time whenever another program has the file open
(``python -m benchmarks.sqlite.pacing_model``), so the two halves are measured and judged
separately.
"""

from __future__ import annotations

from rich.table import Table

from ..common.stats import figure_text as _fmt
from ..common.stats import median, median_of, summary

SPARSE_WORST_MS = 150.0
SPARSE_COST = 0.10
BESIDE = (("engine", "alone with the file"),
          ("connected", "an idle program connected (read once, never writes)"),
          ("sparse", "a writer every 0.9–1.7 s (one small write)"),
          ("contention", "a writer every 10 ms (two writes)"))


def writer_figures(rs: list[dict]) -> dict:
    """The other program's waits: medians over runs of each run's figures, and all runs' writes
    pooled (a sparse writer makes only a few writes during one job)."""
    pooled = [w for r in rs for w in r["writer"].get("waits_during_job_ms", [])]
    unseen = [w for r in rs for w in r["writer"].get("unseen_waits_ms", [])]
    return {
        "writer_wait_worst_ms": median_of(rs, "writer", "waits_ms", "max"),
        "writer_wait_p99_ms": median_of(rs, "writer", "waits_ms", "p99"),
        "writer_wait_median_ms": median_of(rs, "writer", "waits_ms", "median"),
        "writer_lock_wait_worst_ms": median_of(rs, "writer", "lock_ms", "max"),
        "writer_commit_worst_ms": median_of(rs, "writer", "commit_ms", "max"),
        "writer_wait_worst_of_all_runs_ms": max(r["writer"]["waits_ms"]["max"] for r in rs),
        "writer_writes_during_job": median_of(rs, "writer", "waits_ms", "count"),
        "writer_errors": sum(r["writer"]["errors"] for r in rs),
        "writer_pooled": _pooled(pooled),
        # only the writes that began while the job was not pausing after every chunk
        "writer_pooled_unseen": _pooled(unseen),
    }


def _pooled(waits: list[float]) -> dict:
    s = summary(waits)
    return {"writes": s["count"], "worst_ms": s["max"], "p99_ms": s["p99"],
            "median_ms": s["median"], "over_bound": sum(w > SPARSE_WORST_MS for w in waits)}


def build(runs: dict, figures: dict, target) -> None:
    """Add the pacing figures and each neighbour's cost against the engine alone."""
    for r in runs.get("contention", []):  # hundreds of writes a run: its summaries suffice
        for key in ("waits_during_job_ms", "unseen_waits_ms"):
            r.get("writer", {}).pop(key, None)
    alone = runs.get("engine", [])
    for kind, _ in BESIDE:
        rs, figure = runs.get(kind), figures.get(kind)
        if not rs or figure is None:
            continue
        figure["pacing"] = {
            "chunks": median_of(rs, "pacing", "chunks"),
            "pauses": median_of(rs, "pacing", "pauses"),
            "paused_seconds": median_of(rs, "pacing", "paused_seconds"),
            "paused_share": median([r["pacing"]["paused_seconds"] / r["seconds"] for r in rs
                                    if "paused_seconds" in r.get("pacing", {})]),
            "pauses_by_kind": {k: median_of(rs, "pacing", "pauses_by_kind", k)
                               for k in ("shared", "short", "probe")},
            "held_stretch_worst_ms": median_of(rs, "pacing", "held_stretch_ms", "max")}
        if kind == "engine" or not alone:
            continue
        figure["ratio_to_alone"] = figure["seconds"] / figures["engine"]["seconds"]
        # the same round's runs: a slow spell of the machine touches both alike
        figure["ratio_to_alone_paired"] = median(
            [r["seconds"] / a["seconds"] for r, a in zip(rs, alone, strict=False)])
    s = figures.get("sparse", {})
    if s.get("writer_pooled", {}).get("writes"):  # none during a short (--quick) job
        target("sparse_writer_worst_wait", f"sparse writer (0.9–1.7 s) worst wait ≤ "
               f"{SPARSE_WORST_MS:g} ms (all runs' writes)", s["writer_pooled"]["worst_ms"],
               s["writer_pooled"]["worst_ms"] <= SPARSE_WORST_MS)
        target("sparse_writer_errors", "sparse writer errors = 0", s["writer_errors"],
               s["writer_errors"] == 0)
        if "ratio_to_alone" in s:
            target("sparse_job_cost", f"job beside the sparse writer ≤ {1 + SPARSE_COST:g} × "
                   f"alone", s["ratio_to_alone"], s["ratio_to_alone"] <= 1 + SPARSE_COST)


def show(results: dict, console) -> None:
    f = results["figures"]
    if not any(kind in f for kind, _ in BESIDE[1:]):
        return
    table = Table(title=f"The job beside another program (median of {results['repeats']} "
                        f"runs; ÷ alone: of the medians / median of each round's ratio)")
    for column in ("beside", "job s", "÷ alone", "pauses shared/short/probe", "paused %",
                   "longest held ms", "writes", "wait ms worst / p99", "errors"):
        table.add_column(column, justify="left" if column == "beside" else "right")
    for kind, label in BESIDE:
        if kind not in f:
            continue
        x, p = f[kind], f[kind].get("pacing", {})
        by = p.get("pauses_by_kind", {})
        ratio = (f"{_fmt(x['ratio_to_alone'])} / {_fmt(x['ratio_to_alone_paired'])}"
                 if "ratio_to_alone" in x else "1")
        writer = "writer_wait_worst_ms" in x
        table.add_row(
            label, _fmt(x["seconds"]), ratio,
            "/".join(_fmt(by.get(k)) for k in ("shared", "short", "probe")) if by else "",
            _fmt(100 * p["paused_share"]) if p.get("paused_share") is not None else "",
            _fmt(p.get("held_stretch_worst_ms")) if p.get("pauses") else "",
            _fmt(x["writer_writes_during_job"]) if writer else "",
            f"{_fmt(x['writer_wait_worst_ms'])} / {_fmt(x['writer_wait_p99_ms'])}"
            if writer else "", _fmt(x["writer_errors"]) if writer else "")
    console.print(table)
    for key, what in (("writer_pooled", "all its writes during the job"),
                      ("writer_pooled_unseen", "those begun while the job was not pausing "
                                               "after every chunk (writer not seen)")):
        w = f.get("sparse", {}).get(key)
        if w and w["writes"]:
            console.print(
                f"sparse writer, {results['repeats']} runs pooled, {what}: {w['writes']} "
                f"writes, worst {_fmt(w['worst_ms'])} ms, p99 {_fmt(w['p99_ms'])} ms, median "
                f"{_fmt(w['median_ms'])} ms, {w['over_bound']} over {SPARSE_WORST_MS:g} ms")
