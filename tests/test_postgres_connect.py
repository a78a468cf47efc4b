"""Connecting to PostgreSQL as the window does: a password typed for this run only (never in
the URL, the environment or a file), and an error that says when the server wants one."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from support.databases import make_server_database_pg

from desktop.store import DatabaseOpenError
from desktop.store.connection import connect, shown_name, use_password_for_session

ROLE, PASSWORD = "reader_typed", "Typed-pw-4711"


@pytest.fixture
def password_url(postgres_server, postgres_url, monkeypatch):
    """The small data set, and its URL for a role that must give a password (none in the
    environment, no ~/.pgpass)."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    make_server_database_pg(postgres_url)
    postgres_server.create_role(ROLE, PASSWORD)
    with postgres_server.connect(urlsplit(postgres_url).path.strip("/")) as conn:
        conn.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    url = postgres_url.replace(f"{urlsplit(postgres_url).username}@", f"{ROLE}@", 1)
    yield url
    use_password_for_session(url, None)
    postgres_server.drop_database(urlsplit(postgres_url).path.strip("/"))
    postgres_server.drop_role(ROLE)


def test_the_server_asking_for_a_password_is_said_so(password_url):
    with pytest.raises(DatabaseOpenError) as refused:
        connect(password_url)
    assert refused.value.login_refused and "password authentication failed" in str(refused.value)
    use_password_for_session(password_url, "wrong")
    with pytest.raises(DatabaseOpenError) as wrong:
        connect(password_url)
    assert wrong.value.login_refused and "wrong" not in str(wrong.value)


def test_a_password_given_for_the_session_connects_and_is_kept_in_memory_only(password_url):
    use_password_for_session(password_url, PASSWORD)
    db = connect(password_url)
    try:
        assert db.execute_sql("SELECT current_user").fetchone()[0] == ROLE
        assert PASSWORD not in db.database and PASSWORD not in shown_name(password_url)
    finally:
        db.close()
    use_password_for_session(password_url, None)  # forgotten: libpq's sources again
    with pytest.raises(DatabaseOpenError):
        connect(password_url)


def test_other_errors_are_not_a_question_of_password(postgres_url):
    parts = urlsplit(postgres_url)
    with pytest.raises(DatabaseOpenError) as unreachable:
        connect(f"postgresql://{parts.username}@{parts.hostname}:1/x")
    with pytest.raises(DatabaseOpenError) as empty:
        connect(postgres_url)
    assert not unreachable.value.login_refused and not empty.value.login_refused
