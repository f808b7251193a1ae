"""The check's read model in the API (api/checkfacts.py): built by its own process, used
while it is the graph's, left the moment the graph's data or leads change, and built
again; a write to leads through the worker reaches its checks at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fraudrings.api.service import Service
from fraudrings.graph import checkfacts, schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import bump_generation
from fraudrings.ingest.loader import Loader
from tests.integration import api_world
from tests.integration import world as hand
from tests.integration.api_world import Api

api_factory = api_world.api_factory
pytestmark = pytest.mark.integration

URL = "/check/settlement"
NEW_BOX = "81777777777777777777"
POLL_S = 0.1


@pytest.fixture(scope="module")
def world(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> Gateway:
    """The hand-built core drop loaded, and the detectors run (K1 is in an open lead)."""
    schema.empty(gw)
    tmp: Path = tmp_path_factory.mktemp("facts")
    Loader(gw, batch_size=500, quarantine_root=tmp / "q", progress=False).load(
        hand.build(tmp / "core")
    )
    run_all(gw)
    return gw


@pytest.fixture
def api(api_factory: Callable[..., Api], tmp_path: Path) -> Iterator[Api]:
    a = api_factory(
        api_check_timeout_s=30,
        api_check_facts=True,
        api_check_facts_path=tmp_path / "facts.sqlite",
        api_check_facts_poll_s=POLL_S,
    )
    assert service(a).facts is not None
    assert service(a).facts.wait_ready(120), service(a).facts.describe()
    yield a


def service(api: Api) -> Service:
    svc: Service = api.client.app.state.service  # type: ignore[attr-defined]
    return svc


def codes(api: Api, **body: Any) -> list[str]:
    body.setdefault("lines", [])
    r = api.post("inv_jn", URL, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["checked"] is True
    return sorted(w["code"] for w in r.json()["warnings"])


def sell_new_box(gw: Gateway) -> None:
    """A sale of a new box to G1, written straight to the graph, then the data token
    renewed as every ingest does."""
    gw.run_write_text(
        "MATCH (i:Institution {fixmedins_code: 'P37010000002'}) "
        "CREATE (b:Box {drug_trac_codg: $code})-[:HAS_EVENT]->"
        "(e:BoxEvent:Sale {event_id: 'EV-NEW-1', event_time: localdatetime('2025-08-01T10:00'),"
        " setl_id: 'S-NEW-1'})-[:FROM]->(i)",
        {"code": NEW_BOX},
    )
    checkfacts.bump_data(gw)


def g1(box: str) -> dict[str, Any]:
    return {
        "psn_no": "G1",
        "fixmedins_code": "P37010000012",
        "setl_time": "2025-09-01T10:00:00",
        "lines": [{"med_list_codg": "XHV", "cnt": 1, "drug_trac_codg": [box]}],
    }


def test_checks_answer_from_the_read_model_without_neo4j(api: Api) -> None:
    svc = service(api)
    assert api.get("admin_all", "/readyz").json()["check_facts"] == "ready"

    async def no_graph(*a: Any, **kw: Any) -> Any:
        raise AssertionError("the check asked Neo4j")

    svc.checks.run = no_graph  # type: ignore[method-assign]
    assert codes(api, **g1("81000000000000000002")) == ["box_already_sold"]
    assert codes(api, **g1("81999999999999999998")) == []


def test_a_new_sale_is_seen_at_once_and_then_from_a_new_build(api: Api, world: Gateway) -> None:
    svc = service(api)
    keeper = svc.facts
    assert keeper is not None
    old_token, builds = keeper.current()[0].token, keeper.builds_started  # type: ignore[index]
    assert codes(api, **g1(NEW_BOX)) == []
    sell_new_box(world)
    time.sleep(POLL_S * 5)  # the keeper has seen the new token: Neo4j answers meanwhile
    assert codes(api, **g1(NEW_BOX)) == ["box_already_sold"]
    assert keeper.wait_ready(120), keeper.describe()
    model = keeper.current()
    assert model is not None and model[0].token != old_token
    assert keeper.builds_started > builds
    row = model[0].lookup(
        {
            "psn_no": "G1",
            "fixmedins_code": "P37010000012",
            "setl_time": "2025-09-01T10:00:00",
            "codes": [NEW_BOX],
            "drugs": [],
        },
        model[1],
    )
    assert [b["code"] for b in row["sold_boxes"]] == [NEW_BOX]


def test_an_ingest_renews_the_data_token(world: Gateway, tmp_path: Path) -> None:
    before = checkfacts.tokens(world)[0]
    Loader(world, batch_size=500, quarantine_root=tmp_path / "q", progress=False).load(
        hand.build(tmp_path / "again")
    )
    assert checkfacts.tokens(world)[0] not in (None, before)


def test_leads_moved_through_the_worker_reach_its_checks_at_once(api: Api, world: Gateway) -> None:
    k1 = {"psn_no": "K1", "fixmedins_code": "H37010000001", "setl_time": "2026-06-01T10:00:00"}
    assert "manual_review" in codes(api, **k1)
    lead_id = world.run_read_text(
        "MATCH (l:Lead {typology: 'prescription_buyer'})-[:INVOLVES]->(:Person {psn_no: 'K1'}) "
        "WHERE l.active RETURN l.lead_id AS id"
    )[0]["id"]
    for step in ("in_review", "dismissed"):
        r = api.post("inv_jn", f"/leads/{lead_id}/transitions", json={"to_status": step})
        assert r.status_code == 200, r.text
    assert "manual_review" not in codes(api, **k1)  # no wait: this worker dropped its members
    # a change made elsewhere (another worker, the command line) within the poll time
    world.run_write_text(
        "MATCH (l:Lead {lead_id: $id}) SET l.status = 'in_review'", {"id": lead_id}
    )
    bump_generation(world)
    time.sleep(POLL_S * 5)
    assert "manual_review" in codes(api, **k1)
    assert service(api).facts.wait_ready(30)  # type: ignore[union-attr]
    assert "manual_review" in codes(api, **k1)


def test_no_read_model_while_an_ingest_writes(api: Api, world: Gateway, tmp_path: Path) -> None:
    keeper = service(api).facts
    assert keeper is not None and keeper.current() is not None
    checkfacts.bump_data(world, writing=True)  # what an ingest does before it writes
    try:
        time.sleep(POLL_S * 5)
        assert keeper.current() is None and keeper.state() == "stale"
        assert codes(api, **g1("81000000000000000002")) == ["box_already_sold"]  # Neo4j
        with pytest.raises(checkfacts.StaleBuild):
            checkfacts.build(world, tmp_path / "other.sqlite")
        assert not (tmp_path / "other.sqlite").exists()
    finally:
        checkfacts.bump_data(world)  # ... and when it ends
    assert keeper.wait_ready(120), keeper.describe()
