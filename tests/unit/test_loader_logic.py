"""Pure logic of the loader: party kinds, stable event ids, dedup verdicts, transforms,
unknown parties of a box movement, warnings in the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fraudrings.ingest.loader import (
    TRANSFORMS,
    FileReport,
    LoadReport,
    accepted_rows,
    content_key,
    event_id,
    party_kind,
)
from fraudrings.ingest.quarantine import Quarantine, SeenKeys
from fraudrings.ingest.validate import SPECS, reason_of, validate


def test_party_kind_by_code_format() -> None:
    assert party_kind("H37010200001") == "Institution"
    assert party_kind("P37010200001") == "Institution"
    assert party_kind("91370100MA3C000001") == "Supplier"
    assert party_kind("370102198001010011") == "Person"  # 18 digits: an id-like person number
    assert party_kind("12345678901234567890") == "Person"


def test_sale_event_id_depends_on_settlement_not_source() -> None:
    a = event_id("8" * 20, "sale", "S1", "2025-01-01T10:00:00", "P1", "X")
    b = event_id("8" * 20, "sale", "S1", "2025-01-01T10:00:05", "P1", "Y")
    assert a == b
    assert event_id("8" * 20, "sale", "S2") != a
    assert event_id("8" * 20, "return", "S1") != a
    p1 = event_id("8" * 20, "purchase", None, "2025-01-01T10:00:00", "E", "P")
    p2 = event_id("8" * 20, "purchase", None, "2025-02-01T10:00:00", "E", "P")
    assert p1 != p2


def test_seen_keys_tell_duplicates_from_conflicts() -> None:
    seen = SeenKeys()
    spec = SPECS["settlements"]
    row = {"setl_id": "S1", "medfee_sumamt": "1.00"}
    assert seen.check(*content_key(spec, row)) == "new"
    assert seen.check(*content_key(spec, dict(row))) == "duplicate"
    assert seen.check(*content_key(spec, {**row, "medfee_sumamt": "2.00"})) == "conflict"
    tspec = SPECS["trace_events"]  # no key: only exact duplicates exist
    ev = {"drug_trac_codg": "8", "event_type": "sale"}
    assert seen.check(*content_key(tspec, ev)) == "new"
    assert seen.check(*content_key(tspec, {**ev, "event_type": "return"})) == "new"
    assert seen.check(*content_key(tspec, ev)) == "duplicate"
    seen.close()


def test_seen_keys_scale_past_a_commit_batch() -> None:
    seen = SeenKeys()
    for i in range(120_000):
        assert seen.check(SeenKeys.digest(str(i)), b"x") == "new"
    assert seen.check(SeenKeys.digest("5"), b"x") == "duplicate"
    seen.close()


def test_quarantine_rewrites_on_rerun(tmp_path: Path) -> None:
    for _ in range(2):
        q = Quarantine(tmp_path, "persons", "persons.csv")
        q.add(3, {"psn_no": ""}, [("missing_key", "psn_no is empty")])
        q.close()
    assert len((tmp_path / "persons.jsonl").read_text().splitlines()) == 1


def test_report_balance() -> None:
    r = FileReport(read=10, loaded=6, duplicates=1)
    r.quarantined["bad_date"] = 3
    assert r.balanced
    r.read = 11
    assert not r.balanced


TRACE_HEADER = "drug_trac_codg,med_list_codg,event_type,event_time,from_code,to_code,setl_id\n"
PHARMACY = "P37010200001"
BOX_A, BOX_B = "81234567890123456789", "81234567890123456790"


def _trace(**kw: str) -> dict[str, Any]:
    row = {
        "drug_trac_codg": BOX_A,
        "event_type": "sale",
        "event_time": "2025-03-02 10:00:00",
        "from_code": PHARMACY,
        "to_code": "",
    }
    row.update(kw)
    clean, probs = validate(SPECS["trace_events"], row)
    assert probs == []
    out = TRANSFORMS["trace_events"](clean)
    assert isinstance(out, dict)
    return out


def test_a_cash_sale_keeps_its_institution_and_has_no_buyer() -> None:
    ev = _trace()
    assert (ev["type"], ev["from_code"], ev["from_kind"]) == ("sale", PHARMACY, "Institution")
    assert ev["to_code"] is None and ev["to_kind"] is None and ev["setl_id"] is None
    assert "to_code" not in ev["props"]
    # stable: the same row gives the same event (a second load merges into it)
    assert _trace()["event_id"] == ev["event_id"]
    # two cash sales are two events, whatever their boxes
    assert _trace(drug_trac_codg=BOX_B)["event_id"] != ev["event_id"]
    assert _trace(event_time="2025-03-03 10:00:00")["event_id"] != ev["event_id"]


def test_a_movement_with_no_party_at_all_loads() -> None:
    ev = _trace(event_type="transfer", from_code="", to_code="")
    assert ev["from_kind"] is None and ev["to_kind"] is None


def test_a_party_of_the_wrong_kind_is_still_bad_code() -> None:
    clean, _ = validate(
        SPECS["trace_events"],
        {
            "drug_trac_codg": BOX_A,
            "event_type": "sale",
            "event_time": "2025-03-02 10:00:00",
            "from_code": "P003",  # a person cannot sell a box
            "to_code": "",
        },
    )
    out = TRANSFORMS["trace_events"](clean)
    assert isinstance(out, list) and reason_of(out) == "bad_code"


def test_accepted_rows_keep_cash_sales_and_quarantine_only_keyless_rows(tmp_path: Path) -> None:
    f = tmp_path / "trace_events.csv"
    f.write_text(
        TRACE_HEADER
        + f"{BOX_A},X,sale,2025-03-02 10:00:00,{PHARMACY},,\n"
        + f"{BOX_B},X,return,2025-03-03 10:00:00,,{PHARMACY},\n"
        + f",X,sale,2025-03-04 10:00:00,{PHARMACY},,\n"
        + f"{BOX_A},X,sale,,{PHARMACY},,\n",
        encoding="utf-8",
    )
    rep = FileReport()
    rows = list(accepted_rows("trace_events", f, rep, tmp_path / "q"))
    assert [(r["code"], r["type"]) for r in rows] == [(BOX_A, "sale"), (BOX_B, "return")]
    assert rep.read == 4 and dict(rep.quarantined) == {"missing_key": 1, "missing_value": 1}
    assert not rep.warnings


SETTLEMENT_HEADER = (
    "setl_id,psn_no,fixmedins_code,med_type,setl_time,medfee_sumamt,fund_pay_sumamt,"
    "acct_pay,psn_cash_pay,refd_setl_flag,refd_setl_id\n"
)


def test_rounding_cents_are_counted_as_warnings_not_quarantine(tmp_path: Path) -> None:
    f = tmp_path / "settlements.csv"
    t = "2025-03-02 10:00:00"
    f.write_text(
        SETTLEMENT_HEADER
        + f"S1,P1,{PHARMACY},41,{t},100.00,100.01,0,-0.01,0,\n"  # a cent: a warning
        + f"S2,P1,{PHARMACY},41,{t},100.00,100.02,-0.01,-0.01,0,\n"  # two: one row warned
        + f"S2,P1,{PHARMACY},41,{t},100.00,100.02,-0.01,-0.01,0,\n"  # exact duplicate
        + f"S3,P1,{PHARMACY},41,{t},100.00,100.02,0,-0.02,0,\n"  # two cents: negative
        + f"S4,P1,{PHARMACY},41,{t},-100.00,-100.01,0,-0.01,1,S0\n"  # a refund: as is
        + f"S1,P1,{PHARMACY},41,{t},100.00,100.01,0,-0.001,0,\n",  # conflict: no warning
        encoding="utf-8",
    )
    rep = FileReport()
    rows = list(accepted_rows("settlements", f, rep, tmp_path / "q"))
    rep.loaded = len(rows)
    assert [r["setl_id"] for r in rows] == ["S1", "S2", "S4"]
    assert [r["props"]["psn_cash_pay"] for r in rows] == [-0.01, -0.01, -0.01]
    assert dict(rep.warnings) == {"rounding_cent": 2}
    assert dict(rep.quarantined) == {"negative_value": 1, "duplicate_key": 1}
    assert rep.duplicates == 1 and rep.balanced
    assert rep.as_dict()["warnings"] == {"rounding_cent": 2}

    report = LoadReport(drop="d", files={"settlements": rep}, seconds=1.0)
    table = report.table()
    assert "warn." in table.splitlines()[0]
    line = next(x for x in table.splitlines() if x.startswith("settlements"))
    assert line.split()[:6] == ["settlements", "6", "3", "2", "1", "2"]
    assert "warnings: rounding_cent 2" in line
    assert report.as_dict()["files"]["settlements"]["warnings"] == {"rounding_cent": 2}
