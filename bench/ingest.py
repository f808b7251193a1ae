"""Ingest benchmark: our loader against two baselines, side by side, in one run.

For each drop size (persons) it generates a synthetic drop (cached under data/bench/)
and measures on a dedicated local Neo4j instance ("bench", its own ports and data; env
BENCH_INSTANCE, BENCH_BOLT_PORT, BENCH_HTTP_PORT, BENCH_HEAP, BENCH_PAGECACHE):

1. ours, full drop: ``fraudrings ingest`` in a child process; rows/s over every file and
   the loader's peak RSS (from wait4, the child's own maximum resident set);
2. ours, settlements.csv only, into an empty database;
3. LOAD CSV: the server loads the same settlements.csv itself with
   ``CALL {} IN TRANSACTIONS`` (queries/bench_load_csv_settlements.cypher);
4. naive: one MERGE per row, one transaction each, on the first N settlement rows;
5. initial, full drop: ``fraudrings ingest --initial --yes`` (the offline importer,
   ``ingest/offline.py``) in a child process: rows/s over every file, end to end (the
   Python pass, the server stopped, the import, the server started, schema and indexes),
   the peak RSS of the Python pass and of the importer's JVM, and the time of each phase;
6. initial, settlements.csv only (a drop of that one file), for the ratio to LOAD CSV.

Ratios are taken between runs of the same size in the same process run, because the
machine is shared and noisy. Results go to bench/results/ingest.json and ingest.png.

    .venv/bin/python -m bench.ingest --sizes 20000,200000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fraudrings.core.settings import Settings, get_settings  # noqa: E402
from fraudrings.graph import schema  # noqa: E402
from fraudrings.graph.gateway import Gateway  # noqa: E402
from fraudrings.graph.server import LocalServer  # noqa: E402
from fraudrings.ingest import readers  # noqa: E402
from fraudrings.ingest.loader import TRANSFORMS, Loader  # noqa: E402
from fraudrings.ingest.validate import SPECS, validate  # noqa: E402

BENCH_INSTANCE = os.environ.get("BENCH_INSTANCE", "bench")
BENCH_BOLT = int(os.environ.get("BENCH_BOLT_PORT", "27687"))
BENCH_HTTP = int(os.environ.get("BENCH_HTTP_PORT", "27474"))
PHASES = ("check", "prepare", "import", "start", "schema")  # of the initial load's report


def bench_settings() -> Settings:
    base = get_settings()
    return base.model_copy(
        update={
            "neo4j_instance": BENCH_INSTANCE,
            "neo4j_bolt_port": BENCH_BOLT,
            "neo4j_http_port": BENCH_HTTP,
            "neo4j_uri": f"bolt://127.0.0.1:{BENCH_BOLT}",
            "neo4j_heap": os.environ.get("BENCH_HEAP", "4g"),
            "neo4j_pagecache": os.environ.get("BENCH_PAGECACHE", "4g"),
        }
    )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ensure_drop(persons: int, seed: int) -> Path:
    drop = ROOT / "data" / "bench" / f"drop-{persons}-{seed}"
    if not (drop.parent / f"{drop.name}.truth.json").is_file():
        log(f"generating {persons} persons into {drop}")
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "fraudrings.cli",
                "generate",
                "--out",
                str(drop),
                "--persons",
                str(persons),
                "--seed",
                str(seed),
            ],
            check=True,
            cwd=ROOT,
        )
        log(f"generated in {time.perf_counter() - t0:.0f}s")
    return drop


def empty(gw: Gateway) -> None:
    schema.reset(gw)


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (KiB) of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, os.waitstatus_to_exitcode(status), int(usage.ru_maxrss)


def cli_ingest(s: Settings, drop: Path, report: Path, *extra: str) -> dict[str, Any]:
    """``fraudrings ingest DROP`` (with ``extra`` options) against the bench instance in a
    child process: wall seconds, rows/s and the child's peak RSS, with its JSON report."""
    env = {
        **os.environ,
        "NEO4J_URI": s.neo4j_uri,
        "NEO4J_PASSWORD": s.neo4j_password.get_secret_value(),
        "NEO4J_INSTANCE": s.neo4j_instance,
        "NEO4J_BOLT_PORT": str(s.neo4j_bolt_port),
        "NEO4J_HTTP_PORT": str(s.neo4j_http_port),
        "NEO4J_HEAP": s.neo4j_heap,
        "NEO4J_PAGECACHE": s.neo4j_pagecache,
    }
    cmd = [sys.executable, "-m", "fraudrings.cli", "ingest", str(drop), "--report", str(report)]
    secs, rc, rss = run_child([*cmd, *extra], env)
    if rc != 0:
        raise SystemExit(f"ingest {' '.join(extra)} failed with exit code {rc}")
    rep: dict[str, Any] = json.loads(report.read_text())
    rows = rep["rows_read"]
    return {
        "rows": rows,
        "seconds": round(secs, 2),
        "rows_per_s": round(rows / secs),
        "peak_rss_mib": round(rss / 1024, 1),
        "report": rep,
    }


def ours_full(gw: Gateway, s: Settings, drop: Path) -> dict[str, Any]:
    empty(gw)
    report = ROOT / "data" / "bench" / f"{drop.name}.report.json"
    quarantine = str(ROOT / "data" / "bench" / "quarantine")
    run = cli_ingest(s, drop, report, "--quarantine", quarantine)
    rep = run.pop("report")
    run["per_file"] = {
        k: {
            "rows": v["read"],
            "seconds": v["seconds"],
            "rows_per_s": round(v["read"] / v["seconds"]) if v["seconds"] else None,
        }
        for k, v in rep["files"].items()
    }
    return run


def ours_initial(s: Settings, drop: Path) -> dict[str, Any]:
    """The initial (offline importer) load of ``drop`` into the bench instance, replacing
    whatever is in it, as the command line runs it. Its peak RSS is the process tree's
    largest: the importer's JVM; the Python pass's is in the report."""
    report = ROOT / "data" / "bench" / f"{drop.name}.initial-report.json"
    quarantine = str(ROOT / "data" / "bench" / "quarantine-initial")
    run = cli_ingest(
        s, drop, report, "--initial", "--yes", "--no-progress", "--quarantine", quarantine
    )
    rep = run.pop("report")
    keys = ("prepare_peak_rss_mib", "prepare_worker_peak_rss_mib", "importer_peak_rss_mib")
    run |= {k: rep[k] for k in (*keys, "phases_seconds", "workers", "partitions", "imported")}
    return run


def settlements_only(drop: Path) -> Path:
    """A drop holding only the drop's settlements.csv (a link, not a copy)."""
    src = readers.find(drop, "settlements")
    assert src is not None
    one = drop.parent / f"{drop.name}-settlements-only"
    one.mkdir(exist_ok=True)
    dst = one / src.name
    if not dst.exists():
        os.link(src, dst)
    return one


def ours_settlements(gw: Gateway, drop: Path) -> dict[str, Any]:
    empty(gw)
    loader = Loader(gw, quarantine_root=ROOT / "data" / "bench" / "quarantine", progress=False)
    t0 = time.perf_counter()
    rep = loader.load(drop, stems=("settlements",))
    secs = time.perf_counter() - t0
    rows = rep.files["settlements"].read
    return {"rows": rows, "seconds": round(secs, 2), "rows_per_s": round(rows / secs)}


def load_csv_settlements(gw: Gateway, srv: LocalServer, drop: Path) -> dict[str, Any]:
    empty(gw)
    src = readers.find(drop, "settlements")
    assert src is not None and src.suffix == ".csv", "LOAD CSV baseline needs settlements.csv"
    imp = srv.home / "import"
    imp.mkdir(parents=True, exist_ok=True)
    dst = imp / "settlements.csv"
    dst.unlink(missing_ok=True)
    os.link(src, dst) if src.stat().st_dev == imp.stat().st_dev else shutil.copy(src, dst)
    rows = sum(1 for _ in readers.rows(src))
    t0 = time.perf_counter()
    gw.write_auto("bench_load_csv_settlements", {"url": "file:///settlements.csv", "batch": 5000})
    secs = time.perf_counter() - t0
    loaded = gw.run_read_text("MATCH (s:Settlement) WHERE NOT s:Unregistered RETURN count(s) AS n")
    dst.unlink()
    return {
        "rows": rows,
        "seconds": round(secs, 2),
        "rows_per_s": round(rows / secs),
        "settlements_loaded": loaded[0]["n"],
    }


def naive_settlements(gw: Gateway, drop: Path, limit: int) -> dict[str, Any]:
    empty(gw)
    src = readers.find(drop, "settlements")
    assert src is not None
    spec, transform = SPECS["settlements"], TRANSFORMS["settlements"]
    n = 0
    t0 = time.perf_counter()
    for _, raw in readers.rows(src):
        if n >= limit:
            break
        n += 1
        clean, probs = validate(spec, raw)
        if probs:
            continue
        gw.write_batch("ingest_settlements", [transform(clean)])  # one row, one transaction
    secs = time.perf_counter() - t0
    return {"rows": n, "seconds": round(secs, 2), "rows_per_s": round(n / secs)}


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results["runs"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    methods = [
        ("ours_full", "ours online, full drop"),
        ("ours_settlements", "ours online, settlements"),
        ("load_csv_settlements", "LOAD CSV, settlements"),
        ("naive_settlements", "naive MERGE/row, settlements"),
        ("initial_full", "initial (offline importer), full drop"),
        ("initial_settlements", "initial (offline importer), settlements"),
    ]
    width = 0.8 / len(methods)
    for k, (key, label) in enumerate(methods):
        vals = [results["runs"][s].get(key, {}).get("rows_per_s", 0) for s in sizes]
        xs = [i + k * width for i in range(len(sizes))]
        bars = a.bar(xs, vals, width, label=label)
        a.bar_label(bars, labels=[f"{v / 1000:.1f}k" for v in vals], fontsize=7)
    a.axhline(30000, color="red", ls="--", lw=1, label="target 30k rows/s")
    a.set_xticks(
        [i + width * (len(methods) - 1) / 2 for i in range(len(sizes))],
        [f"{s} persons" for s in sizes],
    )
    a.set_ylabel("rows per second")
    a.set_title("Ingest throughput")
    a.legend(fontsize=7)
    labels = [f"{s} persons\n{results['runs'][s]['ours_full']['rows']:,} rows" for s in sizes]
    series = [
        ("ours online (loader)", lambda r: r["ours_full"]["peak_rss_mib"]),
        (
            "initial: Python pass",
            lambda r: r.get("initial_full", {}).get("prepare_peak_rss_mib", 0),
        ),
    ]
    bw = 0.8 / len(series)
    for k, (label, get) in enumerate(series):
        vals = [get(results["runs"][s]) or 0 for s in sizes]
        bars = b.bar([i + k * bw for i in range(len(sizes))], vals, bw, label=label)
        b.bar_label(bars, labels=[f"{v:.0f} MiB" for v in vals], fontsize=7)
    b.set_xticks([i + bw * (len(series) - 1) / 2 for i in range(len(sizes))], labels)
    b.set_ylabel("peak RSS of the Python process (MiB)")
    b.legend(fontsize=7)
    title = "Loader memory does not grow with the drop" if len(sizes) > 1 else "Loader memory"
    b.set_title(f"{title}\n(the importer's JVM: see the table)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="20000,200000", help="comma-separated person counts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--naive-rows", type=int, default=20000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--keep-server", action="store_true")
    ap.add_argument("--no-initial", action="store_true", help="skip the offline importer runs")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    s = bench_settings()
    srv = LocalServer(s)
    srv.start(quiet=True)
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "runs": {}}
    try:
        with Gateway.from_settings(s) as gw:
            results["neo4j"] = gw.server_info()
            for n in sizes:
                drop = ensure_drop(n, args.seed)
                run: dict[str, Any] = {}
                log(f"{n}: ours, full drop")
                run["ours_full"] = ours_full(gw, s, drop)
                log(f"{n}: ours, settlements")
                run["ours_settlements"] = ours_settlements(gw, drop)
                log(f"{n}: LOAD CSV, settlements")
                run["load_csv_settlements"] = load_csv_settlements(gw, srv, drop)
                log(f"{n}: naive, {args.naive_rows} rows")
                run["naive_settlements"] = naive_settlements(gw, drop, args.naive_rows)
                if not args.no_initial:
                    log(f"{n}: initial (offline importer), full drop")
                    run["initial_full"] = ours_initial(s, drop)
                    log(f"{n}: initial (offline importer), settlements only")
                    run["initial_settlements"] = ours_initial(s, settlements_only(drop))
                    lcsv = run["load_csv_settlements"]["rows_per_s"]
                    run["ratio_initial_full_to_load_csv"] = round(
                        run["initial_full"]["rows_per_s"] / lcsv, 2
                    )
                    run["ratio_initial_settlements_to_load_csv"] = round(
                        run["initial_settlements"]["rows_per_s"] / lcsv, 2
                    )
                    run["ratio_initial_full_to_ours_full"] = round(
                        run["initial_full"]["rows_per_s"] / run["ours_full"]["rows_per_s"], 1
                    )
                run["ratio_ours_to_load_csv"] = round(
                    run["ours_settlements"]["rows_per_s"]
                    / run["load_csv_settlements"]["rows_per_s"],
                    2,
                )
                run["ratio_ours_to_naive"] = round(
                    run["ours_settlements"]["rows_per_s"] / run["naive_settlements"]["rows_per_s"],
                    1,
                )
                results["runs"][str(n)] = run
                log(json.dumps(run))
                (out / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if not args.keep_server:
            srv.stop(quiet=True)
    plot(results, out / "ingest.png")
    print(table(results))
    return 0


def table(results: dict[str, Any]) -> str:
    lines = [
        "| persons | rows (all files) | ours, full drop | loader peak RSS | ours, settlements "
        "| LOAD CSV, settlements | naive, 20k settlements | ours / LOAD CSV | ours / naive |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    initial = [
        "| persons | initial, full drop | phases (check / prepare / import / start / schema) "
        "| Python pass peak RSS (per process) | importer JVM peak RSS "
        "| initial, settlements only | initial full / LOAD CSV | initial settlements / LOAD CSV "
        "| initial full / ours online full |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in results["runs"].items():
        full, ours = r["ours_full"], r["ours_settlements"]
        lcsv, naive = r["load_csv_settlements"], r["naive_settlements"]
        cells = [
            f"{int(n):,}",
            f"{full['rows']:,}",
            f"{full['rows_per_s']:,} rows/s",
            f"{full['peak_rss_mib']:.0f} MiB",
            f"{ours['rows_per_s']:,} rows/s",
            f"{lcsv['rows_per_s']:,} rows/s",
            f"{naive['rows_per_s']:,} rows/s",
            f"{r['ratio_ours_to_load_csv']}×",
            f"{r['ratio_ours_to_naive']}×",
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if "initial_full" in r:
            ini, one = r["initial_full"], r["initial_settlements"]
            ph = ini["phases_seconds"]
            cells = [
                f"{int(n):,}",
                f"{ini['rows_per_s']:,} rows/s ({ini['seconds']:.0f} s)",
                " / ".join(
                    f"{ph.get(k, 0):.0f} s" for k in ("check", "prepare", "import", "schema")
                ),
                f"{ini['prepare_peak_rss_mib']:.0f} MiB ({ini['workers']} workers)",
                f"{ini['importer_peak_rss_mib']:.0f} MiB",
                f"{one['rows_per_s']:,} rows/s ({one['seconds']:.0f} s)",
                f"{r['ratio_initial_full_to_load_csv']}×",
                f"{r['ratio_initial_settlements_to_load_csv']}×",
                f"{r['ratio_initial_full_to_ours_full']}×",
            ]
            initial.append("| " + " | ".join(cells) + " |")
    if len(initial) > 2:
        lines += ["", *initial]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
