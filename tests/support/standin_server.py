"""A stand-in for the RSS reader's web server, in its own process, for the tests.

It does what the spec (shared/seed) says the server does, with peewee and its defaults: at start
``create_tables(safe=True)`` for its models and the spec's migration for the job table; a POST
creates a ``pending`` job row with the spec's columns only and processes it at once, its own way
(status ``running``, every id in a list, batches of 100, SELECT-then-INSERT, progress after each
batch, a sleep between batches); a star click is one small write. Nothing of the companion's is
imported: this is the other program.

Run: ``python standin_server.py DATABASE [--journal-mode delete] [--batch-sleep 0.01]``; it
answers one JSON line on stdout per command read from stdin (one JSON object a line):
``{"cmd": "post", "user": 1, "category": 1, "hold": false, "pause_at": null, "step": false}``
-> ``{"job": ID}`` when the row is written, then (after ``{"cmd": "go"}`` if ``hold``) it
processes the job; with ``pause_at`` N it stops once its progress reaches N, says
``{"paused": ID, "progress": N}`` and waits for ``{"cmd": "go"}`` (like a SIGSTOP, but at a
known point); with ``step`` it so stops after every batch; at the end
``{"done": ID, "status": ...}``;
``{"cmd": "star", "user": 1, "article": 5}`` -> ``{"star_ms": how long the write took}``;
``{"cmd": "exit"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pendulum
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

db = SqliteDatabase(None)

# The spec's migration, as a careful server writes it (IF NOT EXISTS: the companion may have
# created the table first).
JOB_TABLE = """
CREATE TABLE IF NOT EXISTS bulk_operation_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_type VARCHAR(50) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    user_id INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    progress INTEGER DEFAULT 0,
    total INTEGER DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    error_message TEXT,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)"""


class BaseModel(Model):
    class Meta:
        database = db


class User(BaseModel):
    username = CharField(unique=True)
    created_at = TextField(null=True)

    class Meta:
        table_name = "users"


class Category(BaseModel):
    name = CharField()
    created_at = TextField(null=True)

    class Meta:
        table_name = "categories"


class Feed(BaseModel):
    title = CharField()
    url = CharField()
    category = ForeignKeyField(Category, null=True, column_name="category_id")
    created_at = TextField(null=True)

    class Meta:
        table_name = "feeds"


class Article(BaseModel):
    feed = ForeignKeyField(Feed, column_name="feed_id")
    title = CharField()
    created_at = TextField()

    class Meta:
        table_name = "articles"


class ReadStatus(BaseModel):
    user = ForeignKeyField(User, column_name="user_id")
    article = ForeignKeyField(Article, column_name="article_id")
    is_read = BooleanField(default=False)
    is_starred = BooleanField(default=False)
    is_archived = BooleanField(default=False)
    read_at = TextField(null=True)
    starred_at = TextField(null=True)
    created_at = TextField()
    updated_at = TextField()

    class Meta:
        table_name = "read_status"
        indexes = ((("user", "article"), True),)


class BulkOperationJob(BaseModel):  # the spec's columns only
    id = AutoField()
    job_type = CharField(max_length=50)
    status = CharField(max_length=20, default="pending")
    user_id = IntegerField()
    parameters = TextField()
    progress = IntegerField(default=0)
    total = IntegerField(default=0)
    created_at = TextField()
    started_at = TextField(null=True)
    completed_at = TextField(null=True)
    error_message = TextField(null=True)

    class Meta:
        table_name = "bulk_operation_jobs"


def now() -> str:
    return pendulum.now("UTC").to_datetime_string()


def say(**message) -> None:
    print(json.dumps(message), flush=True)


def category_article_ids(category_id: int) -> list[int]:
    return [row.id for row in Article.select(Article.id).join(Feed)
            .where(Feed.category == category_id)]


def create_job(user_id: int, category_id: int) -> int:
    return BulkOperationJob.create(
        job_type="mark_category_read", status="pending", user_id=user_id,
        parameters=json.dumps({"category_id": category_id}), created_at=now(),
        total=len(category_article_ids(category_id))).id


def wait_for_go() -> None:
    assert json.loads(sys.stdin.readline())["cmd"] == "go"


def process_job(job_id: int, batch_sleep: float, pause_at: int | None = None,
                step: bool = False) -> str:
    """The spec's _process_job and _process_mark_category_read, synchronously. The sleep
    between batches is the spec's own pacing (its ``asyncio.sleep(0.1)``), not a wait."""
    try:
        job = BulkOperationJob.get_by_id(job_id)
        job.status, job.started_at = "running", now()
        job.save()
        parameters = json.loads(job.parameters)
        ids = category_article_ids(parameters["category_id"])
        job = BulkOperationJob.get_by_id(job_id)
        job.total = len(ids)
        job.save()
        for start in range(0, len(ids), 100):
            batch = ids[start:start + 100]
            mark_read(job.user_id, batch)
            job = BulkOperationJob.get_by_id(job_id)
            job.progress = start + len(batch)
            job.save()
            if step or (pause_at is not None and job.progress >= pause_at):
                pause_at = None
                say(paused=job_id, progress=job.progress)
                wait_for_go()
            # the spec's own pause per batch: the imitated server's pace, not a test waiting
            time.sleep(batch_sleep)
        job = BulkOperationJob.get_by_id(job_id)
        job.status, job.completed_at = "completed", now()
        job.save()
    except Exception as exc:
        job = BulkOperationJob.get_by_id(job_id)
        job.status, job.error_message, job.completed_at = "failed", str(exc), now()
        job.save()
    return BulkOperationJob.get_by_id(job_id).status


def mark_read(user_id: int, article_ids: list[int]) -> None:
    """The spec's _batch_mark_articles_read: UPDATE, then SELECT the existing, INSERT the rest
    (two statements apart: not atomic against another writer)."""
    stamp = now()
    ReadStatus.update(is_read=True, read_at=stamp, updated_at=stamp).where(
        (ReadStatus.user == user_id) & ReadStatus.article.in_(article_ids)).execute()
    existing = {row.article_id for row in ReadStatus.select(ReadStatus.article).where(
        (ReadStatus.user == user_id) & ReadStatus.article.in_(article_ids))}
    new = [{"user": user_id, "article": article_id, "is_read": True, "read_at": stamp,
            "created_at": stamp, "updated_at": stamp}
           for article_id in article_ids if article_id not in existing]
    if new:
        ReadStatus.insert_many(new).execute()


def star(user_id: int, article_id: int) -> float:
    started = time.monotonic()
    stamp = now()
    updated = ReadStatus.update(is_starred=True, starred_at=stamp, updated_at=stamp).where(
        (ReadStatus.user == user_id) & (ReadStatus.article == article_id)).execute()
    if not updated:
        ReadStatus.create(user=user_id, article=article_id, is_starred=True, starred_at=stamp,
                          created_at=stamp, updated_at=stamp)
    return (time.monotonic() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("--journal-mode", default="wal")
    parser.add_argument("--batch-sleep", type=float, default=0.01)
    args = parser.parse_args()
    db.init(args.database, pragmas={"journal_mode": args.journal_mode})  # peewee: timeout 5 s
    db.connect()
    db.create_tables([User, Category, Feed, Article, ReadStatus], safe=True)
    db.execute_sql(JOB_TABLE)
    say(ready=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "post":
            job_id = create_job(command["user"], command["category"])
            say(job=job_id)
            if command.get("hold"):
                wait_for_go()
            say(done=job_id, status=process_job(job_id, args.batch_sleep,
                                                command.get("pause_at"), command.get("step")))
        elif command["cmd"] == "star":
            say(star_ms=star(command["user"], command["article"]))
        elif command["cmd"] == "exit":
            break
    db.close()


if __name__ == "__main__":
    main()
