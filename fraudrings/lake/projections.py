"""Projections: what a detector computes from rows, as SQL over the lake.

Each projection is one statement, ``sql/projection_<name>.sql``, whose ``$params`` are
the Parquet files of the tables it reads (a parameter named after a table) and the
detector's own settings (given by the caller); it returns the rows the detector's Cypher
query returns from the graph (same columns, same order), so a detector can take them
from either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fraudrings.ingest.validate import LOAD_ORDER
from fraudrings.lake import sql
from fraudrings.lake.engine import Engine
from fraudrings.lake.errors import LakeError

PREFIX = "projection_"


def names() -> list[str]:
    return [n.removeprefix(PREFIX) for n in sql.names() if n.startswith(PREFIX)]


def run(
    lake_dir: Path,
    name: str,
    params: dict[str, Any] | None = None,
    engine: Engine | None = None,
) -> list[dict[str, Any]]:
    """The rows of one projection over the lake under ``lake_dir``, as dicts; ``params``
    are its settings (e.g. ``max_gap_days``)."""
    st = sql.load(PREFIX + name)
    values = dict(params or {})
    for table in sorted(st.params & set(LOAD_ORDER)):
        if not any((lake_dir / table).glob("**/*.parquet")):
            raise LakeError(f"projection {name}: the lake holds no {table} yet ({lake_dir})")
        values[table] = str(lake_dir / table / "**" / "*.parquet")
    missing = st.params - values.keys()
    if missing:
        raise LakeError(f"projection {name} needs {sorted(missing)}")
    eng = engine or Engine()
    try:
        cols = eng.columns(st.body.rstrip().rstrip(";"), values)
        return [dict(zip(cols, row, strict=True)) for row in eng.fetch(st.body, values)]
    finally:
        if engine is None:
            eng.close()
