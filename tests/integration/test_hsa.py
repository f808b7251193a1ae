"""POST /hsa/{3101,3102,3103,3505}: messages shaped as an HIS sends them
(tests/data/hsa/*.json) answered in the platform's result shape with the check's
warnings, feedback recorded and listed, errors in the envelope, institutions confined
to their own codes, and nothing about investigations in any answer."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraudrings.api.hsa.rules import library
from fraudrings.graph import schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.ingest.loader import Loader
from tests.integration import api_world
from tests.integration import world as hand
from tests.integration.api_world import Api

api_factory = api_world.api_factory
pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "hsa"
INSTITUTIONS = {
    "his_h1": ["H37010000001"],
    "his_h11": ["H37010000011"],
    "pos_p11": ["P37010000011"],
    "pos_p12": ["P37010000012"],
}
# a Qingdao counter (its account's region 3702)
QD_INSTITUTIONS = {"pos_qd": ["P37020000011"]}
ANSWERS: list[str] = []  # every answer body of this module, scanned for leads at the end


def msg(name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def world(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> Gateway:
    """Both hand-built drops loaded and the detectors run (K1 is in an open lead)."""
    schema.empty(gw)
    tmp: Path = tmp_path_factory.mktemp("hsa")
    for name, build in (("core", hand.build), ("models", hand.build_models)):
        drop = build(tmp / name)
        Loader(gw, batch_size=500, quarantine_root=tmp / "q", progress=False).load(drop)
    run_all(gw)
    return gw


@pytest.fixture(scope="module", params=[(True, True), (False, False)], ids=["lane", "route"])
def api(
    request: pytest.FixtureRequest,
    api_factory: Callable[..., Api],
    tmp_path_factory: pytest.TempPathFactory,
) -> Api:
    """Through the lane with the check's read model, and through the routes asking Neo4j."""
    lane, facts = request.param
    a = api_factory(
        api_check_lane=lane,
        api_check_timeout_s=30,
        api_check_facts=facts,
        api_check_facts_path=tmp_path_factory.mktemp("facts") / "facts.sqlite",
    )
    if facts:
        keeper = a.client.app.state.service.facts  # type: ignore[attr-defined]
        assert keeper.wait_ready(120), keeper.describe()
    h = a.store.get_user("admin_all").password_hash  # type: ignore[union-attr]
    for name, codes in INSTITUTIONS.items():
        a.store.add_user(name, "institution", "3701", h, institutions=codes)
    for name, codes in QD_INSTITUTIONS.items():
        a.store.add_user(name, "institution", "3702", h, institutions=codes)
    return a


def send(api: Api, user: str, body: Any, infno: str | None = None, status: int = 200) -> Any:
    infno = infno or str(body["infno"])
    r = api.client.post(f"/hsa/{infno}", json=body, headers=api.h(user))
    assert r.status_code == status, r.text
    ANSWERS.append(r.text)
    out = r.json()
    assert set(out) == {
        "infcode",
        "inf_refmsgid",
        "refmsg_time",
        "respond_time",
        "err_msg",
        "warn_msg",
        "output",
    }
    return out


def ok(api: Api, user: str, body: Any) -> list[dict[str, Any]]:
    out = send(api, user, body)
    assert out["infcode"] == 0 and out["err_msg"] is None, out
    result: list[dict[str, Any]] = out["output"]["result"]
    return result


RESULT_KEYS = {
    "jr_id",
    "rule_id",
    "rule_name",
    "vola_cont",
    "patn_id",
    "mdtrt_id",
    "vola_amt",
    "vola_amt_stas",
    "sev_deg",
    "vola_evid",
    "vola_bhvr_type",
    "task_id",
    "judge_result_detail_dtos",
}


def by_rule(result: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for r in result:
        assert set(r) == RESULT_KEYS, r
    return {r["rule_id"]: r for r in result}


def test_3101_at_order_entry(api: Api) -> None:
    res = by_rule(ok(api, "his_h1", msg("3101_order_entry.json")))
    assert sorted(res) == ["FR1002", "FR1004"]  # open-lead member; XHV still in supply
    supply = res["FR1004"]
    assert supply["patn_id"] == "K1" and supply["mdtrt_id"] == "MD-K1-20251011"
    assert supply["task_id"] == "T20251011100000001"
    assert "XHV" in supply["vola_cont"] and "25 天" in supply["vola_cont"]
    assert supply["vola_amt"] == 3000.0 and supply["vola_amt_stas"] == "1"
    assert supply["sev_deg"] == "2" and supply["vola_bhvr_type"] == "1"
    assert "2025-10-06 10:00" in supply["vola_evid"]
    # the violating item is the current order, not the history line of the same drug
    assert [
        (d["rx_id"], d["vola_item_type"], d["vola_amt"]) for d in supply["judge_result_detail_dtos"]
    ] == [("RX-1", 1, 3000.0)]
    review = res["FR1002"]
    assert review["vola_cont"] == library().by_check("manual_review").template
    assert review["vola_amt"] == 0 and review["vola_evid"] == ""
    assert review["judge_result_detail_dtos"] == []


def test_3102_with_dto_lists_beside_data(api: Api) -> None:
    res = by_rule(ok(api, "his_h11", msg("3102_settlement_lists_beside_data.json")))
    assert sorted(res) == ["FR1002", "FR1005"]  # T1 is in an open lead too
    travel = res["FR1005"]
    assert "P37020000011" in travel["vola_cont"] and "公里" in travel["vola_cont"]
    assert travel["vola_amt"] == 260.5 and travel["task_id"] == "7"
    assert {(d["rx_id"], d["vola_item_type"]) for d in travel["judge_result_detail_dtos"]} == {
        ("11", 2),
        ("12", 2),
    }
    # during settlement only the rules of that stage; 3101 at the same time gives it too
    before = msg("3102_settlement_lists_beside_data.json") | {"infno": "3101"}
    assert sorted(by_rule(ok(api, "his_h11", before))) == ["FR1002", "FR1005"]


def test_his_patient_id_with_a_psn_no_field_and_rule_ids_as_an_object(api: Api) -> None:
    res = by_rule(ok(api, "pos_p11", msg("3102_his_id_with_psn_no.json")))
    assert sorted(res) == ["FR1003"]
    dead = res["FR1003"]
    assert dead["patn_id"] == "HIS-0000123" and "2025-05-10" in dead["vola_cont"]
    assert dead["vola_amt"] == 88.0 and dead["sev_deg"] == "1"


def test_his_patient_id_alone_is_answered_without_warnings_and_a_note(api: Api) -> None:
    out = send(api, "his_h1", msg("3101_his_patient_id.json"))
    assert out["infcode"] == 0 and out["output"]["result"] == []
    assert "HIS-7788" in out["warn_msg"] and "psn_no" in out["warn_msg"]


def test_3505_warns_on_a_resold_box_before_the_sale(api: Api) -> None:
    res = ok(api, "pos_p12", msg("3505_resold_box.json"))
    assert [r["rule_id"] for r in res] == ["FR1001"]
    box = res[0]
    assert "81000000000000000002" in box["vola_cont"] and "回流" in box["vola_cont"]
    assert "P37010000002" in box["vola_evid"]  # the seller of the last sale
    assert box["vola_amt"] == 1000.0 and box["sev_deg"] == "1"
    assert box["judge_result_detail_dtos"][0]["rx_id"] == "81000000000000000002"
    # codes as a list of strings beside selinfo, the fresh box alone: nothing
    fresh = msg("3505_resold_box.json")
    del fresh["input"]["selinfo"]["drugtracinfo"]
    fresh["input"]["drugtracinfo"] = {"drug_trac_codg": ["81999999999999999998"]}
    assert ok(api, "pos_p12", fresh) == []


def test_3103_feedback_is_recorded_and_listed_for_the_region(api: Api) -> None:
    issued = ok(api, "his_h1", msg("3101_order_entry.json"))
    jr = {r["rule_id"]: r["jr_id"] for r in issued}
    fb = msg("3103_feedback.json")
    fb["input"]["data"]["warns"][0]["warn_rslt_id"] = jr["FR1004"]
    fb["input"]["data"]["warns"][1]["warn_rslt_id"] = jr["FR1002"]
    out = send(api, "his_h1", fb)
    assert out["infcode"] == 0, out
    listed = api.get("inv_jn", "/hsa/feedback", params={"fixmedins_code": "H37010000001"})
    assert listed.status_code == 200, listed.text
    rows = {r["jr_id"]: r for r in listed.json()["data"]}
    cont = rows[jr["FR1004"]]
    assert cont["dspo_way"] == 1 and cont["dspo_way_rea"] == "患者出差,需提前备药"
    assert cont["rule_id"] == "FR1004" and cont["psn_no"] == "K1"
    assert cont["username"] == "his_h1" and cont["warn_type"] == 1 and cont["infno"] == "3101"
    assert rows[jr["FR1002"]]["dspo_way"] == 2
    continued = api.get("inv_jn", "/hsa/feedback", params={"dspo_way": 1}).json()["data"]
    assert jr["FR1004"] in {r["jr_id"] for r in continued}
    assert jr["FR1002"] not in {r["jr_id"] for r in continued}
    # another region's investigators see none of it; analysts and counters may not look
    assert jr["FR1004"] not in api.get("inv_qd", "/hsa/feedback").text
    assert api.get("ana_jn", "/hsa/feedback").status_code == 403
    assert api.get("his_h1", "/hsa/feedback").status_code == 403
    # a warning never issued, or issued to another institution: refused, nothing stored
    for user, rid in (("his_h1", "0" * 32), ("pos_p12", jr["FR1004"])):
        bad = copy.deepcopy(fb)
        bad["fixmedins_code"] = INSTITUTIONS[user][0]
        bad["input"]["data"]["warns"] = [{"warn_rslt_id": rid, "dspo_way": 1}]
        out = send(api, user, bad)
        assert out["infcode"] == -1 and "warn_rslt_id" in out["err_msg"]
    total = api.get("inv_jn", "/hsa/feedback").json()["count"]
    assert total == len(api.get("inv_jn", "/hsa/feedback", params={"limit": 200}).json()["data"])


BROKEN: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("no patients", lambda b: b["input"]["data"].pop("patient_dtos"), "patient_dtos"),
    ("no trig_scen", lambda b: b["input"]["data"].pop("trig_scen"), "trig_scen"),
    ("trig_scen 11", lambda b: b["input"]["data"].update(trig_scen="11"), "trig_scen"),
    ("no msgid", lambda b: b.pop("msgid"), "msgid"),
    ("no inf_time", lambda b: b.pop("inf_time"), "inf_time"),
    ("encrypted input", lambda b: b.update(input="9f3ac1e0b2d4" * 8), "SM4"),
    (
        "no patn_id",
        lambda b: b["input"]["data"]["patient_dtos"][0].pop("patn_id"),
        "patient_dtos[0].patn_id",
    ),
    (
        "no mdtrt_id",
        lambda b: b["input"]["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0].pop("mdtrt_id"),
        "fsi_encounter_dtos[0].mdtrt_id",
    ),
    (
        "cnt not a number",
        lambda b: b["input"]["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0]["fsi_order_dtos"][
            0
        ].update(cnt="three"),
        "fsi_order_dtos[0].cnt",
    ),
    (
        "no hilist_code",
        lambda b: b["input"]["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0]["fsi_order_dtos"][
            0
        ].pop("hilist_code"),
        "hilist_code",
    ),
    ("infno not the address's", lambda b: b.update(infno="3102"), "infno"),
]


def test_errors_are_answered_in_the_envelope(api: Api) -> None:
    for what, change, named in BROKEN:
        body = msg("3101_order_entry.json")
        change(body)
        out = send(api, "his_h1", body, infno="3101")
        assert out["infcode"] == -1, what
        assert named in out["err_msg"], (what, out["err_msg"])
        assert out["output"] == {}, what
    r = api.client.post(
        "/hsa/3101",
        content=b"{not json",
        headers={**api.h("his_h1"), "content-type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["infcode"] == -1
    other = send(api, "his_h1", msg("3101_order_entry.json"), infno="9001")
    assert other["infcode"] == -1 and "9001" in other["err_msg"]
    fb = msg("3103_feedback.json")
    fb["input"]["data"]["warns"][0]["dspo_way"] = "3"
    assert "dspo_way" in send(api, "his_h1", fb)["err_msg"]
    # no token: the API's 401, as for every call
    assert api.client.post("/hsa/3101", json=msg("3101_order_entry.json")).status_code == 401


def test_an_institution_asks_only_about_its_own_encounters(api: Api) -> None:
    body = msg("3101_order_entry.json")
    out = send(api, "pos_p12", body, status=403)  # the envelope names another institution
    assert out["infcode"] == -1 and "K1" not in json.dumps(out) and out["output"] == {}
    # its own code in the envelope, another's encounter inside
    body["fixmedins_code"] = "P37010000012"
    out = send(api, "pos_p12", body, status=403)
    assert out["infcode"] == -1 and "K1" not in json.dumps(out)
    # a pharmacy's 3505 for another pharmacy
    sale = msg("3505_resold_box.json") | {"fixmedins_code": "P37010000011"}
    assert send(api, "pos_p12", sale, status=403)["infcode"] == -1
    # staff accounts may ask about any institution, as with the check
    assert ok(api, "inv_jn", msg("3505_resold_box.json"))


def test_the_rule_library_is_listed(api: Api) -> None:
    r = api.client.get("/hsa/rules", headers=api.h("his_h1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["rule_id"] for x in body["data"]] == [
        "FR1001",
        "FR1002",
        "FR1003",
        "FR1004",
        "FR1005",
    ]
    assert all(x["basis"] and x["template"] and x["stages"] for x in body["data"])
    assert set(body["dictionaries"]) == {"sev_deg", "vola_bhvr_type", "vola_amt_stas"}


def test_a_message_is_audited_with_its_route(api: Api) -> None:
    ok(api, "his_h11", msg("3102_settlement_lists_beside_data.json"))
    rows = api.store.query_audit(region_prefix="", username="his_h11", route="/hsa/3102")[1]
    assert rows and rows[0]["status"] == 200
    assert "person:T1" in rows[0]["entity_ids"]


def _open_leads(api: Api) -> list[str]:
    svc = api.client.app.state.service  # type: ignore[attr-defined]
    rows = svc.gw.run_read_text(
        "MATCH (l:Lead) WHERE l.active RETURN l.lead_id AS id, l.typology AS t", {}
    )
    return sorted({r["id"] for r in rows} | {r["t"] for r in rows})


def test_nothing_about_investigations_in_any_answer(api: Api) -> None:
    words = _open_leads(api)
    assert words and len(ANSWERS) > 20
    for text in ANSWERS:
        low = text.lower()
        for w in (*words, "lead", "线索", "typology", "in_review", "调查"):
            assert w.lower() not in low, (w, text[:300])


# -- hits and the institutions' answers, as investigators read them -----------------------
def _lead_of(api: Api, psn: str) -> str:
    svc = api.client.app.state.service  # type: ignore[attr-defined]
    rows = svc.gw.run_read_text(
        "MATCH (l:Lead)-[:INVOLVES]->(:Person {psn_no: $p}) WHERE l.active"
        " RETURN l.lead_id AS id ORDER BY id",
        {"p": psn},
    )
    assert len(rows) == 1, rows
    return str(rows[0]["id"])


def _hits(api: Api, user: str, lead: str, **headers: str) -> list[dict[str, Any]]:
    r = api.get(user, "/check/hits", params={"lead_id": lead, "limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["data"])
    out: list[dict[str, Any]] = body["data"]
    return out


def _two_patients(msgid: str) -> dict[str, Any]:
    """A 3102 of two patients at one hospital: T1 (the lead ST-...) and K1 (PB-...)."""
    body = msg("3102_settlement_lists_beside_data.json")
    body["msgid"] = msgid
    t1 = body["input"]["patient_dtos"]
    k1 = copy.deepcopy(t1) | {"patn_id": "K1", "curr_mdtrt_id": "MD-K1-X"}
    k1["fsi_encounter_dtos"][0]["mdtrt_id"] = "MD-K1-X"
    body["input"]["patient_dtos"] = [t1, k1]
    return body


def test_hits_of_the_national_interface_are_listed_with_the_checks(api: Api) -> None:
    k1, t1 = _lead_of(api, "K1"), _lead_of(api, "T1")
    body = msg("3101_order_entry.json") | {"msgid": "HITS-3101"}
    assert "FR1002" in by_rule(ok(api, "his_h1", body))
    # two patients in one message: each hit names its own person and lead
    ok(api, "his_h11", _two_patients("HITS-3102"))
    sale = msg("3505_resold_box.json")
    sale["input"]["selinfo"]["psn_no"] = "K1"
    ok(api, "pos_p12", sale)  # a pharmacy's sale to K1 (its answer: the box only)
    hits = _hits(api, "inv_jn", k1)
    seen = {(h["route"], h["psn_no"], h["fixmedins_code"], h["username"]) for h in hits}
    assert {
        ("/hsa/3101", "K1", "H37010000001", "his_h1"),
        ("/hsa/3102", "K1", "H37010000011", "his_h11"),
        ("/hsa/3505", "K1", "P37010000012", "pos_p12"),
    } <= seen
    assert {h["psn_no"] for h in hits} == {"K1"}
    assert {h["psn_no"] for h in _hits(api, "inv_jn", t1)} == {"T1"}
    # the plain check's hits are listed beside them, as before
    check = {"psn_no": "K1", "fixmedins_code": "H37010000001", "setl_time": "2025-06-01T09:00:00"}
    assert api.post("his_h1", "/check/settlement", json=check).status_code == 200
    routes = {h["route"] for h in _hits(api, "inv_jn", k1) if h["username"] == "his_h1"}
    assert routes == {"/hsa/3101", "/check/settlement"}
    # the counter was told nothing: the answers carry no lead id
    assert k1 not in json.dumps(ANSWERS) and t1 not in json.dumps(ANSWERS)


def test_hits_are_listed_to_the_counters_or_the_persons_region_with_a_purpose(api: Api) -> None:
    # CP-... is a Jinan lead whose members are insured in Qingdao (parties in Jinan)
    lead = _lead_of(api, "L1")
    at_qd = msg("3505_resold_box.json") | {"fixmedins_code": "P37020000011", "msgid": "QD-1"}
    at_qd["input"]["selinfo"]["psn_no"] = "L1"
    ok(api, "pos_qd", at_qd)  # a Qingdao counter: a Qingdao matter
    at_jn = {"psn_no": "L1", "fixmedins_code": "H37010000001", "setl_time": "2025-06-01T09:00:00"}
    assert api.post("his_h1", "/check/settlement", json=at_jn).status_code == 200
    jinan = {(h["username"], h["route"]) for h in _hits(api, "inv_jn", lead)}
    assert ("his_h1", "/check/settlement") in jinan
    assert not any(u == "pos_qd" for u, _ in jinan)
    national = {(h["username"], h["route"]) for h in _hits(api, "admin_all", lead)}
    assert ("pos_qd", "/hsa/3505") in national and ("his_h1", "/check/settlement") in national
    # the lead is Jinan's: Qingdao's investigators get the missing lead's 404
    assert api.get("inv_qd", "/check/hits", params={"lead_id": lead}).status_code == 404
    # where and when a person was: a stated purpose first (the refusal names the lead)
    bare = api.client.get("/check/hits", params={"lead_id": lead}, headers=api.h("inv_jn"))
    assert bare.status_code == 428 and "L1" not in bare.text
    rows = api.store.query_audit(region_prefix="", username="inv_jn", status=428)[1]
    assert f"lead:{lead}" in rows[0]["entity_ids"]


def test_feedback_is_masked_and_answers_to_manual_reviews_follow_their_leads(api: Api) -> None:
    # a Jinan hospital warns R1 (insured in Jinan) of a manual review: R1 is in a lead
    # of Qingdao's, which Jinan's investigators may not see
    r1 = msg("3101_order_entry.json") | {"msgid": "FB-R1"}
    patient = r1["input"]["data"]["patient_dtos"][0]
    patient |= {"patn_id": "R1", "curr_mdtrt_id": "MD-R1-1"}
    patient["fsi_encounter_dtos"][0]["mdtrt_id"] = "MD-R1-1"
    review = by_rule(ok(api, "his_h1", r1))["FR1002"]["jr_id"]
    # a pharmacy answers a warning about D2, sent under the HIS's own patient id
    dead = by_rule(ok(api, "pos_p11", msg("3102_his_id_with_psn_no.json")))["FR1003"]["jr_id"]
    for user, jr, rea in (
        ("his_h1", review, ""),
        ("pos_p11", dead, "家属代购,电话13812345678,身份证370102194002021234"),
    ):
        fb = msg("3103_feedback.json") | {"fixmedins_code": INSTITUTIONS[user][0]}
        fb["input"]["data"]["warns"] = [{"warn_rslt_id": jr, "dspo_way": 1, "dspo_way_rea": rea}]
        assert send(api, user, fb)["infcode"] == 0

    def rows(user: str, **headers: str) -> dict[str, dict[str, Any]]:
        r = api.get(user, "/hsa/feedback", params={"limit": 200}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["count"] == len(r.json()["data"])
        return {x["jr_id"]: x for x in r.json()["data"]}

    masked = rows("inv_jn")  # the fixtures' purpose names no lead of this world
    assert review not in masked  # it would say that R1 is in an open lead
    assert review in rows("admin_all")
    assert review not in rows("inv_qd")  # neither Qingdao's counter nor its insured
    d = masked[dead]
    assert d["psn_no"] == "D2" and d["patn_id"] == "***"
    assert "13812345678" not in json.dumps(d) and "138****5678" in d["dspo_way_rea"]
    assert "370102194002021234" not in json.dumps(d)
    # a purpose naming a lead of Jinan's: the whole view
    whole = rows("inv_jn", **{"X-Purpose": f"lead:{_lead_of(api, 'K1')}"})[dead]
    assert whole["patn_id"] == "HIS-0000123" and "13812345678" in whole["dspo_way_rea"]
    bare = api.client.get("/hsa/feedback", headers=api.h("inv_jn"))
    assert bare.status_code == 428 and "D2" not in bare.text
