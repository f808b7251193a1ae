"""The national interface beside today's check: p50/p99 latency of POST /hsa/3102 and
of POST /check/settlement at the same concurrency (16), on the same API workers, from
the same pending settlements (bench/check.py's bodies, each also written as the 3102 an
HIS sends: envelope, patient, encounter and order dtos, the box in the order's
drugtracinfo). The two alternate in rounds so both see the same machine; the result is
each one's p99 and their ratio.

With ``--baseline-src DIR`` (another version's source tree, e.g. ``git archive REF |
tar -x -C DIR``) that version serves too, on its own port beside this one, and every
round runs both endpoints against both servers, one after another: the ratios of this
version's p99 to the baseline's are then read off one machine at one time.

    .venv/bin/python -m bench.hsa [--concurrency 16] [--seconds 10] [--rounds 2] \
        [--baseline-src DIR]

Results: bench/results/hsa.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import wrk  # noqa: E402
from bench.api import bench_server  # noqa: E402
from bench.check import bodies, read_model, wait_for_read_model  # noqa: E402
from fraudrings.core.settings import get_settings  # noqa: E402
from fraudrings.graph.gateway import Gateway  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def message(i: int, b: dict[str, Any]) -> dict[str, Any]:
    """The 3102 an HIS sends for the check body ``b``."""
    at = datetime.fromisoformat(b["setl_time"]).strftime("%Y-%m-%d %H:%M:%S")
    line = b["lines"][0]
    return {
        "infno": "3102",
        "msgid": f"{b['fixmedins_code']}{i:012d}",
        "mdtrtarea_admvs": "370100",
        "insuplc_admdvs": "370100",
        "recer_sys_code": "HIS",
        "infver": "V1.0",
        "opter_type": "1",
        "opter": "bench",
        "opter_name": "bench",
        "inf_time": at,
        "fixmedins_code": b["fixmedins_code"],
        "fixmedins_name": "",
        "sign_no": "",
        "input": {
            "data": {
                "syscode": "HIS",
                "rule_ids": [],
                "task_id": str(i),
                "trig_scen": "8",
                "patient_dtos": [
                    {
                        "patn_id": b["psn_no"],
                        "gend": "1",
                        "brdy": "1970-01-01",
                        "poolarea": "370100",
                        "curr_mdtrt_id": f"MD{i}",
                        "fsi_encounter_dtos": [
                            {
                                "mdtrt_id": f"MD{i}",
                                "medins_id": b["fixmedins_code"],
                                "adm_date": at,
                                "med_type": "41",
                                "medfee_sumamt": "120.00",
                                "fsi_diagnose_dtos": [{"dise_codg": "I10.x00"}],
                                "fsi_order_dtos": [
                                    {
                                        "rx_id": f"RX{i}",
                                        "hilist_code": line["med_list_codg"],
                                        "cnt": "1",
                                        "pric": "120.00",
                                        "sumamt": "120.00",
                                        "curr_drord_flag": "1",
                                        "drugtracinfo": [
                                            {"drug_trac_codg": c} for c in line["drug_trac_codg"]
                                        ],
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="another version's source tree, served beside this one in the same rounds",
    )
    args = ap.parse_args()
    if not wrk.available():
        raise SystemExit("wrk is needed (Debian package wrk)")
    s = get_settings()
    gw = Gateway.from_settings(s)
    persons = gw.run_read_text("MATCH (p:Person) RETURN count(p) AS n")[0]["n"]
    checks = bodies(gw, 200)
    if not checks:
        raise SystemExit("no settlements with scanned boxes in the graph; load a drop first")
    model = read_model(s, gw)
    gw.close()
    kinds: dict[str, list[wrk.Req]] = {
        "check": [("POST", "/check/settlement", b) for b in checks],
        "hsa_3102": [("POST", "/hsa/3102", message(i, b)) for i, b in enumerate(checks)],
    }
    versions = {"this": ROOT}
    if args.baseline_src is not None:
        versions = {"baseline": args.baseline_src.resolve(), "this": ROOT}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {v: {k: [] for k in kinds} for v in versions}
    env = {"FRAUDRINGS_API_CHECK_FACTS_PATH": str(s.api_check_facts_path)}
    with contextlib.ExitStack() as stack:
        servers = {
            v: stack.enter_context(bench_server(s, workers=args.workers, env=env, src=src))
            for v, src in versions.items()
        }
        for base, tok in servers.values():
            wait_for_read_model(base)
            # the messages are answered, not refused (wrk counts only HTTP errors)
            for _, path, body in kinds["hsa_3102"][:20]:
                auth = {"Authorization": f"Bearer {tok}"}
                ans = httpx.post(base + path, json=body, headers=auth)
                assert ans.status_code == 200 and ans.json()["infcode"] == 0, ans.text
            for reqs in kinds.values():
                wrk.run(base, tok, reqs, 4, 2)  # warm-up
        for n in range(args.rounds):
            for v, (base, tok) in servers.items():
                for kind, reqs in kinds.items():
                    r = wrk.run(base, tok, reqs, args.concurrency, args.seconds)
                    runs[v][kind].append(r)
                    print(f"round {n + 1} {v} {kind} c={args.concurrency}: {r}", flush=True)
    p99 = {
        v: {k: statistics.median(r["p99_ms"] for r in rs) for k, rs in kr.items()}
        for v, kr in runs.items()
    }
    ratio = {v: round(p["hsa_3102"] / p["check"], 2) for v, p in p99.items()}
    out: dict[str, Any] = {
        "graph": {"persons": persons},
        "read_model": model,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "versions": {v: str(src) for v, src in versions.items()},
        "runs": runs,
        "p99_ms_median_of_rounds": p99,
        "ratio_hsa_to_check_p99": ratio,
    }
    if "baseline" in p99:
        out["ratio_this_to_baseline_p99"] = {
            k: round(p99["this"][k] / p99["baseline"][k], 2) for k in kinds
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hsa.json").write_text(json.dumps(out, indent=2, default=str))
    keys = ("p99_ms_median_of_rounds", "ratio_hsa_to_check_p99", "ratio_this_to_baseline_p99")
    print(json.dumps({k: out[k] for k in keys if k in out}))


if __name__ == "__main__":
    main()
