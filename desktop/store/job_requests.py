"""Requests for new jobs: what a job type means, checking its parameters and targets, counting
what it covers. Reads only: nothing here writes, so a request that makes no sense is refused
before anything is written.
"""

from __future__ import annotations

import json

from .clock import parse_db_text, shown, to_db_text
from .job_types import JOB_TYPES
from .models import Article, BulkOperationJob, Category, Feed, User, database_proxy
from .scopes import AGE_BY, Scope, count_in_scope
from .selection import parse_narrowing, ranges_end

JOB_SCOPES = {  # job_type -> (scope kind, parameter naming its target)
    name: (job_type.scope_kind, job_type.target_key) for name, job_type in JOB_TYPES.items()}
MAX_ID = 2**63 - 1  # SQLite's largest integer: no row has a larger id (nor can one be bound)


class JobRequestError(ValueError):
    """A job request (or a stored job row) that makes no sense; the message says why."""


class OverlapError(JobRequestError):
    """The web server runs a job on some of the same articles right now."""


def positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise JobRequestError(f"{what} must be a positive integer, not {value!r}")
    if value > MAX_ID:
        raise JobRequestError(f"{what} {value} is too large to be an id")
    return value


def parse_parameters(job_type: str, parameters) -> tuple[Scope, dict]:
    """Check a job's type and parameters (a dict or its JSON text) and return its scope.

    Raises JobRequestError naming what is wrong: unknown job type, parameters that are not a
    JSON object, a missing or malformed id, an ``older_than`` that is not a timestamp, a ``by``
    other than "received" or "published" (what ``older_than`` compares; absent: arrival), or an
    ``up_to_article`` that is not an article id. ``up_to_article`` N bounds the job to article
    N and the articles ingested before it (smaller ids): "mark this and everything older".
    """
    if job_type not in JOB_SCOPES:
        known = ", ".join(JOB_SCOPES)
        raise JobRequestError(f"unknown job_type {job_type!r} (known: {known})")
    if isinstance(parameters, str):
        try:
            parameters = json.loads(parameters)
        except ValueError as exc:
            raise JobRequestError(f"parameters are not valid JSON: {shown(parameters)} "
                                  f"({exc})") from None
    if not isinstance(parameters, dict):
        raise JobRequestError(f"parameters must be a JSON object, not {shown(parameters)}")
    kind, key = JOB_SCOPES[job_type]
    target = None
    if key:
        if key not in parameters:
            raise JobRequestError(f"{job_type} needs {key!r} in its parameters")
        target = positive_int(parameters[key], key)
    cutoff = parameters.get("older_than")
    if cutoff is not None:
        try:
            if not isinstance(cutoff, str):
                raise ValueError
            moment = parse_db_text(cutoff)
            if moment is None:  # '': no moment
                raise ValueError
        except ValueError:
            raise JobRequestError(
                f"older_than must be a 'YYYY-MM-DD HH:MM:SS' UTC timestamp, not {cutoff!r}"
            ) from None
        # created_at is compared as text: another form ("...T08:30:00Z") must not reach SQL.
        cutoff = to_db_text(moment)
        parameters = {**parameters, "older_than": cutoff}
    up_to = parameters.get("up_to_article")
    if up_to is not None:
        up_to = positive_int(up_to, "up_to_article")
    by = parameters.get("by", "received")
    if by not in AGE_BY:
        raise JobRequestError(f"by must be one of {', '.join(AGE_BY)}, not {shown(by)}")
    try:  # what was picked in the article list: from_article, article_ranges, search
        narrowing = parse_narrowing(parameters)
    except ValueError as exc:
        raise JobRequestError(str(exc)) from None
    return Scope(kind, target, cutoff, up_to, by=by, **narrowing), parameters


def check_published_dates() -> None:
    """Raise JobRequestError when the articles table has no ``published_date`` column (a
    reader that keeps none): an age by publication date cannot be cut there."""
    if "published_date" not in {column.name for column in database_proxy.get_columns("articles")}:
        raise JobRequestError("this database's articles have no published_date column: "
                              "use --by received (the arrival time)")


def check_user_exists(user_id: int) -> None:
    if not User.select().where(User.id == user_id).exists():
        raise JobRequestError(f"user {user_id} does not exist")


def check_targets_exist(user_id: int, scope: Scope) -> None:
    """Raise JobRequestError when the user or the scope's category/feed does not exist."""
    check_user_exists(user_id)
    if scope.kind == "category" and not Category.select().where(
            Category.id == scope.target_id).exists():
        raise JobRequestError(f"category {scope.target_id} does not exist")
    if scope.kind == "feed" and not Feed.select().where(Feed.id == scope.target_id).exists():
        raise JobRequestError(f"feed {scope.target_id} does not exist")
    if scope.kind == "undo" and not BulkOperationJob.select().where(
            (BulkOperationJob.id == scope.target_id)
            & (BulkOperationJob.user_id == user_id)).exists():
        raise JobRequestError(f"job {scope.target_id} to undo does not exist")


def newest_article_id() -> int:
    """Every article that exists now has an id at most this; later arrivals have larger ids."""
    return Article.select(Article.id).order_by(Article.id.desc()).limit(1).scalar() or 0


def check_request(job_type: str, user_id: int, parameters,
                  watermark: int | None = None) -> tuple[Scope, dict]:
    """Raise JobRequestError unless a new job of this type, user and parameters makes sense;
    returns its scope and normalised parameters. Reads only."""
    positive_int(user_id, "user id")
    if watermark is not None and (isinstance(watermark, bool) or not isinstance(watermark, int)
                                  or watermark < 0):
        raise JobRequestError(f"watermark must be an article id, not {watermark!r}")
    scope, parameters = parse_parameters(job_type, parameters)
    if scope.kind == "undo":
        raise JobRequestError("undo jobs are created by undoing a job (rss-desktop undo)")
    check_targets_exist(user_id, scope)
    if scope.cutoff and scope.by == "published":
        check_published_dates()
    return scope, parameters


def bounded_watermark(scope: Scope, watermark: int | None = None) -> int:
    """The newest article id a job of ``scope`` covers: the newest article now, or less when the
    person saw an older newest one counted (``watermark``), or the scope ends at an article
    (``up_to_article``)."""
    bounds = [newest_article_id(), watermark, scope.up_to, ranges_end(scope.id_ranges)]
    return min(bound for bound in bounds if bound is not None)


def count_scope(scope: Scope, watermark: int | None = None) -> tuple[int, int]:
    """(watermark, articles in the scope up to it): what a new job covers. ``watermark`` is the
    newest article id the user saw counted; by default, the newest article now. Reads only."""
    watermark = bounded_watermark(scope, watermark)
    return watermark, count_in_scope(scope, watermark)
