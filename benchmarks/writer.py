"""A stand-in for the web server writing while a job runs: ``python -m benchmarks.writer DB``.

Every 10 ms (on a fixed grid, so a slow write does not push the next one back) it inserts an
article into a feed of the category being marked (above the job's watermark, so out of scope)
and then touches a read_status row of another user, each write in its own ``BEGIN IMMEDIATE``
… ``COMMIT`` on a plain sqlite3 connection with a 5 s busy timeout, like the server. It stops
when stdin closes and prints one JSON object: every write's start (time.monotonic, comparable
across processes on Linux), its wait (start to end of COMMIT) and within it the time to get the
lock (BEGIN IMMEDIATE) and the COMMIT (which may run a WAL checkpoint), and the errors.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import threading
import time

from .baselines import open_plain
from .dataset import USER_ID

INTERVAL = 0.010


def main(path: str, category_id: int) -> None:
    conn = open_plain(path)
    feeds = [r[0] for r in conn.execute("SELECT id FROM feeds WHERE category_id = ?",
                                        (category_id,))]
    rows = [r[0] for r in conn.execute("SELECT id FROM read_status WHERE user_id != ? "
                                       "ORDER BY id LIMIT 10000", (USER_ID,))]
    rng = random.Random(1)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    ops, errors, inserted = [], [], 0
    print("ready", flush=True, file=sys.stderr)
    tick = time.monotonic()
    while not stop.is_set():
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        writes = (
            ("insert", "INSERT INTO articles (feed_id, title, url, guid, published_date, "
                       "created_at) VALUES (?, 'Concurrent arrival', NULL, NULL, ?, ?)",
             (rng.choice(feeds), stamp, stamp)),
            ("update", "UPDATE read_status SET updated_at = ? WHERE id = ?",
             (stamp, rng.choice(rows))),
        )
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
        tick += INTERVAL
        delay = tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            tick = time.monotonic()  # behind: write again at once, then keep the 10 ms pace
    conn.close()
    print(json.dumps({"ops": ops, "errors": errors, "inserted": inserted}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
