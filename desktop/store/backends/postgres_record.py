"""PostgreSQL's undo record of a mark-read chunk (see undo_record.py for what is recorded
and why): each marking statement also records the articles it changed, inside the server, and
the DDL of the record's tables in PostgreSQL's dialect."""

from __future__ import annotations

from ..undo_record import write_span

# this transaction's id as its rows carry it (the 64-bit id without its epoch)
TRANSACTION_ID = "txid_current() %% 4294967296"  # (%%: the statement has parameters)

# The record's tables (undo_record.py; models.py declares them for SQLite, where peewee makes
# them)
RECORD_TABLES_DDL = {
    "bulk_job_changes": ["CREATE TABLE IF NOT EXISTS bulk_job_changes (job_id INTEGER NOT NULL, "
                         "article_id INTEGER NOT NULL, kept TEXT, "
                         "PRIMARY KEY (job_id, article_id))"],
    "bulk_job_spans": ["CREATE TABLE IF NOT EXISTS bulk_job_spans (job_id INTEGER NOT NULL, "
                       "low INTEGER NOT NULL, high INTEGER NOT NULL, first_row INTEGER, "
                       "last_row INTEGER, PRIMARY KEY (job_id, low))"],
    "bulk_job_article_sets": ["CREATE TABLE IF NOT EXISTS bulk_job_article_sets (job_id INTEGER "
                              "NOT NULL, low INTEGER NOT NULL, article_ids INTEGER[] NOT NULL, "
                              "written_by BIGINT)",
                              "CREATE INDEX IF NOT EXISTS bulk_job_article_sets_job_low ON "
                              "bulk_job_article_sets (job_id, low)"],
}


class ServerSideRecorder:
    """PostgreSQL's: each marking statement also records the articles it changed, as one array
    row of ``bulk_job_article_sets``, inside the server, in the same statement."""

    def __init__(self, db):
        self.db = db
        self.job_id = self.low = 0

    def marking(self, sql: str, params: list) -> tuple[str, list]:
        """``sql`` (an INSERT or UPDATE of read_status without RETURNING) as one statement that
        also records the articles it changed; its one row is (rows changed, articles changed).

        Exact whatever other sessions insert meanwhile: the record names articles, not rows
        (DISTINCT folds a duplicate row's). A statement that changed nothing records nothing.
        The job and the chunk are parameters, not literals: the text stays the same for the
        whole job, so psycopg prepares it once instead of once per chunk.

        ``written_by``: the id the rows carry as their xmin, the chunk's transaction's, read
        once (returning each row's xmin cost ~5 % of the statement). A chunk is a transaction
        of its own (chunk._chunk), never a savepoint, whose rows would carry another id (and
        RETURNING's xmin there is not the stored one either); tests/test_undo_exact.py fails if
        the two ever differ."""
        return (f"WITH marked AS ({sql} RETURNING article_id), "
                "noted AS (INSERT INTO bulk_job_article_sets (job_id, low, article_ids, "
                "written_by) SELECT %s, %s, array_agg(DISTINCT article_id), "
                f"{TRANSACTION_ID} FROM marked HAVING count(*) > 0) "
                "SELECT count(*), count(DISTINCT article_id) FROM marked",
                [*params, self.job_id, self.low])

    def begin(self, job_id: int, low: int) -> None:
        self.job_id, self.low = job_id, low

    def end(self, job_id: int, low: int, high: int, changed_rows: int) -> None:
        write_span(job_id, low, high, None, None)
