"""Rules (issue 25): a rule's run against a plain job of the same scope, and ``work`` idle with a
rule that is not due.

"rule_vs_plain": on two fresh copies, in one engine each (in this process), the time from the
request to the job's end: a plain ``mark_category_read`` job older than a week of "Tech", and a
rule of that scope and age made due and run by ``run_due_rules`` (claim, count, record, then
the same job). Alternated ``repeats`` times; the ratio of the medians is what a rule costs
beyond its job (it should be ~1).

"published_vs_received": the plain job again with ``by: "published"`` against by arrival (the
server dataset has a publication date on every article): the cut's own cost.

"index_insert_cost": what an index for the publication-date cut (on ``COALESCE(NULLIF(
published_date, ''), created_at)``, which the engine does not create) would cost the server's
inserts: articles inserted as a poller does (one transaction per feed's few new items) into
a copy with and without it.

"idle_work": ``rss-desktop work`` on a copy holding a rule that just ran (next due in a day),
watched like sqlite/idle.py's faces: its CPU while it waits (every round also asks when the
next rule is due) and whether the file changed.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

from ..common.dataset import USER_ID, fresh_copy, remove_copy
from ..common.paths import ROOT
from .idle import watch

WEEK, DAY = 7 * 86400, 86400


async def _plain(path, category_id: int, by: str = "received") -> tuple[float, int]:
    from desktop.jobs import BulkOperationManager
    from desktop.store.clock import ago_text

    async with BulkOperationManager(path) as manager:
        # what adding the rule does before the rule's timing starts: the first write's check
        # of the file and the schema's preparation
        await manager.guard.writable()
        await manager.prepare_for_writing()
        began = time.perf_counter()
        job_id = await manager.create_job("mark_category_read", USER_ID, {
            "category_id": category_id, "older_than": ago_text(seconds=WEEK), "by": by})
        job = await manager.wait_for_job(job_id)
        return time.perf_counter() - began, job.marked_count


async def _rule(path, category_id: int) -> tuple[float, int]:
    from desktop.jobs import BulkOperationManager

    async with BulkOperationManager(path) as manager:
        await manager.add_rule(USER_ID, "category", category_id, WEEK, every_seconds=DAY)
        began = time.perf_counter()
        [job_id] = await manager.run_due_rules()
        job = await manager.wait_for_job(job_id)
        return time.perf_counter() - began, job.marked_count


async def _published(path, category_id: int) -> tuple[float, int]:
    return await _plain(path, category_id, "published")


def rule_vs_plain(dataset, run_name: str, repeats: int, log=print) -> dict:
    seconds: dict[str, list[float]] = {"plain": [], "rule": [], "published": []}
    marked: dict[str, set[int]] = {"plain": set(), "rule": set(), "published": set()}
    for repeat in range(repeats):
        kinds = [("plain", _plain), ("rule", _rule), ("published", _published)]
        # each one first in turn: on a busy machine the first run of a round was the slowest
        for kind, run in kinds[repeat % 3:] + kinds[:repeat % 3]:
            path = fresh_copy(dataset, f"{run_name}-{kind}-{repeat + 1}")
            try:
                took, count = asyncio.run(run(path, dataset.category_id))
            finally:
                remove_copy(path)
            seconds[kind].append(took)
            marked[kind].add(count)
            log(f"[dim]        {kind} {repeat + 1}: {took:.3f} s, {count:,} marked")
    plain, rule, published = (statistics.median(seconds[k])
                              for k in ("plain", "rule", "published"))
    problems = [] if marked["plain"] == marked["rule"] and len(marked["plain"]) == 1 else [
        f"the rule's job marked {sorted(marked['rule'])}, the plain job {sorted(marked['plain'])}"]
    paired = statistics.median(r / p for r, p in zip(seconds["rule"], seconds["plain"],
                                                     strict=True))
    return {"plain_seconds": plain, "rule_seconds": rule, "rule_to_plain": rule / plain,
            "rule_to_plain_paired": paired,
            "published_seconds": published, "published_to_received": published / plain,
            "published_marked": sorted(marked["published"]),
            "runs_seconds": seconds, "marked": sorted(marked["plain"]), "problems": problems}


INDEX_SQL = ("CREATE INDEX article_age_by_published ON articles "
             "(COALESCE(NULLIF(published_date, ''), created_at))")
INSERT_SQL = ("INSERT INTO articles (feed_id, title, url, guid, content, published_date, "
              "created_at) VALUES (?, 'New', ?, ?, ?, ?, ?)")


def _insert_rounds(path, rounds: int, per_feed: int) -> tuple[float, float]:
    """(wall, CPU) seconds to insert ``rounds`` poller rounds: each feed's ``per_feed`` new
    articles in a transaction of their own. The CPU time is this process's (SQLite runs in
    it): on a busy machine the wall time mostly measures the others and the disk's syncs."""
    import sqlite3

    from desktop.store.clock import utc_now_text

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        feeds = [row[0] for row in conn.execute("SELECT id FROM feeds ORDER BY id")]
        stamp, content = utc_now_text(), "new article " * 200
        began, cpu, serial = time.perf_counter(), time.process_time(), 0
        for _ in range(rounds):
            for feed_id in feeds:
                conn.execute("BEGIN IMMEDIATE")
                for _ in range(per_feed):
                    serial += 1
                    guid = f"bench-{serial}"
                    conn.execute(INSERT_SQL, (feed_id, guid, guid, content, stamp, stamp))
                conn.execute("COMMIT")
        return time.perf_counter() - began, time.process_time() - cpu
    finally:
        conn.close()


def index_insert_cost(dataset, run_name: str, repeats: int, log=print) -> dict:
    import sqlite3

    seconds: dict[str, list[float]] = {"without": [], "with": []}
    cpu: dict[str, list[float]] = {"without": [], "with": []}
    for repeat in range(repeats):
        for kind in (("without", "with") if repeat % 2 == 0 else ("with", "without")):
            path = fresh_copy(dataset, f"{run_name}-index-{kind}-{repeat + 1}")
            try:
                if kind == "with":
                    with sqlite3.connect(path) as conn:
                        conn.execute(INDEX_SQL)
                wall, used = _insert_rounds(path, rounds=20, per_feed=5)
                seconds[kind].append(wall)
                cpu[kind].append(used)
            finally:
                remove_copy(path)
            log(f"[dim]        inserts {kind} the index {repeat + 1}: {seconds[kind][-1]:.3f} s,"
                f" {cpu[kind][-1]:.3f} s CPU")
    without, with_index = (statistics.median(seconds[k]) for k in ("without", "with"))
    cpu_without, cpu_with = (statistics.median(cpu[k]) for k in ("without", "with"))
    return {"without_seconds": without, "with_seconds": with_index,
            "cost": with_index / without - 1, "cpu_without_seconds": cpu_without,
            "cpu_with_seconds": cpu_with, "cpu_cost": cpu_with / cpu_without - 1,
            "runs_seconds": seconds, "runs_cpu_seconds": cpu}


def idle_work(dataset, run_name: str, seconds: float, log=print) -> dict:
    path = fresh_copy(dataset, f"{run_name}-idle-work")
    try:
        for args in (("rules", "add", "--database", path, "--user", USER_ID, "--category",
                      dataset.category_id, "--older-than", "7d", "--every", "1d", "-q"),
                     ("work", "--database", path, "--once", "-q")):
            subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=ROOT,
                           check=True, capture_output=True)
        log(f"[dim]        work with a rule not due: watching it idle for {seconds:g} s")
        return watch("work", path, seconds)
    finally:
        remove_copy(path)


def run_rules(dataset, run_name: str, repeats: int, idle_seconds: float, log=print) -> dict:
    compared = rule_vs_plain(dataset, run_name, repeats, log)
    index = index_insert_cost(dataset, run_name, repeats, log)
    idle = idle_work(dataset, run_name, idle_seconds, log)
    log(f"rules: a rule's run ÷ a plain job of the same scope = {compared['rule_to_plain']:.3f} "
        f"({compared['rule_seconds']:.3f} s ÷ {compared['plain_seconds']:.3f} s); by "
        f"publication date ÷ by arrival = {compared['published_to_received']:.3f}; an index "
        f"for it would add {index['cpu_cost']:+.1%} to the CPU of the server's inserts "
        f"({index['cost']:+.1%} wall); idle work "
        f"with a rule: {idle['cpu_percent']:.2f} % CPU over {idle['idle_seconds']:.0f} s, "
        f"file {'untouched' if idle['untouched'] else 'changed: ' + ', '.join(idle['changed'])}")
    problems = compared.pop("problems") + ([] if idle["untouched"] else
                                           [f"idle work changed {idle['changed']}"])
    return {"status": "completed", "problems": problems, **compared,
            "index_insert_cost": index, "idle_work": idle}
