"""Additive, idempotent schema set-up for a new or existing shared database.

Never drops, renames or rewrites anything the server owns: missing tables, columns and indexes
are created; what exists is left as it is. Nothing is written unless something is missing, and
the engine asks for it only when it is about to write a job (opening a database writes nothing).
"""

from __future__ import annotations

import logging

from peewee import BigIntegerField, DatabaseProxy, IntegerField, IntegrityError, TextField

from .models import SERVER_MODELS, job_columns
from .peewee_driver import import_peewee

log = logging.getLogger(__name__)

JOB_TABLE_INDEXES = {
    "idx_bulk_jobs_user_status": ("bulk_operation_jobs", ("user_id", "status"), False),
    "idx_bulk_jobs_created": ("bulk_operation_jobs", ("created_at",), False),
    "idx_bulk_jobs_type_status": ("bulk_operation_jobs", ("job_type", "status"), False),
}

# Our nullable additions to the job table (see models.BulkOperationJob).
JOB_EXTRA_COLUMNS = {
    "watermark": IntegerField(null=True),
    "cursor": IntegerField(null=True),
    "marked_count": IntegerField(null=True),
    "owner": TextField(null=True),
    "updated_at": TextField(null=True),
    "recorded": IntegerField(null=True),
    "undone_by": IntegerField(null=True),
    "confirmed_count": IntegerField(null=True),
}

# Nullable columns added to our undo-record tables since they were first made (models.py).
RECORD_EXTRA_COLUMNS = {
    "bulk_job_changes": {"kept": TextField(null=True)},
    "bulk_job_article_sets": {"written_by": BigIntegerField(null=True)},
}

# Indexes the hot path and the counts need, named as a stock peewee server names its own (model
# name + columns): a server that runs create_tables(safe=True) then finds them and adds no twin.
# An index on the same leading columns counts as present whatever its name (see _serves).
# (feed_id, id) makes a feed's articles in an id range one index range and covers the per-feed
# counts; with id the table's rowid, a plain (feed_id) index is that same index. (id, feed_id)
# gives the tree's counts each read row's feed from a small index instead of the article's row
# (a page of its own where articles carry their content: 2-3 x faster counts, scopes.py).
ARTICLE_ID_FEED_INDEX = "article_id_feed_id"
APP_INDEXES = {
    "article_feed_id_id": ("articles", ("feed_id", "id"), False),
    ARTICLE_ID_FEED_INDEX: ("articles", ("id", "feed_id"), False),
    "feed_category_id": ("feeds", ("category_id",), False),
}
READ_STATUS_UNIQUE_INDEX = "readstatus_user_id_article_id"


def _target(db):
    return db.obj if isinstance(db, DatabaseProxy) else db


def _rowid_alias(backend, db, table) -> str | None:
    """The column that every index of the table carries as its row's address (SQLite's
    ``id INTEGER PRIMARY KEY`` is the rowid), if any."""
    if not backend.index_carries_primary_key:
        return None
    keys = [c for c in db.get_columns(table) if c.primary_key]
    if len(keys) == 1 and keys[0].data_type.upper() == "INTEGER":
        return keys[0].name
    return None


def _serves(backend, db, table, columns, unique=False) -> bool:
    """Whether an index of ``table``, whatever its name, already does what one on ``columns``
    would: same leading columns (an index also holds the rowid, so (feed_id) serves
    (feed_id, id) when id is the rowid)."""
    wanted = list(columns)
    rowid = _rowid_alias(backend, db, table)
    for index in db.get_indexes(table):
        if unique and not index.unique:
            continue
        found = list(index.columns)
        if found[:len(wanted)] == wanted or (
                not unique and wanted[-1] == rowid and found == wanted[:-1]):
            return True
    return False


def _create_index(db, name, table, columns, unique):
    cols = ", ".join(f'"{c}"' for c in columns)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    db.execute_sql(f'CREATE {kind} IF NOT EXISTS "{name}" ON "{table}" ({cols})')


def has_unique_read_status_index(db) -> bool:
    """Whether ``read_status`` has a unique index on exactly (user_id, article_id)."""
    for index in db.get_indexes("read_status"):
        if index.unique and sorted(index.columns) == ["article_id", "user_id"]:
            return True
    return False


def _missing(backend, db) -> dict:
    """What this app needs that the database lacks (read-only; empty when all is there)."""
    existing = set(db.get_tables())
    missing = {
        "server": [m for m in SERVER_MODELS if m._meta.table_name not in existing],
        "job_table": "bulk_operation_jobs" not in existing,
        "ours": [m for m in backend.record_models()
                 if m._meta.table_name not in existing],
    }
    present = ({c.name for c in db.get_columns("bulk_operation_jobs")}
               if not missing["job_table"] else set())
    missing["columns"] = [name for name in JOB_EXTRA_COLUMNS if name not in present]
    missing["record_columns"] = [
        (table, name) for table, columns in RECORD_EXTRA_COLUMNS.items() if table in existing
        for name in set(columns) - {c.name for c in db.get_columns(table)}]
    missing["indexes"] = [
        (name, spec) for name, spec in {**JOB_TABLE_INDEXES, **APP_INDEXES}.items()
        if spec[0] not in existing or not _serves(backend, db, *spec)]
    missing["read_status_unique"] = ("read_status" not in existing
                                     or not _has_read_status_index(backend, db))
    return {key: value for key, value in missing.items() if value}


def schema_is_ready(backend, db) -> bool:
    """Whether ``db`` (a database of ``backend``) has all this app needs."""
    return not _missing(backend, db)


def ensure_schema(backend, db) -> None:
    """Create whatever this app needs that ``db`` (a database of ``backend``) lacks. Writes
    nothing if all is there."""
    if schema_is_ready(backend, db):
        return
    with backend.schema_transaction(db):
        missing = _missing(backend, db)  # again, inside the lock: another process may have added it
        if missing.get("server"):
            db.create_tables(missing["server"], safe=True)
        if missing.get("job_table"):
            db.execute_sql(backend.job_table_ddl())
        if missing.get("ours"):
            backend.create_record_tables(db, missing["ours"])
        if missing.get("columns"):
            migration = import_peewee("playhouse.migrate")  # without psycopg
            migrator = migration.SchemaMigrator.from_database(db)
            migration.migrate(*[migrator.add_column("bulk_operation_jobs", name,
                                                    JOB_EXTRA_COLUMNS[name])
                                for name in missing["columns"]])
        if missing.get("record_columns"):
            migration = import_peewee("playhouse.migrate")  # without psycopg
            migrator = migration.SchemaMigrator.from_database(db)
            migration.migrate(*[migrator.add_column(table, name,
                                                    RECORD_EXTRA_COLUMNS[table][name])
                                for table, name in missing["record_columns"]])
        for name, (table, columns, unique) in missing.get("indexes", []):
            _create_index(db, name, table, columns, unique)
    _ensure_read_status_unique(backend, db)
    job_columns.pop(_target(db), None)  # jobs_table's cache of the job table's columns


def _has_read_status_index(backend, db) -> bool:
    """An index on read_status (user_id, article_id): unique, or the fallback for duplicates."""
    return _serves(backend, db, "read_status", ("user_id", "article_id"))


def _ensure_read_status_unique(backend, db) -> None:
    """Add the unique (user_id, article_id) index unless duplicates already exist.

    Duplicate rows are the server's to resolve; we never delete them. Without the unique index
    the hot path uses its UPDATE + INSERT-WHERE-NOT-EXISTS form, helped by a plain index.
    """
    if _has_read_status_index(backend, db):
        return
    try:
        with backend.schema_transaction(db):
            _create_index(db, READ_STATUS_UNIQUE_INDEX, "read_status", ("user_id", "article_id"),
                          True)
    except IntegrityError:
        log.warning("read_status has duplicate (user_id, article_id) rows; using a plain index")
        with backend.schema_transaction(db):
            _create_index(db, READ_STATUS_UNIQUE_INDEX, "read_status",
                          ("user_id", "article_id"), False)


