"""Figures, targets and tables for the feed tree with thousands of feeds and the window's
opening (issue 26, items 3 and 4): benchmarks/sqlite/tree.py's measurements."""

from __future__ import annotations

from rich.table import Table

from ..common.stats import median_of
from ..sqlite.tree import PHASES

STALL_P99_MS, STALL_WORST_MS = 16, 50  # "the tree never freezes the window"
OPEN_SECONDS = 0.5  # "the window with the tree and its counts painted ≤ 0.5 s warm"


def build(runs: dict, figures: dict, target) -> None:
    rs = runs.get("tree")
    if rs:
        tree = figures["tree"] = {}
        for shape in rs[0]["shapes"]:
            shaped = [r["shapes"][shape] for r in rs]
            tree[shape] = {"feeds": shaped[0]["feeds"], "phases": {
                phase: {"p99_ms": median_of(shaped, "phases", phase, "stall_ms", "p99"),
                        "worst_ms": median_of(shaped, "phases", phase, "stall_ms", "max")}
                for phase in PHASES},
                "reload_resets": max(s["phases"]["reload"]["resets_or_removals"]
                                     for s in shaped)}
            p99 = max(f["p99_ms"] for f in tree[shape]["phases"].values())
            worst = max(f["worst_ms"] for f in tree[shape]["phases"].values())
            label = f"feed tree ({shape}: {tree[shape]['feeds']:,} feeds)"
            target(f"tree_{shape}_stall_p99", f"{label}: event-loop stall p99 ≤ "
                   f"{STALL_P99_MS} ms in every phase", p99, p99 <= STALL_P99_MS)
            target(f"tree_{shape}_stall_worst", f"{label}: event-loop stall ≤ "
                   f"{STALL_WORST_MS} ms in every phase", worst, worst <= STALL_WORST_MS)
            resets = tree[shape]["reload_resets"]
            target(f"tree_{shape}_in_place", f"{label}: count reloads update in place (model "
                   "resets or row removals)", resets, resets == 0)
    windows = [r["window"] for r in runs.get("open", []) if "window" in r]
    if windows:
        f = figures["window_open"] = {
            key: median_of(windows, key) for key in (
                "first_tree_seconds", "first_counts_seconds", "warm_tree_seconds",
                "warm_counts_seconds")}
        target("window_open", f"`rss-desktop gui`: the tree with its counts painted ≤ "
               f"{OPEN_SECONDS:g} s after the process started (warm)",
               f["warm_counts_seconds"], f["warm_counts_seconds"] <= OPEN_SECONDS)


def show(results: dict, console) -> None:
    f = results["figures"]
    if "tree" in f:
        table = Table(title="The feed tree: event-loop stall in ms, p99 / worst (median of "
                            "runs)")
        table.add_column("phase")
        for shape, figures in f["tree"].items():
            table.add_column(f"{shape}: {figures['feeds']:,} feeds", justify="right")
        for phase, words in PHASES.items():
            table.add_row(words, *(f"{s['phases'][phase]['p99_ms']:.1f} / "
                                   f"{s['phases'][phase]['worst_ms']:.1f}"
                                   for s in f["tree"].values()))
        console.print(table)
    if "window_open" in f:
        w = f["window_open"]
        table = Table(title="`rss-desktop gui --database FILE`: from process start, seconds")
        table.add_column("painted")
        table.add_column("first run", justify="right")
        table.add_column("warm (median)", justify="right")
        table.add_row("the tree", f"{w['first_tree_seconds']:.2f}",
                      f"{w['warm_tree_seconds']:.2f}")
        table.add_row("the tree with its counts", f"{w['first_counts_seconds']:.2f}",
                      f"{w['warm_counts_seconds']:.2f}")
        console.print(table)
