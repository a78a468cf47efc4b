"""Narrowing a job's scope to what a person picked in the article list: the articles selected
(``article_ranges``), the list's search (``search``), or an article and everything newer
(``from_article``). Each is an optional parameter of an ordinary job of the spec's types
(mark_category_read, mark_feed_read, mark_all_read), so a program that knows only the spec sees
a valid job row; the scope's condition (scopes.Scope) adds what they say.

Why id ranges and not a list of ids: the list shows its scope's matching articles in id order
(ingestion order), so a block of rows selected with Shift — ten or a hundred thousand, read or
not read in yet — is exactly "the scope's articles matching the list's search with ids from the
first to the last", one pair of numbers. Rows picked one by one with Ctrl are one pair each. A
job holds at most MAX_RANGES pairs.
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_

from .models import Article

MAX_RANGES = 1000  # pairs in a job's parameters: a few kilobytes of JSON, one short condition
MAX_SEARCH = 500  # characters of a job's search text


def parse_narrowing(parameters: dict) -> dict:
    """Scope fields (from_id, id_ranges, search) from a job's parameters; raises ValueError
    naming the parameter and the value that is wrong."""
    fields = {}
    first = parameters.get("from_article")
    if first is not None:
        fields["from_id"] = _article_id(first, "from_article")
    ranges = parameters.get("article_ranges")
    if ranges is not None:
        if not isinstance(ranges, list) or not ranges or len(ranges) > MAX_RANGES:
            raise ValueError(f"article_ranges must be a list of 1 to {MAX_RANGES} [first, last] "
                             f"id pairs, not {str(ranges)[:80]!r}")
        pairs = []
        for pair in ranges:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError(f"article_ranges holds {pair!r}, not a [first, last] pair")
            low, high = (_article_id(value, "article_ranges") for value in pair)
            if low > high:
                raise ValueError(f"article_ranges holds [{low}, {high}]: first after last")
            pairs.append((low, high))
        fields["id_ranges"] = tuple(sorted(pairs))
    search = parameters.get("search")
    if search is not None:
        if not isinstance(search, str) or not search.split() or len(search) > MAX_SEARCH:
            raise ValueError(f"search must be the words a title contains (1 to {MAX_SEARCH} "
                             f"characters), not {str(search)[:80]!r}")
        fields["search"] = search
    return fields


def _article_id(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValueError(f"{what} must hold article ids (positive integers), not {value!r}")
    return value


def narrowing_condition(id_ranges: tuple[tuple[int, int], ...], search: str):
    """The peewee condition for the ranges (single ids in one IN, pairs OR'ed) and every word of
    the search in the title (case-insensitive: LIKE on SQLite, ILIKE on PostgreSQL, as the
    list's search; peewee escapes % and _ as the list does), or None for neither."""
    parts = []
    if id_ranges:
        singles = [low for low, high in id_ranges if low == high]
        spans = [Article.id.between(low, high) for low, high in id_ranges if low < high]
        if singles:
            spans.append(Article.id.in_(singles))
        parts.append(_balanced(spans))
    parts.extend(Article.title.contains(word) for word in search.split())
    return reduce(and_, parts) if parts else None


def _balanced(conditions: list):
    """cond1 OR cond2 OR … as a balanced tree: a chain of a thousand would pass SQLite's
    expression depth limit (1000) and Python's recursion limit while peewee writes it."""
    if len(conditions) == 1:
        return conditions[0]
    middle = len(conditions) // 2
    return or_(_balanced(conditions[:middle]), _balanced(conditions[middle:]))


def ranges_end(id_ranges: tuple[tuple[int, int], ...]) -> int | None:
    """The largest id the ranges name (a job's watermark needs go no further)."""
    return max(high for _low, high in id_ranges) if id_ranges else None


def ranges_start(id_ranges: tuple[tuple[int, int], ...]) -> int | None:
    return min(low for low, _high in id_ranges) if id_ranges else None


def in_ranges(article_id: int, id_ranges: tuple[tuple[int, int], ...]) -> bool:
    return not id_ranges or any(low <= article_id <= high for low, high in id_ranges)
