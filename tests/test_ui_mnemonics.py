"""No two entries of one menu share a mnemonic (Alt+letter), in every shipped language: the
menu bar's menus, filled as they are shown, and the article list's context menu with several
articles selected and a search (issue 24: "no two menus share a mnemonic"; issue 25 added
entries to the Feeds and Article menus)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QMenu
from support.pseudo_locale import reset_language
from support.window import click_scope, wait_for_articles

from desktop.ui.translations import install_language


def mnemonic(text: str) -> str | None:
    at = text.replace("&&", "").find("&")
    return text.replace("&&", "")[at + 1].lower() if at >= 0 else None


def shared(menu: QMenu) -> list[str]:
    seen: dict[str, str] = {}
    clashes = []
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        key = mnemonic(action.text())
        if key is None:
            continue
        if key in seen:
            clashes.append(f"{menu.title() or 'context menu'}: {seen[key]!r} and "
                           f"{action.text()!r} both use Alt+{key.upper()}")
        seen[key] = action.text()
    return clashes


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_two_entries_of_a_menu_share_a_mnemonic(qtbot, make_window, server_db, qapp,
                                                   language):
    translators = install_language(qapp, language)
    try:
        window = make_window(server_db)
        click_scope(qtbot, window, "category", 1)
        wait_for_articles(qtbot, window)
        window.articles.pane.search.setText("1")
        qtbot.waitUntil(lambda: window.articles.model.spec.search == "1")
        wait_for_articles(qtbot, window)
        view = window.articles.view
        rows = QItemSelection(view.model().index(0, 0), view.model().index(1, 0))
        view.selectionModel().select(rows, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                     | QItemSelectionModel.SelectionFlag.Rows)
        assert window.articles.selection.selected_count() == 2
        clashes = []
        for action in window.menuBar().actions():
            menu = action.menu()
            menu.aboutToShow.emit()  # (the Feeds and Article menus are filled as they open)
            clashes += shared(menu)
            clashes += [clash for sub in menu.actions() if sub.menu() is not None
                        for clash in shared(sub.menu())]
        # the list's context menu, on a selected row: several selected, a search
        window.articles._article_menu(view.visualRect(view.model().index(1, 0)).center())
        context = window.articles.article_menu
        assert len([a for a in context.actions() if not a.isSeparator()]) >= 9
        clashes += shared(context)
        context.close()
        assert not clashes, clashes
    finally:
        reset_language(qapp, translators)
