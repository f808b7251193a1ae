"""Loading drops into the real server: counts, quarantine, idempotence, reconciliation."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph import schema
from graph.gateway import Gateway
from ingest.loader import Loader
from tests.conftest import to_gzip, to_parquet
from tests.integration.conftest import counts

pytestmark = pytest.mark.integration

EXPECTED = {
    "persons": {
        "read": 6,
        "loaded": 4,
        "quarantined": {"bad_date": 1, "missing_key": 1},
        "duplicates": 0,
    },
    "institutions": {"read": 3, "loaded": 2, "quarantined": {"bad_code": 1}, "duplicates": 0},
    "practitioners": {"read": 2, "loaded": 2, "quarantined": {}, "duplicates": 0},
    "suppliers": {"read": 1, "loaded": 1, "quarantined": {}, "duplicates": 0},
    "drugs": {"read": 1, "loaded": 1, "quarantined": {}, "duplicates": 0},
    "settlements": {
        "read": 12,
        "loaded": 8,
        "quarantined": {"bad_number": 1, "duplicate_key": 1, "multiple": 1},
        "duplicates": 1,
    },
    "fee_details": {"read": 6, "loaded": 5, "quarantined": {"negative_value": 1}, "duplicates": 0},
    "trace_events": {"read": 7, "loaded": 4, "quarantined": {"bad_code": 2}, "duplicates": 1},
}
B1, B2 = "81234567890123456789", "82000000000000000001"


def load(gw: Gateway, drop: Path, tmp_path: Path) -> dict[str, dict[str, object]]:
    rep = Loader(gw, batch_size=3, quarantine_root=tmp_path / "q", progress=False).load(drop)
    assert all(f.balanced for f in rep.files.values())
    return {
        k: {x: v.as_dict()[x] for x in ("read", "loaded", "quarantined", "duplicates")}
        for k, v in rep.files.items()
    }


def test_report_counts_every_row(empty_db: Gateway, mini_drop: Path, tmp_path: Path) -> None:
    assert load(empty_db, mini_drop, tmp_path) == EXPECTED


def test_quarantine_keeps_row_line_and_every_reason(
    empty_db: Gateway, mini_drop: Path, tmp_path: Path
) -> None:
    load(empty_db, mini_drop, tmp_path)
    recs = [
        json.loads(x)
        for x in (tmp_path / "q" / "mini" / "settlements.jsonl").read_text().splitlines()
    ]
    by_id = {r["row"]["setl_id"]: r for r in recs if r["row"]["setl_id"] != "S1"}
    s4 = by_id["S4"]
    assert s4["file"] == "settlements.csv" and s4["line"] == 6
    assert sorted(x["reason"] for x in s4["reasons"]) == ["bad_date", "negative_value"]
    assert s4["row"]["medfee_sumamt"] == "-5"
    conflict = [r for r in recs if r["row"]["setl_id"] == "S1"]
    assert conflict[0]["reasons"][0]["reason"] == "duplicate_key"
    assert conflict[0]["row"]["medfee_sumamt"] == "9999.00"


def test_second_load_changes_nothing(empty_db: Gateway, mini_drop: Path, tmp_path: Path) -> None:
    load(empty_db, mini_drop, tmp_path)
    first = counts(empty_db)
    props1 = empty_db.run_read_text("MATCH (n) RETURN count(n) AS n, sum(size(keys(n))) AS k")
    assert load(empty_db, mini_drop, tmp_path) == EXPECTED
    assert counts(empty_db) == first
    assert (
        empty_db.run_read_text("MATCH (n) RETURN count(n) AS n, sum(size(keys(n))) AS k") == props1
    )


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_gzip_and_parquet_load_the_same_graph(
    empty_db: Gateway, mini_drop: Path, tmp_path: Path, fmt: str
) -> None:
    load(empty_db, mini_drop, tmp_path)
    reference = counts(empty_db)
    schema.empty(empty_db)
    other = (
        to_gzip(mini_drop, tmp_path / "gz")
        if fmt == "csv.gz"
        else to_parquet(mini_drop, tmp_path / "pq")
    )
    report = load(empty_db, other, tmp_path)
    assert {k: v["loaded"] for k, v in report.items()} == {
        k: v["loaded"] for k, v in EXPECTED.items()
    }
    assert counts(empty_db) == reference


def test_a_daily_increment_is_a_drop(empty_db: Gateway, mini_drop: Path, tmp_path: Path) -> None:
    inc = tmp_path / "increment"
    inc.mkdir()
    for stem in ("settlements", "fee_details"):
        (inc / f"{stem}.csv").write_bytes((mini_drop / f"{stem}.csv").read_bytes())
    report = load(empty_db, inc, tmp_path)
    assert set(report) == {"settlements", "fee_details"}
    # Every party is a placeholder until its reference file arrives...
    n = empty_db.run_read_text("MATCH (p:Person:Unregistered) RETURN count(p) AS n")[0]["n"]
    assert n == 5
    load(empty_db, mini_drop, tmp_path)
    # ...and only the truly unknown one stays unregistered.
    rows = empty_db.run_read_text("MATCH (p:Person) WHERE p.unregistered RETURN p.psn_no AS id")
    assert rows == [{"id": "P999"}]


def test_unknown_party_becomes_a_placeholder(
    empty_db: Gateway, mini_drop: Path, tmp_path: Path
) -> None:
    load(empty_db, mini_drop, tmp_path)
    rows = empty_db.run_read_text(
        "MATCH (p:Person:Unregistered)-[:SETTLED]->(s:Settlement) "
        "RETURN p.psn_no AS p, s.setl_id AS s"
    )
    assert rows == [{"p": "P999", "s": "S2"}]


def test_sale_in_both_files_is_one_sale(empty_db: Gateway, mini_drop: Path, tmp_path: Path) -> None:
    load(empty_db, mini_drop, tmp_path)
    rows = empty_db.run_read_text(
        "MATCH (:Box {drug_trac_codg: $c})-[:HAS_EVENT]->(e:Sale) "
        "RETURN e.setl_id AS s, e.in_fee_details AS fee, e.in_trace AS trace ORDER BY s",
        {"c": B1},
    )
    assert rows == [
        {"s": "S1", "fee": True, "trace": True},
        {"s": "S2", "fee": True, "trace": None},
    ]


def test_mission_queries_give_known_answers(
    empty_db: Gateway, mini_drop: Path, tmp_path: Path
) -> None:
    load(empty_db, mini_drop, tmp_path)
    hist = empty_db.read("box_history", {"code": B1})
    assert [(h["event_type"], h["from_code"], h["to_code"]) for h in hist] == [
        ("purchase", "91370100MA3C000001", "P37010200001"),
        ("sale", "P37010200001", "P001"),
        ("purchase", "91370100MA3C000001", "P37010200001"),
        ("sale", "P37010200001", "P999"),
    ]
    # B2 was returned before its second sale: not a recycled box.
    twice = empty_db.read("boxes_sold_twice", {"limit": 100})
    assert [(r["code"], r["first_setl_id"], r["second_setl_id"]) for r in twice] == [
        (B1, "S1", "S2")
    ]
    b2 = [h["event_type"] for h in empty_db.read("box_history", {"code": B2})]
    assert b2 == ["purchase", "sale", "return", "sale"]
    sup = empty_db.read("suppliers_of_sold_boxes", {"limit": 10, "sample": 5})
    assert sup == [
        {
            "entp_code": "91370100MA3C000001",
            "fixmedins_code": "P37010200001",
            "boxes": 1,
            "sample_codes": [B1],
        }
    ]
    pairs = empty_db.read(
        "co_admissions",
        {
            "fixmedins_code": "H37010200001",
            "from": dt.datetime(2025, 1, 1),
            "to": dt.datetime(2026, 1, 1),
            "window_hours": 24,
            "limit": 10,
        },
    )
    assert [(p["psn_a"], p["psn_b"]) for p in pairs] == [("P004", "P005")]


def test_unreachable_neo4j_is_a_clear_error(tmp_path: Path, mini_drop: Path) -> None:
    env = {
        "NEO4J_URI": "bolt://127.0.0.1:1",
        "NEO4J_PASSWORD": "x-unused-x",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "fraudrings.cli", "ingest", str(mini_drop), "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 3, proc.stderr
    assert "cannot be reached" in proc.stderr
    assert "Traceback" not in proc.stderr
