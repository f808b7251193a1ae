"""POST /check/settlement: each warning on a constructed case, none on a clean sale,
and "check unavailable" (never an error) when the graph cannot answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fraudrings.graph import schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.ingest.loader import Loader
from tests.aio import in_own_loop
from tests.integration import api_world
from tests.integration import world as hand
from tests.integration.api_world import Api

api_factory = api_world.api_factory
pytestmark = pytest.mark.integration

URL = "/check/settlement"
K1_LAST = hand.T0 + timedelta(days=7 * 39, hours=1)  # K1's last pickup: 3 boxes, 30 days


@pytest.fixture(scope="module")
def world(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> Gateway:
    """Both hand-built drops loaded, and the detectors run (K1 is in an open lead)."""
    schema.empty(gw)
    tmp: Path = tmp_path_factory.mktemp("check")
    for name, build in (("core", hand.build), ("models", hand.build_models)):
        drop = build(tmp / name)
        Loader(gw, batch_size=500, quarantine_root=tmp / "q", progress=False).load(drop)
    run_all(gw)
    return gw


@pytest.fixture(
    scope="module",
    params=[(True, False), (False, False), (True, True)],
    ids=["lane", "route", "lane-read-model"],
)
def way(request: pytest.FixtureRequest) -> tuple[bool, bool]:
    """Every test runs through the counter's lane (api/lane.py) and through the route,
    asking Neo4j, and through the lane with the check's read model (api/checkfacts.py)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def lane(way: tuple[bool, bool]) -> bool:
    return way[0]


@pytest.fixture(scope="module")
def api(
    api_factory: Callable[..., Api],
    way: tuple[bool, bool],
    tmp_path_factory: pytest.TempPathFactory,
) -> Api:
    lane, facts = way
    # a generous limit: a shared CI machine must not turn a slow answer into "unavailable"
    a = api_factory(
        api_check_lane=lane,
        api_check_timeout_s=30,
        api_check_facts=facts,
        api_check_facts_path=tmp_path_factory.mktemp("facts") / "facts.sqlite",
    )
    keeper = a.client.app.state.service.facts  # type: ignore[attr-defined]
    if facts:
        assert keeper.wait_ready(120), keeper.describe()
    else:
        assert keeper is None
    return a


def check(api: Api, user: str = "inv_jn", **body: Any) -> dict[str, Any]:
    body.setdefault("lines", [])
    r = api.post(user, URL, json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert out["checked"] is True
    return out


def codes(out: dict[str, Any]) -> list[str]:
    return sorted(w["code"] for w in out["warnings"])


def test_clean_sale_has_no_warning(api: Api) -> None:
    out = check(
        api,
        psn_no="G0",
        fixmedins_code="P37010000012",
        setl_time="2025-09-01T10:00:00",
        lines=[{"med_list_codg": "XOTH", "cnt": 1, "drug_trac_codg": ["81999999999999999999"]}],
    )
    assert out["warnings"] == []


def test_box_already_sold_and_not_returned(api: Api) -> None:
    out = check(
        api,
        psn_no="G1",
        fixmedins_code="P37010000012",
        setl_time="2025-09-01T10:00:00",
        lines=[
            {
                "med_list_codg": "XHV",
                "cnt": 2,
                "drug_trac_codg": ["81000000000000000002", "81999999999999999998"],
            }
        ],
    )
    assert codes(out) == ["box_already_sold"]
    reason = out["warnings"][0]["reason"]
    assert reason["drug_trac_codg"] == "81000000000000000002"
    assert reason["seller"] == "P37010000002"  # the recycler sold it last, to E2


def test_open_lead_member_and_supply_overlap(api: Api) -> None:
    out = check(
        api,
        psn_no="K1",
        fixmedins_code="H37010000001",
        setl_time=(K1_LAST + timedelta(days=5)).isoformat(),
        lines=[{"med_list_codg": "XHV", "cnt": 3, "prd_days": 30}],
    )
    assert codes(out) == ["manual_review", "supply_overlap"]
    by = {w["code"]: w["reason"] for w in out["warnings"]}
    assert by["manual_review"] == {}
    assert by["supply_overlap"]["days_left"] == pytest.approx(25, abs=0.1)
    # after the supply ran out, only the lead remains
    later = check(
        api,
        psn_no="K1",
        fixmedins_code="H37010000001",
        setl_time=(K1_LAST + timedelta(days=31)).isoformat(),
        lines=[{"med_list_codg": "XHV", "cnt": 3}],
    )
    assert codes(later) == ["manual_review"]


def test_deceased_person(api: Api) -> None:
    out = check(api, psn_no="D2", fixmedins_code="P37010000011", setl_time="2025-06-01T09:00:00")
    assert [w["code"] for w in out["warnings"]] == ["deceased"]
    assert out["warnings"][0]["reason"]["death_date"] == "2025-05-10"


def test_impossible_travel_since_last_settlement(api: Api) -> None:
    # T1 was last at the Qingdao pharmacy at 11:00 (300 km away)
    out = check(api, psn_no="T1", fixmedins_code="H37010000011", setl_time="2025-03-12T12:00:00")
    assert "impossible_travel" in codes(out)
    reason = next(w for w in out["warnings"] if w["code"] == "impossible_travel")["reason"]
    assert reason["last_institution"] == "P37020000011" and reason["km"] > 250
    # a day later the same trip is plausible
    later = check(api, psn_no="T1", fixmedins_code="H37010000011", setl_time="2025-03-13T12:00:00")
    assert "impossible_travel" not in codes(later)


def test_check_unavailable_never_blocks(api_factory: Callable[..., Api], lane: bool) -> None:
    dead = Gateway("bolt://127.0.0.1:9", "neo4j", "x", connect_timeout=1.0)
    try:
        a = api_factory(gateway=dead, api_check_lane=lane)
        # the token endpoint does not need the graph
        r = a.post(
            "inv_jn",
            URL,
            json={"psn_no": "K1", "fixmedins_code": "H1", "setl_time": "2025-01-01T00:00:00"},
        )
    finally:
        dead.close()
    assert r.status_code == 200
    assert r.json() == {
        "checked": False,
        "message": "no warning, check unavailable",
        "warnings": [],
    }


def test_check_refuses_malformed_input(api: Api) -> None:
    r = api.post("inv_jn", URL, json={"psn_no": "K1"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


BAD_BODIES: list[Any] = [
    {"psn_no": "K1"},  # two required fields missing
    {"psn_no": "", "fixmedins_code": "H1", "setl_time": "not a time"},
    {
        "psn_no": "K1",
        "fixmedins_code": "H1",
        "setl_time": "2025-01-01T00:00:00",
        "lines": [{"med_list_codg": "X", "cnt": -1, "prd_days": 99999}],
    },
    [1, 2, 3],
]


def test_lane_and_route_refuse_alike(api_factory: Callable[..., Api]) -> None:
    """The lane answers malformed bodies, a missing token and a bad token exactly as the
    route does: same status, problem type and error locations."""
    a_lane, a_route = api_factory(api_check_lane=True), api_factory(api_check_lane=False)

    def shape(r: Any) -> tuple[Any, ...]:
        body = r.json()
        locs = sorted(tuple(e["loc"]) for e in body.get("errors", []))
        return r.status_code, r.headers["content-type"], body.get("type"), locs

    for bad in BAD_BODIES:
        assert shape(a_lane.post("inv_jn", URL, json=bad)) == shape(
            a_route.post("inv_jn", URL, json=bad)
        ), bad
    garbage = {"content": b"{not json", "headers": {"content-type": "application/json"}}
    rl = a_lane.post("inv_jn", URL, **garbage)
    rr = a_route.post("inv_jn", URL, **garbage)
    assert rl.status_code == rr.status_code == 422
    assert rl.json()["errors"][0]["type"] == rr.json()["errors"][0]["type"] == "json_invalid"
    ok = {"psn_no": "K1", "fixmedins_code": "H1", "setl_time": "2025-01-01T00:00:00"}
    for headers in ({}, {"Authorization": "Bearer nonsense"}):
        rl = a_lane.client.post(URL, json=ok, headers=headers)
        rr = a_route.client.post(URL, json=ok, headers=headers)
        assert rl.status_code == rr.status_code == 401
        assert rl.json() == rr.json()
        assert rl.headers["www-authenticate"] == rr.headers["www-authenticate"] == "Bearer"
    too_big = {**ok, "lines": [{"med_list_codg": "X", "drug_trac_codg": ["8" * 100] * 500}] * 30}
    assert a_lane.post("inv_jn", URL, json=too_big).status_code == 413


def test_check_is_audited_with_its_route(api: Api) -> None:
    body = {"psn_no": "K1", "fixmedins_code": "P37010000011", "setl_time": "2025-06-01T09:00:00"}
    assert api.post("inv_jn", URL, json=body).status_code == 200
    rows = api.store.query_audit(region_prefix="", username="inv_jn", route=URL)[1]
    last = rows[0] if rows else None
    assert last is not None
    assert last["status"] == 200 and last["route"] == URL
    assert "person:K1" in last["entity_ids"]
    assert "pre-settlement check of person:K1" in last["purpose"]
    # a search by the person's id finds the check
    found = api.store.query_audit(region_prefix="", entity_id="person:K1", route=URL)[1]
    assert found and found[0]["id"] == last["id"]


def _open_leads_of(api: Api, psn: str) -> list[str]:
    svc = api.client.app.state.service  # type: ignore[attr-defined]
    rows = svc.gw.run_read_text(
        "MATCH (l:Lead)-[:INVOLVES]->(:Person {psn_no: $p}) WHERE l.active"
        " AND l.status IN ['new', 'in_review', 'confirmed'] RETURN l.lead_id AS id",
        {"p": psn},
    )
    return sorted(r["id"] for r in rows)


def test_the_counter_learns_nothing_about_investigations(api: Api) -> None:
    leads = _open_leads_of(api, "K1")
    assert leads  # K1 is in an open lead
    body = {"psn_no": "K1", "fixmedins_code": "H37010000001", "setl_time": "2025-06-01T09:00:00"}
    r = api.post("inv_jn", URL, json=body)
    assert r.status_code == 200
    out = r.json()
    review = [w for w in out["warnings"] if w["code"] == "manual_review"]
    assert len(review) == 1 and review[0]["reason"] == {}
    text = r.text.lower()
    for word in ("lead", "typology", "prescription_buyer", "in_review", "线索", *leads):
        assert word.lower() not in text, word
    # the investigators of the lead's region get the hit
    hits = api.get("inv_jn", "/check/hits", params={"lead_id": leads[0]})
    assert hits.status_code == 200, hits.text
    assert any(
        h["psn_no"] == "K1" and h["fixmedins_code"] == "H37010000001" for h in hits.json()["data"]
    )
    # another region's investigator: as for a lead that does not exist
    other = api.get("inv_qd", "/check/hits", params={"lead_id": leads[0]})
    missing = api.get("inv_qd", "/check/hits", params={"lead_id": "LD-NOPE"})
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"] == missing.json()["detail"]
    assert api.get("ana_jn", "/check/hits", params={"lead_id": leads[0]}).status_code == 403


def test_an_analyst_learns_no_more_from_the_check_than_from_the_persons_view(api: Api) -> None:
    # the analyst's view of a person hides the death date; the check does too
    dead = check(
        api, "ana_jn", psn_no="D2", fixmedins_code="P37010000011", setl_time="2025-06-01T09:00:00"
    )
    assert [w["code"] for w in dead["warnings"]] == ["deceased"]
    assert dead["warnings"][0]["reason"] == {} and "2025-05-10" not in str(dead)


def test_a_person_of_another_region_is_checked_without_their_history(api: Api) -> None:
    # a Qingdao caller about Jinan persons: what to act on, not when or where
    dead = check(
        api, "inv_qd", psn_no="D2", fixmedins_code="P37010000011", setl_time="2025-06-01T09:00:00"
    )
    assert [w["code"] for w in dead["warnings"]] == ["deceased"]
    assert dead["warnings"][0]["reason"] == {} and "2025-05-10" not in str(dead)
    travel = check(
        api, "inv_qd", psn_no="T1", fixmedins_code="H37010000011", setl_time="2025-03-12T12:00:00"
    )
    w = next(x for x in travel["warnings"] if x["code"] == "impossible_travel")
    assert w["reason"] == {} and "P37020000011" not in str(travel)
    supply = check(
        api,
        "inv_qd",
        psn_no="K1",
        fixmedins_code="H37010000001",
        setl_time=(K1_LAST + timedelta(days=5)).isoformat(),
        lines=[{"med_list_codg": "XHV", "cnt": 3, "prd_days": 30}],
    )
    assert codes(supply) == ["manual_review", "supply_overlap"]
    w = next(x for x in supply["warnings"] if x["code"] == "supply_overlap")
    assert w["reason"] == {"med_list_codg": "XHV"}
    assert K1_LAST.date().isoformat() not in str(supply)


def test_batched_answers_equal_single_answers(api: Api) -> None:
    """Checks that arrive together share one transaction (check_settlements.cypher over a
    list) and each gets the same answer as when asked alone."""

    svc = api.client.app.state.service
    cases = [
        {"psn_no": p, "fixmedins_code": inst, "setl_time": when, "codes": codes, "drugs": drugs}
        for p, inst, when, codes, drugs in [
            ("K1", "H37010000001", (K1_LAST + timedelta(days=5)).isoformat(), [], ["XHV"]),
            ("D2", "P37010000011", "2025-06-01T09:00:00", [], []),
            ("G1", "P37010000012", "2025-09-01T10:00:00", ["81000000000000000002"], ["XHV"]),
            ("T1", "H37010000011", "2025-03-12T12:00:00", [], []),
            ("nobody", "H0", "2025-03-12T12:00:00", ["89000000000000000001"], ["none"]),
        ]
    ] * 5
    alone = [svc._check_batch([c])[0] for c in cases]

    async def together() -> list[Any]:
        return list(await asyncio.gather(*(svc.checks.run(c, timeout=30) for c in cases)))

    before = svc.checks.batches
    got = in_own_loop(together())
    assert got == alone
    assert svc.checks.batches - before < len(cases)  # some of them did share a batch
    assert any(r["leads"] for r in alone) and any(r["death_date"] for r in alone)
