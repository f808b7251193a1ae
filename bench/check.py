"""Pre-settlement check benchmark: p50/p99 latency and throughput of POST /check/settlement
at concurrency 1, 16 and 64, beside the raw Cypher time of its one query.

Uses the graph loaded in the Neo4j the settings point at. Request bodies are built from
that graph: persons with settlements (some in open leads, some deceased), high-value
drugs they were dispensed, and a mix of boxes already sold and fresh codes, so the
query does its full work (every subquery finds something to look at). The API runs in
a child uvicorn process (``--workers``, 2) on a loopback port, as in bench/api.py, driven
by wrk when it is installed (bench/wrk.py), else by httpx. Side by side in the same run
(``--no-baseline`` skips it): a baseline of the same workers answering through the
FastAPI route with one Neo4j transaction per check. Per level it also reports the CPU
each answered check cost the API processes and the Neo4j JVM (psutil).

    .venv/bin/python -m bench.check [--concurrency 1,16,64] [--requests 600]

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
from fraudrings.settings import get_settings  # noqa: E402
from graph.gateway import Gateway  # noqa: E402

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


def chart(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = out["api"]
    base = (out.get("baseline") or {}).get("api")
    x = [str(r["concurrency"]) for r in rows]
    has_cpu = bool(base) and all("api_cpu_ms_per_check" in r for r in [*rows, *(base or [])])
    fig, axes = plt.subplots(
        1,
        2 if has_cpu else 1,
        figsize=(11 if has_cpu else 7, 4.2),
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 2]} if has_cpu else None,
    )
    ax = axes[0][0]
    w = 0.2 if base else 0.4
    ax.bar([i - w for i in range(len(x))], [r["p50_ms"] for r in rows], w, label="p50")
    ax.bar([i for i in range(len(x))], [r["p99_ms"] for r in rows], w, label="p99")
    if base:
        ax.bar(
            [i + w for i in range(len(x))],
            [r["p99_ms"] for r in base],
            w,
            label="p99, baseline (route, one transaction per check)",
            hatch="//",
            color="white",
            edgecolor="tab:orange",
        )
    ax.axhline(20, color="red", linestyle="--", linewidth=1, label="target p99 (c=16)")
    ax.axhline(out["raw_cypher"]["p50_ms"], color="grey", linestyle=":", label="raw Cypher p50")
    ax.set_xticks(range(len(x)), [f"c={c}" for c in x])
    ax.set_ylabel("ms")
    ax.set_title(
        f"POST /check/settlement ({out['graph']['persons']:,} persons; "
        f"{out.get('loadgen', 'httpx')}, {out.get('workers', 1)} workers)"
    )
    ax.legend(fontsize=8)
    if has_cpu and base:  # where the CPU of one check goes, new setup beside the baseline
        cx = axes[0][1]
        labels = [f"c={c}" for c in x]
        for j, (rs, tag, hatch) in enumerate(
            ((rows, "lane + batching", None), (base, "baseline", "//"))
        ):
            pos = [i + (j - 0.5) * 0.38 for i in range(len(x))]
            api = [r["api_cpu_ms_per_check"] for r in rs]
            neo = [r["neo4j_cpu_ms_per_check"] for r in rs]
            cx.bar(
                pos,
                api,
                0.36,
                color="tab:blue",
                hatch=hatch,
                edgecolor="black",
                label=f"API workers, {tag}",
            )
            cx.bar(
                pos,
                neo,
                0.36,
                bottom=api,
                color="tab:green",
                hatch=hatch,
                edgecolor="black",
                label=f"Neo4j, {tag}",
            )
        cx.set_xticks(range(len(x)), labels)
        top = max(r["api_cpu_ms_per_check"] + r["neo4j_cpu_ms_per_check"] for r in [*rows, *base])
        cx.set_ylim(0, top * 1.45)  # room for the legend above the bars
        cx.set_ylabel("CPU ms per check")
        cx.set_title("CPU per answered check")
        cx.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


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
        with bench_server(s, workers=workers, env=env) as (base, tok):
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

    plain = {"FRAUDRINGS_API_CHECK_LANE": "false", "FRAUDRINGS_API_CHECK_MAX_BATCH": "1"}
    baseline = None
    if args.baseline:
        baseline = run_api(args.workers, "baseline (route, no batching)", plain)
    api = run_api(args.workers, f"api ({args.workers} workers)")
    gw.close()
    out = {
        "graph": {"persons": persons},
        "machine": {"cpus": os.cpu_count()},
        "note": "load generator on the same machine (loopback)",
        "loadgen": "wrk" if use_wrk else "httpx",
        "workers": args.workers,
        "raw_cypher": raw,
        "api": api,
        "baseline": {"workers": args.workers, "env": plain, "api": baseline} if baseline else None,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "check.json").write_text(json.dumps(out, indent=1) + "\n")
    chart(out, RESULTS / "check.png")
    print(f"written {RESULTS / 'check.json'} and check.png")


if __name__ == "__main__":
    main()
