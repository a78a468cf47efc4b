"""The kinds of bulk job, in one place: what each job_type string means.

A job row names its type as the spec's strings ("mark_category_read"...). Everything that
depends on the type — the scope its parameters name, how it runs (marking read, or reverting a
recorded job), whether it can be undone, how it is described — is looked up here instead of
comparing strings in each face.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobType:
    name: str  # the job_type column's value
    scope_kind: str  # "category", "feed", "all", or "undo" (reverts the job it names)
    target_key: str | None  # the parameter naming its target (category_id...), if any
    title: str  # how a person calls its target: "Category", "Feed", "All articles", "Undo"

    @property
    def reverts(self) -> bool:
        """An undo: it makes unread again what another job marked read."""
        return self.scope_kind == "undo"

    @property
    def undoable(self) -> bool:
        return not self.reverts

    def request(self, target_id: int | None = None, **extra) -> tuple[str, dict]:
        """(job_type, parameters) for a job of this type on ``target_id``."""
        parameters = {self.target_key: target_id} if self.target_key else {}
        return self.name, {**parameters, **extra}

    def describe(self, parameters: dict, names: dict[int, str] | None = None) -> str:
        """"Category: Tech", "Feed: Orbit", "All articles", "Undo of job 7" — ``names`` maps
        the target's id to its name where the caller knows it (else "#id")."""
        if not self.target_key:
            return self.title
        target = parameters.get(self.target_key)
        if self.reverts:
            return f"{self.title} of job {target}"
        return f"{self.title}: {(names or {}).get(target, f'#{target}')}"



MARK_CATEGORY = JobType("mark_category_read", "category", "category_id", "Category")
MARK_FEED = JobType("mark_feed_read", "feed", "feed_id", "Feed")
MARK_ALL = JobType("mark_all_read", "all", None, "All articles")
UNDO = JobType("undo_mark_read", "undo", "job_id", "Undo")
JOB_TYPES = {job_type.name: job_type for job_type in (MARK_CATEGORY, MARK_FEED, MARK_ALL, UNDO)}
MARK_READ_BY_SCOPE = {job_type.scope_kind: job_type
                      for job_type in (MARK_CATEGORY, MARK_FEED, MARK_ALL)}


def describe_job(job, category_names: dict[int, str] | None = None,
                 feed_names: dict[int, str] | None = None, *,
                 show_time: Callable[[str], str] = lambda text: f"{text} UTC") -> str:
    """A job row (``job_type``, ``parameters``) in the words both faces use: "Category: Tech",
    "Feed: Orbit", "All articles", "Undo of job 7", with the older-than cutoff ("(before …)",
    its stored UTC text through ``show_time``) or the article a "this and everything older"
    job ends at ("(article #ID and older)"). Targets are named from the names given, else
    "#id"."""
    params = parameters_of(job.parameters)
    if params is None:
        return f"{job.job_type} (unreadable parameters)"
    job_type = job_type_of(job.job_type)
    names = {"category": category_names, "feed": feed_names}
    text = (job_type.describe(params, names.get(job_type.scope_kind)) if job_type
            else job.job_type)
    if params.get("older_than"):
        text += f" (before {show_time(params['older_than'])})"
    if params.get("up_to_article"):
        text += f" (article #{params['up_to_article']} and older)"
    return text + describe_narrowing(params)


def describe_narrowing(params: dict) -> str:
    """What a job narrowed to the article list's picks adds to its label (store.selection)."""
    text = ""
    if params.get("from_article"):
        text += f" (article #{params['from_article']} and newer)"
    ranges = params.get("article_ranges")
    if isinstance(ranges, list) and ranges:
        text += (f" (article #{ranges[0][0]})" if len(ranges) == 1 and isinstance(ranges[0], list)
                 and len(ranges[0]) == 2 and ranges[0][0] == ranges[0][1]
                 else " (selected articles)")
    if isinstance(params.get("search"), str) and params["search"].strip():
        text += f" (titles matching “{params['search'].strip()}”)"
    return text


def job_type_of(name: str) -> JobType | None:
    return JOB_TYPES.get(name)


def is_undo(name: str) -> bool:
    return name == UNDO.name


def parameters_of(text) -> dict | None:
    """A job row's parameters as a dict, or None when they are not a JSON object."""
    try:
        parameters = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None
    return parameters if isinstance(parameters, dict) else None
