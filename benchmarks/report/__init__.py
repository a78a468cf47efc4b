"""Judging and showing the results, writing results*.json (which stay in benchmarks/)."""
