"""The audit log: append-only and tamper-evident.

Each row stores the SHA-256 of its own content and of the previous row's hash (a chain
from ``GENESIS``), so :meth:`AuditStore.verify_audit` finds the first row that was
changed, removed or inserted. Triggers refuse every UPDATE, and every DELETE of a row
younger than 184 days (the legal minimum; :meth:`AuditStore.prune_audit` deletes older
rows past the configured retention and records a checkpoint, so the chain still
verifies from the first kept row).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from fraudrings.casework.store.base import Database, now

GENESIS: Final[str] = "0" * 64
MIN_RETENTION_DAYS: Final[int] = 184

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


def row_hash(row: dict[str, Any], key: bytes | None = None) -> str:
    """The hash of an audit row's content (as stored) and the previous row's hash:
    HMAC-SHA256 with the audit key (``FRAUDRINGS_AUDIT_KEY``, kept outside the database,
    so whoever can write the file cannot make a row that verifies), plain SHA-256 for a
    store opened without one (tests, tools that only read)."""
    content = json.dumps(
        [row.get(k) for k in AUDIT_FIELDS], ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    if key:
        return hmac.new(key, content, hashlib.sha256).hexdigest()
    return hashlib.sha256(content).hexdigest()


class AuditBroken(ValueError):
    """The audit chain does not verify; ``row_id`` names the first broken row."""

    def __init__(self, row_id: int | None, reason: str) -> None:
        super().__init__(f"audit row {row_id}: {reason}" if row_id else reason)
        self.row_id = row_id
        self.reason = reason


class AuditStore(Database):
    # set by Store before the database opens: the key of the chain's HMAC, or None
    _audit_key: bytes | None = None

    def _opened(self) -> None:
        """The triggers that keep the log append-only (with its 184-day floor) are made
        when missing. Nothing here ever rewrites a row: a row without a hash (or with a
        wrong one) stays as it is, and :meth:`verify_audit` names it."""
        super()._opened()
        with self._tx() as db:
            db.execute(
                "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
            db.execute(
                "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
                "WHEN OLD.at >= strftime('%Y-%m-%dT%H:%M:%f', 'now', "
                f"'-{MIN_RETENTION_DAYS} days') "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only; rows are kept "
                f"{MIN_RETENTION_DAYS} days at least'); END"
            )

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
        each request still waiting for its row before its response goes out.

        An entry's ``records`` (kind -> rows: ``check_hits``, ``hsa_warnings``,
        ``hsa_feedback``) are what the request recorded besides its row (a check's hits
        on open leads, the ``jr_id`` of each warning issued, an institution's answers):
        they are written in the same transaction, after their audit row, and share its
        fate, so none of them exists without the row that records the request and no row
        claims records that were lost. An unknown kind fails the transaction."""
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
                row["hash"] = prev = row_hash(row, self._audit_key)
                next_id += 1
            db.executemany(sql, [[row[k] for k in cols] for row in rows])
            for e, row in zip(entries, rows, strict=True):
                for kind, recs in (e.get("records") or {}).items():
                    if recs and not self._attach(db, row, kind, recs):
                        raise ValueError(f"records of an unknown kind: {kind}")
        return [int(row["id"]) for row in rows]

    def verify_audit(self, head: tuple[int, str] | None = None) -> dict[str, Any]:
        """Walk the chain from the first kept row; :class:`AuditBroken` at the first row
        whose content, link or position does not verify. ``head`` (a row id and hash
        exported earlier by :meth:`audit_head` and kept elsewhere) must still be in the
        chain: rows cut off the end, or a chain rebuilt, are found too.

        The walk reads on a connection of its own, in one read transaction (WAL): writers
        go on meanwhile, and the rows they add after the walk began are not part of it."""
        own = str(self.path) != ":memory:"
        if own:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10.0)
            db.row_factory = sqlite3.Row
            db.execute("BEGIN")  # one snapshot for the checkpoint and the rows
            try:
                return self._walk(db, head)
            finally:
                db.close()
        with self._lock:
            return self._walk(self._db, head)

    def _walk(self, db: sqlite3.Connection, head: tuple[int, str] | None) -> dict[str, Any]:
        cp = db.execute("SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1").fetchall()
        cur = db.execute(f"SELECT {', '.join(AUDIT_FIELDS)}, hash FROM audit ORDER BY id")
        n = 0
        first: int | None = None
        prev_id: int | None = None
        prev_hash: str | None = None
        head_seen = head is None
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
            if not hmac.compare_digest(row_hash(d, self._audit_key), d["hash"] or ""):
                raise AuditBroken(rid, "its content does not match its hash")
            if head is not None and rid == head[0]:
                if d["hash"] != head[1]:
                    raise AuditBroken(rid, "it is not the row whose hash was exported")
                head_seen = True
            prev_id, prev_hash = rid, d["hash"]
            n += 1
        if not head_seen and head is not None:
            raise AuditBroken(
                head[0], f"row {head[0]}, exported as a head, is not in the log any more"
            )
        return {"rows": n, "first_id": first, "last_id": prev_id, "head": prev_hash}

    def audit_head(self) -> dict[str, Any]:
        """The last row's id and hash, to keep outside the database (a later
        ``verify_audit(head=...)`` proves nothing was cut off or rebuilt before it)."""
        row = self._one("SELECT id, at, hash FROM audit ORDER BY id DESC LIMIT 1")
        if row is None:
            return {"id": None, "at": None, "hash": None, "keyed": self._audit_key is not None}
        return {
            "id": int(row["id"]),
            "at": row["at"],
            "hash": row["hash"],
            "keyed": self._audit_key is not None,
        }

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
