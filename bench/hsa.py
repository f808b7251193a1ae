"""The national interface beside today's check: p50/p99 latency of POST /hsa/3102 and
of POST /check/settlement at the same concurrency (16), on the same API workers, from
the same pending settlements (bench/check.py's bodies, each also written as the 3102 an
HIS sends: envelope, patient, encounter and order dtos, the box in the order's
drugtracinfo). The two alternate in rounds so both see the same machine; the result is
each one's p99 and their ratio.

    .venv/bin/python -m bench.hsa [--concurrency 16] [--seconds 10] [--rounds 2]

Results: bench/results/hsa.json.
"""

from __future__ import annotations

import argparse
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
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    env = {"FRAUDRINGS_API_CHECK_FACTS_PATH": str(s.api_check_facts_path)}
    with bench_server(s, workers=args.workers, env=env) as (base, tok):
        wait_for_read_model(base)
        # the messages are answered, not refused (wrk counts only HTTP errors)
        for _, path, body in kinds["hsa_3102"][:20]:
            ans = httpx.post(base + path, json=body, headers={"Authorization": f"Bearer {tok}"})
            assert ans.status_code == 200 and ans.json()["infcode"] == 0, ans.text
        for reqs in kinds.values():
            wrk.run(base, tok, reqs, 4, 2)  # warm-up
        for n in range(args.rounds):
            for kind, reqs in kinds.items():
                r = wrk.run(base, tok, reqs, args.concurrency, args.seconds)
                runs[kind].append(r)
                print(f"round {n + 1} {kind} c={args.concurrency}: {r}", flush=True)
    p99 = {k: statistics.median(r["p99_ms"] for r in rs) for k, rs in runs.items()}
    out = {
        "graph": {"persons": persons},
        "read_model": model,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "runs": runs,
        "p99_ms_median_of_rounds": p99,
        "ratio_hsa_to_check_p99": round(p99["hsa_3102"] / p99["check"], 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hsa.json").write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps({k: out[k] for k in ("p99_ms_median_of_rounds", "ratio_hsa_to_check_p99")}))


if __name__ == "__main__":
    main()
