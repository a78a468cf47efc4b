"""One measurement in a fresh process: ``python -m benchmarks.child KIND JSON``.

A fresh process per run keeps runs independent (no warm connections, no Qt state, a clean
ru_maxrss for the memory figure). The result is printed as the last line of stdout, as JSON.
"""

from __future__ import annotations

import json
import sys


def main(kind: str, arguments: dict) -> dict:
    from .common import engine, faces
    from .sqlite import article_list, baselines, tree

    if kind in tree.KINDS:  # the feed tree's shapes (issue 26): a file of their own
        return tree.run(kind, arguments["shape"])
    if arguments.get("backend") == "postgresql":  # path is the run's database URL
        from .postgresql import runs as pg_runs

        return pg_runs.run(kind, arguments)
    path, category = arguments["path"], arguments["category_id"]
    options = arguments.get("options") or {}
    if kind == "floor":  # on a connection like the web server's: foreign keys enforced
        return baselines.run_floor(path, category, arguments["watermark"])
    if kind == "floor_fk_off":  # the same statement on a connection like ours
        return baselines.run_floor(path, category, arguments["watermark"], foreign_keys=False)
    if kind == "floor_undo":  # ours, plus the engine's undo record in bare SQL
        return baselines.run_floor(path, category, arguments["watermark"], foreign_keys=False,
                                   undo_record=True)
    if kind == "spec":
        return baselines.run_spec(path, category)
    if kind == "engine":
        return engine.run_engine(path, category, options, trace=arguments.get("trace", False))
    if kind == "engine_no_undo":  # the same engine keeping no undo record: what recording costs
        return engine.run_engine(path, category, {**options, "record_changes": False},
                                 trace=arguments.get("trace", False))
    if kind in engine.WRITERS:  # the engine beside another program: 10 ms, sparse or idle
        writer = engine.WRITERS[kind]
        if kind == "sparse":  # each run its own reproducible schedule
            writer = (*writer, "--seed", str(arguments.get("seed", 1)))
        return engine.run_engine(path, category, options, writer=writer,
                                 trace=arguments.get("trace", False))
    if kind == "latency":
        return engine.run_latency(path, category, options)
    if kind == "memory":
        return engine.run_memory(path, category, options)
    if kind == "open":  # opening the database and preparing it for writing, no job
        return engine.run_open(path, arguments.get("checks_record"))
    if kind == "statements":  # every statement of every chunk, timed, with its plan
        from .sqlite import statements

        return statements.run_statements(path, category, options)
    if kind == "cli":  # the faces run as shipped: the engine knobs are not passed
        return faces.run_cli(path, category, trace=arguments.get("trace", False))
    if kind == "app":
        return faces.run_app(path, category, trace=arguments.get("trace", False))
    if kind in article_list.KINDS:  # the article list (issue 15): reads, checked by itself
        return article_list.run(kind, path, category)
    raise SystemExit(f"unknown measurement {kind!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]))))
