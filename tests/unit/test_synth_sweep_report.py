"""The robustness sweep's report (bench/robustness.py) on hand-made trials, without Neo4j:
seeds added up, targets applied, the markdown grid and the picture written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import robustness as rb
from fraudrings.graph.evaluate import evaluate, evaluate_cells, lookalikes_by_pattern
from fraudrings.synth.variation import CELLS, SPACE, space_markdown


def _truth() -> dict[str, Any]:
    def ring(rid: str, typ: str, params: dict[str, Any], ids: list[str]) -> dict[str, Any]:
        return {
            "ring_id": rid,
            "typology": typ,
            "params": params,
            "members": [{"kind": "person", "id": x, "role": "r"} for x in ids],
        }

    return {
        "rings": [
            ring("st-1", "spatiotemporal", {"trips": 1, "distance_km": 150}, ["a"]),
            ring("st-2", "spatiotemporal", {"trips": 4, "distance_km": 1500}, ["b"]),
            ring("cp-1", "card_pooling", {"cards": 40, "burst_share": 0.1}, ["c1", "c2"]),
        ],
        "lookalikes": [
            {
                "typology": "card_pooling",
                "pattern": "online_platform_orders",
                "members": [{"kind": "person", "id": f"o{i}"} for i in range(200)],
            },
            {
                "typology": "spatiotemporal",
                "pattern": "wrong_coordinates",
                "members": [{"kind": "person", "id": "w1"}],
            },
        ],
    }


def _leads() -> list[dict[str, Any]]:
    def lead(typ: str, ids: list[str]) -> dict[str, Any]:
        return {"typology": typ, "members": [{"kind": "person", "id": x} for x in ids]}

    # the single trip is missed; the card-pooling ring is found inside a lead that also
    # swallows 10 of the platform's customers
    return [
        lead("spatiotemporal", ["b"]),
        lead("card_pooling", ["c1", "c2"] + [f"o{i}" for i in range(10)]),
    ]


def _trial(seed: int) -> dict[str, Any]:
    truth, leads = _truth(), _leads()
    return {
        "seed": seed,
        "seconds": {"generate": 1.0, "reset": 0.0, "ingest": 2.0, "detect": 3.0, "export": 0.1},
        "overall": evaluate(truth, leads),
        "cells": rb.relabel(evaluate_cells(truth, leads, rb.AXES)),
        "lookalike_patterns": lookalikes_by_pattern(truth, leads),
    }


def test_report_adds_seeds_and_marks_misses(tmp_path: Path) -> None:
    trials = [_trial(1), _trial(2)]
    overall = rb.add_overall(trials)
    st = overall["spatiotemporal"]
    assert (st["rings"], st["found"], st["ring_recall"]) == (4, 2, 0.5)
    assert not st["meets_targets"]
    cp = overall["card_pooling"]
    assert (cp["rings"], cp["found"], cp["lead_members"], cp["correct_members"]) == (2, 2, 24, 4)
    assert cp["lookalike_rate"] == 0.05 and not cp["meets_targets"]
    res = {
        "command": "python -m bench.robustness --test",
        "date": "2026-01-01 00:00",
        "persons": 100,
        "seeds": [1, 2],
        "rings": 2,
        "fixed": {},
        "overall": overall,
        "cells": rb.relabel(rb.combine_cells([t["cells"] for t in trials])),
        "lookalike_patterns": rb.add_patterns(trials),
        "seconds": {"1": trials[0]["seconds"], "2": trials[1]["seconds"]},
    }
    cells = {tuple(c["bin"]): c for c in res["cells"]["spatiotemporal"]["cells"]}
    assert cells[(0, 0)]["rings"] == 2 and cells[(0, 0)]["found"] == 0
    assert cells[(2, 2)]["found"] == 2 and cells[(2, 2)]["labels"] == ["3–5", ">800"]
    md = rb.markdown(res)
    assert "| trips \\ distance_km | ≤300 | 300–800 | >800 |" in md
    assert "| 1 | 0/2 (0.00), P – ✗ | – | – |" in md
    assert "online_platform_orders 20/400" in md
    assert "| card_pooling | 2 | 2 | 1.00 | 24 | 0.17 | 400 | 20 | 5.0% | ✗ |" in md
    rb.plot(res, tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 10_000


def test_every_typology_has_axes_in_the_sweep() -> None:
    assert set(rb.AXES) == set(SPACE) == set(CELLS)
    for typ, ax in rb.AXES.items():
        assert [p for p, _ in ax] == [a.param for a in CELLS[typ]]


def test_docs_hold_the_current_space() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "robustness.md").read_text(
        encoding="utf-8"
    )
    assert space_markdown() in doc
