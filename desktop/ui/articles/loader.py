"""Fills the article list through the engine's methods (on its read thread): walks the scope
step by step into the list's TEMP table, and reads the pages the view shows. Only awaits the
engine; a step or a page of a list the person has left (another scope, another search) is
dropped by its generation. (Its own guard rather than QueryOp's: the generation also names the
list's TEMP table and tags the model's pages, and every change of database, user or list
starts a new one.)
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from ...jobs.api import FIRST_SPAN, ListSpec, ListStart, next_span
from .model import PAGE_ROWS, ArticleListModel


class ArticleLoader(QObject):
    """``load(manager, spec)`` shows another list (None: none). ``spawn`` runs a coroutine on
    the loop with the window's error reporting."""

    firstRowsShown = Signal()  # the first rows of a list are in the model (or it is empty)
    # the shown list's table is gone with the read connection (a database server restarted):
    # the window starts the list again
    listLost = Signal()

    def __init__(self, model: ArticleListModel, spawn, parent=None):
        super().__init__(parent)
        self.model = model
        self._spawn = spawn
        self.manager = None
        self.start: ListStart | None = None
        self._generation = 0
        self._tasks: list[asyncio.Task] = []
        self._reading_pages: asyncio.Task | None = None
        model.pagesNeeded.connect(self._read_pages_soon)

    @property
    def spec(self) -> ListSpec | None:
        return self.model.spec

    def load(self, manager, spec: ListSpec | None) -> None:
        self._generation += 1
        for task in self._tasks:
            task.cancel()  # a call already on the read thread still runs; its result is dropped
        self._tasks.clear()
        self._reading_pages = None
        self.manager, self.start = manager, None
        self.model.reset(spec if manager is not None else None, self._generation)
        if spec is not None and manager is not None:
            self._tasks.append(self._spawn(self._fill(manager, spec, self._generation)))

    async def _fill(self, manager, spec: ListSpec, generation: int) -> None:
        start = await manager.start_article_list(generation, spec)
        if generation != self._generation:
            return
        self.start = start
        cursor, span, first_rows = start.first_cursor(spec.newest_first), FIRST_SPAN, True
        while True:
            # the first page comes with the step that found it: no extra round trip
            want_rows = first_rows and not self.model.in_flight(0)
            if want_rows:
                self.model.page_requested(0)
            step = await manager.extend_article_list(start, spec, cursor, span,
                                                     PAGE_ROWS if want_rows else 0)
            if generation != self._generation:
                return
            if step is None:
                self.listLost.emit()
                return
            self.model.grow(generation, step.count, step.done)
            if step.rows is not None:
                self.model.page_arrived(generation, 0, step.rows)
                if first_rows and (len(step.rows) >= min(PAGE_ROWS, step.count) or step.done):
                    first_rows = False
                    self.firstRowsShown.emit()
            if step.done:
                if first_rows:
                    self.firstRowsShown.emit()
                return
            cursor, span = step.cursor, next_span(span, step.seconds)

    def _read_pages_soon(self) -> None:
        if self.start is None or self.manager is None:
            return
        if self._reading_pages is None or self._reading_pages.done():
            self._reading_pages = self._spawn(self._read_pages(self.manager, self.start,
                                                               self._generation))
            self._tasks.append(self._reading_pages)
            self._tasks = [task for task in self._tasks if not task.done()]

    async def _read_pages(self, manager, start: ListStart, generation: int) -> None:
        """One page at a time, always the one nearest the middle of the view now: dragging
        the scrollbar across a million rows reads only where it stops."""
        user_id = self.spec.user_id
        while generation == self._generation:
            pages = self.model.needed_pages()
            if not pages:
                return
            page = pages[0]
            self.model.page_requested(page)
            rows = await manager.read_article_page(start, user_id, page * PAGE_ROWS, PAGE_ROWS)
            if rows is None and generation == self._generation:
                self.listLost.emit()
                return
            self.model.page_arrived(generation, page, rows)

    async def has_newer(self) -> bool:
        """Whether articles of the list's scope arrived after it began (read thread)."""
        manager, spec, start = self.manager, self.spec, self.start
        if manager is None or spec is None or start is None:
            return False
        newer = await manager.has_newer_articles(spec, start)
        return newer and start is self.start
