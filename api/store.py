"""The service's own small database: users, the audit log and jobs, in SQLite (WAL).

Stdlib :mod:`sqlite3` only. One connection per process, guarded by a lock, so a
request thread and a job thread never interleave statements; WAL with
``synchronous=NORMAL`` keeps an audit append well under a millisecond. The audit table
is append-only: triggers refuse every UPDATE and DELETE on it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

ROLES: Final[tuple[str, ...]] = ("analyst", "investigator", "supervisor", "admin")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('analyst','investigator','supervisor','admin')),
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
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
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


class UserExists(ValueError):
    pass


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # A job left running by a process that died is not running any more.
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state='interrupted', finished_at=? "
                "WHERE state IN ('queued','running')",
                (now(),),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    # -- users --------------------------------------------------------------------------
    def add_user(self, username: str, role: str, region: str, password_hash: str) -> User:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO users (username, role, region, password_hash, created_at) "
                    "VALUES (?,?,?,?,?)",
                    (username, role, region, password_hash, now()),
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
            cur = db.execute("UPDATE users SET active=? WHERE username=?", (int(active), username))
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
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (at, username, role, region, method, path, route, params, "
                "entity_ids, status, duration_ms, client) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    now(),
                    username,
                    role,
                    region,
                    method,
                    path,
                    route,
                    json.dumps(params, ensure_ascii=False, default=str),
                    json.dumps(list(entity_ids), ensure_ascii=False),
                    status,
                    round(duration_ms, 3),
                    client,
                ),
            )

    def query_audit(
        self,
        *,
        region_prefix: str,
        username: str | None = None,
        path_prefix: str | None = None,
        entity_id: str | None = None,
        status: int | None = None,
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
        job_id = uuid.uuid4().hex
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (job_id, kind, params, state, created_by, region, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (job_id, kind, json.dumps(params), "queued", created_by, region, now()),
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


def _user(r: sqlite3.Row) -> User:
    return User(
        username=r["username"],
        role=r["role"],
        region=r["region"],
        password_hash=r["password_hash"],
        active=bool(r["active"]),
        created_at=r["created_at"],
    )


def _job(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["params"] = json.loads(d["params"])
    d["report"] = json.loads(d["report"]) if d["report"] else None
    return d
