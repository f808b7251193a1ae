"""The further models on a hand-built drop with known answers and look-alikes
(world.build_models), on the real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fraudrings.graph import schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import export
from fraudrings.ingest.loader import Loader
from tests.integration import world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def leads(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    schema.empty(gw)
    tmp: Path = tmp_path_factory.mktemp("models")
    drop = world.build_models(tmp / "drop")
    Loader(gw, batch_size=500, quarantine_root=tmp / "q", progress=False).load(drop)
    run_all(gw)
    out: dict[str, list[dict[str, Any]]] = {}
    for lead in export(gw):
        out.setdefault(lead["typology"], []).append(lead)
    return out


def members(lead: dict[str, Any]) -> dict[str, str]:
    return {m["id"]: m["role"] for m in lead["members"]}


def everyone(leads: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {m for ls in leads.values() for lead in ls for m in members(lead)}


def test_claims_after_death(leads: dict[str, list[dict[str, Any]]]) -> None:
    (dc,) = leads["deceased_claims"]
    assert members(dc) == {"D1": "deceased_insured", "P37010000011": "institution"}
    reasons = {r["factor"]: r["value"] for r in dc["reasons"]}
    assert reasons["settlements_after_death"] == 2  # the visit before death is not counted
    assert reasons["max_days_after_death"] == 32
    assert dc["amount_at_risk"] == pytest.approx(2 * 60 * 0.7)
    assert "D2" not in everyone(leads)  # admitted before death, discharged after


def test_impossible_travel(leads: dict[str, list[dict[str, Any]]]) -> None:
    (st,) = leads["spatiotemporal"]
    assert members(st) == {
        "T1": "card_holder",
        "H37010000011": "institution",
        "P37020000011": "institution",
    }
    assert {r["factor"]: r["value"] for r in st["reasons"]}["impossible_trips"] == 2
    assert not everyone(leads) & {"T2", "T3", "P33010000011"}


def pooling_lead(leads: dict[str, list[dict[str, Any]]], outlet: str) -> dict[str, Any]:
    (lead,) = [x for x in leads["card_pooling"] if outlet in members(x)]
    return lead


def test_card_pooling_terminal(leads: dict[str, list[dict[str, Any]]]) -> None:
    assert len(leads["card_pooling"]) == 2
    cp = pooling_lead(leads, "P37010000011")
    m = members(cp)
    assert m.pop("P37010000011") == "pooling_outlet"
    assert m == {f"L{i}": "card_lender" for i in range(7)}
    reasons = {r["factor"]: r["value"] for r in cp["reasons"]}
    # the held pool's sessions, with the terminal's bursts merged into the same lead
    assert reasons["sessions"] == 3 and reasons["cards"] == 7
    assert reasons["same_basket"] == 1.0
    assert reasons["odd_hours"] == 1.0 and reasons["strangers"] == 1.0
    assert any("terminal:TPOOL" in e for e in cp["evidence"])
    assert not everyone(leads) & {"P37010000012", *(f"G{i}" for i in range(6))}


def test_card_pooling_cards_in_two_cities(leads: dict[str, list[dict[str, Any]]]) -> None:
    cp = pooling_lead(leads, "P37010000013")
    m = members(cp)
    assert m.pop("P37010000013") == "pooling_outlet"
    assert m == {f"F{i}": "card_lender" for i in range(5)}
    reasons = {r["factor"]: r["value"] for r in cp["reasons"]}
    assert reasons["far_cards"] == 5 and reasons["uses"] == 3.0
    # living part of the year in Jinan, or having moved there, is no pooled card
    assert not everyone(leads) & {*(f"V{i}" for i in range(5)), *(f"N{i}" for i in range(5))}


def test_split_admission(leads: dict[str, list[dict[str, Any]]]) -> None:
    (sa,) = leads["split_admission"]
    assert members(sa) == {"S1": "patient", "H37010000011": "institution"}
    assert {r["factor"]: r["value"] for r in sa["reasons"]}["readmissions"] == 3
    assert not everyone(leads) & {"S2", "S3"}


def test_core_detectors_stay_quiet_here(leads: dict[str, list[dict[str, Any]]]) -> None:
    assert not {"recycled_drug", "prescription_buyer", "inpatient_recruitment"} & set(leads)
