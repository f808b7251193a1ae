"""The service's own small database: users, sessions, the audit chain and jobs, in
SQLite (WAL), shared by every API worker and the command line.

One part per concern (:mod:`.users`, :mod:`.sessions`, :mod:`.audit`, :mod:`.jobs`,
:mod:`.hsa`, :mod:`.hits`) over
one connection (:mod:`.base`); the schema is the numbered files in ``migrations/``.
"""

from __future__ import annotations

from pathlib import Path

from fraudrings.casework.store.audit import (
    AUDIT_FIELDS,
    GENESIS,
    MIN_RETENTION_DAYS,
    AuditBroken,
    AuditStore,
    row_hash,
)
from fraudrings.casework.store.base import Database, now
from fraudrings.casework.store.hits import HitStore
from fraudrings.casework.store.hsa import HsaStore
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


class Store(UserStore, SessionStore, AuditStore, JobStore, HsaStore, HitStore):
    """The whole service database: accounts, sessions, the audit chain, jobs, the
    national interface's warnings and feedback and the check's hits on open leads."""

    def __init__(self, path: Path | str, *, audit_key: str | None = None) -> None:
        """``audit_key``: the HMAC key of the audit chain (``FRAUDRINGS_AUDIT_KEY``); the
        service and the command line always give it. Without it rows are chained with
        plain SHA-256 (tests), and a log written with a key does not verify without it."""
        self._audit_key = audit_key.encode() if audit_key else None
        super().__init__(path)
