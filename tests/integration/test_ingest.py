"""Loading drops into the real server: counts, quarantine, idempotence, reconciliation."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway
from fraudrings.ingest.loader import Loader, write_report
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


# --- a drop from the field: cash sales to unknown buyers, a cent of rounding ------------
PH1, PH2 = "P37010200011", "P37010200012"
SUPPLIER, UNKNOWN_SUPPLIER = "91370100MA3C000001", "91370100MA3C000009"
BOX_A = "83000000000000000001"  # sold with settlement S101, then resold for cash: resale
BOX_B = "83000000000000000002"  # one cash sale at PH2
BOX_C = "83000000000000000003"  # one cash sale at PH1, then returned by someone unknown
BOX_D = "83000000000000000004"  # sold with settlement S102 (the cent of rounding)
BOX_E = "83000000000000000005"  # a traced sale naming S102 but not its buyer
CASH_DROP = {
    "persons": [
        "psn_no,psn_name,gend,brdy,certno,tel,addr,insutype,insu_admdvs,psn_flags,death_date",
        "P101,甲*一,1,1950-01-01,,13800000101,济南市某路1号,310,370100,,",
        "P102,乙*二,2,1960-01-01,,13800000102,济南市某路2号,310,370100,,",
    ],
    "institutions": [
        "fixmedins_code,fixmedins_name,fixmedins_type,hosp_lv,ownership,admdvs,lat,lon,"
        "chain_code,online",
        f"{PH1},某药房一,2,,private,370100,36.66,117.13,,0",
        f"{PH2},某药房二,2,,private,370100,36.67,117.14,,0",
    ],
    "suppliers": [
        "entp_code,entp_name,entp_type,admdvs",
        f"{SUPPLIER},某医药公司,wholesaler,370100",
    ],
    "drugs": [
        "med_list_codg,list_name,list_type,pric_ref,daily_units,key_monitored",
        "XL01XC001,某单抗,drug,2800.00,0.0357,1",
    ],
    "settlements": [
        "setl_id,mdtrt_id,psn_no,fixmedins_code,mdtrtarea_admvs,med_type,begntime,endtime,"
        "setl_time,medfee_sumamt,fund_pay_sumamt,hifp_pay,hifmi_pay,maf_pay,acct_pay,"
        "psn_cash_pay,dise_codg,dr_codg,mdtrt_cert_type,terminal_id,refd_setl_flag,refd_setl_id",
        f"S101,M101,P101,{PH1},370100,41,2025-01-02 10:00:00,2025-01-02 10:00:00,"
        "2025-01-02 10:01:00,2800.00,2000.00,2000.00,0,0,500.00,300.00,C50.9,,01,,0,",
        # total 2800.00 = fund 2000.01 + account 800.00 + cash -0.01: a cent of rounding
        f"S102,M102,P102,{PH2},370100,41,2025-01-05 10:00:00,2025-01-05 10:00:00,"
        "2025-01-05 10:01:00,2800.00,2000.01,2000.01,0,0,800.00,-0.01,C50.9,,01,,0,",
    ],
    "fee_details": [
        "feedetl_sn,setl_id,psn_no,fee_ocur_time,med_list_codg,cnt,pric,det_item_fee_sumamt,"
        "bilg_dr_codg,rxno,prd_days,drug_trac_codg,init_feedetl_sn",
        f"F101,S101,P101,2025-01-02 10:00:00,XL01XC001,1,2800.00,2800.00,,RX1,28,{BOX_A},",
        f"F102,S102,P102,2025-01-05 10:00:00,XL01XC001,1,2800.00,2800.00,,RX2,28,{BOX_D},",
    ],
    "trace_events": [
        "drug_trac_codg,med_list_codg,event_type,event_time,from_code,to_code,setl_id,manu_lotnum",
        f"{BOX_A},XL01XC001,purchase,2024-12-20 09:00:00,{UNKNOWN_SUPPLIER},{PH1},,L1",
        f"{BOX_A},XL01XC001,sale,2025-01-02 10:00:05,{PH1},P101,S101,L1",
        f"{BOX_A},XL01XC001,sale,2025-02-10 15:00:00,{PH1},,,L1",  # resold for cash
        f"{BOX_B},XL01XC001,purchase,2025-01-20 09:00:00,{SUPPLIER},{PH2},,L2",
        f"{BOX_B},XL01XC001,sale,2025-02-11 11:00:00,{PH2},,,L2",
        f"{BOX_C},XL01XC001,sale,2025-02-12 12:00:00,{PH1},,,L3",
        f"{BOX_C},XL01XC001,return,2025-02-13 12:00:00,,{PH1},,L3",
        f"{BOX_E},XL01XC001,sale,2025-01-05 10:00:30,{PH2},,S102,L4",  # buyer from S102
        f",XL01XC001,sale,2025-02-14 12:00:00,{PH1},,,L3",  # no box: missing_key
        f"{BOX_C},XL01XC001,sale,,{PH1},,,L3",  # no time: missing_value
        f"{BOX_C},XL01XC001,resale,2025-02-15 12:00:00,{PH1},,,L3",  # no such type
    ],
}
CASH_EXPECTED = {
    "persons": {"read": 2, "loaded": 2, "quarantined": {}, "duplicates": 0, "warnings": {}},
    "institutions": {"read": 2, "loaded": 2, "quarantined": {}, "duplicates": 0, "warnings": {}},
    "suppliers": {"read": 1, "loaded": 1, "quarantined": {}, "duplicates": 0, "warnings": {}},
    "drugs": {"read": 1, "loaded": 1, "quarantined": {}, "duplicates": 0, "warnings": {}},
    "settlements": {
        "read": 2,
        "loaded": 2,
        "quarantined": {},
        "duplicates": 0,
        "warnings": {"rounding_cent": 1},
    },
    "fee_details": {"read": 2, "loaded": 2, "quarantined": {}, "duplicates": 0, "warnings": {}},
    "trace_events": {
        "read": 11,
        "loaded": 8,
        "quarantined": {"bad_code": 1, "missing_key": 1, "missing_value": 1},
        "duplicates": 0,
        "warnings": {},
    },
}


def write_cash_drop(root: Path) -> Path:
    """A drop of cash sales to unknown buyers (empty ``to_code``, no ``setl_id``), one
    of them the resale of a box sold with a settlement, and a settlement whose cash pay
    is a cent below zero."""
    root.mkdir(parents=True, exist_ok=True)
    for stem, lines in CASH_DROP.items():
        (root / f"{stem}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def load_cash(gw: Gateway, tmp_path: Path) -> dict[str, dict[str, object]]:
    drop = write_cash_drop(tmp_path / "cash")
    rep = Loader(gw, batch_size=3, quarantine_root=tmp_path / "q", progress=False).load(drop)
    assert all(f.balanced for f in rep.files.values())
    keep = ("read", "loaded", "quarantined", "duplicates", "warnings")
    return {k: {x: v.as_dict()[x] for x in keep} for k, v in rep.files.items()}


def test_a_cash_sale_to_an_unknown_buyer_loads(empty_db: Gateway, tmp_path: Path) -> None:
    assert load_cash(empty_db, tmp_path) == CASH_EXPECTED
    rows = empty_db.run_read_text(
        "MATCH (:Box {drug_trac_codg: $c})-[:HAS_EVENT]->(e:BoxEvent) "
        "OPTIONAL MATCH (e)-[:FROM]->(f) OPTIONAL MATCH (e)-[:TO]->(t) "
        "WITH e, f, count(t) AS buyers ORDER BY e.event_time "
        "RETURN labels(e) AS labels, e.event_type AS type, e.setl_id AS setl, "
        "e.to_code AS to_code, e.in_trace AS trace, f.fixmedins_code AS seller, buyers",
        {"c": BOX_B},
    )
    assert [r["type"] for r in rows] == ["purchase", "sale"]
    sale = rows[1]
    assert sorted(sale["labels"]) == ["BoxEvent", "Sale"]
    assert (sale["setl"], sale["to_code"], sale["trace"]) == (None, None, True)
    assert (sale["seller"], sale["buyers"]) == (PH2, 0)
    assert empty_db.run_read_text(
        "MATCH (b:Box) RETURN b.drug_trac_codg AS c, b.n_sales AS s ORDER BY c"
    ) == [{"c": c, "s": 2 if c == BOX_A else 1} for c in (BOX_A, BOX_B, BOX_C, BOX_D, BOX_E)]
    # the return by someone unknown: into the pharmacy, from nobody
    hist = empty_db.read("box_history", {"code": BOX_C})
    assert [(h["event_type"], h["from_code"], h["to_code"]) for h in hist] == [
        ("sale", PH1, None),
        ("return", None, PH1),
    ]
    # only the rows without their own key were quarantined
    recs = [
        json.loads(x)
        for x in (tmp_path / "q" / "cash" / "trace_events.jsonl").read_text().splitlines()
    ]
    assert [r["line"] for r in recs] == [10, 11, 12]
    # a sale that names its settlement but not its buyer takes the settlement's person
    hist = empty_db.read("box_history", {"code": BOX_E})
    assert [(h["event_type"], h["from_code"], h["to_code"], h["setl_id"]) for h in hist] == [
        ("sale", PH2, "P102", "S102")
    ]


def test_a_box_resold_for_cash_without_a_return_is_sold_twice(
    empty_db: Gateway, tmp_path: Path
) -> None:
    from fraudrings.graph.detect.recycled import walk

    load_cash(empty_db, tmp_path)
    hist = empty_db.read("box_history", {"code": BOX_A})
    assert [(h["event_type"], h["from_code"], h["to_code"], h["setl_id"]) for h in hist] == [
        ("purchase", UNKNOWN_SUPPLIER, PH1, None),
        ("sale", PH1, "P101", "S101"),
        ("sale", PH1, None, None),
    ]
    twice = empty_db.read("boxes_sold_twice", {"limit": 100})
    assert [(r["code"], r["first_setl_id"], r["second_setl_id"]) for r in twice] == [
        (BOX_A, "S101", None)
    ]
    journeys = empty_db.read("detect_box_journeys", {"min_sales": 2, "min_purchases": 2})
    assert [j["code"] for j in journeys] == [BOX_A]
    j = journeys[0]
    resales, _ = walk(j["code"], j["drug"], j["pric_ref"], j["events"])
    assert [(r.code, r.seller, r.recycler, r.end_buyer, r.first_setl) for r in resales] == [
        (BOX_A, "P101", PH1, None, "S101")
    ]


def test_cash_sales_to_unknown_buyers_share_no_party(empty_db: Gateway, tmp_path: Path) -> None:
    load_cash(empty_db, tmp_path)
    # no cash sale has a buyer: the unknown buyer is no node at all...
    cash = empty_db.run_read_text(
        "MATCH (e:Sale) WHERE e.setl_id IS NULL "
        "RETURN e.drug_trac_codg AS c, COUNT { (e)-[:TO]->() } AS buyers ORDER BY c"
    )
    assert cash == [{"c": c, "buyers": 0} for c in (BOX_A, BOX_B, BOX_C)]
    # ...so no placeholder person was made for it...
    persons = empty_db.run_read_text("MATCH (p:Person) RETURN p.psn_no AS p ORDER BY p")
    assert persons == [{"p": "P101"}, {"p": "P102"}]
    # ...and two cash sales of different boxes share no party
    shared = empty_db.run_read_text(
        "MATCH (:Box {drug_trac_codg: $b})-[:HAS_EVENT]->(:Sale)-[:FROM|TO]->(x)"
        "<-[:FROM|TO]-(:Sale)<-[:HAS_EVENT]-(:Box {drug_trac_codg: $c}) "
        "RETURN count(x) AS n",
        {"b": BOX_B, "c": BOX_C},
    )
    assert shared == [{"n": 0}]
    # a sale to a known buyer has exactly that buyer
    buyers = empty_db.run_read_text(
        "MATCH (e:Sale)-[:TO]->(p:Person) "
        "RETURN e.drug_trac_codg AS c, e.setl_id AS s, p.psn_no AS p ORDER BY c"
    )
    assert buyers == [
        {"c": BOX_A, "s": "S101", "p": "P101"},
        {"c": BOX_D, "s": "S102", "p": "P102"},
        {"c": BOX_E, "s": "S102", "p": "P102"},
    ]


def test_a_cent_of_rounding_loads_with_a_warning(empty_db: Gateway, tmp_path: Path) -> None:
    drop = write_cash_drop(tmp_path / "cash")
    rep = Loader(empty_db, quarantine_root=tmp_path / "q", progress=False).load(drop)
    s = rep.files["settlements"]
    assert (s.loaded, dict(s.quarantined), dict(s.warnings)) == (2, {}, {"rounding_cent": 1})
    assert not (tmp_path / "q" / "cash" / "settlements.jsonl").exists()
    rows = empty_db.run_read_text(
        "MATCH (p:Person)-[:SETTLED]->(s:Settlement {setl_id: 'S102'})-[:AT]->(i) "
        "RETURN s.psn_cash_pay AS cash, s.medfee_sumamt AS total, p.psn_no AS p, "
        "i.fixmedins_code AS i"
    )
    assert rows == [{"cash": -0.01, "total": 2800.0, "p": "P102", "i": PH2}]
    line = next(x for x in rep.table().splitlines() if x.startswith("settlements"))
    assert "warnings: rounding_cent 1" in line
    write_report(rep, tmp_path / "report.json")
    js = json.loads((tmp_path / "report.json").read_text())
    assert js["files"]["settlements"]["warnings"] == {"rounding_cent": 1}
    assert js["files"]["trace_events"]["warnings"] == {}


def test_second_load_of_cash_sales_changes_nothing(empty_db: Gateway, tmp_path: Path) -> None:
    assert load_cash(empty_db, tmp_path) == CASH_EXPECTED
    first = counts(empty_db)
    props1 = empty_db.run_read_text("MATCH (n) RETURN count(n) AS n, sum(size(keys(n))) AS k")
    assert load_cash(empty_db, tmp_path) == CASH_EXPECTED
    assert counts(empty_db) == first
    assert (
        empty_db.run_read_text("MATCH (n) RETURN count(n) AS n, sum(size(keys(n))) AS k") == props1
    )
    assert len(empty_db.read("boxes_sold_twice", {"limit": 100})) == 1
