"""The feed tree with thousands of feeds (issue 26, item 3), in the real window.

``tree``: on each shape of common/tree_dataset.py (``wide``: 2,000 feeds in one category;
``spread``: 50 categories of 20 feeds), MainWindow shown offscreen on a qasync loop over a fresh
copy (QSettings in a temporary file, *Hide feeds with nothing unread* on), user 1. A 5 ms GUI-thread
timer (article_list's LoopProbe) measures the event loop's stall in each phase:

- ``open``: opening the database until the tree with its counts is there (from the window
  already shown and painted once);
- ``filter``: typing a word into the filter box a key at a time, then clearing it;
- ``hide``: *Hide feeds with nothing unread* off and on again;
- ``reload``: count reloads after another program marked one article of one feed read (each
  reload changes one count), and reloads with nothing changed;
- ``mark_undo``: marking the largest category read (no confirmation), then undoing it, each to
  its job's end and the counts reloaded after it;
- ``refresh``: F5 (the tree read again and rebuilt), three times.

Whether the counts are updated in place is counted too: the source model's resets and
row removals during the count reloads (none expected). The benchmark's own work is left out of
the stall: the probe pauses while it counts the rows shown (asking the view about each row),
and the other program's writes run on a thread (an SQLite commit on the GUI thread took
~10 ms of the reload phase's ticks).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..common.dataset import CACHE, USER_ID
from ..common.engine import LoopProbe, run_qt
from ..common.fresh_process import run_child
from ..common.paths import ROOT
from ..common.tree_dataset import SHAPES, cached_tree

KINDS = ("tree",)
PHASES = {"open": "opening: the tree built with its counts",
          "filter": "typing a word in the filter box, then clearing it",
          "hide": "“Hide feeds with nothing unread” off, then on",
          "reload": "count reloads (one count changed, or none)",
          "mark_undo": "the largest category marked read, then undone",
          "refresh": "F5 three times"}
FILTER_WORD = "orbit"
COUNT_RELOADS = 10
WINDOW_RUNS = 4  # the first, then warm ones


def run(kind: str, shape: str) -> dict:
    """One shape measured (in a child process of its own: benchmarks/child.py)."""
    if kind == "tree":
        source = cached_tree(shape, CACHE)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / source.name
            shutil.copyfile(source, path)
            return run_qt(lambda: _tree(path))
    raise SystemExit(f"unknown measurement {kind!r}")


def run_shapes() -> dict:
    """``tree``: every shape, each in a fresh process."""
    shapes = {shape: run_child("tree", shape=shape) for shape in SHAPES}
    return {"status": "completed", "checked": True, "problems": [], "shapes": shapes}


def run_window_open(path, runs: int = WINDOW_RUNS, root: Path = ROOT) -> dict:
    """``python -m desktop gui --database PATH`` (the app as ``rss-desktop gui`` runs it, from
    ``root``'s code), ``runs`` times, each from spawn to the first paint of the tree, and of
    the tree with its counts (the app reports both: RSS_DESKTOP_REPORT_FIRST_PAINT), then
    closed with SIGTERM. Offscreen, settings, log and session in a temporary folder. The first run
    opens a file not read for a while ("first"); the others find it in the page cache
    ("warm")."""
    tree, counts = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "RSS_DESKTOP_REPORT_FIRST_PAINT": "1",
                   "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                   "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home, "PYTHONPATH": str(root),
                   # its own session: a window already open elsewhere never takes the launch
                   "XDG_RUNTIME_DIR": home}
            spawned = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-m", "desktop", "gui", "--database",
                                     str(path)], cwd=root, env=env, text=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            painted: dict[str, float] = {}
            try:
                for line in proc.stderr:
                    if line.startswith("first-paint "):
                        _, what, at = line.split()
                        painted[what] = float(at) - spawned
                        if "counts" in painted:
                            break
            finally:
                proc.terminate()
                proc.communicate(timeout=60)
            if "counts" not in painted:
                raise RuntimeError(f"the window never painted the tree's counts ({painted})")
            tree.append(painted.get("tree", painted["counts"]))
            counts.append(painted["counts"])
    return {"status": "completed", "tree_seconds": tree, "counts_seconds": counts,
            "first_tree_seconds": tree[0], "first_counts_seconds": counts[0],
            "warm_tree_seconds": sorted(tree[1:])[len(tree[1:]) // 2] if runs > 1 else None,
            "warm_counts_seconds": (sorted(counts[1:])[len(counts[1:]) // 2]
                                    if runs > 1 else None)}


async def _until(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there")
        await asyncio.sleep(0.005)


async def _job_done(window, start) -> float:
    """Run ``start()`` (which starts a job) and wait for that job's end and the counts read
    after it: seconds."""
    finished = asyncio.get_running_loop().create_future()

    def on_finished(job):
        if not finished.done():
            finished.set_result(job)

    began = time.perf_counter()
    window.jobFinished.connect(on_finished)
    try:
        await start()
        job = await asyncio.wait_for(finished, 120)
    finally:
        window.jobFinished.disconnect(on_finished)
    loaded = asyncio.get_running_loop().create_future()
    window.overviewLoaded.connect(lambda: loaded.done() or loaded.set_result(True))
    await asyncio.wait_for(loaded, 60)
    if job.status != "completed":
        raise RuntimeError(f"job {job.id} ended {job.status}")
    return time.perf_counter() - began


async def _tree(path: Path) -> dict:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from desktop.ui.window.main_window import MainWindow

    phases: dict = {}
    probe = LoopProbe()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("view/hide_read_feeds", True)
        settings.setValue("confirm_mark_read", False)
        window = MainWindow(settings)
        window.resize(1200, 800)
        window.show()
        model = window.tree_model
        resets = []
        model.modelReset.connect(lambda: resets.append("reset"))
        model.rowsRemoved.connect(lambda *_: resets.append("rows removed"))
        await asyncio.sleep(0.3)  # the window's own first layout and paint, before the probe

        probe.start()
        began = time.perf_counter()
        if not await window.database.open_database(path):
            raise RuntimeError(f"the window did not open {path}")
        await _until(lambda: model.overview is not None and window.jobs.model.rowCount() >= 0)
        phases["open"] = {"seconds": time.perf_counter() - began, "stall_ms": probe.stop()}
        feeds = len(model.overview.feeds)
        shown_rows = _shown_rows(window)
        await asyncio.sleep(0.3)

        window.activateWindow()
        edit = window.feed_pane.filter_edit
        edit.setFocus()
        probe.start()
        for letter in FILTER_WORD:
            QTest.keyClick(edit, letter)
            await asyncio.sleep(0.05)
        probe.pause()  # (counting the rows shown asks the view about each: not the window's)
        filtered_rows = _shown_rows(window)
        probe.resume()
        edit.clear()
        await asyncio.sleep(0.05)
        phases["filter"] = {"stall_ms": probe.stop(), "rows_matching": filtered_rows}

        probe.start()
        window.menus._set_hide_read(False)
        await asyncio.sleep(0.05)
        probe.pause()
        all_rows = _shown_rows(window)
        probe.resume()
        window.menus._set_hide_read(True)
        await asyncio.sleep(0.05)
        phases["hide"] = {"stall_ms": probe.stop(), "rows_all": all_rows,
                          "rows_unread": _shown_rows(window)}

        other = sqlite3.connect(path, isolation_level=None,  # another program, one write each
                                check_same_thread=False)
        unread = other.execute(
            "SELECT a.id FROM articles a LEFT JOIN read_status r ON r.article_id = a.id "
            "AND r.user_id = ? WHERE r.id IS NULL ORDER BY a.id LIMIT ?",
            (USER_ID, COUNT_RELOADS)).fetchall()
        resets.clear()
        probe.start()
        reload_seconds = []
        for (article_id,) in unread:
            # (on a thread: the other program's commit is not the window's work)
            await asyncio.to_thread(
                other.execute, "INSERT INTO read_status (user_id, article_id, is_read, "
                "created_at, updated_at) VALUES (?, ?, 1, '2026-08-02', '2026-08-02')",
                (USER_ID, article_id))
            began = time.perf_counter()
            await window.reload_overview()
            reload_seconds.append(time.perf_counter() - began)
        for _ in range(COUNT_RELOADS):
            await window.reload_overview()
        other.close()
        phases["reload"] = {"stall_ms": probe.stop(), "reloads": 2 * COUNT_RELOADS,
                            "seconds_each": sorted(reload_seconds)[len(reload_seconds) // 2],
                            "resets_or_removals": len(resets)}

        largest = max(model.overview.categories,
                      key=lambda cid: sum(f.category_id == cid for f in model.overview.feeds))
        window.select_scope("category", largest)
        probe.start()
        scope = window.selected_scope()
        marked = await _job_done(window, lambda: window.jobs.start_mark_read(scope, None, None))
        job_id = window.jobs.model.jobs()[0].id
        undone = await _job_done(window, lambda: window.jobs.undo_job(job_id))
        phases["mark_undo"] = {"stall_ms": probe.stop(), "mark_seconds": marked,
                               "undo_seconds": undone}

        probe.start()
        refreshed = []
        for _ in range(3):
            began = time.perf_counter()
            await window.refresh()
            refreshed.append(time.perf_counter() - began)
        phases["refresh"] = {"stall_ms": probe.stop(), "seconds": sorted(refreshed)[1]}
        window.tree.setFocus()
        QTest.keyClick(window.tree, Qt.Key.Key_Home)
        await window.shutdown()
        settings.sync()
    worst = max(phase["stall_ms"]["max"] for phase in phases.values())
    p99 = max(phase["stall_ms"]["p99"] for phase in phases.values())
    return {"status": "completed", "checked": True, "problems": [], "feeds": feeds,
            "rows_shown": shown_rows, "phases": phases, "stall_p99_ms": p99,
            "stall_max_ms": worst}


def _shown_rows(window) -> int:
    from PySide6.QtCore import QModelIndex

    """Rows the tree shows (hidden ones left out)."""
    model, tree = window.tree_model, window.tree
    shown = 0
    for row in range(model.rowCount()):
        if not tree.isRowHidden(row, QModelIndex()):
            parent = model.index(row, 0)
            shown += 1 + sum(not tree.isRowHidden(child, parent)
                             for child in range(model.rowCount(parent)))
    return shown


if __name__ == "__main__":  # python -m benchmarks.sqlite.tree wide|spread|FILE.db [CODE ROOT]
    import json

    for name in sys.argv[1:2] or SHAPES:
        if name in SHAPES:
            print(name, json.dumps(run("tree", name), indent=1))
        else:
            root = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT
            print("open", json.dumps(run_window_open(name, root=root), indent=1))
