"""The command line's edges, run as real processes: every bad argument is one line and exit 2,
every form of a PostgreSQL URL reaches the server it names, output into a pipe whose reader is
gone ends quietly, sample data on a server, and the jobs' labels in the window's words."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import psycopg
import pytest
from support.cli import assert_one_error_line, create_jobs, job_rows, lines, rss
from support.clock import real_now
from support.databases import database, make_server_database_pg
from support.files import file_state
from support.paths import PROJECT

from desktop.store import connect
from desktop.store.clock import to_db_text
from desktop.ui.formatting import local_time
from desktop.ui.joblist.model import describe_job as window_describe_job

EXIT_READER_GONE = 141  # 128 + SIGPIPE


# -- one line and exit 2 for every bad argument ------------------------------------------------

@pytest.mark.parametrize("hours", ["-1", "0", "nan", "inf", "-inf", "1e400", "twelve"])
def test_keep_hours_out_of_range_is_refused_before_anything_is_deleted(server_db, hours):
    """-1 deleted a job that had just finished, with its undo record; nan and inf printed a
    traceback and exited 0."""
    finished, pending = create_jobs(server_db, ("mark_feed_read", 1, {"feed_id": 1}),
                                    ("mark_feed_read", 1, {"feed_id": 2}), run=False)
    with database(server_db) as conn:
        conn.execute("UPDATE bulk_operation_jobs SET status = 'completed', completed_at = ? "
                     "WHERE id = ?", (to_db_text(real_now()), finished))
        conn.commit()
    before = file_state(server_db)

    result = rss("work", "--database", server_db, "--once", f"--keep-hours={hours}")

    assert_one_error_line(result, "--keep-hours", repr(hours))
    assert file_state(server_db) == before
    assert [row["id"] for row in job_rows(server_db)] == [finished, pending]


def test_keep_hours_in_range_is_taken(server_db):
    result = rss("work", "--database", server_db, "--once", "--keep-hours", "1.5")
    assert result.returncode == 0, result.stderr


LONG_PATH = "x" * 5000


@pytest.mark.parametrize(("args", "fragments"), [
    (["mark-read", "--user", "1", "--all", "--older-than", "1000000w"],
     ["'1000000w' is longer ago than any date"]),
    (["mark-read", "--user", "1", "--all", "--older-than", "99999999999999999999999m"],
     ["is longer ago than any date"]),
    (["feeds", "--user", "1", "--database", "postgresql://u@[::1/db"],
     ["postgresql://u@[::1/db", "is not a valid URL"]),
    (["feeds", "--user", "1", "--database", "postgresql://u@h/db?nonsense=1"],
     ["postgresql://u@h/db", "is not a URL libpq can read", "nonsense"]),
    (["feeds", "--user", "1", "--database", "postgres://u@h/db?host=other"],
     ["names its host twice"]),
    (["feeds", "--user", "1", "--database", "Postgres://u:s3cret@h/db"],
     ["postgresql://u@h/db", "has a password in it"]),
    (["feeds", "--user", "1", "--database", LONG_PATH],
     ["(5,000 characters)", "File name too long"]),
    (["demo", "--database", f"{LONG_PATH}/reader.db"], ["File name too long"]),
    (["gui", "--database", LONG_PATH], ["File name too long"]),
    (["feeds", "--user", "1", "--database", ""], ["names no database"]),
    (["demo", "--database", "postgresql:/reader"], ["postgresql:/reader", "(postgresql:)"]),
    (["demo", "--database", "mysql://u:s3cret@h/reader"], ["mysql://h/reader", "(mysql:)"]),
    (["jobs", "--user", "1", "--database", "host=db.example dbname=reader password=s3cret"],
     ["key=value", "postgresql://db.example/reader", "password=…", "PGPASSWORD"]),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, server_db, args, fragments):
    """These ended in a traceback and exit 1 (OverflowError, ValueError, OSError errno 36), or
    took a libpq key=value string for a file's name."""
    if "--database" not in args:
        args = [*args, "--database", server_db]
    before = file_state(server_db)
    result = subprocess.run([sys.executable, "-m", "desktop", *args], cwd=tmp_path,
                            capture_output=True, text=True)
    line = assert_one_error_line(result, *fragments)
    assert "s3cret" not in line
    assert len(line) < 400
    assert file_state(server_db) == before and os.listdir(tmp_path) == [server_db.name]


def test_a_file_where_a_folder_should_be_is_said_so(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    for command in (["feeds", "--user", "1"], ["demo"]):
        result = rss(*command, "--database", tmp_path / "notes.txt" / "reader.db")
        assert_one_error_line(result, "notes.txt/reader.db", "Not a directory")
    assert (tmp_path / "notes.txt").read_text() == "not a folder"


# -- PostgreSQL URLs: every spelling reaches the server named ----------------------------------

def misleading_environment() -> dict[str, str]:
    """libpq's defaults pointing nowhere: a URL read as a database name would use them."""
    return {**os.environ, "PGHOST": "/nonexistent", "PGPORT": "1", "PGUSER": "nobody",
            "PGDATABASE": "nothing"}


def spellings(url: str) -> list[str]:
    rest = url.split("://", 1)[1]
    return [f"postgres://{rest}", f"POSTGRESQL://{rest}", f"PostgreSQL://{rest}",
            f"Postgres://{rest}"]


def test_every_spelling_of_the_scheme_reaches_the_server_user_and_port_named(postgres_url,
                                                                              monkeypatch):
    """postgres:// and PostgreSQL:// were taken as a database *name*: libpq's defaults
    (PGHOST, PGPORT, the local socket) were used instead of the host, port and user named."""
    make_server_database_pg(postgres_url)
    for name, value in misleading_environment().items():
        monkeypatch.setenv(name, value)
    parts = urlsplit(postgres_url)
    for url in spellings(postgres_url):
        db = connect(url)
        try:
            reached = db.execute_sql("SELECT current_user, current_database(), "
                                     "inet_server_port(), host(inet_server_addr())").fetchone()
        finally:
            db.close()
        assert reached == (parts.username, parts.path.strip("/"), parts.port, parts.hostname)


def test_the_command_line_reaches_the_server_with_any_spelling(postgres_url):
    make_server_database_pg(postgres_url)
    for url in spellings(postgres_url)[:2]:
        result = subprocess.run([sys.executable, "-m", "desktop", "feeds", "--database", url,
                                 "--user", "1", "--json"], cwd=PROJECT, capture_output=True,
                                text=True, env=misleading_environment())
        assert result.returncode == 0, result.stderr
        assert [c["name"] for c in json.loads(result.stdout)["categories"]] == ["News", "Tech"]


def test_a_key_value_string_for_the_server_is_refused_with_the_url_to_give(postgres_url):
    make_server_database_pg(postgres_url)
    parts = urlsplit(postgres_url)
    key_value = (f"host={parts.hostname} port={parts.port} user={parts.username} "
                 f"dbname={parts.path.strip('/')}")
    result = rss("feeds", "--database", key_value, "--user", 1)
    line = assert_one_error_line(result, "key=value", postgres_url)
    url_given = re.search(r"give the database as a URL instead: (\S+)", line).group(1)
    assert url_given == postgres_url
    assert rss("feeds", "--database", url_given, "--user", 1).returncode == 0


# -- the reader of the output goes away --------------------------------------------------------

def rss_into_closed_pipe(*args) -> subprocess.CompletedProcess:
    """Run the command with stdout a pipe whose reader closed before the command started: its
    first write fails (EPIPE) whatever the timing."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                              stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [["feeds"], ["feeds", "--json"], ["jobs"], ["jobs", "--json"]])
def test_a_reader_gone_ends_the_command_quietly(server_db, command):
    """`rss-desktop feeds … | head -3` ended in a BrokenPipeError traceback, exit 1."""
    create_jobs(server_db, ("mark_feed_read", 1, {"feed_id": 1}))
    result = rss_into_closed_pipe(*command, "--database", server_db, "--user", 1)
    assert (result.returncode, result.stderr) == (EXIT_READER_GONE, "")


def test_a_job_whose_id_nobody_reads_still_runs_to_its_end(server_db):
    result = rss_into_closed_pipe("mark-read", "--database", server_db, "--user", 1,
                                  "--category", 1, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "newly marked read" in result.stderr
    assert [row["status"] for row in job_rows(server_db)] == ["completed"]


def test_head_closing_a_real_pipeline_early(server_db):
    """What a person types: `| head -1` on more output than a pipe holds (64 KiB), so that the
    command is still writing when head has gone."""
    with database(server_db) as conn:
        conn.executemany("INSERT INTO feeds (url, title, category_id, created_at) "
                         "VALUES (?, ?, 1, 'x')",
                         [(f"https://many.example/{n}", f"Feed number {n:05} " + "x" * 40)
                          for n in range(3000)])
        conn.commit()
    script = (f"'{sys.executable}' -m desktop feeds --database '{server_db}' --user 1 "
              "| head -1; echo \"exit ${PIPESTATUS[0]}\" >&2")
    result = subprocess.run(["bash", "-c", script], cwd=PROJECT, capture_output=True,
                            text=True)
    assert result.stdout.split() == ["KIND", "ID", "NAME", "UNREAD"]
    assert lines(result.stderr) == [f"exit {EXIT_READER_GONE}"]


# -- sample data on a server -------------------------------------------------------------------

def test_demo_makes_sample_data_on_postgresql(postgres_url):
    """It created the tables, then failed: syntax error at or near "IMMEDIATE"."""
    result = rss("demo", "--database", postgres_url, "--articles", 3000, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "3,000 articles" in result.stderr
    feeds = rss("feeds", "--database", postgres_url, "--user", 1, "--json")
    assert json.loads(feeds.stdout)["unread"] > 0
    with psycopg.connect(postgres_url) as conn:  # the server's next article gets a new id
        feed_id = conn.execute("SELECT min(id) FROM feeds").fetchone()[0]
        new_id = conn.execute("INSERT INTO articles (feed_id, title, created_at) VALUES "
                              "(%s, 'fresh', '2000-01-01 00:00:00') RETURNING id",
                              (feed_id,)).fetchone()[0]
    assert new_id == 3001
    assert rss("mark-read", "--database", postgres_url, "--user", 1, "--all",
               "--quiet").returncode == 0
    again = rss("demo", "--database", postgres_url, "--articles", 10, "--quiet")
    assert_one_error_line(again, "already holds data")


# -- one vocabulary for jobs in both faces -----------------------------------------------------

def test_jobs_are_labelled_in_the_windows_words_with_names(reader):
    """The command line said "category 1 up to article 50"; the window "Category: Tech
    (article #50 and older)"."""
    cutoff = to_db_text(real_now().subtract(days=7))
    ids = create_jobs(reader, ("mark_category_read", 1, {"category_id": 1, "up_to_article": 50}),
                      ("mark_feed_read", 1, {"feed_id": 3, "older_than": cutoff}),
                      ("mark_all_read", 1, {}))
    result = rss("jobs", "--database", reader, "--user", 1)
    assert result.returncode == 0, result.stderr
    shown = {int(line.split()[0]): line for line in lines(result.stdout)}
    assert "Category: Tech (article #50 and older)" in shown[ids[0]]
    assert f"Feed: Feed 3 (before {cutoff} UTC)" in shown[ids[1]]
    assert "All articles" in shown[ids[2]]

    # the window's words are the same function's, its times in local time
    listed = json.loads(rss("jobs", "--database", reader, "--user", 1, "--json").stdout)
    assert [job["label"] for job in listed] == [  # (newest first)
        "All articles", f"Feed: Feed 3 (before {cutoff} UTC)",
        "Category: Tech (article #50 and older)"]
    rows = {job["id"]: type("Row", (), job) for job in listed}
    assert window_describe_job(rows[ids[0]], {1: "Tech"}, {3: "Feed 3"}) == (
        "Category: Tech (article #50 and older)")
    assert window_describe_job(rows[ids[1]], {1: "Tech"}, {3: "Feed 3"}) == (
        f"Feed: Feed 3 (before {local_time(cutoff)})")
