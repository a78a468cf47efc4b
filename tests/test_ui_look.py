"""How the window looks and fits (issue 21, found under a real X server): it opens on the screen
it has, right-to-left names leave the sentences around them in order, colours and icons follow
the palette (a dark desktop too), times have one form from the locale."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, QLocale, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import QTreeView
from support.window import click_scope, run, wait_for_articles

from desktop.store import clock
from desktop.store.clock import to_db_text
from desktop.store.jobs_table import JobRecord
from desktop.ui.articles.model import RECEIVED, TITLE
from desktop.ui.articles.pane import TITLE_MIN_CHARS
from desktop.ui.feeds.feed_pane import NAME_MIN_WIDTH
from desktop.ui.formatting import FIRST_STRONG_ISOLATE, clock_time, isolated, local_time
from desktop.ui.joblist.model import COLUMNS, COMPLETED_TEXT, JobsTableModel, job_progress
from desktop.ui.joblist.panel import JOB_MIN_CHARS, JobsPanel
from desktop.ui.resources import icon
from desktop.ui.window.connect_dialog import ConnectDialog
from desktop.ui.window.file_dialog import database_file_dialog
from desktop.ui.window.main_window import DEFAULT_SIZE, MINIMUM_SIZE, MainWindow, fitted_rect

UI = Path(__file__).resolve().parents[1] / "desktop" / "ui"
ARABIC_FEED = "الجزيرة نت 🌍"


# -- fitting the screen ---------------------------------------------------------------------

def test_a_window_that_fits_is_restored_where_it_was_left_and_one_that_does_not_is_fitted():
    laptop = QRect(0, 0, 800, 500)  # 1600×1000 at QT_SCALE_FACTOR=2, in Qt's pixels
    assert fitted_rect(QRect(50, 40, 600, 400), laptop) == QRect(50, 40, 600, 400)
    fresh = fitted_rect(None, laptop)  # 1200×720 asked for: shrunk, centred, room for a frame
    assert laptop.contains(fresh) and fresh.size() == QSize(720, 450)
    assert fresh.center() == laptop.center()
    elsewhere = fitted_rect(QRect(2000, 100, 600, 400), laptop)  # left on a screen now gone
    assert laptop.contains(elsewhere) and elsewhere.size() == QSize(600, 400)
    too_big = fitted_rect(QRect(0, 0, 1900, 1100), laptop)  # saved on a larger screen
    assert laptop.contains(too_big) and too_big.size() == QSize(720, 450)
    big = QRect(0, 0, 2560, 1440)
    assert fitted_rect(None, big).size() == DEFAULT_SIZE  # room enough: the default size
    panel_left = QRect(64, 0, 1536, 1000)  # a panel on the left
    assert panel_left.contains(fitted_rect(QRect(0, 0, 1000, 700), panel_left))


def test_the_window_opens_on_the_available_screen_fresh_and_from_a_saved_geometry(
        qtbot, tmp_path):
    available = QGuiApplication.primaryScreen().availableGeometry()
    assert available.width() < DEFAULT_SIZE.width() or available.height() < \
        DEFAULT_SIZE.height(), "this test needs a screen smaller than the default size"
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    def opened() -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        window.show()
        return window

    window = opened()  # a first start
    assert available.contains(window.geometry()), (window.geometry(), available)
    window.setGeometry(QRect(available.right() + 1500, 40, 660, 440))  # another screen's
    window.save_state()
    again = opened()
    assert available.contains(again.geometry()), again.geometry()
    assert again.size() == QSize(660, 440)  # it fits: only moved
    again.setGeometry(QRect(available.left() + 10, available.top() + 20, 640, 460))
    again.save_state()
    kept = opened().geometry()  # as Qt restores it (offscreen, within its frame's few pixels)
    assert kept.size() == QSize(640, 460)
    assert (kept.topLeft() - available.topLeft() - QPoint(10, 20)).manhattanLength() <= 10
    assert window.minimumSize() == MINIMUM_SIZE


# -- right-to-left names --------------------------------------------------------------------

def visual_x(text: str, position: int) -> float:
    """Where the character at ``position`` of ``text`` is drawn, laid out left-to-right as the
    window's labels are."""
    layout = QTextLayout(text, QFont())
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(100_000)
    layout.endLayout()
    x = line.cursorToX(position)
    return x[0] if isinstance(x, tuple) else x


def test_a_right_to_left_feed_name_leaves_the_count_after_it(qtbot, make_window, server_db):
    """"الجزيرة نت 🌍 — 27 unread", not "27 — الجزيرة نت 🌍 unread": the count is drawn right
    of every letter of the name, in the list's header, the job's row and the status bar."""
    with sqlite3.connect(server_db) as conn:
        conn.execute("UPDATE feeds SET title = ? WHERE id = 1", (ARABIC_FEED,))
    window = make_window(server_db)
    window.prefs.confirm_mark_read = False
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    title = window.articles.pane.title.text()
    assert title == f"{isolated(ARABIC_FEED)} — 27 unread"
    count_at = title.index("27")
    name_end = title.index(ARABIC_FEED) + len(ARABIC_FEED)
    assert all(visual_x(title, count_at) > visual_x(title, at)
               for at in range(title.index(ARABIC_FEED), name_end)), title

    with qtbot.waitSignal(window.jobFinished, timeout=10_000) as finished:
        window.menus.mark_read_action.trigger()
    job = finished.args[0]
    row = window.jobs.model.row_of(job.id)
    assert window.jobs.model.index(row, 1).data() == f"Feed: {isolated(ARABIC_FEED)}"
    status = window.status_label.full_text
    assert status.startswith(f"Feed: {isolated(ARABIC_FEED)} (job {job.id})"), status
    assert visual_x(status, status.index(f"(job {job.id})")) > visual_x(status, name_end - 1)


def test_a_long_feed_name_is_cut_short_before_its_unread_count(qtbot, make_window, server_db):
    long_name = ("A very long feed name that goes on and on " * 5)[:200]
    with sqlite3.connect(server_db) as conn:
        conn.execute("UPDATE feeds SET title = ? WHERE id = 1", (long_name,))
    window = make_window(server_db)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    title = window.articles.pane.title
    shown = title.shown_text()
    assert shown != title.text() and title.toolTip() == title.text()
    assert shown.startswith(f"{FIRST_STRONG_ISOLATE}A very long feed") and "…" in shown
    assert shown.endswith(" — 27 unread"), shown  # the count whole: the name gave way


# -- colours and icons from the palette -----------------------------------------------------

def luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance."""
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def dark_palette() -> QPalette:
    """Adwaita-dark's colours, as a dark desktop hands them to Qt."""
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#353535"),
                         (QPalette.ColorRole.WindowText, "#eeeeec"),
                         (QPalette.ColorRole.Base, "#2d2d2d"),
                         (QPalette.ColorRole.Text, "#eeeeec"),
                         (QPalette.ColorRole.Button, "#353535"),
                         (QPalette.ColorRole.ButtonText, "#eeeeec")):
        palette.setColor(role, QColor(colour))
    return palette


@pytest.fixture
def palettes(qapp):
    """The light palette the session has, and a dark one; the application's put back after."""
    before = QPalette(qapp.palette())
    yield {"light": before, "dark": dark_palette()}
    qapp.setPalette(before)


def test_no_colour_is_written_into_the_window_code():
    """Colours come from the palette (or from it computed): no hex colour, no QColor made of
    numbers or names, no colour in a style sheet."""
    literal = re.compile(r"#[0-9a-fA-F]{3,8}\b|QColor\(\s*['\"\d]|color\s*:|Qt\.GlobalColor")
    found = [f"{path.name}:{number}: {line.strip()}"
             for path in sorted(UI.glob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if literal.search(line.split("  #")[0])]
    assert found == []


@pytest.mark.parametrize("shade", ["light", "dark"])
def test_the_connect_dialogs_error_reads_on_the_palettes_background(qtbot, palettes, shade):
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.setPalette(palettes[shade])
    dialog.show_error("could not connect to server: Connection refused")
    shown = dialog.message.palette()
    text, background = (shown.color(role) for role in (QPalette.ColorRole.WindowText,
                                                       QPalette.ColorRole.Window))
    assert contrast(text, background) >= 4.5, (shade, text.name(), background.name())
    assert text.hue() in range(0, 16) or text.hue() >= 345  # red: it is an error
    dialog.set_busy("postgresql://reader@db.example:5432/reader")
    assert dialog.message.palette().color(QPalette.ColorRole.WindowText) == \
        palettes[shade].color(QPalette.ColorRole.WindowText)  # the message is no error now


def drawn_colour(name: str) -> QColor:
    """The mean colour of an icon's opaque pixels."""
    image = icon(name).pixmap(32, 32).toImage()
    opaque = [image.pixelColor(x, y) for x in range(image.width())
              for y in range(image.height()) if image.pixelColor(x, y).alpha() > 200]
    assert opaque, name
    return QColor.fromRgbF(*(sum(getattr(c, part)() for c in opaque) / len(opaque)
                             for part in ("redF", "greenF", "blueF")))


@pytest.mark.parametrize("shade", ["light", "dark"])
def test_monochrome_icons_stand_out_on_light_and_dark_lists(qapp, palettes, shade):
    """"All articles" (and the bin of Clear finished jobs) are drawn in the palette's text
    colour: a fixed slate grey was lost on a dark list."""
    qapp.setPalette(palettes[shade])
    base = palettes[shade].color(QPalette.ColorRole.Base)
    for name in ("all", "clear"):
        assert contrast(drawn_colour(name), base) >= 3, (shade, name)


# -- times ----------------------------------------------------------------------------------

@pytest.fixture
def us_locale():
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


@pytest.mark.parametrize("locale", ["c", "en_US"])
def test_times_have_one_form_from_the_locale_without_seconds(request, locale):
    if locale == "en_US":
        request.getfixturevalue("us_locale")
    now = clock.now().in_timezone("local")
    earlier_today = now.start_of("day").add(hours=14, minutes=3, seconds=37)
    if earlier_today > now:
        earlier_today = now.start_of("day").add(seconds=37)
    yesterday = earlier_today.subtract(days=1)
    today_text = local_time(to_db_text(earlier_today), now)
    assert today_text == clock_time(earlier_today.hour, earlier_today.minute)
    assert local_time(to_db_text(yesterday), now) == f"yesterday {today_text}"
    assert ":37" not in today_text
    if locale == "en_US":
        assert today_text.endswith(("AM", "PM")), today_text


# -- the jobs table's columns ---------------------------------------------------------------

def completed(job_id: int, job_type: str, progress: int, total: int, marked: int | None,
              confirmed: int | None) -> JobRecord:
    done = clock.utc_now_text()
    return JobRecord(id=job_id, job_type=job_type, status="completed", user_id=1,
                     parameters='{"category_id": 1}', progress=progress, total=total,
                     created_at=done, started_at=done, completed_at=done, error_message=None,
                     watermark=None, cursor=None, marked_count=marked, owner=None,
                     confirmed_count=confirmed)


def test_every_completed_jobs_bar_says_the_same():
    """Confirmed here, fewer marked than confirmed, the command line's, an undo, a server's
    without a total: "100%" on a full bar each (it was "100%", "13,905 of 13,905 (100%)",
    "285,031 / 285,031 (100%)"...); what each changed is in its Message."""
    jobs = [completed(1, "mark_category_read", 20_000, 20_000, 13_905, 13_905),
            completed(2, "mark_category_read", 20_000, 20_000, 13_000, 13_905),
            completed(3, "mark_all_read", 285_031, 285_031, 100_000, None),
            completed(4, "undo_job", 40, 40, 13_905, None),
            completed(5, "mark_category_read", 1_234, 0, None, None)]
    bars = [job_progress(job) for job in jobs]
    assert {bar.text for bar in bars} == {COMPLETED_TEXT}
    assert all(bar.value == bar.maximum > 0 for bar in bars)
    model = JobsTableModel(lambda job: "Category: Tech")
    model.set_jobs(jobs)
    assert [model.index(row, COLUMNS.index("Message")).data() for row in range(3)] == [
        "13,905 newly read", "13,000 newly read", "100,000 newly read"]


def sections_fit(table) -> bool:
    header = table.horizontalHeader()
    return header.length() <= table.viewport().width()


def test_the_job_column_takes_the_spare_width_and_rate_shows_while_a_job_runs(qtbot):
    panel = JobsPanel(JobsTableModel(lambda job: f"Category: {isolated('Tech')}"))
    qtbot.addWidget(panel)
    panel.resize(1300, 300)
    panel.show()
    table, header = panel.table, panel.table.horizontalHeader()
    metrics, rate = table.fontMetrics(), COLUMNS.index("Rate")
    job = completed(1, "mark_category_read", 70, 70, 47, 47)
    panel.model.set_jobs([job])
    qtbot.waitUntil(lambda: sections_fit(table) and header.length() >= table.viewport().width())
    assert header.isSectionHidden(rate)  # no job runs: nothing to show there
    assert not any(header.isSectionHidden(column) for column in range(len(COLUMNS))
                   if column != rate)

    panel.model.set_jobs([replace(job, status="running", completed_at=None)])
    qtbot.waitUntil(lambda: not header.isSectionHidden(rate) and sections_fit(table))
    widths = {name: table.columnWidth(COLUMNS.index(name)) for name in COLUMNS}
    assert widths["Job"] == max(widths.values())  # it was Message that took the spare width
    for name, text in (("Rate", "214,480/s, <1 s left"),
                       ("Progress", "130,387 of 780,177  (16%)"),
                       ("Started", local_time(clock.utc_now_text()))):
        assert metrics.horizontalAdvance(text) < widths[name], (name, text, widths[name])

    panel.resize(500, 300)  # narrow: the least needed give way, Job keeps its minimum
    qtbot.waitUntil(lambda: sections_fit(table) and header.isSectionHidden(
        COLUMNS.index("Finished")))
    assert table.columnWidth(COLUMNS.index("Job")) >= metrics.averageCharWidth() * JOB_MIN_CHARS
    panel.resize(1300, 300)  # wide again: every column back, as wide as before
    qtbot.waitUntil(lambda: not any(header.isSectionHidden(c) for c in range(len(COLUMNS))))
    assert table.columnWidth(rate) == widths["Rate"]


def test_at_the_smallest_size_the_jobs_keep_job_status_progress_and_their_actions(
        qtbot, make_window, server_db):
    window = make_window(server_db)
    job_id = run(qtbot, window.manager.create_job("mark_feed_read", 1, {"feed_id": 5}))
    run(qtbot, window.manager.wait_for_job(job_id))
    run(qtbot, window.jobs.reload())
    table, header = window.jobs.panel.table, window.jobs.panel.table.horizontalHeader()
    window.resize(MINIMUM_SIZE)
    qtbot.waitUntil(lambda: window.size() == MINIMUM_SIZE)
    qtbot.waitUntil(lambda: sections_fit(table))
    for name in ("Job", "Status", "Progress"):  # never hidden
        assert not header.isSectionHidden(COLUMNS.index(name)), name
    # (all that can give way is hidden: "Category: Tech" still reads whole)
    assert table.columnWidth(COLUMNS.index("Job")) >= table.fontMetrics().horizontalAdvance(
        f"Category: {isolated('Tech')}") + 12
    toolbar = window.jobs.panel.toolbar  # icons alone, none in a » menu
    qtbot.waitUntil(lambda: all(toolbar.widgetForAction(action).isVisible()
                                for action in toolbar.actions()))
    assert toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
    window.resize(1600, 900)  # wide again: the words come back
    qtbot.waitUntil(lambda: toolbar.toolButtonStyle()
                    == Qt.ToolButtonStyle.ToolButtonTextBesideIcon)


def test_at_the_smallest_size_the_list_keeps_its_scope_titles_and_received(
        qtbot, make_window, server_db):
    window = make_window(server_db)
    window.resize(MINIMUM_SIZE)
    qtbot.waitUntil(lambda: window.size() == MINIMUM_SIZE)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    view, pane = window.articles.view, window.articles.pane
    qtbot.waitUntil(lambda: sections_fit(view))
    assert not view.horizontalHeader().isSectionHidden(RECEIVED)
    assert view.columnWidth(TITLE) >= view.fontMetrics().averageCharWidth() * TITLE_MIN_CHARS
    assert pane.title.shown_text() == pane.title.text()  # "Feed 1 — 27 unread", whole
    assert pane.search.placeholderText() in pane.search.toolTip()
    assert window.tree.header().sectionSize(0) >= NAME_MIN_WIDTH
    sizes = window.content_splitter.sizes()
    assert sizes[0] > sizes[1]  # the list keeps the larger share of a short window


# -- the Open dialog ------------------------------------------------------------------------

def test_the_open_dialogs_columns_show_sizes_types_and_dates_whole(qtbot, tmp_path):
    dialog = database_file_dialog(None, "Open", str(tmp_path))
    qtbot.addWidget(dialog)
    details = dialog.findChild(QTreeView, "treeView")
    header, metrics = details.header(), details.fontMetrics()
    modified = QLocale().toString(QDateTime.currentDateTime(), QLocale.FormatType.ShortFormat)
    for column, text in ((1, "202.5 MiB"), (2, "SQLite database"), (3, modified)):
        assert metrics.horizontalAdvance(text) + 8 <= header.sectionSize(column), text
