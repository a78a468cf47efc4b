"""The job-type registry: every type the spec names, what its parameters mean, its words."""

from __future__ import annotations

import pytest

from desktop.store.job_requests import JobRequestError, parse_parameters
from desktop.store.job_types import JOB_TYPES, MARK_READ_BY_SCOPE, UNDO, job_type_of


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
    assert JOB_TYPES["mark_category_read"].describe({"category_id": 5}, names) == "Category: Tech"
    assert JOB_TYPES["mark_feed_read"].describe({"feed_id": 9}) == "Feed: #9"
    assert JOB_TYPES["mark_all_read"].describe({}) == "All articles"
    assert UNDO.describe({"job_id": 3}) == "Undo of job 3"
    assert [t.short(p) for t, p in ((JOB_TYPES["mark_category_read"], {"category_id": 5}),
                                    (JOB_TYPES["mark_all_read"], {}),
                                    (UNDO, {"job_id": 3}))] == [
        "category 5", "all articles", "undo of job 3"]


def test_an_unknown_type_is_refused_naming_the_known_ones():
    with pytest.raises(JobRequestError, match="known: mark_category_read, mark_feed_read"):
        parse_parameters("mark_everything_read", {})
