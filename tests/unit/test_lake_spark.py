"""The lake's projections in Spark SQL: one definition (the DuckDB statement), the
transpiled text kept and current, every kept file valid Spark SQL; nothing imports
pyspark on the default path."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlglot

import fraudrings
from fraudrings.lake import spark

ROOT = Path(fraudrings.__file__).resolve().parent


def test_every_projection_has_its_spark_sql_kept() -> None:
    kept = {p.stem for p in spark.HERE.glob("*.sql")}
    assert kept == set(spark.projection_names())


@pytest.mark.parametrize("name", [n for n in spark.projection_names() if n not in spark.BY_HAND])
def test_the_kept_spark_sql_is_what_the_duckdb_statement_gives_today(name: str) -> None:
    assert spark.golden(name) == spark.transpile(name), (
        f"{name}: the DuckDB statement changed; run `python -m fraudrings.lake.spark --write`"
    )


@pytest.mark.parametrize("name", spark.projection_names())
def test_every_kept_file_parses_as_spark_sql_over_the_lake_views(name: str) -> None:
    tree = sqlglot.parse_one(spark.golden(name), read="spark")
    read = {t.name for t in tree.find_all(sqlglot.exp.Table)}
    assert {f"lake_{t}" for t in spark.tables(name)} <= read
    assert "read_parquet" not in spark.golden(name)


def test_a_projection_written_by_hand_says_so() -> None:
    for name, why in spark.BY_HAND.items():
        assert why
        head = (spark.HERE / f"{name}.sql").read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith("--") and "by hand" in (spark.HERE / f"{name}.sql").read_text(
            encoding="utf-8"
        )


def test_only_the_spark_room_imports_pyspark_and_only_when_asked() -> None:
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "pyspark" for n in names):
                assert path == ROOT / "lake" / "spark.py", path
                assert id(node) not in top, "pyspark imported when the module loads"
