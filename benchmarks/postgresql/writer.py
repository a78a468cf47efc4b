"""The web server writing beside a job on PostgreSQL:
``python -m benchmarks.postgresql.writer URL CAT``.

writer.py's ``contention`` writer for a PostgreSQL database, with the same output, so that
engine.Writer reads either: every 10 ms on a fixed grid (a slow write does not push the next one
back) it

- inserts an article into a feed of the category being marked, as a poller does (a unique guid,
  a few KB of content; its id is above the job's watermark, so out of scope), and
- upserts a read_status row of another user the way the server marks one article
  (``INSERT … ON CONFLICT (user_id, article_id) DO UPDATE``), on an article that user already
  has a row for, setting only ``updated_at`` (so the run's checks still find every count as
  it was),

each in its own transaction, on its own connection (``lock_timeout`` 5 s, like the SQLite
writer's busy timeout). It says "ready" on stderr once connected, stops when stdin closes and
prints one JSON object: per write its kind, start (time.monotonic, comparable across processes
on Linux), its wait (start to end of COMMIT), the statement's time (where a row lock would be
waited for; the SQLite writer's "lock") and the COMMIT's, and the errors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time

import psycopg

INTERVAL = 0.010
# has a row for a fifth of the articles (common/server_dataset.py); not the job's user
OTHER_USER = 2

INSERT_SQL = ("INSERT INTO articles (feed_id, title, url, guid, content, published_date, "
              "created_at) VALUES (%s, 'Concurrent arrival', %s, %s, %s, %s, %s)")
CONTENT = "concurrent arrival " * 120
UPSERT_SQL = ("INSERT INTO read_status (user_id, article_id, is_read, is_starred, is_archived, "
              "created_at, updated_at) VALUES (%s, %s, false, false, false, %s, %s) "
              "ON CONFLICT (user_id, article_id) DO UPDATE SET updated_at = EXCLUDED.updated_at")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.postgresql.writer")
    parser.add_argument("url")
    parser.add_argument("category_id", type=int)
    parser.add_argument("--every", type=float, default=INTERVAL, metavar="S",
                        help="write on a fixed grid of S seconds (default 0.010)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    conn = psycopg.connect(args.url, autocommit=True, application_name="benchmark writer")
    conn.execute("SET lock_timeout = '5s'")
    feeds = [r[0] for r in conn.execute("SELECT id FROM feeds WHERE category_id = %s",
                                        (args.category_id,))]
    articles = [r[0] for r in conn.execute(
        "SELECT article_id FROM read_status WHERE user_id = %s ORDER BY id LIMIT 10000",
        (OTHER_USER,))]
    rng = random.Random(args.seed)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    ops, errors, inserted = [], [], 0
    print("ready", flush=True, file=sys.stderr)
    tick = time.monotonic()
    while not stop.wait(max(0.0, tick - time.monotonic())):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        guid = f"urn:writer:{os.getpid()}:{len(ops) + len(errors)}"
        writes = (("insert", INSERT_SQL, (rng.choice(feeds), f"https://writer.example/{guid}",
                                          guid, CONTENT, stamp, stamp)),
                  ("update", UPSERT_SQL, (OTHER_USER, rng.choice(articles), stamp, stamp)))
        for kind, statement, params in writes:
            started = time.monotonic()
            try:
                conn.execute("BEGIN")
                conn.execute(statement, params)
                committing = time.monotonic()
                conn.execute("COMMIT")
                ended = time.monotonic()
                ops.append((kind, started, ended - started, committing - started,
                            ended - committing))
                inserted += kind == "insert"
            except psycopg.Error as exc:
                errors.append((kind, started, time.monotonic() - started, str(exc)))
                conn.execute("ROLLBACK")
        tick += args.every
        if tick < time.monotonic():
            tick = time.monotonic()  # behind: write again at once, then keep the pace
    conn.close()
    print(json.dumps({"ops": ops, "errors": errors, "inserted": inserted}))


if __name__ == "__main__":
    main()
