"""A statement built once from stand-ins (store/built_once.py), bound with real values, is the
statement peewee builds from those values: the same SQL, the same parameters, the same rows."""

from __future__ import annotations

import pytest
from peewee import fn

from desktop.store import jobs_table, scopes
from desktop.store.built_once import BuiltOnce
from desktop.store.connection import open_database
from desktop.store.models import Article, BulkOperationJob, ReadStatus, database_proxy
from desktop.store.schema import ensure_schema


@pytest.fixture
def opened(server_db):
    opened = open_database(server_db)
    ensure_schema(opened.backend, opened.db)
    yield opened
    opened.db.close()


def test_the_chunk_statements_bind_to_what_peewee_builds_from_the_values(opened):
    kind = type(database_proxy.obj)
    held = jobs_table._held_cursor_template(kind, opened.backend)
    assert (held.sql, held.params({"job_id": 4, "owner": "me"})) == jobs_table.locked(
        opened.backend, BulkOperationJob.select(BulkOperationJob.cursor)
        .where(jobs_table._mine(4, "me"))).sql()
    for completed in (False, True):
        record = jobs_table._record_chunk_template(kind, completed)
        values = {"job_id": 4, "processed": 10, "marked": 3, "cursor": 77, "now": "2030-01-01"}
        assert (record.sql, record.params(values)) == jobs_table._record_chunk_query(
            4, 10, 3, 77, "2030-01-01", completed).sql()
    for scope in (scopes.Scope("feed", 3), scopes.Scope("category", 1, cutoff="2030-01-01"),
                  scopes.Scope("all", up_to=60, id_ranges=((1, 5), (7, 7)), search="a b")):
        span = scopes._span_counts_template(kind, scope)
        assert (span.sql, span.params({"low": 2, "high": 50})) == (
            Article.select(Article.feed, fn.COUNT(Article.id))
            .where(scope.condition() & (Article.id > 2) & (Article.id <= 50))
            .group_by(Article.feed).sql())


def test_a_bool_is_never_a_stand_in_and_constants_keep_their_value(opened):
    def unread_after(user, after):
        return (ReadStatus.select(ReadStatus.article)
                .where((ReadStatus.user == user) & (ReadStatus.is_read == False)  # noqa: E712
                       & (ReadStatus.article > after) & (ReadStatus.is_starred == True))  # noqa: E712
                .order_by(ReadStatus.article))

    # 1 == True and 0 == False: only the ints are stand-ins, the bools stay constants
    statement = BuiltOnce.from_query(unread_after(1, 0), {1: "user", 0: "after"})
    assert [slot if isinstance(slot, str) else type(slot[0]) for slot in statement.slots] == [
        "user", bool, "after", bool]
    for user, after in ((1, 20), (1, 3), (2, 0)):
        params = statement.params({"user": user, "after": after})
        built = unread_after(user, after).sql()
        assert (statement.sql, params) == built
        assert list(map(type, params)) == list(map(type, built[1]))  # True is no 1 here
        rows = database_proxy.execute_sql(statement.sql, params).fetchall()
        assert rows == list(unread_after(user, after).tuples())
        assert bool(rows) == (user == 1)  # user 1 starred unread articles, user 2 starred none
