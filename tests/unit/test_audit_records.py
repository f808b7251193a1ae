"""What a counter's call records besides its audit row (hits on open leads, the jr_id
of each warning, an institution's answers) is written in the row's transaction, shares
its fate, keeps the HMAC chain whole, and is read back inside the access policy; the
audit writer refuses only the request whose rows cannot be written."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from fraudrings.api.auditwriter import AuditWriter
from fraudrings.casework.store import Store
from fraudrings.casework.store.base import migrations, statements

KEY = "unit-audit-key-" + "k" * 30


def _entry(i: int, region: str = "3701", **records: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(
        username=f"pos{i}", role="institution", region=region, method="POST",
        path="/hsa/3102", route="/hsa/3102", params={}, entity_ids=[f"person:P{i}"],
        status=200, duration_ms=0.7, client="127.0.0.1", purpose=None, records=records,
    )  # fmt: skip


def _hit(psn: str, lead: str, insured: str | None = "370100", code: str = "H1") -> dict[str, Any]:
    return {"psn_no": psn, "insu_admdvs": insured, "fixmedins_code": code, "lead_id": lead}


def _warning(jr: str, psn: str = "P1", **kw: Any) -> dict[str, Any]:
    return {
        "jr_id": jr, "username": "pos1", "region": "3701", "fixmedins_code": "H1",
        "infno": "3102", "msgid": "M1", "rule_id": "FR1004", "psn_no": psn, "patn_id": psn,
        "mdtrt_id": "MD1", "insu_admdvs": "370100", "lead_ids": None, **kw,
    }  # fmt: skip


def _answer(jr: str, region: str = "3701", dspo_way: int = 1) -> dict[str, Any]:
    return {
        "username": "pos1", "region": region, "fixmedins_code": "H1", "msgid": "M2",
        "jr_id": jr, "warn_type": 2, "dspo_way": dspo_way, "dspo_way_rea": None,
    }  # fmt: skip


def _count(st: Store, table: str) -> int:
    return int(st._all(f"SELECT count(*) FROM {table}")[0][0])


def test_records_are_written_with_their_audit_row_and_the_chain_verifies(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db", audit_key=KEY)
    ids = st.audit_many(
        [
            _entry(1, check_hits=[_hit("P1", "LD-1"), _hit("P1", "LD-2")]),
            _entry(2, hsa_warnings=[_warning("JR1")]),
            _entry(3, hsa_feedback=[_answer("JR1")]),
        ]
    )
    assert ids == [1, 2, 3]
    hits = st._all("SELECT audit_id, at, route, username, lead_id FROM check_hits ORDER BY id")
    audit = st.query_audit(region_prefix="")[1][-1]
    assert [tuple(h) for h in hits] == [
        (1, audit["at"], "/hsa/3102", "pos1", "LD-1"),
        (1, audit["at"], "/hsa/3102", "pos1", "LD-2"),
    ]
    assert st.hsa_warnings_of(["JR1", "JR9"], None) == {"JR1"}
    assert _count(st, "hsa_feedback") == 1
    assert st.verify_audit()["rows"] == 3


def test_records_that_cannot_be_written_take_their_audit_rows_with_them(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db", audit_key=KEY)
    st.audit_many([_entry(0)])
    head = st.audit_head()
    bad = [_entry(1, check_hits=[_hit("P1", "LD-1")]), _entry(2, hsa_feedback=[_answer("J")])]
    bad[1]["records"]["hsa_feedback"][0]["dspo_way"] = 3  # refused by the table's CHECK
    with pytest.raises(sqlite3.IntegrityError):
        st.audit_many(bad)
    with pytest.raises(ValueError, match="unknown kind"):
        st.audit_many([_entry(3, tips=[{"x": 1}])])
    # nothing of either batch: no row, no hit, and the chain goes on from the same head
    assert st.audit_head() == head and _count(st, "check_hits") == 0
    assert st.audit_many([_entry(4)]) == [2]
    assert st.verify_audit()["rows"] == 2


def test_a_failed_batch_refuses_only_the_request_whose_rows_cannot_be_written(
    tmp_path: Path,
) -> None:
    st = Store(tmp_path / "s.db", audit_key=KEY)
    writer = AuditWriter(st)
    rows = [_entry(i, check_hits=[_hit(f"P{i}", "LD-1")]) for i in range(4)]
    rows[2]["records"]["hsa_feedback"] = [_answer("J", dspo_way=3)]
    out = writer._commit(rows)  # one batch, as the writer's thread takes it
    assert [type(x) for x in out] == [int, int, sqlite3.IntegrityError, int]
    assert out[:2] == [1, 2] and out[3] == 3
    assert _count(st, "check_hits") == 3 and st.verify_audit()["rows"] == 3

    async def two() -> list[Any]:
        return await asyncio.gather(
            writer.write(_entry(5, check_hits=[_hit("P5", "LD-1")]), timeout=5),
            writer.write(rows[2], timeout=5),
            return_exceptions=True,
        )

    # a loop of its own in a thread of its own: the suite's browser tests may leave an
    # event loop running in this thread
    with ThreadPoolExecutor(1) as pool:
        got = pool.submit(asyncio.run, two()).result()
    assert got[0] == 4 and isinstance(got[1], sqlite3.IntegrityError)
    writer.close()
    assert st.verify_audit()["rows"] == 4 and _count(st, "check_hits") == 4


def test_hits_are_listed_to_the_counters_or_the_persons_region(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db")
    st.audit_many(
        [
            _entry(1, "3701", check_hits=[_hit("JN", "LD-1", "370100")]),  # all in Jinan
            _entry(2, "3702", check_hits=[_hit("QD", "LD-1", "370200")]),  # all in Qingdao
            _entry(3, "3702", check_hits=[_hit("JQ", "LD-1", "370100")]),  # a Jinan insured
            _entry(4, "3701", check_hits=[_hit("QJ", "LD-1", "370200")]),  # at a Jinan counter
            _entry(5, "", check_hits=[_hit("NN", "LD-1", None)]),  # national account, unknown
            _entry(6, "3701", check_hits=[_hit("JN", "LD-2", "370100")]),  # another lead
        ]
    )

    def seen(region: str) -> list[str]:
        total, rows = st.list_check_hits(lead_id="LD-1", region_prefix=region)
        assert total == len(rows)
        return [r["psn_no"] for r in rows]

    assert seen("3701") == ["QJ", "JQ", "JN"]
    assert seen("3702") == ["QJ", "JQ", "QD"]
    assert seen("") == ["NN", "QJ", "JQ", "QD", "JN"]
    assert seen("3703") == []
    assert (
        st.list_check_hits(lead_id="LD-1", region_prefix="", offset=1, limit=2)[1][0]["psn_no"]
        == "QJ"
    )


def test_answers_to_manual_reviews_are_listed_only_with_a_lead_the_caller_sees(
    tmp_path: Path,
) -> None:
    st = Store(tmp_path / "s.db")
    review = _warning("JR-R", "R1", rule_id="FR1002", lead_ids=["LD-QD", "LD-X"])
    st.audit_many(
        [
            _entry(1, hsa_warnings=[_warning("JR-S"), review]),
            _entry(2, hsa_feedback=[_answer("JR-S"), _answer("JR-R", dspo_way=2)]),
        ]
    )
    assert st.hsa_feedback_leads(region_prefix="3701") == {"LD-QD", "LD-X"}

    def listed(region: str, seen: list[str] | None) -> set[str]:
        total, rows = st.list_hsa_feedback(region_prefix=region, seen_leads=seen)
        assert total == len(rows)
        return {r["jr_id"] for r in rows}

    assert listed("3701", []) == {"JR-S"}
    assert listed("3701", ["LD-X"]) == {"JR-S", "JR-R"}
    assert listed("", None) == {"JR-S", "JR-R"}
    assert listed("3702", ["LD-QD"]) == set()  # neither the counter's nor the insurer's


def test_the_hits_of_checks_made_before_are_read_from_their_audit_rows(tmp_path: Path) -> None:
    """A service database of the version before (its migrations only) gets the hits of
    its checks on open leads from their audit rows when it is opened."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    before = [(n, sql) for n, _, sql in migrations() if n < 8]
    for _, sql in before:
        for stmt in statements(sql):
            db.execute(stmt)
    db.execute(f"PRAGMA user_version = {before[-1][0]}")
    checks = [
        (["person:K1", "institution:H1", "lead:LD-1", "lead:LD-2"], 200),
        (["person:K2", "institution:H2"], 200),  # no lead: no hit
        (["person:K3", "institution:H3", "lead:LD-1"], 500),  # not answered
    ]
    for i, (ids, status) in enumerate(checks):
        db.execute(
            "INSERT INTO audit (id, at, username, role, region, method, path, route, params,"
            " entity_ids, status, duration_ms, client, purpose, prev_hash, hash)"
            " VALUES (?, ?, 'pos', 'institution', '3701', 'POST', '/check/settlement',"
            " '/check/settlement', '{}', ?, ?, 1.0, NULL, NULL, '', '')",
            (i + 1, f"2026-01-0{i + 1}T00:00:00.000+00:00", json.dumps(ids), status),
        )
    db.close()
    st = Store(path)
    total, rows = st.list_check_hits(lead_id="LD-1", region_prefix="3701")
    assert total == 1 and rows[0]["psn_no"] == "K1" and rows[0]["fixmedins_code"] == "H1"
    assert rows[0]["route"] == "/check/settlement" and rows[0]["audit_id"] == 1
    assert st.list_check_hits(lead_id="LD-2", region_prefix="")[0] == 1
