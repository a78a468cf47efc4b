"""Figures, targets and tables for the article list (issue 15): first paint, scrolling, memory,
and the title search with LIKE against an FTS5 index."""

from __future__ import annotations

from rich.table import Table

from ..common.stats import median_of

FIRST_PAINT_MS = 150  # "first rows of a 600k-article category painted ≤ 150 ms after the click"
STALL_P99_MS = 16  # "scrolling to the end does not freeze the window"
FLAT_MB = 5.0  # "memory stays flat": the peak while scrolling at most this above the listed list


def build(runs: dict, figures: dict, target) -> None:
    rs = runs.get("articles")
    if rs:
        worst = [max(r["first_paint_ms"]) for r in rs]
        f = figures["articles"] = {
            "category_rows": median_of(rs, "category_rows"),
            "first_paint_cold_ms": median_of(rs, "first_paint_cold_ms"),
            "first_paint_later_median_ms": median_of(rs, "first_paint_later_ms", "median"),
            "first_paint_worst_ms": sorted(worst)[len(worst) // 2],
            "other_scopes_ms": {name: median_of(rs, "other_scopes_ms", name)
                                for name in rs[0]["other_scopes_ms"]},
            "listed_seconds": median_of(rs, "listed_seconds"),
            "clicks_stall_p99_ms": median_of(rs, "clicks_stall_ms", "p99"),
            "clicks_stall_worst_ms": median_of(rs, "clicks_stall_ms", "max"),
            "end_ms": median_of(rs, "end_ms"), "home_ms": median_of(rs, "home_ms"),
            "drag_ms": median_of(rs, "drag_ms"), "wheel_ms": median_of(rs, "wheel_ms"),
            "drag_settle_ms": median_of(rs, "drag_settle_ms"),
            "wheel_settle_ms": median_of(rs, "wheel_settle_ms"),
            "scroll_stall_p99_ms": median_of(rs, "scroll_stall_ms", "p99"),
            "scroll_stall_worst_ms": median_of(rs, "scroll_stall_ms", "max"),
            "growth_listing_mb": median_of(rs, "growth_listing_mb"),
            "growth_scrolling_mb": median_of(rs, "growth_scrolling_mb"),
            "rows_kept_after_scrolling": median_of(rs, "rows_kept_after_scrolling"),
            "rss_first_paint_mb": median_of(rs, "rss_mb", "first_paint"),
            "show_read_rows": median_of(rs, "show_read_rows"),
            "show_read_first_paint_ms": median_of(rs, "show_read_first_paint_ms"),
            "show_read_listed_seconds": median_of(rs, "show_read_listed_seconds"),
        }
        target("list_first_paint", "article list: the category clicked, first rows of its "
               f"{f['category_rows']:,.0f} unread articles painted ≤ {FIRST_PAINT_MS} ms after "
               "the click (worst click)",
               f["first_paint_worst_ms"], f["first_paint_worst_ms"] <= FIRST_PAINT_MS)
        target("list_first_paint_show_read", "article list: “Show read” clicked, first rows of "
               f"all {f['show_read_rows']:,.0f} articles of the category painted ≤ "
               f"{FIRST_PAINT_MS} ms", f["show_read_first_paint_ms"],
               f["show_read_first_paint_ms"] <= FIRST_PAINT_MS)
        target("list_scroll_stall", f"article list: event-loop stall while scrolling to the end "
               f"p99 ≤ {STALL_P99_MS} ms", f["scroll_stall_p99_ms"],
               f["scroll_stall_p99_ms"] <= STALL_P99_MS)
        target("list_listing_stall", "article list: event-loop stall while clicking and listing "
               f"the category p99 ≤ {STALL_P99_MS} ms", f["clicks_stall_p99_ms"],
               f["clicks_stall_p99_ms"] <= STALL_P99_MS)
        target("list_memory_flat", f"article list: memory flat while scrolling to the end "
               f"(peak ≤ {FLAT_MB:g} MB above the listed list)", f["growth_scrolling_mb"],
               f["growth_scrolling_mb"] <= FLAT_MB)
    rs = runs.get("search")
    if rs:
        keys = list(rs[0]["like"])
        figures["search"] = {
            "like": {key: {field: median_of(rs, "like", key, field)
                           for field in ("first_page_ms", "all_ms", "matches")} for key in keys},
            "fts": {key: {field: median_of(rs, "fts", key, field)
                          for field in ("first_page_ms", "all_ms", "matches")} for key in keys},
            "unfiltered_category_all_ms": median_of(rs, "unfiltered_category", "all_ms"),
            "fts_build_seconds": median_of(rs, "fts_build_seconds"),
            "fts_index_mb": median_of(rs, "fts_index_mb"),
            "insert_ms_without_fts": median_of(rs, "insert_ms_without_fts", "median"),
            "insert_ms_with_fts": median_of(rs, "insert_ms_with_fts", "median"),
            "insert_p95_ms_without_fts": median_of(rs, "insert_ms_without_fts", "p95"),
            "insert_p95_ms_with_fts": median_of(rs, "insert_ms_with_fts", "p95"),
        }


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def show(results: dict, console) -> None:
    f = results["figures"]
    if "articles" in f:
        a = f["articles"]
        table = Table(title=f"The article list: a category of {a['category_rows']:,.0f} unread "
                            "articles in the window (median of runs)")
        table.add_column("measurement")
        table.add_column("ms", justify="right")
        table.add_column("loop stall ms p99 / worst", justify="right")
        stall = f"{_ms(a['clicks_stall_p99_ms'])} / {_ms(a['clicks_stall_worst_ms'])}"
        table.add_row("click → first rows painted, first click after opening",
                      _ms(a["first_paint_cold_ms"]), stall)
        table.add_row("  … later clicks (median) / worst click",
                      f"{_ms(a['first_paint_later_median_ms'])} / "
                      f"{_ms(a['first_paint_worst_ms'])}", "")
        for name, value in a["other_scopes_ms"].items():
            table.add_row(f"  click on {name}", _ms(value), "")
        table.add_row("the whole category listed (in the background)",
                      _ms(a["listed_seconds"] * 1e3), "")
        stall = f"{_ms(a['scroll_stall_p99_ms'])} / {_ms(a['scroll_stall_worst_ms'])}"
        table.add_row("End → the last rows painted", _ms(a["end_ms"]), stall)
        table.add_row("Home → the first rows painted", _ms(a["home_ms"]), "")
        table.add_row("scrollbar dragged top to bottom (240 steps, ~2 s) → rows painted",
                      _ms(a["drag_ms"]), "")
        table.add_row("  … of which after the thumb stopped", _ms(a["drag_settle_ms"]), "")
        table.add_row("600 wheel steps of 3 rows → rows painted", _ms(a["wheel_ms"]), "")
        table.add_row("  … of which after the last step", _ms(a["wheel_settle_ms"]), "")
        table.add_row(f"“Show read” clicked → first rows of all {a['show_read_rows']:,.0f} "
                      "painted", _ms(a["show_read_first_paint_ms"]), "")
        table.add_row("  … all of them listed (in the background)",
                      _ms(a["show_read_listed_seconds"] * 1e3), "")
        console.print(table)
        console.print(f"memory: {a['rss_first_paint_mb']:.0f} MB at the first paint; "
                      f"+{a['growth_listing_mb']:.1f} MB once the category is listed (Qt's "
                      f"rows); peak while scrolling +{a['growth_scrolling_mb']:.1f} MB; "
                      f"{a['rows_kept_after_scrolling']:,.0f} rows kept after scrolling")
    if "search" in f:
        s = f["search"]
        table = Table(title="Title search: the list's LIKE steps against an FTS5 index "
                            "(median ms of runs)")
        for column in ("search", "scope", "matches", "LIKE first page", "LIKE all",
                       "FTS5 first page", "FTS5 all"):
            table.add_column(column, justify="left" if column in ("search", "scope")
                             else "right")
        for key, like in s["like"].items():
            label, scope = key.split("|")
            fts = s["fts"][key]
            table.add_row(label, scope, f"{like['matches']:,.0f} / {fts['matches']:,.0f}",
                          _ms(like["first_page_ms"]), _ms(like["all_ms"]),
                          _ms(fts["first_page_ms"]), _ms(fts["all_ms"]))
        console.print(table)
        console.print(
            f"FTS5 index: built in {s['fts_build_seconds']:.1f} s, {s['fts_index_mb']:.0f} MB; "
            f"an article INSERT (own transaction) {s['insert_ms_without_fts']:.3f} ms without, "
            f"{s['insert_ms_with_fts']:.3f} ms with its trigger (p95 "
            f"{s['insert_p95_ms_without_fts']:.3f} / {s['insert_p95_ms_with_fts']:.3f} ms); "
            f"the category unfiltered listed in {_ms(s['unfiltered_category_all_ms'])} ms")
