"""The service database's connection: SQLite in WAL mode, one writer at a time.

Stdlib :mod:`sqlite3` only. One connection per process, guarded by a lock, so a request
thread and a job thread never interleave statements; WAL with ``synchronous=NORMAL``
keeps an audit append well under a millisecond. Writers in other processes (API
workers, the command line) queue on an advisory file lock. The schema is the numbered
files in ``migrations/``, applied in order once each (``PRAGMA user_version`` holds the
last one applied).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from fraudrings.core.vocabulary import ROLES, sql_in

log = logging.getLogger(__name__)

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_ADD_COLUMN = re.compile(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)\b", re.IGNORECASE)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration, in order; the vocabulary's words are
    put in where a file names them (``{roles}``)."""
    out = []
    for f in resources.files(__package__).joinpath("migrations").iterdir():
        m = _MIGRATION.match(f.name)
        if m:
            sql = f.read_text(encoding="utf-8").replace("{roles}", sql_in(ROLES))
            out.append((int(m.group(1)), f.name, sql))
    out.sort()
    if [n for n, _, _ in out] != list(range(1, len(out) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {[f for _, f, _ in out]}")
    return out


def statements(sql: str) -> list[str]:
    """The complete statements of a script (a trigger's body keeps its semicolons)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines():
        if line.lstrip().startswith("--") and not buf:
            continue
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"an incomplete statement at the end: {buf.strip()[:60]}")
    return out


class Database:
    """The connections, the write transaction and the background checkpoint."""

    CHECKPOINT_EVERY_S: float = 0.5

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # Writers in other processes (API workers, the CLI) queue on an advisory file lock
        # and are woken the moment it is free; SQLite's own busy handler would sleep and
        # poll (1, 2, 5 ... 100 ms), which is where the tail latency of two workers went.
        self._flock: int | None = None
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._flock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: SQLite's busy handler alone
                self._flock = None
        self._db = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self._opened()

        # Reads (the token and session check of every request) get a connection of their
        # own: in WAL mode they never wait for a writer's commit, nor for the lock that a
        # writer thread holds meanwhile (a slow disk makes commits slow, not reads).
        self._rlock: threading.Lock = self._lock
        self._rdb: sqlite3.Connection = self._db
        if str(path) != ":memory:":
            self._rdb = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=10.0
            )
            self._rdb.row_factory = sqlite3.Row
            self._rdb.execute("PRAGMA query_only=1")
            self._rlock = threading.Lock()
            # Checkpoints (copying the WAL into the database file, with an fsync) run
            # in a thread of their own, never inside a request's commit: SQLite's
            # automatic one runs in whichever commit crosses 1,000 pages, and that
            # commit, and every response waiting for its audit row, stalls for the
            # fsync (the p99 of the pre-settlement check was that stall).
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._stop = threading.Event()
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="store-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _migrate(self) -> None:
        """Apply the migrations not applied yet, each in its own transaction. A column a
        migration adds that the table already has (a database made before the numbered
        files) is left as it is."""
        with self._tx() as db:
            done = int(db.execute("PRAGMA user_version").fetchone()[0])
        for number, name, sql in migrations():
            if number <= done:
                continue
            with self._tx() as db:
                for stmt in statements(sql):
                    m = _ADD_COLUMN.match(stmt)
                    if m and m.group(2) in {
                        r[1] for r in db.execute(f"PRAGMA table_info({m.group(1)})")
                    }:
                        continue
                    db.execute(stmt)
                db.execute(f"PRAGMA user_version = {number}")
            log.debug("service database %s: migration %s applied", self.path, name)

    def _opened(self) -> None:
        """What each part of the store does once the schema is current (extended by the
        parts)."""

    def _attach(
        self, db: sqlite3.Connection, audit: dict[str, Any], kind: str, rows: Sequence[Any]
    ) -> bool:
        """Write ``rows`` of ``kind`` that belong to the audit row ``audit`` (its id, at,
        username, region, route), inside the transaction that appends it (extended by the
        parts; each handles its own kinds). False: no part knows the kind."""
        return False

    def _checkpoint_loop(self) -> None:
        """A passive checkpoint every half second on a connection of its own: it never
        blocks a writer or a reader, and lets the WAL be reused from its start."""
        db = sqlite3.connect(str(self.path), isolation_level=None, timeout=10.0)
        try:
            while not self._stop.wait(self.CHECKPOINT_EVERY_S):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # busy or gone: the next turn tries again
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            db.close()

    def close(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
            self._checkpointer.join(5)
        with self._rlock:
            if self._rdb is not self._db:
                self._rdb.close()
        with self._lock:
            self._db.close()
            if self._flock is not None:
                os.close(self._flock)
                self._flock = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._flock is not None:
                fcntl.flock(self._flock, fcntl.LOCK_EX)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if self._flock is not None:
                    fcntl.flock(self._flock, fcntl.LOCK_UN)

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self._all(sql, args)
        return rows[0] if rows else None

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._rlock:
            return list(self._rdb.execute(sql, args).fetchall())
