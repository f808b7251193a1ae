"""The main job on a small synthetic drop: generate, ingest, detect, evaluate.

The load report must agree with the generator's ground truth row for row (every dirty
row quarantined for the reason it was made dirty, every duplicate counted once), and the
leads must meet the project's targets on the core typologies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fraudrings.synth import generate
from graph import schema
from graph.detect import run_all
from graph.evaluate import evaluate, meets_targets
from graph.gateway import Gateway
from graph.leads import export
from ingest.loader import Loader

pytestmark = pytest.mark.integration

CORE = ("prescription_buyer", "recycled_drug", "inpatient_recruitment")


@pytest.fixture(scope="module")
def run(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    schema.empty(gw)
    tmp = tmp_path_factory.mktemp("e2e")
    truth_path = generate(tmp / "drop", persons=2000, seed=11)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    report = Loader(gw, batch_size=5000, quarantine_root=tmp / "q", progress=False).load(
        tmp / "drop"
    )
    detection = run_all(gw)
    return {"truth": truth, "report": report, "detection": detection, "leads": export(gw)}


def test_load_report_matches_ground_truth(run: dict[str, Any]) -> None:
    truth, report = run["truth"], run["report"]
    for stem, n_rows in truth["rows"].items():
        f = report.files[stem]
        dirty = truth["dirty"].get(stem, {})
        assert f.read == n_rows, stem
        assert f.quarantined == dirty, stem
        assert f.duplicates == truth["duplicates"].get(stem, 0), stem
        assert f.loaded == n_rows - sum(dirty.values()) - f.duplicates, stem


def test_core_typologies_meet_targets(run: dict[str, Any]) -> None:
    result = evaluate(run["truth"], run["leads"])
    for typ in CORE:
        assert result[typ]["rings"] >= 1, typ
        assert meets_targets(result[typ]), (typ, result[typ])


def test_every_lead_is_explained(run: dict[str, Any]) -> None:
    for lead in run["leads"]:
        assert lead["reasons"] and all(r["text"] for r in lead["reasons"])
        assert lead["first_seen"] and lead["last_seen"] and lead["region"]
        assert lead["evidence"]


def test_leads_rank_by_score(run: dict[str, Any]) -> None:
    scores = [x["score"] for x in run["leads"]]
    assert scores == sorted(scores, reverse=True)
