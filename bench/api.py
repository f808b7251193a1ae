"""API benchmark: latency and throughput of the lead-query API beside the raw Cypher time.

It uses whatever graph is loaded in the Neo4j the settings point at (``NEO4J_URI`` /
``NEO4J_BOLT_PORT``, ``NEO4J_PASSWORD``), picks sample ids from it (leads, their person
members, boxes with movements), starts ``uvicorn`` with the API in a child process on
a free loopback port (``--workers``, its own temporary service database and a national
admin), and drives it at each concurrency level with wrk when it is installed
(bench/wrk.py; ``apt-get install wrk``), else with an httpx async load generator. A
baseline, one worker without the answer cache, runs first in the same invocation.
For each endpoint it also times the same named queries run directly through the
gateway, one at a time, so the API's own overhead can be read off.

Endpoints: lead list (``GET /leads``, first page by score), lead detail
(``GET /leads/{id}``: lead, members, history and the drawable subgraph: two queries),
neighbourhood (``GET /entities/person/{id}/neighbourhood``, one hop: two queries) and
box history (``GET /entities/trace_code/{code}/history``).

    NEO4J_BOLT_PORT=18687 NEO4J_PASSWORD=... .venv/bin/python -m bench.api \\
        [--concurrency 1,16,64] [--requests 400] [--seconds 20]

Results go to bench/results/api.json and bench/results/api.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import wrk  # noqa: E402
from fraudrings.casework.passwords import hash_password  # noqa: E402
from fraudrings.casework.store import Store  # noqa: E402
from fraudrings.core.settings import get_settings  # noqa: E402
from fraudrings.graph.gateway import Gateway  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-password-" + secrets.token_hex(4)

SAMPLES = """
CALL () { MATCH (l:Lead) RETURN collect(l.lead_id)[..50] AS leads }
CALL () {
  MATCH (:Lead)-[:INVOLVES]->(p:Person) WITH DISTINCT p LIMIT 50
  RETURN collect(p.psn_no) AS persons }
CALL () {
  MATCH (b:Box) WHERE b.n_sales >= 1 WITH b LIMIT 50
  RETURN collect(b.drug_trac_codg) AS boxes }
RETURN leads, persons, boxes
"""


PURPOSE = "bench: load test"


def totp_now(secret: str | None) -> str:
    import pyotp

    assert secret, "the bench user has no TOTP secret"
    return str(pyotp.TOTP(secret).now())


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, src: Path = ROOT) -> subprocess.Popen[bytes]:
    # the way `fraudrings serve` runs it (FRAUDRINGS_API_WORKERS worker processes), with
    # the package of the source tree ``src`` (this checkout, or another version's)
    code = f"from fraudrings.api.app import serve; serve(port={port}, log_level='warning')"
    env = {**env, "PYTHONPATH": str(src)}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=src, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the API server exited during start-up")
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the API server did not become ready within 60 s")


@contextmanager
def bench_server(
    s: Any, workers: int = 1, env: dict[str, str] | None = None, src: Path = ROOT
) -> Iterator[tuple[str, str]]:
    """The API in a child uvicorn process on a free loopback port, against the Neo4j of
    the settings ``s``, with a throw-away service database holding one national admin
    (rate limits lifted); yields the base URL and that admin's bearer token. ``src``: the
    source tree whose package serves (another version's, for a side-by-side run)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "service.db"
        store = Store(db)
        secret = store.add_user("bench", "admin", "", hash_password(PASSWORD)).totp_secret
        store.close()
        env = {
            **os.environ,
            **(env or {}),
            "FRAUDRINGS_SERVICE_DB": str(db),
            "FRAUDRINGS_API_SECRET_KEY": secrets.token_urlsafe(48),
            "FRAUDRINGS_PSEUDONYM_KEY": secrets.token_urlsafe(48),
            "FRAUDRINGS_AUDIT_KEY": secrets.token_urlsafe(48),
            "FRAUDRINGS_API_RATE_PER_MINUTE": "100000000",
            "FRAUDRINGS_API_RATE_BURST": "100000000",
            "FRAUDRINGS_API_WORKERS": str(workers),
            "NEO4J_URI": s.neo4j_uri,
            "NEO4J_PASSWORD": s.neo4j_password.get_secret_value(),
        }
        port = free_port()
        proc = start_server(env, port, src)
        base = f"http://127.0.0.1:{port}"
        try:
            form = {"username": "bench", "password": PASSWORD, "totp": totp_now(secret)}
            tok = httpx.post(base + "/auth/token", data=form).json()["access_token"]
            yield base, tok
        finally:
            proc.terminate()
            proc.wait(timeout=30)


async def drive(
    base: str, token: str, urls: list[str], concurrency: int, requests: int, seconds: float
) -> dict[str, Any]:
    lat: list[float] = []
    errors = 0
    n = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE},
        limits=limits,
        timeout=60,
    ) as client:

        async def worker() -> None:
            nonlocal n, errors
            while n < requests and time.perf_counter() < stop_at:
                url = urls[n % len(urls)]
                n += 1
                t = time.perf_counter()
                r = await client.get(url)
                lat.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {
        "concurrency": concurrency,
        "requests": len(lat),
        "errors": errors,
        "p50_ms": round(pct(lat, 0.50), 2),
        "p99_ms": round(pct(lat, 0.99), 2),
        "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
        "throughput_rps": round(len(lat) / wall, 1) if wall else None,
    }


def raw_times(fn: Callable[[int], object], n: int) -> dict[str, Any]:
    lat = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        lat.append((time.perf_counter() - t) * 1000)
    return {"runs": n, "p50_ms": round(pct(lat, 0.5), 2), "p99_ms": round(pct(lat, 0.99), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--requests", type=int, default=400, help="per endpoint and level")
    ap.add_argument("--seconds", type=float, default=20, help="cap per endpoint and level")
    ap.add_argument("--raw-runs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    ap.add_argument("--warmup", type=float, default=15, help="seconds at c=4 per endpoint")
    ap.add_argument("--cache-mb", type=int, default=256, help="answer cache per worker")
    ap.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run one worker without the cache, side by side (default on)",
    )
    wrk.add_loadgen_argument(ap)
    args = ap.parse_args()
    use_wrk = wrk.chosen(args.loadgen)
    levels = [int(x) for x in args.concurrency.split(",")]

    s = get_settings()
    gw = Gateway.from_settings(s)
    sample = gw.run_read_text(SAMPLES)[0]
    counts = gw.run_read_text(
        "CALL () { MATCH (p:Person) RETURN count(p) AS persons } "
        "CALL () { MATCH (l:Lead) RETURN count(l) AS leads } "
        "CALL () { MATCH (b:Box) RETURN count(b) AS boxes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships } "
        "RETURN persons, leads, boxes, relationships"
    )[0]
    print(f"graph: {counts}", flush=True)
    leads, persons, boxes = sample["leads"], sample["persons"], sample["boxes"]

    endpoints: dict[str, tuple[list[str], Callable[[int], object]]] = {}
    scope = {"region": ""}
    list_params = {
        **scope,
        "area": None,
        "typology": None,
        "status": None,
        "min_score": None,
        "min_amount": None,
        "assignee": None,
        "include_inactive": False,
        "date_from": None,
        "date_to": None,
        "member_id": None,
        "sort": "score",
        "desc": True,
        "skip": 0,
        "limit": 50,
    }
    endpoints["lead_list"] = (["/leads?limit=50"], lambda i: gw.read("api_leads_list", list_params))
    if leads:

        def lead_raw(i: int) -> None:
            p = {"lead_id": leads[i % len(leads)], **scope}
            gw.read("api_lead_get", p)
            gw.read("api_lead_subgraph", {**p, "per_member": 20, "limit": 400})

        endpoints["lead_detail"] = ([f"/leads/{x}" for x in leads], lead_raw)
    if persons:

        def nb_raw(i: int) -> None:
            row = gw.read(
                "api_entity_get", {"kind": "person", "id": persons[i % len(persons)], **scope}
            )[0]
            gw.read("api_expand", {"eids": [row["eid"]], **scope, "per_node": 25, "limit": 2500})

        endpoints["neighbourhood"] = (
            [f"/entities/person/{x}/neighbourhood" for x in persons],
            nb_raw,
        )
    if boxes:
        endpoints["box_history"] = (
            [f"/entities/trace_code/{x}/history" for x in boxes],
            lambda i: gw.read(
                "api_box_history", {"code": boxes[i % len(boxes)], **scope, "limit": 1000}
            ),
        )

    raw = {}
    for name, (_, fn) in endpoints.items():
        fn(0)  # warm the plan cache
        raw[name] = raw_times(fn, args.raw_runs)
        print(f"raw cypher {name}: {raw[name]}", flush=True)

    def run_api(workers: int, cache_mb: int, tag: str) -> dict[str, list[dict[str, Any]]]:
        res: dict[str, list[dict[str, Any]]] = {}
        env = {"FRAUDRINGS_API_CACHE_MB": str(cache_mb)}
        with bench_server(s, workers=workers, env=env) as (base, tok):
            for name, (urls, _) in endpoints.items():
                reqs: list[wrk.Req] = [("GET", u, None) for u in urls]
                if use_wrk:
                    wrk.run(base, tok, reqs, 4, args.warmup, purpose=PURPOSE)  # warm-up
                else:
                    asyncio.run(drive(base, tok, urls, 4, 10**6, args.warmup))  # warm-up
                res[name] = []
                for c in levels:
                    if use_wrk:
                        r = wrk.run(base, tok, reqs, c, args.seconds, purpose=PURPOSE)
                    else:
                        r = asyncio.run(drive(base, tok, urls, c, args.requests, args.seconds))
                    res[name].append(r)
                    print(f"{tag} {name} c={c}: {r}", flush=True)
        return res

    # the baseline first: one worker, nothing kept (how the API ran before the cache)
    baseline = run_api(1, 0, "baseline") if args.baseline else None
    api = run_api(args.workers, args.cache_mb, "api")
    gw.close()

    out = {
        "graph": counts,
        "neo4j": s.neo4j_uri,
        "machine": {"cpus": os.cpu_count()},
        "note": "load generator on the same machine (loopback); each URL list cycles, "
        "so after the warm-up (warmup_s at c=4, every URL on every worker) kept answers "
        "are served (see api_cache_mb); first reads are the raw Cypher and c=1 baseline",
        "warmup_s": args.warmup,
        "loadgen": "wrk" if use_wrk else "httpx",
        "workers": args.workers,
        "cache_mb": args.cache_mb,
        "raw_cypher": raw,
        "api": api,
        "baseline": {"workers": 1, "cache_mb": 0, "api": baseline} if baseline else None,
        "skipped": sorted({"lead_detail", "neighbourhood", "box_history"} - set(endpoints)),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(out, indent=1) + "\n")
    chart(out, RESULTS / "api.png")
    print(f"written {RESULTS / 'api.json'} and api.png")


def chart(out: dict[str, Any], path: Path) -> None:
    """p50 and p99 per endpoint: the API at each concurrency, the baseline (one worker,
    nothing kept) at c=16 hatched beside it, and the raw Cypher time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(out["api"])
    base = (out.get("baseline") or {}).get("api")
    levels = [r["concurrency"] for r in out["api"][names[0]]] if names else []
    series: list[tuple[str, list[float], dict[str, Any]]] = []
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for k, key in enumerate(("p50_ms", "p99_ms")):
        ax = axes[k]
        series = [
            (f"API c={c}", [out["api"][n][j][key] for n in names], {}) for j, c in enumerate(levels)
        ]
        if base and 16 in levels:
            j16 = levels.index(16)
            series.append(
                (
                    "baseline c=16 (1 worker, no cache)",
                    [base[n][j16][key] for n in names],
                    {"hatch": "//", "color": "white", "edgecolor": "tab:orange"},
                )
            )
        series.append(
            ("raw Cypher (c=1)", [out["raw_cypher"][n][key] for n in names], {"color": "grey"})
        )
        width = 0.8 / len(series)
        for j, (label, ys, style) in enumerate(series):
            xs = [i + j * width for i in range(len(names))]
            ax.bar(xs, ys, width, label=label, **style)
        ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(names))], names)
        ax.set_ylabel("ms")
        ax.set_yscale("log")
        ax.set_title(f"{key[:3]} latency")
        if key == "p99_ms":
            ax.axhline(100, color="red", linestyle="--", linewidth=0.8, label="100 ms target")
        ax.legend(fontsize=7)
    g = out["graph"]
    fig.suptitle(
        f"fraudrings API on {g['persons']:,} persons, {g['leads']:,} leads, "
        f"{g['relationships']:,} relationships ({out.get('loadgen', 'httpx')}, "
        f"{out.get('workers', 1)} workers)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
