"""Progress events the engine publishes to its subscribers (plain Python; the GUI adapts them)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..store.jobs_table import JobRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEvent:
    """Something happened to a job this engine runs.

    ``kind`` is "created", "started", "total" (the scope was counted), "progress" (a chunk
    committed), "finished" (see ``job.status``), "released" (another worker took the job
    over and runs it on), "stopped" (this engine stopped writing without recording an
    outcome: ``note`` says why — its file removed, replaced or damaged), or "unrecorded" (it
    failed here and that could not be written yet: ``manager.unrecorded[job.id]`` says why;
    "finished" follows once it is written).

    A request on a job publishes one event, the row as the request left it: a cancel
    "cancel_requested" when the job runs here (it stops after its current chunk: "finished"
    follows), or "finished" when that cancel finished it; a retry "retried" (pending again;
    "started" follows when it runs); an undo "created" (the undo job).

    ``marked_by_feed`` and ``marked_by_category`` say how many articles the chunk newly marked
    read where (an undo's are negative), so unread counts can move live (category None =
    uncategorized feeds).

    ``span`` (a "progress" event's): the article ids the chunk went through, (low, high]. A
    mark-read chunk left every article of its job's scope in that span read for the job's user
    (so a list of articles can turn exactly those rows from unread to read); an undo chunk made
    unread again those articles of the span that its original job had marked and that nobody
    changed since (which ones, only the database knows).
    """

    kind: str
    job: JobRecord
    marked_by_feed: dict[int, int] = field(default_factory=dict)
    marked_by_category: dict[int | None, int] = field(default_factory=dict)
    span: tuple[int, int] | None = None
    note: str | None = None


Subscriber = Callable[[object], None]  # a JobEvent, or an ArticleChange (article_events)


class EventHub:
    """Calls every subscriber with every event; a failing subscriber never stops a job."""

    def __init__(self):
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def publish(self, event: JobEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not end the job
                log.exception("job event subscriber %r failed", callback)
