"""PostgreSQL: for readers whose server keeps its data there (``postgresql://`` URLs).

What differs from SQLite, and why:

- No database-wide write lock. A write transaction is READ COMMITTED; every job state change is
  a guarded UPDATE (or reads the job row FOR UPDATE first), and a chunk's first statement is a
  guarded update of its job row, which holds that row until commit, so a cancel or a takeover
  waits for the chunk or wins before it — never in between.
- No pacing: row locks let the server's writers through (a writer waits only for the rows it
  shares with a chunk).
- Liveness: every connection of an engine holds a shared session advisory lock keyed by its
  owner id; the server drops it the moment the connection dies, so any process, on any host,
  can tell at once that a worker is gone (``owners_alive``, from ``pg_locks``).
- The web server's evidence: whether any session on the database is not ours (our connections
  all name themselves ``rss-desktop…``), from pg_stat_activity (``foreign_program_present``).
- The undo record: other sessions insert rows concurrently, so a chunk's inserted rows are not
  a range of ids by position; each marking statement writes the articles it changed into the
  record in the same statement, inside the server, as one array (postgres_record.py).
- Errors by SQLSTATE: lock timeout, serialization failure and deadlock are retried; a lost
  connection is retried too (a server restart mid-job resumes from the job's cursor); disk
  full, a read-only standby and missing privileges end the job with one readable line.
- Passwords never come from a URL (it would be in the process list and in settings): libpq
  reads ``PGPASSWORD`` or ``~/.pgpass``, or the password a person typed in the app for this run
  (``set_session_password``), kept in this process's memory only.
"""

from __future__ import annotations

import re
import threading
import zlib
from urllib.parse import parse_qs, urlsplit

from peewee import ColumnMetadata, InterfaceError, OperationalError, PostgresqlDatabase
from playhouse.shortcuts import ReconnectMixin

from ...headstart.reading import SERVER_TABLES
from ..models import database_proxy
from ..peewee_driver import give_psycopg_to_peewee
from .base import Backend, Connection, DatabaseOpenError, FirstErrorWins
from .postgres_record import RECORD_TABLES_DDL, ServerSideRecorder
from .spec_ddl import POSTGRES_JOB_TABLE_DDL as JOB_TABLE_DDL

CONNECT_TIMEOUT_SECONDS = 5
APPLICATION_NAME = "rss-desktop"  # every connection of ours says so (see foreign_program_present)
LIVENESS_KEY = 0x52535344  # "RSSD": the first half of every worker's advisory lock key

SCHEMES = ("postgresql", "postgres")  # in any case: libpq itself takes both (lower case)
SECRETS = {"password", "sslpassword", "oauth_client_secret"}  # never from a URL or a setting
PASSWORD = re.compile(r"^([a-z]+://[^:/@]*):[^@]*(?=@)", re.IGNORECASE)  # user:PASSWORD@
NOTICE_CHANNEL = "rss_desktop_jobs"  # payload: "<job id> <owner>" of a chunk that committed
LISTEN_WAKE_SECONDS = 0.25  # how often the listener looks whether it should stop
SCHEMA_LOCK_KEY = 0x52535345  # an advisory lock for creating our schema, one process at a time

# What psycopg (2 and 3) and libpq say when the connection is gone or cannot be made, where no
# SQLSTATE comes with the error.
LOST_CONNECTION = ("server closed the connection", "connection already closed",
                   "the connection is closed", "the connection is lost", "consuming input failed",
                   "terminating connection", "could not connect", "connection refused",
                   "connection failed", "ssl syscall", "no connection to")
RETRYABLE = {"55P03": "lock timeout", "40001": "serialization failure", "40P01": "deadlock"}
CONNECTION_LOST_CLASSES = ("08", "57P01", "57P02", "57P03")
FAILURES = {
    "53100": "the database server's disk is full",
    "53200": "the database server is out of memory",
    "25006": "the database server is a read-only standby",
    "42501": "the database user lacks a privilege this needs",
    "3D000": "the database does not exist",
    "42P01": "a table this needs is missing",
}


# Passwords typed in the app, for this run only: {URL as describe() shows it: password}. Never
# written anywhere; libpq gets one as its ``password`` connection parameter.
_session_passwords: dict[str, str] = {}


def set_session_password(url: str, password: str | None) -> None:
    """Use ``password`` for connections to ``url`` from now on in this process (None: forget
    it, so that libpq's PGPASSWORD or ~/.pgpass apply again)."""
    if password:
        _session_passwords[describe(url)] = password
    else:
        _session_passwords.pop(describe(url), None)


def session_password(url: str) -> str | None:
    return _session_passwords.get(describe(url))


def owner_key(owner: str) -> int:
    """The second half of a worker's advisory lock key (int4)."""
    return zlib.crc32(owner.encode()) & 0x7FFFFFFF


def sqlstate(exc: BaseException | None) -> str | None:
    """The SQLSTATE of a driver error, through peewee's wrapping (psycopg2 or psycopg 3)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)
        if code:
            return code
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
    return None


def _connection_lost(exc: BaseException) -> bool:
    code = sqlstate(exc)
    if code:
        return code.startswith(CONNECTION_LOST_CLASSES)
    text = str(exc).lower()
    return isinstance(exc, InterfaceError) or any(words in text for words in LOST_CONNECTION)


class ReaderDatabase(FirstErrorWins, ReconnectMixin, PostgresqlDatabase):
    """A PostgresqlDatabase whose every new connection gets our session settings and, once an
    engine has said who it is, that worker's liveness lock (a reconnect takes it again).

    A statement outside a transaction that finds its connection gone (the server restarted)
    connects again and runs once more (peewee's ReconnectMixin; inside a transaction the error
    is raised, and the engine retries the whole transaction: see runner.py). A ROLLBACK on a
    connection that is gone never hides why it was needed (FirstErrorWins)."""

    reconnect_errors = (*((OperationalError, words) for words in LOST_CONNECTION),
                        (InterfaceError, ""))
    owner: str | None = None
    lock_timeout_ms = 5000

    def get_columns(self, table, schema=None):
        """The table's columns from the catalog: information_schema lists only columns this
        user has a privilege on, which would make a table we may not read look absent (and a
        command say "no jobs" instead of why it cannot see them)."""
        rows = self.execute_sql(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, "
            "COALESCE(i.indisprimary, FALSE), pg_get_expr(d.adbin, d.adrelid) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
            "AND d.adnum = a.attnum LEFT JOIN pg_index i ON i.indrelid = a.attrelid "
            "AND i.indisprimary AND a.attnum = ANY(i.indkey) "
            "WHERE a.attrelid = to_regclass(quote_ident(COALESCE(%s, current_schema())) || '.' "
            "|| quote_ident(%s)) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            (schema, table)).fetchall()
        return [ColumnMetadata(name, data_type, nullable, primary, table, default)
                for name, data_type, nullable, primary, default in rows]

    def _initialize_connection(self, conn):
        with conn.cursor() as cursor:
            # (SET takes no bound parameters: psycopg 3 binds on the server)
            cursor.execute(f"SET lock_timeout = {int(self.lock_timeout_ms)}")
            version = getattr(conn, "server_version", None) or conn.info.server_version
            if version >= 140000:
                # A statement of a worker that was killed stops within a second instead of
                # running (and holding its liveness lock) until it next talks to the client.
                cursor.execute("SET client_connection_check_interval = 1000")
            if self.owner:
                cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)",
                               (LIVENESS_KEY, owner_key(self.owner)))


def canonical_url(url: str) -> str:
    """The URL with the scheme libpq and peewee read as a URL: ``postgresql://``. (Both take
    only that exact, lower-case prefix; peewee passes anything else to libpq as a database
    *name*, and libpq then connects to its defaults: another server than the one named.)"""
    scheme, separator, rest = url.partition("://")
    return f"postgresql://{rest}" if separator and scheme.lower() in SCHEMES else url


def describe(url: str) -> str:
    """The URL as shown to a person, in messages and lists: never a password or options."""
    url = canonical_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a port that is not a number in range)
    except ValueError:  # (and for an unclosed IPv6 bracket)
        return PASSWORD.sub(r"\1", url.split("?")[0])
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def check_url(url: str) -> None:
    """Refuse a URL that cannot name a reader's database, saying what is wrong with it, before
    anything connects. libpq's own parser reads it, so what is shown is what is reached."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    url = canonical_url(url)
    shown = describe(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018
    except ValueError as exc:
        if "port" in str(exc).lower():
            raise DatabaseOpenError(shown, "has a port that is not a number from 1 to "
                                           "65535") from None
        raise DatabaseOpenError(shown, f"is not a valid URL ({exc})") from None
    try:
        understood = conninfo_to_dict(url)
    except ProgrammingError as exc:
        reason = str(exc).strip().splitlines()[0].replace(url, shown)
        raise DatabaseOpenError(shown, f"is not a URL libpq can read ({reason})") from None
    if parts.password is not None or SECRETS & understood.keys():
        raise DatabaseOpenError(shown, "has a password in it, where every other program on this "
                                       "machine can read it; put it in PGPASSWORD or ~/.pgpass "
                                       "instead")
    in_query = parse_qs(parts.query).keys()
    named_twice = [key for key, given in (("host", parts.hostname), ("hostaddr", parts.hostname),
                                          ("port", parts.port), ("user", parts.username),
                                          ("dbname", parts.path.strip("/")))
                   if given and key in in_query]
    if named_twice:
        raise DatabaseOpenError(shown, f"names its {named_twice[0]} twice (in the URL and as "
                                       f"?{named_twice[0]}=); give it once")
    if not understood.get("dbname"):
        raise DatabaseOpenError(shown, "names no database (postgresql://user@host/NAME)")


def _open_failure(url: str, exc: BaseException) -> DatabaseOpenError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lower = text.lower()
    if "password authentication failed" in lower or "no password supplied" in lower:
        return DatabaseOpenError(url, "the server refused the login (password authentication "
                                      "failed); put the password in PGPASSWORD or ~/.pgpass",
                                 login_refused=True)
    if "does not exist" in lower and "database" in lower:
        reason = f"the server has no such database ({text})"
    elif any(words in lower for words in ("could not connect", "connection refused", "timeout",
                                          "could not translate host", "no route",
                                          "failed to resolve host")):
        reason = f"cannot reach the database server ({text})"
    else:
        reason = f"cannot connect ({text})"
    return DatabaseOpenError(url, reason)


class PostgresBackend(Backend):
    name = "postgresql"
    temp_schema = "pg_temp"  # never a real table of the server
    placeholder = "%s"
    row_number_key = "SERIAL"  # its sequence's nextval() runs after the SELECT's ORDER BY
    case_insensitive_like = "ILIKE"

    def connect(self, target, *, create: bool, allow_read_only: bool, busy_timeout_ms: int):
        url = canonical_url(str(target))
        shown = describe(url)
        check_url(url)
        typed = {"password": password} if (password := session_password(url)) else {}
        give_psycopg_to_peewee()
        db = ReaderDatabase(url, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                            application_name=APPLICATION_NAME, prefer_psycopg3=True, **typed)
        db.lock_timeout_ms = busy_timeout_ms
        try:
            db.connect(reuse_if_open=True)
            tables = set(db.get_tables())
        except Exception as exc:  # the driver's own errors, whatever they are
            db.close()
            raise _open_failure(shown, exc) from None
        missing = [name for name in SERVER_TABLES if name not in tables]
        if missing and not (create and not tables):
            db.close()
            raise DatabaseOpenError(shown, f"is not an RSS reader's database (it has no "
                                           f"{', '.join(missing)} table); it was left untouched",
                                    missing=not tables)
        read_only_reason = self._read_only_reason(db, shown) if not missing else None
        if read_only_reason and not allow_read_only:
            db.close()
            raise DatabaseOpenError(shown, read_only_reason)
        database_proxy.initialize(db)
        if missing:  # an empty database the caller asked to create as a reader's
            from ..schema import ensure_schema

            ensure_schema(self, db)
        return Connection(db, self, read_only_reason=read_only_reason)

    @staticmethod
    def _read_only_reason(db, shown: str) -> str | None:
        standby, can_write = db.execute_sql(
            "SELECT pg_is_in_recovery(), has_table_privilege('read_status', 'INSERT, UPDATE')"
        ).fetchone()
        if standby:
            return f"{shown} is a read-only standby server: counts are shown, jobs cannot run"
        if not can_write:
            return (f"{shown}: this database user may not write read_status: counts are shown, "
                    "jobs cannot run")
        return None

    def write_transaction(self, db):
        return db.atomic()

    def read_snapshot(self, db):
        # READ COMMITTED gives each statement a snapshot of its own; REPEATABLE READ keeps the
        # first statement's for the whole transaction (and a reader never waits or conflicts).
        return db.atomic(isolation_level="REPEATABLE READ")

    def for_update(self, query):
        return query.for_update()

    def changes_seen(self, db) -> int:
        # The next transaction id moves whenever any session commits a write (reading assigns
        # none), so polling it notices other programs' changes without a trigger of ours.
        return int(db.execute_sql(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()[0])

    def is_retryable(self, exc: BaseException) -> bool:
        return sqlstate(exc) in RETRYABLE or _connection_lost(exc)

    def failure_message(self, exc: BaseException, target=None) -> str | None:
        code = sqlstate(exc)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if code in FAILURES:
            return f"{FAILURES[code]} ({first_line}); the work done so far is kept"
        if _connection_lost(exc):
            server = f"the database server of {target}" if target else "the database server"
            return (f"the connection to {server} was lost ({first_line}); the work "
                    "done so far is kept: retry the job once the server is back")
        return None

    def after_error(self, exc: BaseException) -> None:
        if _connection_lost(exc):
            db = database_proxy.obj
            try:
                db.close()
            except Exception:  # a dead connection may fail to close: forget it
                db._state.reset()

    def is_target_failure(self, exc: BaseException) -> bool:
        return sqlstate(exc) in ("3D000", "42P01")

    def job_table_ddl(self) -> str:
        return JOB_TABLE_DDL

    def record_models(self) -> tuple:
        from ..models import BulkJobArticleSet

        return (*super().record_models(), BulkJobArticleSet)

    def create_record_tables(self, db, models) -> None:
        for model in models:
            for statement in RECORD_TABLES_DDL[model._meta.table_name]:
                db.execute_sql(statement)

    def after_explicit_ids(self, db, table: str) -> None:
        # (setval and pg_get_serial_sequence are strict: no rows or no sequence, no change)
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), max(id)) FROM {table}",
                       (table,))

    def schema_transaction(self, db):
        transaction = db.atomic()

        class Locked:
            def __enter__(self):
                transaction.__enter__()
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))

            def __exit__(self, *exc):
                return transaction.__exit__(*exc)

        return Locked()

    def chunk_recorder(self, db):
        return ServerSideRecorder(db)

    def other_programs(self, target):
        return None  # never asked: PostgreSQL needs no pacing

    def announce_chunk(self, db, job_id: int, owner: str) -> None:
        db.execute_sql("SELECT pg_notify(%s, %s)", (NOTICE_CHANNEL, f"{job_id} {owner}"))

    def listen(self, target, on_notice):
        """A thread with its own connection LISTENing on the jobs' channel."""
        import psycopg

        url = canonical_url(str(target))
        typed = {"password": password} if (password := session_password(url)) else {}
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                               application_name=f"{APPLICATION_NAME} listener", **typed)
        conn.execute(f"LISTEN {NOTICE_CHANNEL}")
        stopping = threading.Event()

        def run():
            try:
                while not stopping.is_set():
                    for notice in conn.notifies(timeout=LISTEN_WAKE_SECONDS):
                        job_id, _, owner = notice.payload.partition(" ")
                        if job_id.isdigit():
                            on_notice(int(job_id), owner)
            except psycopg.Error:  # the server went away: the faces' polling carries on
                pass
            finally:
                conn.close()

        thread = threading.Thread(target=run, name="rss-desktop-listen", daemon=True)
        thread.start()

        def stop():
            stopping.set()
            thread.join(timeout=LISTEN_WAKE_SECONDS * 4)

        return stop

    def hold_liveness(self, db, owner: str) -> None:
        db.owner = owner  # every connection from now on (reconnects too) takes the lock
        db.execute_sql("SELECT pg_advisory_lock_shared(%s, %s)",
                       (LIVENESS_KEY, owner_key(owner)))

    def foreign_program_present(self, target) -> bool:
        """Any session on this database that is not one of ours (our connections all name
        themselves "rss-desktop…"). Every role sees every session's database, pid and
        application name in pg_stat_activity; backend_type only for its own sessions, so
        another role's session counts whatever it is (autovacuum too: "maybe" is safe)."""
        return database_proxy.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND COALESCE(application_name, '') NOT LIKE %s "
            "AND COALESCE(backend_type, 'client backend') = 'client backend')",
            (f"{APPLICATION_NAME}%",)).fetchone()[0]

    def owners_alive(self, owners) -> dict[str, bool] | None:
        held = {objid for (objid,) in database_proxy.execute_sql(
            "SELECT objid::int FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())",
            (LIVENESS_KEY,))}
        return {owner: owner_key(owner) in held for owner in owners}


POSTGRES = PostgresBackend()
