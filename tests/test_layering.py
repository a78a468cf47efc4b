"""The layers (docs/architecture.md) read from the source: the window reaches the database only
through the engine (desktop.jobs.api and a BulkOperationManager's methods), and neither the
store nor the engine imports Qt. Static, so an import inside a function counts too; the
runtime check that importing store and jobs loads no Qt is in test_jobs_engine.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DESKTOP = Path(__file__).resolve().parents[1] / "desktop"
QT_PACKAGES = {"PySide6", "shiboken6", "qasync"}


def modules(package: str) -> list[Path]:
    found = sorted((DESKTOP / package).rglob("*.py"))
    assert found, package
    return found


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``from ..store import x`` in desktop/ui/a.py
    is desktop.store and desktop.store.x; a name may be a module)."""
    package = ["desktop", *path.relative_to(DESKTOP).parent.parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_imported_resolves_relative_imports(tmp_path):
    assert "desktop.store.overview" in imported(DESKTOP / "jobs" / "queries.py")
    assert "desktop.jobs.api" in imported(DESKTOP / "ui" / "window" / "main_window.py")


@pytest.mark.parametrize("path", [*modules("ui"), DESKTOP / "cli.py"],
                         ids=lambda path: path.name)
def test_the_faces_import_nothing_from_the_store(path):
    store = sorted(name for name in imported(path) if within(name, "desktop.store"))
    assert store == [], f"{path.name} reaches the store; use desktop.jobs.api"


@pytest.mark.parametrize("path", [*modules("store"), *modules("jobs")],
                         ids=lambda path: f"{path.parent.name}/{path.name}")
def test_store_and_jobs_import_no_qt_and_nothing_above_them(path):
    names = imported(path)
    assert not {name.split(".")[0] for name in names} & QT_PACKAGES
    assert not any(within(name, "desktop.ui") for name in names)
    if path.is_relative_to(DESKTOP / "store"):
        assert not any(within(name, "desktop.jobs") for name in names)
