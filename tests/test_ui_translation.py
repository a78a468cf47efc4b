"""The window in every language (issue 24): no visible text is left untranslated (proven with a
pseudo-locale built from the catalogue at test time, left to right and right to left), German
plural forms, the language chosen at start, and the catalogues current with the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QMenu
from support.pseudo_locale import (
    ACCENTED,
    HEBREW,
    ROOT,
    build,
    offenders,
    reset_language,
    untranslated,
)
from support.window import click_scope, click_toolbar, run, wait_for_articles

from desktop.ui.translations import choose_language, install_language, shipped_languages

translate = QCoreApplication.translate


@pytest.fixture
def pseudo_language(qapp, tmp_path):
    """``pseudo_language(rtl=False)``: the pseudo-locale installed (as "de", or "he" right to
    left), with number and date formats whose words are not ASCII either (Greek, Hebrew)."""
    installed = []

    def install(rtl: bool = False):
        language, letters, formats = ("he", HEBREW, "he_IL") if rtl else ("de", ACCENTED, "el")
        build(tmp_path, language, letters)
        installed.extend(install_language(qapp, language, folder=tmp_path,
                                          formats=QLocale(formats)))
        return language

    yield install
    reset_language(qapp, installed)


def sweep(qtbot, window, data: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every text the window and the dialogs a person can open from it show, untranslated."""
    bad = offenders(window, data)
    window.menus.fill_mark_read_menu(menu := QMenu())  # the tree's context menu
    bad += offenders(menu, data)
    for opened in (window.menus.show_about(), window.menus.open_preferences(),
                   window.database.connect_to_server()):
        qtbot.waitUntil(opened.isVisible)
        bad += [(f"{type(opened).__name__}: {where}", text)
                for where, text in offenders(opened, data)]
        opened.close()
    return bad


def test_no_visible_text_is_left_untranslated(qtbot, make_window, server_db, pseudo_language):
    pseudo_language()
    window = make_window(server_db)
    data = (str(server_db), str(server_db.name))
    assert window.menus.feeds_menu.title().startswith("⟦")  # the pseudo-locale is what shows
    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    bad = sweep(qtbot, window, data)

    # the confirmation, a job's whole row, its finished message, the undo offer, the list's
    # empty state once nothing is unread
    click_toolbar(qtbot, window, window.menus.mark_read_action)
    dialog = window.jobs.confirmation
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    bad += [(f"confirmation: {w}", t) for w, t in offenders(dialog, data)]
    with qtbot.waitSignal(window.jobFinished, timeout=10_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    window.articles.load(again=True)  # listed anew: nothing unread
    qtbot.waitUntil(lambda: window.articles.pane.empty.isVisible())
    assert window.jobs.undo_offer.isVisible()
    bad += offenders(window, data)
    status = window.status_label.full_text
    assert status and not untranslated(status, data), status

    # the jobs filter's empty states, the question before clearing finished jobs
    window.jobs.panel.filter.setCurrentIndex(window.jobs.panel.filter.findData("failed"))
    qtbot.waitUntil(window.jobs.panel.empty_label.isVisible)
    bad += offenders(window.jobs.panel, data)
    window.jobs.clear_finished()
    qtbot.waitUntil(lambda: window.jobs.clear_question is not None
                    and window.jobs.clear_question.isVisible())
    bad += offenders(window.jobs.clear_question, data)
    window.jobs.clear_question.close()

    # a database with no users yet (the empty state offering sample data)
    empty = server_db.parent / "empty.db"
    assert run(qtbot, window.database.open_database(empty, create=True))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty_state)
    bad += offenders(window, (*data, str(empty), empty.name))
    assert not bad, bad


def test_right_to_left_languages_mirror_the_window(qtbot, make_window, server_db,
                                                   pseudo_language):
    pseudo_language(rtl=True)
    window = make_window(server_db)
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.tree.layoutDirection() == Qt.LayoutDirection.RightToLeft
    click_scope(qtbot, window, "category", 1)
    wait_for_articles(qtbot, window)
    bad = sweep(qtbot, window, (str(server_db), server_db.name))
    assert not bad, bad


def test_a_bare_string_is_caught(qtbot, make_window, server_db, pseudo_language):
    """The sweep fails on a text the code hands to Qt without tr() (what every test above
    relies on)."""
    pseudo_language()
    window = make_window(server_db)
    assert not offenders(window.articles.pane)
    window.articles.pane.show_read.setText("Show read")  # as it was before tr()
    assert ("QCheckBox", "Show read") in offenders(window.articles.pane)


@pytest.fixture
def german(qapp):
    translators = install_language(qapp, "de")
    yield
    reset_language(qapp, translators)


def test_german_plural_forms(german):
    assert "de" in shipped_languages()
    jobs = [translate("WindowMessages", "%n job(s) running here: {jobs}.", "", n)
            for n in (0, 1, 2, 1234)]
    assert jobs == ["Hier laufen 0 Aufträge: {jobs}.", "Hier läuft 1 Auftrag: {jobs}.",
                    "Hier laufen 2 Aufträge: {jobs}.", "Hier laufen 1234 Aufträge: {jobs}."]
    deleted = [translate("JobController", "Delete %Ln finished job(s) of {user}?", "", n)
               for n in (0, 1, 2, 1234)]
    assert deleted == ["0 abgeschlossene Aufträge von {user} löschen?",
                       "1 abgeschlossenen Auftrag von {user} löschen?",
                       "2 abgeschlossene Aufträge von {user} löschen?",
                       "1.234 abgeschlossene Aufträge von {user} löschen?"]
    ages = [translate("AppSettings", "Older than %n day(s)", "", n) for n in (1, 2)]
    assert ages == ["Älter als 1 Tag", "Älter als 2 Tage"]


def test_english_plural_forms(qapp):
    """English has a catalogue too (tests/conftest.py installs it as the app does)."""
    days = [translate("DaysSpinBox", "%n day(s)", "", n) for n in (0, 1, 2, 1234)]
    assert days == ["0 days", "1 day", "2 days", "1234 days"]
    assert translate("formatting", "%Ln article(s)", "", 1234) == "1,234 articles"


def test_the_window_in_german(qtbot, make_window, server_db, german):
    window = make_window(server_db)
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&Datei", "&Bearbeiten", "&Ansicht", "&Feeds", "A&rtikel", "Auf&träge",
                     "&Hilfe"]
    assert window.jobs.panel.empty_label.text().startswith("Noch keine Aufträge.")
    headers = [window.tree_model.headerData(c, Qt.Orientation.Horizontal) for c in (0, 1)]
    assert headers == ["Feeds", "Ungelesen"]
    tree_header = window.tree.header()  # "Ungelesen" is wider than the counts: never cut
    assert tree_header.sectionSize(1) >= tree_header.sectionSizeFromContents(1).width()
    spin = window.menus.open_preferences().keep_days
    assert spin.suffix() == " Tag"
    spin.setValue(3)
    assert spin.suffix() == " Tage"
    window.menus.preferences.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_two_menus_share_a_mnemonic(qtbot, make_window, server_db, qapp, language):
    translators = install_language(qapp, language)
    try:
        window = make_window(server_db)
        keys = [text[text.index("&") + 1].lower()
                for text in (action.text() for action in window.menuBar().actions())]
        assert len(keys) == len(set(keys)) == 7, keys
    finally:
        reset_language(qapp, translators)


def test_the_language_chosen_at_start():
    shipped = ["de", "en"]
    assert choose_language("", ["de-DE", "de"], shipped) == "de"
    assert choose_language("", ["de_AT"], shipped) == "de"  # the region falls back
    assert choose_language("", ["fr-FR", "de-DE"], shipped) == "de"  # the first shipped
    assert choose_language("", ["fr-FR"], shipped) == "en"  # none shipped: English
    assert choose_language("", ["C"], shipped) == "en"
    assert choose_language("en", ["de-DE"], shipped) == "en"  # Preferences win
    assert choose_language("de", ["en-US"], shipped) == "de"
    assert choose_language("xx", ["de-DE"], shipped) == "de"  # a language no longer shipped


def smoke(tmp_path: Path, **env) -> str:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    environment.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
                       XDG_CONFIG_HOME=str(tmp_path / "config"), DISPLAY=":rss-desktop-tests",
                       **env)
    result = subprocess.run([sys.executable, "-m", "desktop", "gui", "--smoke-test"],
                            cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_window_starts_in_the_desktops_language(tmp_path):
    assert "window in de (2 catalogues)" in smoke(tmp_path, LANGUAGE="de", LANG="C.UTF-8")
    assert "window in de" in smoke(tmp_path, LANG="de_DE.UTF-8")
    assert "window in en" in smoke(tmp_path, LANG="C.UTF-8")  # the default: English
    assert "window in en" in smoke(tmp_path, LANGUAGE="fr", LANG="fr_FR.UTF-8")


def test_the_catalogues_are_current():
    result = subprocess.run([sys.executable, "packaging/translations.py", "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_check_fails_when_a_catalogue_is_out_of_date(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import translations as catalogue_tool
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    code = tmp_path / "ui"
    shutil.copytree(ROOT / "desktop" / "ui", code)
    (code / "new_part.py").write_text(
        "from PySide6.QtCore import QObject\n\n\nclass NewPart(QObject):\n"
        "    def words(self):\n        return self.tr(\"A new sentence\")\n")
    monkeypatch.setattr(catalogue_tool, "CODE", code)
    said = catalogue_tool.problems()
    assert any("rss_desktop_de.ts is out of date" in line for line in said), said
    assert any("NewPart" in line for line in said), said


def test_columns_sized_for_another_language_are_not_restored(qtbot, make_window, server_db,
                                                             qapp):
    """Column widths fit the words they were saved with: a German window does not take the
    English one's (its dates and headers would be cut), an English one does."""
    from desktop.ui.articles.model import RECEIVED

    english = make_window(server_db)
    english.articles.view.setColumnWidth(RECEIVED, 41)
    english.save_state()
    assert make_window(server_db).articles.view.columnWidth(RECEIVED) == 41
    translators = install_language(qapp, "de")
    try:
        german = make_window(server_db)
        header = german.articles.view.horizontalHeader()
        assert german.articles.view.columnWidth(RECEIVED) >= \
            header.sectionSizeFromContents(RECEIVED).width() > 41
    finally:
        reset_language(qapp, translators)
