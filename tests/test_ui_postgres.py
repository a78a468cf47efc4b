"""The desktop window on a real PostgreSQL database (the session's server: postgres_server.py),
driven like a user would: the tree and its counts, a mark-read job with its confirmation, cancel
and undo, the article list with M, and *File › Connect to server…* with its failures."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from urllib.parse import urlsplit

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from support.databases import SERVER_SCHEMA_PG, make_server_database_pg
from support.postgres_server import free_port
from support.window import (
    ROOT,
    SERVER_UNREAD_USER1,
    bold_ids,
    click_article,
    click_scope,
    click_toolbar,
    listed_ids,
    panel_button,
    run,
    tree_count,
    wait_for_articles,
)

from desktop.ui.formatting import isolated

ROLE, PASSWORD = "window_reader", "Window-pw-8093"


@pytest.fixture
def reader_pg(postgres_url) -> str:
    """The conftest's small known data set, in PostgreSQL."""
    return make_server_database_pg(postgres_url)


@pytest.fixture
def no_stored_password(monkeypatch):
    """No PGPASSWORD and no ~/.pgpass: a password can only come from the window."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")


@pytest.fixture
def password_url(postgres_server, reader_pg, no_stored_password):
    """reader_pg's URL for a role that must give PASSWORD (and may read and write the data)."""
    from desktop.store.connection import use_password_for_session

    name = urlsplit(reader_pg).path.strip("/")
    postgres_server.create_role(ROLE, PASSWORD)
    with postgres_server.connect(name) as conn:
        conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {ROLE}")
        conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
        conn.execute(f"GRANT CREATE ON SCHEMA public TO {ROLE}")
    url = reader_pg.replace(f"{urlsplit(reader_pg).username}@", f"{ROLE}@", 1)
    yield url
    use_password_for_session(url, None)
    postgres_server.drop_database(name)  # (its grants first: then the role can go)
    postgres_server.drop_role(ROLE)


def pg_value(url: str, sql: str, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


def pg_unread(url: str, user_id: int, category_id: int) -> int:
    return pg_value(url, "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id "
                         "LEFT JOIN read_status r ON r.article_id = a.id AND r.user_id = %s "
                         "WHERE f.category_id = %s AND NOT coalesce(r.is_read, false)",
                    (user_id, category_id))


def is_read(url: str, article_id: int, user_id: int = 1) -> bool:
    return bool(pg_value(url, "SELECT coalesce(bool_or(is_read), false) FROM read_status "
                              "WHERE user_id = %s AND article_id = %s", (user_id, article_id)))


# -- what the window shows and does on PostgreSQL --------------------------------------------

def test_the_window_opens_a_postgresql_database_with_its_counts(qtbot, make_window, reader_pg):
    window = make_window(reader_pg)
    assert window.database_target == reader_pg and window.database.database_path is None
    assert window.windowTitle() == f"{reader_pg} — RSS Desktop Companion"
    assert window.status_label.full_text == f"Opened {reader_pg}"
    for feed, unread in SERVER_UNREAD_USER1.items():
        assert tree_count(window, "feed", feed) == unread
    assert tree_count(window, "category", 1) == SERVER_UNREAD_USER1[1] + SERVER_UNREAD_USER1[2]
    assert tree_count(window, "all", None) == sum(SERVER_UNREAD_USER1.values())
    assert window.user_combo.count() == 2 and window.jobs.panel.isEnabled()
    assert window.prefs.recent_databases()[0] == reader_pg


def test_mark_a_category_read_and_watch_its_count_fall(qtbot, make_window, reader_pg):
    window = make_window(reader_pg, max_chunk=7)  # 70 articles: ten chunks
    news_before = tree_count(window, "category", 2)
    seen = []
    window.bridge.jobEvent.connect(
        lambda event: event.kind == "progress" and seen.append(tree_count(window, "category", 1)))
    click_scope(qtbot, window, "category", 1)
    click_toolbar(qtbot, window, window.menus.mark_read_action)
    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    assert dialog.question.text() == f"Mark 47 unread articles in {isolated('Tech')} as read?"
    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = finished.args[0]
    assert job.status == "completed" and job.progress == job.total == 70
    assert len(seen) > 3 and seen == sorted(seen, reverse=True) and seen[0] < 47
    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == 0)
    assert tree_count(window, "category", 2) == news_before
    assert pg_unread(reader_pg, 1, 1) == 0 and pg_unread(reader_pg, 1, 2) == news_before

    # undone from the status bar's offer: the counts come back
    assert window.jobs.undo_offer.isVisible()
    with qtbot.waitSignal(window.jobFinished, timeout=20_000) as undone:
        qtbot.mouseClick(window.jobs.undo_offer, Qt.MouseButton.LeftButton)
    assert undone.args[0].job_type == "undo_mark_read" and undone.args[0].status == "completed"
    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == 47)
    assert pg_unread(reader_pg, 1, 1) == 47


def test_cancel_a_job_waiting_on_a_row_another_program_holds(qtbot, make_window, reader_pg):
    """Another connection holds article 30's row: the job waits there, mid-way; Cancel on its
    row stops it once that chunk is through, the work done kept."""
    window = make_window(reader_pg, max_chunk=5)
    window.prefs.confirm_mark_read = False
    blocker = psycopg.connect(reader_pg)
    blocker.execute("SELECT 1 FROM articles WHERE id = 30 FOR UPDATE")
    try:
        click_scope(qtbot, window, "feed", 1)
        window.menus.mark_read_action.trigger()
        qtbot.waitUntil(lambda: window.jobs.model.rowCount() == 1
                        and window.jobs.model.job_at(0).progress > 0, timeout=10_000)
        window.jobs.panel.select_job(window.jobs.model.job_at(0).id)
        assert window.jobs.panel.cancel_action.isEnabled()
        qtbot.mouseClick(panel_button(window, window.jobs.panel.cancel_action),
                         Qt.MouseButton.LeftButton)
    finally:
        blocker.rollback()
        blocker.close()
    qtbot.waitUntil(lambda: window.jobs.model.job_at(0).status == "cancelled", timeout=20_000)
    job = window.jobs.model.job_at(0)
    assert 0 < job.progress < job.total == 40
    assert job.error_message == "cancelled by the desktop app"
    qtbot.waitUntil(lambda: tree_count(window, "feed", 1) == pg_value(
        reader_pg, "SELECT count(*) FROM articles a WHERE feed_id = 1 AND NOT EXISTS (SELECT 1 "
                   "FROM read_status r WHERE r.user_id = 1 AND r.article_id = a.id AND "
                   "r.is_read)"))
    assert 0 < tree_count(window, "feed", 1) < SERVER_UNREAD_USER1[1]


def test_the_article_list_shows_rows_and_m_toggles_read(qtbot, make_window, reader_pg):
    window = make_window(reader_pg)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    unread_feed_1 = [n for n in range(40, 0, -1) if n % 3]
    assert listed_ids(window) == unread_feed_1 and bold_ids(window) == set(unread_feed_1)
    assert window.articles.pane.title.text() == f"{isolated('Feed 1')} — 27 unread"

    click_article(qtbot, window, 38)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.articles.view.setFocus()
    qtbot.keyClick(window.articles.view, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: 38 not in bold_ids(window))
    assert is_read(reader_pg, 38)
    assert tree_count(window, "feed", 1) == 26 and tree_count(window, "category", 1) == 46
    qtbot.keyClick(window.articles.view, Qt.Key.Key_M)  # unread again
    qtbot.waitUntil(lambda: 38 in bold_ids(window))
    assert not is_read(reader_pg, 38) and tree_count(window, "feed", 1) == 27

    # the title search is case-insensitive on PostgreSQL too (ILIKE)
    qtbot.keyClicks(window.articles.pane.search, "article 3")
    qtbot.waitUntil(lambda: window.articles.model.spec.search == "article 3")
    wait_for_articles(qtbot, window)
    assert listed_ids(window) == [n for n in unread_feed_1 if "3" in str(n)]  # every word


def test_another_programs_change_reloads_the_counts(qtbot, make_window, reader_pg):
    """No event of ours: the poll sees the server's transaction counter move."""
    window = make_window(reader_pg)
    before = tree_count(window, "feed", 5)
    with psycopg.connect(reader_pg) as conn:
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, created_at, "
                     "updated_at) VALUES (1, 101, true, 'x', 'x')")
    qtbot.waitUntil(lambda: tree_count(window, "feed", 5) == before - 1, timeout=10_000)


def test_a_server_database_without_users_offers_no_sample_data(qtbot, make_window,
                                                               postgres_url):
    """Sample data is made in files only (a server's ids come from its sequences)."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SERVER_SCHEMA_PG)
    window = make_window(postgres_url)
    assert window.pages.currentWidget() is window.empty_state
    assert window.empty_state.sample_button.isHidden()
    assert window.empty_state.connect_button.isVisible()
    assert window.empty_state.message.text() == (
        f"{postgres_url} has no users or feeds yet.\n"
        "The reader's web server adds them; or open another database.")


def test_gui_database_url_on_the_command_line(tmp_path, reader_pg):
    output = tmp_path / "shot.png"
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "PATH": "/usr/bin:/bin",
           "XDG_STATE_HOME": str(tmp_path / "state")}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "desktop", "gui", "--database", reader_pg,
                             "--screenshot", str(output)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    image = QImage(str(output))
    assert not image.isNull() and image.width() >= 1000
    print(f"screenshot on PostgreSQL took {time.monotonic() - started:.2f} s")


# -- File › Connect to server… ------------------------------------------------------------------

def fill_dialog(qtbot, dialog, url: str, password: str = "") -> None:
    """Top to bottom, as a person does (a password is for the server and user above it)."""
    parts = urlsplit(url)
    dialog.port.setValue(parts.port)
    for field, text in ((dialog.host, parts.hostname), (dialog.user, parts.username or ""),
                        (dialog.database, parts.path.strip("/")), (dialog.password, password)):
        field.clear()
        qtbot.keyClicks(field, text)


def connect_through_dialog(qtbot, window, url: str, password: str = ""):
    """Open the dialog from the File menu's action, fill it in, press Connect; the dialog."""
    window.menus.connect_action.trigger()
    dialog = window.database.connect_dialog
    qtbot.waitUntil(dialog.isVisible)
    fill_dialog(qtbot, dialog, url, password)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    return dialog


def wait_for_error(qtbot, dialog) -> str:
    qtbot.waitUntil(lambda: dialog.message.isVisible() and dialog.connect_button.isEnabled()
                    and not dialog.message.text().startswith("Connecting"), timeout=15_000)
    return dialog.message.text()


@pytest.fixture
def notes_url(postgres_server):
    """A database of the server that is some other program's (a table of notes)."""
    url = postgres_server.create_database("some_other_programs")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (body text)")
    yield url
    postgres_server.drop_database("some_other_programs")


def test_connect_dialog_failures_keep_the_open_database(qtbot, make_window, server_db,
                                                       notes_url, password_url, caplog):
    caplog.set_level(logging.INFO)
    window = make_window(server_db)
    parts = urlsplit(password_url)

    dialog = connect_through_dialog(qtbot, window, password_url, "not-the-password")
    text = wait_for_error(qtbot, dialog)
    assert text.startswith(f"{password_url}: ") and "password is wrong" in text
    assert "not-the-password" not in text and dialog.password.text() == ""
    assert dialog.password.hasFocus() and dialog.database.text() == parts.path.strip("/")
    assert window.database.database_path == server_db and window.manager is not None

    unreachable = f"postgresql://{parts.username}@127.0.0.1:{free_port()}/reader"
    fill_dialog(qtbot, dialog, unreachable)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    text = wait_for_error(qtbot, dialog)
    assert text.startswith(f"{unreachable}: cannot reach the database server")

    fill_dialog(qtbot, dialog, notes_url)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    text = wait_for_error(qtbot, dialog)
    assert text.startswith(f"{notes_url}: is not an RSS reader's database")

    dialog.reject()
    assert window.database.database_path == server_db \
        and window.windowTitle().startswith("reader.db")
    assert window.prefs.recent_databases() == [str(server_db)]
    run(qtbot, window.refresh())  # the file's engine still works
    assert tree_count(window, "category", 1) == SERVER_UNREAD_USER1[1] + SERVER_UNREAD_USER1[2]

    # and with the right password: connected; the password is nowhere but in memory
    with qtbot.waitSignal(window.databaseOpened, timeout=15_000):
        dialog = connect_through_dialog(qtbot, window, password_url, PASSWORD)
    assert window.database_target == password_url and dialog.closed
    assert window.windowTitle() == f"{password_url} — RSS Desktop Companion"
    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == 47)
    window.prefs.sync()
    settings_file = window.settings.fileName()
    with open(settings_file, encoding="utf-8") as saved:
        assert PASSWORD not in saved.read()
    assert password_url in window.prefs.recent_databases()
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)
    assert PASSWORD not in window.status_label.full_text


def test_open_recent_reopens_a_url_asking_for_a_password_only_if_needed(
        qtbot, make_window, server_db, reader_pg, password_url):
    window = make_window(server_db)
    window.prefs.remember_database(reader_pg)  # trusted: no password asked
    window.prefs.remember_database(password_url)  # asks for one
    window.prefs.remember_database(str(server_db))

    def recent_action(text):
        window.menus.fill_recent_menu()
        [action] = [a for a in window.menus.recent_menu.actions() if a.text() == text]
        return action

    def opened(target: str):
        """Waits until the window has finished opening ``target`` (its status set, its users
        read): database_target is set midway, and an open still running could overwrite what
        the next one shows."""
        return qtbot.waitSignal(window.databaseOpened, timeout=15_000,
                                check_params_cb=lambda shown: shown == target)

    with opened(reader_pg):
        recent_action(reader_pg).trigger()
    assert window.database_target == reader_pg
    assert window.database.connect_dialog is None

    recent_action(password_url).trigger()
    qtbot.waitUntil(lambda: window.database.connect_dialog is not None
                    and window.database.connect_dialog.isVisible(), timeout=15_000)
    dialog = window.database.connect_dialog
    assert dialog.reason.text() == f"The server asks for a password to open\n{password_url}"
    assert dialog.user.text() == ROLE and dialog.password.hasFocus()
    assert window.database_target == reader_pg  # still open meanwhile
    assert window.status_label.full_text == f"{password_url}: the server asks for a password"
    qtbot.keyClicks(dialog.password, PASSWORD)
    with opened(password_url):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert window.database_target == password_url
    qtbot.waitUntil(lambda: tree_count(window, "feed", 1) == SERVER_UNREAD_USER1[1])

    # in this run the password is known: reopening asks nothing
    window.database.connect_dialog = None
    with opened(str(server_db)):
        recent_action(str(server_db)).trigger()
    assert window.database.database_path == server_db
    with opened(password_url):
        recent_action(password_url).trigger()
    assert window.database_target == password_url
    assert window.database.connect_dialog is None


def test_a_url_pasted_into_host_fills_the_fields_and_its_password_stays_out_of_it(
        qtbot, make_window):
    window = make_window()
    window.menus.connect_action.trigger()
    dialog = window.database.connect_dialog
    dialog.host.clear()
    QApplication.clipboard().setText("postgresql://ann:s3cret@db.example:6543/news%20reader")
    qtbot.keyClick(dialog.host, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert (dialog.host.text(), dialog.port.value(), dialog.user.text(),
            dialog.database.text(), dialog.password.text()) == (
        "db.example", 6543, "ann", "news reader", "s3cret")
    assert dialog.url() == "postgresql://ann@db.example:6543/news%20reader"
    dialog.reject()


def test_a_privilege_the_database_user_lacks_is_said_in_words(qtbot, make_window, reader_pg,
                                                             password_url):
    """The role may read and write the rows but owns no table: the first write, which adds
    this app's indexes to the server's tables, is refused by the server. The window says so
    with the database's URL, not as an unexpected error, and stays on the database."""
    from desktop.store.connection import use_password_for_session

    use_password_for_session(password_url, PASSWORD)
    window = make_window(password_url)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    click_article(qtbot, window, 40)
    with qtbot.waitSignal(window.errorShown, timeout=10_000) as shown:
        window.articles.toggle_read_action.trigger()
    assert shown.args[0].startswith(f"{password_url}: the database user lacks a privilege")
    assert window.messages.message_box.windowTitle() == "Database error"
    assert window.database_target == password_url and not is_read(reader_pg, 40)


def test_a_server_out_of_reach_is_said_once_and_read_again_when_back(
        qtbot, make_window, postgres_server, reader_pg):
    window = make_window(reader_pg)
    before = tree_count(window, "feed", 5)
    errors, polls = [], []
    window.errorShown.connect(errors.append)
    window.poll_timer.timeout.connect(lambda: polls.append(1))
    postgres_server.stop()
    try:
        qtbot.waitUntil(lambda: window.status_label.full_text.startswith(
            f"Lost the connection to {reader_pg}; trying again…"), timeout=15_000)
        asked = len(polls)
        qtbot.waitUntil(lambda: len(polls) >= asked + 3, timeout=15_000)  # asked again, quietly
    finally:
        postgres_server.ensure_running()
    with psycopg.connect(reader_pg) as conn:  # another program, while we could not see
        conn.execute("INSERT INTO read_status (user_id, article_id, is_read, created_at, "
                     "updated_at) VALUES (1, 101, true, 'x', 'x')")
    qtbot.waitUntil(lambda: window.status_label.full_text == f"Opened {reader_pg}",
                    timeout=15_000)
    qtbot.waitUntil(lambda: tree_count(window, "feed", 5) == before - 1, timeout=10_000)
    assert errors == []


def test_the_article_list_starts_again_when_its_connection_was_replaced(qtbot, make_window,
                                                                        postgres_url):
    """The server ended our sessions (an administrator, an idle timeout): the next statement
    connects again, but the list's TEMP table went with the old session. Scrolling to rows not
    read yet finds it gone, and the list is started again rather than left empty."""
    url = make_server_database_pg(postgres_url, articles_per_feed=(1000, 30, 20, 10, 5))
    window = make_window(url)
    window.articles.pane.show_read.setChecked(True)
    click_scope(qtbot, window, "feed", 1)
    wait_for_articles(qtbot, window)
    model = window.articles.model
    assert model.rowCount() == 1000 and model.row_at(999) is None  # the last page not read yet
    errors, lost = [], []
    window.errorShown.connect(errors.append)
    window.articles.loader.listLost.connect(lambda: lost.append(True))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                     "application_name = 'rss-desktop' AND datname = current_database()")
    window.articles.view.scrollToBottom()
    qtbot.waitUntil(lambda: bool(lost) and model.rowCount() == 1000, timeout=10_000)
    window.articles.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.row_at(999) is not None, timeout=10_000)
    assert model.row_at(999).id == 1 and errors == []


def test_another_programs_job_is_followed_as_its_chunks_are_pushed(qtbot, make_window, reader_pg,
                                                                    monkeypatch):
    """With polling slowed to once in ten minutes, only the database's notices can bring the
    other program's job into the panel, finished, and its category's count to 0."""
    import desktop.ui.window.main_window as main_window

    monkeypatch.setattr(main_window, "ACTIVE_POLL_MS", 600_000)
    monkeypatch.setattr(main_window, "IDLE_POLL_MS", 600_000)
    window = make_window(reader_pg)
    assert tree_count(window, "category", 1) > 0
    other = subprocess.run([sys.executable, "-m", "desktop", "mark-read", "--quiet", "--database",
                            reader_pg, "--user", "1", "--category", "1"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    job_id = int(other.stdout)
    qtbot.waitUntil(lambda: any(job.id == job_id and job.status == "completed"
                                for job in window.jobs.model.jobs()), timeout=10_000)
    qtbot.waitUntil(lambda: tree_count(window, "category", 1) == 0, timeout=10_000)


def test_a_burst_of_notices_makes_one_more_reload_never_reloads_side_by_side(
        qtbot, make_window, reader_pg, monkeypatch):
    """Another process's job notifies at every chunk, dozens a second. While the window's
    reload awaits its counts, a burst of notices must make one more reload after it — not a
    reload each, side by side, queued on the read thread (on a large database that queue kept
    the window's article list and jobs from loading long after the job had ended). The first
    reload is held at its counts until the whole burst has arrived: the race cannot be lost."""
    import asyncio

    import desktop.ui.window.main_window as main_window

    monkeypatch.setattr(main_window, "ACTIVE_POLL_MS", 600_000)
    monkeypatch.setattr(main_window, "IDLE_POLL_MS", 600_000)
    window = make_window(reader_pg)
    qtbot.waitUntil(lambda: not window._polling)
    manager, gate = window.manager, asyncio.Event()
    original_counts = manager.counts_snapshot
    counted = {"calls": 0, "in_flight": 0, "most_in_flight": 0}

    async def held_counts(*args, **kwargs):
        counted["calls"] += 1
        counted["in_flight"] += 1
        counted["most_in_flight"] = max(counted["most_in_flight"], counted["in_flight"])
        try:
            await gate.wait()
            return await original_counts(*args, **kwargs)
        finally:
            counted["in_flight"] -= 1

    manager.counts_snapshot = held_counts
    original_notice, notices = window._another_program_moved, []

    def counted_notice(moved_manager):
        notices.append(moved_manager)
        original_notice(moved_manager)

    window._another_program_moved = counted_notice
    with psycopg.connect(reader_pg, autocommit=True) as conn:
        conn.execute("NOTIFY rss_desktop_jobs, '1 another-host:1:x'")
        qtbot.waitUntil(lambda: counted["calls"] == 1, timeout=10_000)  # held at its counts
        for _ in range(20):  # each its own transaction: delivered one by one
            conn.execute("NOTIFY rss_desktop_jobs, '1 another-host:1:x'")
    qtbot.waitUntil(lambda: len(notices) == 21, timeout=10_000)
    gate.set()
    qtbot.waitUntil(lambda: counted["calls"] == 2 and counted["in_flight"] == 0
                    and not window._polling, timeout=10_000)
    assert counted["most_in_flight"] == 1
    assert window.poll_timer.remainingTime() > 60_000  # nothing more until the slow poll
