"""Where a detector's rows come from: the graph, or the lake for the queries a lake
projection answers (the same columns in the same order, proved against a real server by
``tests/integration/test_lake_vs_graph.py``). Everything else (details of the rows
found, contacts, paths, communities, the leads written back) stays with the graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from fraudrings.graph.gateway import Gateway
from fraudrings.lake import projections

# a detector's query -> the lake projection that gives its rows
PROJECTION_OF: dict[str, str] = {
    "detect_deceased_claims": "deceased_claims",
    "detect_split_admissions": "split_admissions",
    "detect_pooling_arrivals": "pooling_arrivals",
}


class Reader(Protocol):
    """What a detector reads rows with: a gateway, or a :class:`LakeFirst`."""

    def read(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of the named query."""
        ...


class LakeFirst:
    """Reads a detector's query from the lake under ``lake_dir`` when a projection gives
    its rows, else from the graph; ``from_lake`` lists the queries it answered so. With
    a Spark ``session`` the projections run on Spark (``lake/spark.py``), else on
    DuckDB."""

    def __init__(self, gw: Gateway, lake_dir: Path, session: Any = None) -> None:
        self.gw = gw
        self.lake_dir = lake_dir
        self.session = session
        self.from_lake: list[str] = []

    def read(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        projection = PROJECTION_OF.get(name)
        if projection is None:
            return self.gw.read(name, params)
        self.from_lake.append(name)
        if self.session is not None:
            from fraudrings.lake import spark

            return spark.run(self.session, self.lake_dir, projection, dict(params or {}))
        return projections.run(self.lake_dir, projection, dict(params or {}))
