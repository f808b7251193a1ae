"""Community detection on projections pulled out of Neo4j.

A projection is a weighted, undirected graph over string keys (psn_no, fixmedins_code,
...). It becomes an igraph ``Graph``; communities come from igraph's own ``community_leiden``
(the default) or leidenalg. Both are seeded, so the same projection always gives
the same partition. ``bench/detect.py`` compares the two on the detectors' projections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import igraph as ig
import leidenalg

Method = Literal["leidenalg", "igraph"]

# Chosen by measurement (bench/detect.py, README "Detection"): on every projection of
# the 20,000-person drop both give the same partition and modularity, and igraph's
# C implementation is 10-15x faster. leidenalg stays available (--method leidenalg)
# for its other quality functions (CPM, significance) and for the comparison.
DEFAULT_METHOD: Method = "igraph"


@dataclass
class Projection:
    """Weighted undirected edges between keyed nodes; parallel edges add up."""

    name: str
    index: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    weights: dict[tuple[int, int], float] = field(default_factory=dict)

    def node(self, key: str) -> int:
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.keys)
            self.keys.append(key)
        return i

    def add(self, a: str, b: str, w: float = 1.0) -> None:
        if a == b:
            return
        i, j = self.node(a), self.node(b)
        e = (i, j) if i < j else (j, i)
        self.weights[e] = self.weights.get(e, 0.0) + w

    def add_nodes(self, keys: Iterable[str]) -> None:
        for k in keys:
            self.node(k)

    def graph(self) -> ig.Graph:
        g = ig.Graph(n=len(self.keys), edges=list(self.weights), directed=False)
        g.es["weight"] = list(self.weights.values())
        return g

    @property
    def n_edges(self) -> int:
        return len(self.weights)


@dataclass(frozen=True)
class Partition:
    membership: list[int]
    modularity: float
    method: Method

    def groups(self, keys: list[str]) -> list[list[str]]:
        """Communities as lists of keys, largest first, ties by first key (stable)."""
        out: dict[int, list[str]] = {}
        for k, c in zip(keys, self.membership, strict=True):
            out.setdefault(c, []).append(k)
        groups = [sorted(v) for v in out.values()]
        groups.sort(key=lambda v: (-len(v), v[0]))
        return groups


def leiden(
    g: ig.Graph,
    *,
    method: Method = DEFAULT_METHOD,
    resolution: float = 1.0,
    seed: int = 42,
    iterations: int = -1,
) -> Partition:
    """Modularity-based Leiden (RB configuration model), weighted by edge "weight"."""
    if g.vcount() == 0:
        return Partition([], 0.0, method)
    weights = g.es["weight"] if g.ecount() else None
    if method == "leidenalg":
        part = leidenalg.find_partition(
            g,
            leidenalg.RBConfigurationVertexPartition,
            weights=weights,
            resolution_parameter=resolution,
            seed=seed,
            n_iterations=iterations,
        )
        membership = list(part.membership)
    elif method == "igraph":
        ig.set_random_number_generator(_Seeded(seed))
        try:
            cl = g.community_leiden(
                objective_function="modularity",
                weights=weights,
                resolution=resolution,
                n_iterations=iterations,
            )
        finally:
            ig.set_random_number_generator(_default_rng())
        membership = list(cl.membership)
    else:  # pragma: no cover - Literal guards callers
        raise ValueError(f"unknown method {method!r}")
    q = g.modularity(membership, weights=weights) if g.ecount() else 0.0
    return Partition(membership, float(q), method)


def _default_rng() -> object:
    import random

    return random


class _Seeded:
    """A ``random``-compatible generator for igraph, seeded per call."""

    def __init__(self, seed: int) -> None:
        import random

        self._r = random.Random(seed)

    def random(self) -> float:
        return self._r.random()

    def randint(self, a: int, b: int) -> int:
        return self._r.randint(a, b)

    def gauss(self, mu: float, sigma: float) -> float:
        return self._r.gauss(mu, sigma)

    def getrandbits(self, k: int) -> int:
        return self._r.getrandbits(k)
