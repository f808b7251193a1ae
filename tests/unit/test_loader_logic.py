"""Pure logic of the loader: party kinds, stable event ids, dedup verdicts, transforms."""

from __future__ import annotations

from pathlib import Path

from ingest.loader import FileReport, content_key, event_id, party_kind
from ingest.quarantine import Quarantine, SeenKeys
from ingest.validate import SPECS


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
