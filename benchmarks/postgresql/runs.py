"""The PostgreSQL measurements, each in a fresh child process (child.py) on a fresh copy of the
loaded database (postgresql/cluster.py), returning plain dicts like the SQLite ones.

- ``floor``: ONE statement marks the whole category read, in one transaction, on a plain
  psycopg connection over TCP (as the engine connects): ``INSERT INTO read_status … SELECT …
  FROM articles WHERE feed in the category AND id <= watermark ON CONFLICT (user_id,
  article_id) DO UPDATE … WHERE NOT read_status.is_read``. Foreign keys are enforced, as on
  any connection to PostgreSQL (ours too): every ratio is against this one.
- ``floor_fk_off``: the same with the foreign-key triggers off (``session_replication_role =
  replica``, a superuser's switch no client of the server would use): what the checks cost.
- ``floor_undo``: the same statement keeping the engine's undo record in bare SQL, in the same
  transaction: its RETURNING feeds, inside the server, the updated rows' articles into
  ``bulk_job_changes`` and the inserted rows' id range into one ``bulk_job_spans`` row.
- ``floor_contention``: the floor while postgresql/writer.py writes every 10 ms.
- the engine's runs are engine.py's, given the database's URL (engine.run_engine,
  run_memory; faces.run_cli_process for the whole process).
"""

from __future__ import annotations

import time

import psycopg

from ..common import engine
from ..common.dataset import USER_ID
from ..common.engine import Writer

FLOOR_SQL = """
INSERT INTO read_status (user_id, article_id, is_read, is_starred, is_archived, read_at,
                         created_at, updated_at)
SELECT %(user)s, a.id, true, false, false, %(now)s, %(now)s, %(now)s FROM articles a
WHERE a.feed_id IN (SELECT id FROM feeds WHERE category_id = %(cat)s) AND a.id <= %(wm)s
ON CONFLICT (user_id, article_id) DO UPDATE
SET is_read = true, read_at = EXCLUDED.read_at, updated_at = EXCLUDED.updated_at
WHERE NOT read_status.is_read OR read_status.is_read IS NULL
"""
# The floor with an undo record kept inside the same statement: the updated rows' articles to
# bulk_job_changes, the inserted rows' ids as one span (job 0: no job row). The engine cannot
# use a span per chunk on PostgreSQL (backends/postgres_record.ServerSideRecorder says why).
FLOOR_UNDO_SQL = f"""
WITH marked AS ({FLOOR_SQL} RETURNING id, article_id, (xmax = 0) AS inserted),
changes AS (INSERT INTO bulk_job_changes (job_id, article_id)
            SELECT 0, article_id FROM marked WHERE NOT inserted ON CONFLICT DO NOTHING)
INSERT INTO bulk_job_spans (job_id, low, high, first_row, last_row)
SELECT 0, 0, %(wm)s, min(id) FILTER (WHERE inserted), max(id) FILTER (WHERE inserted)
FROM marked
RETURNING (SELECT count(*) FROM marked), (SELECT count(*) FROM marked WHERE NOT inserted)
"""


def run_floor(url: str, category_id: int, watermark: int, *, foreign_keys: bool = True,
              undo_record: bool = False, writer: bool = False) -> dict:
    """The one-statement floor (see the module's docstring); with ``writer``, beside
    postgresql/writer.py writing every 10 ms, whose waits during the statement are returned."""
    from desktop.store.clock import utc_now_text

    params = {"user": USER_ID, "now": utc_now_text(), "cat": category_id, "wm": watermark}
    statement = FLOOR_UNDO_SQL if undo_record else FLOOR_SQL
    with psycopg.connect(url, autocommit=True, application_name="benchmark floor") as conn:
        plan = [row[0] for row in conn.execute("EXPLAIN " + FLOOR_SQL, params)]
        if not foreign_keys:
            conn.execute("SET session_replication_role = replica")
        proc = Writer(url, category_id) if writer else None
        if proc:
            time.sleep(0.3)  # the writer settles into its pace
        started = time.monotonic()
        conn.execute("BEGIN")
        cursor = conn.execute(statement, params)
        if undo_record:
            changed, recorded = cursor.fetchone()
        else:
            changed, recorded = cursor.rowcount, None
        committing = time.monotonic()
        conn.execute("COMMIT")
        ended = time.monotonic()
    result = {"seconds": ended - started, "commit_seconds": ended - committing,
              "changed": changed, "recorded_updates": recorded, "plan": plan,
              "foreign_keys": foreign_keys}
    if proc:
        result["writer"] = proc.stop(started, ended)
    return result


def run(kind: str, arguments: dict) -> dict:
    """One measurement of the PostgreSQL benchmark, in this (child) process."""
    url, category = arguments["path"], arguments["category_id"]
    options, trace = arguments.get("options") or {}, arguments.get("trace", False)
    if kind in ("floor", "floor_fk_off", "floor_undo", "floor_contention"):
        return run_floor(url, category, arguments["watermark"],
                         foreign_keys=kind != "floor_fk_off", undo_record=kind == "floor_undo",
                         writer=kind == "floor_contention")
    if kind == "engine":
        return engine.run_engine(url, category, options, trace=trace)
    if kind == "engine_no_undo":
        return engine.run_engine(url, category, {**options, "record_changes": False},
                                 trace=trace)
    if kind == "contention":  # the engine beside postgresql/writer.py
        return engine.run_engine(url, category, options, writer=(), trace=trace)
    if kind == "memory":
        return engine.run_memory(url, category, options)
    raise SystemExit(f"unknown PostgreSQL measurement {kind!r}")
