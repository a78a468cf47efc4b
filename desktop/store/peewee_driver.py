"""peewee without psycopg until a server URL needs it.

peewee imports psycopg when peewee itself is imported, to offer it for PostgreSQL: about 60 ms
(psycopg, its C library, ipaddress, ssl...) on every start of the command line and the window,
though a file never uses it. ``import_peewee`` (run by ``desktop.store`` before anything there
imports peewee) imports peewee with psycopg hidden, so peewee takes it for absent;
``give_psycopg_to_peewee`` (run by the PostgreSQL backend before it makes a database) imports
psycopg and sets in peewee exactly what peewee's own import would have set (peewee 4.5: the
module's ``psycopg``, ``TransactionStatus``, ``Json_pg3``, ``Jsonb_pg3`` and
``Psycopg3Adapter``'s transaction constants). Where psycopg was imported first (a test, a
program embedding us), peewee found it itself and nothing is done.
"""

from __future__ import annotations

import importlib
import sys


def import_peewee(module: str = "peewee"):
    """Import peewee, or one of playhouse's modules, with psycopg hidden from it unless someone
    imported psycopg already; returns the module. (playhouse.migrate imports psycopg too, for
    PostgreSQL's hstore.)"""
    if module in sys.modules:
        return sys.modules[module]
    hide = "psycopg" not in sys.modules
    if hide:
        sys.modules["psycopg"] = None  # `import psycopg` raises ImportError while this is set
    try:
        return importlib.import_module(module)
    finally:
        if hide and sys.modules.get("psycopg") is None:
            del sys.modules["psycopg"]


def give_psycopg_to_peewee() -> None:
    """What peewee's import sets when it finds psycopg, set now (see the module's docstring)."""
    import peewee

    if peewee.psycopg is not None:
        return
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    peewee.TransactionStatus = TransactionStatus
    peewee.Json_pg3, peewee.Jsonb_pg3 = Json, Jsonb
    adapter = peewee.Psycopg3Adapter
    adapter.txn_idle = TransactionStatus.IDLE
    adapter.txn_inerror = TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN
    peewee.psycopg = psycopg  # last: the others are in place once peewee sees a driver
