"""``rss-desktop rules …`` and ``work --install-service`` as a person uses them, in processes of
their own: a rule is due at once, ``work --once`` runs it exactly once, a second one right after
runs nothing, its job undoes exactly, user 2 never sees user 1's rules; bad input exits 2 with
one line and writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.cli import assert_one_error_line, rss
from support.clock import real_now
from support.databases import database, has_table, read_status, written

from desktop.jobs.api import parameters_of
from desktop.store.clock import to_db_text


def unread(target, user_id) -> set[int]:
    read = {row["article_id"] for row in read_status(target).values()
            if row["user_id"] == user_id and row["is_read"]}
    return set(range(1, 106)) - read


def rule_jobs(target, rule_id) -> list[dict]:
    with database(target) as conn:
        rows = [dict(row) for row in conn.execute("SELECT * FROM bulk_operation_jobs")]
    return [row for row in rows if parameters_of(row["parameters"]).get("rule_id") == rule_id]


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def arrived_a_month_ago(target):
    """The commands run at the real time (whatever --at did here): articles a month old by
    it."""
    with written(target) as conn:
        conn.execute("UPDATE articles SET created_at = ?",
                     (to_db_text(real_now().subtract(days=30)),))


def test_rule_added_runs_once_under_work_once_and_undoes_exactly(reader):
    arrived_a_month_ago(reader)
    unread_before = unread(reader, 1)
    added = json.loads(ok(rss("rules", "add", "--database", reader, "--user", 1,
                              "--category", 1, "--older-than", "7d", "--every", "1d",
                              "--name", "Nightly", "--json")))
    assert added["name"] == "Nightly" and added["scope"] == {"kind": "category", "id": 1,
                                                             "label": "Category: Tech"}
    ok(rss("work", "--database", reader, "--once", "-q"))
    [job] = rule_jobs(reader, added["id"])
    assert job["status"] == "completed"
    ok(rss("work", "--database", reader, "--once", "-q"))  # right after: nothing is due
    assert len(rule_jobs(reader, added["id"])) == 1
    assert unread_before - unread(reader, 1) == set(range(1, 71)) & unread_before

    [listed] = json.loads(ok(rss("rules", "list", "--database", reader, "--user", 1, "--json")))
    assert listed["last_job_id"] == job["id"] and listed["enabled"]
    assert json.loads(ok(rss("rules", "list", "--database", reader, "--user", 2,
                             "--json"))) == []
    labels = ok(rss("jobs", "--database", reader, "--user", 1))
    assert 'Rule "Nightly": Category: Tech (before ' in labels

    ok(rss("undo", "--database", reader, "--user", 1, job["id"], "-q"))
    assert unread(reader, 1) == unread_before


def test_rules_run_disable_enable_remove(server_db):
    arrived_a_month_ago(server_db)
    rule_id = int(ok(rss("rules", "add", "--database", server_db, "--user", 2, "--all",
                         "--older-than", "1d", "--by", "published", "--daily", "3:00")))
    result = rss("rules", "run", "--database", server_db, "--user", 2, rule_id, "-q")
    job_id = int(ok(result))
    assert "newly marked read" in result.stderr
    assert [job["id"] for job in rule_jobs(server_db, rule_id)] == [job_id]
    ok(rss("rules", "disable", "--database", server_db, "--user", 2, rule_id))
    [rule] = json.loads(ok(rss("rules", "list", "--database", server_db, "--user", 2,
                               "--json")))
    assert not rule["enabled"] and rule["by"] == "published"
    assert rule["schedule"]["daily_at"] == "03:00" and rule["age"] == "1d"
    ok(rss("rules", "enable", "--database", server_db, "--user", 2, rule_id))
    ok(rss("rules", "remove", "--database", server_db, "--user", 2, rule_id))
    assert json.loads(ok(rss("rules", "list", "--database", server_db, "--user", 2,
                             "--json"))) == []


ADD = ("rules", "add", "--user", 1)


@pytest.mark.parametrize("args, fragment", [
    ((*ADD, "--category", 99, "--older-than", "7d", "--every", "1d"),
     "category 99 does not exist"),
    ((*ADD, "--feed", 99, "--older-than", "7d", "--every", "1d"), "feed 99 does not exist"),
    ((*ADD, "--all", "--older-than", "0d", "--every", "1d"), "must be longer than zero"),
    ((*ADD, "--all", "--older-than", "7d", "--every", "0h"), "must be longer than zero"),
    ((*ADD, "--all", "--older-than", "-7d", "--every", "1d"), "--older-than"),
    ((*ADD, "--all", "--older-than", "7d", "--daily", "25:99"), "'25:99' is not a time of day"),
    ((*ADD, "--all", "--older-than", "7d", "--every", "1d", "--by", "seen"),
     "invalid choice: 'seen'"),
    ((*ADD, "--all", "--older-than", "7d"), "one of the arguments --every --daily"),
    ((*ADD, "--all", "--older-than", "7d", "--every", "1d", "--daily", "03:00"),
     "not allowed with argument"),
    (("rules", "add", "--user", 9, "--all", "--older-than", "7d", "--every", "1d"),
     "user 9 does not exist"),
    (("rules", "run", "--user", 1, 5), "rule 5 not found for user 1"),
    (("rules", "remove", "--user", 1, 5), "rule 5 not found for user 1"),
    (("rules", "enable", "--user", 1, 5), "rule 5 not found for user 1"),
    (("rules", "list", "--user", 9), "user 9 does not exist"),
])
def test_bad_rules_input_exits_2_writing_nothing(server_db, args, fragment):
    before = server_db.read_bytes()
    result = rss(*args[:2], "--database", server_db, *args[2:])
    assert_one_error_line(result, fragment)
    assert server_db.read_bytes() == before
    assert not has_table(server_db, "bulk_operation_rules")


def test_install_service_writes_a_unit_systemd_accepts(server_db, tmp_path):
    result = rss("work", "--database", server_db, "--install-service")
    unit = ok(result).strip()
    assert unit.startswith(os.environ["XDG_CONFIG_HOME"]) and unit.endswith(".service")
    text = Path(unit).read_text()
    assert f'"work" "--database" "{server_db}"' in text and "WantedBy=default.target" in text
    assert "systemctl --user enable --now" in result.stderr
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the unit was written, not verified")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    verified = subprocess.run(["systemd-analyze", "--user", "verify", unit],
                              env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
