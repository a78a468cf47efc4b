"""Idle cost (issue 5): "an idle window and an idle ``work`` use ~0 % CPU and leave the file
untouched".

Each face is the real command in a process of its own on a fresh copy of the database:
``python -m desktop gui --database COPY`` (offscreen; settings and log in a temporary folder)
and ``python -m desktop work --database COPY``. Once the process has the file open (seen in
/proc/PID/fd) and its start-up work is done (two quiet seconds), it is watched for the idle
period: the CPU time it uses (utime + stime from /proc/PID/stat, all threads, in clock ticks,
10 ms here) and whether the database, its -wal or its -shm changed (existence, size, mtime from
os.stat). Nothing here opens the copy, not even to read it: stat is all the file rule allows,
and all this needs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..common.dataset import fresh_copy, remove_copy
from ..common.paths import ROOT

TICKS = os.sysconf("SC_CLK_TCK")
SIDECARS = ("", "-wal", "-shm")
QUIET_PERCENT = 2.0  # start-up is over once two whole seconds each use less than this of a core
QUIET_SECONDS = 2
START_TIMEOUT = 180.0  # opening a 1M-article file and counting its unread on a busy machine
FACES = {"gui": ["gui", "--database"], "work": ["work", "--database"]}


def cpu_seconds(pid: int) -> float:
    """CPU time used by every thread of ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14, 15 of stat


def context_switches(pid: int) -> dict[str, int]:
    """Voluntary and involuntary switches of each thread alive now: roughly, its wake-ups."""
    counts = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                counts[task] = sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return counts


def _switches_between(before: dict[str, int], after: dict[str, int]) -> int:
    # per thread, so that a thread ending meanwhile takes nothing away (its own are lost)
    return sum(count - before.get(task, 0) for task, count in after.items())


def has_open(pid: int, path: Path) -> bool:
    """Whether ``pid`` holds a descriptor of ``path`` (its links in /proc, never the file)."""
    target = os.path.realpath(path)
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return False
    for fd in descriptors:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                return True
        except OSError:
            continue
    return False


def file_state(path: Path) -> dict[str, list | None]:
    """[size, mtime_ns] of the database and its -wal and -shm; None for a missing one."""
    state = {}
    for suffix in SIDECARS:
        try:
            st = os.stat(f"{path}{suffix}")
            state[suffix or "db"] = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            state[suffix or "db"] = None
    return state


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _wait_until_idle(proc: subprocess.Popen, path: Path) -> tuple[float, float]:
    """Seconds until the process had the file open, and until its start-up work was done."""
    began = time.monotonic()
    while not has_open(proc.pid, path):
        if proc.poll() is not None:
            raise RuntimeError(f"exited {proc.returncode} before opening {path}")
        if time.monotonic() - began > START_TIMEOUT:
            raise RuntimeError(f"did not open {path} within {START_TIMEOUT:g} s")
        time.sleep(0.05)
    opened = time.monotonic() - began
    used, quiet = cpu_seconds(proc.pid), 0
    while True:
        time.sleep(1.0)
        now = cpu_seconds(proc.pid)
        quiet = quiet + 1 if now - used < QUIET_PERCENT / 100 else 0
        if quiet == QUIET_SECONDS:
            return opened, time.monotonic() - began
        used = now
        if time.monotonic() - began > START_TIMEOUT:
            raise RuntimeError(f"still busy {START_TIMEOUT:g} s after starting")


def watch(face: str, path: Path, seconds: float) -> dict:
    """Run one face on ``path``, watch it idle for ``seconds``, stop it, say what it did."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": f"{home}/config",
               "XDG_DATA_HOME": f"{home}/data", "XDG_CACHE_HOME": f"{home}/cache"}
        command = [sys.executable, "-m", "desktop", *FACES[face], str(path)]
        pristine = file_state(path)
        with open(Path(home) / "stderr", "w+") as stderr:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                opened, settled = _wait_until_idle(proc, path)
                start_files, start_cpu = file_state(path), cpu_seconds(proc.pid)
                start_switches, began = context_switches(proc.pid), time.monotonic()
                worst, last_cpu, last = 0.0, start_cpu, began
                while time.monotonic() - began < seconds:  # per second: the worst burst
                    time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - began))))
                    if proc.poll() is not None:
                        raise RuntimeError(f"exited {proc.returncode} while idle")
                    cpu, now = cpu_seconds(proc.pid), time.monotonic()
                    worst = max(worst, (cpu - last_cpu) / max(now - last, 1e-6))
                    last_cpu, last = cpu, now
                end_cpu, ended = cpu_seconds(proc.pid), time.monotonic()
                switches = _switches_between(start_switches, context_switches(proc.pid))
                end_files = file_state(path)
            finally:
                stopping = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                try:
                    code = proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    code = proc.wait()
                stopped = time.monotonic() - stopping
                stderr.seek(0)
                errors = stderr.read()[-2000:]
    after_exit = file_state(path)
    idle = ended - began
    changed = _changed(start_files, end_files)
    return {"command": " ".join(command[1:]), "open_seconds": opened, "settle_seconds": settled,
            "start_up_cpu_seconds": start_cpu,  # imports, opening, the window's first reads
            "idle_seconds": idle, "cpu_seconds": end_cpu - start_cpu,
            "cpu_percent": 100 * (end_cpu - start_cpu) / idle,
            "cpu_percent_worst_second": 100 * worst,
            "context_switches_per_second": switches / idle,
            "files_at_start": start_files, "files_at_end": end_files, "changed": changed,
            "untouched": not changed, "files_before_launch": pristine,
            "files_after_exit": after_exit,
            # the database itself, from the copy to after exit (SQLite may delete -wal/-shm
            # when its last connection closes; the main file should not have changed at all)
            "db_unchanged_after_exit": pristine["db"] == after_exit["db"],
            "exit_code": code, "exit_seconds": stopped, "stderr_tail": errors}


def run_idle(source, run_name: str, seconds: float, log=print) -> dict:
    """Both faces, one after the other, each on its own fresh copy of ``source``."""
    if not hasattr(source, "path"):  # a file given by path: a copy of it alone must be whole
        for suffix in ("-wal", "-journal"):
            if Path(f"{source}{suffix}").exists():
                raise SystemExit(f"{source}{suffix} exists: checkpoint or close {source} first")
    result = {"status": "completed", "problems": []}
    for face in FACES:
        path = fresh_copy(source, f"{run_name}-{face}")
        try:
            log(f"[dim]        {face}: watching it idle for {seconds:g} s")
            result[face] = watch(face, path, seconds)
        finally:
            remove_copy(path)
    return result
