"""A pseudo-locale made from the German catalogue's messages at test time: every message
accented (or, right to left, in Hebrew letters) and about 40 % longer, its fields ({name}, %n)
and mnemonics kept. A text of the window that still holds a plain ASCII letter, once the
fixture's data (names, titles, paths, links) is taken out, was never translated."""

from __future__ import annotations

import math
import re
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
GERMAN = ROOT / "resources" / "translations" / "rss_desktop_de.ts"
ACCENTED = str.maketrans(string.ascii_letters,
                         "áƀçďéƒĝĥíĵķĺḿńóṕʠŕśťúṽẃẋýź" "ÁƁÇĎÉƑĜĤÍĴĶĹḾŃÓṔɊŔŚŤÚṼẂẊÝŹ")
HEBREW = str.maketrans(string.ascii_letters, ("אבגדהוזחטיכלמנסעפצקרשתאבגד" * 2)[:52])
KEPT = re.compile(r"\{\w*\}|%L?n|&(?=\w)")  # what the code fills in, and mnemonics' markers
FORMATS = {"MMM d"}  # QLocale date formats, not words
# The fixture's data (tests/support/databases.py), never translated
DATA = re.compile(r"Article \d+|Feed \d+|\bTech\b|\bNews\b|\balice\b|\bbob\b|https?://\S+"
                  r"|PySide6 [\d.]+"
                  r"|</?(b|p|br)>|&#?\w+;"  # the About box's HTML
                  r"|\bDeutsch\b|\bEnglish\b")  # the languages offered, in their own words
ASCII_LETTER = re.compile(r"[A-Za-z]")


def pseudo(text: str, letters: dict) -> str:
    if text in FORMATS:
        return text
    parts, end = [], 0
    for field in KEPT.finditer(text):
        parts += [text[end:field.start()].translate(letters), field.group(0)]
        end = field.end()
    parts.append(text[end:].translate(letters))
    padding = "ˑ" * math.ceil(0.4 * len(text))  # ~40 % longer, as long languages are
    return f"⟦{''.join(parts)}{padding}⟧"


def build(folder: Path, language: str, letters: dict) -> Path:
    """``folder``/rss_desktop_<language>.qm, every message of the German catalogue in
    pseudo-words (German's plural rules: two forms)."""
    tree = ET.parse(GERMAN)
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        translation.attrib.pop("type", None)
        forms = list(translation.iter("numerusform"))
        for form in forms:
            form.text = pseudo(source, letters)
        if not forms:
            translation.text = pseudo(source, letters)
    ts = folder / f"rss_desktop_{language}.ts"
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    qm = ts.with_suffix(".qm")
    subprocess.run([str(Path(sys.executable).parent / "pyside6-lrelease"), "-silent", str(ts),
                    "-qm", str(qm)], check=True)
    return qm


def untranslated(text: str, also_data: tuple[str, ...] = ()) -> bool:
    from desktop.ui.resources import log_file_path

    rest = DATA.sub("", text.replace(str(log_file_path()), ""))
    for data in sorted(also_data, key=len, reverse=True):
        rest = rest.replace(data, "")
    return bool(ASCII_LETTER.search(rest))


def _standard_button(button: QAbstractButton) -> bool:
    """A button of Qt's own (OK, Cancel...): Qt's catalogue words it, not ours."""
    for box in (button.parent(), button.parent().parent() if button.parent() else None):
        if isinstance(box, QDialogButtonBox) and box.standardButton(button) != \
                QDialogButtonBox.StandardButton.NoButton:
            return True
        if isinstance(box, QMessageBox) and box.standardButton(button) != \
                QMessageBox.StandardButton.NoButton:
            return True
    return False


def _item_view_texts(view: QAbstractItemView, rows: int = 30) -> list[tuple[str, str]]:
    model, found = view.model(), []
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.AccessibleTextRole)
    for column in range(model.columnCount()):
        for role in roles[:2]:
            found.append((f"header {column}", model.headerData(
                column, Qt.Orientation.Horizontal, role)))
    for row in range(min(rows, model.rowCount())):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            found += [(f"cell {row},{column}", index.data(role)) for role in roles]
    return found


def widget_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every text ``root`` and its shown widgets, actions and menus show or
    say (tooltips, accessible names included)."""
    found: list[tuple[str, object]] = []
    widgets = [root, *(w for w in root.findChildren(QWidget) if w.isVisibleTo(root))]
    for widget in widgets:
        name = type(widget).__name__
        found += [(f"{name} tooltip", widget.toolTip()),
                  (f"{name} accessible name", widget.accessibleName()),
                  (f"{name} accessible description", widget.accessibleDescription())]
        if widget.isWindow():
            found.append((f"{name} title", widget.windowTitle()))
        if isinstance(widget, QLabel):
            found.append((name, widget.text()))
        if isinstance(widget, QAbstractButton) and not _standard_button(widget):
            found.append((name, widget.text()))
        if isinstance(widget, QLineEdit):
            found.append((f"{name} placeholder", widget.placeholderText()))
        if isinstance(widget, QComboBox):
            found += [(f"{name} item", widget.itemText(i)) for i in range(widget.count())]
        if isinstance(widget, QGroupBox):
            found.append((name, widget.title()))
        if isinstance(widget, QAbstractSpinBox):
            found += [(f"{name} suffix", getattr(widget, "suffix", str)()),
                      (f"{name} special", widget.specialValueText())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            found += _item_view_texts(widget)
        if isinstance(widget, QMessageBox):
            found += [(name, widget.text()), (name, widget.informativeText())]
            if widget.checkBox() is not None:
                found.append((name, widget.checkBox().text()))
        for action in widget.actions():
            found += action_texts(action)
    return [(where, text) for where, text in found if isinstance(text, str) and text]


def action_texts(action) -> list[tuple[str, str]]:
    found = [("action", action.text()), ("action tooltip", action.toolTip())]
    menu = action.menu()
    if isinstance(menu, QMenu):
        found += [("menu title", menu.title())]
        for inner in menu.actions():
            found += action_texts(inner)
    return found


def offenders(root: QWidget, also_data: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(where, text) for where, text in widget_texts(root)
            if untranslated(text, also_data)]


def reset_language(app: QApplication, translators) -> None:
    """Back to the English the other tests see (tests/conftest.py)."""
    from desktop.ui.translations import formats_for

    for translator in translators:
        app.removeTranslator(translator)
    QLocale.setDefault(formats_for("en", QLocale.c()))
    app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
