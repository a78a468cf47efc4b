"""``python -m benchmarks --backend postgresql --only rules``: sqlite/rules.py's measurements on
the PostgreSQL server (postgresql/cluster.py), each run on a fresh copy of the loaded database:
a rule's run against a plain job of the same scope, the plain job by publication date, and what
an index on ``COALESCE(NULLIF(published_date, ''), created_at)`` would cost the server's
inserts (wall, and the CPU of the server's backend process, from /proc)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time

from rich.console import Console

from ..common.dataset import cached_dataset, snapshot
from ..sqlite.idle import cpu_seconds
from ..sqlite.rules import INDEX_SQL, _plain, _published, _rule
from .cluster import Cluster

console = Console(stderr=True)
INSERT_SQL = ("INSERT INTO articles (feed_id, title, url, guid, content, published_date, "
              "created_at) VALUES (%s, 'New', %s, %s, %s, %s, %s)")


def _insert_rounds(cluster: Cluster, name: str, rounds: int, per_feed: int) -> tuple[float,
                                                                                      float]:
    from desktop.store.clock import utc_now_text

    with cluster.connect(name) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        feeds = [row[0] for row in conn.execute("SELECT id FROM feeds ORDER BY id")]
        stamp, content = utc_now_text(), "new article " * 200
        began, cpu, serial = time.perf_counter(), cpu_seconds(backend), 0
        for _ in range(rounds):
            for feed_id in feeds:
                with conn.transaction():
                    for _ in range(per_feed):
                        serial += 1
                        guid = f"bench-{serial}"
                        conn.execute(INSERT_SQL, (feed_id, guid, guid, content, stamp, stamp))
        return time.perf_counter() - began, cpu_seconds(backend) - cpu


def main(args) -> int:
    dataset = cached_dataset(args.articles, "server", log=console.print)
    before = snapshot(dataset.server_path, dataset)
    seconds: dict[str, list[float]] = {"plain": [], "rule": [], "published": []}
    marked: dict[str, set[int]] = {kind: set() for kind in seconds}
    inserts: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    with Cluster(log=console.print) as cluster:
        template = cluster.template_for(dataset, before)
        kinds = [("plain", _plain), ("rule", _rule), ("published", _published)]
        for repeat in range(args.repeats):
            for kind, run in kinds[repeat % 3:] + kinds[:repeat % 3]:
                name = cluster.fresh_database(template, f"rules-{kind}-{repeat + 1}")
                try:
                    took, count = asyncio.run(run(cluster.url(name), dataset.category_id))
                finally:
                    cluster.drop(name)
                seconds[kind].append(took)
                marked[kind].add(count)
                console.print(f"[dim]        {kind} {repeat + 1}: {took:.3f} s, {count:,} marked")
            for kind in (("without", "with") if repeat % 2 == 0 else ("with", "without")):
                name = cluster.fresh_database(template, f"rules-index-{kind}-{repeat + 1}")
                try:
                    if kind == "with":
                        with cluster.connect(name) as conn:
                            conn.execute(INDEX_SQL)
                    inserts[kind].append(_insert_rounds(cluster, name, 20, 5))
                finally:
                    cluster.drop(name)
                console.print(f"[dim]        inserts {kind} the index {repeat + 1}: "
                              f"{inserts[kind][-1][0]:.3f} s, {inserts[kind][-1][1]:.3f} s "
                              "server CPU")
    median = {kind: statistics.median(values) for kind, values in seconds.items()}
    wall = {kind: statistics.median(w for w, _ in values) for kind, values in inserts.items()}
    cpu = {kind: statistics.median(c for _, c in values) for kind, values in inserts.items()}
    results = {
        "articles": dataset.articles, "repeats": args.repeats, "seconds": median,
        "rule_to_plain": median["rule"] / median["plain"],
        "published_to_received": median["published"] / median["plain"],
        "marked": {kind: sorted(counts) for kind, counts in marked.items()},
        "index_insert_cost": {"wall": wall["with"] / wall["without"] - 1,
                              "server_cpu": cpu["with"] / cpu["without"] - 1,
                              "wall_seconds": wall, "server_cpu_seconds": cpu},
        "runs_seconds": seconds, "runs_inserts": inserts}
    console.print(
        f"rules on PostgreSQL: a rule's run ÷ a plain job = {results['rule_to_plain']:.3f}; by "
        f"publication date ÷ by arrival = {results['published_to_received']:.3f}; the index "
        f"would add {results['index_insert_cost']['server_cpu']:+.1%} to the server's CPU for "
        f"inserts ({results['index_insert_cost']['wall']:+.1%} wall)")
    if args.output:
        with open(args.output, "w") as f:
            json.dump(results, f, indent=2)
        console.print(f"results written to {args.output}")
    same = len({count for counts in marked.values() for count in counts}) == 1
    return 0 if same else 2
