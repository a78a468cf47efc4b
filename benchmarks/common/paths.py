"""Where the benchmark and the project are."""

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]
ROOT = BENCHMARKS.parent  # the project: the code measured, and the cwd of every process
