"""Issue 26: every shape of database side by side, each against its own floor, and how the whole
``mark-read`` process splits (``split.py``)."""

from __future__ import annotations

from rich.table import Table

from ..common.stats import figure_text, median, median_of
from .results import paired_ratio

PROCESS_TO_FLOOR = 1.2  # issue 26: the whole `mark-read` process, on every shape
ENGINE_TO_FLOOR = 1.05  # issue 26: the engine in-process, on every shape
VERSION_SECONDS = 0.080  # `rss-desktop --version`, spawn to exit
SMALL_JOB_SECONDS = 0.150  # a small job on a 1,000,000-article file, spawn to exit
PARTS = ("start", "imports", "open", "create", "claim", "count", "chunk_statements", "commits",
         "between_chunks", "close", "exit", "other")


def _shape_runs(runs: dict, shape: str | None) -> dict:
    """The runs of one shape by kind (``shape`` None: the main dataset's, keys without '#')."""
    if shape is None:
        return {k: v for k, v in runs.items() if "#" not in k and "@" not in k}
    return {k.split("#")[0]: v for k, v in runs.items() if k.endswith(f"#{shape}")}


def _figures(dataset, runs: dict) -> dict:
    floor = median_of(runs.get("floor_fk_off", []), "seconds")
    floor_on = median_of(runs.get("floor", []), "seconds")
    row = {"articles": dataset.articles, "in_category": dataset.category_articles,
           "size_mb": dataset.size_bytes / 2**20, "floor_fk_off": floor, "floor": floor_on}
    engine = median_of(runs.get("engine", []), "seconds")
    process = median_of(runs.get("cli", []), "process", "process_seconds")
    row["engine"] = engine
    row["engine_chunks"] = median_of(runs.get("engine", []), "chunks")
    row["process"] = process
    row["version"] = median_of(runs.get("cli", []), "process", "startup_seconds")
    row["small_job"] = median_of(runs.get("small_job", []), "seconds")
    row["split_seconds"] = median_of(runs.get("split", []), "seconds")
    row["split_chunks"] = median_of(runs.get("split", []), "chunks")
    row["split"] = {part: median_of(runs.get("split", []), "parts", part) for part in PARTS}
    if floor:
        row["engine_ratio"] = engine / floor if engine else None
        row["process_ratio"] = process / floor if process else None
        row["split_ratio"] = row["split_seconds"] / floor if row["split_seconds"] else None
        row["engine_ratio_paired"] = paired_ratio(runs, "engine", "floor_fk_off")
        row["process_ratio_paired"] = paired_ratio(runs, "cli", "floor_fk_off")
    return row


def build(results: dict, dataset, shapes: dict, runs: dict) -> None:
    """Add ``figures["shapes"]`` ({shape: figures}) and issue 26's targets to ``results``."""
    table = {dataset.name: _figures(dataset, _shape_runs(runs, None))}
    for name, shape_dataset in shapes.items():
        table[name] = _figures(shape_dataset, _shape_runs(runs, name))
    results["figures"]["shapes"] = table
    targets = results["targets"]

    def target(name, text, value, passed):
        targets[name] = {"target": text, "value": value, "passed": bool(passed)}

    for name, row in table.items():
        if row.get("process_ratio") is not None:
            target(f"process_vs_floor_{name}", f"{name}: whole `mark-read` process ÷ floor "
                   f"(FK off) ≤ {PROCESS_TO_FLOOR:g}", row["process_ratio"],
                   row["process_ratio"] <= PROCESS_TO_FLOOR)
        if row.get("engine_ratio") is not None:
            target(f"engine_vs_floor_{name}", f"{name}: engine in-process ÷ floor (FK off) ≤ "
                   f"{ENGINE_TO_FLOOR:g}", row["engine_ratio"],
                   row["engine_ratio"] <= ENGINE_TO_FLOOR)
        if row.get("small_job") is not None and row["articles"] >= 1_000_000:
            target(f"small_job_{name}", f"{name}: a small job, spawn to exit ≤ "
                   f"{SMALL_JOB_SECONDS * 1e3:g} ms", row["small_job"],
                   row["small_job"] <= SMALL_JOB_SECONDS)
    versions = [row["version"] for row in table.values() if row.get("version")]
    if versions:
        value = median(versions)
        target("version_startup", f"`rss-desktop --version`, spawn to exit ≤ "
               f"{VERSION_SECONDS * 1e3:g} ms", value, value <= VERSION_SECONDS)


def _ms(value) -> str:
    return figure_text(value * 1e3 if value is not None else None)


def show(results: dict, console) -> None:
    table_data = results["figures"].get("shapes") or {}
    if len(table_data) < 2 and not any(r.get("split_seconds") for r in table_data.values()):
        return
    table = Table(title="Every shape against its own floor (issue 26; seconds, medians; ÷ floor "
                        "FK off: of the medians / paired)")
    for column in ("shape", "articles / in category", "MB", "floor FK off", "floor FK on",
                   "engine", "÷ floor", "whole process", "÷ floor", "--version ms",
                   "small job ms"):
        table.add_column(column, justify="left" if column == "shape" else "right")

    def pair(row, key):
        value = row.get(key)
        return (f"{figure_text(value)} / {figure_text(row.get(key + '_paired'))}"
                if value is not None else "—")

    for name, row in table_data.items():
        table.add_row(name, f"{row['articles']:,} / {row['in_category']:,}",
                      figure_text(row["size_mb"]), figure_text(row["floor_fk_off"]),
                      figure_text(row["floor"]), figure_text(row["engine"]),
                      pair(row, "engine_ratio"), figure_text(row["process"]),
                      pair(row, "process_ratio"), _ms(row["version"]), _ms(row["small_job"]))
    console.print(table)
    if not any(row.get("split_seconds") for row in table_data.values()):
        return
    split = Table(title="Where the whole `mark-read` process's time goes, per shape (ms, medians; "
                        "benchmarks/sqlite/split.py)")
    split.add_column("part")
    for name in table_data:
        split.add_column(name, justify="right")
    for part in (*PARTS, "total"):
        cells = []
        for row in table_data.values():
            value = row["split_seconds"] if part == "total" else row["split"].get(part)
            cells.append(_ms(value))
        split.add_row(part, *cells)
    split.add_row("chunks", *[figure_text(row.get("split_chunks")) for row in table_data.values()])
    console.print(split)
