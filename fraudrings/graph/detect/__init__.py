"""Detection: every detector on the loaded graph, leads stored back in Neo4j.

``run_all`` runs the recycled-drug detector first (its resales feed the buyer
detector's "share of boxes that came back" and "same recycler" links), then the
prescription-buyer and inpatient-recruitment detectors, then the further models
(claims for the dead, impossible travel, card pooling, split admissions), and stores
each typology's leads with identity kept across runs (:mod:`graph.leads`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fraudrings.graph.community import DEFAULT_METHOD, Method
from fraudrings.graph.detect import buyers, inpatient, models, recycled
from fraudrings.graph.detect.config import DetectConfig
from fraudrings.graph.detect.source import LakeFirst, Reader
from fraudrings.graph.detect.timing import Timer
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import LeadDraft, store

Progress = Callable[[str, int, int], None]

STAGES = (
    "recycled_drug",
    "prescription_buyer",
    "inpatient_recruitment",
    "more_models",
    "store",
)


def run_detectors(
    gw: Gateway,
    cfg: DetectConfig,
    *,
    method: Method = DEFAULT_METHOD,
    timer: Timer | None = None,
    timings: dict[str, float] | None = None,
    tick: Callable[[str], None] | None = None,
) -> tuple[recycled.RecycledResult, buyers.BuyerResult, inpatient.InpatientResult]:
    """The three core detectors, in dependency order, without storing anything."""
    tm = timer or Timer()
    secs = timings if timings is not None else {}
    t = time.perf_counter()
    rec = recycled.detect(gw, cfg.recycled, tm)
    secs["recycled_drug"] = time.perf_counter() - t
    if tick:
        tick("recycled_drug")
    t = time.perf_counter()
    buy = buyers.detect(
        gw, cfg.buyers, rec.resold_by_seller, rec.recyclers_by_seller, method=method, timer=tm
    )
    secs["prescription_buyer"] = time.perf_counter() - t
    if tick:
        tick("prescription_buyer")
    t = time.perf_counter()
    inp = inpatient.detect(gw, cfg.inpatient, method=method, timer=tm)
    secs["inpatient_recruitment"] = time.perf_counter() - t
    if tick:
        tick("inpatient_recruitment")
    return rec, buy, inp


def run_all(
    gw: Gateway,
    *,
    config: DetectConfig | None = None,
    progress: Progress | None = None,
    method: Method = DEFAULT_METHOD,
    lake_dir: Path | None = None,
    spark_session: Any = None,
) -> dict[str, Any]:
    """Every detector, leads stored. With ``lake_dir``, the rows a lake projection gives
    are read from the lake (:mod:`graph.detect.source`; on Spark with ``spark_session``),
    the rest from the graph."""
    cfg = config or DetectConfig()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    timings: dict[str, float] = {}
    report: dict[str, Any] = {"run_id": run_id, "method": method, "typologies": {}}
    step = 0

    def tick(stage: str) -> None:
        nonlocal step
        step += 1
        if progress:
            progress(stage, step, len(STAGES))

    timer = Timer()
    rec, buy, inp = run_detectors(gw, cfg, method=method, timer=timer, timings=timings, tick=tick)
    t = time.perf_counter()
    rows: Reader = LakeFirst(gw, lake_dir, spark_session) if lake_dir is not None else gw
    more = {
        "deceased_claims": models.deceased(rows, cfg.deceased, timer),
        "spatiotemporal": models.travel(gw, cfg.travel, timer),
        "card_pooling": models.pooling(rows, cfg.pooling, timer),
        "split_admission": models.split(rows, cfg.split, timer),
    }
    if isinstance(rows, LakeFirst):
        report["rows_from_lake"] = sorted(set(rows.from_lake))
    timings["more_models"] = time.perf_counter() - t
    tick("more_models")
    t = time.perf_counter()
    batches: list[tuple[str, list[LeadDraft], dict[str, Any]]] = [
        (
            "recycled_drug",
            rec.drafts,
            {
                "boxes_scanned": rec.boxes_scanned,
                "resales": len(rec.resales),
                "laundering_purchases": len(rec.launderings),
            },
        ),
        (
            "prescription_buyer",
            buy.drafts,
            {
                "candidates": buy.candidates,
                "flagged_persons": len(buy.projection.keys),
                "projection_edges": buy.projection.n_edges,
                "communities": buy.communities,
            },
        ),
        (
            "inpatient_recruitment",
            inp.drafts,
            {
                "stays": inp.stays,
                "projection_nodes": len(inp.projection.keys),
                "projection_edges": inp.projection.n_edges,
                "communities": inp.communities,
                "waves": inp.waves,
            },
        ),
        *((typ, drafts, {}) for typ, drafts in more.items()),
    ]
    for typ, drafts, extra in batches:
        st = store(gw, typ, drafts, run_id)
        report["typologies"][typ] = {
            "leads": len(drafts),
            "created": st.created,
            "updated": st.updated,
            "deactivated": st.deactivated,
            **extra,
        }
    timings["store"] = time.perf_counter() - t
    timer.seconds["write_back"] += timings["store"]
    tick("store")
    report["stages"] = {k: round(v, 3) for k, v in timer.seconds.items()}
    report["seconds"] = {k: round(v, 3) for k, v in timings.items()}
    report["total_seconds"] = round(sum(timings.values()), 3)
    return report
