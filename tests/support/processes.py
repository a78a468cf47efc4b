"""``rss-desktop`` in a process of its own, stopped at named gates (a progress event, close,
an idle round) until the test lets it go, reporting each gate and each signal it handled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.paths import PROJECT

HARNESS = r"""
import asyncio, os, sys
from desktop.cli import main
from desktop.jobs.events import EventHub
from desktop.jobs.manager import BulkOperationManager
from desktop.jobs.recovery import Recovery

report, gates = int(sys.argv.pop(1)), set(sys.argv.pop(1).split(","))

def gate(name):
    if name in gates:
        gates.discard(name)
        os.write(report, name[0].encode())
        os.read(0, 1)

publish = EventHub.publish
def gated_publish(hub, event):
    publish(hub, event)
    if event.kind == "progress":
        gate("progress")
EventHub.publish = gated_publish

close = BulkOperationManager.close
async def gated_close(self):
    gate("close")
    await close(self)
BulkOperationManager.close = gated_close

start_runnable = Recovery.start_runnable_jobs
async def reported_round(self):
    started = await start_runnable(self)
    if not started and "idle" in gates:
        gates.discard("idle")
        os.write(report, b"i")
    return started
Recovery.start_runnable_jobs = reported_round

loop_class = asyncio.get_event_loop_policy()._loop_factory
add_signal_handler = loop_class.add_signal_handler
def add_reported(self, number, callback, *args):
    def reported(*args):
        callback(*args)
        os.write(report, b"s")
    return add_signal_handler(self, number, reported, *args)
loop_class.add_signal_handler = add_reported

sys.exit(main(sys.argv[1:]))
"""


class Gated:
    """``rss-desktop ARGS`` through HARNESS with the given gates."""

    def __init__(self, args, *gates: str):
        self.reports, child_end = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", HARNESS, str(child_end), ",".join(gates) or "-",
             *map(str, args)], cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=(child_end,))
        os.close(child_end)

    def expect(self, reports: bytes) -> None:
        for wanted in reports:
            got = os.read(self.reports, 1)
            assert got == bytes([wanted]), (f"expected {bytes([wanted])!r}, got {got!r}: "
                                            f"{self.process.stderr.peek().decode()}")

    def open_gate(self) -> None:
        self.process.stdin.write(b"g")
        self.process.stdin.flush()

    def terminate(self) -> None:
        """SIGTERM, returning once the kernel has delivered it (no longer pending)."""
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while sigterm_pending(self.process.pid):
            assert time.monotonic() < deadline, "SIGTERM never delivered"

    def finish(self) -> tuple[int, str]:
        try:
            self.out, err = self.process.communicate(timeout=120)  # (closes its stdin)
        finally:
            self.process.kill()
            os.close(self.reports)
        return self.process.returncode, err.decode(errors="replace")


def sigterm_pending(pid: int) -> bool:
    bit = 1 << (signal.SIGTERM - 1)
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    masks = [int(line.split()[1], 16) for line in status if line.startswith(("SigPnd", "ShdPnd"))]
    return any(mask & bit for mask in masks)
