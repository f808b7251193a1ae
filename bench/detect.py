"""Detection benchmark: time per stage, and leidenalg against igraph's own Leiden.

Runs on the graph already loaded in the Neo4j that the settings point to (load a drop
first with ``fraudrings ingest``), so one loaded graph serves many runs:

1. a full ``detect`` run (leads stored), timed per stage: queries, projection (building
   the igraph graphs), community detection, scoring, write-back; repeated ``--runs``
   times (the second run also proves identity: it creates no new leads);
2. on the same projections (coordinated buyers, co-admissions, and every co-admission
   pair including those seen once: a larger, noisier graph), leidenalg
   (RBConfiguration, modularity) against ``igraph.Graph.community_leiden``
   (objective "modularity"), same seed and resolution: median time over ``--repeat``
   runs, modularity and community count, side by side.

Results are appended to bench/results/detect.json (keyed by graph size) and drawn in
bench/results/detect.png.

    .venv/bin/python -m bench.detect --label 20000
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
from fraudrings.graph import schema  # noqa: E402
from fraudrings.graph.community import Projection, leiden  # noqa: E402
from fraudrings.graph.detect import run_all, run_detectors  # noqa: E402
from fraudrings.graph.detect.config import DetectConfig  # noqa: E402
from fraudrings.graph.detect.inpatient import co_admissions  # noqa: E402
from fraudrings.graph.gateway import Gateway  # noqa: E402

OUT = ROOT / "bench" / "results"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def compare_methods(gw: Gateway, repeat: int) -> dict[str, Any]:
    cfg = DetectConfig()
    _, buy, inp = run_detectors(gw, cfg)
    # and a larger, noisier graph: every co-admission pair, even those seen once
    stays = gw.read("detect_inpatient_stays")
    full = Projection("coadmission_all_pairs")
    for (a, b), n in co_admissions(stays, cfg.inpatient.window_hours).items():
        full.add(a, b, float(n))
    out: dict[str, Any] = {}
    for name, proj, res in (
        ("buyers", buy.projection, cfg.buyers.resolution),
        ("coadmission", inp.projection, 1.0),
        ("coadmission_all_pairs", full, 1.0),
    ):
        g = proj.graph()
        row: dict[str, Any] = {"nodes": g.vcount(), "edges": g.ecount()}
        for method in ("leidenalg", "igraph"):
            times = []
            part = None
            for _ in range(repeat):
                t = time.perf_counter()
                part = leiden(g, method=method, resolution=res, seed=42)
                times.append(time.perf_counter() - t)
            assert part is not None
            row[method] = {
                "median_s": round(statistics.median(times), 5),
                "modularity": round(part.modularity, 5),
                "communities": len(set(part.membership)),
            }
        out[name] = row
    return out


def plot(entry: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    stages = entry["runs"][0]["stages"]
    a.barh(list(stages), list(stages.values()), color="#4477aa")
    a.set_xlabel("seconds (first run)")
    a.set_title(f"detect, {entry['label']}: {entry['runs'][0]['total_seconds']:.1f} s")
    names = list(entry["methods"])
    x = range(len(names))
    la = [entry["methods"][n]["leidenalg"]["median_s"] * 1000 for n in names]
    ig_ = [entry["methods"][n]["igraph"]["median_s"] * 1000 for n in names]
    b.bar([i - 0.2 for i in x], la, width=0.4, label="leidenalg")
    b.bar([i + 0.2 for i in x], ig_, width=0.4, label="igraph community_leiden")
    for i, n in enumerate(names):
        m = entry["methods"][n]
        b.text(
            i,
            max(la[i], ig_[i]) * 1.05,
            f"Q {m['leidenalg']['modularity']:.3f} / {m['igraph']['modularity']:.3f}",
            ha="center",
            fontsize=8,
        )
    b.set_xticks(list(x), [f"{n}\n{entry['methods'][n]['nodes']} nodes" for n in names])
    b.set_ylabel("ms (median)")
    b.set_title("Leiden on the same projections")
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--label", required=True, help="name of the loaded graph, e.g. 20000")
    ap.add_argument("--runs", type=int, default=2, help="full detection runs")
    ap.add_argument("--repeat", type=int, default=5, help="Leiden repeats per method")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with Gateway.from_settings(get_settings()) as gw:
        st = schema.stats(gw)
        log(f"graph: {st['nodes']} nodes, {st['relationships']} relationships")
        runs = []
        for i in range(args.runs):
            log(f"detect run {i + 1}/{args.runs}")
            rep = run_all(gw)
            runs.append(
                {
                    "total_seconds": rep["total_seconds"],
                    "stages": rep["stages"],
                    "per_detector": rep["seconds"],
                    "leads": {k: v["leads"] for k, v in rep["typologies"].items()},
                    "created": sum(v["created"] for v in rep["typologies"].values()),
                }
            )
            log(f"  {rep['total_seconds']:.1f}s {rep['stages']}")
        log("leidenalg vs igraph")
        methods = compare_methods(gw, args.repeat)
    entry = {
        "label": args.label,
        "nodes": st["nodes"],
        "relationships": st["relationships"],
        "runs": runs,
        "methods": methods,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    path = OUT / "detect.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[args.label] = entry
    path.write_text(json.dumps(data, indent=1) + "\n")
    plot(entry, OUT / "detect.png")
    print(json.dumps(entry, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
