"""Two engines on the same drop: each lake projection (DuckDB over Parquet) gives the
rows its detector's Cypher query reads from the graph (Neo4j), loaded from the same
files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway
from fraudrings.ingest.loader import Loader
from fraudrings.lake import projections
from fraudrings.lake.ingest import LakeIngest
from fraudrings.synth import generate

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def both(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, Path]]:
    schema.empty(gw)
    tmp = tmp_path_factory.mktemp("lake_vs_graph")
    generate(tmp / "drop", persons=1500, seed=9)
    Loader(gw, batch_size=5000, quarantine_root=tmp / "q1", progress=False).load(tmp / "drop")
    LakeIngest(lake_dir=tmp / "lake", quarantine_root=tmp / "q2").run(tmp / "drop")
    yield gw, tmp / "lake"
    schema.empty(gw)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6
    return bool(a == b)


def _rows_equal(graph: list[dict[str, Any]], lake: list[dict[str, Any]]) -> None:
    assert len(graph) == len(lake)
    for g, k in zip(graph, lake, strict=True):
        assert list(g) == list(k)
        bad = {c: (g[c], k[c]) for c in g if not _same(g[c], k[c])}
        assert not bad, (g, bad)


def test_deceased_claims(both: tuple[Gateway, Path]) -> None:
    gw, lake = both
    graph = gw.read("detect_deceased_claims")
    assert graph
    _rows_equal(graph, projections.run(lake, "deceased_claims"))


def test_split_admissions(both: tuple[Gateway, Path]) -> None:
    gw, lake = both
    graph = gw.read("detect_split_admissions", {"max_gap_days": 15.0})
    assert graph
    _rows_equal(graph, projections.run(lake, "split_admissions", {"max_gap_days": 15.0}))


def test_pooling_arrivals(both: tuple[Gateway, Path]) -> None:
    gw, lake = both

    def parsed(rows: list[dict[str, Any]]) -> list[tuple[str, list[tuple[datetime, str, str]]]]:
        return [
            (r["inst"], [(datetime.fromisoformat(t), p, i) for t, p, i in r["arrivals"]])
            for r in rows
        ]

    graph = parsed(gw.read("detect_pooling_arrivals"))
    assert sum(len(xs) for _, xs in graph) > 1000
    assert graph == parsed(projections.run(lake, "pooling_arrivals"))


def test_detectors_find_the_same_leads_from_either(both: tuple[Gateway, Path]) -> None:
    from fraudrings.graph.detect import models, surges
    from fraudrings.graph.detect.config import DetectConfig
    from fraudrings.graph.detect.source import LakeFirst

    gw, lake = both
    cfg = DetectConfig()
    rows = LakeFirst(gw, lake)
    runs = {
        "deceased": lambda src: models.deceased(src, cfg.deceased),
        "split": lambda src: models.split(src, cfg.split),
        "surges": lambda src: surges.pooling_surges(src, cfg.pooling),
    }
    for name, detect in runs.items():
        graph, from_lake = detect(gw), detect(rows)
        if name != "surges":
            assert graph, name
        assert [(d.anchor(), d.evidence, round(d.amount_at_risk, 2)) for d in graph] == [
            (d.anchor(), d.evidence, round(d.amount_at_risk, 2)) for d in from_lake
        ], name
    assert sorted(set(rows.from_lake)) == [
        "detect_deceased_claims",
        "detect_pooling_arrivals",
        "detect_split_admissions",
    ]
