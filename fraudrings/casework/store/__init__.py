"""The service's own small database: users, sessions, the audit chain and jobs, in
SQLite (WAL), shared by every API worker and the command line.

One part per concern (:mod:`.users`, :mod:`.sessions`, :mod:`.audit`, :mod:`.jobs`) over
one connection (:mod:`.base`); the schema is the numbered files in ``migrations/``.
"""

from __future__ import annotations

from fraudrings.casework.store.audit import (
    AUDIT_FIELDS,
    GENESIS,
    MIN_RETENTION_DAYS,
    AuditBroken,
    AuditStore,
    row_hash,
)
from fraudrings.casework.store.base import Database, now
from fraudrings.casework.store.jobs import JobBusy, JobStore
from fraudrings.casework.store.sessions import SessionStore
from fraudrings.casework.store.users import User, UserExists, UserStore

__all__ = [
    "AUDIT_FIELDS",
    "GENESIS",
    "MIN_RETENTION_DAYS",
    "AuditBroken",
    "Database",
    "JobBusy",
    "Store",
    "User",
    "UserExists",
    "now",
    "row_hash",
]


class Store(UserStore, SessionStore, AuditStore, JobStore):
    """The whole service database: accounts, sessions, the audit chain and jobs."""
