"""Pre-settlement check benchmark: p50/p99 latency and throughput of POST /check/settlement
at concurrency 1, 16 and 64, beside the raw Cypher time of its one query.

Uses the graph loaded in the Neo4j the settings point at. Request bodies are built from
that graph: persons with settlements (some in open leads, some deceased), high-value
drugs they were dispensed, and a mix of boxes already sold and fresh codes, so the
query does its full work (every subquery finds something to look at). The API runs in
a child uvicorn process (``--workers``, 2) on a loopback port, as in bench/api.py, driven
by wrk when it is installed (bench/wrk.py), else by httpx. Three configurations of the
same workers, side by side in one run:

- baseline (``--no-baseline`` skips it): the FastAPI route, one Neo4j transaction per
  check, no read model;
- Neo4j path (``--no-graph-path`` skips it): the counter's lane and batching, every check
  asking Neo4j (the read model off);
- the default: the check's read model (api/checkfacts.py), built first at the path the
  server uses unless the file there is already the graph's (its build time is reported).

Per level it also reports the CPU each answered check cost the API processes and the
Neo4j JVM (psutil).

    .venv/bin/python -m bench.check [--concurrency 1,16,64] [--seconds 10]

Results: bench/results/check.json and bench/results/check.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import wrk  # noqa: E402
from bench.api import bench_server, pct  # noqa: E402
from fraudrings.core.settings import get_settings  # noqa: E402
from fraudrings.graph.gateway import Gateway  # noqa: E402

RESULTS = ROOT / "bench" / "results"

SAMPLES = """
MATCH (p:Person)-[:SETTLED]->(s:Settlement)-[:HAS_LINE]->(l:FeeLine)-[:DISPENSED]->(b:Box)
WHERE s.med_type = '41'
WITH p, s, l, b LIMIT $n
MATCH (s)-[:AT]->(i:Institution)
RETURN p.psn_no AS psn_no, i.fixmedins_code AS inst, s.begntime AS t,
       l.med_list_codg AS drug, b.drug_trac_codg AS code
"""


def bodies(gw: Gateway, n: int) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(gw.run_read_text(SAMPLES, {"n": n})):
        when = r["t"] + timedelta(days=3 + i % 20)
        code = r["code"] if i % 2 == 0 else f"89{i:018d}"
        out.append(
            {
                "psn_no": r["psn_no"],
                "fixmedins_code": r["inst"],
                "setl_time": when.isoformat(),
                "lines": [{"med_list_codg": r["drug"], "cnt": 1, "drug_trac_codg": [code]}],
            }
        )
    return out


async def drive(
    base: str, token: str, payloads: list[dict[str, Any]], concurrency: int, requests: int
) -> dict[str, Any]:
    lat: list[float] = []
    errors = unchecked = warned = 0
    n = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal n, errors, unchecked, warned
            while n < requests:
                body = payloads[n % len(payloads)]
                n += 1
                t = time.perf_counter()
                r = await client.post("/check/settlement", json=body)
                lat.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors += 1
                elif not r.json()["checked"]:
                    unchecked += 1
                elif r.json()["warnings"]:
                    warned += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {
        "concurrency": concurrency,
        "requests": len(lat),
        "errors": errors,
        "unchecked": unchecked,
        "with_warnings": warned,
        "p50_ms": round(pct(lat, 0.50), 2),
        "p99_ms": round(pct(lat, 0.99), 2),
        "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
        "throughput_rps": round(len(lat) / wall, 1) if wall else None,
    }


def _cpu_s(proc: Any) -> float:
    try:
        c = proc.cpu_times()
        return float(c.user + c.system)
    except Exception:  # a process that ended meanwhile
        return 0.0


def cpu_meter(instance: str) -> Any:
    """A callable that returns (API processes' CPU s, Neo4j's CPU s) so far: the API is
    this benchmark's child processes (the uvicorn workers), Neo4j the JVM of the local
    instance. None without psutil (a dev dependency) or a local server."""
    try:
        import psutil
    except ImportError:
        return None
    jvm = next(
        (
            p
            for p in psutil.process_iter(["cmdline"])
            if "java" in " ".join(p.info["cmdline"] or [])
            and f"instances/{instance}" in " ".join(p.info["cmdline"] or [])
        ),
        None,
    )
    if jvm is None:
        return None
    me = psutil.Process()

    def meter() -> tuple[float, float]:
        kids = [c for c in me.children(recursive=True) if "python" in (c.name() or "")]
        return sum(_cpu_s(c) for c in kids), _cpu_s(jvm)

    return meter


CONFIGS = (  # key, label, hatch, colour of the p99 bar
    ("baseline", "baseline: route, one Neo4j transaction per check", "//", "white"),
    ("neo4j_path", "lane + batching, asking Neo4j", "..", "tab:orange"),
    ("api", "lane + read model (default)", None, "tab:blue"),
)


def chart(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [(k, lab, h, col, out[k]) for k, lab, h, col in CONFIGS if out.get(k)]
    x = [str(r["concurrency"]) for r in out["api"]]
    has_cpu = all("api_cpu_ms_per_check" in r for *_, rs in runs for r in rs)
    fig, axes = plt.subplots(
        1,
        2 if has_cpu else 1,
        figsize=(12 if has_cpu else 7, 4.6),
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 2]} if has_cpu else None,
    )
    ax = axes[0][0]
    w = 0.8 / (len(runs) + 1)
    ax.bar(
        [i - 0.4 + w / 2 for i in range(len(x))],
        [r["p50_ms"] for r in out["api"]],
        w,
        color="tab:cyan",
        label="p50, read model",
    )
    for j, (_, label, hatch, colour, rs) in enumerate(runs, 1):
        ax.bar(
            [i - 0.4 + w / 2 + j * w for i in range(len(x))],
            [r["p99_ms"] for r in rs],
            w,
            label=f"p99, {label}",
            hatch=hatch,
            color=colour,
            edgecolor="black",
        )
    ax.axhline(20, color="red", linestyle="--", linewidth=1, label="target p99 (c=16)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(x)), [f"c={c}" for c in x])
    ax.set_ylabel("ms (log scale)")
    ax.set_title(
        f"POST /check/settlement ({out['graph']['persons']:,} persons; "
        f"{out.get('loadgen', 'httpx')}, {out.get('workers', 1)} workers)"
    )
    ax.legend(fontsize=7)
    if has_cpu:  # where the CPU of one check goes, per configuration
        cx = axes[0][1]
        width = 0.8 / len(runs)
        for j, (_, label, hatch, _c, rs) in enumerate(runs):
            pos = [i - 0.4 + width / 2 + j * width for i in range(len(x))]
            api = [r["api_cpu_ms_per_check"] for r in rs]
            neo = [r["neo4j_cpu_ms_per_check"] for r in rs]
            cx.bar(
                pos,
                api,
                width * 0.9,
                color="tab:blue",
                hatch=hatch,
                edgecolor="black",
                label=f"API, {label.split(':')[0]}",
            )
            cx.bar(
                pos,
                neo,
                width * 0.9,
                bottom=api,
                color="tab:green",
                hatch=hatch,
                edgecolor="black",
                label=f"Neo4j, {label.split(':')[0]}",
            )
        cx.set_xticks(range(len(x)), [f"c={c}" for c in x])
        top = max(
            r["api_cpu_ms_per_check"] + r["neo4j_cpu_ms_per_check"] for *_, rs in runs for r in rs
        )
        cx.set_ylim(0, top * 1.6)  # room for the legend above the bars
        cx.set_ylabel("CPU ms per check")
        cx.set_title("CPU per answered check")
        cx.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def read_model(s: Any, gw: Gateway) -> dict[str, Any]:
    """The check's read model at the path the server will use, built now unless the file
    there is already the graph's (then reused): its build time is part of the result."""
    from fraudrings.graph import checkfacts

    path = s.api_check_facts_path
    data = checkfacts.tokens(gw).data
    if data is not None and checkfacts.CheckFacts.token_of(path) == data:
        return {"path": str(path), "reused": True}
    print(f"building the check's read model at {path} ...", flush=True)
    report = checkfacts.build(gw, path, progress=lambda t, n: print(f"  {t}: {n:,}", flush=True))
    return {"path": str(path), "reused": False, **report}


def wait_for_read_model(base: str, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if httpx.get(base + "/readyz", timeout=5).json().get("check_facts") == "ready":
            return
        time.sleep(0.2)
    raise SystemExit("the API did not take up the check's read model in time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--raw-runs", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10, help="per level, with wrk")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    ap.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the baseline side by side: the same workers, one transaction per "
        "check (FRAUDRINGS_API_CHECK_MAX_BATCH=1) and the route instead of the counter's "
        "lane (FRAUDRINGS_API_CHECK_LANE=false); default on",
    )
    ap.add_argument(
        "--graph-path",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the workers with the read model off (FRAUDRINGS_API_CHECK_FACTS="
        "false): the lane and batching, every check asking Neo4j; default on",
    )
    wrk.add_loadgen_argument(ap)
    args = ap.parse_args()
    s = get_settings()
    gw = Gateway.from_settings(s)
    persons = gw.run_read_text("MATCH (p:Person) RETURN count(p) AS n")[0]["n"]
    payloads = bodies(gw, 200)
    if not payloads:
        raise SystemExit("no settlements with scanned boxes in the graph; load a drop first")
    lat = []
    for i in range(args.raw_runs):
        b = payloads[i % len(payloads)]
        params = {
            "i": 0,
            "psn_no": b["psn_no"],
            "fixmedins_code": b["fixmedins_code"],
            "setl_time": b["setl_time"],
            "codes": b["lines"][0]["drug_trac_codg"],
            "drugs": [b["lines"][0]["med_list_codg"]],
        }
        t = time.perf_counter()
        gw.read("check_settlements", {"checks": [params]})
        lat.append((time.perf_counter() - t) * 1000)
    raw = {"runs": len(lat), "p50_ms": round(pct(lat, 0.5), 2), "p99_ms": round(pct(lat, 0.99), 2)}
    print(f"raw cypher: {raw}", flush=True)
    levels = [int(x) for x in args.concurrency.split(",")]
    use_wrk = wrk.chosen(args.loadgen)
    reqs: list[wrk.Req] = [("POST", "/check/settlement", b) for b in payloads]
    meter = cpu_meter(s.neo4j_instance)

    def run_api(workers: int, tag: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        res = []
        env = {"FRAUDRINGS_API_CHECK_FACTS_PATH": str(s.api_check_facts_path), **(env or {})}
        with bench_server(s, workers=workers, env=env) as (base, tok):
            if env.get("FRAUDRINGS_API_CHECK_FACTS") != "false":
                wait_for_read_model(base)
            if use_wrk:
                wrk.run(base, tok, reqs, 4, 2, inspect_check=True)  # warm-up
            else:
                asyncio.run(drive(base, tok, payloads, 4, 60))  # warm-up
            for c in levels:
                before = meter() if meter else None
                if use_wrk:
                    r = wrk.run(base, tok, reqs, c, args.seconds, inspect_check=True)
                else:
                    r = asyncio.run(drive(base, tok, payloads, c, args.requests))
                if meter and before and r.get("requests"):
                    after = meter()
                    r["api_cpu_ms_per_check"] = round(
                        1000 * (after[0] - before[0]) / r["requests"], 3
                    )
                    r["neo4j_cpu_ms_per_check"] = round(
                        1000 * (after[1] - before[1]) / r["requests"], 3
                    )
                res.append(r)
                print(f"{tag} c={c}: {r}", flush=True)
        return res

    no_model = {"FRAUDRINGS_API_CHECK_FACTS": "false"}
    plain = {
        "FRAUDRINGS_API_CHECK_LANE": "false",
        "FRAUDRINGS_API_CHECK_MAX_BATCH": "1",
        **no_model,
    }
    baseline = graph = None
    if args.baseline:
        baseline = run_api(args.workers, "baseline (route, no batching, Neo4j)", plain)
    if args.graph_path:
        graph = run_api(args.workers, "lane + batching, Neo4j", no_model)
    model = read_model(s, gw)
    print(f"read model: {model}", flush=True)
    api = run_api(args.workers, f"api, read model ({args.workers} workers)")
    gw.close()
    out = {
        "graph": {"persons": persons},
        "machine": {"cpus": os.cpu_count()},
        "note": "load generator on the same machine (loopback)",
        "loadgen": "wrk" if use_wrk else "httpx",
        "workers": args.workers,
        "raw_cypher": raw,
        "read_model": model,
        "api": api,
        "neo4j_path": graph,
        "baseline": baseline,
        "env": {"baseline": plain, "neo4j_path": no_model},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "check.json").write_text(json.dumps(out, indent=1) + "\n")
    chart(out, RESULTS / "check.png")
    print(f"written {RESULTS / 'check.json'} and check.png")


if __name__ == "__main__":
    main()
