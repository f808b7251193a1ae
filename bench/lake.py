"""Lake ingest benchmark: the lake against DuckDB's bare copy and the row validator.

On one drop (default a generated 20,000-person drop in /tmp/lake20k, made if missing),
each in a child process of its own, one after the other:

1. bare: DuckDB reads every CSV file of the drop (every cell as text: a dirty row stops
   its type detection) and writes it to one Parquet file, nothing checked: the floor;
2. lake: ``LakeIngest.run`` into an empty lake (every rule, quarantine, duplicates,
   partitioned Parquet, placeholders);
3. rows: the online loader's row loop (``ingest.loader.accepted_rows``: readers,
   validation, duplicates, quarantine) without Neo4j, the path the lake replaces.

Rates are rows read per second of wall time and per CPU second of the child (the machine
is shared, so the CPU rate is the steadier one); ratios are taken between runs of this
one invocation. Results go to bench/results/lake.json.

    .venv/bin/python -m bench.lake --drop /tmp/lake20k
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fraudrings.ingest.loader import (  # noqa: E402
    FileReport,
    accepted_rows,
    drop_files,
    quarantine_dir,
)
from fraudrings.lake.contract import literal  # noqa: E402
from fraudrings.lake.engine import Engine  # noqa: E402
from fraudrings.lake.ingest import LakeIngest  # noqa: E402

PHASES = ("bare", "lake", "rows")


def _bare(drop: Path, work: Path) -> int:
    rows = 0
    with Engine(memory_limit_mb=1024) as eng:
        for stem, path in drop_files(drop).items():
            if path is None:
                continue
            out = literal(str(work / f"{stem}.parquet"))
            ((n,),) = eng.fetch(
                f"COPY (SELECT * FROM read_csv($p, all_varchar = true)) TO {out} (FORMAT parquet)",
                {"p": str(path)},
            )
            rows += int(n)
    return rows


def _lake(drop: Path, work: Path) -> int:
    report = LakeIngest(lake_dir=work / "lake", quarantine_root=work / "q").run(drop)
    return report.rows_read


def _rows(drop: Path, work: Path) -> int:
    rows = 0
    for stem, path in drop_files(drop).items():
        if path is None:
            continue
        rep = FileReport(source=path.name)
        rep.loaded = sum(1 for _ in accepted_rows(stem, path, rep, quarantine_dir(work, drop)))
        rows += rep.read
    return rows


def run_phase(phase: str, drop: Path) -> dict[str, Any]:
    """One phase in this process: rows, wall and CPU seconds, peak RSS."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-lake-{phase}-"))
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        rows = {"bare": _bare, "lake": _lake, "rows": _rows}[phase](drop, work)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(rows / seconds),
        "rows_per_cpu_second": round(rows / cpu),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drop", default="/tmp/lake20k")
    ap.add_argument("--persons", type=int, default=20000, help="to generate a missing drop")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "lake.json"))
    ap.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    drop = Path(args.drop)
    if args.phase:
        print(json.dumps(run_phase(args.phase, drop)))
        return 0
    if not drop.is_dir():
        from fraudrings.synth import generate

        generate(drop, persons=args.persons, seed=args.seed)
    results: dict[str, Any] = {
        "drop": str(drop),
        "bytes": sum(p.stat().st_size for p in drop.iterdir() if p.is_file()),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "phases": {},
    }
    for phase in PHASES:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.lake", "--drop", str(drop), "--phase", phase],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        results["phases"][phase] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(phase, results["phases"][phase], flush=True)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    p = results["phases"]
    for key in ("rows_per_second", "rows_per_cpu_second"):
        results[f"lake_to_bare_{key}"] = round(p["lake"][key] / p["bare"][key], 3)
        results[f"lake_to_rows_{key}"] = round(p["lake"][key] / p["rows"][key], 2)
    results["targets"] = {
        "lake_rows_per_second_at_least": 150_000,
        "lake_to_bare_at_least": 0.25,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if k != "phases"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
