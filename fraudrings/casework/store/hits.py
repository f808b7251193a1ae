"""The hits of the pre-settlement check: a check (``POST /check/settlement``, or a 3101,
3102 or 3505 of the national interface) that met a member of an open lead. One row per
person, lead and counter, written with the request's audit row (``check_hits`` records
of :meth:`~fraudrings.casework.store.audit.AuditStore.audit_many`); the counter is never
told, the investigators who may see the lead read them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from fraudrings.casework.store.base import Database

HIT_FIELDS = ("psn_no", "insu_admdvs", "fixmedins_code", "lead_id")


def in_scope(region_col: str, person_col: str) -> str:
    """The SQL condition of the access policy for something that happened at a counter:
    visible to the counter's region (it supervises the treatment) and to the region
    that insures the person. Takes the caller's region prefix twice, as (length,
    prefix) pairs; '' (national) sees everything."""
    return (
        f"(substr(coalesce({region_col}, ''), 1, ?) = ? AND {region_col} IS NOT NULL"
        f" OR substr(coalesce({person_col}, ''), 1, ?) = ? AND {person_col} IS NOT NULL"
        " OR ? = '')"
    )


def scope_args(region_prefix: str) -> list[Any]:
    n = len(region_prefix)
    return [n, region_prefix, n, region_prefix, region_prefix]


class HitStore(Database):
    def _attach(
        self, db: sqlite3.Connection, audit: dict[str, Any], kind: str, rows: Sequence[Any]
    ) -> bool:
        if kind != "check_hits":
            return super()._attach(db, audit, kind, rows)
        db.executemany(
            "INSERT INTO check_hits (audit_id, at, route, username, region, "
            f"{', '.join(HIT_FIELDS)}) VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(HIT_FIELDS))})",
            [
                (
                    audit["id"],
                    audit["at"],
                    audit["route"],
                    audit["username"],
                    audit["region"],
                    *(r.get(k) for k in HIT_FIELDS),
                )
                for r in rows
            ],
        )
        return True

    def list_check_hits(
        self, *, lead_id: str, region_prefix: str, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[dict[str, Any]]]:
        """The hits on ``lead_id`` that ``region_prefix`` may see (:func:`in_scope`),
        newest first."""
        cond = "lead_id = ? AND " + in_scope("region", "insu_admdvs")
        args = [lead_id, *scope_args(region_prefix)]
        total = self._one(f"SELECT count(*) FROM check_hits WHERE {cond}", args)
        rows = self._all(
            "SELECT at, route, username, psn_no, fixmedins_code, audit_id FROM check_hits"
            f" WHERE {cond} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return int(total[0]) if total else 0, [dict(r) for r in rows]
