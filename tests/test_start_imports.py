"""What a start imports (issue 26): nothing a command does not use. ``--version`` imports no
engine; a job on a file imports neither psycopg (peewee would, by itself) nor rich without a
progress bar, nor the rotating log file's handlers (only `work` has one); a server URL still
gets psycopg, given to peewee when it is opened. Each case runs in a fresh interpreter, since
this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WATCHED = ("asyncio", "peewee", "psycopg", "rich", "desktop.jobs", "desktop.store", "PySide6",
           "pendulum", "ssl", "logging.handlers")


def loaded_after(code: str, *args) -> dict:
    """Run ``code`` in a fresh interpreter; which WATCHED modules it had loaded at its end
    (and what it printed last on stdout as JSON, under "out")."""
    probe = (f"{code}\nimport json as _j, sys as _s\n"
             f"print(_j.dumps({{name: name in _s.modules for name in {WATCHED!r}}}))")
    proc = subprocess.run([sys.executable, "-c", probe, *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_version_imports_no_engine():
    loaded = loaded_after("import contextlib, desktop.cli as cli\n"
                          "with contextlib.suppress(SystemExit):\n"
                          "    cli.main(['--version'])")
    assert not any(loaded.values()), loaded


def test_a_job_on_a_file_imports_no_psycopg_and_no_bar_when_quiet(server_db):
    loaded = loaded_after("import sys, desktop.cli as cli\n"
                          "assert cli.main(sys.argv[1:]) == 0",
                          "mark-read", "--database", server_db, "--user", 1, "--category", 1,
                          "--quiet")
    assert loaded["peewee"] and loaded["desktop.jobs"]
    assert not loaded["psycopg"] and not loaded["rich"] and not loaded["PySide6"], loaded
    assert not loaded["pendulum"], loaded  # with dateutil ~30 ms; the clock's text is datetime's
    assert not loaded["ssl"], loaded  # asyncio's TLS streams: nothing here uses them
    assert not loaded["logging.handlers"], loaded  # only `work` writes a log file


def test_peewee_imported_first_still_connects_to_a_server(postgres_url):
    """desktop imported before psycopg (as the command line does): opening a server URL gives
    peewee its driver, and the engine works there."""
    from support.databases import make_server_database_pg

    make_server_database_pg(postgres_url)
    code = ("import asyncio, sys\n"
            "from desktop.jobs.api import BulkOperationManager\n"
            "assert 'psycopg' not in sys.modules\n"
            "async def main():\n"
            "    manager = BulkOperationManager(sys.argv[1])\n"
            "    await manager.open()\n"
            "    try:\n"
            "        return await manager.users()\n"
            "    finally:\n"
            "        await manager.close()\n"
            "users = asyncio.run(main())\n"
            "assert users, users\n")
    loaded = loaded_after(code, postgres_url)
    assert loaded["psycopg"] and loaded["peewee"]
