"""Which engine a run measured."""

from __future__ import annotations

import hashlib
import subprocess

from .paths import ROOT


def code_state() -> dict:
    """Which engine was measured: the commit, and a digest of desktop/ as it is on disk."""
    root = ROOT
    digest = hashlib.sha1()
    for path in sorted((root / "desktop").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())

    def git(*command):
        proc = subprocess.run(["git", *command], cwd=root, capture_output=True, text=True,
                              check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "desktop")
    return {"commit": git("rev-parse", "HEAD"), "desktop_sha1": digest.hexdigest(),
            "desktop_uncommitted": changed.splitlines() if changed else []}
