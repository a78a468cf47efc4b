"""What keeps the engine from writing to a database it must not: damaged storage, and a path
that no longer names the file the engine opened.

One part of BulkOperationManager (manager.py), which hands it the database thread, the options
and the path: it holds what the database was found to be on open (its backend, the file's
identity, why it is read-only, its damage). ``writable()`` is the gate every write passes
(requests, ``WritePreparation.prepare``, recovery before it starts a job); the chunk and every
recovery round ask ``path_changed()``. WritePreparation creates what this app adds to the
schema before the first write.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from ..headstart import checked_files
from ..headstart.outside import file_stamp
from ..store import connection, schema
from ..store.jobs_table import JobRequestError
from ..store.models import database_proxy
from .runner import DatabaseDamaged, DatabasePathChanged

log = logging.getLogger(__name__)


class WriteGuard:
    def __init__(self, database_path, options, db):
        self.database_path, self.options, self.db = database_path, options, db
        self.backend = None  # the database's backend, once opened
        self.read_only_reason: str | None = None
        self.damage: str | None = None  # the database is damaged: the one message saying so
        # What the path named when it was opened (a file's device and inode): a path that
        # names another file, or none, stops the engine's writing (path_changed).
        self.file_identity: tuple[int, int] | None = None
        self._damage_check: asyncio.Future | None = None
        self._checked_whole = False  # the check that passed read every page
        self.check_remembered = False  # the file was unchanged since a check that passed
        self.checked_ahead = False  # the verdict was the check run from the command's start

    def opened(self, backend, read_only_reason: str | None, damage: str | None, *,
               file_identity: tuple[int, int] | None = None) -> None:
        """What opening the database found (``damage``: a WAL was left, say);
        ``file_identity``: what the path named just before it was opened (None: nothing yet,
        the file this open created is taken)."""
        self.backend = backend
        self.file_identity = file_identity or backend.file_identity(self.database_path)
        self.read_only_reason, self.damage = read_only_reason, damage

    def check_writable(self) -> None:
        if self.damage:
            raise DatabaseDamaged(self.damage)
        if self.read_only_reason:
            raise JobRequestError(self.read_only_reason)

    def writable_soon(self) -> None:
        """The gate's first half, for a request that reads before it writes (create_job's
        checks and count): raise what is known already, and start the check, which then runs
        on the database thread while the request reads on its own; its first write awaits
        ``writable()``, so waits for the verdict (issue 26: the check's cost hides there)."""
        self._refuse_known()
        self._start_check()

    async def writable(self) -> None:
        """The gate before every write: raise JobRequestError if this engine may not write
        (read-only, DatabaseDamaged, its path names another file), checking the database the
        first time."""
        self._refuse_known()
        await self.check_for_damage()
        self.check_writable()

    def _refuse_known(self) -> None:
        self.check_writable()
        changed = self.path_changed()
        if changed:  # written now, it would go into a file no longer at the path
            raise JobRequestError(f"{DatabasePathChanged(self.database_path, changed)}: open "
                                  "the database again")

    def _start_check(self, whole: bool = False) -> None:
        if self._damage_check is None and not self.damage and self.backend is not None:
            check = asyncio.ensure_future(self.db.call(self._check_unless_known, whole))
            # (retrieved, so that a request refused before it awaits leaves no warning)
            check.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._damage_check = check

    async def check_for_damage(self, *, whole: bool = False) -> str | None:
        """Check the database once per engine, before its first write (the window asks at
        once, ``whole``, to say so): None if it is sound, else the one message that every
        write is then refused with (``damage``; reading goes on). Any read or write that
        reports damaged storage marks it too (on the thread that saw it: ``notice_error``).
        What is checked: the backend's ``check_integrity`` (for SQLite, sqlite_check.py)."""
        if self.damage or self.backend is None:
            return self.damage
        self._start_check(whole)
        try:
            found = await asyncio.shield(self._damage_check)
        except Exception:
            self._damage_check = None  # (a lock, say) asked again by the next write
            raise
        if found and not self.damage:
            self.mark_damaged(found)
        return self.damage

    def _check_unless_known(self, whole: bool) -> str | None:
        """On the database thread: the backend's check, unless the file is unchanged since a
        check that passed (``checks_record``), or the check the command ran from its start
        (``check_ahead``) saw the file as it still is; a check that passes is remembered. A
        file found damaged before (by any engine) is checked ``whole``."""
        record, path = self.options.checks_record, self.database_path
        stamp = file_stamp(path) if self.file_identity else None
        if checked_files.was_checked(record, path, stamp, whole=whole):
            self.check_remembered = True
            self._checked_whole = whole
            return None
        whole = whole or checked_files.doubted(record, path, self.file_identity)
        ahead = self.options.check_ahead
        sound = ahead.sound_as_is(path, self.file_identity) if ahead is not None else None
        if sound is not None and (sound.whole or not whole):
            self.checked_ahead = True
            found, whole = None, sound.whole
            log.debug("%s: found sound by the check from the command's start", path)
        else:
            found = self.backend.check_integrity(database_proxy, whole=whole)
        if found:
            checked_files.remember_damaged(record, path, self.file_identity)
        elif stamp is not None:
            checked_files.remember(record, path, stamp, whole=whole)
        self._checked_whole = whole
        return found

    def _remember_sound_after_closing(self) -> None:
        """A file checked sound when this engine began, written since only through SQLite
        (this engine, the server) and still at its path, is remembered as it is now, so that
        the next command does not check it again."""
        check = self._damage_check
        if (self.options.checks_record is None or check is None or not check.done()
                or check.cancelled() or check.exception() or check.result() or self.damage
                or self.file_identity is None or self.path_changed()):
            return
        checked_files.remember(self.options.checks_record, self.database_path,
                               file_stamp(self.database_path),
                               whole=self._checked_whole)

    def mark_damaged(self, found: str) -> str:
        self.damage = self.backend.damage_message(connection.shown_name(self.database_path),
                                                  found)
        self.read_only_reason = self.damage  # the faces show it, and offer no job
        log.info("%s", self.damage)
        return self.damage

    def notice_error(self, exc: Exception) -> None:
        """On a database thread, an error of any call: damaged storage is checked there and
        then, whole (one check per engine), so that nothing is written after it; the file is
        remembered as doubted, so that the next engine checks it whole too."""
        if self.damage or self.backend is None or not self.backend.is_corruption(exc):
            return
        if self.path_changed():
            # The path names another file now. A connection (re)opened since reads that file
            # with the WAL this engine's file left at the path (SQLite names it after the
            # path): the "damage" is in neither file. The path check stops this engine, and
            # the next one opens the new file once this one has handed its WAL over.
            log.info("a read failed after %s was replaced: %s", self.database_path, exc)
            return
        try:
            found = self.backend.check_integrity(database_proxy, whole=True)
        except Exception as check_failed:  # the check itself cannot read the file
            found = str(check_failed)
        self.mark_damaged(found or f"it reported: {exc}")
        checked_files.remember_damaged(self.options.checks_record, self.database_path,
                                       self.file_identity)

    def path_changed(self) -> str | None:
        """"removed" or "replaced" when the engine's path no longer names the file it opened
        (``os.stat``, which opens nothing); None while it does, and always for a server."""
        if self.file_identity is None:
            return None
        now = self.backend.file_identity(self.database_path)
        if now == self.file_identity:
            return None
        return "removed" if now is None else "replaced"

    async def hand_over_the_wal(self) -> None:
        """Before closing, when the path names another file or none: SQLite names the WAL
        after the path, and leaves it there when the file it belongs to was moved or removed,
        so the next file at the path would be read with this one's frames. A TRUNCATE
        checkpoint writes them into the file this engine has open (where they belong: a file
        moved away is then whole) and leaves the path's -wal empty."""
        if self.read_only_reason or self.backend is None or not self.path_changed():
            return  # (a damaged file, too, is read-only)
        try:
            await self.db.call(self.backend.empty_wal, database_proxy)
        except Exception as exc:  # (another program reading it): it stays as SQLite left it
            log.warning("could not empty the WAL of %s: %s", self.database_path, exc)

    async def keep_closing_from_writing(self):
        """Before the connections of a damaged database close: the last one to close would
        checkpoint the WAL into it; returns what ends that hold (or None)."""
        if not self.damage or self.backend is None:
            return None
        return await asyncio.get_running_loop().run_in_executor(
            None, self.backend.keep_unwritten, self.database_path)

    async def after_closing(self, release) -> None:
        loop = asyncio.get_running_loop()
        if release is not None:
            # A connection closed while a statement of it is alive (held by the traceback of
            # the error that met the damage) closes when that statement goes: now, while the
            # hold still keeps it from checkpointing, not at the process's exit.
            gc.collect()
            await loop.run_in_executor(None, release)
        # (after the last close, which may have checkpointed the WAL)
        await loop.run_in_executor(None, self._remember_sound_after_closing)


class WritePreparation:
    """Creates what this app adds to the schema, if anything is missing, once per engine and
    after the guard's gate: ``ready`` once done, ``upsert`` whether the read-state table has
    the unique index the marking statement's upsert needs."""

    def __init__(self, db, guard: WriteGuard, locks):
        self.db, self.guard, self.locks = db, guard, locks
        self.ready = False
        self.upsert = True
        self._preparing = asyncio.Lock()

    async def prepare(self) -> None:
        """The first job on a server's database creates the job table's additions and the
        indexes the hot path needs; on a large database that takes a moment, on the database
        thread. Before anything is written, the database is checked (check_for_damage)."""
        await self.guard.writable()
        async with self._preparing:
            if self.ready:
                return
            await self.locks.call(schema.ensure_schema, self.guard.backend, database_proxy)
            self.upsert = await self.db.call(schema.has_unique_read_status_index,
                                             database_proxy)
            self.ready = True
