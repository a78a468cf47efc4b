"""The ``rss-desktop`` command line, run for real as a subprocess on real database files."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from support.cli import (
    assert_one_error_line,
    create_jobs,
    job_rows,
    lines,
    rss,
    run_gated_until_first_chunk,
    start_mark_all,
)
from support.clock import real_now
from support.databases import database, make_server_database
from support.files import file_state

from desktop import __version__
from desktop.cli import process_main
from desktop.store import connect
from desktop.store.clock import to_db_text

PROJECT = Path(__file__).resolve().parent.parent


def query(path, sql, *args) -> list[tuple]:
    with database(path) as conn:
        return [tuple(row) for row in conn.execute(sql, args)]


def read_status(path) -> dict[int, tuple]:
    return {row[0]: row for row in query(path, "SELECT * FROM read_status")}


def assert_only_scope_read(before, after, user_id, in_scope) -> int:
    """In-scope articles are read for the user (one row each); nothing else changed."""
    changed = 0
    for row_id, row in after.items():
        old = before.get(row_id)
        if row[1] == user_id and row[2] in in_scope:
            assert row[3] == 1  # is_read
            if old is None or old[3] == 0:
                changed += 1
            if old is not None:  # starred, archived, starred_at and created_at kept
                assert (row[4], row[5], row[7], row[8]) == (old[4], old[5], old[7], old[8])
                if old[3] == 1:
                    assert row == old
        else:
            assert row == old
    articles = [row[2] for row in after.values() if row[1] == user_id and row[2] in in_scope]
    assert sorted(articles) == sorted(in_scope)
    return changed


# -- version and demo ---------------------------------------------------------------------

def test_version_from_the_module_and_the_console_script():
    assert rss("--version").stdout == f"rss-desktop {__version__}\n"
    script = Path(sys.executable).with_name("rss-desktop")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                            check=True)
    assert result.stdout == f"rss-desktop {__version__}\n"


def test_a_process_of_its_own_exits_without_walking_its_objects(monkeypatch, capsys):
    """The entry points' ``process_main`` freezes what is left for the cyclic collector, whose
    last walk at Python's exit was ~16 ms of a small job (issue 26); the command's own exit
    code is kept."""
    monkeypatch.setattr(sys, "argv", ["rss-desktop", "--version"])
    try:
        with pytest.raises(SystemExit) as exited:  # (argparse's way out of --version)
            process_main()
        assert exited.value.code == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # (this process goes on running tests)
    assert capsys.readouterr().out == f"rss-desktop {__version__}\n"


def test_demo_creates_a_database_and_refuses_a_populated_one(tmp_path, server_db):
    path = tmp_path / "new" / "demo.db"
    result = rss("demo", "--database", path, "--articles", 3000)
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stderr and "3,000 articles" in result.stderr
    counts = {table: query(path, f"SELECT count(*) FROM {table}")[0][0]
              for table in ("users", "categories", "feeds", "articles", "read_status",
                            "bulk_operation_jobs")}
    assert counts["articles"] == 3000 and counts["users"] == 3
    assert counts["feeds"] > counts["categories"] > 1
    assert counts["read_status"] > 0 and counts["bulk_operation_jobs"] == 0
    read, starred = query(path, "SELECT sum(is_read), sum(is_starred) FROM read_status")[0]
    assert 0 < read < counts["read_status"] and starred > 0

    again = rss("demo", "--database", path, "--articles", 3000)
    assert_one_error_line(again, path, "already holds data")
    assert query(path, "SELECT count(*) FROM articles")[0][0] == 3000

    server_rows = read_status(server_db)
    assert_one_error_line(rss("demo", "--database", server_db), server_db, "already holds data")
    assert read_status(server_db) == server_rows


def test_demo_shows_a_progress_bar_as_mark_read_does(tmp_path):
    terminal = {**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "TERM": "xterm",
                "COLUMNS": "100"}
    path = tmp_path / "demo.db"
    result = subprocess.run([sys.executable, "-m", "desktop", "demo", "--database", str(path),
                             "--articles", "5000"], cwd=PROJECT, env=terminal,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "2000/5000" in result.stderr and "5000/5000" in result.stderr  # a batch at a time
    quiet = subprocess.run([sys.executable, "-m", "desktop", "demo", "--database",
                            str(tmp_path / "quiet.db"), "--articles", "5000", "--quiet"],
                           cwd=PROJECT, env=terminal, capture_output=True, text=True)
    assert quiet.returncode == 0 and "/5000" not in quiet.stderr
    assert "5,000 articles" in quiet.stderr


# -- mark-read ----------------------------------------------------------------------------

MARK_READ = {  # option -> articles in scope on the server-shaped database
    "category": (["--category", "1"], set(range(1, 71))),
    "feed": (["--feed", "3"], set(range(71, 91))),
    "all": (["--all"], set(range(1, 106))),
    "category-up-to": (["--category", "1", "--up-to-article", "30"], set(range(1, 31))),
    "category-from": (["--category", "1", "--from-article", "60"], set(range(60, 71))),
    "all-search": (["--all", "--search", "article 7"],
                   {n for n in range(1, 106) if "7" in str(n)}),
}


@pytest.mark.parametrize("option", MARK_READ)
def test_mark_read_prints_the_job_id_and_marks_the_scope(reader, option):
    args, in_scope = MARK_READ[option]
    before = read_status(reader)

    result = rss("mark-read", "--database", reader, "--user", 1, *args)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"  # the job id and nothing else; the bar is on stderr
    changed = assert_only_scope_read(before, read_status(reader), 1, in_scope)
    [job] = job_rows(reader)
    assert (job["status"], job["progress"], job["total"]) == ("completed", len(in_scope),
                                                              len(in_scope))
    assert job["marked_count"] == changed and job["started_at"] and job["completed_at"]
    assert f"{len(in_scope)} articles processed, {changed} newly marked read" in result.stderr


def test_older_than_marks_only_articles_ingested_before_the_age(tmp_path):
    # The CLI's "7 days ago" is by the real time (only this process's clock can be moved):
    # the articles are dated from the real time too, a month ago but 60..70 an hour ago.
    now = real_now()
    server_db = make_server_database(tmp_path / "reader.db", base=now.subtract(days=30))
    with database(server_db) as conn:
        conn.execute("UPDATE articles SET created_at = ? WHERE id BETWEEN 60 AND 70",
                     (to_db_text(now.subtract(hours=1)),))
        conn.commit()
    before = read_status(server_db)

    result = rss("mark-read", "--database", server_db, "--user", 2, "--category", 1,
                 "--older-than", "7d", "--quiet")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"
    assert_only_scope_read(before, read_status(server_db), 2, set(range(1, 60)))
    [job] = job_rows(server_db)
    assert job["status"] == "completed" and job["progress"] == job["total"] == 59
    cutoff = pendulum.parse(json.loads(job["parameters"])["older_than"], tz="UTC")
    assert abs((now.subtract(days=7) - cutoff).total_seconds()) < 3600


def test_a_malformed_age_is_refused_before_the_database_is_opened(server_db):
    state = file_state(server_db)
    result = rss("mark-read", "--database", server_db, "--user", 1, "--all",
                 "--older-than", "banana")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error_lines = [line for line in lines(result.stderr) if "error" in line]
    assert error_lines == [error_lines[0]] and "'banana'" in error_lines[0]
    assert "age" in error_lines[0]  # says what it wanted: 30m, 12h, 7d or 2w
    assert file_state(server_db) == state


# -- bad input ----------------------------------------------------------------------------

def _real_database(directory: Path) -> Path:
    directory.mkdir()
    source = make_server_database(directory / "source.db")
    connect(source).close()  # as this app leaves it: WAL, job table, indexes
    return source


def make_bad(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.db"
    if kind == "text":
        path.write_text("not a database at all\n" * 50)
    elif kind == "directory":
        path.mkdir()
    elif kind == "missing":
        pass
    elif kind == "empty":
        path.touch()
    else:
        data = _real_database(tmp_path / "source").read_bytes()
        page_size = int.from_bytes(data[16:18], "big")
        path.write_bytes(data[:len(data) - 100] if kind == "partial-page"
                         else data[:2 * page_size])
    return path


BAD_KINDS = {
    "text": "is not an SQLite database",
    "directory": "is a directory",
    "missing": "does not exist",
    "empty": "is an empty file",
    "partial-page": "is truncated",
    "missing-pages": "is truncated",
}


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_a_bad_database_gets_one_line_and_exit_2_and_stays_untouched(tmp_path, kind):
    path = make_bad(kind, tmp_path)
    siblings = sorted(os.listdir(tmp_path))
    state = file_state(path)

    result = rss("mark-read", "--database", path, "--user", 1, "--all")

    assert_one_error_line(result, path, BAD_KINDS[kind])
    assert file_state(path) == state
    assert sorted(os.listdir(tmp_path)) == siblings  # no -wal, -shm, no new file


@pytest.mark.parametrize("command", [["jobs", "--user", "1"], ["cancel", "--user", "1", "1"],
                                     ["feeds", "--user", "1"], ["work", "--once"], ["demo"]])
def test_every_command_refuses_a_file_that_is_not_a_database(tmp_path, command):
    path = make_bad("text", tmp_path)
    state = file_state(path)
    result = rss(command[0], "--database", path, *command[1:])
    assert_one_error_line(result, path, "is not an SQLite database")
    assert file_state(path) == state
    assert sorted(os.listdir(tmp_path)) == [path.name]


@pytest.mark.parametrize("args, message", [
    (["--user", "9", "--all"], "user 9 does not exist"),
    (["--user", "1", "--category", "9"], "category 9 does not exist"),
    (["--user", "1", "--feed", "9"], "feed 9 does not exist"),
    (["--user", "99999999999999999999", "--all"], "99999999999999999999"),
    (["--user", "1", "--feed", "99999999999999999999"], "99999999999999999999"),
])
def test_an_unknown_id_gets_one_line_naming_it_and_no_job(reader, args, message):
    result = rss("mark-read", "--database", reader, *args)
    assert_one_error_line(result, message)
    assert job_rows(reader) == []


@pytest.mark.parametrize("args, value", [
    (["mark-read", "--user", "abc", "--all"], "'abc'"),
    (["mark-read", "--user", "1", "--category", "1x"], "'1x'"),
    (["mark-read", "--user", "1", "--feed", "-3"], "-3"),
    (["mark-read", "--user", "0", "--all"], "'0'"),
    (["cancel", "--user", "1", "first"], "'first'"),
    (["jobs", "--user", "one"], "'one'"),
    (["mark-read", "--user", "1", "--all", "--search", "  "], "'  ' is no search"),
    (["mark-read", "--user", "1", "--all", "--from-article", "0"], "'0'"),
])
def test_a_non_numeric_id_is_refused_with_exit_2(server_db, args, value):
    state = file_state(server_db)
    result = rss(args[0], "--database", server_db, *args[1:])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error_lines = [line for line in lines(result.stderr) if "error:" in line]
    assert len(error_lines) == 1 and value in error_lines[0]
    assert file_state(server_db) == state


# -- jobs, cancel, work -------------------------------------------------------------------

def test_jobs_lists_the_users_jobs_as_json_and_filters_by_status(reader):
    done, pending, other = create_jobs(reader, ("mark_feed_read", 1, {"feed_id": 5}),
                                       ("mark_all_read", 1, {}),
                                       ("mark_all_read", 2, {}), run=False)
    with database(reader) as conn:
        conn.execute("UPDATE bulk_operation_jobs SET status = 'completed', progress = 5, "
                     "total = 5, completed_at = created_at WHERE id = ?", (done,))
        conn.commit()

    result = rss("jobs", "--database", reader, "--user", 1, "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [(job["id"], job["status"]) for job in listed] == [(pending, "pending"),
                                                              (done, "completed")]
    assert listed[1]["progress"] == listed[1]["total"] == 5
    assert json.loads(listed[1]["parameters"]) == {"feed_id": 5}
    assert all(job["user_id"] == 1 for job in listed)

    filtered = rss("jobs", "--database", reader, "--user", 1, "--json", "--status",
                   "pending")
    assert [job["id"] for job in json.loads(filtered.stdout)] == [pending]
    none = rss("jobs", "--database", reader, "--user", 1, "--json", "--status", "failed")
    assert json.loads(none.stdout) == []
    theirs = rss("jobs", "--database", reader, "--user", 2, "--json")
    assert [job["id"] for job in json.loads(theirs.stdout)] == [other]

    text = rss("jobs", "--database", reader, "--user", 1)
    assert [line.split()[:2] for line in lines(text.stdout)] == [[str(pending), "pending"],
                                                                [str(done), "completed"]]


def test_cancel_a_pending_job_and_refuse_another_users(reader):
    mine, theirs = create_jobs(reader, ("mark_all_read", 1, {}), ("mark_all_read", 2, {}))
    before = read_status(reader)

    result = rss("cancel", "--database", reader, "--user", 1, mine)
    assert result.returncode == 0, result.stderr
    assert f"job {mine} cancelled" in result.stderr

    refused = rss("cancel", "--database", reader, "--user", 1, theirs)
    assert_one_error_line(refused, f"job {theirs} not found")
    again = rss("cancel", "--database", reader, "--user", 1, mine)
    assert_one_error_line(again, f"job {mine} is already cancelled")
    missing = rss("cancel", "--database", reader, "--user", 1, "99999999999999999999")
    assert_one_error_line(missing, "not found")

    statuses = {job["id"]: job["status"] for job in job_rows(reader)}
    assert statuses == {mine: "cancelled", theirs: "pending"}
    assert read_status(reader) == before  # the cancelled job never ran


def test_work_once_runs_a_pending_job_written_by_the_web_server(make_reader):
    path = make_reader(job_table=True)
    # The spec's columns only, written a minute ago by the real clock: the one `work` compares
    # created_at with (it would not adopt a row from its future).
    with database(path) as conn:
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, "
                     "created_at) VALUES ('mark_category_read', 'pending', 2, "
                     "'{\"category_id\": 2}', ?)", (to_db_text(real_now().subtract(minutes=1)),))
        conn.commit()
    before = read_status(path)

    result = rss("work", "--database", path, "--once")

    assert result.returncode == 0, result.stderr
    assert "job 1 completed" in result.stderr
    [job] = job_rows(path)
    assert (job["status"], job["progress"], job["total"]) == ("completed", 30, 30)
    changed = assert_only_scope_read(before, read_status(path), 2, set(range(71, 101)))
    assert job["marked_count"] == changed == 15


# -- Ctrl-C -------------------------------------------------------------------------------


def progress_of(path, job_id) -> int:
    return query(path, "SELECT progress FROM bulk_operation_jobs WHERE id = ?", job_id)[0][0]


def test_ctrl_c_cancels_the_job_and_keeps_the_work_done(demo_database_100k, tmp_path):
    """Ctrl-C while the job runs cancels it after the chunk in progress; the chunks committed
    before stay done.

    No race: the child (GATED_CLI) stops its event loop right after its first chunk committed
    and says so; SIGINT is sent while it stands there. So the CLI's SIGINT handler is in place
    (it is installed before the job starts), at least one chunk is done, and the loop thread,
    blocked at the gate, takes the signal before it goes on. The handler's cancel then reaches
    the database within a few loop iterations, each of which advances the job by one chunk of
    at most 50 articles at most, while the job needs 2,000 such chunks: it cannot complete
    first. (Blocking the child in ``print(job_id)`` with a full stdout pipe would hold it
    before the job starts: the cancel then always lands before the first chunk, progress 0.)
    """
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_database_100k, path)
    ready, ready_in_child = os.pipe()
    process = start_mark_all(path, gate_fd=ready_in_child, stdin=subprocess.PIPE,
                             pass_fds=(ready_in_child,))
    os.close(ready_in_child)
    try:
        job_id = int(process.stdout.readline())
        assert os.read(ready, 1) == b"1", "mark-read ended before its first chunk"  # or EOF
        at_gate = progress_of(path, job_id)
        assert 0 < at_gate < 100_000

        process.send_signal(signal.SIGINT)
        out, stderr = process.communicate(input=b"go")  # opens the gate
    finally:
        os.close(ready)
        process.kill()  # nothing if it has ended

    assert process.returncode == 130, stderr.decode(errors="replace")
    assert b"Traceback" not in stderr
    assert out == b""
    [job] = job_rows(path)
    assert job["status"] == "cancelled"
    assert 0 < at_gate <= job["progress"] < job["total"] == 100_000
    assert job["cursor"] == job["progress"]  # every article is in scope: ids 1..cursor
    # Committed chunks stay read; nothing after the cursor and nothing of other users changed.
    with database(path) as conn:
        conn.execute("ATTACH DATABASE ? AS original", (str(demo_database_100k),))
        unread_done = conn.execute(
            "SELECT count(*) FROM articles a WHERE a.id <= ? AND NOT EXISTS (SELECT 1 FROM "
            "read_status r WHERE r.user_id = 1 AND r.article_id = a.id AND r.is_read = 1)",
            (job["cursor"],)).fetchone()[0]
        differences = conn.execute(
            "SELECT count(*) FROM (SELECT * FROM (SELECT * FROM read_status EXCEPT "
            "SELECT * FROM original.read_status) UNION ALL SELECT * FROM (SELECT * FROM "
            "original.read_status EXCEPT SELECT * FROM read_status)) "
            "WHERE user_id != 1 OR article_id > ?", (job["cursor"],)).fetchone()[0]
    assert unread_done == 0
    assert differences == 0


def test_ctrl_c_right_after_the_job_id_cancels_the_job(demo_database_100k, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_database_100k, path)
    process = start_mark_all(path)
    job_id = int(process.stdout.readline())
    process.send_signal(signal.SIGINT)
    _, err = process.communicate()

    assert process.returncode == 130, err.decode(errors="replace")
    [job] = job_rows(path)
    assert job["id"] == job_id
    # Not 'running' (a crash to recovery), not 'pending' (a later worker would run it).
    assert job["status"] == "cancelled"
    assert job["progress"] < job["total"] or job["total"] == 0


def test_work_as_a_service_runs_new_jobs_and_stops_on_sigterm(reader):
    rss("jobs", "--database", reader, "--user", 1)  # prepares the schema
    worker = subprocess.Popen([sys.executable, "-m", "desktop", "work", "--database",
                               str(reader)], cwd=PROJECT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        [job_id] = create_jobs(reader, ("mark_feed_read", 1, {"feed_id": 3}))
        # the worker notices the new row by itself and reports it (a blocking read)
        assert worker.stderr.readline().startswith(f"job {job_id} completed")
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=60)
    finally:
        worker.kill()
    assert worker.returncode == 130 and "Traceback" not in err
    assert job_rows(reader)[0]["status"] == "completed"


def test_a_job_cancelled_elsewhere_says_by_whom_and_that_the_work_is_kept(demo_database_100k,
                                                                          tmp_path):
    """No race: the CLI stands at its gate after one chunk while the cancel is written; at its
    next chunk it sees the job cancelled and stops."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_database_100k, path)
    process, job_id = run_gated_until_first_chunk(path)
    try:
        cancelled = rss("cancel", "--database", path, "--user", 1, job_id)
        _, stderr = process.communicate(input=b"go", timeout=120)
    finally:
        process.kill()
    assert cancelled.returncode == 0, cancelled.stderr
    stderr = stderr.decode(errors="replace")
    assert process.returncode == 1 and "Traceback" not in stderr
    [job] = job_rows(path)
    assert job["status"] == "cancelled"
    assert job["error_message"] == "cancelled by rss-desktop cancel"
    assert (f"job {job_id} was cancelled by rss-desktop cancel at {job['progress']:,} of "
            f"{job['total']:,}; the work done is kept") in stderr
    listed = rss("jobs", "--database", path, "--user", 1)
    assert "note: cancelled by rss-desktop cancel" in listed.stdout
    retried = rss("retry", "--database", path, "--user", 1, job_id, "--quiet")
    assert retried.returncode == 0, retried.stderr
    assert job_rows(path)[0]["error_message"] is None  # a retry starts afresh


# -- feeds ----------------------------------------------------------------------------------

def test_feeds_lists_ids_and_unread_counts_and_writes_nothing(server_db):
    before = file_state(server_db)
    listed = rss("feeds", "--database", server_db, "--user", 1)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in lines(listed.stdout)[1:]]
    # user 1 read every third article: feeds 1..5 hold articles 1-40, 41-70, 71-90, 91-100,
    # 101-105 (see make_server_database)
    assert ["category", "1", "Tech", "47"] in rows and ["feed", "3", "Feed", "3", "13"] in rows
    assert ["(no", "category)", "3"] in rows and ["all", "All", "articles", "70"] in rows
    as_json = json.loads(rss("feeds", "--database", server_db, "--user", 2, "--json").stdout)
    tech = next(c for c in as_json["categories"] if c["id"] == 1)
    assert tech["name"] == "Tech" and tech["unread"] == 35  # bob read every even article
    assert [(f["id"], f["unread"]) for f in tech["feeds"]] == [(1, 20), (2, 15)]
    assert [f["id"] for f in as_json["uncategorized_feeds"]] == [5] and as_json["unread"] == 53
    assert file_state(server_db) == before
    assert_one_error_line(rss("feeds", "--database", server_db, "--user", 9),
                          "user 9 does not exist", server_db)
