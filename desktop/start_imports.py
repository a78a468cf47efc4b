"""What a command line start imports: asyncio without ssl where no server is named (issue 26).

asyncio imports ssl (5-10 ms of a small job's start) for TLS streams, which nothing here uses:
a PostgreSQL connection's TLS is libpq's own. A start that names a file imports asyncio with
ssl hidden, so asyncio keeps no ssl (its TLS streams would refuse to start, and none is
asked for); ssl itself stays importable for anything else that wants it later.
"""

from __future__ import annotations

import sys


def import_asyncio_without_ssl() -> None:
    """Import asyncio, without ssl unless something imported either already."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        return
    sys.modules["ssl"] = None  # import ssl raises ImportError, which asyncio expects
    try:
        import asyncio  # noqa: F401
    finally:
        del sys.modules["ssl"]
