"""The command line's -v/--verbose and -q/--quiet, and `work`'s log file in the log folder
(desktop/logs.py). The XDG places are the test's own (conftest's private_xdg_places)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.clock import real_now
from support.databases import database, make_server_database

from desktop import places
from desktop.store.clock import to_db_text

ROOT = Path(__file__).resolve().parents[1]


def rss(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True)


def pending_job(path: Path) -> None:
    """A job as the web server writes one (the spec's columns), a minute ago."""
    with database(path) as conn:
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, "
                     "created_at) VALUES ('mark_category_read', 'pending', 2, "
                     "'{\"category_id\": 2}', ?)", (to_db_text(real_now().subtract(minutes=1)),))
        conn.commit()


def test_work_logs_to_a_file_in_the_log_folder(tmp_path):
    path = tmp_path / "reader.db"
    make_server_database(path, job_table=True)
    pending_job(path)
    result = rss("work", "--database", path, "--once")
    assert result.returncode == 0, result.stderr
    # nothing more without -v than the job's line (a web server's job, taken over: its note)
    [line] = result.stderr.splitlines()
    assert line.startswith("job 1 completed (30/30)"), line
    log = (places.log_dir() / "work.log").read_text()
    assert f"work started on {path}" in log and "job 1 completed (30/30)" in log


def test_quiet_work_prints_nothing_and_still_logs(tmp_path):
    path = tmp_path / "reader.db"
    make_server_database(path, job_table=True)
    pending_job(path)
    result = rss("work", "-q", "--database", path, "--once")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert "job 1 completed" in (places.log_dir() / "work.log").read_text()


def test_verbose_says_what_is_logged(tmp_path):
    path = tmp_path / "reader.db"
    make_server_database(path, job_table=True)
    pending_job(path)
    result = rss("work", "--verbose", "--database", path, "--once")
    assert result.returncode == 0, result.stderr
    assert f"rss-desktop: info: work started on {path}\n" in result.stderr


def test_other_commands_take_the_flags_and_write_no_log_file(tmp_path):
    path = tmp_path / "reader.db"
    make_server_database(path)
    result = rss("feeds", "-v", "--database", path, "--user", "1")
    assert result.returncode == 0, result.stderr
    marked = rss("mark-read", "-q", "--database", path, "--user", "1", "--feed", "3")
    assert marked.returncode == 0, marked.stderr
    assert marked.stderr == "job 1: 20 articles processed, 13 newly marked read\n"  # no bar
    assert not places.log_dir().exists()
