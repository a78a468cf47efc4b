"""The job-type registry: every type the spec names, what its parameters mean, its words."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from desktop.store.job_requests import JobRequestError, parse_parameters
from desktop.store.job_types import (
    JOB_TYPES,
    MARK_READ_BY_SCOPE,
    UNDO,
    JobWords,
    describe_job,
    job_type_of,
)


def row(job_type, parameters):
    """A job row as describe_job reads it (its type and JSON parameters)."""
    return SimpleNamespace(job_type=job_type, parameters=json.dumps(parameters))


def test_the_spec_job_types_and_undo_are_registered_with_their_scopes():
    assert {name: (t.scope_kind, t.target_key) for name, t in JOB_TYPES.items()} == {
        "mark_category_read": ("category", "category_id"),
        "mark_feed_read": ("feed", "feed_id"),
        "mark_all_read": ("all", None),
        "undo_mark_read": ("undo", "job_id"),
    }
    assert [t.undoable for t in JOB_TYPES.values()] == [True, True, True, False]
    assert set(MARK_READ_BY_SCOPE) == {"category", "feed", "all"}


@pytest.mark.parametrize("name", list(JOB_TYPES))
def test_a_request_made_from_the_registry_parses_back_to_its_scope(name):
    job_type = job_type_of(name)
    made_type, parameters = job_type.request(7 if job_type.target_key else None)
    scope, checked = parse_parameters(made_type, parameters)
    assert made_type == name and scope.kind == job_type.scope_kind
    assert scope.target_id == (7 if job_type.target_key else None)
    assert checked == parameters


def test_words_for_a_person_and_for_the_terminal():
    names = {5: "Tech"}
    assert describe_job(row("mark_category_read", {"category_id": 5}), names) == "Category: Tech"
    assert describe_job(row("mark_feed_read", {"feed_id": 9})) == "Feed: #9"
    assert describe_job(row("mark_all_read", {})) == "All articles"
    assert describe_job(row(UNDO.name, {"job_id": 3})) == "Undo of job 3"


def test_the_window_gives_its_own_words_to_the_one_description():
    words = JobWords(category="Kategorie: {name}", before=" (vor {time})",
                     rule="Regel „{name}“: {job}")
    job = row("mark_category_read", {"category_id": 5, "older_than": "T", "rule_id": 2,
                                     "rule": "Nachts"})
    assert describe_job(job, {5: "Tech"}, show_time=str.lower, words=words) == (
        "Regel „Nachts“: Kategorie: Tech (vor t)")


def test_one_description_of_a_job_row_for_both_faces():
    """The window and the command line describe a job row with this one function: names where
    given, the cutoff through the face's clock words, the "this and everything older" bound."""

    categories, feeds = {3: "Tech"}, {9: "Orbit"}
    assert describe_job(row("mark_category_read", {"category_id": 3, "up_to_article": 999976}),
                        categories, feeds) == "Category: Tech (article #999976 and older)"
    assert describe_job(row("mark_feed_read", {"feed_id": 9, "older_than": "2031-02-21 10:00:00"}),
                        categories, feeds) == "Feed: Orbit (before 2031-02-21 10:00:00 UTC)"
    assert describe_job(row("mark_feed_read", {"feed_id": 9, "older_than": "2031-02-21 10:00:00"}),
                        categories, feeds, show_time=lambda text: "Feb 21 11:00") == (
        "Feed: Orbit (before Feb 21 11:00)")
    assert describe_job(row("mark_category_read", {"category_id": 4}), categories, feeds) == (
        "Category: #4")  # a category deleted since
    assert describe_job(row("mark_all_read", {})) == "All articles"
    assert describe_job(row("undo_mark_read", {"job_id": 7})) == "Undo of job 7"
    assert describe_job(SimpleNamespace(job_type="mark_all_read", parameters="{oops")) == (
        "mark_all_read (unreadable parameters)")


def test_an_unknown_type_is_refused_naming_the_known_ones():
    with pytest.raises(JobRequestError, match="known: mark_category_read, mark_feed_read"):
        parse_parameters("mark_everything_read", {})
