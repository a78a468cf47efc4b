"""The seam between the engine and the kinds of database it works on.

Everything the engine does is the same on every backend — models, scope queries, job rows and
their guarded state changes, undo — except what each database does its own way, which lives in
one module per backend: connecting and checking a target, the write transaction, noticing other
programs' commits, telling whether a worker is alive, classifying errors, the DDL of our tables,
and how a chunk keeps its undo record. Nothing outside this package (and the SQLite helpers it
uses, ``sqlite_file`` and ``undo_record``) names a PRAGMA, an SQLSTATE or a file path.

A target is a path to an SQLite file, or a ``postgresql://`` URL.
"""

from __future__ import annotations

from .base import Backend, DatabaseOpenError

__all__ = ["Backend", "DatabaseOpenError", "backend_for", "is_server_url"]

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target) -> bool:
    """Whether ``target`` names a database server rather than a file."""
    return isinstance(target, str) and target.lower().startswith(SERVER_SCHEMES)


def backend_for(target) -> Backend:
    if is_server_url(target):
        from .postgres import POSTGRES

        return POSTGRES
    from .sqlite import SQLITE

    return SQLITE
