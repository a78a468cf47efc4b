"""Running the engine in a test: open a manager, do something with it, close it."""

from __future__ import annotations

import asyncio


def run_engine(path, body, **options):
    """Open a manager on ``path``, await ``body(manager)``, close it; return body's result."""
    from desktop.jobs import BulkOperationManager

    async def main():
        manager = BulkOperationManager(path, **options)
        await manager.open()
        try:
            return await body(manager)
        finally:
            await manager.close()

    return asyncio.run(main())
