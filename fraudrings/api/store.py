"""The service's own small database: users, the audit log and jobs, in SQLite (WAL).

Stdlib :mod:`sqlite3` only. One connection per process, guarded by a lock, so a
request thread and a job thread never interleave statements; WAL with
``synchronous=NORMAL`` keeps an audit append well under a millisecond.

The audit table is append-only and tamper-evident: each row stores the SHA-256 of its
own content and of the previous row's hash (a chain from ``GENESIS``), so
:meth:`Store.verify_audit` finds the first row that was changed, removed or inserted.
Triggers refuse every UPDATE, and every DELETE of a row younger than 184 days (the
legal minimum; :meth:`Store.prune_audit` deletes older rows past the configured
retention and records a checkpoint, so the chain still verifies from the first kept
row). ``sessions`` holds every issued token by its id (``jti``): last use (idle
timeout) and revocation (logout).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from fraudrings.core.vocabulary import ROLES, sql_in

log = logging.getLogger(__name__)

GENESIS: Final[str] = "0" * 64
MIN_RETENTION_DAYS: Final[int] = 184

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ({sql_in(ROLES)})),
    region        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    username    TEXT,
    role        TEXT,
    region      TEXT,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    route       TEXT,
    params      TEXT NOT NULL,
    entity_ids  TEXT NOT NULL,
    status      INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    client      TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_user ON audit (username, at);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    cutoff        TEXT NOT NULL,
    first_kept_id INTEGER NOT NULL,
    anchor_hash   TEXT NOT NULL,
    deleted_rows  INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TABLE IF NOT EXISTS sessions (
    jti         TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    last_used   TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_why TEXT
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
CREATE TABLE IF NOT EXISTS jobs (
    job_id      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,
    state       TEXT NOT NULL,
    stage       TEXT,
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    report      TEXT,
    error       TEXT,
    created_by  TEXT NOT NULL,
    region      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
);
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    region: str
    password_hash: str
    active: bool
    created_at: str
    totp_secret: str | None = None
    locked_until: str | None = None

    @property
    def locked(self) -> bool:
        return bool(self.locked_until) and datetime.fromisoformat(
            str(self.locked_until)
        ) > datetime.now(UTC)


# The columns of an audit row that its hash covers, in this order.
AUDIT_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "at",
    "username",
    "role",
    "region",
    "method",
    "path",
    "route",
    "params",
    "entity_ids",
    "status",
    "duration_ms",
    "client",
    "purpose",
    "prev_hash",
)


def row_hash(row: dict[str, Any]) -> str:
    """SHA-256 of an audit row's content (as stored) and the previous row's hash."""
    content = json.dumps(
        [row.get(k) for k in AUDIT_FIELDS], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


class AuditBroken(ValueError):
    """The audit chain does not verify; ``row_id`` names the first broken row."""

    def __init__(self, row_id: int | None, reason: str) -> None:
        super().__init__(f"audit row {row_id}: {reason}" if row_id else reason)
        self.row_id = row_id
        self.reason = reason


class UserExists(ValueError):
    pass


class Store:
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
        self._db.executescript(_SCHEMA)
        self._migrate()
        # A job left running by a process that died is not running any more (with
        # several API workers, the others' jobs are theirs: only dead owners count).
        with self._tx() as db:
            for r in db.execute(
                "SELECT job_id, pid FROM jobs WHERE state IN ('queued','running')"
            ).fetchall():
                if not _alive(r["pid"]):
                    db.execute(
                        "UPDATE jobs SET state='interrupted', finished_at=? WHERE job_id=?",
                        (now(), r["job_id"]),
                    )

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
        """Columns added by the security work, the delete trigger with its 184-day floor,
        and the hash chain over rows written before it existed."""
        with self._tx() as db:
            have = {r[1] for r in db.execute("PRAGMA table_info(users)")}
            for col, decl in (
                ("totp_secret", "TEXT"),
                ("failed_logins", "INTEGER NOT NULL DEFAULT 0"),
                ("locked_until", "TEXT"),
            ):
                if col not in have:
                    db.execute(f"ALTER TABLE users ADD COLUMN {col} {decl}")
            if "pid" not in {r[1] for r in db.execute("PRAGMA table_info(jobs)")}:
                db.execute("ALTER TABLE jobs ADD COLUMN pid INTEGER")
            have = {r[1] for r in db.execute("PRAGMA table_info(audit)")}
            for col in ("purpose", "prev_hash", "hash"):
                if col not in have:
                    db.execute(f"ALTER TABLE audit ADD COLUMN {col} TEXT")
            db.execute("DROP TRIGGER IF EXISTS audit_no_update")
            db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
            unchained = db.execute("SELECT count(*) FROM audit WHERE hash IS NULL").fetchone()[0]
            if unchained:  # rows from before the chain: chain them once, in order
                prev = GENESIS
                for r in db.execute("SELECT * FROM audit ORDER BY id").fetchall():
                    d = dict(r)
                    d["prev_hash"] = prev
                    prev = row_hash(d)
                    db.execute(
                        "UPDATE audit SET prev_hash=?, hash=? WHERE id=?",
                        (d["prev_hash"], prev, r["id"]),
                    )
            db.execute(
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
            db.execute(
                "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
                "WHEN OLD.at >= strftime('%Y-%m-%dT%H:%M:%f', 'now', "
                f"'-{MIN_RETENTION_DAYS} days') "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only; rows are kept "
                f"{MIN_RETENTION_DAYS} days at least'); END"
            )

    CHECKPOINT_EVERY_S: float = 0.5

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

    # -- users --------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        role: str,
        region: str,
        password_hash: str,
        totp_secret: str | None = None,
    ) -> User:
        """A new account; its TOTP secret is made here unless given (read it back from the
        returned user to show the enrolment once)."""
        from fraudrings.api.security import new_totp_secret

        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO users (username, role, region, password_hash, created_at, "
                    "totp_secret) VALUES (?,?,?,?,?,?)",
                    (
                        username,
                        role,
                        region,
                        password_hash,
                        now(),
                        totp_secret or new_totp_secret(),
                    ),
                )
        except sqlite3.IntegrityError:
            raise UserExists(f"user {username!r} already exists") from None
        user = self.get_user(username)
        assert user is not None
        return user

    def set_password(self, username: str, password_hash: str) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET password_hash=? WHERE username=?", (password_hash, username)
            )
            return cur.rowcount == 1

    def set_active(self, username: str, active: bool) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET active=?, failed_logins=0, locked_until=NULL WHERE username=?",
                (int(active), username),
            )
            if not active:
                db.execute(
                    "UPDATE sessions SET revoked_at=?, revoked_why='disabled' "
                    "WHERE username=? AND revoked_at IS NULL",
                    (now(), username),
                )
            return cur.rowcount == 1

    def set_totp(self, username: str, secret: str) -> bool:
        with self._tx() as db:
            cur = db.execute("UPDATE users SET totp_secret=? WHERE username=?", (secret, username))
            return cur.rowcount == 1

    # -- sign-in failures and lockout ---------------------------------------------------
    def login_failed(self, username: str, max_failures: int, lock_minutes: float) -> bool:
        """Count a failed sign-in; after ``max_failures`` in a row the account is locked for
        ``lock_minutes``. True when this failure locked it."""
        with self._tx() as db:
            row = db.execute(
                "SELECT failed_logins FROM users WHERE username=?", (username,)
            ).fetchone()
            if row is None:
                return False
            n = int(row[0]) + 1
            if n >= max_failures:
                until = (datetime.now(UTC) + timedelta(minutes=lock_minutes)).isoformat()
                db.execute(
                    "UPDATE users SET failed_logins=0, locked_until=? WHERE username=?",
                    (until, username),
                )
                return True
            db.execute("UPDATE users SET failed_logins=? WHERE username=?", (n, username))
            return False

    def login_ok(self, username: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE users SET failed_logins=0, locked_until=NULL WHERE username=?", (username,)
            )

    # -- sessions (issued tokens) -------------------------------------------------------
    def add_session(self, jti: str, username: str, expires_at: datetime) -> None:
        t = now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (jti, username, issued_at, expires_at, last_used) "
                "VALUES (?,?,?,?,?)",
                (jti, username, t, expires_at.isoformat(timespec="milliseconds"), t),
            )
            # tokens expired a day ago are of no use to anyone
            cut = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="milliseconds")
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (cut,))

    def use_session(self, jti: str, username: str, idle_minutes: float) -> str | None:
        """Check a token id and mark it used: None when it may be used, else why not
        (unknown, revoked, idle too long; an idle token is revoked). The use is written
        only when the last one recorded is older than a tenth of the idle limit (30 s at
        most), so a busy client costs one read per request, not a write."""
        t = datetime.now(UTC)
        row = self._one("SELECT username, last_used, revoked_at FROM sessions WHERE jti=?", (jti,))
        if row is None or row["username"] != username:
            return "the token is not known to this service"
        if row["revoked_at"]:
            return "the token has been revoked (signed out)"
        limit = timedelta(minutes=idle_minutes)
        idle = t - datetime.fromisoformat(row["last_used"])
        if idle <= min(limit / 10, timedelta(seconds=30)):
            return None
        with self._tx() as db:
            if idle > limit:
                db.execute(
                    "UPDATE sessions SET revoked_at=?, revoked_why='idle' WHERE jti=?",
                    (t.isoformat(timespec="milliseconds"), jti),
                )
                return f"the token was idle for more than {idle_minutes:g} minutes; sign in again"
            # revoked meanwhile (a logout through another worker): refuse, else touch
            cur = db.execute(
                "UPDATE sessions SET last_used=? WHERE jti=? AND revoked_at IS NULL",
                (t.isoformat(timespec="milliseconds"), jti),
            )
            if cur.rowcount != 1:
                return "the token has been revoked (signed out)"
            return None

    def revoke_session(self, jti: str, why: str = "logout") -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE sessions SET revoked_at=?, revoked_why=? "
                "WHERE jti=? AND revoked_at IS NULL",
                (now(), why, jti),
            )
            return cur.rowcount == 1

    def get_user(self, username: str) -> User | None:
        rows = self._all("SELECT * FROM users WHERE username=?", (username,))
        return _user(rows[0]) if rows else None

    def list_users(self, region_prefix: str = "") -> list[User]:
        rows = self._all(
            "SELECT * FROM users WHERE substr(region, 1, ?) = ? ORDER BY username",
            (len(region_prefix), region_prefix),
        )
        return [_user(r) for r in rows]

    # -- audit --------------------------------------------------------------------------
    def audit(
        self,
        *,
        username: str | None,
        role: str | None,
        region: str | None,
        method: str,
        path: str,
        route: str | None,
        params: dict[str, Any],
        entity_ids: Sequence[str],
        status: int,
        duration_ms: float,
        client: str | None,
        purpose: str | None = None,
        at: str | None = None,
    ) -> int:
        """Append one row to the chain; its id. Raises when it cannot be written (the
        caller must then fail the request)."""
        return self.audit_many(
            [
                {
                    "username": username,
                    "role": role,
                    "region": region,
                    "method": method,
                    "path": path,
                    "route": route,
                    "params": params,
                    "entity_ids": entity_ids,
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": client,
                    "purpose": purpose,
                    "at": at,
                }
            ]
        )[0]

    def audit_many(self, entries: Sequence[dict[str, Any]]) -> list[int]:
        """Append rows (each with the keyword arguments of :meth:`audit`) to the chain in
        one transaction, in order; their ids. All or none: raises when they cannot be
        written. The API writes the rows of concurrent requests this way (one commit),
        each request still waiting for its row before its response goes out."""
        rows: list[dict[str, Any]] = []
        for e in entries:
            rows.append(
                {
                    "at": e.get("at") or now(),
                    "username": e["username"],
                    "role": e["role"],
                    "region": e["region"],
                    "method": e["method"],
                    "path": e["path"],
                    "route": e["route"],
                    "params": json.dumps(e["params"], ensure_ascii=False, default=str),
                    "entity_ids": json.dumps(list(e["entity_ids"]), ensure_ascii=False),
                    "status": e["status"],
                    "duration_ms": round(e["duration_ms"], 3),
                    "client": e["client"],
                    "purpose": e.get("purpose"),
                }
            )
        cols = [*AUDIT_FIELDS, "hash"]
        sql = f"INSERT INTO audit ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})"
        with self._tx() as db:
            last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            if last is not None:
                next_id, prev = int(last["id"]) + 1, last["hash"]
            else:
                cp = db.execute(
                    "SELECT first_kept_id, anchor_hash FROM audit_checkpoints "
                    "ORDER BY id DESC LIMIT 1"
                ).fetchone()
                next_id, prev = (int(cp[0]), cp[1]) if cp is not None else (1, GENESIS)
            for row in rows:
                row["id"], row["prev_hash"] = next_id, prev
                row["hash"] = prev = row_hash(row)
                next_id += 1
            db.executemany(sql, [[row[k] for k in cols] for row in rows])
        return [int(row["id"]) for row in rows]

    def verify_audit(self) -> dict[str, Any]:
        """Walk the chain from the first kept row; :class:`AuditBroken` at the first row
        whose content, link or position does not verify."""
        cp = self._all("SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1")
        with self._lock:
            cur = self._db.execute(f"SELECT {', '.join(AUDIT_FIELDS)}, hash FROM audit ORDER BY id")
            n = 0
            first: int | None = None
            prev_id: int | None = None
            prev_hash: str | None = None
            for r in cur:
                d = dict(r)
                rid = int(d["id"])
                if first is None:
                    first = rid
                    if cp:
                        exp_id, exp_prev = int(cp[0]["first_kept_id"]), cp[0]["anchor_hash"]
                    else:
                        exp_id, exp_prev = 1, GENESIS
                    if rid != exp_id:
                        raise AuditBroken(
                            rid, f"the log starts at row {rid}, the last checkpoint says {exp_id}"
                        )
                else:
                    exp_prev = prev_hash
                    if prev_id is not None and rid != prev_id + 1:
                        raise AuditBroken(rid, f"rows {prev_id + 1}..{rid - 1} are missing")
                if d["prev_hash"] != exp_prev:
                    raise AuditBroken(rid, "its link to the previous row does not match")
                if row_hash(d) != d["hash"]:
                    raise AuditBroken(rid, "its content does not match its hash")
                prev_id, prev_hash = rid, d["hash"]
                n += 1
        return {"rows": n, "first_id": first, "last_id": prev_id, "head": prev_hash}

    def prune_audit(self, retention_days: int) -> dict[str, Any]:
        """Delete the rows older than the retention (never under 184 days) and record a
        checkpoint holding the hash of the last deleted row."""
        if retention_days < MIN_RETENTION_DAYS:
            raise ValueError(f"the audit is kept {MIN_RETENTION_DAYS} days at least")
        cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat(
            timespec="milliseconds"
        )
        with self._tx() as db:
            last = db.execute(
                "SELECT id, hash FROM audit WHERE at < ? ORDER BY id DESC LIMIT 1", (cutoff,)
            ).fetchone()
            if last is None:
                return {"deleted": 0, "cutoff": cutoff, "first_kept_id": None}
            n = db.execute("DELETE FROM audit WHERE id <= ?", (last["id"],)).rowcount
            first_kept = int(last["id"]) + 1
            db.execute(
                "INSERT INTO audit_checkpoints (at, cutoff, first_kept_id, anchor_hash, "
                "deleted_rows) VALUES (?,?,?,?,?)",
                (now(), cutoff, first_kept, last["hash"], n),
            )
        return {"deleted": n, "cutoff": cutoff, "first_kept_id": first_kept}

    def query_audit(
        self,
        *,
        region_prefix: str,
        username: str | None = None,
        path_prefix: str | None = None,
        route: str | None = None,
        entity_id: str | None = None,
        status: int | None = None,
        purpose: str | None = None,
        since: str | None = None,
        until: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Audit rows of users inside ``region_prefix`` (and anonymous calls), newest first."""
        where = ["(region IS NULL OR substr(region, 1, ?) = ?)"]
        args: list[Any] = [len(region_prefix), region_prefix]
        if username is not None:
            where.append("username = ?")
            args.append(username)
        if path_prefix is not None:
            where.append("substr(path, 1, ?) = ?")
            args += [len(path_prefix), path_prefix]
        if route is not None:
            where.append("route = ?")
            args.append(route)
        if purpose is not None:  # a word of the stated purpose or case number
            where.append("instr(lower(coalesce(purpose, '')), lower(?)) > 0")
            args.append(purpose)
        if entity_id is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(audit.entity_ids) WHERE value = ?)")
            args.append(entity_id)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        if until is not None:
            where.append("at < ?")
            args.append(until)
        cond = " AND ".join(where)
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM audit WHERE {cond}", args).fetchone()[0]
            rows = self._db.execute(
                f"SELECT * FROM audit WHERE {cond} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["params"] = json.loads(d["params"])
            d["entity_ids"] = json.loads(d["entity_ids"])
            out.append(d)
        return int(total), out

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, kind: str, params: dict[str, Any], created_by: str, region: str) -> str:
        """Queue a job for this process; :class:`JobBusy` while another live process (an
        API worker beside this one) has one queued or running: one job at a time."""
        job_id, pid = uuid.uuid4().hex, os.getpid()
        with self._tx() as db:
            for r in db.execute(
                "SELECT job_id, pid FROM jobs WHERE state IN ('queued','running') AND pid != ?",
                (pid,),
            ).fetchall():
                if _alive(r["pid"]):
                    raise JobBusy(r["job_id"])
            db.execute(
                "INSERT INTO jobs (job_id, kind, params, state, created_by, region, created_at,"
                " pid) VALUES (?,?,?,?,?,?,?,?)",
                (job_id, kind, json.dumps(params), "queued", created_by, region, now(), pid),
            )
        return job_id

    def update_job(self, job_id: str, **fields: Any) -> None:
        allowed = {"state", "stage", "done", "total", "report", "error", "started_at"}
        allowed.add("finished_at")
        cols = []
        vals: list[Any] = []
        for k, v in fields.items():
            if k not in allowed:
                raise ValueError(k)
            cols.append(f"{k}=?")
            vals.append(json.dumps(v, default=str) if k == "report" else v)
        with self._tx() as db:
            db.execute(f"UPDATE jobs SET {', '.join(cols)} WHERE job_id=?", [*vals, job_id])

    def get_job(self, job_id: str, region_prefix: str) -> dict[str, Any] | None:
        rows = self._all(
            "SELECT * FROM jobs WHERE job_id=? AND substr(region, 1, ?) = ?",
            (job_id, len(region_prefix), region_prefix),
        )
        return _job(rows[0]) if rows else None

    def list_jobs(self, region_prefix: str, offset: int, limit: int) -> tuple[int, list[Any]]:
        cond = "substr(region, 1, ?) = ?"
        args = (len(region_prefix), region_prefix)
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM jobs WHERE {cond}", args).fetchone()
            rows = self._db.execute(
                f"SELECT * FROM jobs WHERE {cond} ORDER BY created_at DESC LIMIT ? OFFSET ?",
                (*args, limit, offset),
            ).fetchall()
        return int(total[0]), [_job(r) for r in rows]


class JobBusy(Exception):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} is queued or running in another API worker")
        self.job_id = job_id


def _alive(pid: int | None) -> bool:
    """Whether the process that queued a job still runs (a job without a pid: no)."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _user(r: sqlite3.Row) -> User:
    return User(
        username=r["username"],
        role=r["role"],
        region=r["region"],
        password_hash=r["password_hash"],
        active=bool(r["active"]),
        created_at=r["created_at"],
        totp_secret=r["totp_secret"],
        locked_until=r["locked_until"],
    )


def _job(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["params"] = json.loads(d["params"])
    d["report"] = json.loads(d["report"]) if d["report"] else None
    return d
