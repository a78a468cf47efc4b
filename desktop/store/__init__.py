"""The shared database: connection set-up, models, additive schema, scope queries, job rows.

Plain synchronous functions with no Qt and no asyncio; the job engine runs them on its single
database thread.
"""

from .peewee_driver import import_peewee

import_peewee()  # before any module here imports it: without psycopg (peewee_driver.py)

from .connection import DatabaseOpenError, connect  # noqa: E402
from .jobs_table import JobNotFound, JobRecord, JobRequestError  # noqa: E402

__all__ = ["DatabaseOpenError", "JobNotFound", "JobRecord", "JobRequestError", "connect"]
