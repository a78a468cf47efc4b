"""Another program on the database while a job runs:
``python -m benchmarks.sqlite.writer DB CATEGORY``.

A plain sqlite3 connection with a 5 s busy timeout, like the web server. Three ways to use it:

- by default (``contention``), every 10 ms on a fixed grid (a slow write does not push the next
  one back) it inserts an article into a feed of the category being marked (above the job's
  watermark, so out of scope) and then touches a read_status row of another user;
- ``--between 0.9 1.7 --single`` (``sparse``): one small write, like a star click, at random
  intervals uniform in 0.9–1.7 s (``--seed``), alternately inserting an article and
  touching a read_status row of another user; the first one a random interval after start;
- ``--idle`` (``connected``): it reads once (so, in WAL mode, its connection holds the lock
  on the ``-shm`` file that shows in /proc/locks) and never writes.

Each write is its own ``BEGIN IMMEDIATE`` … ``COMMIT``. It says "ready" on stderr once it has
the file open, stops when stdin closes and prints one JSON object: every write's start
(time.monotonic, comparable across processes on Linux), its wait (start to end of COMMIT) and
within it the time to get the lock (BEGIN IMMEDIATE) and the COMMIT (which may run a WAL
checkpoint), and the errors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import threading
import time

from ..common.dataset import USER_ID
from ..common.plain_connection import open_plain

INTERVAL = 0.010

# A new article as a server's poller writes it: a unique guid (the server dataset has a unique
# (feed_id, guid) and NOT NULL guid) and a content of a few KB (columns both datasets have).
INSERT_SQL = ("INSERT INTO articles (feed_id, title, url, guid, content, published_date, "
              "created_at) VALUES (?, 'Concurrent arrival', ?, ?, ?, ?, ?)")
CONTENT = "concurrent arrival " * 120
UPDATE_SQL = "UPDATE read_status SET updated_at = ? WHERE id = ?"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sqlite.writer")
    parser.add_argument("path")
    parser.add_argument("category_id", type=int)
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--every", type=float, default=INTERVAL, metavar="S",
                      help="write on a fixed grid of S seconds (default 0.010)")
    pace.add_argument("--between", type=float, nargs=2, metavar=("LOW", "HIGH"),
                      help="write at random intervals uniform in LOW..HIGH seconds")
    pace.add_argument("--idle", action="store_true", help="read once, then never write")
    parser.add_argument("--single", action="store_true",
                        help="one write a time (alternately insert and update), not both")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    conn = open_plain(args.path)
    feeds = [r[0] for r in conn.execute("SELECT id FROM feeds WHERE category_id = ?",
                                        (args.category_id,))]
    rows = [r[0] for r in conn.execute("SELECT id FROM read_status WHERE user_id != ? "
                                       "ORDER BY id LIMIT 10000", (USER_ID,))]
    rng = random.Random(args.seed)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    ops, errors, inserted = [], [], 0
    print("ready", flush=True, file=sys.stderr)
    if args.idle:  # the reads above left it holding the -shm lock: just stay open
        stop.wait()
        conn.close()
        print(json.dumps({"ops": ops, "errors": errors, "inserted": inserted}))
        return

    def interval() -> float:
        return rng.uniform(*args.between) if args.between else args.every

    tick = time.monotonic() + (interval() if args.between else 0.0)
    turn = 0
    while not stop.wait(max(0.0, tick - time.monotonic())):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        guid = f"urn:writer:{os.getpid()}:{len(ops) + len(errors)}"
        writes = (("insert", INSERT_SQL, (rng.choice(feeds), f"https://writer.example/{guid}",
                                          guid, CONTENT, stamp, stamp)),
                  ("update", UPDATE_SQL, (stamp, rng.choice(rows))))
        if args.single:
            writes = (writes[turn % 2],)
            turn += 1
        for kind, sql, params in writes:
            started = time.monotonic()
            try:
                conn.execute("BEGIN IMMEDIATE")
                locked = time.monotonic()
                conn.execute(sql, params)
                committing = time.monotonic()
                conn.execute("COMMIT")
                ended = time.monotonic()
                ops.append((kind, started, ended - started, locked - started, ended - committing))
                inserted += kind == "insert"
            except sqlite3.Error as exc:
                errors.append((kind, started, time.monotonic() - started, str(exc)))
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        tick += interval()
        if tick < time.monotonic():
            tick = time.monotonic()  # behind: write again at once, then keep the pace
    conn.close()
    print(json.dumps({"ops": ops, "errors": errors, "inserted": inserted}))


if __name__ == "__main__":
    main()
