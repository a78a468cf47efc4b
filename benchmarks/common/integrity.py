"""What the damage check before an engine's first write costs: the engine's own check (every
table but the article bodies, ``quick_check(TABLE)``: desktop/store/backends/sqlite_check.py),
the whole ``PRAGMA quick_check`` (what runs when the file is in doubt) and the full
``integrity_check`` (what runs where a WAL was left), on a fresh copy of a cached dataset, each
twice on one connection (the second run with the file in the page cache of the process as
well as the OS's).

    python -m benchmarks.common.integrity --articles 1000000 --dataset demo
    python -m benchmarks.common.integrity --articles 200000 --dataset server
"""

from __future__ import annotations

import argparse
import sqlite3
import time

from .dataset import DATASETS, cached_dataset, fresh_copy, remove_copy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.common.integrity")
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--dataset", choices=DATASETS, default="demo")
    args = parser.parse_args(argv)
    dataset = cached_dataset(args.articles, args.dataset)
    copy = fresh_copy(dataset, "integrity")
    print(f"{dataset.path.name}: {args.articles:,} articles, {dataset.size_bytes / 1e6:,.0f} MB")
    try:
        _engine_check(copy)
        for pragma in ("quick_check", "integrity_check"):
            conn = sqlite3.connect(copy)
            try:
                for attempt in (1, 2):
                    started = time.perf_counter()
                    found = conn.execute(f"PRAGMA {pragma}(3)").fetchone()[0]
                    seconds = time.perf_counter() - started
                    print(f"{pragma:<16} run {attempt}: {seconds:6.2f} s ({found})")
            finally:
                conn.close()
    finally:
        remove_copy(copy)
    return 0


def _engine_check(copy) -> None:
    from desktop.store.backends.sqlite import SQLITE
    from desktop.store.connection import connect

    db = connect(copy)
    try:
        for attempt in (1, 2):
            started = time.perf_counter()
            found = SQLITE.check_integrity(db)
            seconds = time.perf_counter() - started
            print(f"{'before a write':<16} run {attempt}: {seconds:6.2f} s ({found or 'ok'})")
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
