"""The window's catalogues (resources/translations): update them from the code, and check that
they are current. ``make translations`` runs ``update``; ``make lint`` (so CI) runs ``check``.

    python packaging/translations.py update   # lupdate every .ts, then lrelease every .qm
    python packaging/translations.py update fr   # ... and start rss_desktop_fr.ts
    python packaging/translations.py check    # exit 1, naming what is stale, if any is

pyside6-lupdate collects every ``self.tr(...)`` (context: the class) and
``translate("Context", ...)`` of desktop/ui into each ``rss_desktop_<lang>.ts``, without line
numbers (they would change with every edit of the code). Its Python parser does not mark a
``translate(..., n)`` as having plural forms: every message whose text holds ``%n`` or ``%Ln``
is marked so here. English (``rss_desktop_en.ts``) holds only the plural messages: the code's
own words are English, but "%n day(s)" needs its two forms. The ``.qm`` are committed beside
the ``.ts`` (README, "Languages"), so the check also compiles each into a temporary folder and
compares.
"""

from __future__ import annotations

import ast
import filecmp
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT / "desktop" / "ui"
CATALOGUES = ROOT / "resources" / "translations"
BIN = Path(sys.executable).parent
PLURAL = re.compile(r"%L?n")


def catalogues(folder: Path = CATALOGUES) -> list[Path]:
    return sorted(folder.glob("rss_desktop_*.ts"))


def lupdate(ts: Path) -> None:
    """Bring ``ts`` up to date with the code (kept translations stay, vanished ones go)."""
    kept = plural_translations(ts) if ts.exists() else {}
    _run("pyside6-lupdate", "-silent", "-locations", "none", "-no-obsolete", "-extensions", "py",
         str(CODE), "-ts", str(ts))
    mark_plurals(ts, kept)
    if ts.stem.endswith("_en"):
        keep_plurals_only(ts)


MESSAGE = re.compile(r"<context>\s*<name>([^<]*)</name>|<message[^>]*>.*?</message>", re.S)
TRANSLATION = re.compile(r"<translation[^>]*>.*?</translation>|<translation[^>]*/>", re.S)


def _messages(text: str):
    """(context, source, the message's XML) in the order of the file."""
    context = ""
    for match in MESSAGE.finditer(text):
        if match.group(1) is not None:
            context = match.group(1)
            continue
        source = re.search(r"<source>(.*?)</source>", match.group(0), re.S).group(1)
        yield context, source, match


def plural_translations(ts: Path) -> dict[tuple[str, str], str]:
    """The <translation> of every message with %n, by (context, source)."""
    return {(context, source): TRANSLATION.search(match.group(0)).group(0)
            for context, source, match in _messages(ts.read_text(encoding="utf-8"))
            if PLURAL.search(source)}


def mark_plurals(ts: Path, kept: dict[tuple[str, str], str]) -> None:
    """Every message with %n has plural forms: lupdate misses those of ``translate`` and
    strips their forms, so they are put back as they were (``kept``), or empty."""
    text = ts.read_text(encoding="utf-8")
    empty = ('<translation type="unfinished">'
             + "<numerusform></numerusform>" * 2 + "</translation>")
    parts, end = [], 0
    for context, source, match in _messages(text):
        if not PLURAL.search(source):
            continue
        message = match.group(0)
        message = re.sub(r"^<message[^>]*>", '<message numerus="yes">', message)
        translation = kept.get((context, source))
        if translation is None:
            old = TRANSLATION.search(message).group(0)
            translation = old if "<numerusform" in old else empty
        message = TRANSLATION.sub(lambda _m, t=translation: t, message, count=1)
        parts += [text[end:match.start()], message]
        end = match.end()
    ts.write_text("".join(parts) + text[end:], encoding="utf-8")


def keep_plurals_only(ts: Path) -> None:
    """English: the code's words need no translation, only their plural forms."""
    text = ts.read_text(encoding="utf-8")
    text = re.sub(r"\n *<message>.*?</message>", "", text, flags=re.S)
    text = re.sub(r"\n<context>\s*<name>[^<]*</name>\s*</context>", "", text)
    ts.write_text(text, encoding="utf-8")


def lrelease(ts: Path, qm: Path) -> None:
    _run("pyside6-lrelease", "-silent", str(ts), "-qm", str(qm))


def _run(tool: str, *args: str) -> None:
    """A Qt tool, quiet unless it fails (lupdate talks about the plural forms it strips and
    mark_plurals puts back)."""
    done = subprocess.run([str(BIN / tool), *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{tool} failed:\n{done.stdout}{done.stderr}")


def messages_in(ts: Path) -> set[tuple[str, str]]:
    """(context, source) of every message of a .ts."""
    root = ET.parse(ts).getroot()
    return {(context.findtext("name") or "", message.findtext("source") or "")
            for context in root.iter("context") for message in context.iter("message")}


def messages_in_code() -> set[tuple[str, str]]:
    """(context, source) of every tr()/translate() with a literal text in desktop/ui, read
    from the syntax tree: what lupdate ought to have found."""
    found = set()
    for path in CODE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls_or_mod in [tree, *[n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]]:
            context = cls_or_mod.name if isinstance(cls_or_mod, ast.ClassDef) else None
            for node in ast.walk(cls_or_mod):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                texts = [arg.value for arg in node.args[:2]
                         if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
                if name == "tr" and context and texts and isinstance(func, ast.Attribute):
                    found.add((context, texts[0]))
                elif name == "translate" and len(texts) == 2:
                    found.add((texts[0], texts[1]))
    return found


def wrong_placeholders(ts: Path) -> list[str]:
    """Translations whose {names} or %n differ from their source's: .format() would fail, or
    the number would be missing."""
    said = []
    fields = re.compile(r"\{\w*\}|%L?n")
    for context in ET.parse(ts).getroot().iter("context"):
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            forms = ([form.text or "" for form in translation.iter("numerusform")]
                     or [translation.text or ""])
            for form in forms:
                if form and sorted(fields.findall(form)) != sorted(fields.findall(source)):
                    said.append(f"{ts.relative_to(ROOT)}: {context.findtext('name')}: "
                                f"{form!r} does not keep the fields of {source!r}")
    return said


def problems() -> list[str]:
    """What is stale: a .ts lupdate would change, a .qm lrelease would change, a message of
    the code missing from the German catalogue."""
    said = []
    with tempfile.TemporaryDirectory() as folder:
        for ts in catalogues():
            copy = Path(folder) / ts.name
            shutil.copy(ts, copy)
            lupdate(copy)
            if copy.read_bytes() != ts.read_bytes():
                said.append(f"{ts.relative_to(ROOT)} is out of date with the code: "
                            "run `make translations`")
            qm = Path(folder) / f"{ts.stem}.qm"
            lrelease(ts, qm)
            committed = ts.with_suffix(".qm")
            if not committed.exists() or not filecmp.cmp(qm, committed, shallow=False):
                said.append(f"{committed.relative_to(ROOT)} is not compiled from its .ts: "
                            "run `make translations`")
    for ts in catalogues():
        said += wrong_placeholders(ts)
        if ts.stem.endswith("_en"):
            continue
        missing = messages_in_code() - messages_in(ts)
        # a bare tr() outside a class (a module's own helper) lands in no context, while the
        # helper looks its text up in a named one: it would never be translated
        said += [f"{ts.relative_to(ROOT)}: {source!r} has no context: call "
                 "QCoreApplication.translate(Context, ...) or a QObject's self.tr()"
                 for context, source in sorted(messages_in(ts)) if not context]
        said += [f"{ts.relative_to(ROOT)}: lupdate missed {context}: {source!r} (write the "
                 "count argument as a plain name)" for context, source in sorted(missing)]
    return said


def main(argv: list[str]) -> int:
    if argv[1:2] == ["update"]:
        new = [CATALOGUES / f"rss_desktop_{language}.ts" for language in argv[2:]]
        for ts in sorted(set(catalogues()) | set(new)):
            lupdate(ts)
            lrelease(ts, ts.with_suffix(".qm"))
        return 0
    if argv[1:] == ["check"]:
        said = problems()
        for line in said:
            print(f"translations: {line}", file=sys.stderr)
        return 1 if said else 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
