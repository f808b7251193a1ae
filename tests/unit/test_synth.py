"""The synthetic-drop generator: determinism, contract shape, internal consistency, truth."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from fraudrings.synth import generate
from fraudrings.synth.variation import SPACE, TYPOLOGIES

PERSONS = 800
SEED = 7
START = dt.date(2025, 1, 1)
DAYS = 365

HEADERS = {
    "persons": "psn_no,psn_name,gend,brdy,certno,tel,addr,insutype,insu_admdvs,psn_flags,"
    "death_date",
    "institutions": "fixmedins_code,fixmedins_name,fixmedins_type,hosp_lv,ownership,admdvs,lat,"
    "lon,chain_code,online",
    "practitioners": "prac_code,prac_name,prac_type,fixmedins_code",
    "suppliers": "entp_code,entp_name,entp_type,admdvs",
    "drugs": "med_list_codg,list_name,list_type,pric_ref,daily_units,key_monitored",
    "settlements": "setl_id,mdtrt_id,psn_no,fixmedins_code,mdtrtarea_admvs,med_type,begntime,"
    "endtime,setl_time,medfee_sumamt,fund_pay_sumamt,hifp_pay,hifmi_pay,maf_pay,acct_pay,"
    "psn_cash_pay,dise_codg,dr_codg,mdtrt_cert_type,terminal_id,refd_setl_flag,refd_setl_id",
    "fee_details": "feedetl_sn,setl_id,psn_no,fee_ocur_time,med_list_codg,cnt,pric,"
    "det_item_fee_sumamt,bilg_dr_codg,rxno,prd_days,drug_trac_codg,init_feedetl_sn",
    "trace_events": "drug_trac_codg,med_list_codg,event_type,event_time,from_code,to_code,setl_id,"
    "manu_lotnum",
}
MONEY = (
    "medfee_sumamt",
    "fund_pay_sumamt",
    "hifp_pay",
    "hifmi_pay",
    "maf_pay",
    "acct_pay",
    "psn_cash_pay",
)
INST = re.compile(r"[HP]\d{11}")
ENTP = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
REGION = re.compile(r"\d{6}")


class Drop:
    def __init__(self, root: Path, truth: Path) -> None:
        self.root = root
        self.truth: dict[str, Any] = json.loads(truth.read_text(encoding="utf-8"))
        self.rows: dict[str, list[dict[str, str]]] = {}
        self.header: dict[str, str] = {}
        for stem in HEADERS:
            with open(root / f"{stem}.csv", encoding="utf-8", newline="") as fh:
                self.header[stem] = fh.readline().rstrip("\n")
                fh.seek(0)
                self.rows[stem] = list(csv.DictReader(fh))
        self.dirty_idx: dict[str, set[int]] = defaultdict(set)
        for d in self.truth["dirty_rows"]:
            self.dirty_idx[d["file"]].add(d["row"] - 1)
        for stem, rows in self.truth["duplicate_rows"].items():
            self.dirty_idx[stem].update(r - 1 for r in rows)

    def clean(self, stem: str) -> list[dict[str, str]]:
        bad = self.dirty_idx[stem]
        return [r for i, r in enumerate(self.rows[stem]) if i not in bad]


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> Drop:
    root = tmp_path_factory.mktemp("synth") / "drop"
    truth = generate(root, PERSONS, SEED, start=START, days=DAYS)
    assert truth == root.parent / "drop.truth.json"
    return Drop(root, truth)


def cents(v: str) -> int:
    neg = v.startswith("-")
    whole, frac = v.lstrip("-").split(".")
    assert len(frac) == 2, v
    c = int(whole) * 100 + int(frac)
    return -c if neg else c


def _date_ok(v: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return False
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _time_ok(v: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", v):
        return False
    try:
        dt.datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


def _num(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def reasons(stem: str, r: dict[str, str]) -> set[str]:
    """A deliberately simple, independent re-implementation of the dirty-row rules."""
    out: set[str] = set()

    def need(*cols: str) -> None:
        if any(not r[c] for c in cols):
            out.add("missing_key")

    def dates(*cols: str) -> None:
        if any(r[c] and not _date_ok(r[c]) for c in cols):
            out.add("bad_date")

    def times(*cols: str) -> None:
        if any(r[c] and not _time_ok(r[c]) for c in cols):
            out.add("bad_date")

    def nums(cols: tuple[str, ...], signed: bool) -> None:
        for c in cols:
            if not r[c]:
                continue
            x = _num(r[c])
            if x is None:
                out.add("bad_number")
            elif x < 0 and not signed:
                out.add("negative_value")

    if stem == "persons":
        need("psn_no")
        dates("brdy", "death_date")
        if not REGION.fullmatch(r["insu_admdvs"]):
            out.add("bad_code")
    elif stem == "institutions":
        need("fixmedins_code")
        if r["fixmedins_code"] and not INST.fullmatch(r["fixmedins_code"]):
            out.add("bad_code")
        nums(("lat", "lon"), True)
    elif stem == "practitioners":
        need("prac_code")
        if not INST.fullmatch(r["fixmedins_code"]):
            out.add("bad_code")
    elif stem == "suppliers":
        need("entp_code")
        if r["entp_code"] and not ENTP.fullmatch(r["entp_code"]):
            out.add("bad_code")
    elif stem == "drugs":
        need("med_list_codg")
        if r["list_type"] not in ("drug", "consumable", "service"):
            out.add("bad_code")
        nums(("pric_ref", "daily_units"), False)
    elif stem == "settlements":
        need("setl_id", "psn_no")
        times("begntime", "endtime", "setl_time")
        if not INST.fullmatch(r["fixmedins_code"]) or r["med_type"] not in (
            "11",
            "13",
            "14",
            "21",
            "41",
        ):
            out.add("bad_code")
        nums(MONEY, r["refd_setl_flag"] == "1")
    elif stem == "fee_details":
        need("feedetl_sn", "setl_id")
        times("fee_ocur_time")
        nums(("cnt", "pric", "det_item_fee_sumamt"), bool(r["init_feedetl_sn"]))
    elif stem == "trace_events":
        need("drug_trac_codg")
        times("event_time")
        allowed = ("purchase", "sale", "return", "supplier_return", "transfer", "recall")
        if r["event_type"] not in allowed:
            out.add("bad_code")
    return out


def test_headers_exactly_per_contract(drop: Drop) -> None:
    for stem, header in HEADERS.items():
        assert drop.header[stem] == header, stem


def test_deterministic_bytes(drop: Drop, tmp_path: Path) -> None:
    truth = generate(tmp_path / "drop", PERSONS, SEED, start=START, days=DAYS)
    for stem in HEADERS:
        a = (drop.root / f"{stem}.csv").read_bytes()
        b = (tmp_path / "drop" / f"{stem}.csv").read_bytes()
        assert a == b, stem
    assert truth.read_bytes() == (drop.root.parent / "drop.truth.json").read_bytes()


def test_other_seed_differs(drop: Drop, tmp_path: Path) -> None:
    generate(tmp_path / "d", 300, SEED + 1, start=START, days=DAYS)
    assert (tmp_path / "d" / "persons.csv").read_bytes() != (drop.root / "persons.csv").read_bytes()


def test_gzip_and_parquet_hold_the_same_rows(drop: Drop, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    seen: list[tuple[str, int, int]] = []
    generate(tmp_path / "c", 300, 3, start=START, days=DAYS, progress=lambda *a: seen.append(a))
    assert seen and seen[-1][1] == seen[-1][2]
    assert {s for s, _, _ in seen} >= {"activity"}
    generate(tmp_path / "g", 300, 3, start=START, days=DAYS, fmt="csv.gz")
    generate(tmp_path / "p", 300, 3, start=START, days=DAYS, fmt="parquet")
    t_c = json.loads((tmp_path / "c.truth.json").read_text(encoding="utf-8"))
    t_p = json.loads((tmp_path / "p.truth.json").read_text(encoding="utf-8"))
    assert t_c["rows"] == t_p["rows"]
    for stem in HEADERS:
        plain = (tmp_path / "c" / f"{stem}.csv").read_bytes()
        assert gzip.decompress((tmp_path / "g" / f"{stem}.csv.gz").read_bytes()) == plain
        table = pq.read_table(tmp_path / "p" / f"{stem}.parquet")
        assert table.num_rows == t_c["rows"][stem]
        assert ",".join(table.column_names) == HEADERS[stem]


def test_truth_counts_match_files(drop: Drop) -> None:
    t = drop.truth
    assert t["seed"] == SEED and t["persons"] == PERSONS and t["days"] == DAYS
    for stem in HEADERS:
        rows = drop.rows[stem]
        assert t["rows"][stem] == len(rows), stem
        # duplicates: rows identical to an earlier row
        seen: set[tuple[str, ...]] = set()
        dups = 0
        for r in rows:
            key = tuple(r.values())
            if key in seen:
                dups += 1
            seen.add(key)
        assert dups == t["duplicates"][stem] >= 1, stem
        # dirty rows, re-found by independent checks
        found: Counter[str] = Counter()
        where: list[tuple[int, list[str]]] = []
        for i, r in enumerate(rows):
            rs = reasons(stem, r)
            if rs:
                found["multiple" if len(rs) > 1 else next(iter(rs))] += 1
                where.append((i + 1, sorted(rs)))
        assert dict(found) == t["dirty"][stem], stem
        listed = [(d["row"], sorted(d["reasons"])) for d in t["dirty_rows"] if d["file"] == stem]
        assert where == listed, stem
    applicable = {
        "settlements": {"missing_key", "bad_date", "negative_value", "bad_code", "bad_number"},
        "fee_details": {"missing_key", "bad_date", "negative_value", "bad_number"},
        "trace_events": {"missing_key", "bad_date", "bad_code"},
        "persons": {"missing_key", "bad_date", "bad_code"},
    }
    for stem, want in applicable.items():
        assert want | {"multiple"} <= set(t["dirty"][stem]), stem


def test_unregistered_persons(drop: Drop) -> None:
    known = {r["psn_no"] for r in drop.rows["persons"]}
    setl = drop.clean("settlements")
    missing = {r["psn_no"] for r in setl if r["psn_no"] not in known}
    u = drop.truth["unregistered"]
    assert len(missing) == u["persons"] >= 1
    assert missing == set(u["psn_no"])
    assert sum(1 for r in setl if r["psn_no"] in missing) == u["settlements"]


def test_fund_split_adds_up(drop: Drop) -> None:
    n_refunds = 0
    for r in drop.clean("settlements"):
        m = {k: cents(r[k]) for k in MONEY}
        assert m["medfee_sumamt"] == m["fund_pay_sumamt"] + m["acct_pay"] + m["psn_cash_pay"]
        assert m["fund_pay_sumamt"] == m["hifp_pay"] + m["hifmi_pay"] + m["maf_pay"]
        if r["refd_setl_flag"] == "1":
            n_refunds += 1
            assert m["medfee_sumamt"] <= 0 and r["refd_setl_id"]
        else:
            assert all(v >= 0 for v in m.values())
    assert n_refunds >= 1


def test_fee_lines_sum_to_settlement(drop: Drop) -> None:
    by_setl: dict[str, int] = defaultdict(int)
    for r in drop.clean("fee_details"):
        assert cents(r["det_item_fee_sumamt"]) == int(r["cnt"]) * cents(r["pric"])
        by_setl[r["setl_id"]] += cents(r["det_item_fee_sumamt"])
    setl = drop.clean("settlements")
    ids = {r["setl_id"] for r in setl}
    assert set(by_setl) <= ids
    for r in setl:
        assert by_setl[r["setl_id"]] == cents(r["medfee_sumamt"]), r["setl_id"]
    for r in setl:
        if r["refd_setl_flag"] == "1":
            assert r["refd_setl_id"] in ids


def test_trace_codes_match_cnt(drop: Drop) -> None:
    scanned = 0
    for r in drop.clean("fee_details"):
        if r["drug_trac_codg"]:
            codes = r["drug_trac_codg"].split(";")
            assert len(codes) == int(r["cnt"])
            assert all(re.fullmatch(r"[0-9A-Za-z]{1,100}", c) for c in codes)
            scanned += 1
    assert scanned > 100


def test_times_within_window(drop: Drop) -> None:
    lo = START.isoformat()
    hi = (START + dt.timedelta(days=DAYS)).isoformat()
    for stem, cols in (
        ("settlements", ("begntime", "endtime", "setl_time")),
        ("fee_details", ("fee_ocur_time",)),
        ("trace_events", ("event_time",)),
    ):
        for r in drop.clean(stem):
            for c in cols:
                assert lo <= r[c] < hi, (stem, c, r[c])


def test_sales_reconcile_and_boxes_have_a_life(drop: Drop) -> None:
    fee_codes: dict[str, list[str]] = defaultdict(list)  # code -> setl_ids with that code
    for r in drop.clean("fee_details"):
        for c in filter(None, r["drug_trac_codg"].split(";")):
            fee_codes[c].append(r["setl_id"])
    purchases: set[str] = set()
    sales: dict[str, list[str]] = defaultdict(list)
    for r in drop.clean("trace_events"):
        if r["event_type"] == "purchase":
            purchases.add(r["drug_trac_codg"])
        elif r["event_type"] == "sale":
            sales[r["drug_trac_codg"]].append(r["setl_id"])
    assert set(fee_codes) <= purchases
    assert set(sales) <= purchases
    both = sum(1 for c in fee_codes if c in sales)
    fee_only = sum(1 for c in fee_codes if c not in sales)
    trace_only = sum(1 for c in sales if c not in fee_codes)
    total = both + fee_only + trace_only
    assert 0.45 < both / total < 0.75
    assert 0.1 < fee_only / total < 0.4
    assert 0.05 < trace_only / total < 0.3


def _members(entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(m["kind"], m["id"]) for e in entries for m in e["members"]}


def test_no_ring_member_in_a_lookalike(drop: Drop) -> None:
    rings = _members(drop.truth["rings"])
    looks = _members(drop.truth["lookalikes"])
    assert rings and looks
    # a person is in a ring or in look-alikes, never both
    assert not {m for m in rings & looks if m[0] == "person"}
    # an institution, supplier or box may serve a ring of one typology and a look-alike
    # of another (a real outlet can be both), never of the same typology
    for typ in {r["typology"] for r in drop.truth["rings"]}:
        a = _members([r for r in drop.truth["rings"] if r["typology"] == typ])
        b = _members([e for e in drop.truth["lookalikes"] if e["typology"] == typ])
        assert not a & b, typ
    patterns = {e["pattern"] for e in drop.truth["lookalikes"]}
    assert {
        "chronic_refills",
        "return_resale",
        "family_admission",
        "care_home",
        "busy_pharmacy",
    } <= patterns


def test_every_ring_member_exists(drop: Drop) -> None:
    ids = {
        "person": {r["psn_no"] for r in drop.rows["persons"]},
        "institution": {r["fixmedins_code"] for r in drop.rows["institutions"]},
        "supplier": {r["entp_code"] for r in drop.rows["suppliers"]},
        "practitioner": {r["prac_code"] for r in drop.rows["practitioners"]},
        "trace_code": {r["drug_trac_codg"] for r in drop.rows["trace_events"]},
    }
    for r in drop.rows["fee_details"]:
        ids["trace_code"].update(filter(None, r["drug_trac_codg"].split(";")))
    for e in drop.truth["rings"] + drop.truth["lookalikes"]:
        for m in e["members"]:
            assert m["id"] in ids[m["kind"]], (e.get("ring_id"), m)
    typologies = set(Counter(r["typology"] for r in drop.truth["rings"]))
    core = {"prescription_buyer", "recycled_drug", "inpatient_recruitment"}
    more = {"card_pooling", "spatiotemporal", "deceased_claims", "split_admission"}
    assert core <= typologies <= core | more
    assert len(typologies & more) >= 3  # the rest: tests/unit/test_synth_models.py


def test_core_rings_follow_their_params(drop: Drop) -> None:
    setl = drop.clean("settlements")
    by_psn: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in setl:
        if r["refd_setl_flag"] != "1":
            by_psn[r["psn_no"]].append(r)
    fee_by_setl: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in drop.clean("fee_details"):
        fee_by_setl[r["setl_id"]].append(r)
    drugs = {r["med_list_codg"]: r for r in drop.clean("drugs")}
    sold: dict[str, set[str]] = defaultdict(set)  # code -> settlements selling it
    for r in drop.clean("fee_details"):
        for c in filter(None, r["drug_trac_codg"].split(";")):
            sold[c].add(r["setl_id"])
    for r in drop.clean("trace_events"):
        if r["event_type"] == "sale":
            sold[r["drug_trac_codg"]].add(r["setl_id"])
    seen = set()
    for ring in drop.truth["rings"]:
        P = ring["params"]
        seen.add(ring["typology"])
        if ring["typology"] == "prescription_buyer":
            people = [m["id"] for m in ring["members"]]
            assert 1 <= len(people) <= P["ring_size"]
            for m in people:
                lines = [
                    (s, f)
                    for s in by_psn[m]
                    for f in fee_by_setl[s["setl_id"]]
                    if f["med_list_codg"] == ring["drug"]
                ]
                assert lines, m
                days = sorted(s["begntime"][:10] for s, _ in lines)
                span = (dt.date.fromisoformat(days[-1]) - dt.date.fromisoformat(days[0])).days
                supply = sum(int(f["cnt"]) for _, f in lines) / float(
                    drugs[ring["drug"]]["daily_units"]
                )
                # the ring's days of supply per day elapsed, give or take the last refill
                # and the +-20% spacing of refills
                if span >= 60:
                    assert 0.6 * P["supply_ratio"] <= supply / span <= 2.0 * P["supply_ratio"]
                insts = {s["fixmedins_code"] for s, _ in lines}
                assert len(insts) <= P["outlets"] + 1
                docs = {f["bilg_dr_codg"] for _, f in lines if f["bilg_dr_codg"]}
                assert len(docs) <= max(P["doctors"], P["outlets"]) + len(insts)
        elif ring["typology"] == "recycled_drug":
            boxes = [m["id"] for m in ring["members"] if m["role"] == "resold_box"]
            assert 1 <= len(boxes) <= P["boxes"]
            for c in boxes:
                assert 2 <= len(sold[c]) <= 1 + P["hops"], c
        elif ring["typology"] == "inpatient_recruitment":
            people = [m["id"] for m in ring["members"] if m["role"] == "recruited_patient"]
            hosps = {m["id"] for m in ring["members"] if m["role"] == "institution"}
            assert 1 <= len(hosps) <= P["hospitals"]
            stays = 0
            for p in people:
                mine = [
                    s for s in by_psn[p] if s["med_type"] == "21" and s["fixmedins_code"] in hosps
                ]
                assert mine, p
                stays += len(mine)
            assert stays >= ring["admissions"]
            assert len(ring["waves"]) <= P["waves"]
            assert all(w["admitted"] <= P["wave_size"] for w in ring["waves"])
    assert seen == set(TYPOLOGIES)


def test_rings_record_their_params(drop: Drop) -> None:
    for ring in drop.truth["rings"]:
        space = SPACE[ring["typology"]]
        assert set(ring["params"]) == set(space), ring["ring_id"]
        for name, v in ring["params"].items():
            assert space[name].coerce(v) == v, (ring["ring_id"], name, v)
