"""One definition, two engines: each lake projection computed by Spark (``local[2]``,
from the kept Spark SQL) equals DuckDB's on a generated 2,000-person drop. Needs the
optional extra (``pip install .[spark]``) and Java 17; skipped without them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fraudrings.lake import projections, spark
from fraudrings.lake.ingest import LakeIngest
from fraudrings.synth import generate

pyspark = pytest.importorskip("pyspark")
pytestmark = pytest.mark.integration

PARAMS: dict[str, dict[str, Any]] = {"split_admissions": {"max_gap_days": 15.0}}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("spark")
    generate(tmp / "drop", persons=2000, seed=5)
    LakeIngest(lake_dir=tmp / "lake", quarantine_root=tmp / "q").run(tmp / "drop")
    return tmp / "lake"


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    s = (
        SparkSession.builder.master("local[2]")
        .appName("fraudrings-lake-parity")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield s
    s.stop()


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if hasattr(v, "quantize"):  # Decimal
        return round(float(v), 6)
    return v


@pytest.mark.parametrize("name", spark.projection_names())
def test_spark_gives_duckdbs_rows(lake: Path, session: Any, name: str) -> None:
    params = PARAMS.get(name, {})
    want = projections.run(lake, name, params)
    got = spark.run(session, lake, name, params)
    assert want, name
    assert [list(r) for r in got] == [list(r) for r in want]
    assert [[_norm(v) for v in r.values()] for r in got] == [
        [_norm(v) for v in r.values()] for r in want
    ]


def test_detectors_read_the_same_rows_through_either_engine(lake: Path, session: Any) -> None:
    from fraudrings.graph.detect.source import PROJECTION_OF, LakeFirst

    duck, sprk = LakeFirst(None, lake), LakeFirst(None, lake, session)  # type: ignore[arg-type]
    for query, name in PROJECTION_OF.items():
        params = PARAMS.get(name, {})
        a, b = duck.read(query, params), sprk.read(query, params)
        assert a, query
        assert [[_norm(v) for v in r.values()] for r in a] == [
            [_norm(v) for v in r.values()] for r in b
        ], query
