"""A realistic sample database: several users, categories with feeds, many articles, some read.

Used by ``rss-desktop demo``, the first run of the app, the tests and the benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from . import clock
from .clock import to_db_text
from .models import Article, Category, Feed, ReadStatus, User, database_proxy

USERS = ("alice", "bob", "carol")
CATALOGUE = {  # category -> feeds; relative weights say how much each category publishes
    "Tech": (5, ["Hacker Digest", "Kernel Weekly", "The Compiler", "Open Source Today"]),
    "News": (4, ["World Wire", "Morning Briefing", "City Desk"]),
    "Science": (2, ["Lab Notes", "Orbit", "Field Journal"]),
    "Design": (1, ["Type & Grid", "Pixel Perfect"]),
    "Cooking": (1, ["Slow Kitchen", "Weeknight Meals"]),
    None: (1, ["Personal Blog", "Release Notes"]),  # feeds in no category
}
WORDS = ("async rust python release kernel patch orbit climate city market vote design grid "
         "recipe bread garden compiler database index cache latency launch probe storm study "
         "museum festival update review guide notes deep dive weekly open source").split()
BATCH = 2000


class DemoDatabaseExists(Exception):
    pass


def has_data(db) -> bool:
    """Whether the database already has users or articles (the demo fills only empty ones)."""
    tables = set(db.get_tables())
    return any(model._meta.table_name in tables and model.select().exists()
               for model in (User, Article))


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()


Progress = Callable[[int, int], None]  # (articles written so far, articles in all)


def build_demo_database(backend, articles: int = 50_000, *, seed: int = 7,
                        main_category_share: float | None = None,
                        days: int = 90, on_progress: Progress | None = None) -> dict[str, int]:
    """Fill the (connected, schema-ready, empty) database of ``backend`` with sample data.

    ``main_category_share`` puts that fraction of all articles into "Tech" (the benchmark's
    large category). ``on_progress`` is called after each batch written. Raises
    DemoDatabaseExists if the database already has articles or users. Returns counts of what
    was written.
    """
    db = database_proxy
    if has_data(db):
        raise DemoDatabaseExists("already holds data; the demo needs a new or empty database")
    rng = random.Random(seed)
    now = clock.now().start_of("minute")
    with backend.write_transaction(db.obj):
        created = to_db_text(now.subtract(days=days + 1))
        user_ids = [User.create(username=name, created_at=created).id for name in USERS]
        feed_ids, weights = [], []
        for category_name, (weight, feed_names) in CATALOGUE.items():
            category = (Category.create(name=category_name, created_at=created)
                        if category_name else None)
            share = weight
            if main_category_share is not None:
                others = sum(w for n, (w, _) in CATALOGUE.items() if n != "Tech")
                share = (main_category_share / (1 - main_category_share) * others
                         if category_name == "Tech" else weight)
            for feed_name in feed_names:
                slug = feed_name.lower().replace(" ", "-").replace("&", "and")
                feed = Feed.create(title=feed_name, url=f"https://{slug}.example/feed.xml",
                                   category=category, created_at=created)
                feed_ids.append(feed.id)
                weights.append(share / len(feed_names))
    span = days * 86400
    read_rows = 0
    for start in range(0, articles, BATCH):
        count = min(BATCH, articles - start)
        chosen_feeds = rng.choices(feed_ids, weights=weights, k=count)
        article_rows, status_rows = [], []
        first_id = start + 1
        for offset, feed_id in enumerate(chosen_feeds):
            article_id = first_id + offset
            ingested = now.subtract(seconds=span - int(span * article_id / max(articles, 1)))
            stamp = to_db_text(ingested)
            article_rows.append((article_id, feed_id, _title(rng),
                                 f"https://example.org/a/{article_id}", f"urn:demo:{article_id}",
                                 to_db_text(ingested.subtract(minutes=rng.randint(1, 600))),
                                 stamp))
            for user_index, user_id in enumerate(user_ids):
                chance = rng.random()
                if chance < (0.33, 0.12, 0.0)[user_index % 3]:
                    is_read = chance < (0.22, 0.1, 0.0)[user_index % 3]
                    starred = rng.random() < 0.08
                    status_rows.append((user_id, article_id, is_read, starred, False,
                                        stamp if is_read else None, stamp if starred else None,
                                        stamp, stamp))
        with backend.write_transaction(db.obj):
            Article.insert_many(article_rows, fields=[
                Article.id, Article.feed, Article.title, Article.url, Article.guid,
                Article.published_date, Article.created_at]).execute()
            if status_rows:
                ReadStatus.insert_many(status_rows, fields=[
                    ReadStatus.user, ReadStatus.article, ReadStatus.is_read,
                    ReadStatus.is_starred, ReadStatus.is_archived, ReadStatus.read_at,
                    ReadStatus.starred_at, ReadStatus.created_at, ReadStatus.updated_at]).execute()
        read_rows += len(status_rows)
        if on_progress is not None:
            on_progress(start + count, articles)
    with backend.write_transaction(db.obj):
        backend.after_explicit_ids(db.obj, Article._meta.table_name)
    return {"users": len(user_ids), "feeds": len(feed_ids), "articles": articles,
            "read_status": read_rows}


def create_demo_file(path, articles: int = 50_000, *, seed: int = 7,
                     main_category_share: float | None = None,
                     on_progress: Progress | None = None) -> dict[str, int]:
    """Make ``path`` a sample database: a new file, or a file or server database (a URL) with
    no users or articles yet.

    Raises DemoDatabaseExists, before changing anything, if the database already holds data.
    """
    from .connection import open_database
    from .schema import ensure_schema

    # a new or empty file gets the schema; others stay as they are
    opened = open_database(path, create=True)
    db = opened.db
    try:
        if has_data(db):
            raise DemoDatabaseExists("already holds data; the demo needs a new or empty database")
        ensure_schema(opened.backend, db)
        return build_demo_database(opened.backend, articles, seed=seed,
                                   main_category_share=main_category_share,
                                   on_progress=on_progress)
    finally:
        db.close()
