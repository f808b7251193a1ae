"""The lead-query API on the real server: leads, entities, paths, boxes, accounts,
region scope, masking, audit, limits, errors."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import bump_generation
from tests.integration import api_world
from tests.integration.api_world import JN_BOX, QD_BOX, SECRET, Api, login_form

# the shared fixtures (module attributes, so pytest registers them here)
api = api_world.api
api_factory = api_world.api_factory
world = api_world.world

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def ids(resp: object) -> list[str]:
    return [x["lead_id"] for x in resp.json()["data"]]  # type: ignore[attr-defined]


# -- docs and health --------------------------------------------------------------------
def test_docs_are_served_without_any_external_url(api: Api) -> None:
    r = api.client.get("/docs")
    assert r.status_code == 200
    assert re.findall(r"https?://", r.text) == []
    for src in re.findall(r'(?:src|href)="([^"]+)"', r.text):
        assert src.startswith("/"), src
        assert api.client.get(src).status_code == 200, src
    spec = api.client.get("/openapi.json").json()
    assert {"/leads", "/leads/{lead_id}", "/auth/token", "/audit", "/jobs"} <= set(spec["paths"])
    assert "OAuth2PasswordBearer" in spec["components"]["securitySchemes"]


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    r = api.client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


# -- accounts -----------------------------------------------------------------------------
def test_token_and_me(api: Api) -> None:
    r = api.client.post("/auth/token", data=login_form(api.store, "inv_jn"))
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = api.client.get("/users/me", headers={"Authorization": "Bearer " + body["access_token"]})
    assert me.json() == {**me.json(), "username": "inv_jn", "role": "investigator"}


def test_wrong_password_and_missing_token_are_problems(api: Api) -> None:
    r = api.client.post("/auth/token", data={"username": "inv_jn", "password": "nope-nope-no"})
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    r2 = api.client.post("/auth/token", data={"username": "ghost", "password": "nope-nope-no"})
    assert r2.status_code == 401 and r2.json()["detail"] == r.json()["detail"]
    r3 = api.client.get("/leads")
    assert r3.status_code == 401 and r3.headers["content-type"] == PROBLEM
    assert r3.headers["www-authenticate"] == "Bearer"


def _claims(minutes: int) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "sub": "admin_all",
        "iss": "fraudrings",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "jti": "forged-" + str(minutes),
    }


def test_expired_token_is_refused(api: Api) -> None:
    tok = jwt.encode(_claims(-1), SECRET, algorithm="HS256")
    r = api.client.get("/leads", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    # signed with the key but never issued (no session row): refused too
    minted = jwt.encode(_claims(5), SECRET, algorithm="HS256")
    r = api.client.get("/leads", headers={"Authorization": f"Bearer {minted}"})
    assert r.status_code == 401 and "not known" in r.json()["detail"]
    ok = api.token("admin_all")
    assert api.client.get("/leads", headers={"Authorization": f"Bearer {ok}"}).status_code == 200


def test_alg_none_and_foreign_keys_are_refused(api: Api) -> None:
    none_tok = jwt.encode(_claims(5), None, algorithm="none")
    r = api.client.get("/leads", headers={"Authorization": f"Bearer {none_tok}"})
    assert r.status_code == 401
    other = jwt.encode(_claims(5), "another-secret-" + "y" * 40, algorithm="HS256")
    assert api.client.get("/leads", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    hs512 = jwt.encode(_claims(5), SECRET, algorithm="HS512")
    assert api.client.get("/leads", headers={"Authorization": f"Bearer {hs512}"}).status_code == 401


def test_disabled_user_loses_access_at_once(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_auth_recheck_s=0)
    assert a.get("inv_qd", "/leads").status_code == 200
    a.store.set_active("inv_qd", False)
    assert a.get("inv_qd", "/leads").status_code == 401


def test_disabled_user_loses_access_within_the_recheck_time(
    api_factory: Callable[..., Api],
) -> None:
    # the worker keeps the database's "yes" for a token api_auth_recheck_s seconds; a
    # change made elsewhere (here: straight in the store, as the command line does)
    # applies when that runs out, never later
    a = api_factory(api_auth_recheck_s=0.6)
    assert a.get("inv_qd", "/leads").status_code == 200
    a.store.set_active("inv_qd", False)
    t0 = time.monotonic()
    while a.get("inv_qd", "/leads").status_code == 200:
        assert time.monotonic() - t0 < 0.6 + 0.5, "still admitted past the recheck time"
        time.sleep(0.05)
    assert a.get("inv_qd", "/leads").status_code == 401


def test_admin_creates_users_inside_own_region_only(api: Api) -> None:
    body = {
        "username": "new_ana",
        "role": "analyst",
        "region": "370102",
        "password": "plenty of words 12",
    }
    r = api.post("admin_all", "/users", json=body)
    assert r.status_code == 201 and r.json()["region"] == "370102"
    assert api.post("admin_all", "/users", json=body).status_code == 409
    assert api.post("sup_sd", "/users", json={**body, "username": "x2"}).status_code == 403
    users = api.get("admin_all", "/users").json()
    assert "new_ana" in [u["username"] for u in users["data"]]
    assert "password_hash" not in users["data"][0]


# -- leads: list ------------------------------------------------------------------------
def test_lead_list_is_scoped_by_region(api: Api) -> None:
    assert sorted(ids(api.get("admin_all", "/leads"))) == ["LD-JN-1", "LD-JN-2", "LD-QD-1"]
    assert sorted(ids(api.get("sup_sd", "/leads"))) == ["LD-JN-1", "LD-JN-2", "LD-QD-1"]
    assert sorted(ids(api.get("inv_jn", "/leads"))) == ["LD-JN-1", "LD-JN-2"]
    assert ids(api.get("inv_qd", "/leads")) == ["LD-QD-1"]
    # a region filter cannot widen the caller's scope
    r = api.get("inv_qd", "/leads", params={"region": "3701"})
    assert r.json() == {"data": [], "count": 0}


def test_lead_list_filters_sorting_paging(api: Api) -> None:
    def q(**p: object) -> list[str]:
        r = api.get("admin_all", "/leads", params=p)
        assert r.status_code == 200, r.text
        return ids(r)

    assert q() == ["LD-JN-1", "LD-QD-1", "LD-JN-2"]  # score, highest first
    assert q(order="asc") == ["LD-JN-2", "LD-QD-1", "LD-JN-1"]
    assert q(sort="amount_at_risk") == ["LD-QD-1", "LD-JN-2", "LD-JN-1"]
    assert q(sort="first_seen", order="asc") == ["LD-JN-1", "LD-JN-2", "LD-QD-1"]
    assert q(typology="recycled_drug") == ["LD-JN-1"]
    assert q(status="in_review") == ["LD-JN-2"]
    assert q(min_score=0.7) == ["LD-JN-1", "LD-QD-1"]
    assert q(region="370202") == ["LD-QD-1"]
    assert q(member_id="P001") == ["LD-JN-1", "LD-JN-2"]
    assert q(member_id=JN_BOX) == ["LD-JN-1"]
    assert q(assignee="inv_jn") == ["LD-JN-2"]
    assert q(date_from="2025-01-21") == ["LD-JN-1", "LD-QD-1"]
    assert q(date_to="2025-01-05") == ["LD-JN-1"]
    assert q(date_from="2025-01-14", date_to="2025-01-19") == ["LD-JN-1"]
    page = api.get("admin_all", "/leads", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 3 and [x["lead_id"] for x in page["data"]] == ["LD-QD-1", "LD-JN-2"]
    lead = api.get("admin_all", "/leads", params={"limit": 1}).json()["data"][0]
    assert lead["first_seen"] == "2025-01-02" and lead["member_count"] == 4


def test_lead_list_refuses_bad_parameters(api: Api) -> None:
    for params in ({"min_score": 2}, {"limit": 1000}, {"sort": "psn_name"}, {"region": "37x"}):
        r = api.get("admin_all", "/leads", params=params)
        assert r.status_code == 422, params
        assert r.headers["content-type"] == PROBLEM and r.json()["errors"]


# -- leads: detail ------------------------------------------------------------------------
def test_lead_detail_members_reasons_evidence_subgraph(api: Api) -> None:
    r = api.get("inv_jn", "/leads/LD-JN-1")
    assert r.status_code == 200, r.text
    lead = r.json()
    assert lead["typology"] == "recycled_drug" and lead["score"] == 0.9
    members = {(m["kind"], m["id"], m["role"]) for m in lead["members"]}
    assert members == {
        ("person", "P001", "buyer"),
        ("person", "P002", "buyer"),
        ("institution", "P370100000002", "recycler"),
        ("trace_code", JN_BOX, "resold_box"),
    }
    assert [x["factor"] for x in lead["reasons"]] == ["resales", "no_return"]
    assert lead["reasons"][0]["text"] == "同一追溯码二次销售"
    assert "box:" + JN_BOX in lead["evidence"]
    g = lead["subgraph"]
    nodes = {n["id"]: n for n in g["nodes"]}
    assert "lead:LD-JN-1" in nodes and "person:P001" in nodes
    assert nodes["person:P001"]["type"] == "Person" and nodes["person:P001"]["label"]
    edges = {(e["source"], e["type"], e["target"]) for e in g["edges"]}
    assert ("lead:LD-JN-1", "INVOLVES", "person:P002") in edges
    # the shared phone links the two buyers; the box's sales link box, pharmacy, buyers
    phone = [n for n in nodes if n.startswith("phone:")]
    assert len(phone) == 1 and "13812345678" not in phone[0]
    assert ("person:P001", "HAS_PHONE", phone[0]) in edges
    assert ("person:P002", "HAS_PHONE", phone[0]) in edges
    assert ("box_event:E3", "TO", "person:P002") in edges
    assert ("trace_code:" + JN_BOX, "HAS_EVENT", "box_event:E3") in edges
    for e in g["edges"]:
        assert e["source"] in nodes and e["target"] in nodes
    assert lead["allowed_transitions"] == ["in_review"]


# -- access: outside the region is exactly like missing -------------------------------------
@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("/leads/LD-JN-1", "/leads/LD-NOPE"),
        ("/leads/LD-JN-1/history", "/leads/LD-NOPE/history"),
        ("/entities/person/P001", "/entities/person/P999"),
        ("/entities/institution/H370100000001", "/entities/institution/H379999999999"),
        ("/entities/practitioner/D370102000001", "/entities/practitioner/D000"),
        ("/entities/supplier/91370100MA00000001", "/entities/supplier/91000000000000000X"),
        ("/entities/trace_code/" + JN_BOX, "/entities/trace_code/89999999999999999999"),
        (f"/entities/trace_code/{JN_BOX}/history", "/entities/trace_code/8999/history"),
        ("/entities/person/P001/neighbourhood", "/entities/person/P999/neighbourhood"),
    ],
)
def test_other_city_gets_the_same_404_as_a_missing_id(api: Api, url: str, missing: str) -> None:
    assert api.get("inv_jn", url).status_code == 200  # it exists, for its own city
    a = api.get("inv_qd", url)
    b = api.get("inv_qd", missing)
    assert a.status_code == b.status_code == 404
    assert a.headers["content-type"] == b.headers["content-type"] == PROBLEM
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(a) == strip(b)
    assert set(a.headers) == set(b.headers)


def test_workflow_and_paths_respect_the_region(api: Api) -> None:
    r = api.post("inv_qd", "/leads/LD-JN-1/transitions", json={"to_status": "in_review"})
    assert r.status_code == 404
    assert api.post("inv_qd", "/leads/LD-JN-1/notes", json={"note": "x"}).status_code == 404
    r = api.get(
        "inv_qd", "/entities/person/P003/paths", params={"to_kind": "person", "to_id": "P001"}
    )
    assert r.status_code == 404
    assert api.get("inv_jn", "/leads", params={"member_id": "P003"}).json()["count"] == 0


# -- masking ----------------------------------------------------------------------------------
def test_analysts_see_personal_data_masked(api: Api) -> None:
    ana = api.get("ana_jn", "/entities/person/P001").json()
    inv = api.get("inv_jn", "/entities/person/P001").json()
    assert inv["properties"]["psn_name"] == "张小三" and inv["name"].startswith("张小三")
    assert inv["properties"]["certno"] == "370102199001011234"
    assert ana["properties"]["psn_name"] == "张*三"
    assert ana["properties"]["certno"] == "370102************"
    assert ana["properties"]["tel"] == "138****5678"
    assert "某路1号" not in ana["properties"]["addr"]
    assert "张小三" not in ana["name"]
    lead = api.get("ana_jn", "/leads/LD-JN-1").json()
    text = str(lead)
    for secret in ("张小三", "李四", "370102199001011234", "13812345678"):
        assert secret not in text, secret
    assert "13812345678" in str(api.get("inv_jn", "/leads/LD-JN-1").json())


# -- entities ---------------------------------------------------------------------------------
def test_entity_profiles(api: Api) -> None:
    p = api.get("inv_jn", "/entities/person/P002").json()
    assert p["kind"] == "person" and p["region"] == "370102"
    assert "deceased" in p["flags"] and "lead:recycled_drug" in p["flags"]
    assert [x["lead_id"] for x in p["leads"]] == ["LD-JN-1"]
    assert p["degree"]["SETTLED"] == 1 and p["degree"]["HAS_PHONE"] == 1
    p1 = api.get("inv_jn", "/entities/person/P001").json()
    assert {"poverty", "chronic_special"} <= set(p1["flags"])
    assert [x["lead_id"] for x in p1["leads"]] == ["LD-JN-1", "LD-JN-2"]
    h = api.get("inv_jn", "/entities/institution/H370100000001").json()
    assert "Hospital" in h["flags"] and h["degree"]["AT"] == 2
    d = api.get("inv_jn", "/entities/practitioner/D370102000001").json()
    assert d["degree"]["TREATED_BY"] == 2 and d["leads"][0]["lead_id"] == "LD-JN-2"
    s = api.get("inv_jn", "/entities/supplier/91370100MA00000001").json()
    assert s["name"].startswith("济南医药批发")
    b = api.get("inv_jn", f"/entities/trace_code/{JN_BOX}").json()
    assert b["degree"]["HAS_EVENT"] == 3 and b["leads"][0]["role"] == "resold_box"
    # the province supervisor sees both cities; the Qingdao user only Qingdao's box
    assert api.get("sup_sd", f"/entities/trace_code/{QD_BOX}").status_code == 200
    assert api.get("inv_jn", f"/entities/trace_code/{QD_BOX}").status_code == 404
    assert api.get("inv_jn", "/entities/animal/P001").status_code == 422


def test_neighbourhood_is_bounded_and_scoped(api: Api) -> None:
    one = api.get("inv_jn", "/entities/person/P001/neighbourhood").json()
    ids1 = {n["id"] for n in one["nodes"]}
    assert "person:P001" in ids1 and "settlement:SETL-1" in ids1 and "box_event:E2" in ids1
    assert not any(i.startswith("lead") for i in ids1)
    two = api.get("inv_jn", "/entities/person/P001/neighbourhood", params={"hops": 2}).json()
    ids2 = {n["id"] for n in two["nodes"]}
    assert {"person:P002", "institution:H370100000001", "practitioner:D370102000001"} <= ids2
    assert ids1 < ids2
    # Qingdao nodes stay hidden from Jinan even where the graph reaches them
    three = api.get(
        "inv_jn", "/entities/institution/P370100000002/neighbourhood", params={"hops": 3}
    ).json()
    assert not any("3702" in n["id"] or n["id"] == "person:P003" for n in three["nodes"])
    everything = api.get(
        "admin_all", "/entities/person/P001/neighbourhood", params={"hops": 3, "max_nodes": 500}
    ).json()
    small = api.get(
        "admin_all", "/entities/person/P001/neighbourhood", params={"hops": 3, "max_nodes": 5}
    ).json()
    assert len(small["nodes"]) == 5 and small["truncated"] is True
    assert len(everything["nodes"]) > 5 and everything["truncated"] is False
    for params in ({"hops": 4}, {"max_nodes": 501}, {"hops": 0}, {"per_node": 1000}):
        r = api.get("inv_jn", "/entities/person/P001/neighbourhood", params=params)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, params


def test_paths_between_two_entities(api: Api) -> None:
    r = api.get(
        "inv_jn", "/entities/person/P001/paths", params={"to_kind": "person", "to_id": "P002"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "person:P001" and body["target"] == "person:P002"
    assert body["paths"] and all(p["length"] == 2 for p in body["paths"])
    assert any(p["nodes"][1].startswith("phone:") for p in body["paths"])
    for p in body["paths"]:
        assert len(p["edges"]) == 2 and all(p["edges"])
    far = api.get(
        "inv_jn",
        "/entities/person/P001/paths",
        params={"to_kind": "supplier", "to_id": "91370100MA00000001", "max_hops": 2},
    ).json()
    assert far["paths"] == []  # P001 <- E2 <- box -> E1 -> S1 is 4 hops
    far4 = api.get(
        "inv_jn",
        "/entities/person/P001/paths",
        params={"to_kind": "supplier", "to_id": "91370100MA00000001", "max_hops": 4},
    ).json()
    assert far4["paths"] and far4["paths"][0]["length"] == 4
    r = api.get(
        "inv_jn",
        "/entities/person/P001/paths",
        params={"to_kind": "person", "to_id": "P002", "max_hops": 7},
    )
    assert r.status_code == 422


def test_box_history(api: Api) -> None:
    r = api.get("inv_jn", f"/entities/trace_code/{JN_BOX}/history")
    assert r.status_code == 200
    h = r.json()
    assert h["list_name"] == "高值药甲" and h["n_events"] == 3 and h["truncated"] is False
    assert [e["event_type"] for e in h["events"]] == ["purchase", "sale", "sale"]
    assert h["events"][0]["from_kind"] == "supplier" and h["events"][0]["to_name"] == "泉城大药房"
    assert [e["to_code"] for e in h["events"][1:]] == ["P001", "P002"]
    part = api.get("inv_jn", f"/entities/trace_code/{JN_BOX}/history", params={"limit": 2})
    assert part.json()["truncated"] is True and len(part.json()["events"]) == 2


# -- workflow ---------------------------------------------------------------------------------
def test_workflow_new_review_confirm_refer(api: Api) -> None:
    url = "/leads/LD-JN-1"
    # analysts read and comment, but move nothing
    r = api.post("ana_jn", url + "/transitions", json={"to_status": "in_review"})
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    r = api.post("ana_jn", url + "/notes", json={"note": "同一电话"})
    assert r.status_code == 201
    r = api.post("inv_jn", url + "/transitions", json={"to_status": "confirmed"})
    assert r.status_code == 409  # new -> confirmed skips the review
    r = api.post("inv_jn", url + "/transitions", json={"to_status": "in_review", "note": "看看"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_review" and r.json()["assignee"] == "inv_jn"
    # another investigator cannot decide a lead assigned to someone else
    r = api.post("inv_jn2", url + "/transitions", json={"to_status": "dismissed"})
    assert r.status_code == 403
    r = api.put("inv_jn2", url + "/assignee", json={"assignee": "inv_jn2"})
    assert r.status_code == 403
    r = api.post("inv_jn", url + "/transitions", json={"to_status": "confirmed"})
    assert r.status_code == 200 and r.json()["allowed_transitions"] == []
    # a lead is referred only by making its package: a status step alone is refused,
    # for a supervisor too, and is never offered
    for who in ("inv_jn", "sup_sd"):
        r = api.post(who, url + "/transitions", json={"to_status": "referred", "note": "移送"})
        assert r.status_code == 409 and "referral package" in r.text
    r = api.get("sup_sd", url)
    assert r.json()["status"] == "confirmed" and r.json()["allowed_transitions"] == []
    r = api.post("sup_sd", url + "/transitions", json={"to_status": "in_review"})
    assert r.status_code == 409
    hist = api.get("ana_jn", url + "/history").json()
    assert [(h["action"], h["from_status"], h["to_status"], h["by"]) for h in hist] == [
        ("note", "new", "new", "ana_jn"),
        ("transition", "new", "in_review", "inv_jn"),
        ("transition", "in_review", "confirmed", "inv_jn"),
    ]
    assert hist[0]["note"] == "同一电话"
    assert hist[1]["assignee"] == "inv_jn" and hist[1]["previous_assignee"] is None
    assert api.get("inv_jn", url).json()["history"] == hist
    assert ids(api.get("inv_jn", "/leads", params={"status": "confirmed"})) == ["LD-JN-1"]


def test_assignment_rules(api: Api) -> None:
    url = "/leads/LD-QD-1"
    # a supervisor can assign only an investigator whose region covers the lead
    r = api.put("sup_qd", url + "/assignee", json={"assignee": "inv_jn"})
    assert r.status_code == 422
    r = api.put("sup_qd", url + "/assignee", json={"assignee": "ana_jn"})
    assert r.status_code == 422
    r = api.put("sup_qd", url + "/assignee", json={"assignee": "inv_qd", "note": "请核查"})
    assert r.status_code == 200 and r.json()["assignee"] == "inv_qd"
    assert ids(api.get("sup_qd", "/leads", params={"assignee": "inv_qd"})) == ["LD-QD-1"]
    # the assignee gives it back; then takes it again
    r = api.put("inv_qd", url + "/assignee", json={"assignee": None})
    assert r.status_code == 200 and r.json()["assignee"] is None
    r = api.put("inv_qd", url + "/assignee", json={"assignee": "inv_qd"})
    assert r.status_code == 200
    r = api.post("inv_qd", url + "/transitions", json={"to_status": "in_review"})
    assert r.status_code == 200 and r.json()["assignee"] == "inv_qd"
    r = api.post("inv_qd", url + "/transitions", json={"to_status": "dismissed"})
    assert r.status_code == 200
    r = api.post("inv_qd", url + "/transitions", json={"to_status": "in_review"})
    assert r.status_code == 403  # reopening needs a supervisor
    r = api.post("sup_qd", url + "/transitions", json={"to_status": "in_review"})
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    assert r.json()["typology"] == "inpatient_recruitment"
    assert api.post("inv_qd", url + "/transitions", json={"to_status": "bogus"}).status_code == 422


# -- audit ------------------------------------------------------------------------------------
def test_every_call_is_audited(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    a.get("inv_jn", "/leads", params={"typology": "recycled_drug"})
    a.get("inv_jn", "/leads/LD-JN-2")
    a.get("inv_qd", "/leads/LD-JN-2")
    a.get("inv_jn", f"/entities/trace_code/{JN_BOX}/history")
    a.client.post("/auth/token", data={"username": "inv_jn", "password": "wrong-password"})
    rows = a.get("sup_sd", "/audit", params={"limit": 500}).json()
    assert rows["count"] == len(rows["data"])
    by = [(r["username"], r["method"], r["path"], r["status"]) for r in reversed(rows["data"])]
    assert ("inv_jn", "GET", "/leads", 200) in by
    assert ("inv_jn", "GET", "/leads/LD-JN-2", 200) in by
    assert ("inv_qd", "GET", "/leads/LD-JN-2", 404) in by
    assert ("inv_jn", "POST", "/auth/token", 401) in by
    listing = next(r for r in rows["data"] if r["path"] == "/leads")
    assert listing["params"] == {"typology": "recycled_drug"}
    assert listing["entity_ids"] == ["lead:LD-JN-1"] and listing["route"] == "/leads"
    detail = next(r for r in rows["data"] if r["path"] == "/leads/LD-JN-2" and r["status"] == 200)
    assert {"lead:LD-JN-2", "person:P001", "practitioner:D370102000001"} <= set(
        detail["entity_ids"]
    )
    assert detail["params"] == {"path.lead_id": "LD-JN-2"} and detail["region"] == "3701"
    box = next(r for r in rows["data"] if r["path"].endswith("/history"))
    assert {"trace_code:" + JN_BOX, "person:P002", "supplier:91370100MA00000001"} <= set(
        box["entity_ids"]
    )
    # filters; who may read it; a Qingdao supervisor sees only Qingdao's users
    mine = a.get("sup_sd", "/audit", params={"entity_id": "lead:LD-JN-2"}).json()
    assert {r["username"] for r in mine["data"]} == {"inv_jn"}
    assert a.get("sup_sd", "/audit", params={"username": "inv_qd", "status": 404}).json()["count"]
    qd = a.get("sup_qd", "/audit", params={"limit": 500}).json()["data"]
    assert {r["username"] for r in qd if r["region"]} <= {"inv_qd", "sup_qd"}
    assert a.get("inv_jn", "/audit").status_code == 403
    # the audit call itself is audited, and passwords never are
    a.get("admin_all", "/audit", params={"path": "/nothing"})
    rows2 = a.get("admin_all", "/audit", params={"path": "/audit"}).json()["data"]
    assert rows2[0]["username"] == "admin_all" and rows2[0]["params"] == {"path": "/nothing"}
    raw = sqlite3.connect(a.store.path)
    assert "wrong-password" not in str(raw.execute("SELECT * FROM audit").fetchall())


def test_audit_is_append_only(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    a.get("inv_jn", "/leads")
    raw = sqlite3.connect(a.store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE audit SET username = 'someone'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM audit")


# -- limits and CORS --------------------------------------------------------------------------
def test_rate_limit_per_user(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_rate_burst=3, api_rate_per_minute=1)
    a.token("inv_jn")
    a.token("inv_qd")
    codes = [a.get("inv_jn", "/leads").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = a.get("inv_jn", "/leads")
    assert r.headers["content-type"] == PROBLEM and int(r.headers["retry-after"]) >= 1
    assert a.get("inv_qd", "/leads").status_code == 200  # buckets are per user


def test_cors_is_closed_by_default(api: Api, api_factory: Callable[..., Api]) -> None:
    pre = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    r = api.client.options("/leads", headers=pre)
    assert "access-control-allow-origin" not in r.headers
    r = api.get("inv_jn", "/leads", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    a = api_factory(api_cors_origins="https://workbench.example")
    r = a.client.options(
        "/leads",
        headers={"Origin": "https://workbench.example", "Access-Control-Request-Method": "GET"},
    )
    assert r.headers["access-control-allow-origin"] == "https://workbench.example"
    r = a.client.options("/leads", headers=pre)
    assert r.headers.get("access-control-allow-origin") != "https://evil.example"


def test_query_timeout_answers_504(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_query_timeout_s=0.000001)
    r = a.get("admin_all", "/entities/person/P001/neighbourhood", params={"hops": 3})
    assert r.status_code in (200, 504)  # a tiny graph may finish inside a microsecond
    if r.status_code == 504:
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["type"] == "/problems/query-timeout"


def test_missing_secret_fails_loudly(api: Api) -> None:
    from fraudrings.api.app import create_app
    from fraudrings.core.settings import SettingsError

    s = api.client.app.state.service.settings  # type: ignore[attr-defined]
    with pytest.raises(SettingsError, match="FRAUDRINGS_API_SECRET_KEY"):
        create_app(s.model_copy(update={"api_secret_key": __import__("pydantic").SecretStr("")}))


def test_token_lifetime_setting(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_token_minutes=1)
    r = a.client.post("/auth/token", data=login_form(a.store, "inv_jn"))
    claims = jwt.decode(r.json()["access_token"], SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60
    assert abs(claims["iat"] - time.time()) < 30


def test_kept_answers_follow_the_leads_generation(
    api_factory: Callable[..., Api], world: Gateway
) -> None:
    """Lead list and detail are kept in memory, but only under the generation token that
    every write to leads renews: a change made elsewhere (another worker, a detection
    run) shows as soon as it bumps the token, and a 404 is never kept."""
    api = api_factory()
    cache = api.client.app.state.service.cache  # type: ignore[attr-defined]
    url = "/leads/LD-JN-2"
    first = api.get("sup_sd", url).json()
    hits = cache.hits
    assert api.get("sup_sd", url).json() == first
    assert cache.hits == hits + 1
    # the same lead for another role is computed apart (masking differs)
    assert api.get("ana_jn", url).status_code == 200
    assert cache.hits == hits + 1
    old = world.run_read_text("MATCH (l:Lead {lead_id: 'LD-JN-2'}) RETURN l.score AS s")[0]["s"]
    try:
        world.run_write_text("MATCH (l:Lead {lead_id: 'LD-JN-2'}) SET l.score = 0.42")
        assert api.get("sup_sd", url).json()["score"] == first["score"]  # kept, no bump yet
        bump_generation(world)
        assert api.get("sup_sd", url).json()["score"] == 0.42
        listed = api.get("sup_sd", "/leads", params={"typology": "prescription_buyer"}).json()
        assert [x["score"] for x in listed["data"] if x["lead_id"] == "LD-JN-2"] == [0.42]
    finally:
        world.run_write_text("MATCH (l:Lead {lead_id: 'LD-JN-2'}) SET l.score = $s", {"s": old})
        bump_generation(world)
    # a write through the API renews the token by itself: the note is in the next read
    r = api.post("sup_sd", url + "/notes", json={"note": "缓存之后"})
    assert r.status_code == 201
    assert api.get("sup_sd", url).json()["history"][-1]["note"] == "缓存之后"
    # out of region: 404 every time, nothing kept for it
    assert api.get("inv_qd", url).status_code == 404
    assert api.get("inv_qd", url).status_code == 404
