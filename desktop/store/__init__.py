"""The shared database: connection set-up, models, additive schema, scope queries, job rows.

Plain synchronous functions with no Qt and no asyncio; the job engine runs them on its single
database thread.
"""

from .connection import DatabaseOpenError, connect
from .jobs_table import JobNotFound, JobRecord, JobRequestError

__all__ = ["DatabaseOpenError", "JobNotFound", "JobRecord", "JobRequestError", "connect"]
