"""``python -m benchmarks --backend postgresql``: issue 13's benchmark, the mark-read job on a
PostgreSQL server holding the same server dataset as the SQLite benchmark.

The server is the tests' own (postgresql/cluster.py), its cluster cached under benchmarks/cache/;
the dataset is loaded there once per size from the cached SQLite file. Every run gets a fresh copy
of the loaded database (CREATE DATABASE … TEMPLATE) and a fresh process, and its final state is
checked with the SQLite benchmark's checks before its figures count. Measurements
(postgresql/runs.py): the one-statement floor (and beside it: foreign keys off; the undo record
kept in bare SQL), the engine with and without its undo record, the whole ``python -m desktop
mark-read`` process, the floor and the engine beside a writer committing every 10 ms, and the
engine's peak memory growth at N/10 and N.
"""

from __future__ import annotations

import os
import time

from rich.console import Console

from ..common.code_state import code_state
from ..common.dataset import CACHE, cached_dataset, snapshot, verify
from ..common.faces import run_cli_process
from ..common.fresh_process import run_child
from ..report import postgresql as report_postgresql
from .cluster import Cluster
from .cluster import snapshot as server_snapshot

KINDS = ("floor", "floor_fk_off", "floor_undo", "engine", "engine_no_undo", "cli_process",
         "floor_contention", "contention")
JOBS = ("engine", "engine_no_undo", "contention", "memory")  # runs that end in a job's status
TRACED = ("engine", "engine_no_undo", "contention")
FULL_ARTICLES = 1_000_000
PARTIAL_OUTPUT = CACHE / "results-postgresql-partial.json"
console = Console(stderr=True)


def main(args) -> int:
    if args.dataset != "server":
        console.print("[red]--backend postgresql measures the server dataset only")
        return 2
    kinds = [kind for kind in args.kinds if kind != "memory"]  # checked by main.parse_args
    options = args.engine_options
    started = time.monotonic()
    load_start = os.getloadavg()
    dataset = cached_dataset(args.articles, "server", log=console.print)
    sizes = {dataset.articles: dataset}
    if "memory" in args.kinds:  # memory flat: the same job at N/10
        small = cached_dataset(max(1000, args.articles // 10), "server", log=console.print)
        sizes[small.articles] = small
    else:
        small = dataset
    before = {n: snapshot(d.server_path, d) for n, d in sizes.items()}
    with Cluster(log=console.print) as cluster:
        templates = {n: cluster.template_for(d, before[n]) for n, d in sizes.items()}
        runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
        if "memory" in args.kinds:
            runs.update({f"memory_{n}": [] for n in sorted(sizes)})
        for repeat in range(args.repeats):
            # Interleaved rounds, so a slow spell of the machine touches every measurement alike.
            for kind in runs:
                name = f"{kind}-{repeat + 1}"
                console.print(f"[dim]{time.monotonic() - started:6.1f} s  {name}")
                base, size = (("memory", int(kind.split("_")[1])) if kind.startswith("memory_")
                              else (kind, dataset.articles))
                runs[kind].append(_measure(cluster, base, sizes[size], templates[size],
                                           before[size], name, options, args.trace))
        server = {"version": cluster.version(), "settings": cluster.settings(),
                  "cluster": str(cluster.base_dir),
                  "databases": {str(n): {"name": t, "size_bytes": cluster.size_bytes(t),
                                         "load_seconds": cluster.load_timings(t)}
                                for n, t in templates.items()}}
    results = report_postgresql.build(dataset, small, runs, options, args,
                                      time.monotonic() - started, server)
    results["load_average"] = {"start": load_start, "end": os.getloadavg()}
    results["code"] = code_state()
    out = Console()
    report_postgresql.show(results, out if out.is_terminal else Console(width=150))
    # results-postgresql.json keeps complete runs only: every measurement, full size, 3+ runs
    complete = (set(kinds) == set(KINDS) and "memory" in args.kinds
                and args.articles == FULL_ARTICLES and args.repeats >= 3)
    output = args.output or (report_postgresql.RESULTS if complete else PARTIAL_OUTPUT)
    report_postgresql.write(results, output)
    console.print(f"results written to {output}"
                  + ("" if complete or args.output else
                     f" (not a complete run: {report_postgresql.RESULTS.name} keeps those)"))
    if results["problems"]:
        return 2
    return 0 if all(t["passed"] for t in results["targets"].values()) else 1


def _measure(cluster, kind: str, dataset, template: str, before: dict, run_name: str,
             options: dict, trace: bool) -> dict:
    """One run of one measurement on a fresh copy of the loaded database, its final state
    checked (dataset.verify, on the counts of pg_cluster.snapshot)."""
    url = cluster.url(cluster.fresh_database(template, run_name))
    try:
        if kind == "cli_process":  # the real command, spawn to exit, from this process
            result = run_cli_process(url, dataset.category_id)
        else:
            result = run_child(kind, backend="postgresql", path=url,
                               category_id=dataset.category_id, watermark=dataset.watermark,
                               options=options, trace=trace and kind in TRACED)
        watermark = result.get("watermark") or dataset.watermark
        added = result.get("writer", {}).get("inserted", 0)
        result["problems"] = verify(before, server_snapshot(url, dataset, watermark), dataset,
                                    watermark, added)
        if kind in JOBS and result["status"] != "completed":
            result["problems"].append(f"job ended {result['status']}")
    finally:
        cluster.drop(url.rsplit("/", 1)[1])
    if result["problems"]:
        console.print(f"[red]{run_name}: wrong final state: {'; '.join(result['problems'])}")
    return result
