"""A database built the way a web server fills one: the benchmark's default dataset (issue 12).

- **The server's schema, as a peewee-built server has it**, indexes we do not need included:
  unique ``users(username)``; ``sessions`` with its ``user_id`` index; ``feeds(category_id)``;
  on ``articles`` the foreign-key index ``(feed_id)``, a unique ``(feed_id, guid)`` and
  ``(published_date)``; on ``read_status`` ``(user_id)``, ``(article_id)`` and the unique
  ``(user_id, article_id)``. No AUTOINCREMENT (peewee's AutoField), foreign keys declared.
- **Articles arrive the way a poller fetches them**: every round visits every feed in turn and
  inserts the few new items each has, so a category's article ids interleave with the other
  categories' (the "Tech" category's six feeds take about 60 % of all articles). Each row is
  complete: guid, title, url, author, a 300-character summary and a content of about 1–4 KB
  (the table is ~3.6 GB at 1,000,000 articles, as a server's is: every table scan pays for it).
- **Several users' read state**, written as the articles come in: user 1 (the benchmark's) has a
  row for a third of the articles, about two thirds of them read and 5 % starred; user 2 has a
  row for a fifth (mostly read, a few starred); user 3 has none.

The result is deterministic for a given size, seed and shape. ``build`` writes the file as the
server left it (the app's additive schema is not there yet); dataset.py caches it and a prepared
copy.

**Shapes** (``SHAPES``, issue 26): ``server`` is the above. ``compact`` is the same feeds, the
same random draws (so the same article, unread and read-state counts) with rows a server that
keeps summaries, not content, stores: a short guid and title, a 40-character summary, no url,
content or updated_at (276 MB at 1,000,000, most of it the server's indexes and read state).
The two tree shapes have compact rows and many feeds:
``feeds2000`` puts 2,000 feeds in "Tech" beside 9 categories of 150 (Tech ~60 % of articles),
``categories50`` has 50 categories of 20 feeds ("Tech" the first, ~16 % of articles).
"""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

SEED = 11
CATEGORY = "Tech"
CATEGORIES = ("Tech", "News", "Science", "Design", "Cooking", "Sports", "Music", "Travel",
              "Finance", "Games")
MAIN_FEEDS, OTHER_FEEDS = 6, 4  # feeds in "Tech", in each other category
START = datetime(2026, 8, 1)  # ingestion times spread over DAYS from here
DAYS = 90

# What a peewee-built server creates (ForeignKeyField makes an index; unique=True a unique one).
SERVER_DDL = """
CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, username VARCHAR(255) NOT NULL,
    email VARCHAR(255), password_hash VARCHAR(255), is_active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL);
CREATE UNIQUE INDEX user_username ON users (username);
CREATE TABLE sessions (token VARCHAR(255) NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
CREATE INDEX session_user_id ON sessions (user_id);
CREATE TABLE categories (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,
    description TEXT, sort_order INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE feeds (id INTEGER NOT NULL PRIMARY KEY, url VARCHAR(2048) NOT NULL,
    title VARCHAR(255) NOT NULL, description TEXT, category_id INTEGER, last_fetched TEXT,
    etag VARCHAR(255), fetch_interval INTEGER NOT NULL DEFAULT 3600, created_at TEXT NOT NULL,
    FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE SET NULL);
CREATE INDEX feed_category_id ON feeds (category_id);
CREATE TABLE articles (id INTEGER NOT NULL PRIMARY KEY, feed_id INTEGER NOT NULL,
    guid VARCHAR(2048) NOT NULL, title VARCHAR(1024) NOT NULL, url VARCHAR(2048),
    author VARCHAR(255), summary TEXT, content TEXT, published_date TEXT,
    created_at TEXT NOT NULL, updated_at TEXT,
    FOREIGN KEY (feed_id) REFERENCES feeds (id) ON DELETE CASCADE);
CREATE INDEX article_feed_id ON articles (feed_id);
CREATE UNIQUE INDEX article_feed_id_guid ON articles (feed_id, guid);
CREATE INDEX article_published_date ON articles (published_date);
CREATE TABLE read_status (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL, is_read INTEGER NOT NULL DEFAULT 0,
    is_starred INTEGER NOT NULL DEFAULT 0, is_archived INTEGER NOT NULL DEFAULT 0,
    read_at TEXT, starred_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE);
CREATE INDEX readstatus_user_id ON read_status (user_id);
CREATE INDEX readstatus_article_id ON read_status (article_id);
CREATE UNIQUE INDEX readstatus_user_id_article_id ON read_status (user_id, article_id);
"""

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua release kernel patch orbit climate "
         "market design compiler database index cache latency").split()
# new items per poll of a "Tech" feed, and of any other feed (values, weights)
MAIN_NEW_ITEMS = ((0, 1, 2, 3, 5, 8), (2, 3, 3, 2, 1, 1))
OTHER_NEW_ITEMS = ((0, 1), (3, 1))
COMMIT_EVERY = 20_000  # articles per transaction while filling


@dataclass(frozen=True)
class Shape:
    """How a dataset is laid out: its categories (name, feeds), what a poll of a feed in the
    main category ("Tech") and of any other brings, and whether rows are compact."""

    categories: tuple[tuple[str, int], ...]
    main_new_items: tuple = MAIN_NEW_ITEMS
    other_new_items: tuple = OTHER_NEW_ITEMS
    compact: bool = False


SHAPES = {
    "server": Shape(tuple((name, MAIN_FEEDS if name == CATEGORY else OTHER_FEEDS)
                          for name in CATEGORIES)),
    "compact": Shape(tuple((name, MAIN_FEEDS if name == CATEGORY else OTHER_FEEDS)
                           for name in CATEGORIES), compact=True),
    "feeds2000": Shape(tuple((name, 2000 if name == CATEGORY else 150) for name in CATEGORIES),
                       main_new_items=OTHER_NEW_ITEMS, compact=True),
    "categories50": Shape((*((name, 20) for name in CATEGORIES),
                           *((f"Topic {k}", 20) for k in range(len(CATEGORIES) + 1, 51))),
                          compact=True),
}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def build(path, articles: int, seed: int = SEED, shape: str = "server") -> dict:
    """Write a server-shaped database of ``articles`` articles at ``path`` (a new file), laid
    out as ``SHAPES[shape]``."""
    layout = SHAPES[shape]
    rng = random.Random(seed)
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = wal")  # as the web server runs it
    conn.execute("PRAGMA synchronous = off")  # building only; the file is checkpointed below
    conn.executescript(SERVER_DDL)
    created = _stamp(START - timedelta(days=30))
    conn.execute("BEGIN")
    for user_id, name in ((1, "alice"), (2, "bob"), (3, "carol")):
        conn.execute("INSERT INTO users (id, username, email, password_hash, created_at) "
                     "VALUES (?, ?, ?, ?, ?)", (user_id, name, f"{name}@example.org",
                                                f"pbkdf2:{rng.getrandbits(128):032x}", created))
    conn.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                     [(f"{rng.getrandbits(128):032x}", 1 + i % 3, created, created)
                      for i in range(500)])
    feeds = []  # (feed id, whether in the main category)
    for category_id, (name, feed_count) in enumerate(layout.categories, 1):
        conn.execute("INSERT INTO categories (id, name, created_at) VALUES (?, ?, ?)",
                     (category_id, name, created))
        for k in range(feed_count):
            feed_id = len(feeds) + 1
            conn.execute("INSERT INTO feeds (id, url, title, description, category_id, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (feed_id, f"https://feed{feed_id}.example.org/rss.xml",
                          f"{name} feed {k + 1}", f"News from {name.lower()} source {k + 1}",
                          category_id, created))
            feeds.append((feed_id, name == CATEGORY))
    conn.execute("COMMIT")
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 600)))
             for _ in range(64)]
    article_sql = "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    status_sql = ("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                  "is_archived, read_at, starred_at, created_at, updated_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    seconds_per_article = DAYS * 86400 / max(articles, 1)
    article_id = 0
    rows: list[tuple] = []
    statuses: list[tuple] = []
    while article_id < articles:
        for feed_id, main in feeds:  # one polling round: every feed in turn
            values, weights = layout.main_new_items if main else layout.other_new_items
            for _ in range(rng.choices(values, weights)[0]):
                if article_id >= articles:
                    break
                article_id += 1
                ingested = START + timedelta(seconds=int(article_id * seconds_per_article))
                stamp = _stamp(ingested)
                published = _stamp(ingested - timedelta(minutes=rng.randint(1, 600)))
                title = f"Article {article_id}: " + " ".join(
                    rng.choice(WORDS) for _ in range(6)).capitalize()
                author = f"author{rng.randint(1, 200)}"
                if layout.compact:  # the same draws, shorter rows
                    rows.append((article_id, feed_id, f"{feed_id}:{article_id}", title[:32],
                                 None, author, texts[article_id % 64][:40], None, published,
                                 stamp, None))
                else:
                    rows.append((article_id, feed_id, f"https://feed{feed_id}.example.org/"
                                 f"items/{article_id}", title,
                                 f"https://feed{feed_id}.example.org/{article_id}.html",
                                 author, texts[article_id % 64][:300],
                                 texts[(article_id * 7) % 64], published, stamp, stamp))
                if rng.random() < 1 / 3:  # user 1: a third of articles have a row
                    read = rng.random() < 2 / 3
                    starred = rng.random() < 0.05
                    statuses.append((1, article_id, int(read), int(starred), 0,
                                     stamp if read else None, stamp if starred else None,
                                     stamp, stamp))
                if rng.random() < 0.2:  # user 2: a fifth
                    starred = rng.random() < 0.03
                    statuses.append((2, article_id, int(rng.random() < 0.9), int(starred), 0,
                                     stamp, stamp if starred else None, stamp, stamp))
        if len(rows) >= COMMIT_EVERY or article_id >= articles:
            conn.execute("BEGIN")
            conn.executemany(article_sql, rows)
            conn.executemany(status_sql, statuses)
            conn.execute("COMMIT")
            rows, statuses = [], []
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"articles": article_id, "seconds": time.perf_counter() - started}


if __name__ == "__main__":  # python -m benchmarks.common.server_dataset OUT.db N [SHAPE]
    import sys

    print(build(sys.argv[1], int(sys.argv[2]), shape=(sys.argv[3:] or ["server"])[0]))
