"""Detectors on a hand-built graph with known answers and known non-answers (world.py),
on the real server; lead identity across runs; the export against the contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fraudrings.graph import schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import KINDS, TYPOLOGIES, export
from fraudrings.ingest.loader import Loader
from tests.integration import world

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _load(gw: Gateway, tmp: Path, **kw: Any) -> None:
    drop = world.build(tmp / "drop", **kw)
    Loader(gw, batch_size=500, quarantine_root=tmp / "q", progress=False).load(drop)


def _members(lead: dict[str, Any]) -> dict[str, str]:
    return {m["id"]: m["role"] for m in lead["members"]}


@pytest.fixture(scope="module")
def detected(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    schema.empty(gw)
    tmp = tmp_path_factory.mktemp("world")
    _load(gw, tmp)
    first = run_all(gw)
    leads1 = export(gw)
    second = run_all(gw)
    leads2 = export(gw)
    return {"tmp": tmp, "first": first, "second": second, "leads1": leads1, "leads2": leads2}


def _by_typ(leads: list[dict[str, Any]], typ: str) -> list[dict[str, Any]]:
    return [x for x in leads if x["typology"] == typ]


def test_recycled_chain_names_who_and_spares_the_return(detected: dict[str, Any]) -> None:
    rd = _by_typ(detected["leads1"], "recycled_drug")
    assert len(rd) == 1
    m = _members(rd[0])
    assert m == {
        "A1": "buyer",
        "A2": "buyer",
        "P37010000002": "recycler",
        "91370100MA3CLAUND1": "launderer",
        "81000000000000000001": "resold_box",
        "81000000000000000002": "resold_box",
    }
    # the legitimately returned box, its buyers and its pharmacy are nowhere
    flat = {x for lead in detected["leads1"] for x in _members(lead)}
    assert not flat & {"81000000000000000003", "C1", "C2", "P37010000003", "91370100MA3CCLEAN2"}
    # fund share of both sales of both boxes: 4 x 1000 x 0.7
    assert rd[0]["amount_at_risk"] == pytest.approx(2800.0)
    assert any("purchase" in e and "91370100MA3CLAUND1" in e for e in rd[0]["evidence"])


def test_prescription_buyer_found_chronic_patient_left_alone(detected: dict[str, Any]) -> None:
    pb = _by_typ(detected["leads1"], "prescription_buyer")
    assert [list(_members(x)) for x in pb] == [["K1"]]
    reasons = {r["factor"]: r["value"] for r in pb[0]["reasons"]}
    assert 3.5 < reasons["ratio"] < 4.5  # 1,200 days of supply in ~300 days
    assert reasons["prescribers"] == 5
    assert reasons["institutions"] == 5
    assert 0.5 <= pb[0]["score"] <= 1
    assert pb[0]["amount_at_risk"] > 0


def test_inpatient_ring_with_institution_and_recruiter(detected: dict[str, Any]) -> None:
    ir = _by_typ(detected["leads1"], "inpatient_recruitment")
    assert len(ir) == 1
    assert _members(ir[0]) == {
        "R1": "recruited_patient",
        "R2": "recruited_patient",
        "R3": "recruited_patient",
        "R4": "recruited_patient",
        "H37020000009": "institution",
        "RC": "recruiter",
    }
    reasons = {r["factor"]: r["value"] for r in ir[0]["reasons"]}
    assert reasons["waves"] == 3
    assert reasons["far_from_home"] == 1.0
    assert str(ir[0]["first_seen"]) == "2025-01-06"


def test_family_admitted_once_is_not_a_ring(detected: dict[str, Any]) -> None:
    flat = {x for lead in detected["leads1"] for x in _members(lead)}
    assert not flat & {"F1", "F2", "F3", "CH"}


def test_rerun_keeps_lead_identity(detected: dict[str, Any]) -> None:
    ids1 = {x["lead_id"] for x in detected["leads1"]}
    ids2 = {x["lead_id"] for x in detected["leads2"]}
    assert ids1 == ids2
    t2 = detected["second"]["typologies"]
    assert all(v["created"] == 0 and v["deactivated"] == 0 for v in t2.values())
    assert sum(v["updated"] for v in t2.values()) == len(ids1)


def test_grown_graph_updates_the_same_lead(gw: Gateway, detected: dict[str, Any]) -> None:
    before = {x["typology"]: x for x in detected["leads2"]}
    _load(gw, detected["tmp"] / "grown", extra_resale=True)
    report = run_all(gw)
    leads = export(gw)
    after = {x["typology"]: x for x in leads}
    rd = [x["lead_id"] for x in leads if x["typology"] == "recycled_drug"]
    assert rd == [before["recycled_drug"]["lead_id"]]  # one chain, the same lead
    assert "81000000000000000004" in _members(after["recycled_drug"])
    assert report["typologies"]["recycled_drug"] == {
        **report["typologies"]["recycled_drug"],
        "created": 0,
        "updated": 1,
    }
    # members carry their community (the lead id) for the typology
    rows = gw.run_read_text(
        "MATCH (p:Person {psn_no: 'R1'}) RETURN p.communities AS c",
    )
    assert rows[0]["c"] == [f"inpatient_recruitment={after['inpatient_recruitment']['lead_id']}"]


def test_status_survives_rerun(gw: Gateway, detected: dict[str, Any]) -> None:
    lid = detected["leads2"][0]["lead_id"]
    gw.run_write_text("MATCH (l:Lead {lead_id: $id}) SET l.status = 'in_review'", {"id": lid})
    run_all(gw)
    assert {x["lead_id"]: x["status"] for x in export(gw)}[lid] == "in_review"


def test_export_validates_against_contract(detected: dict[str, Any]) -> None:
    schema = json.loads((ROOT / "docs" / "lead.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    leads = json.loads(json.dumps(detected["leads1"]))  # as written to a file
    assert {x["typology"] for x in leads} == set(TYPOLOGIES[:3])
    for lead in leads:
        errors = [e.message for e in validator.iter_errors(lead)]
        assert errors == [], (lead["lead_id"], errors)
        assert {m["kind"] for m in lead["members"]} <= set(KINDS)
