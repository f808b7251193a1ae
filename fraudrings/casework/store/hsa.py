"""The national interface's records: each warning issued to a counter under its
``jr_id`` (3101, 3102, 3505), and each answer an institution gave about one (3103)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fraudrings.casework.store.base import Database, now

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
)


class HsaStore(Database):
    def record_hsa_warnings(self, rows: Sequence[dict[str, Any]]) -> None:
        """The warnings of one answer, in one commit (nothing when there are none)."""
        if not rows:
            return
        at = now()
        with self._tx() as db:
            db.executemany(
                f"INSERT INTO hsa_warnings (at, {', '.join(WARNING_FIELDS)}) "
                f"VALUES (?, {', '.join('?' * len(WARNING_FIELDS))})",
                [(at, *(r.get(k) for k in WARNING_FIELDS)) for r in rows],
            )

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

    def record_hsa_feedback(self, rows: Sequence[dict[str, Any]]) -> None:
        """The answers of one 3103, in one commit."""
        at = now()
        cols = (
            "username",
            "region",
            "fixmedins_code",
            "msgid",
            "jr_id",
            "warn_type",
            "dspo_way",
            "dspo_way_rea",
        )
        with self._tx() as db:
            db.executemany(
                f"INSERT INTO hsa_feedback (at, {', '.join(cols)}) "
                f"VALUES (?, {', '.join('?' * len(cols))})",
                [(at, *(r.get(k) for k in cols)) for r in rows],
            )

    def list_hsa_feedback(
        self,
        *,
        region_prefix: str,
        fixmedins_code: str | None = None,
        dspo_way: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Answers given in ``region_prefix``, newest first, each with its warning."""
        where = ["substr(f.region, 1, ?) = ?"]
        args: list[Any] = [len(region_prefix), region_prefix]
        if fixmedins_code is not None:
            where.append("f.fixmedins_code = ?")
            args.append(fixmedins_code)
        if dspo_way is not None:
            where.append("f.dspo_way = ?")
            args.append(dspo_way)
        cond = " AND ".join(where)
        total = self._one(f"SELECT count(*) FROM hsa_feedback f WHERE {cond}", args)
        rows = self._all(
            "SELECT f.id, f.at, f.username, f.fixmedins_code, f.msgid, f.jr_id, f.warn_type,"
            " f.dspo_way, f.dspo_way_rea, w.at AS warned_at, w.infno, w.rule_id, w.psn_no,"
            " w.patn_id, w.mdtrt_id, w.username AS warned_username"
            " FROM hsa_feedback f JOIN hsa_warnings w ON w.jr_id = f.jr_id"
            f" WHERE {cond} ORDER BY f.id DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return int(total[0]) if total else 0, [dict(r) for r in rows]
