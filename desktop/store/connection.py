"""Opening the shared database, whatever its kind: a path is an SQLite file, a
``postgresql://`` URL a server (backends/). Opening writes nothing; the schema this app adds is
created by ``schema.ensure_schema`` only when a job is about to be written."""

from __future__ import annotations

import errno
import os
import re

from .backends import backend_for, is_server_url
from .backends.base import Connection, DatabaseOpenError

BUSY_TIMEOUT_MS = 5000

__all__ = ["BUSY_TIMEOUT_MS", "Connection", "DatabaseOpenError", "check_target", "connect",
           "data_version", "is_server_url", "is_target_failure", "open_database",
           "read_snapshot", "shown_name", "use_password_for_session"]


def connect(target, *, create: bool = False, allow_read_only: bool = False,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS):
    """The peewee Database of ``open_database`` alone (scripts, tests, the demo)."""
    return open_database(target, create=create, allow_read_only=allow_read_only,
                         busy_timeout_ms=busy_timeout_ms).db


def open_database(target, *, create: bool = False, allow_read_only: bool = False,
                  busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Connection:
    """Open an RSS reader's database for this thread's use and point the models at it; the
    Connection says what opening it found (read-only, damaged, its journal).

    Raises DatabaseOpenError naming the target and the reason for anything that is not one:
    missing, empty or without tables (``missing`` set: it may be created), some other program's
    database (it lacks the server's tables), damaged, unreachable. With ``create`` a missing,
    empty or table-less target becomes a new database instead. A target this user cannot write
    raises, or with ``allow_read_only`` opens read-only with the Connection's
    ``read_only_reason`` set.
    """
    check_target(target)
    try:
        return backend_for(target).connect(target, create=create,
                                           allow_read_only=allow_read_only,
                                           busy_timeout_ms=busy_timeout_ms)
    except OSError as exc:  # the file system's refusal of the path itself (not a directory...)
        raise DatabaseOpenError(_shortened(str(target)), f"cannot be used ({exc.strerror or exc})"
                                ) from None


# A URL's scheme: a target that has one and is no server URL would become a file of that name.
URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# libpq's "key=value ..." connection strings start with one of its keywords and "=".
KEY_VALUE = re.compile(r"^\s*([A-Za-z_]+)\s*=")
SECRET_VALUE = re.compile(r"\b(password|sslpassword|oauth_client_secret)\s*=\s*"
                          r"('(?:[^'\\]|\\.)*'|\S+)")
LONGEST_SHOWN_PATH = 120


def check_target(target) -> None:
    """Refuse, before anything is opened, a target that cannot name a database, with one line
    saying why: nothing at all, a NUL byte, a path the file system refuses (too long, a file
    where a folder should be...), a URL of another kind (``mysql://``, ``postgresql:/db``),
    libpq's key=value string (understood, but refused: every face names a server by its URL,
    so that one server is always shown, remembered and given its password the same way), a
    server URL that is malformed or holds a password."""
    text = str(target)
    if not text.strip():
        raise DatabaseOpenError("''", "names no database: give a file's path or a "
                                      "postgresql:// URL")
    if "\0" in text:
        raise DatabaseOpenError(_shortened(text.replace("\0", "\\0")), "has a NUL byte in it")
    if is_server_url(text):
        from .backends.postgres import check_url

        check_url(text)
        return
    scheme = URL_SCHEME.match(text)
    if scheme and (text[scheme.end():].startswith("//")
                   or scheme.group(1).lower() in ("postgres", "postgresql")):
        without_login = re.sub(r"^([^/]*//)[^/@]*@", r"\1", text)  # (it may hold a password)
        raise DatabaseOpenError(_shortened(without_login), (
            f"is not a path or a URL this app reads ({scheme.group(1)}:); give a file's path "
            "or a postgresql://user@host:port/name URL"))
    key_value = _libpq_key_value(text)
    if key_value is not None:
        raise DatabaseOpenError(_shortened(SECRET_VALUE.sub(r"\1=…", text)), key_value)
    try:
        os.stat(os.path.expanduser(text))
    except FileNotFoundError:
        pass  # a new file (demo, "create a new database"), or one the backend says is missing
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP, errno.EACCES):
            raise DatabaseOpenError(_shortened(text), f"cannot be used ({exc.strerror})"
                                    ) from None


def _libpq_key_value(text: str) -> str | None:
    """The reason to refuse ``text`` if it is libpq's key=value connection string (with the URL
    to give instead, never a password), else None."""
    match = KEY_VALUE.match(text)
    if not match:
        return None
    from psycopg import ProgrammingError, pq
    from psycopg.conninfo import conninfo_to_dict

    if match.group(1) not in {option.keyword.decode() for option in pq.Conninfo.get_defaults()}:
        return None
    try:
        keys = conninfo_to_dict(text)
    except ProgrammingError:
        return ("is a libpq key=value connection string that libpq cannot read either; give "
                "the database as a URL: postgresql://USER@HOST:PORT/NAME")
    from urllib.parse import quote

    from .backends.postgres import SECRETS

    user = f"{quote(keys['user'], safe='')}@" if keys.get("user") else ""
    host = keys.get("host", "")
    host = quote(host, safe="") if host.startswith("/") else (
        f"[{host}]" if ":" in host else host)  # a socket's folder; an IPv6 address
    port = f":{keys['port']}" if keys.get("port") else ""
    url = f"postgresql://{user}{host}{port}/{quote(keys.get('dbname', 'NAME'), safe='')}"
    password = (" and the password in PGPASSWORD or ~/.pgpass" if SECRETS & keys.keys()
                else "")
    return (f"is a libpq key=value connection string; give the database as a URL instead: "
            f"{url}{password}")


def _shortened(path: str) -> str:
    """A path short enough for one line of a message."""
    if len(path) <= LONGEST_SHOWN_PATH:
        return path
    return f"{path[:60]}…{path[-40:]} ({len(path):,} characters)"


def data_version(backend) -> int:
    """Moves when another connection commits; cheap enough to poll (``backend``: the
    database's)."""
    from .models import database_proxy

    return backend.changes_seen(database_proxy.obj)


def is_target_failure(exc: BaseException) -> bool:
    """Whether an error means the database itself is broken or gone (as opposed to a lock, a
    full disk or a bad request): the face should stop using it, not retry."""
    from .backends.postgres import POSTGRES
    from .backends.sqlite import SQLITE

    return SQLITE.is_target_failure(exc) or POSTGRES.is_target_failure(exc)


def read_snapshot(backend):
    """A read transaction of this thread's database (of ``backend``) whose statements all see
    one snapshot."""
    from .models import database_proxy

    return backend.read_snapshot(database_proxy.obj)


def shown_name(target) -> str:
    """A target as a person sees it (titles, messages, lists): a file's path, or a server's URL
    without a password or connection options."""
    if is_server_url(target):
        from .backends.postgres import describe

        return describe(str(target))
    return str(target)


def use_password_for_session(url: str, password: str | None) -> None:
    """Connect to the server ``url`` with ``password`` from now on, in this process only (None:
    forget it; libpq's PGPASSWORD and ~/.pgpass apply). It is never written anywhere."""
    from .backends.postgres import set_session_password

    set_session_password(url, password)
