"""Projections: what a detector computes from rows, as SQL over the lake.

Each projection is one statement, ``sql/projection_<name>.sql``, whose ``$params`` are
the Parquet files of the tables it reads; it returns the rows the detector's Cypher
query returns from the graph (same columns, same order), so a detector can take them
from either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fraudrings.lake import sql
from fraudrings.lake.engine import Engine
from fraudrings.lake.errors import LakeError

PREFIX = "projection_"


def names() -> list[str]:
    return [n.removeprefix(PREFIX) for n in sql.names() if n.startswith(PREFIX)]


def run(lake_dir: Path, name: str, engine: Engine | None = None) -> list[dict[str, Any]]:
    """The rows of one projection over the lake under ``lake_dir``, as dicts."""
    st = sql.load(PREFIX + name)
    params = {}
    for table in sorted(st.params):
        if not any((lake_dir / table).glob("**/*.parquet")):
            raise LakeError(f"projection {name}: the lake holds no {table} yet ({lake_dir})")
        params[table] = str(lake_dir / table / "**" / "*.parquet")
    eng = engine or Engine()
    try:
        cols = eng.columns(st.body.rstrip().rstrip(";"), params)
        return [dict(zip(cols, row, strict=True)) for row in eng.fetch(st.body, params)]
    finally:
        if engine is None:
            eng.close()
