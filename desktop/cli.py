"""The ``rss-desktop`` command line: a thin face on the same job engine as the GUI.

Exit codes: 0 done, 1 the job failed or did not finish here (taken over, or its file was
removed or replaced meanwhile), 2 bad input (one line on stderr, never a traceback; a damaged
database too: nothing is written to it), 130 interrupted with Ctrl-C (the job is cancelled;
the work done is kept), 141 the reader of the output went away (``| head``): quietly, as a
program killed by SIGPIPE would end.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import math
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .logs import configure_command_logging
from .start_imports import import_asyncio_without_ssl

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_READER_GONE = 128 + signal.SIGPIPE  # what a shell reports for a program SIGPIPE ended
# Finished jobs are kept at least an hour (cleanup runs at most hourly, and a job's undo needs
# its record) and at most a century (beyond that a date is out of range anyway).
KEEP_HOURS_RANGE = (1.0, 100 * 365 * 24.0)
WAIT_FOR_FILE_SECONDS = 0.5  # work, while no file is at its path
log = logging.getLogger("desktop.cli")


engine_loaded = False


def load_engine() -> None:
    """Import the engine's names the first time the command line needs them: while or after its
    arguments are parsed, so that ``--version`` imports none of it (asyncio, peewee, the
    engine and the store: ~100 ms of a start)."""
    global DatabaseError, InterfaceError, MARK_ALL, MARK_CATEGORY, MARK_FEED, STATUSES
    global BulkOperationManager, DatabaseBusyError, DatabaseOpenError, DatabasePathChanged
    global DemoDatabaseExists, FailureNotRecorded, JobEvent, JobNotFound, JobRequestError
    global JobStopped, OverlapError, check_target, create_demo_file, cutoff_for_age
    global default_checks_record, describe_job, failure_line, is_undo, shown_name
    global asyncio, engine_loaded
    if engine_loaded:
        return
    import asyncio

    from .jobs.api import (
        MARK_ALL,
        MARK_CATEGORY,
        MARK_FEED,
        STATUSES,
        BulkOperationManager,
        DatabaseBusyError,
        DatabaseError,
        DatabaseOpenError,
        DatabasePathChanged,
        DemoDatabaseExists,
        FailureNotRecorded,
        InterfaceError,
        JobEvent,
        JobNotFound,
        JobRequestError,
        JobStopped,
        OverlapError,
        check_target,
        create_demo_file,
        cutoff_for_age,
        default_checks_record,
        describe_job,
        failure_line,
        is_undo,
        shown_name,
    )
    engine_loaded = True


class StatusChoices(Sequence):
    """The job statuses ``jobs --status`` accepts, taken from the engine when argparse first
    looks at them (building the parser imports nothing)."""

    def __getitem__(self, index):
        load_engine()
        return STATUSES[index]

    def __len__(self) -> int:
        load_engine()
        return len(STATUSES)


class BadInput(Exception):
    pass


class OneLineErrorParser(argparse.ArgumentParser):
    """Bad arguments get one line on stderr (and exit 2), not the usage block first."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer id")
    return int(text)


def title_words(text: str) -> str:
    """--search: the words every title must contain (as the window's article search)."""
    if not text.split() or len(text) > 500:
        raise argparse.ArgumentTypeError(f"{text!r} is no search: give 1 to 500 characters "
                                         "with at least one word")
    return text


def cutoff_from_age(text: str) -> str:
    load_engine()
    try:
        return cutoff_for_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def hours_to_keep(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    low, high = KEEP_HOURS_RANGE
    if not (math.isfinite(hours) and low <= hours <= high):
        raise argparse.ArgumentTypeError(
            f"{text!r}: finished jobs are kept from {low:g} to {high:,.0f} hours (a century)")
    return hours


def database_target(text: str) -> str:
    """A file's path or a server's URL that can name a database (checked before anything is
    opened: see store.connection.check_target)."""
    if "://" not in text:  # a file: no server, so no TLS (start_imports.py)
        import_asyncio_without_ssl()
    load_engine()
    try:
        check_target(text)
    except DatabaseOpenError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def running_options(sub) -> None:
    """Options of the commands that run a job here to its end."""
    sub.add_argument("--max-batch", type=positive_int, default=200_000, metavar="N",
                     help="at most N articles per transaction (default: sized by time)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="rss-desktop",
        description="Mark whole categories, feeds or everything read on an RSS reader's shared "
                    "SQLite or PostgreSQL database, as persisted bulk jobs. Without a command, "
                    "opens the GUI.")
    parser.add_argument("--version", action="version", version=f"rss-desktop {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def with_database(sub, user=True):
        sub.add_argument("--database", required=True, metavar="PATH|URL", type=database_target,
                         help="the reader's SQLite database file, or its PostgreSQL database as "
                              "postgresql://user@host:port/name (the password from PGPASSWORD "
                              "or ~/.pgpass)")
        if user:
            sub.add_argument("--user", required=True, type=positive_int, metavar="ID")
        sub.add_argument("-v", "--verbose", action="count", default=0,
                         help="say more on stderr (-vv: debugging detail)")
        sub.add_argument("-q", "--quiet", action="store_true",
                         help="no progress bar; log only errors (the result still shows)")
        return sub

    mark = with_database(commands.add_parser(
        "mark-read", help="mark a category, a feed or everything read, with a progress bar"))
    target = mark.add_mutually_exclusive_group(required=True)
    target.add_argument("--category", type=positive_int, metavar="ID")
    target.add_argument("--feed", type=positive_int, metavar="ID")
    target.add_argument("--all", action="store_true", help="every article")
    mark.add_argument("--older-than", type=cutoff_from_age, metavar="AGE",
                      help="only articles ingested longer ago than AGE (30m, 12h, 7d, 2w)")
    mark.add_argument("--by", choices=("received", "published"),
                      help="what --older-than compares: the arrival time (default) or the "
                           "publication date (arrival where an article has none)")
    mark.add_argument("--up-to-article", type=positive_int, metavar="ID",
                      help="only article ID and those ingested before it (smaller ids): "
                           "'this one and everything older'")
    mark.add_argument("--from-article", type=positive_int, metavar="ID",
                      help="only article ID and those ingested after it: 'this one and "
                           "everything newer'")
    mark.add_argument("--search", type=title_words, metavar="TEXT",
                      help="only articles whose title contains every word of TEXT "
                           "(case-insensitive), as the window's search")
    mark.add_argument("--force", action="store_true",
                      help="run even while the web server marks some of these articles read")
    running_options(mark)

    jobs = with_database(commands.add_parser("jobs", help="list the user's jobs, newest first"))
    jobs.add_argument("--status", choices=StatusChoices(), metavar="STATUS",
                      help="one of: %(choices)s")
    jobs.add_argument("--type", dest="job_type", metavar="JOB_TYPE")
    jobs.add_argument("--limit", type=positive_int, default=20, help="1 to 100 (default 20)")
    jobs.add_argument("--json", action="store_true", help="machine-readable output")

    feeds = with_database(commands.add_parser(
        "feeds", help="list the categories and feeds with their ids and the user's unread "
                      "counts"))
    feeds.add_argument("--json", action="store_true", help="machine-readable output")

    cancel = with_database(commands.add_parser("cancel", help="cancel a pending or running job"))
    cancel.add_argument("job_id", type=positive_int, metavar="JOB_ID")

    retry = with_database(commands.add_parser(
        "retry", help="run a failed or cancelled job again from where it stopped"))
    retry.add_argument("job_id", type=positive_int, metavar="JOB_ID")
    running_options(retry)

    undo = with_database(commands.add_parser(
        "undo", help="make unread again exactly the articles a finished job marked read"))
    undo.add_argument("job_id", type=positive_int, metavar="JOB_ID")
    running_options(undo)

    work = with_database(commands.add_parser(
        "work", help="run pending jobs (e.g. written by the web server), resume interrupted "
                     "ones and run the rules that are due"), user=False)
    work.add_argument("--once", action="store_true", help="exit when no job is left")
    work.add_argument("--keep-hours", type=hours_to_keep, default=24.0, metavar="HOURS",
                      help="delete finished jobs older than this, 1 or more (default 24)")
    work.add_argument("--install-service", action="store_true",
                      help="write a systemd user unit that runs work on this database from "
                           "login on, and exit (then: systemctl --user enable --now UNIT)")

    from .cli_rules import add_rules_commands  # (imports no engine either)
    add_rules_commands(commands, with_database)

    demo = with_database(commands.add_parser("demo", help="create a sample database"),
                         user=False)
    demo.add_argument("--articles", type=positive_int, default=50_000)
    demo.add_argument("--seed", type=int, default=7)

    gui = commands.add_parser("gui", help="open the desktop app (the default command)")
    gui.add_argument("--database", metavar="PATH|URL", type=database_target,
                     help="database to open: a file, or postgresql://user@host:port/name "
                          "(default: the file in the app-data folder)")
    gui.add_argument("--smoke-test", action="store_true",
                     help="open a temporary demo database, run one job, exit 0 if all worked")
    gui.add_argument("--screenshot", metavar="FILE.png",
                     help="render the main window with its data into FILE.png and exit")
    gui.add_argument("--demo-if-new", action="store_true",
                     help="fill a database that does not exist yet with sample data")
    return parser


def engine(path, **options) -> BulkOperationManager:
    """An engine for one command, not open yet: ``async with engine(...) as manager`` opens it
    and closes it however the command ends."""
    return BulkOperationManager(path, checks_record=default_checks_record(), **options)


class ProgressBar:
    """A rich progress bar on stderr: label, bar, done/total, time left. With ``start_now``
    False it appears at the first update (no empty bar before an early error)."""

    def __init__(self, label: str, enabled: bool, *, start_now: bool = True):
        self._progress = None
        self._started = False
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )
            self._progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                                      TimeRemainingColumn(), console=Console(stderr=True),
                                      transient=False)
            self._task = self._progress.add_task("", total=None)
            if start_now:
                self._start()

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._progress.start()

    def update(self, done: int, total: int | None) -> None:
        if self._progress is not None:
            self._start()
            self._progress.update(self._task, completed=done, total=total or None)

    def stop(self) -> None:
        if self._progress is not None and self._started:
            self._progress.stop()


class TerminalProgress(ProgressBar):
    """The progress bar of one job, following its events."""

    def __init__(self, job_id: int, enabled: bool):
        super().__init__(f"job {job_id}", enabled)
        self.job_id = job_id

    def on_event(self, event: JobEvent) -> None:
        if event.job.id == self.job_id:
            self.update(event.job.progress, event.job.total)


async def cmd_mark_read(args) -> int:
    if args.category:
        job_type, params = MARK_CATEGORY.request(args.category)
    elif args.feed:
        job_type, params = MARK_FEED.request(args.feed)
    else:
        job_type, params = MARK_ALL.request()
    if args.by and not args.older_than:
        raise BadInput(f"--by {args.by} says what --older-than compares: give --older-than AGE")
    if args.older_than:
        params["older_than"] = args.older_than
        if args.by == "published":
            params["by"] = "published"
    if args.up_to_article:
        params["up_to_article"] = args.up_to_article
    if args.from_article:
        params["from_article"] = args.from_article
    if args.search:
        params["search"] = args.search

    async def create(manager):
        return await manager.create_job(job_type, args.user, params, run=False,
                                        force=args.force)

    return await _run_here(args, create)


async def _run_here(args, make_job) -> int:
    """Open the database, make a pending job with ``await make_job(manager)`` (its id), and run
    it to its end in this process."""
    async with engine(args.database, max_chunk=args.max_batch,
                      check_ahead=args.check_ahead) as manager:
        note_journal_mode(manager)
        job_id = await make_job(manager)
        return await _run_to_end(manager, args.user, job_id, quiet=args.quiet)


def note_journal_mode(manager: BulkOperationManager) -> None:
    """Say once what a file in rollback-journal mode costs: we keep the mode the server chose."""
    if manager.journal_note and not manager.read_only_reason:
        print(f"rss-desktop: note: {manager.journal_note}", file=sys.stderr)


async def _run_to_end(manager: BulkOperationManager, user_id: int, job_id: int, *,
                      quiet: bool) -> int:
    """Run a pending job here with a progress bar; Ctrl-C cancels it. Returns the exit code."""
    interrupted = False
    cancelling = []  # keeps the cancel task referenced until it is done

    def on_sigint():
        nonlocal interrupted
        if not interrupted:
            interrupted = True
            cancelling.append(asyncio.ensure_future(manager.cancel_job(
                user_id, job_id, cancelled_by="Ctrl-C in the terminal")))

    # Before the id is printed: a script may send SIGINT as soon as it reads it.
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, on_sigint)
    bar = None
    try:
        try:
            print(job_id, flush=True)
        except BrokenPipeError:  # nobody reads the id: the job is the command's work all the same
            silence(sys.stdout)
        bar = TerminalProgress(job_id, enabled=not quiet)
        manager.subscribe(bar.on_event)
        manager.start_job(job_id)
        job = await manager.wait_for_job(job_id)
    except FailureNotRecorded as failure:
        print(not_recorded_line(failure), file=sys.stderr)
        return EXIT_FAILED
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if bar is not None:
            bar.stop()
        # a Ctrl-C after the job ended: its cancel is refused ("already completed"), fine
        await asyncio.gather(*cancelling, return_exceptions=True)
    if job.status == "completed":
        done = "made unread again" if is_undo(job.job_type) else "newly marked read"
        print(f"job {job_id}: {job.progress:,} articles processed, {job.marked_count or 0:,} "
              f"{done}", file=sys.stderr)
        return EXIT_OK
    if job is None:
        print(f"job {job_id} is no longer in {shown_name(manager.database_path)} (its row was "
              "deleted, or the file replaced, while it ran)", file=sys.stderr)
        return EXIT_FAILED
    if job.status in ("pending", "running"):
        if job.owner and job.owner != manager.owner:
            print(f"job {job_id} was taken over by another worker ({job.owner}) and goes on "
                  "there", file=sys.stderr)
        else:
            print(f"job {job_id} stopped here unfinished, {job.status} at {job.progress:,} of "
                  f"{job.total:,}: rss-desktop work goes on with it", file=sys.stderr)
        return EXIT_FAILED
    if interrupted:
        print(f"job {job_id} cancelled at {job.progress:,} of {job.total:,}; the work done is "
              "kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    if job.status == "cancelled":  # by someone else: the window, `rss-desktop cancel`...
        message = job.error_message or ""
        who = message if message.startswith("cancelled by") else "cancelled by another program"
        print(f"job {job_id} was {who} at {job.progress:,} of {job.total:,}; the work done is "
              f"kept (rss-desktop retry {job_id} goes on from there)", file=sys.stderr)
        return EXIT_FAILED
    print(f"job {job_id} {job.status}: {job.error_message or 'no reason recorded'}",
          file=sys.stderr)
    return EXIT_FAILED


def not_recorded_line(failure: FailureNotRecorded) -> str:
    """A job that failed here and whose failure could not be written: its row still says
    running, under this process, which is ending; so retry (or work) can take it on later."""
    why = "" if failure.reason == failure.message else f" ({failure.reason})"
    return (f"job {failure.job_id} failed: {failure.message}; that could not be recorded "
            f"either{why}, so the job is left running under this process, which has stopped: "
            f"once the database can be written again, rss-desktop retry {failure.job_id} goes "
            "on from where it stopped (so does rss-desktop work)")


async def cmd_retry(args) -> int:
    async def retry(manager):
        return (await manager.retry_job(args.user, args.job_id, run=False)).id

    return await _run_here(args, retry)


async def cmd_undo(args) -> int:
    async def undo(manager):
        return (await manager.undo_job(args.user, args.job_id, run=False)).id

    return await _run_here(args, undo)


async def cmd_jobs(args) -> int:
    async with engine(args.database) as manager:
        jobs = await manager.list_jobs(args.user, args.status, args.job_type, args.limit)
        category_names, feed_names = await manager.scope_names() if jobs else ({}, {})
    labels = {job.id: describe_job(job, category_names, feed_names) for job in jobs}
    if args.json:
        print(json.dumps([{**job.as_dict(), "label": labels[job.id]} for job in jobs], indent=2))
        return EXIT_OK
    if not jobs:
        print("no jobs", file=sys.stderr)
    width = max(map(len, labels.values()), default=0)  # one column, as long as the longest
    for job in jobs:
        done = f"{job.progress}/{job.total}" if job.total else f"{job.progress}/?"
        line = (f"{job.id:>6}  {job.status:<9}  {done:>15}  {labels[job.id]:<{width}}  "
                f"created {job.created_at}")
        if job.completed_at:
            line += f"  ended {job.completed_at}"
        if job.error_message:
            line += f"  {'error' if job.status == 'failed' else 'note'}: {job.error_message}"
        print(line)
    return EXIT_OK


async def cmd_feeds(args) -> int:
    """The ids mark-read asks for, with the user's unread counts (reads only)."""
    async with engine(args.database) as manager:
        if args.user not in dict(await manager.users()):
            raise BadInput(f"user {args.user} does not exist in {args.database}")
        overview, _progress, _writes = await manager.counts_snapshot(args.user, whole=True)
    unread = overview.unread_by_feed
    groups = [(cid, name) for cid, name in overview.categories.items()]
    if any(feed.category_id is None for feed in overview.feeds):
        groups.append((None, None))

    def feeds_of(category_id):
        return [{"id": feed.id, "title": feed.title, "unread": unread.get(feed.id, 0)}
                for feed in overview.feeds if feed.category_id == category_id]

    if args.json:
        print(json.dumps({
            "user_id": args.user, "unread": overview.unread_total,
            "categories": [{"id": cid, "name": name, "unread": overview.unread_in_category(cid),
                            "feeds": feeds_of(cid)} for cid, name in groups if cid is not None],
            "uncategorized_feeds": feeds_of(None)}, indent=2))
        return EXIT_OK
    print(f"{'KIND':<9} {'ID':>6}  {'NAME':<40} {'UNREAD':>10}")
    for category_id, name in groups:
        count = overview.unread_in_category(category_id)
        if category_id is None:
            print(f"{'':<9} {'':>6}  {'(no category)':<40} {count:>10,}")
        else:
            print(f"{'category':<9} {category_id:>6}  {name[:40]:<40} {count:>10,}")
        for feed in feeds_of(category_id):
            print(f"{'feed':<9} {feed['id']:>6}    {feed['title'][:38]:<38} "
                  f"{feed['unread']:>10,}")
    print(f"{'all':<9} {'':>6}  {'All articles':<40} {overview.unread_total:>10,}")
    return EXIT_OK


async def cmd_cancel(args) -> int:
    async with engine(args.database) as manager:
        job = await manager.cancel_job(args.user, args.job_id,
                                       cancelled_by="rss-desktop cancel")
    print(f"job {job.id} cancelled at {job.progress:,} of {job.total:,}", file=sys.stderr)
    return EXIT_OK


class StopOnSignal:
    """SIGTERM (a service manager, ``timeout``) or Ctrl-C stops ``work``: the first one cancels
    its task, which hands running jobs back as pending and closes; later ones are the same
    request (``timeout`` may deliver its TERM twice: to the process and to its group) and must
    not cancel the shutdown itself half-way."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, task: asyncio.Task):
        self.task = task
        self.requested = False
        loop = asyncio.get_running_loop()
        for number in self.SIGNALS:
            loop.add_signal_handler(number, self.request)

    def request(self) -> None:
        if not self.requested:
            self.requested = True
            self.task.cancel()

    def remove(self) -> None:
        for number in self.SIGNALS:
            asyncio.get_running_loop().remove_signal_handler(number)


async def cmd_work(args) -> int:
    """Run jobs until none is left (--once) or until stopped. When the path is removed or
    replaced, the engine stops writing; without --once, the file found at the path next is
    opened and its jobs run (the jobs stopped in the old file resume once it is back)."""
    if args.install_service:
        return install_service(args.database)
    # Before anything else: a stop at any moment, even while opening, ends the same way.
    stop = StopOnSignal(asyncio.current_task())
    retired: tuple[str, ...] = ()  # this process's earlier engines on the path
    try:
        while True:
            changed = await _work_on(args, retired)
            if changed is None:
                return EXIT_OK
            print(f"rss-desktop: {changed}", file=sys.stderr, flush=True)
            if args.once:
                return EXIT_FAILED
            retired += (changed.owner,)
            if not os.path.exists(args.database):  # a stat: nothing is opened
                print(f"rss-desktop: waiting for a database at {args.database}",
                      file=sys.stderr, flush=True)
            while not os.path.exists(args.database):
                await asyncio.sleep(WAIT_FOR_FILE_SECONDS)
    except asyncio.CancelledError:
        if not stop.requested:
            raise
        log.info("work stopped; unfinished jobs were handed back")
        print("rss-desktop: stopped; unfinished jobs were handed back", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        stop.remove()


def install_service(database: str) -> int:
    """Write the systemd user unit for ``work`` on ``database`` and say how to start it."""
    from .jobs.api import is_server_url
    from .service_unit import install

    server = is_server_url(database)
    path = install(database if server else os.path.abspath(database), server)
    print(path)
    print(f"rss-desktop: wrote {path}; start it now and at every login with: systemctl --user "
          f"daemon-reload && systemctl --user enable --now {path.name}", file=sys.stderr)
    return EXIT_OK


async def _work_on(args, retired: tuple[str, ...]) -> DatabasePathChanged | None:
    """One engine on the file at the path, until no job is left (--once) or the path names
    another file (returned, carrying the engine's owner id)."""
    manager = engine(args.database, keep_finished_hours=args.keep_hours, retired_owners=retired)

    def report(event: JobEvent) -> None:
        if event.kind == "finished":
            job = event.job
            detail = f": {job.error_message}" if job.error_message else ""
            line = f"job {job.id} {job.status} ({job.progress:,}/{job.total:,}){detail}"
            log.info("%s", line)
            if not args.quiet:
                print(line, file=sys.stderr, flush=True)
        elif event.kind == "stopped" and not manager.damage:  # (damage: said once, at the end)
            log.info("%s", event.note)
            print(f"rss-desktop: {event.note}", file=sys.stderr, flush=True)
        elif event.kind == "unrecorded":
            failure = manager.unrecorded[event.job.id]
            print(f"job {failure.job_id} failed: {failure.message}; that could not be "
                  "recorded yet: this worker writes it as soon as it can; if it stops "
                  f"first, rss-desktop retry {failure.job_id} (or the next work) goes "
                  "on with the job", file=sys.stderr, flush=True)

    async with manager:
        note_journal_mode(manager)
        log.info("work started on %s", shown_name(args.database))
        manager.subscribe(report)
        try:
            await manager.run_available(once=args.once)
            for job_id in manager.left_to_server if args.once else ():
                print(f"job {job_id} was left to the web server, which still has the database "
                      "open and may still run it (it is taken over once no other program has "
                      "the database open, or an hour after it was created)", file=sys.stderr)
        except DatabasePathChanged as changed:
            changed.owner = manager.owner
            return changed
    return None


def cmd_demo(args) -> int:
    bar = ProgressBar("articles", enabled=not args.quiet, start_now=False)
    try:
        counts = create_demo_file(args.database, args.articles, seed=args.seed,
                                  on_progress=bar.update)
    except DemoDatabaseExists as exc:
        raise BadInput(f"{args.database}: {exc}") from None
    finally:
        bar.stop()
    print(f"{args.database}: {counts['articles']:,} articles in {counts['feeds']} feeds for "
          f"{counts['users']} users", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"mark-read": cmd_mark_read, "jobs": cmd_jobs, "feeds": cmd_feeds,
            "cancel": cmd_cancel,
            "retry": cmd_retry, "undo": cmd_undo, "work": cmd_work}


async def cmd_rules(args) -> int:
    from .cli_rules import cmd_rules as run_rules_command

    return await run_rules_command(args)


COMMANDS["rules"] = cmd_rules


def main(argv=None) -> int:
    try:
        code = run_command(argv)
        # What is still buffered is written here, where a reader gone is met and answered,
        # rather than at exit: Python's own last flush would fail with "Exception ignored …
        # BrokenPipeError" and exit 120 (so it did on a fresh Debian 12's Python 3.11.2).
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # the reader of our output went away (`| head`): end quietly
        silence(sys.stdout, sys.stderr)  # (either may be the pipe that broke)
        return EXIT_READER_GONE


def process_main() -> int:
    """``main()`` for a process of its own (the ``rss-desktop`` script, ``python -m desktop``,
    the bundle), which exits once it returns.

    Python's exit runs the cyclic garbage collector over every object left, ~16 ms once the
    engine is imported (a small job's whole run is ~0.2 s, issue 26). Frozen, they are not
    walked; whatever holds a file or a connection was closed by the command, and what is freed
    by its last reference still is. (Not in ``main()``: tests call it in their own process.)
    """
    try:
        return main()
    finally:  # (argparse's --version and --help end in SystemExit)
        gc.freeze()


def silence(*streams) -> None:
    """Point ``streams`` at /dev/null: what is still buffered, and any later line, goes nowhere
    instead of raising again at exit (Python's documented recipe for SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in streams:
        with contextlib.suppress(OSError, ValueError):  # no file behind it (a test's capture)
            os.dup2(devnull, stream.fileno())
    os.close(devnull)


def run_command(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    head_start = start_tree_prefetch(argv) or start_check_ahead(argv)
    try:
        return run_parsed_command(argv, head_start)
    finally:
        if head_start is not None:  # (taken, or never asked about: its file was not opened)
            head_start.close()


def start_tree_prefetch(argv):
    """For ``rss-desktop [gui] [--database FILE]``: a TreePrefetch of that file already reading
    its tree and counts while the window starts (headstart/tree.py), or None."""
    try:
        target = gui_database_file(argv)
        if target is None or not target.is_file():
            return None
    except (OSError, RuntimeError, ValueError):  # a path argparse will refuse in its words
        return None
    from . import places
    from .headstart.tree import TreePrefetch, settings_user

    return TreePrefetch(target, settings_user(places.settings_file())).start()


CHECKED_AHEAD = ("mark-read", "undo", "retry")  # the commands that write a job at once


def start_check_ahead(argv):
    """For a command that writes a job at once on a FILE (``mark-read``, ``undo``, ``retry``
    with ``--database FILE``): a CheckAhead of that file, already running the check before the
    first write while the engine is imported (headstart/check.py), or None."""
    if argv[:1] not in ([command] for command in CHECKED_AHEAD):
        return None
    try:
        target = database_file_argument(argv[1:])
        if target is None or not target.is_file():
            return None
    except (OSError, RuntimeError, ValueError):  # a path argparse will refuse in its words
        return None
    from .headstart.check import CheckAhead
    from .headstart.checked_files import default_record

    return CheckAhead(target, default_record()).start()


def database_file_argument(argv: list[str]) -> Path | None:
    """The FILE of the one ``--database FILE`` (or ``--database=FILE``) among ``argv``, made
    absolute as the engine makes it; None for a URL, none or several (argparse decides what
    the arguments mean; this is only a head start)."""
    values = [argv[at + 1] for at, word in enumerate(argv[:-1]) if word == "--database"]
    values += [word.partition("=")[2] for word in argv if word.startswith("--database=")]
    if len(values) != 1:
        return None
    value = values[0]
    if not value.strip() or "://" in value or "\0" in value:
        return None
    return Path(value).expanduser().absolute()


def gui_database_file(argv: list[str]) -> Path | None:
    """The file the window will open, read from the arguments before argparse (which imports
    the engine first: ~0.1 s) has them: only for ``gui`` with ``--database FILE`` or nothing
    (the app-data folder's file), as the window makes the path absolute; None for anything
    else (argparse decides what the arguments mean; this is only a head start)."""
    if argv[:1] == ["gui"]:
        argv = argv[1:]
    elif argv:
        return None
    if not argv:
        from . import places

        return places.default_database()
    if (len(argv) == 2 and argv[0] == "--database") or len(argv) == 1:
        return database_file_argument(argv)
    return None


def run_parsed_command(argv, head_start) -> int:
    """``head_start``: what run_command started reading before the engine's import (a
    TreePrefetch for the window, a CheckAhead for a command's engine), or None."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.check_ahead = head_start if args.command in CHECKED_AHEAD else None
    if args.command not in (None, "gui"):  # the window logs to its own file
        configure_command_logging(args.verbose, args.quiet,
                                  "work.log" if args.command == "work" else None)
    load_engine()
    try:
        if args.command in (None, "gui"):
            from .ui.app import run_gui
            return run_gui(getattr(args, "database", None),
                           smoke_test=getattr(args, "smoke_test", False),
                           screenshot=getattr(args, "screenshot", None),
                           demo_if_new=getattr(args, "demo_if_new", False),
                           prefetch=head_start)
        if args.command == "demo":
            return cmd_demo(args)
        return asyncio.run(COMMANDS[args.command](args))
    except (DatabaseOpenError, JobRequestError, JobNotFound, BadInput) as exc:
        advice = " (or --force to run it anyway)" if isinstance(exc, OverlapError) else ""
        print(f"rss-desktop: error: {exc}{advice}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rss-desktop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except JobStopped as exc:  # its file removed, replaced or found damaged mid-job
        print(f"rss-desktop: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (DatabaseError, InterfaceError, DatabaseBusyError) as exc:  # never a traceback
        print(f"rss-desktop: error: {database_failure(exc, args)}", file=sys.stderr)
        return EXIT_FAILED


def database_failure(exc: BaseException, args) -> str:
    """One line for a database error that ended a command (the job's own work is kept)."""
    target = getattr(args, "database", None)
    message = failure_line(exc, target)
    return f"{shown_name(target)}: {message}" if target else message


if __name__ == "__main__":
    sys.exit(main())
