"""Referral logic without a database: thresholds, roles, amount rules, box walks, the
manifest and its verification, determinism of the package bytes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fraudrings import cli
from fraudrings.referral import config, package
from fraudrings.referral.fonts import find_font
from fraudrings.referral.model import BoxEvent, Drug, Line, Settlement
from fraudrings.referral.rules import (
    Raw,
    build,
    buyer_pairs,
    crossed_lines,
    referral_role,
    settlement_ids,
    walk,
    wave_settlements,
)

ROOT = Path(__file__).resolve().parents[2]


# -- thresholds -----------------------------------------------------------------------------
def test_shipped_thresholds_load_and_lie_within_the_national_ranges() -> None:
    cfg = config.load()
    assert "default" in cfg.provinces
    for code, t in cfg.provinces.items():
        for tier, (lo, hi) in config.NATIONAL_RANGES.items():
            assert lo <= t.figure(tier) <= hi, (code, tier)
    assert cfg.province_of("370102")[0] == "37"
    assert cfg.province_of("990000")[0] == "default"
    assert cfg.province_of(None)[0] == "default"
    assert "第二百六十六条" in cfg.provisions["fraud"].article
    assert "第三百一十二条" in cfg.provisions["concealment"].article


def _toml(**over: Any) -> str:
    t = {"relatively_large": 5000, "huge": 60000, "especially_huge": 500000, "drug_trade": 50000}
    t.update(over)
    body = "\n".join(f"{k} = {v}" for k, v in t.items())
    prov = "\n".join(
        f'[provisions.{k}]\narticle = "a"\ntext = "t"'
        for k in ("fraud", "concealment", "drug_trade")
    )
    return f'[provinces.default]\nname = "x"\n{body}\n{prov}\n'


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"relatively_large": 2000}, "relatively_large"),
        ({"relatively_large": 12000}, "relatively_large"),
        ({"huge": 120000}, "huge"),
        ({"especially_huge": 400000}, "especially_huge"),
        ({"drug_trade": 10000}, "drug_trade"),
    ],
)
def test_a_figure_outside_the_national_range_is_refused(over: dict[str, int], message: str) -> None:
    config.parse(_toml())  # the baseline is fine
    with pytest.raises(config.ConfigError, match=message):
        config.parse(_toml(**over))


def test_config_needs_a_default_and_the_provisions() -> None:
    with pytest.raises(config.ConfigError, match="default"):
        config.parse(_toml().replace("provinces.default", "provinces.37"))
    with pytest.raises(config.ConfigError, match="provisions"):
        config.parse(_toml().split("[provisions.concealment]")[0])
    with pytest.raises(config.ConfigError, match="TOML"):
        config.parse("this is = = not toml")


def test_lines_crossed() -> None:
    t = config.parse(_toml()).provinces["default"]
    assert crossed_lines("card_lender", 4999.99, 0, t) == []
    assert [c.tier for c in crossed_lines("professional_buyer", 62790, 0, t)] == [
        "relatively_large",
        "huge",
    ]
    assert [c.tier for c in crossed_lines("organiser", 500000, 0, t)] == [
        "relatively_large",
        "huge",
        "especially_huge",
    ]
    # the drug-trade line only for those who buy or sell the drugs
    assert [c.tier for c in crossed_lines("recycling_outlet", 0, 50000, t)] == ["drug_trade"]
    assert crossed_lines("card_lender", 0, 80000, t) == []


# -- roles ----------------------------------------------------------------------------------
def test_roles_from_lead_member_roles() -> None:
    assert referral_role("prescription_buyer", ["buyer"]) == "professional_buyer"
    assert referral_role("recycled_drug", ["buyer"]) == "card_lender"
    assert referral_role("recycled_drug", ["buyer"], flagged_buyer=True) == "professional_buyer"
    assert referral_role("recycled_drug", ["recycler"]) == "recycling_outlet"
    assert referral_role("recycled_drug", ["launderer"]) == "laundering_supplier"
    assert referral_role("inpatient_recruitment", ["recruited_patient"]) == "card_lender"
    assert referral_role("inpatient_recruitment", ["recruiter"]) == "organiser"
    assert referral_role("inpatient_recruitment", ["institution"]) == "institution"
    assert referral_role("x", ["collector"]) == "drug_collector"
    assert referral_role("x", ["recruited_patient", "recruiter"]) == "organiser"
    assert referral_role("x", ["something"]) == "other"


def test_evidence_strings_are_parsed() -> None:
    ev = [
        "box:81 sale:e1 (2025-01-06 to A1, setl S1) -> resale:e2 (2025-01-15 by P2 to E1, setl S4)",
        "box:82 purchase:e3 (2025-01-10 from supplier L into P2 after sale to A1)",
        "pattern:K1 drug XHV (某药) 120 boxes = 1200 days of supply in 273 days",
        "settlement:S9 2025-01-06 10:00 K1 at H1 XHV x3 dr D1",
        "settlement:S10 wave 1 R1 admitted 2025-01-06 09:00 discharged 2025-01-09",
        "link:R1<->R2 co-admitted 3 times",
    ]
    assert settlement_ids(ev) == ["S1", "S10", "S4", "S9"]
    assert buyer_pairs(ev) == [("K1", "XHV")]
    assert wave_settlements(ev) == ["S10"]


# -- box walks ------------------------------------------------------------------------------
def _ev(
    code: str, n: int, typ: str, frm: tuple[str, str], to: tuple[str, str], setl: str = ""
) -> BoxEvent:
    return BoxEvent(
        code=code,
        event_id=f"{code}-{n}",
        event_type=typ,
        event_time=f"2025-01-{n:02d}T09:00:00",
        from_kind=frm[0],
        from_code=frm[1],
        to_kind=to[0],
        to_code=to[1],
        setl_id=setl or None,
    )


P_A, P_R, SUP, LAUND = (
    ("institution", "PA"),
    ("institution", "PR"),
    ("supplier", "S"),
    (
        "supplier",
        "L",
    ),
)


def test_walk_finds_resales_and_laundering_but_not_a_return() -> None:
    evs = [
        _ev("B1", 1, "purchase", SUP, P_A),
        _ev("B1", 2, "sale", P_A, ("person", "A1"), "S1"),
        _ev("B1", 3, "purchase", LAUND, P_R),
        _ev("B1", 4, "sale", P_R, ("person", "E1"), "S2"),
        _ev("B3", 1, "purchase", SUP, P_A),
        _ev("B3", 2, "sale", P_A, ("person", "C1"), "S3"),
        _ev("B3", 3, "return", ("person", "C1"), P_A),
        _ev("B3", 4, "sale", P_A, ("person", "C2"), "S4"),
    ]
    resales, launders = walk(reversed(evs))  # order of arrival does not matter
    assert [(r.code, r.first.to_code, r.second.to_code) for r in resales] == [("B1", "A1", "E1")]
    assert [(x.code, x.event.from_code) for x in launders] == [("B1", "L")]


# -- amounts --------------------------------------------------------------------------------
def _setl(sid: str, psn: str, inst: str, t: str, medfee: float, **funds: float) -> Settlement:
    f = {"hifp_pay": 0.0, "hifmi_pay": 0.0, "maf_pay": 0.0, "acct_pay": 0.0, **funds}
    paid = f["hifp_pay"] + f["hifmi_pay"] + f["maf_pay"]
    return Settlement(
        setl_id=sid, psn_no=psn, fixmedins_code=inst, fixmedins_name=f"机构{inst}",
        med_type="41", begntime=t, endtime=t, setl_time=t, medfee_sumamt=medfee,
        fund_pay_sumamt=paid, psn_cash_pay=medfee - paid - f["acct_pay"], dise_codg=None,
        dr_codg=None, **f,
    )  # fmt: skip


def _line(sn: str, sid: str, psn: str, t: str, cnt: float, price: float, codes: list[str]) -> Line:
    return Line(
        feedetl_sn=sn, setl_id=sid, psn_no=psn, time=t, med_list_codg="XHV", drug_name="某靶向药",
        cnt=cnt, pric=price, amount=cnt * price, codes=codes, dr="D1",
    )  # fmt: skip


def _member(role: str, kind: str, mid: str, **props: Any) -> dict[str, Any]:
    return {"role": role, "kind": kind, "id": mid, "props": props}


def _lead(typ: str, evidence: list[str], **kw: Any) -> dict[str, Any]:
    return {"lead_id": f"{typ[:2].upper()}-1", "typology": typ, "score": 0.9, "region": "370100",
            "regions": ["370100"], "first_seen": "2025-01-01", "last_seen": "2025-02-01",
            "amount_at_risk": 0.0, "reasons_json": "[]", "evidence": evidence, **kw}  # fmt: skip


def recycled_raw() -> Raw:
    evs = [
        _ev("B1", 1, "purchase", SUP, P_A),
        _ev("B1", 2, "sale", P_A, ("person", "A1"), "S1"),
        _ev("B1", 3, "purchase", LAUND, P_R),
        _ev("B1", 4, "sale", P_R, ("person", "E1"), "S2"),
    ]
    setls = [
        # the box's sale carries all four funds: 1000 of a 1,200 bill
        _setl("S1", "A1", "PA", "2025-01-02T09:00:00", 1200, hifp_pay=600, hifmi_pay=120,
              maf_pay=60, acct_pay=120),
        _setl("S2", "E1", "PR", "2025-01-04T09:00:00", 1000, hifp_pay=700),
    ]  # fmt: skip
    lines = [
        _line("F1", "S1", "A1", "2025-01-02T09:00:00", 1, 1000, ["B1"]),
        _line("F0", "S1", "A1", "2025-01-02T09:00:00", 1, 200, []),
        _line("F2", "S2", "E1", "2025-01-04T09:00:00", 1, 1000, ["B1"]),
    ]
    members = [
        _member("buyer", "person", "A1", psn_name="李秀英", certno="370103195805022345"),
        _member("recycler", "institution", "PR", fixmedins_name="某大药房", fixmedins_type="2"),
        _member("launderer", "supplier", "L", entp_name="某医药"),
        _member("resold_box", "trace_code", "B1"),
    ]
    return Raw(
        lead=_lead("recycled_drug", ["box:B1 sale:B1-2 (to A1, setl S1) -> resale:B1-4 (setl S2)"]),
        members=members, settlements=setls, lines=lines,
        drugs=[Drug(med_list_codg="XHV", list_name="某靶向药", pric_ref=1000, daily_units=0.1)],
        box_events=evs,
    )  # fmt: skip


def test_recycled_amounts_by_fund() -> None:
    ev = build(recycled_raw(), config.load())
    a = {x.party: x for x in ev.amounts}
    seller = a["person:A1"]
    # the box line is 1000/1200 of the bill: each fund scaled by that share
    share = 1000 / 1200
    assert seller.funds.hifp == pytest.approx(600 * share, abs=0.01)
    assert seller.funds.hifmi == pytest.approx(120 * share, abs=0.01)
    assert seller.funds.maf == pytest.approx(60 * share, abs=0.01)
    assert seller.funds.acct == pytest.approx(120 * share, abs=0.01)
    assert seller.fraud_amount == pytest.approx(900 * share, abs=0.02)  # incl. personal account
    outlet = a["institution:PR"]
    assert outlet.funds.hifp == pytest.approx(700)
    assert outlet.drug_trade_value == pytest.approx(1000)
    assert a["supplier:L"].drug_trade_value == pytest.approx(1000)
    assert a["supplier:L"].fraud_amount == 0
    assert ev.total_fraud_amount == pytest.approx(900 * share + 700, abs=0.02)
    # 涉案金额: what the fund paid for the two sales of the box, without personal account
    assert ev.case_amount == pytest.approx(780 * share + 700, abs=0.01)
    assert ev.related.settlements == 2 and ev.related.medfee == pytest.approx(2200)
    roles = {p.id: p.role for p in ev.parties}
    assert roles == {"A1": "card_lender", "PR": "recycling_outlet", "L": "laundering_supplier"}
    assert ev.party("person:A1").certno == "370103195805022345"  # type: ignore[union-attr]
    assert ev.rule.startswith("倒卖回流药")


def test_personal_account_can_be_left_out_of_the_fraud_amount() -> None:
    cfg = config.load().model_copy(update={"fraud_amount_includes_personal_account": False})
    ev = build(recycled_raw(), cfg)
    a = {x.party: x for x in ev.amounts}
    assert a["person:A1"].fraud_amount == pytest.approx(780 * 1000 / 1200, abs=0.02)
    assert a["person:A1"].funds.acct == pytest.approx(100, abs=0.01)  # still shown


def _buyer_raw(pattern: str) -> Raw:
    # K1: 10 purchases of 3 boxes, one every 7 days; a box lasts 10 days (0.1 a day).
    setls, lines = [], []
    for k in range(10):
        t = (datetime(2025, 1, 1, 9) + timedelta(days=7 * k)).isoformat()
        sid = f"S{k}"
        setls.append(_setl(sid, "K1", "H1", t, 3000, hifp_pay=2100, acct_pay=300))
        codes = ["BX"] if k == 0 else []
        lines.append(_line(f"F{k}", sid, "K1", t, 3, 1000, codes))
    # one box of the first purchase came back and was sold again by outlet PR
    evs = [
        _ev("BX", 1, "sale", ("institution", "H1"), ("person", "K1"), "S0"),
        _ev("BX", 20, "sale", P_R, ("person", "E9"), "SR"),
    ]
    setls.append(_setl("SR", "E9", "PR", "2025-01-20T09:00:00", 1000, hifp_pay=700))
    lines.append(_line("FR", "SR", "E9", "2025-01-20T09:00:00", 1, 1000, ["BX"]))
    return Raw(
        lead=_lead("prescription_buyer", [pattern]),
        members=[_member("buyer", "person", "K1"), _member("recycler", "institution", "PR")],
        settlements=setls, lines=lines, box_events=evs,
        drugs=[Drug(med_list_codg="XHV", list_name="某靶向药", pric_ref=1000, daily_units=0.1)],
    )  # fmt: skip


def test_prescription_buyer_excess_over_own_use_at_the_detectors_ratio() -> None:
    pattern = "pattern:K1 drug XHV (某靶向药) 30 boxes = 200 days of supply in 63 days"
    ev = build(_buyer_raw(pattern + ", ratio 2.5"), config.load())
    a = {x.party: x for x in ev.amounts}
    k1 = a["person:K1"]
    # the fund paid 21,000 for the 30 boxes; beyond own use: 1 - 1/2.5 = 60 %
    assert k1.funds.hifp == pytest.approx(0.6 * 21000, abs=0.01)
    assert k1.funds.acct == pytest.approx(0.6 * 3000, abs=0.01)
    assert ev.case_amount == pytest.approx(0.6 * 21000, abs=0.01)  # the personal account apart
    assert ev.total_fraud_amount == pytest.approx(0.6 * 24000, abs=0.01)
    assert k1.rule == "prescription_buyer"
    # the outlet's resale is the recycled-drug lead's; here the drugs it bought and sold
    assert a["institution:PR"].funds.hifp == 0
    assert a["institution:PR"].drug_trade_value == pytest.approx(1000)
    assert {p.role for p in ev.parties} == {"professional_buyer", "recycling_outlet"}
    # evidence that states no ratio: the label's dose is the norm, 300 days over
    # 63 + 30 days elapsed
    old = build(_buyer_raw(pattern), config.load())
    assert old.case_amount == pytest.approx(21000 * (1 - 93 / 300), abs=0.01)


def test_pairs_count_their_later_settlement() -> None:
    setls = [
        _setl("SA", "T1", "H1", "2025-01-01T09:00:00", 500, hifp_pay=300),
        _setl("SB", "T1", "H2", "2025-01-01T10:00:00", 800, hifp_pay=400, acct_pay=100),
    ]
    raw = Raw(
        lead=_lead("spatiotemporal", [
            "settlement:SA 2025-01-01 09:00 at H1 -> settlement:SB 2025-01-01 10:00 at H2: "
            "900 km in 1.0 h (needs 4.1 h)"]),
        members=[_member("card_holder", "person", "T1"),
                 _member("institution", "institution", "H1"),
                 _member("institution", "institution", "H2")],
        settlements=setls, lines=[], drugs=[], box_events=[],
    )  # fmt: skip
    ev = build(raw, config.load())
    assert ev.case_amount == pytest.approx(400)
    assert ev.total_fraud_amount == pytest.approx(500)  # with the personal account
    assert ev.related.settlements == 2 and ev.related.fund == pytest.approx(700)


def test_inpatient_waves_charge_patients_their_own_and_the_organiser_all() -> None:
    setls = [
        _setl(f"S{i}", p, "H9", f"2025-01-0{1 + i}T09:00:00", 1000, hifp_pay=600, maf_pay=200)
        for i, p in enumerate(["R1", "R2", "R1", "R2"])
    ]
    raw = Raw(
        lead=_lead("inpatient_recruitment", [f"settlement:S{i} wave 1 x" for i in range(4)]),
        members=[_member("recruited_patient", "person", "R1"),
                 _member("recruited_patient", "person", "R2"),
                 _member("recruiter", "person", "RC"),
                 _member("institution", "institution", "H9")],
        settlements=setls, lines=[], drugs=[], box_events=[],
    )  # fmt: skip
    ev = build(raw, config.load())
    a = {x.party: x for x in ev.amounts}
    assert a["person:R1"].funds.hifp == pytest.approx(1200)
    assert a["person:R1"].funds.maf == pytest.approx(400)
    assert a["person:RC"].fraud_amount == pytest.approx(3200)
    assert a["institution:H9"].fraud_amount == pytest.approx(3200)
    assert ev.total_fraud_amount == pytest.approx(3200)
    assert [c.tier for c in a["person:RC"].crossed] == []  # below 5,000 in Shandong
    assert len(ev.timeline) == 4 and ev.timeline[0].time < ev.timeline[-1].time


# -- package: manifest, verify, determinism -------------------------------------------------
@pytest.fixture(scope="module")
def evidence() -> Any:
    return build(recycled_raw(), config.load())


def test_package_is_deterministic_and_verifies(evidence: Any, tmp_path: Path) -> None:
    font = find_font()
    m1 = package.write(evidence, tmp_path / "a", font)
    m2 = package.write(evidence, tmp_path / "b", font)
    assert m1 == m2
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted([f["name"] for f in m1["files"]] + ["manifest.json", "SHA256SUMS"])
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n
    assert package.verify(tmp_path / "a").ok
    assert package.verify(tmp_path / "a", m1["package_hash"]).ok
    assert not package.verify(tmp_path / "a", "f" * 64).ok
    # SHA256SUMS is what `sha256sum -c` reads, and the package hash is its digest
    sums = (tmp_path / "a" / "SHA256SUMS").read_bytes()
    assert package.sha256(sums) == m1["package_hash"]
    assert sums.decode().splitlines()[0].split("  ")[1] == "amounts.csv"
    # JSON carries everything; the version is the hash of the rest
    data = json.loads((tmp_path / "a" / "evidence.json").read_text())
    assert data["evidence_version"] == evidence.evidence_version
    assert evidence.with_version().evidence_version == evidence.evidence_version
    with pytest.raises(package.PackageExists):
        package.write(evidence, tmp_path / "a", font)


def test_a_different_evidence_gives_a_different_version(evidence: Any) -> None:
    raw = recycled_raw()
    raw.settlements[1] = raw.settlements[1].model_copy(update={"hifp_pay": 650.0})
    other = build(raw, config.load())
    assert other.evidence_version != evidence.evidence_version


@pytest.mark.parametrize("change", ["changed", "missing", "added", "manifest", "sums"])
def test_verify_fails_on_any_change(evidence: Any, tmp_path: Path, change: str) -> None:
    out = tmp_path / "p"
    package.write(evidence, out, find_font())
    if change == "changed":
        (out / "parties.csv").write_bytes((out / "parties.csv").read_bytes().replace(b"A1", b"A7"))
    elif change == "missing":
        (out / "ring.png").unlink()
    elif change == "added":
        (out / "sub").mkdir()
        (out / "sub" / "note.txt").write_text("x")
    elif change == "manifest":
        man = json.loads((out / "manifest.json").read_text())
        man["files"][0]["sha256"] = "0" * 64
        (out / "manifest.json").write_text(json.dumps(man))
    else:
        (out / "SHA256SUMS").unlink()
    v = package.verify(out)
    assert not v.ok, change
    assert cli.main(["referral", "verify", str(out)]) == 1
    if change == "added":
        assert v.added == ["sub/note.txt"]
    if change == "missing":
        assert v.missing == ["ring.png"]


def test_verify_of_a_folder_without_manifest(tmp_path: Path) -> None:
    assert not package.verify(tmp_path / "nowhere").ok
    tmp_path.joinpath("x.csv").write_text("a")
    v = package.verify(tmp_path)
    assert not v.ok and v.missing == ["manifest.json"]


def test_shipped_font_is_found() -> None:
    f = find_font()
    assert f.path.is_file() and f.path.suffix in (".ttc", ".ttf")
