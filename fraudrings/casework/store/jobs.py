"""Jobs: ingests and detection runs started through the API, one at a time across
worker processes; a job whose process died is marked interrupted."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from typing import Any

from fraudrings.casework.store.base import Database, now


class JobStore(Database):
    def _opened(self) -> None:
        """A job left running by a process that died is not running any more (with
        several API workers, the others' jobs are theirs: only dead owners count)."""
        super()._opened()
        with self._tx() as db:
            for r in db.execute(
                "SELECT job_id, pid FROM jobs WHERE state IN ('queued','running')"
            ).fetchall():
                if not _alive(r["pid"]):
                    db.execute(
                        "UPDATE jobs SET state='interrupted', finished_at=? WHERE job_id=?",
                        (now(), r["job_id"]),
                    )

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


def _job(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["params"] = json.loads(d["params"])
    d["report"] = json.loads(d["report"]) if d["report"] else None
    return d
