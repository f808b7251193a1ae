"""The national interface's records: each warning issued to a counter under its
``jr_id`` (3101, 3102, 3505), and each answer an institution gave about one (3103)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from fraudrings.casework.store.base import Database
from fraudrings.casework.store.hits import in_scope, scope_args

WARNING_FIELDS = (
    "jr_id",
    "username",
    "region",
    "fixmedins_code",
    "infno",
    "msgid",
    "rule_id",
    "psn_no",
    "patn_id",
    "mdtrt_id",
    "insu_admdvs",
)
FEEDBACK_FIELDS = (
    "username",
    "region",
    "fixmedins_code",
    "msgid",
    "jr_id",
    "warn_type",
    "dspo_way",
    "dspo_way_rea",
)


class HsaStore(Database):
    """Both are written with the audit row of the message that made them (records
    ``hsa_warnings`` and ``hsa_feedback`` of
    :meth:`~fraudrings.casework.store.audit.AuditStore.audit_many`): a ``jr_id`` is
    recorded before the answer that carries it goes out, or the answer does not go out."""

    def _attach(
        self, db: sqlite3.Connection, audit: dict[str, Any], kind: str, rows: Sequence[Any]
    ) -> bool:
        if kind == "hsa_warnings":
            db.executemany(
                f"INSERT INTO hsa_warnings (at, lead_ids, {', '.join(WARNING_FIELDS)}) "
                f"VALUES (?, ?, {', '.join('?' * len(WARNING_FIELDS))})",
                [
                    (
                        audit["at"],
                        None if r.get("lead_ids") is None else json.dumps(list(r["lead_ids"])),
                        *(r.get(k) for k in WARNING_FIELDS),
                    )
                    for r in rows
                ],
            )
            return True
        if kind == "hsa_feedback":
            db.executemany(
                f"INSERT INTO hsa_feedback (at, {', '.join(FEEDBACK_FIELDS)}) "
                f"VALUES (?, {', '.join('?' * len(FEEDBACK_FIELDS))})",
                [(audit["at"], *(r.get(k) for k in FEEDBACK_FIELDS)) for r in rows],
            )
            return True
        return super()._attach(db, audit, kind, rows)

    def hsa_warnings_of(
        self, jr_ids: Iterable[str], fixmedins_codes: Iterable[str] | None
    ) -> set[str]:
        """Which of ``jr_ids`` were issued (to one of ``fixmedins_codes``; None: to anyone)."""
        ids = list(dict.fromkeys(jr_ids))
        if not ids:
            return set()
        sql = f"SELECT jr_id FROM hsa_warnings WHERE jr_id IN ({','.join('?' * len(ids))})"
        args: list[Any] = list(ids)
        if fixmedins_codes is not None:
            codes = list(fixmedins_codes)
            sql += f" AND fixmedins_code IN ({','.join('?' * len(codes))})"
            args += codes
        return {r[0] for r in self._all(sql, args)}

    @staticmethod
    def _feedback_where(
        region_prefix: str, fixmedins_code: str | None, dspo_way: int | None
    ) -> tuple[str, list[Any]]:
        where = [in_scope("f.region", "w.insu_admdvs")]
        args: list[Any] = scope_args(region_prefix)
        if fixmedins_code is not None:
            where.append("f.fixmedins_code = ?")
            args.append(fixmedins_code)
        if dspo_way is not None:
            where.append("f.dspo_way = ?")
            args.append(dspo_way)
        return " AND ".join(where), args

    def hsa_feedback_leads(
        self, *, region_prefix: str, fixmedins_code: str | None = None, dspo_way: int | None = None
    ) -> set[str]:
        """The open leads behind the manual reviews among the answers in scope (to ask
        the graph which of them the caller may see)."""
        cond, args = self._feedback_where(region_prefix, fixmedins_code, dspo_way)
        rows = self._all(
            "SELECT DISTINCT j.value FROM hsa_feedback f JOIN hsa_warnings w"
            " ON w.jr_id = f.jr_id, json_each(coalesce(w.lead_ids, '[]')) j"
            f" WHERE {cond}",
            args,
        )
        return {str(r[0]) for r in rows}

    def list_hsa_feedback(
        self,
        *,
        region_prefix: str,
        seen_leads: Collection[str] | None = None,
        fixmedins_code: str | None = None,
        dspo_way: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Answers given at counters of ``region_prefix`` or about persons it insures,
        newest first, each with its warning. A manual review's answer only when one of
        its leads is in ``seen_leads`` (the leads the caller may see; None: all), since
        the warning says that its person is in an open lead."""
        cond, args = self._feedback_where(region_prefix, fixmedins_code, dspo_way)
        if seen_leads is not None:
            cond += (
                " AND (w.lead_ids IS NULL OR EXISTS (SELECT 1 FROM json_each(w.lead_ids) j"
                " WHERE j.value IN (SELECT value FROM json_each(?))))"
            )
            args.append(json.dumps(sorted(seen_leads)))
        frm = "FROM hsa_feedback f JOIN hsa_warnings w ON w.jr_id = f.jr_id"
        total = self._one(f"SELECT count(*) {frm} WHERE {cond}", args)
        rows = self._all(
            "SELECT f.id, f.at, f.username, f.fixmedins_code, f.msgid, f.jr_id, f.warn_type,"
            " f.dspo_way, f.dspo_way_rea, w.at AS warned_at, w.infno, w.rule_id, w.psn_no,"
            " w.patn_id, w.mdtrt_id, w.username AS warned_username"
            f" {frm} WHERE {cond} ORDER BY f.id DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return int(total[0]) if total else 0, [dict(r) for r in rows]
