"""One measurement in a fresh process (``python -m benchmarks.child KIND JSON``), from the
benchmark process: see benchmarks/child.py."""

from __future__ import annotations

import json
import subprocess
import sys

from .paths import ROOT


def run_child(kind: str, **arguments) -> dict:
    """Run one measurement in a child process and return its result."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.child", kind,
                           json.dumps(arguments)], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
