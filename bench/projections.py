"""Projections on two engines: each lake projection (DuckDB over the Parquet lake) beside
its detector's Cypher query on Neo4j, for one drop that both hold.

The graph must already hold the drop (``fraudrings ingest``); the lake is made from the
same files if its folder does not exist yet (the load is timed). Then, for ``--rounds``
rounds, each query runs on the graph and then on the lake, alternately, so both meet the
same noise of a shared machine; the table gives the medians, their ratio and the rows,
which must agree. Results go to bench/results/projections.json and .png.

    NEO4J_INSTANCE=big NEO4J_BOLT_PORT=57687 NEO4J_HTTP_PORT=57474 \\
        .venv/bin/python -m bench.projections --drop /tmp/b200 --lake /tmp/b200.lake
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fraudrings.core.settings import get_settings  # noqa: E402
from fraudrings.graph.detect.config import DetectConfig  # noqa: E402
from fraudrings.graph.detect.source import PROJECTION_OF  # noqa: E402
from fraudrings.graph.gateway import Gateway  # noqa: E402
from fraudrings.lake import projections  # noqa: E402
from fraudrings.lake.ingest import LakeIngest  # noqa: E402

PARAMS: dict[str, dict[str, Any]] = {
    "detect_split_admissions": {"max_gap_days": DetectConfig().split.max_gap_days},
}


def _size(rows: list[dict[str, Any]]) -> int:
    """Rows, or the settlements in them where a row is a shop's list."""
    return sum(len(r["arrivals"]) if "arrivals" in r else 1 for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--drop", required=True, type=Path)
    ap.add_argument("--lake", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "projections.json")
    args = ap.parse_args()
    result: dict[str, Any] = {"drop": str(args.drop), "rounds": args.rounds, "queries": {}}
    if not args.lake.exists():
        t = time.perf_counter()
        rep = LakeIngest(lake_dir=args.lake, quarantine_root=args.lake.parent / "q-bench").run(
            args.drop
        )
        secs = time.perf_counter() - t
        result["lake_ingest"] = {"seconds": round(secs, 1), "rows": rep.rows_read}
        print(f"lake ingest: {rep.rows_read:,} rows in {secs:.1f} s", flush=True)
    with Gateway.from_settings(get_settings()) as gw:
        for query, name in PROJECTION_OF.items():
            params = PARAMS.get(query, {})
            times: dict[str, list[float]] = {"graph": [], "lake": []}
            sizes: dict[str, int] = {}
            for _ in range(args.rounds):
                t = time.perf_counter()
                rows = gw.read(query, params)
                times["graph"].append(time.perf_counter() - t)
                sizes["graph"] = _size(rows)
                t = time.perf_counter()
                rows = projections.run(args.lake, name, params)
                times["lake"].append(time.perf_counter() - t)
                sizes["lake"] = _size(rows)
            g, k = statistics.median(times["graph"]), statistics.median(times["lake"])
            result["queries"][name] = {
                "graph_s": round(g, 3),
                "lake_s": round(k, 3),
                "lake_over_graph": round(k / g, 3),
                "rows": sizes,
            }
            print(
                f"{name:<20} graph {g:7.2f} s  lake {k:7.2f} s  ratio {k / g:5.2f}  rows {sizes}",
                flush=True,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    _plot(result, args.out.with_suffix(".png"))
    return 0


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["queries"])
    g = [result["queries"][n]["graph_s"] for n in names]
    k = [result["queries"][n]["lake_s"] for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], g, height=0.4, label="Neo4j (Cypher)")
    ax.barh([i - 0.2 for i in y], k, height=0.4, label="DuckDB over the lake")
    ax.set_yticks(list(y), names)
    ax.set_xlabel(f"seconds, median of {result['rounds']}")
    ax.set_title(f"Projection rows, {Path(result['drop']).name}")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    raise SystemExit(main())
