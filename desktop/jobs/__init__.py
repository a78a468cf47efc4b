"""The bulk job engine: asyncio, Qt-free. See manager.BulkOperationManager."""

from .events import JobEvent
from .manager import BulkOperationManager, DatabaseBusyError

__all__ = ["BulkOperationManager", "DatabaseBusyError", "JobEvent"]
