"""What a person does to several articles at once, and moving to the next unread one: *Mark
selected as read*, *Mark this and everything newer*, *Mark the search results as read* and
*Next unread* (N, and Space on an article already read).

Each marking is one ordinary bulk job of the list's scope (store/selection.py), so it shows in
the jobs panel, can be cancelled, and Ctrl+Z undoes it exactly. The selection is sent as
ranges of the list's rows, turned into article id ranges on the read thread: rows not read in
yet (the list is a window onto a possibly huge TEMP table) count as much as rows shown. Ctrl+A
means the whole list as specified — the scope and its search up to the list's end (the newest
article when it began) — not the rows read so far. Every job here is bounded by the list's end:
an article that arrives after the list began is never marked by it.
"""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtCore import QCoreApplication, QItemSelection, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from ...jobs.api import MARK_ALL, MAX_RANGES, ArticleNotFound, JobRequestError, Scope
from ..feeds.scope_tree import scope_label
from ..formatting import isolated
from .model import TITLE
from .selection_question import CONFIRM_SELECTION_AT, ask_to_mark_selection

# Marking unread is one write per article, not a job: the spec's job types all mark read (a
# program reading the job table must understand every row), and a person unmarks a handful.
# 200 single-row transactions take well under a second; more is refused with a message.
MAX_UNREAD_AT_ONCE = 200
KEPT_SELECTION = 4_000  # selected rows looked for again when the same list is read again


class ArticleSelection(QObject):
    """The actions on the article list's selection (``controller``: the ArticleController,
    whose view, model, loader and window it uses)."""

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window
        self.view, self.model, self.loader = controller.view, controller.model, controller.loader
        self.mark_selected_action = self._action(
            self.tr("Mar&k selected as read"), ["Shift+M"], self.mark_selected_read,
            self.tr("Mark every selected article read as one job (Shift+M; Ctrl+A selects the "
               "whole list)"))
        self.mark_unread_action = self._action(
            self.tr("Mark selected as &unread"), ["Shift+U"], self.mark_selected_unread,
            self.tr("Mark the selected articles unread (Shift+U; at most {limit} at a time; "
               "Ctrl+Z marks them read again)").format(limit=MAX_UNREAD_AT_ONCE))
        self.mark_newer_action = self._action(
            self.tr("Mark this and everything newer as read…"), [], self.mark_newer,
            self.tr("Mark this article and every article of the list's scope received after it "
               "as read, as one job"))
        self.mark_search_action = self._action(
            self.tr("Mark the search results as read"), [], self.mark_search_results,
            self.tr("Mark every article the search matches as read, as one job (articles arriving "
               "later are left unread)"))
        self.next_unread_action = self._action(
            self.tr("&Next unread"), ["N"], self.next_unread,
            self.tr("Go to the next unread article, in the next feed with unread articles "
                    "once this one is done (N)"))
        # N works from the feeds too (no letter is typed there but in the filter box)
        self.window.tree.addAction(self.next_unread_action)
        # Space: opens an unread article (and marks it read), as before; on an article already
        # read it goes on to the next unread one (Enter still opens any article)
        controller.open_article_action.setShortcuts([QKeySequence("Return"),
                                                     QKeySequence("Enter")])
        self.space_action = self._action(self.tr("Open or next unread"), ["Space"],
                                         self.open_or_next, "")
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self._next_task: asyncio.Future | None = None
        self.question = None  # the last question before a large selection is marked (tests)
        self._unread_record: tuple | None = None  # (engine, user, ids made unread, turn)
        # the same list read again (after an undo, F5): its selected rows selected again
        self._kept: tuple | None = None  # (spec, {article ids}) to select again
        self._restoring = False
        self.model.modelAboutToBeReset.connect(self._keep_selection)
        self.model.dataChanged.connect(lambda *_: self._restore_selection())
        self.update_actions()

    def _action(self, text, keys, slot, tip) -> QAction:
        made = QAction(text, self)
        made.setShortcuts([QKeySequence(key) for key in keys])
        made.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # letters stay letters
        made.setToolTip(tip)
        made.triggered.connect(lambda: slot())
        self.view.addAction(made)
        return made

    def menu_actions(self, *, for_rows: bool = False) -> list[QAction | None]:
        """What the Article menu adds after "everything older"; ``for_rows``: the list's context
        menu, which leaves out what does not apply there (one row selected: "Mark as read"
        says it; no search)."""
        spec = self.model.spec
        several = not for_rows or self.selected_count() > 1
        return [self.mark_newer_action, None,
                *([self.mark_selected_action, self.mark_unread_action] if several else []),
                *([self.mark_search_action] if not for_rows or (spec and spec.search.split())
                  else [])]

    def _selection_changed(self, *_args) -> None:
        if not self._restoring and self.model.rowCount():
            self._kept = None  # the person chose anew
        self.update_actions()

    def _keep_selection(self) -> None:
        self._kept = None
        if self.view.whole_list or not 0 < self.selected_count() <= KEPT_SELECTION:
            return  # (selectedRows() of a million rows would make a million indexes)
        rows = [self.model.row_at(index.row())
                for index in self.view.selectionModel().selectedRows()]
        ids = {row.id for row in rows if row is not None}
        self._kept = (self.model.spec, ids) if ids else None

    def _restore_selection(self) -> None:
        if self._kept is None:
            return
        spec, ids = self._kept
        if spec != self.model.spec:
            self._kept = None
            return
        found = [row for row in (self.model.row_of(article_id) for article_id in ids)
                 if row >= 0]
        if not found:
            return
        selection = QItemSelection()
        for row in found:
            selection.select(self.model.index(row, 0),
                             self.model.index(row, self.model.columnCount() - 1))
        self._restoring = True
        try:
            self.view.selectionModel().select(selection,
                                              QItemSelectionModel.SelectionFlag.Select)
        finally:
            self._restoring = False
        self._kept = (spec, ids - {self.model.row_at(row).id for row in found})
        if not self._kept[1]:
            self._kept = None

    # -- which rows -------------------------------------------------------------------------
    def blocks(self) -> list[tuple[int, int]]:
        """The selected rows as (first, last) blocks, in order, touching blocks merged."""
        spans = sorted((span.top(), span.bottom())
                       for span in self.view.selectionModel().selection())
        merged: list[list[int]] = []
        for top, bottom in spans:
            if merged and top <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], bottom)
            else:
                merged.append([top, bottom])
        return [(top, bottom) for top, bottom in merged]

    def selected_count(self) -> int:
        return sum(bottom - top + 1 for top, bottom in self.blocks())

    def whole_list(self) -> bool:
        """Ctrl+A (rows read in later included), or every row of a list read to its end."""
        rows = self.model.rowCount()
        return rows > 0 and (self.view.whole_list or (
            self.model.complete and self.blocks() == [(0, rows - 1)]))

    def _ready(self) -> bool:
        return (self.controller._writable() and self.model.spec is not None
                and self.loader.start is not None and self.controller._list_scope is not None)

    def update_actions(self) -> None:
        ready = self._ready()
        count = self.selected_count()
        self.mark_selected_action.setEnabled(ready and count > 0)
        self.mark_unread_action.setEnabled(ready and 0 < count <= MAX_UNREAD_AT_ONCE)
        self.mark_selected_action.setText(
            self.tr("Mar&k the whole list as read") if ready and self.whole_list()
            else QCoreApplication.translate("ArticleSelection", "Mar&k %n selected as read",
                                            "", count) if count
            else self.tr("Mar&k selected as read"))
        self.mark_unread_action.setText(  # (the count as the read one says it)
            QCoreApplication.translate("ArticleSelection", "Mark %n selected as &unread", "",
                                       count) if count
            else self.tr("Mark selected as &unread"))
        row = self.controller.selected_article()
        scope = self.controller._older_scope(row)
        self.mark_newer_action.setEnabled(ready and row is not None and scope is not None)
        self.mark_newer_action.setText(
            self.tr("Mark this and everything newer in {scope} as read…").format(
                scope=isolated(scope.name)) if scope
            else self.tr("Mark this and everything newer as read…"))
        spec, list_scope = self.model.spec, self.controller._list_scope
        self.mark_search_action.setEnabled(
            ready and bool(spec.search.split()) and list_scope.job_request is not None)
        self.next_unread_action.setEnabled(self.model.spec is not None)

    # -- marking ----------------------------------------------------------------------------
    def mark_selected_read(self) -> None:
        if not (self._ready() and self.selected_count()):
            return
        count, more = self._count_to_mark()
        if count < CONFIRM_SELECTION_AT or not self.controller.prefs.confirm_mark_read:
            self.window.spawn(self._mark_selected())
            return
        start = self.loader.start

        def marked() -> None:
            if self.loader.start is start and self._ready():  # the same list still
                self.window.spawn(self._mark_selected())

        self.question = ask_to_mark_selection(
            self.window, count, more, self.controller._list_scope, marked)

    def _count_to_mark(self) -> tuple[int, bool]:
        """How many articles *Mark selected as read* marks, and whether that is only what the
        list has read so far (Ctrl+A over a list still being read, with a search or read
        articles shown: its end is not known yet)."""
        if not self.whole_list():
            return self.selected_count(), False
        spec, scope = self.model.spec, self.controller._list_scope
        if self.model.complete:
            return self.model.rowCount(), False
        if spec.unread_only and not spec.search.split() and scope.job_request is not None:
            return self.controller.tree_model.unread(scope), False
        return self.model.rowCount(), True

    async def _mark_selected(self) -> None:
        spec, start, scope = self.model.spec, self.loader.start, self.controller._list_scope
        manager, request = self.controller.manager, scope.job_request
        search = {"search": spec.search} if spec.search.split() else {}
        if request is not None and self.whole_list():
            job_type, parameters = request
            await self._start(job_type, {**parameters, **search}, start.high,
                              self.tr("the whole list of {scope}").format(scope=scope_label(scope)))
            return
        blocks = [(0, self.model.rowCount() - 1)] if self.whole_list() else self.blocks()
        # the Uncategorized list has no job scope of its own: its articles are named one by one
        ranges = await manager.selected_article_ranges(
            start, blocks, exact_blocks=request is not None, limit=MAX_RANGES)
        if ranges is None or start is not self.loader.start:
            return  # the list changed meanwhile: nothing is marked
        if len(ranges) > MAX_RANGES:
            self.window.status_label.setText(self.tr(
                "Too many separate articles are selected for one job (more than {limit}): "
                "select a block with Shift, or a feed").format(limit=MAX_RANGES))
            return
        if not ranges:
            return
        job_type, parameters = request if request is not None else MARK_ALL.request()
        parameters = {**parameters, "article_ranges": sorted(ranges),
                      **(search if request is not None else {})}
        count = self.selected_count()
        await self._start(job_type, parameters, start.high, QCoreApplication.translate(
            "ArticleSelection", "%n selected article(s)", "", count))

    def mark_selected_unread(self) -> None:
        if self._ready() and self.selected_count():
            self.window.spawn(self._mark_selected_unread())

    async def _mark_selected_unread(self) -> None:
        start, manager, user_id = self.loader.start, self.controller.manager, \
            self.controller.user_id
        blocks = [(0, self.model.rowCount() - 1)] if self.view.whole_list else self.blocks()
        pairs = await manager.selected_article_ranges(start, blocks, exact_blocks=False,
                                                      limit=MAX_UNREAD_AT_ONCE)
        if pairs is None or start is not self.loader.start:
            return
        if len(pairs) > MAX_UNREAD_AT_ONCE:
            self.window.status_label.setText(self.tr(
                "Mark unread works on at most {limit} articles at a time").format(
                    limit=MAX_UNREAD_AT_ONCE))
            return
        made_unread = await self._set_read(manager, user_id, [low for low, _ in pairs], False)
        edit_undo = self.window.menus.edit_undo
        edit_undo.job_acted()
        self._unread_record = (manager, user_id, made_unread, edit_undo.job_turn)
        edit_undo.update()
        count = len(made_unread)  # (a plain name: lupdate skips a count that is an expression)
        self.window.status_label.setText(QCoreApplication.translate(
            "ArticleSelection", "Marked %n article(s) unread (Ctrl+Z marks them read again)",
            "", count))

    async def _set_read(self, manager, user_id: int, ids: list[int], read: bool) -> list[int]:
        """One write per article (each publishes its change: rows and counts move at once);
        the ids whose read state changed."""
        changed = []
        for article_id in ids:
            try:
                change = await manager.set_article_read(user_id, article_id, read)
            except ArticleNotFound:
                continue  # deleted meanwhile
            if change.unread_delta:
                changed.append(article_id)
        return changed

    def can_undo_unread(self) -> bool:
        """Whether Ctrl+Z now means "mark read again what Mark selected as unread changed":
        nothing was marked, started or undone since, on this engine and user."""
        record = self._unread_record
        return (record is not None and record[0] is self.controller.manager
                and record[1] == self.controller.user_id and bool(record[2])
                and record[3] == self.window.menus.edit_undo.job_turn)

    async def undo_unread(self) -> None:
        manager, user_id, ids, _turn = self._unread_record
        self._unread_record = None
        again = await self._set_read(manager, user_id, ids, True)
        self.window.menus.edit_undo.job_acted()
        count = len(again)
        self.window.status_label.setText(QCoreApplication.translate(
            "ArticleSelection", "Marked %n article(s) read again", "", count))

    def mark_newer(self) -> None:
        row = self.controller.selected_article()
        scope = self.controller._older_scope(row)
        if scope is None or not self._ready():
            return
        if self.controller.prefs.confirm_mark_read:  # asked, with the count, as "older" is
            self.window.jobs.open_confirmation(scope, None, up_to=row,
                                               newer_end=self.loader.start.high)
            return
        job_type, parameters = scope.job_request
        self.window.spawn(self._start(
            job_type, {**parameters, "from_article": row.id}, self.loader.start.high,
            self.tr("{scope} from “{title}” on").format(scope=scope_label(scope),
                                                   title=isolated(row.title))))

    def mark_search_results(self) -> None:
        spec, scope = self.model.spec, self.controller._list_scope
        if not self._ready() or not spec.search.split() or scope.job_request is None:
            return
        job_type, parameters = scope.job_request
        self.window.spawn(self._start(
            job_type, {**parameters, "search": spec.search}, self.loader.start.high,
            self.tr("what “{search}” matches in {scope}").format(search=isolated(spec.search),
                                                           scope=scope_label(scope))))

    async def _start(self, job_type: str, parameters: dict, watermark: int, what: str) -> None:
        """Create and start the job (as the Feeds menu's jobs: the panel shows it, Ctrl+Z
        undoes it)."""
        jobs = self.window.jobs
        try:
            job_id = await self.controller.manager.create_job(
                job_type, self.controller.user_id, parameters, watermark=watermark)
        except JobRequestError as exc:
            self.window.show_error(self.tr("Cannot mark as read"), str(exc))
            return
        self.window.menus.edit_undo.job_acted()  # newer than any typing: Ctrl+Z undoes it
        self.window.status_label.setText(self.tr("Job {job}: marking {what} as read…").format(
            job=job_id, what=what))
        await jobs.reload()
        jobs.panel.select_job(job_id)
        self.window._schedule_poll()

    # -- next unread ------------------------------------------------------------------------
    def open_or_next(self) -> None:
        row = self.controller.selected_article()
        if row is not None and not row.is_read:
            self.controller.open_article(row)
        else:
            self.next_unread()

    def next_unread(self) -> None:
        if self._next_task is not None and not self._next_task.done():
            return  # one search at a time: a held N does not queue hundreds
        self._next_task = self.window.spawn(self._next_unread())

    async def _next_unread(self) -> None:
        current = self.view.currentIndex()
        after = current.row() if current.isValid() else -1
        if await self._select_unread_after(after):
            return
        for scope in self._feeds_after(self.controller._list_scope):
            if self.controller.tree_model.unread(scope) <= 0:
                continue
            if not self.window.select_scope("feed", scope.target_id):
                continue  # hidden by the feed filter's text
            if await self._select_unread_after(-1):
                return
        self.window.status_label.setText(self.tr("No unread article left"))

    async def _select_unread_after(self, after: int) -> bool:
        """Select the list's first unread row after ``after``, waiting for the list's walk
        where it has not got that far yet; False when there is none."""
        while True:
            start, spec = self.loader.start, self.model.spec
            if start is None or spec is None:
                if spec is None or not await self._list_moved():
                    return False
                continue
            generation = self.model.generation
            found = await self.controller.manager.next_unread_in_list(
                start, spec.user_id, after)
            if generation != self.model.generation:
                return False  # another list meanwhile: the person moved on
            if found is not None:
                index = self.model.index(found, TITLE)
                self.view.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
                self.view.scrollTo(index)
                self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
            if self.model.complete:
                return False
            if not await self._list_moved():
                return False

    async def _list_moved(self) -> bool:
        """Until the list grows, completes or is replaced (True), or the window closes."""
        moved = asyncio.get_running_loop().create_future()

        def changed() -> None:
            if not moved.done():
                moved.set_result(True)

        self.model.stateChanged.connect(changed)
        try:
            return await moved
        finally:
            with contextlib.suppress(RuntimeError, TypeError):  # the model went meanwhile
                self.model.stateChanged.disconnect(changed)

    def _feeds_after(self, scope: Scope | None) -> list[Scope]:
        """Every feed of the tree, in its order, starting after the scope's last feed and
        wrapping around (a feed: after it; a category or Uncategorized: after its feeds;
        everything: none, its list held them all)."""
        tree = self.controller.tree_model
        feeds: list[Scope] = []
        end = -1
        for group_row, group in enumerate(tree.groups()):
            for feed in tree.feeds_of(group_row):
                feeds.append(feed)
                if scope is not None and (
                        (scope.kind == "feed" and feed.target_id == scope.target_id)
                        or (scope.kind == group.kind and group.target_id == scope.target_id)):
                    end = len(feeds) - 1
        if scope is not None and scope.kind == "all":
            return []
        return feeds[end + 1:] + feeds[:end + 1]
