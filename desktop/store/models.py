"""peewee models of the shared database.

The first five tables belong to the web server: we read and write their rows but never reshape
them, and model only the columns we use (the server's tables may carry more). The job table is
the server spec's ``bulk_operation_jobs`` plus a few nullable columns of ours (see schema.py).
All models are bound to one proxy whose target is set per thread by ``connection.connect``:
each engine's database threads work on their own file, so two engines in one process (the GUI
switching databases, tests) never cross.
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

import peewee
from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DatabaseProxy,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class ThreadBoundDatabase(DatabaseProxy):
    """A peewee DatabaseProxy whose target database is chosen per thread."""

    __slots__ = ("_local",)

    def __init__(self):
        object.__setattr__(self, "_local", threading.local())
        object.__setattr__(self, "_callbacks", [])

    @property
    def obj(self):
        return getattr(self._local, "database", None)

    def initialize(self, obj):
        self._local.database = obj
        for callback in self._callbacks:
            callback(obj)


database_proxy = ThreadBoundDatabase()

# The job table's columns each database has, by peewee Database (which the engine's two threads
# share): jobs_table's cache, which schema.ensure_schema, adding columns, empties for that one.
job_columns: WeakKeyDictionary = WeakKeyDictionary()


class BaseModel(Model):
    class Meta:
        database = database_proxy
        # Every model names its table; this keeps peewee's stock index names ("readstatus_user_id"),
        # the ones a peewee-built web server creates, so neither side adds a twin of the other's.
        legacy_table_names = True


class User(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    created_at = TextField(null=True)

    class Meta:
        table_name = "users"


class Category(BaseModel):
    id = AutoField()
    name = CharField()
    created_at = TextField(null=True)

    class Meta:
        table_name = "categories"


class Feed(BaseModel):
    id = AutoField()
    title = CharField()
    url = CharField()
    category = ForeignKeyField(Category, null=True, column_name="category_id", backref="feeds",
                               on_delete="SET NULL")
    created_at = TextField(null=True)

    class Meta:
        table_name = "feeds"


class Article(BaseModel):
    id = AutoField()
    feed = ForeignKeyField(Feed, column_name="feed_id", backref="articles", on_delete="CASCADE")
    title = CharField()
    url = CharField(null=True)
    guid = CharField(null=True)
    published_date = TextField(null=True)
    created_at = TextField()  # ingestion time, what "older than" filters on

    class Meta:
        table_name = "articles"


class ReadStatus(BaseModel):
    id = AutoField()
    user = ForeignKeyField(User, column_name="user_id", on_delete="CASCADE")
    article = ForeignKeyField(Article, column_name="article_id", on_delete="CASCADE")
    is_read = BooleanField(default=False)
    is_starred = BooleanField(default=False)
    is_archived = BooleanField(default=False)
    read_at = TextField(null=True)
    starred_at = TextField(null=True)
    created_at = TextField()
    updated_at = TextField()

    class Meta:
        table_name = "read_status"


class BulkOperationJob(BaseModel):
    # The spec's columns (its DDL is the contract with the web server).
    id = AutoField()
    job_type = CharField(max_length=50)
    status = CharField(max_length=20, default="pending")
    user_id = IntegerField()
    parameters = TextField()
    progress = IntegerField(default=0, null=True)
    total = IntegerField(default=0, null=True)
    created_at = TextField()
    started_at = TextField(null=True)
    completed_at = TextField(null=True)
    error_message = TextField(null=True)
    # Ours, all nullable: a server that writes only the spec's columns keeps working.
    watermark = IntegerField(null=True)  # newest article id the job covers
    cursor = IntegerField(null=True)  # last article id processed (keyset position)
    marked_count = IntegerField(null=True)  # articles actually changed unread -> read
    owner = TextField(null=True)  # the worker running it: "host:pid:token"
    updated_at = TextField(null=True)
    recorded = IntegerField(null=True)  # 1: every article it changed is in bulk_job_changes
    undone_by = IntegerField(null=True)  # the undo job that reverts this one
    # the unread count the person confirmed before the job (what its progress counts toward)
    confirmed_count = IntegerField(null=True)

    class Meta:
        table_name = "bulk_operation_jobs"


class BulkJobChange(BaseModel):
    """An article whose existing read_status row a mark-read job changed from unread to read
    (jobs of older versions: every article it changed). What an undo reverts, with the spans.

    WITHOUT ROWID on (job_id, article_id): about a dozen bytes an article, appended in order.
    """

    job_id = IntegerField()
    article_id = IntegerField()
    # on SQLite, the row's columns the chunk did not write (undo_record.KEPT), as it left them:
    # undo reverts the row only while they still hold that (NULL: a record of older versions)
    kept = TextField(null=True)

    class Meta:
        table_name = "bulk_job_changes"
        primary_key = CompositeKey("job_id", "article_id")
        without_rowid = True


class BulkJobSpan(BaseModel):
    """One chunk of a mark-read job, for its undo: the article ids it covered, (low, high], and
    the read_status rows it inserted, rowids first_row..last_row (None: it inserted none). The
    rows it updated are in BulkJobChange. A few dozen bytes a chunk."""

    job_id = IntegerField()
    low = IntegerField()
    high = IntegerField()
    first_row = IntegerField(null=True)
    last_row = IntegerField(null=True)

    class Meta:
        table_name = "bulk_job_spans"
        primary_key = CompositeKey("job_id", "low")
        without_rowid = True


SERVER_MODELS = (User, Category, Feed, Article, ReadStatus)


def flag_unset(flag):
    """A boolean column of the server's that is false or NULL, as the server reads it: a NULL
    ``is_read`` is unread. (``= false OR IS NULL``: both backends, and an index on the column
    can still serve it.)"""
    return (flag == False) | flag.is_null()  # noqa: E712


def returned_rows(query) -> list:
    """The rows of an UPDATE … RETURNING, fetched inside peewee's translation of the driver's
    errors. SQLite runs the statement as its first row is fetched (and, outside a transaction,
    commits it then), after ``execute()`` returned: a full disk or a lock raised there would be
    sqlite3's own error, which no handler of peewee's errors catches (a traceback, the job left
    pending)."""
    with peewee.__exception_wrapper__:  # (peewee's own, module-level since peewee 3)
        return list(query.execute())


class IntegerArrayField(Field):
    """PostgreSQL's ``integer[]``: the driver (psycopg) turns a list into one and back."""

    field_type = "INTEGER[]"


class BulkJobArticleSet(BaseModel):
    """PostgreSQL's record of a mark-read chunk: the articles one of its statements changed,
    inserted or updated, as one sorted array (4 bytes an article; a row of bulk_job_changes
    per article cost 70 with its index). ``low`` is the chunk's, as in BulkJobSpan: undo finds
    a span's sets by it. No such table on SQLite, whose record is rowid ranges + changes."""

    job_id = IntegerField()
    low = IntegerField()
    article_ids = IntegerArrayField()
    # the transaction id (xmin) the statement left on every row it wrote: undo reverts a row
    # only while it is still that version (NULL: a record of older versions)
    written_by = BigIntegerField(null=True)

    class Meta:
        table_name = "bulk_job_article_sets"
        primary_key = False
