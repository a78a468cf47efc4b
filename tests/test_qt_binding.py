"""Guards against a Qt binding that corrupts the interpreter as the app emits signals."""

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    ping = Signal()
    event = Signal(object)


def test_emitting_signals_keeps_reference_counts(qapp):
    # PySide6 6.12.0 on Python 3.11 returned True from Signal.emit() without a reference of its
    # own: after a few thousand job events the interpreter aborted. The app emits per chunk.
    emitter = Emitter()
    received = []
    emitter.ping.connect(lambda: received.append(None))
    emitter.event.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(2000):
        emitter.ping.emit()
        emitter.event.emit(False)
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(received) == 4000
    assert after[0] - before[0] > -10 and after[1] - before[1] > -10
