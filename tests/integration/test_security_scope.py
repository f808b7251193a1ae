"""The access policy on the real server: every read holds persons, settlements, fee
lines, box movements and lead members to the caller's region, with care across regions
shown as the treating region's party (docs/security.md, "Access policy").

On top of the two-city world (api_world): P004 is insured in Qingdao (370202) and was
treated once at the Jinan hospital (SETL-5, a party of a Jinan treatment) and once in
Qingdao (SETL-6, diagnosis F32, with a fee line of the same drug as the Jinan box). The
Jinan box later went to the Qingdao hospital (E6) and was sold there to P003 (E7). Lead
LD-JN-3 (Jinan) names P001, P004 and P003 (who was never treated in Jinan).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fraudrings.casework.passwords import hash_password
from fraudrings.graph.gateway import Gateway
from fraudrings.referral.gather import gather
from tests.integration import api_world
from tests.integration.api_world import JN_BOX, PASSWORD, QD_BOX, Api

api_factory = api_world.api_factory
pytestmark = pytest.mark.integration

CROSS = """
MATCH (hj:Institution {fixmedins_code: 'H370100000001'})
MATCH (hq:Institution {fixmedins_code: 'H370200000001'})
MATCH (pj:Institution {fixmedins_code: 'P370100000002'})
MATCH (p1:Person {psn_no: 'P001'}), (p3:Person {psn_no: 'P003'})
MATCH (drug:Drug {med_list_codg: 'XHV001'})
MATCH (b1:Box {drug_trac_codg: '81000000000000000001'})
CREATE (p4:Person {psn_no: 'P004', psn_name: '赵六', certno: '370202198804045555',
        tel: '13900000004', addr: '山东省青岛市崂山区某路4号', insu_admdvs: '370202',
        gend: '2', brdy: date('1988-04-04'), psn_flags: 'low_income'})
CREATE (ph4:Phone {tel: '13900000004'}), (p4)-[:HAS_PHONE]->(ph4)
CREATE (st5:Settlement {setl_id: 'SETL-5', psn_no: 'P004', med_type: '11', dise_codg: 'J45',
        setl_time: localdatetime('2025-02-10T09:00:00'), medfee_sumamt: 500.0})
CREATE (p4)-[:SETTLED]->(st5)-[:AT]->(hj)
CREATE (st5)-[:HAS_LINE]->(fl5:FeeLine {feedetl_sn: 'FL-5', setl_id: 'SETL-5', psn_no: 'P004',
        med_list_codg: 'XHV001', cnt: 1.0})-[:FOR_DRUG]->(drug)
CREATE (st6:Settlement {setl_id: 'SETL-6', psn_no: 'P004', med_type: '11', dise_codg: 'F32',
        setl_time: localdatetime('2025-02-12T09:00:00'), medfee_sumamt: 900.0})
CREATE (p4)-[:SETTLED]->(st6)-[:AT]->(hq)
CREATE (st6)-[:HAS_LINE]->(fl6:FeeLine {feedetl_sn: 'FL-6', setl_id: 'SETL-6', psn_no: 'P004',
        med_list_codg: 'XHV001', cnt: 1.0})-[:FOR_DRUG]->(drug)
CREATE (b1)-[:HAS_EVENT]->(e6:BoxEvent:Transfer {event_id: 'E6', event_type: 'transfer',
        event_time: localdatetime('2025-03-01T08:00:00'), in_trace: true})
CREATE (e6)-[:FROM]->(pj), (e6)-[:TO]->(hq)
CREATE (b1)-[:HAS_EVENT]->(e7:BoxEvent:Sale {event_id: 'E7', event_type: 'sale',
        event_time: localdatetime('2025-03-02T08:00:00'), setl_id: 'SETL-7', in_trace: true})
CREATE (e7)-[:FROM]->(hq), (e7)-[:TO]->(p3)
CREATE (l:Lead {lead_id: 'LD-JN-3', typology: 'inpatient_recruitment', score: 0.7,
        amount_at_risk: 1400.0, status: 'new', region: '370102', regions: ['370102', '370202'],
        reasons_json: '[]', evidence: ['settlement:SETL-5', 'settlement:SETL-6'],
        member_count: 4, active: true, detected_at: datetime('2025-03-01T00:00:00Z'),
        first_seen: date('2025-01-06'), last_seen: date('2025-02-12'), run_id: 'seed'})
CREATE (l)-[:INVOLVES {role: 'recruit'}]->(p1)
CREATE (l)-[:INVOLVES {role: 'recruit'}]->(p4)
CREATE (l)-[:INVOLVES {role: 'recruit'}]->(p3)
CREATE (l)-[:INVOLVES {role: 'hospital'}]->(hj)
"""
# A Jinan lead whose evidence lines name Qingdao's settlements, box and person as the
# detectors write them (P003 and SETL-3, SETL-6, SETL-7 and the Qingdao box are Qingdao's
# alone; P004 is a party of the Jinan treatment SETL-5).
EVIDENCE = [
    "settlement:SETL-1 wave 1 P001 at H370100000001 admitted 2025-01-06 09:00 discharged "
    "2025-01-08 dx J18 dr D370102000001",
    "settlement:SETL-5 wave 1 P004 at H370100000001 admitted 2025-02-10 09:00 discharged "
    "2025-02-11 dx J45 dr D370102000001",
    "settlement:SETL-6 wave 2 P004 at H370200000001 admitted 2025-02-12 09:00 discharged "
    "2025-02-14 dx F32 dr D370202000001",
    "settlement:SETL-3 wave 2 P003 at H370200000001",
    "link:P001 phone 13812345678 on records of P002, P003",
    "pattern:P003 drug XHV001 (高值药甲) 9 boxes = 270 days of supply in 60 days, ratio 4.5",
    f"box:{QD_BOX} sale:E5 (2025-01-20 to P003, setl SETL-3) -> resale:E8 (2025-02-01 by "
    "H370200000001 to P003, setl SETL-8)",
    f"box:{JN_BOX} sale:E2 (2025-01-06 to P001, setl SETL-1) -> resale:E7 (2025-03-02 by "
    "H370200000001 to P003, setl SETL-7)",
]
# what a Jinan reader gets of them
EVIDENCE_JN = [
    EVIDENCE[0],
    EVIDENCE[1],
    "link:P001 phone 13812345678 on records of P002, ***",
    f"box:{JN_BOX} sale:E2 (2025-01-06 to P001, setl SETL-1) -> resale:E7 (2025-03-02 by "
    "H370200000001 to ***, setl ***)",
]
EVIDENCE_LEAD = """
MATCH (hj:Institution {fixmedins_code: 'H370100000001'}), (p1:Person {psn_no: 'P001'})
CREATE (l:Lead {lead_id: 'LD-JN-4', typology: 'inpatient_recruitment', score: 0.6,
        amount_at_risk: 3500.0, status: 'new', region: '370102', regions: ['370102', '370202'],
        reasons_json: '[]', evidence: $evidence, member_count: 2, active: true,
        detected_at: datetime('2025-03-01T00:00:00Z'), first_seen: date('2025-01-06'),
        last_seen: date('2025-02-14'), run_id: 'seed'})
CREATE (l)-[:INVOLVES {role: 'recruited_patient'}]->(p1)
CREATE (l)-[:INVOLVES {role: 'institution'}]->(hj)
"""
EVIDENCE_SECRETS = ("SETL-3", "SETL-6", "SETL-7", "SETL-8", "P003", "F32", QD_BOX)
# what the Qingdao-only side holds: none of it may reach a Jinan user
QD_SECRETS = ("370202198804045555", "13900000004", "青岛市崂山区", "F32", "SETL-6", "FL-6")
P003_SECRETS = ("370202197003035678", "13987654321", "王五", "P003")


@pytest.fixture(scope="module")
def world(gw: Gateway) -> Gateway:
    api_world.seed(gw)
    gw.run_write_text(CROSS)
    gw.run_write_text(EVIDENCE_LEAD, {"evidence": EVIDENCE})
    return gw


@pytest.fixture(scope="module")
def api(api_factory: Callable[..., Api]) -> Api:
    return api_factory()


def _leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [s for s in secrets if s in text]


def test_lead_members_of_other_regions_are_parties_or_left_out(api: Api) -> None:
    r = api.get("inv_jn", "/leads/LD-JN-3")
    assert r.status_code == 200, r.text
    lead = r.json()
    members = {m["id"]: m for m in lead["members"]}
    # P001 (Jinan) whole; P004 (Qingdao, treated in Jinan) as a party; P003 left out
    assert members["P001"]["properties"]["certno"] == "370102199001011234"
    assert "P003" not in members
    party = members["P004"]["properties"]
    assert party == {"psn_no": "P004", "psn_name": "赵六", "insu_admdvs": "370202", "party": True}
    assert lead["member_count"] == 4  # the lead still says how many it names
    assert not _leaks(r.text, QD_SECRETS[:3] + P003_SECRETS), r.text
    # a national supervisor sees every member whole
    full = api.get("admin_all", "/leads/LD-JN-3").json()
    assert {m["id"] for m in full["members"]} == {"P001", "P004", "P003", "H370100000001"}
    p4 = next(m for m in full["members"] if m["id"] == "P004")
    assert p4["properties"]["certno"] == "370202198804045555"


def test_member_filter_finds_no_lead_through_a_hidden_member(api: Api) -> None:
    ids = {x["lead_id"] for x in api.get("inv_jn", "/leads?member_id=P003").json()["data"]}
    assert ids == set()
    ids = {x["lead_id"] for x in api.get("inv_jn", "/leads?member_id=P004").json()["data"]}
    assert ids == {"LD-JN-3"}  # a party of a Jinan treatment
    ids = {x["lead_id"] for x in api.get("admin_all", "/leads?member_id=P003").json()["data"]}
    assert ids == {"LD-QD-1", "LD-JN-3"}


def test_neighbourhood_of_a_box_does_not_reach_other_regions_persons(api: Api) -> None:
    # box -> drug -> fee lines -> settlements -> persons: only the Jinan side comes back
    r = api.get(
        "inv_jn",
        f"/entities/trace_code/{JN_BOX}/neighbourhood",
        params={"hops": 3, "max_nodes": 500, "per_node": 100},
    )
    assert r.status_code == 200, r.text
    ids = {n["id"] for n in r.json()["nodes"]}
    assert "fee_line:FL-5" in ids  # treated at the Jinan hospital: Jinan supervises it
    assert not _leaks(r.text, QD_SECRETS + P003_SECRETS), _leaks(r.text, QD_SECRETS + P003_SECRETS)
    assert "settlement:SETL-3" not in ids and "fee_line:FL-6" not in ids
    # the national view reaches them (the test looks where a leak would be)
    full = api.get(
        "admin_all",
        f"/entities/trace_code/{JN_BOX}/neighbourhood",
        params={"hops": 3, "max_nodes": 500, "per_node": 100},
    ).text
    assert "FL-6" in full and "P003" in full


def test_a_party_of_a_treatment_is_a_stub_and_is_not_expanded(api: Api) -> None:
    r = api.get(
        "inv_jn",
        "/entities/institution/H370100000001/neighbourhood",
        params={"hops": 3, "max_nodes": 500, "per_node": 100},
    )
    assert r.status_code == 200, r.text
    nodes = {n["id"]: n for n in r.json()["nodes"]}
    assert nodes["settlement:SETL-5"]["properties"]["dise_codg"] == "J45"
    assert nodes["person:P004"]["properties"] == {
        "psn_no": "P004",
        "psn_name": "赵六",
        "insu_admdvs": "370202",
        "party": True,
    }
    # P004's own phone and Qingdao treatment stay out of a Jinan view
    assert not _leaks(r.text, QD_SECRETS), _leaks(r.text, QD_SECRETS)


def test_box_history_names_only_parties_the_region_may_see(api: Api) -> None:
    r = api.get("inv_jn", f"/entities/trace_code/{JN_BOX}/history")
    assert r.status_code == 200, r.text
    ev = {e["event_id"]: e for e in r.json()["events"]}
    # the Jinan pharmacy's transfer to the Qingdao hospital: both sides of a Jinan movement
    assert (ev["E6"]["from_code"], ev["E6"]["to_code"]) == ("P370100000002", "H370200000001")
    # the Qingdao hospital's sale to a Qingdao person: kinds only
    e7 = ev["E7"]
    assert (e7["from_kind"], e7["to_kind"]) == ("institution", "person")
    assert e7["from_code"] is None and e7["to_code"] is None and e7["setl_id"] is None
    assert e7["from_name"] is None
    assert not _leaks(r.text, (*P003_SECRETS, "SETL-7"))
    rows = api.store.query_audit(region_prefix="", username="inv_jn", route=None)[1]
    assert not [x for x in rows if "person:P003" in json.dumps(x["entity_ids"])]
    full = api.get("admin_all", f"/entities/trace_code/{JN_BOX}/history").json()
    e7 = next(e for e in full["events"] if e["event_id"] == "E7")
    assert (e7["to_code"], e7["setl_id"]) == ("P003", "SETL-7")


def test_paths_search_no_further_than_max_hops(api: Api, world: Gateway) -> None:
    svc = api.client.app.state.service  # type: ignore[attr-defined]
    a = svc.read("api_entity_get", {"kind": "person", "id": "P001", "region": "3701"})[0]
    b = svc.read("api_entity_get", {"kind": "person", "id": "P002", "region": "3701"})[0]
    base = {"a": a["eid"], "b": b["eid"], "region": "3701", "max_paths": 5}
    # P001 and P002 share a phone: two hops apart
    assert svc.read("api_paths", {**base, "max_hops": 1}) == []
    two = svc.read("api_paths", {**base, "max_hops": 2})
    assert two and all(len(p["rels"]) == 2 for p in two)
    r = api.get(
        "inv_jn",
        "/entities/person/P001/paths",
        params={"to_kind": "person", "to_id": "P002", "max_hops": 1},
    )
    assert r.status_code == 200 and r.json()["paths"] == []


@pytest.mark.parametrize("user", ["sup_qd", "sup_sd"])
@pytest.mark.parametrize(
    "body",
    [{"kind": "detect"}, {"kind": "ingest", "drop": "no-such-drop"}],
    ids=["detect", "ingest"],
)
def test_a_regional_supervisor_starts_no_national_job(
    api: Api, user: str, body: dict[str, Any]
) -> None:
    r = api.post(user, "/jobs", json=body)
    assert r.status_code == 403, r.text
    assert api.client.app.state.service.store.list_jobs("", 0, 10)[0] == 0  # type: ignore[attr-defined]
    # the national admin gets past the region (here: the drop does not exist)
    if body["kind"] == "ingest":
        assert api.post("admin_all", "/jobs", json=body).status_code == 422


def test_referral_evidence_is_read_under_the_callers_region(world: Gateway) -> None:
    raw = gather(world, "LD-JN-3", "3701")
    members = {m["id"]: m for m in raw.members}
    assert "P003" not in members
    assert members["P004"]["props"] == {
        "psn_no": "P004",
        "psn_name": "赵六",
        "insu_admdvs": "370202",
        "party": True,
    }
    # the evidence names SETL-6 (Qingdao, a Qingdao person): not read for Jinan
    assert [s.setl_id for s in raw.settlements] == ["SETL-5"]
    assert all(ln.setl_id != "SETL-6" for ln in raw.lines)
    full = gather(world, "LD-JN-3", "")
    assert {s.setl_id for s in full.settlements} == {"SETL-5", "SETL-6"}
    assert {m["id"] for m in full.members} >= {"P003", "P004"}


def test_referral_box_movements_name_only_visible_parties(world: Gateway) -> None:
    rows = world.read("referral_box_events", {"codes": [JN_BOX], "region": "3701"})
    by = {r["event_id"]: r for r in rows}
    assert by["E7"]["to_code"] is None and by["E7"]["setl_id"] is None
    assert by["E6"]["to_code"] == "H370200000001"
    assert world.read("referral_box_events", {"codes": [JN_BOX], "region": "3702"}) != []
    qd = {
        r["event_id"]: r
        for r in world.read("referral_box_events", {"codes": [JN_BOX], "region": "3702"})
    }
    # Qingdao sees its own sale whole and the Jinan sales to Jinan persons by kind only
    assert qd["E7"]["to_code"] == "P003"
    assert qd["E2"]["to_code"] is None and qd["E2"]["from_code"] is None


@pytest.mark.parametrize("user", ["inv_jn", "ana_jn"])
def test_lead_evidence_names_nothing_of_other_regions(api: Api, user: str) -> None:
    r = api.get(user, "/leads/LD-JN-4")
    assert r.status_code == 200, r.text
    lead = r.json()
    # lines about Qingdao's settlements, box or person are withheld, and say so; other
    # Qingdao persons and settlements in a kept line are replaced
    assert lead["evidence_withheld"] == 4
    if user == "inv_jn":  # the full view (the analyst's masks the phone as well)
        assert lead["evidence"] == EVIDENCE_JN
    else:
        assert len(lead["evidence"]) == len(EVIDENCE_JN)
    # the same on the lead's node of the subgraph, and nowhere else in the answer
    node = next(n for n in lead["subgraph"]["nodes"] if n["id"] == "lead:LD-JN-4")
    assert node["properties"]["evidence"] == lead["evidence"]
    assert not _leaks(r.text, EVIDENCE_SECRETS), _leaks(r.text, EVIDENCE_SECRETS)
    # the national view has every line (the test looks where a leak would be)
    full = api.get("admin_all", "/leads/LD-JN-4").json()
    assert full["evidence"] == EVIDENCE and full["evidence_withheld"] == 0


def test_referral_evidence_lines_are_those_the_region_sees(world: Gateway) -> None:
    raw = gather(world, "LD-JN-4", "3701")
    assert raw.lead["evidence"] == EVIDENCE_JN
    assert not _leaks(json.dumps(raw.lead, default=str, ensure_ascii=False), EVIDENCE_SECRETS)
    assert {"SETL-1", "SETL-5"} <= {s.setl_id for s in raw.settlements}
    assert not {"SETL-3", "SETL-6"} & {s.setl_id for s in raw.settlements}
    assert gather(world, "LD-JN-4", "").lead["evidence"] == EVIDENCE


def test_audit_rows_name_no_lead_of_another_region(api_factory: Callable[..., Api]) -> None:
    """A Qingdao counter checks P001, a member of Jinan's open leads: the hit is recorded
    for Jinan's investigators, and Qingdao's supervisor and auditor, who read the
    counter's rows, never learn which leads (nor that there are any)."""
    a = api_factory()
    h = hash_password(PASSWORD)
    a.store.add_user("inst_qd", "institution", "3702", h, institutions=["H370200000001"])
    a.store.add_user("aud_qd", "auditor", "3702", h)
    body = {
        "psn_no": "P001",
        "fixmedins_code": "H370200000001",
        "setl_time": "2025-03-10T10:00:00",
        "lines": [{"med_list_codg": "XHV001", "cnt": 1}],
    }
    r = a.post("inst_qd", "/check/settlement", json=body)
    assert r.status_code == 200, r.text
    assert "manual_review" in {w["code"] for w in r.json()["warnings"]}
    hits = a.get("inv_jn", "/check/hits", params={"lead_id": "LD-JN-1"}).json()
    assert [x["username"] for x in hits["data"]] == ["inst_qd"]
    for reader in ("sup_qd", "aud_qd"):
        rows = a.get(reader, "/audit", params={"username": "inst_qd"}).json()
        checks = [x for x in rows["data"] if x["route"] == "/check/settlement"]
        assert len(checks) == 1, rows
        assert checks[0]["entity_ids"] == ["person:P001", "institution:H370200000001"]
        export = a.get(reader, "/audit/export", params={"format": "json", "username": "inst_qd"})
        assert export.status_code == 200 and "lead:" not in export.text, export.text
        csv_ = a.get(reader, "/audit/export", params={"format": "csv", "username": "inst_qd"})
        assert "LD-JN" not in csv_.text
        # a search by the lead finds nothing, not even how many rows name it
        found = a.get(reader, "/audit", params={"entity_id": "lead:LD-JN-1"}).json()
        assert found == {"data": [], "count": 0}
    # the region that owns the lead (here Shandong's supervisor) reads the names
    rows = a.get("sup_sd", "/audit", params={"entity_id": "lead:LD-JN-1"}).json()
    assert [x["username"] for x in rows["data"] if x["route"] == "/check/settlement"] == ["inst_qd"]
    assert "lead:LD-JN-1" in rows["data"][0]["entity_ids"]


def test_check_hits_name_no_person_the_region_may_not_see(api_factory: Callable[..., Api]) -> None:
    """P003 (Qingdao, never treated in Jinan) is a member of Jinan's LD-JN-3 that a Jinan
    reader does not see: a Qingdao counter's check of P003 never shows P003 to Jinan's
    investigators through the lead's hits."""
    a = api_factory()
    h = hash_password(PASSWORD)
    a.store.add_user("inst_qd", "institution", "3702", h, institutions=["H370200000001"])
    body = {"psn_no": "P003", "fixmedins_code": "H370200000001", "setl_time": "2025-03-10T10:00"}
    assert a.post("inst_qd", "/check/settlement", json=body).status_code == 200
    r = a.get("inv_jn", "/check/hits", params={"lead_id": "LD-JN-3"})
    assert r.status_code == 200, r.text
    assert "P003" not in r.text
    full = a.get("admin_all", "/check/hits", params={"lead_id": "LD-JN-3"}).json()["data"]
    assert [x["psn_no"] for x in full] == ["P003"]  # the test looks where a leak would be
