"""The feed-tree shapes of issue 26: many feeds, few articles each (the tree's cost is in its
rows, not in the articles).

- ``wide``: one category of 2,000 feeds (an OPML import of a heavy reader), beside two small
  categories of 5 feeds and 10 feeds without a category.
- ``spread``: 50 categories of 20 feeds (1,000 feeds).

Each feed has ``ARTICLES_PER_FEED`` articles; user 1 has read about a third of them, so most
feeds have something unread and some have nothing (what *Hide feeds with nothing unread*
hides). The server's schema (server_dataset.SERVER_DDL); deterministic for a shape.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from .server_dataset import SERVER_DDL

SHAPES = {"wide": (("Imported", 2000), ("News", 5), ("Science", 5)),
          "spread": tuple((f"Topic {n:02d}", 20) for n in range(1, 51))}
UNCATEGORIZED = {"wide": 10, "spread": 0}
ARTICLES_PER_FEED = 6
STAMP = "2026-08-01 12:00:00"
LAYOUT_VERSION = 1
WORDS = ("orbit kernel market climate design compiler harbour garden violin river quartz "
         "lantern meadow signal").split()


def build(path: Path, shape: str, seed: int = 5) -> None:
    """Write the ``shape`` database at ``path`` (a new file), as the server left it."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = wal")
    conn.executescript(SERVER_DDL)
    conn.execute("BEGIN")
    for user_id, name in ((1, "alice"), (2, "bob")):
        conn.execute("INSERT INTO users (id, username, created_at) VALUES (?, ?, ?)",
                     (user_id, name, STAMP))
    groups = [(category_id, name, feeds)
              for category_id, (name, feeds) in enumerate(SHAPES[shape], 1)]
    groups.append((None, None, UNCATEGORIZED[shape]))
    feed_id = article_id = 0
    for category_id, name, feeds in groups:
        if category_id is not None:
            conn.execute("INSERT INTO categories (id, name, created_at) VALUES (?, ?, ?)",
                         (category_id, name, STAMP))
        for _ in range(feeds):
            feed_id += 1
            title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {feed_id}"
            conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (feed_id, f"https://f{feed_id}.example.org/rss", title, category_id,
                          STAMP))
            all_read = rng.random() < 0.1  # nothing unread: hidden by "hide read feeds"
            for n in range(ARTICLES_PER_FEED):
                article_id += 1
                conn.execute("INSERT INTO articles (id, feed_id, guid, title, created_at, "
                             "published_date) VALUES (?, ?, ?, ?, ?, ?)",
                             (article_id, feed_id, f"g{article_id}", f"{title}: item {n}",
                              STAMP, STAMP))
                if all_read or rng.random() < 1 / 3:
                    conn.execute("INSERT INTO read_status (user_id, article_id, is_read, "
                                 "created_at, updated_at) VALUES (1, ?, 1, ?, ?)",
                                 (article_id, STAMP, STAMP))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def cached_tree(shape: str, cache: Path) -> Path:
    """The cached file of ``shape`` (built once; copy it before writing to it)."""
    cache.mkdir(exist_ok=True)
    path = cache / f"tree-{shape}-v{LAYOUT_VERSION}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, shape)
        partial.rename(path)
    return path


if __name__ == "__main__":  # python -m benchmarks.common.tree_dataset OUT.db wide|spread
    import sys

    build(Path(sys.argv[1]), sys.argv[2])
