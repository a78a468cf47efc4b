"""The article list's model: live changes against pages read meanwhile, and the pages it keeps.

Deterministic: each case builds the exact interleaving of a page's request, a live change and
the page's arrival that the engine's threads can produce, and checks the rows shown (as
test_ui_scope_tree.py does for the counts).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import time_machine
from support.clock import at

from desktop.store import clock
from desktop.store.article_list import ArticleRow, ListSpec
from desktop.store.scopes import Scope
from desktop.ui.articles.model import KEPT_PAGES, PAGE_ROWS, RECEIVED, TITLE, ArticleListModel
from desktop.ui.formatting import local_time

GENERATION = 1


def rows(page: int, *, read: bool = False, feed: int = 1, category: int | None = 1):
    """Page ``page`` of a newest-first list whose article ids are 10,000 - position."""
    first = page * PAGE_ROWS
    return [ArticleRow(n, 10_000 - n, feed, category, f"Feed {feed}", f"Article {10_000 - n}",
                       None, None, at(days=1), read, False)
            for n in range(first, first + PAGE_ROWS)]


@pytest.fixture
def model(qapp):
    model = ArticleListModel()
    model.reset(ListSpec(1, Scope("category", 1)), GENERATION)
    model.grow(GENERATION, 10 * PAGE_ROWS, True)
    return model


def is_bold(model, row: int) -> bool:
    font = model.index(row, TITLE).data(0x0006)  # FontRole
    return font is not None and font.bold()


def test_a_page_read_before_a_chunk_and_arriving_after_its_event_shows_it(model):
    model.page_requested(0)
    model.apply_job_span(9_950, 10_000, Scope("category", 1))  # the chunk's event first
    model.page_arrived(GENERATION, 0, rows(0))  # then the page, read before the commit
    assert [is_bold(model, n) for n in range(100)] == [False] * 50 + [True] * 50  # (low, high]


def test_a_chunk_of_another_scope_or_before_the_cutoff_leaves_rows_alone(model):
    model.page_arrived(GENERATION, 0, rows(0, feed=7, category=2)[:50] + rows(0)[50:])
    model.apply_job_span(0, 10_000, Scope("category", 1, cutoff=at()))
    assert all(is_bold(model, n) for n in range(100))  # received after the cutoff
    model.apply_job_span(0, 10_000, Scope("feed", 1, up_to=9_940))
    assert [is_bold(model, n) for n in range(100)] == [True] * 60 + [False] * 40


def test_a_write_replayed_on_a_page_read_before_it(model):
    model.page_requested(0)
    model.apply_article(9_990, True, True)
    model.apply_article(9_990, False, True)  # and unread again: the last one wins
    model.apply_article(9_980, True, False)
    model.page_arrived(GENERATION, 0, rows(0))
    assert model.row_at(10).is_starred and not model.row_at(10).is_read
    assert model.row_at(20).is_read and not is_bold(model, 20)


def test_a_change_only_the_database_knows_reads_the_page_again(model):
    model.set_window(0, 30)
    model.page_requested(0)
    model.may_have_changed(9_900, 9_999)  # an undo chunk
    model.page_arrived(GENERATION, 0, rows(0, read=True))
    assert 0 in model.needed_pages()  # shown meanwhile, and read again
    model.page_requested(0)
    model.page_arrived(GENERATION, 0, rows(0))
    assert 0 not in model.needed_pages() and is_bold(model, 5)
    model.may_have_changed(1, 2)  # not on this page: nothing to read
    assert model.needed_pages() == [1]  # only the margin page


def test_changes_made_before_the_request_are_not_replayed(model):
    model.apply_job_span(9_900, 10_000, Scope("all"))
    model.page_requested(0)
    model.page_arrived(GENERATION, 0, rows(0))  # read after: the database said unread
    assert is_bold(model, 0)


def test_a_page_of_an_older_list_is_dropped(model):
    model.page_requested(0)
    model.reset(ListSpec(1, Scope("feed", 2)), GENERATION + 1)
    model.grow(GENERATION + 1, 5, True)
    model.page_arrived(GENERATION, 0, rows(0))
    assert model.row_at(0) is None
    model.grow(GENERATION, 500, True)
    assert model.rowCount() == 5


def test_pages_near_the_view_first_and_at_most_kept_pages_in_memory(qapp):
    model = ArticleListModel()
    model.reset(ListSpec(1, Scope("all")), GENERATION)
    model.grow(GENERATION, 1_000 * PAGE_ROWS, True)
    model.set_window(5_020, 5_050)
    assert model.needed_pages() == [50, 49, 51]
    for page in range(0, 1_000, 7):  # the view went everywhere
        model.set_window(page * PAGE_ROWS, page * PAGE_ROWS + 30)
        for needed in model.needed_pages():
            model.page_requested(needed)
            model.page_arrived(GENERATION, needed, rows(needed))
        assert model.cached_rows() <= KEPT_PAGES * PAGE_ROWS
        assert model.row_at(page * PAGE_ROWS + 30) is not None  # what is shown stays


def test_a_short_page_is_read_again_once_the_list_grows(qapp):
    model = ArticleListModel()
    model.reset(ListSpec(1, Scope("all")), GENERATION)
    model.grow(GENERATION, 30, False)
    model.set_window(0, 40)
    model.page_requested(0)
    model.page_arrived(GENERATION, 0, rows(0)[:30])
    assert model.needed_pages() == []
    model.grow(GENERATION, 250, True)
    assert model.needed_pages() == [0, 1]


def test_a_date_is_written_for_the_day_it_is_shown_on(model):
    """Dates are formatted once per day: at midnight an article received at 14:03 today
    becomes "yesterday 14:03", and a moment the server wrote in another form stays as written."""
    moment = clock.now()
    received = clock.to_db_text(moment)
    page = [replace(row, received=received) for row in rows(0)]
    page[1] = replace(page[1], received="last Tuesday")
    model.page_arrived(GENERATION, 0, page)
    today = model.index(0, RECEIVED).data()
    assert today == local_time(received) and not today.startswith("yesterday")
    assert model.index(0, RECEIVED).data() == today  # asked again: the same words
    with time_machine.travel(moment.add(days=1).timestamp(), tick=False):
        assert model.index(0, RECEIVED).data().startswith("yesterday ")
    assert model.index(0, RECEIVED).data() == today
    assert model.index(1, RECEIVED).data() == "last Tuesday"
