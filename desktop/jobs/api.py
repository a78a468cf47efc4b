"""The faces' whole view of the engine: the window and the command line import from here and
nothing from desktop.store or peewee (the import-linter contracts in pyproject.toml check it).

The database itself is reached only through a BulkOperationManager's methods, which run every
call on the engine's threads. What is re-exported here is what a face holds in its hands: the
rows and values those methods return (JobRecord, ArticleRow, Overview...), the errors they
raise, and pure helpers that never touch a database (the clock, a target's name, the job types'
words, a job's parameters parsed). ``create_demo_file`` is the one exception: it makes a new
sample file before any engine exists (``demo``, ``gui --demo-if-new``, the smoke test).
"""

from __future__ import annotations

from ..headstart.checked_files import default_record as default_checks_record
from ..store import clock  # the one clock: tests move it (time-machine), never the faces
from ..store.article_list import FIRST_SPAN, ArticleRow, ListSpec, ListStart, next_span
from ..store.article_state import ArticleChange, ArticleNotFound
from ..store.clock import cutoff_for_age, parse_db_text
from ..store.connection import (
    DatabaseOpenError,
    check_target,
    is_server_url,
    is_target_failure,
    shown_name,
    use_password_for_session,
)
from ..store.demo import DemoDatabaseExists, create_demo_file
from ..store.job_requests import OverlapError, parse_parameters
from ..store.job_types import (
    MARK_ALL,
    MARK_CATEGORY,
    MARK_FEED,
    MARK_READ_BY_SCOPE,
    UNDO,
    JobWords,
    describe_job,
    describe_target,
    is_undo,
    job_type_of,
    parameters_of,
)
from ..store.jobs_table import MAX_LIST_LIMIT, STATUSES, JobNotFound, JobRecord, JobRequestError
from ..store.overview import FeedInfo, Overview
from ..store.rules import age_seconds, age_text, daily_time
from ..store.scopes import Scope
from ..store.selection import MAX_RANGES
from .events import JobEvent
from .manager import (
    BulkOperationManager,
    DatabaseBusyError,
    DatabaseDamaged,
    DatabasePathChanged,
    EngineOptions,
    FailureNotRecorded,
    JobStopped,
)
from .rules import Rule, RuleNotFound
from .runner import failure_message

# isort: split
# The driver's errors that can end a command (failure_line words them): the faces catch them by
# these names and never import peewee. (After the store, which imports peewee without psycopg.)
from peewee import DatabaseError, InterfaceError


def failure_line(exc: BaseException, target) -> str:
    """One line for a database error that ended a command on ``target`` (file or URL), in the
    words of that target's backend (disk full, connection lost, privilege...)."""
    from ..store.backends import backend_for

    return failure_message(exc, backend_for(target)).splitlines()[0]

__all__ = [  # noqa: RUF022 (grouped by what they are, not sorted)
    # the engine, and where it remembers files checked sound
    "BulkOperationManager", "EngineOptions", "JobEvent", "default_checks_record",
    # its errors
    "ArticleNotFound", "DatabaseBusyError", "DatabaseDamaged", "DatabaseOpenError",
    "DatabasePathChanged", "DemoDatabaseExists", "FailureNotRecorded", "JobNotFound",
    "JobRequestError", "JobStopped", "OverlapError", "is_target_failure", "failure_line",
    "DatabaseError", "InterfaceError",
    # what its methods return and take
    "ArticleChange", "ArticleRow", "FeedInfo", "JobRecord", "ListSpec", "ListStart",
    "Overview", "Scope",
    # the article list's steps (sizes only; the walking is the engine's)
    "FIRST_SPAN", "next_span",
    # jobs: their types, parameters and listing
    "MARK_ALL", "MARK_CATEGORY", "MARK_FEED", "MARK_READ_BY_SCOPE", "MAX_LIST_LIMIT",
    "MAX_RANGES", "STATUSES", "UNDO", "JobWords", "describe_job", "describe_target", "is_undo",
    "job_type_of", "parameters_of", "parse_parameters",
    # rules: what they are, and the words a person types for them (pure helpers)
    "Rule", "RuleNotFound", "age_seconds", "age_text", "daily_time",
    # time, and naming a database
    "clock", "cutoff_for_age", "parse_db_text", "check_target", "is_server_url", "shown_name",
    "use_password_for_session",
    # a new sample file, before any engine exists
    "create_demo_file",
]
