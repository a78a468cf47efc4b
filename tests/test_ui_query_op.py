"""QueryOp on a real window, database and qasync loop: an answer that went stale while its op
ran (another user, another database, a newer op of the same key) is dropped, never shown. Each
op waits on an event the test sets, so the order of events is the test's, never timing's."""

from __future__ import annotations

import asyncio

from support.databases import make_server_database
from support.window import run

from desktop.ui.query_op import QueryOp


def gated(gate: asyncio.Event, answer):
    """An op that reads the database's users once ``gate`` is set, and answers
    (``answer``, the user it ran for, the users read)."""
    async def op(manager, user_id):
        await gate.wait()
        return answer, user_id, await manager.users()
    return op


def test_an_answer_arrives_for_the_user_it_was_asked_for(qtbot, make_window, server_db):
    window = make_window(server_db)
    gate, shown = asyncio.Event(), []
    task = QueryOp(window, "test", gated(gate, "a"), shown.append).run_in_background()
    gate.set()
    qtbot.waitUntil(task.done)
    assert task.result() is True
    assert shown == [("a", window.user_id, [(1, "alice"), (2, "bob")])]


def test_an_answer_for_a_user_no_longer_chosen_is_dropped(qtbot, make_window, server_db):
    window = make_window(server_db)
    assert window.user_id == 1
    gate, shown = asyncio.Event(), []
    task = QueryOp(window, "test", gated(gate, "alice's"), shown.append).run_in_background()
    run(qtbot, window.set_user(2))
    gate.set()
    qtbot.waitUntil(task.done)
    assert task.result() is False and shown == []


def test_an_op_that_does_not_follow_the_user_survives_a_change_of_user(qtbot, make_window,
                                                                        server_db):
    window = make_window(server_db)
    gate, shown = asyncio.Event(), []
    task = QueryOp(window, "test", gated(gate, "users"), shown.append,
                   follows_user=False).run_in_background()
    run(qtbot, window.set_user(2))
    gate.set()
    qtbot.waitUntil(task.done)
    assert task.result() is True and [answer for answer, *_ in shown] == ["users"]


def test_an_answer_from_a_database_no_longer_shown_is_dropped(qtbot, make_window, server_db,
                                                               tmp_path):
    other = make_server_database(tmp_path / "other.db")
    window = make_window(server_db)
    errors = []
    window.errorShown.connect(errors.append)
    gate, shown = asyncio.Event(), []
    task = QueryOp(window, "test", gated(gate, "old"), shown.append,
                   follows_user=False).run_in_background()
    asked_of = window.manager
    assert run(qtbot, window.database.open_database(other))
    assert window.manager is not asked_of
    gate.set()  # its engine is closed: the read fails, and that is no news to anyone
    qtbot.waitUntil(task.done)
    assert task.result() is False and shown == [] and errors == []


def test_a_newer_op_of_the_same_key_wins_when_the_older_answers_last(qtbot, make_window,
                                                                     server_db):
    window = make_window(server_db)
    older_gate, newer_gate, shown, settled = asyncio.Event(), asyncio.Event(), [], []
    older = QueryOp(window, "test", gated(older_gate, "older"), shown.append).run_in_background()
    newer = QueryOp(window, "test", gated(newer_gate, "newer"), shown.append).run_in_background()
    for name, task in (("older", older), ("newer", newer)):
        task.add_done_callback(lambda _task, name=name: settled.append(name))
    newer_gate.set()
    qtbot.waitUntil(newer.done)
    older_gate.set()
    qtbot.waitUntil(older.done)
    assert (older.result(), newer.result()) == (False, True)
    assert [answer for answer, *_ in shown] == ["newer"]


def test_a_newer_op_of_the_same_key_wins_when_the_older_answers_first(qtbot, make_window,
                                                                      server_db):
    """The older answer is dropped, and awaiting it returns only once the newer is shown:
    whoever awaits a reload sees one at least as new as the one they asked for."""
    window = make_window(server_db)
    older_gate, newer_gate, shown, settled = asyncio.Event(), asyncio.Event(), [], []
    older_answered = asyncio.Event()

    async def older_op(manager, user_id):
        answer = await gated(older_gate, "older")(manager, user_id)
        older_answered.set()
        return answer

    older = QueryOp(window, "test", older_op, shown.append).run_in_background()
    newer = QueryOp(window, "test", gated(newer_gate, "newer"), shown.append).run_in_background()
    for name, task in (("older", older), ("newer", newer)):
        task.add_done_callback(lambda _task, name=name: settled.append(name))
    older_gate.set()
    qtbot.waitUntil(older_answered.is_set)
    assert shown == []
    newer_gate.set()
    qtbot.waitUntil(lambda: older.done() and newer.done())
    assert (older.result(), newer.result()) == (False, True)
    assert [answer for answer, *_ in shown] == ["newer"]
    assert settled == ["newer", "older"]


def test_ops_of_other_keys_do_not_supersede_each_other(qtbot, make_window, server_db):
    window = make_window(server_db)
    gate, shown = asyncio.Event(), []
    first = QueryOp(window, "one", gated(gate, "one"), shown.append).run_in_background()
    second = QueryOp(window, "two", gated(gate, "two"), shown.append).run_in_background()
    unkeyed = QueryOp(window, None, gated(gate, "none"), shown.append).run_in_background()
    gate.set()
    qtbot.waitUntil(lambda: first.done() and second.done() and unkeyed.done())
    assert sorted(answer for answer, *_ in shown) == ["none", "one", "two"]


def test_an_error_goes_to_the_window_s_error_message(qtbot, make_window, server_db):
    window = make_window(server_db)
    gate = asyncio.Event()

    async def failing(_manager, _user_id):
        await gate.wait()
        raise RuntimeError("the op failed")

    shown = []
    with qtbot.waitSignal(window.errorShown) as error:
        QueryOp(window, "test", failing, shown.append).run_in_background()
        gate.set()
    assert "RuntimeError: the op failed" in error.args[0] and shown == []
