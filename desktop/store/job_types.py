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


MARK_CATEGORY = JobType("mark_category_read", "category", "category_id")
MARK_FEED = JobType("mark_feed_read", "feed", "feed_id")
MARK_ALL = JobType("mark_all_read", "all", None)
UNDO = JobType("undo_mark_read", "undo", "job_id")
JOB_TYPES = {job_type.name: job_type for job_type in (MARK_CATEGORY, MARK_FEED, MARK_ALL, UNDO)}
MARK_READ_BY_SCOPE = {job_type.scope_kind: job_type
                      for job_type in (MARK_CATEGORY, MARK_FEED, MARK_ALL)}


@dataclass(frozen=True)
class JobWords:
    """The words a job's label is made of: English here (the command line's); the window
    hands its translation. ``{name}`` and the like are filled in by describe_job."""

    category: str = "Category: {name}"
    feed: str = "Feed: {name}"
    all: str = "All articles"
    undo: str = "Undo of job {job}"
    unreadable: str = "{type} (unreadable parameters)"
    before: str = " (before {time})"
    published_before: str = " (published before {time})"
    up_to: str = " (article #{id} and older)"
    newer: str = " (article #{id} and newer)"
    one_article: str = " (article #{id})"
    selected: str = " (selected articles)"
    search: str = " (titles matching “{text}”)"
    rule: str = 'Rule "{name}": {job}'


ENGLISH = JobWords()


def describe_job(job, category_names: dict[int, str] | None = None,
                 feed_names: dict[int, str] | None = None, *,
                 show_time: Callable[[str], str] = lambda text: f"{text} UTC",
                 words: JobWords = ENGLISH) -> str:
    """A job row (``job_type``, ``parameters``) in the words both faces use: "Category: Tech",
    "Feed: Orbit", "All articles", "Undo of job 7", with the older-than cutoff ("(before …)",
    its stored UTC text through ``show_time``) or the article a "this and everything older"
    job ends at ("(article #ID and older)"), a rule's run after the rule's name ('Rule
    "Nightly": Category: Tech (before …)'). Targets are named from the names given, else
    "#id"; ``words``: the language (the window's translation; English by default)."""
    params = parameters_of(job.parameters)
    if params is None:
        return words.unreadable.format(type=job.job_type)
    job_type = job_type_of(job.job_type)
    if job_type is None:
        text = job.job_type
    else:
        target = params.get(job_type.target_key) if job_type.target_key else None
        names = {"category": category_names, "feed": feed_names}.get(job_type.scope_kind)
        text = describe_target(job_type.scope_kind, target, names, words)
    if params.get("older_than"):
        before = words.published_before if params.get("by") == "published" else words.before
        text += before.format(time=show_time(params["older_than"]))
    if params.get("up_to_article"):
        text += words.up_to.format(id=params["up_to_article"])
    text += describe_narrowing(params, words)
    if params.get("rule_id"):  # a rule's run: its name, as the rule was called then
        text = words.rule.format(name=params.get("rule") or params["rule_id"], job=text)
    return text


def describe_target(kind: str, target, names: dict[int, str] | None = None,
                    words: JobWords = ENGLISH) -> str:
    """"Category: Tech", "Feed: #9", "All articles", "Undo of job 7": what a job of scope
    ``kind`` on ``target`` works on (named from ``names`` where given)."""
    if kind in ("category", "feed"):
        return getattr(words, kind).format(name=(names or {}).get(target, f"#{target}"))
    if kind == "undo":
        return words.undo.format(job=target)
    return words.all


def describe_narrowing(params: dict, words: JobWords = ENGLISH) -> str:
    """What a job narrowed to the article list's picks adds to its label (store.selection)."""
    text = ""
    if params.get("from_article"):
        text += words.newer.format(id=params["from_article"])
    ranges = params.get("article_ranges")
    if isinstance(ranges, list) and ranges:
        text += (words.one_article.format(id=ranges[0][0])
                 if len(ranges) == 1 and isinstance(ranges[0], list)
                 and len(ranges[0]) == 2 and ranges[0][0] == ranges[0][1]
                 else words.selected)
    if isinstance(params.get("search"), str) and params["search"].strip():
        text += words.search.format(text=params["search"].strip())
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
