"""POST /check/settlement: each warning on a constructed case, none on a clean sale,
and "check unavailable" (never an error) when the graph cannot answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from graph import schema
from graph.detect import run_all
from graph.gateway import Gateway
from ingest.loader import Loader
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


@pytest.fixture(scope="module")
def api(api_factory: Callable[..., Api]) -> Api:
    return api_factory()


def check(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("lines", [])
    r = api.post("inv_jn", URL, json=body)
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
    assert codes(out) == ["open_lead", "supply_overlap"]
    by = {w["code"]: w["reason"] for w in out["warnings"]}
    assert by["open_lead"]["typology"] == "prescription_buyer"
    assert by["supply_overlap"]["days_left"] == pytest.approx(25, abs=0.1)
    # after the supply ran out, only the lead remains
    later = check(
        api,
        psn_no="K1",
        fixmedins_code="H37010000001",
        setl_time=(K1_LAST + timedelta(days=31)).isoformat(),
        lines=[{"med_list_codg": "XHV", "cnt": 3}],
    )
    assert codes(later) == ["open_lead"]


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


def test_check_unavailable_never_blocks(api_factory: Callable[..., Api]) -> None:
    dead = Gateway("bolt://127.0.0.1:9", "neo4j", "x", connect_timeout=1.0)
    try:
        a = api_factory(gateway=dead)
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
