"""The lake's projections on Apache Spark, from the same definitions as on DuckDB.

Each projection's DuckDB statement (``sql/projection_<name>.sql``) is transpiled to Spark
SQL with sqlglot: a table parameter (``read_parquet($settlements, ...)``) becomes a view
``lake_settlements`` the session registers over the same Parquet files, a value
parameter (``$max_gap_days``) a named argument (``:max_gap_days``), and sqlglot rewrites
what Spark lacks (``QUALIFY`` into a filtered subquery; DuckDB's nulls-last ordering
spelled out). The generated text is kept, reviewed, in ``spark_sql/`` (a test fails when
a DuckDB statement changed and the file was not regenerated: ``python -m
fraudrings.lake.spark --write``). Where sqlglot cannot say it in Spark (an aggregate with
its own ORDER BY), the file is written by hand and named in ``BY_HAND`` with the reason.

Spark is an optional extra (``pip install .[spark]``); only :func:`run` needs it, and
nothing on the default path imports this module.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import sqlglot

from fraudrings.lake import sql
from fraudrings.lake.errors import LakeError

HERE = Path(__file__).resolve().parent / "spark_sql"
PREFIX = "projection_"
_TABLE = re.compile(r"read_parquet\(\$([A-Za-z_]+), hive_partitioning = false\)")

# projections whose Spark text is written by hand, and why sqlglot's is not Spark
BY_HAND: dict[str, str] = {
    "pooling_arrivals": "list(... ORDER BY ...) has no Spark form: Spark sorts a "
    "collect_list of structs with array_sort and keeps one field",
}


def tables(name: str) -> list[str]:
    """The lake tables a projection reads."""
    return sorted(set(_TABLE.findall(sql.load(PREFIX + name).body)))


def transpile(name: str) -> str:
    """Spark SQL of one projection, from its DuckDB statement."""
    body = _TABLE.sub(r"lake_\1", sql.load(PREFIX + name).body).strip().rstrip(";")
    (out,) = sqlglot.transpile(body, read="duckdb", write="spark", pretty=True)
    return out


def golden(name: str) -> str:
    """The kept Spark SQL of one projection (without its header)."""
    path = HERE / f"{name}.sql"
    if not path.is_file():
        raise LakeError(f"no Spark SQL kept for projection {name!r} ({path})")
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(x for x in lines if not x.startswith("--")).strip()


def header(name: str) -> str:
    return (
        f"-- Spark SQL of the lake projection {name}, generated from\n"
        f"-- fraudrings/lake/sql/{PREFIX}{name}.sql by `python -m fraudrings.lake.spark "
        f"--write`;\n-- do not edit: change the DuckDB statement and regenerate.\n"
    )


def write() -> list[str]:
    """Regenerates every transpiled file; the names written."""
    HERE.mkdir(exist_ok=True)
    done = []
    for name in projection_names():
        if name in BY_HAND:
            continue
        (HERE / f"{name}.sql").write_text(header(name) + transpile(name) + "\n", encoding="utf-8")
        done.append(name)
    return done


def projection_names() -> list[str]:
    return [n.removeprefix(PREFIX) for n in sql.names() if n.startswith(PREFIX)]


def start(master: str) -> Any:
    """A Spark session at ``master`` for the projections (UTC, no UI); needs the extra
    (``pip install .[spark]``)."""
    import os

    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise LakeError(
            "the Spark engine needs the optional extra: pip install '.[spark]'"
        ) from exc
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master(master)
        .appName("fraudrings")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def run(
    session: Any, lake_dir: Path, name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The rows of one projection over the lake under ``lake_dir``, computed by the
    Spark ``session`` from the kept Spark SQL (the same columns and order as
    :func:`fraudrings.lake.projections.run`)."""
    for table in tables(name):
        files = lake_dir / table
        if not any(files.glob("**/*.parquet")):
            raise LakeError(f"projection {name}: the lake holds no {table} yet ({lake_dir})")
        # every file under the table's folder; the region and month folders are the
        # lake's layout, not columns (as DuckDB reads them: hive_partitioning off)
        df = session.read.option("recursiveFileLookup", "true").parquet(str(files))
        df.createOrReplaceTempView(f"lake_{table}")
    rows = session.sql(golden(name), args=dict(params or {})).collect()
    return [r.asDict(recursive=True) for r in rows]


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        print("\n".join(write()))
    else:
        print("usage: python -m fraudrings.lake.spark --write", file=sys.stderr)
        raise SystemExit(2)
