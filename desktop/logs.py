"""The command line's logging: -v/--verbose and -q/--quiet say how much reaches stderr; `work`,
which runs unattended, also writes to a rotating file in the log folder (desktop/places.py).
The window configures its own (desktop/ui/app.py)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from . import places

FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    """``rss-desktop: warning: ...`` on stderr, with a traceback only when debugging."""

    def __init__(self, tracebacks: bool):
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        line = f"rss-desktop: {record.levelname.lower()}: {record.getMessage()}"
        if self.tracebacks and record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def stderr_level(verbose: int, quiet: bool) -> int:
    if quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


def configure_command_logging(verbose: int = 0, quiet: bool = False,
                              log_name: str | None = None) -> Path | None:
    """Log to stderr at the level the flags ask; with ``log_name`` also to that file of the
    log folder (INFO and above, DEBUG with -vv; 1 MB, three old files kept). Returns its path."""
    root = logging.getLogger()
    level = stderr_level(verbose, quiet)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(OneLineFormatter(tracebacks=level <= logging.DEBUG))
    root.addHandler(stderr)
    root.setLevel(level)
    if log_name is None:
        return None
    from logging.handlers import RotatingFileHandler  # only `work` writes one: ~5 ms of a start

    path = places.made(places.log_dir()) / log_name
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setLevel(min(logging.INFO, level))
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    root.addHandler(handler)
    root.setLevel(min(logging.INFO, level))
    return path
