"""The stand-in web server (standin_server.py) in its own process, and what the tests beside it
run and read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.databases import sqlite
from support.paths import PROJECT

STANDIN = Path(__file__).with_name("standin_server.py")


CATEGORY_1 = 7000  # articles in category 1 of the database below: 70 of the server's batches


class Server:
    """The stand-in web server in its own process, spoken to one JSON line at a time."""

    def __init__(self, path: Path, *args: str):
        self.process = subprocess.Popen([sys.executable, str(STANDIN), str(path), *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        assert self.read() == {"ready": True}

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def read(self) -> dict:
        line = self.process.stdout.readline()
        assert line, f"the stand-in server ended: {self.process.stderr.read()}"
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.send(cmd="exit")
        self.process.communicate(timeout=60)

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=60)


def rss(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


def unread(path, user_id: int, category_id: int) -> int:
    with sqlite(path) as conn:
        return conn.execute(
            "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE "
            "f.category_id = ? AND NOT EXISTS (SELECT 1 FROM read_status r WHERE "
            "r.user_id = ? AND r.article_id = a.id AND r.is_read = 1)",
            (category_id, user_id)).fetchone()[0]
