"""Figures, targets and tables for the two faces (app vs CLI job rate) and their idle cost."""

from __future__ import annotations

from rich.table import Table

from ..common.stats import figure_text as _fmt
from ..common.stats import median_of

APP_TO_CLI = 0.9  # "the app's job rate is within 10 % of the CLI's"
IDLE_CPU_PERCENT = 1.0  # "~0 % CPU", of one core, over the idle period


def build(runs: dict, figures: dict, target) -> None:
    """Add the faces' and idle figures to ``figures``, their targets through ``target``."""
    for kind in ("cli", "app"):
        rs = runs.get(kind)
        if not rs:
            continue
        figure = {key: median_of(rs, key) for key in (
            "seconds", "articles_per_second", "run_seconds", "run_articles_per_second",
            "face_seconds", "chunks")}
        figure["articles"] = median_of(rs, "progress")
        if kind == "cli":
            figure["process_seconds"] = median_of(rs, "process", "process_seconds")
            figure["process_articles_per_second"] = figure["articles"] / figure["process_seconds"]
        figures[kind] = figure
    if "cli" in figures and "app" in figures:
        app, cli = figures["app"], figures["cli"]
        ratio = app["articles_per_second"] / cli["articles_per_second"]
        figures["app_vs_cli"] = {
            "rate_ratio": ratio,
            "run_rate_ratio": app["run_articles_per_second"] / cli["run_articles_per_second"],
            # the window's whole wait (click to done) against the command's whole process
            "face_to_process_ratio": cli["process_seconds"] / app["face_seconds"]}
        target("app_vs_cli", f"app job rate ≥ {APP_TO_CLI:g} × the CLI's (same file)", ratio,
               ratio >= APP_TO_CLI)
    if runs.get("idle"):
        idle = figures["idle"] = {}
        for face, label in (("gui", "idle window"), ("work", "idle `work`")):
            rs = [r[face] for r in runs["idle"]]
            idle[face] = {key: median_of(rs, key) for key in (
                "idle_seconds", "cpu_seconds", "cpu_percent", "cpu_percent_worst_second",
                "context_switches_per_second", "open_seconds", "settle_seconds")}
            idle[face]["untouched"] = all(r["untouched"] for r in rs)
            idle[face]["db_unchanged_after_exit"] = all(r["db_unchanged_after_exit"] for r in rs)
            idle[face]["changed"] = sorted({name for r in rs for name in r["changed"]})
            cpu = idle[face]["cpu_percent"]
            target(f"idle_{face}_cpu", f"{label}: CPU ≤ {IDLE_CPU_PERCENT:g} % of one core",
                   cpu, cpu <= IDLE_CPU_PERCENT)
            target(f"idle_{face}_untouched", f"{label}: database, -wal, -shm untouched",
                   len(idle[face]["changed"]), idle[face]["untouched"])


def show(results: dict, console) -> None:
    f = results["figures"]
    if "cli" in f or "app" in f:
        table = Table(title="The same job through each face (job: engine events from "
                            "'created' to 'finished')")
        for column in ("face", "job s", "articles/s", "started→finished articles/s",
                       "chunks", "whole s", "whole articles/s"):
            table.add_column(column, justify="left" if column == "face" else "right")
        if "cli" in f:
            c = f["cli"]
            table.add_row("CLI: desktop.cli.main, progress bar on", _fmt(c["seconds"]),
                          _fmt(c["articles_per_second"]), _fmt(c["run_articles_per_second"]),
                          _fmt(c["chunks"]), _fmt(c["face_seconds"]), "")
            table.add_row("CLI: python -m desktop mark-read, spawn to exit", "", "", "", "",
                          _fmt(c["process_seconds"]), _fmt(c["process_articles_per_second"]))
        if "app" in f:
            a = f["app"]
            table.add_row("app: MainWindow, start_mark_read → jobFinished", _fmt(a["seconds"]),
                          _fmt(a["articles_per_second"]), _fmt(a["run_articles_per_second"]),
                          _fmt(a["chunks"]), _fmt(a["face_seconds"]),
                          _fmt(a["articles"] / a["face_seconds"]))
        console.print(table)
        if "app_vs_cli" in f:
            r = f["app_vs_cli"]
            console.print(f"app ÷ CLI job rate: {r['rate_ratio']:.3f} (started→finished "
                          f"{r['run_rate_ratio']:.3f}); the CLI's whole process ÷ the window's "
                          f"click-to-done: {r['face_to_process_ratio']:.2f}")
    if "idle" in f:
        table = Table(title="Idle cost: each face watched on a fresh copy, after start-up")
        for column in ("face", "seconds", "CPU s", "CPU % of a core", "worst 1 s %",
                       "switches/s", "file untouched", "db unchanged after exit"):
            table.add_column(column, justify="left" if column == "face" else "right")
        for face, label in (("gui", "gui (window, offscreen)"), ("work", "work (service)")):
            x = f["idle"][face]
            table.add_row(label, _fmt(x["idle_seconds"]), _fmt(x["cpu_seconds"]),
                          _fmt(x["cpu_percent"], 2), _fmt(x["cpu_percent_worst_second"], 2),
                          _fmt(x["context_switches_per_second"]),
                          "yes" if x["untouched"] else f"no ({', '.join(x['changed'])})",
                          "yes" if x["db_unchanged_after_exit"] else "no")
        console.print(table)
