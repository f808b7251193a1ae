"""Card pooling seen as a surge (敛卡套刷): strangers' cards arriving at one street
pharmacy far faster than its own trade at that hour brings customers.

A collector who swipes a drawer of cards leaves, in minutes, more settlements than the
shop serves in a week at that hour ("196 swipes a day against under 30 visitors"), even
when every card is used only once and each buys something different. Ordinary crowds
are told apart by what explains them: a household's cards count once, a customer who
saw a doctor in the 24 hours before brings a prescription (the pharmacy across from a
hospital), and a regular of the shop comes for a member day or a promotion. What is
left is scored by a scan statistic: the chance that a Poisson stream at the shop's
rate for those hours brings that many unexplained households into the window,
corrected for every window tried at the shop (Kulldorff's scan, in its simplest form).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fraudrings.graph.detect.config import PoolingConfig
from fraudrings.graph.detect.poolparts import (
    odd_hour,
    odd_hours_reason,
    pool_members,
    same_basket_reason,
)
from fraudrings.graph.detect.source import Reader
from fraudrings.graph.detect.timing import Timer
from fraudrings.graph.leads import LeadDraft, Reason, clip, span


def log10_tail(k: int, mu: float) -> float:
    """log10 P(X >= k) for X ~ Poisson(mu), k >= 1, mu > 0: summed from the k-th term
    upwards, so it stays exact where 1 - CDF would round to zero."""
    log_term = -mu + k * math.log(mu) - math.lgamma(k + 1)
    total, term, i = 0.0, 1.0, k
    while term > 1e-15 * total or total == 0.0:
        total += term
        i += 1
        term *= mu / i
        if i > k + 10_000:
            break
    return (log_term + math.log(total)) / math.log(10)


def expected(start: datetime, minutes: float, per_hour: list[float]) -> float:
    """Arrivals expected in ``minutes`` from ``start`` at the hourly rates ``per_hour``
    (24 values, settlements per day at each clock hour)."""
    mu, done = 0.0, 0.0
    t = start
    while done < minutes:
        left_in_hour = 60 - t.minute - t.second / 60
        step = min(minutes - done, left_in_hour)
        mu += per_hour[t.hour] * step / 60
        done += step
        t = t + timedelta(minutes=step)
    return mu


@dataclass
class Window:
    surprise: float
    start: int
    end: int  # exclusive
    households: int
    expected: float
    minutes: float


def surge_windows(
    rows: list[dict[str, Any]], per_hour: list[float], n_tests: int, cfg: PoolingConfig
) -> list[Window]:
    """Every window of one shop's arrivals (in time order) whose unexplained households
    are too many for its trade, and make up at least ``surge_min_stranger_share`` of
    the arrivals beyond the trade expected (a promotion's crowd is mostly regulars). A
    row counts when ``counted`` is true; ``n_tests`` is how many windows the shop offers
    (its settlements times the window lengths), the Bonferroni factor."""
    found: list[Window] = []
    penalty = math.log10(max(1, n_tests))
    for minutes in cfg.surge_minutes:
        span_ = timedelta(minutes=minutes)
        inside: Counter[str] = Counter()
        j = 0
        for i, r in enumerate(rows):
            while j < len(rows) and rows[j]["time"] - r["time"] <= span_:
                if rows[j]["counted"]:
                    inside[rows[j]["household"]] += 1
                j += 1
            k = len(inside)
            if r["counted"] and k >= cfg.surge_min_households:
                mu = expected(r["time"], minutes, per_hour)
                excess = (j - i) - mu
                s = -log10_tail(k, mu) - penalty
                if s >= cfg.surge_min_surprise and k >= cfg.surge_min_stranger_share * excess:
                    found.append(Window(s, i, j, k, mu, minutes))
            if r["counted"]:
                inside[r["household"]] -= 1
                if not inside[r["household"]]:
                    del inside[r["household"]]
    return found


def disjoint(ws: list[Window]) -> list[Window]:
    """The most surprising windows that do not overlap, most surprising first."""
    taken: list[Window] = []
    for w in sorted(ws, key=lambda w: (-w.surprise, w.start, w.minutes)):
        if all(w.end <= x.start or w.start >= x.end for x in taken):
            taken.append(w)
    return taken


def hourly_rates(times: list[datetime], floor: float) -> list[float]:
    """Settlements per day at each clock hour, over the days from the first to the last
    (in time order)."""
    counts = [0.0] * 24
    for t in times:
        counts[t.hour] += 1
    days = max(1, (times[-1].date() - times[0].date()).days + 1) if times else 1
    return [max(n, floor) / days for n in counts]


def pooling_surges(gw: Reader, cfg: PoolingConfig, timer: Timer | None = None) -> list[LeadDraft]:
    """One lead per shop with surges: the shop and the cards of its unexplained arrivals
    in every surge window.

    Two passes keep the graph work small: first every arrival counts, each person as a
    household of one (no window can hold more unexplained households than that), and
    only the arrivals inside a window that would pass are looked up; then the windows
    are found again with what explains each arrival. A row outside every first-pass
    window lies only in windows that fail even when everything counts."""
    tm = timer or Timer()
    with tm.stage("queries"):
        shops = gw.read("detect_pooling_arrivals")
    with tm.stage("scoring"):
        by_inst: dict[str, list[dict[str, Any]]] = {}
        rates: dict[str, list[float]] = {}
        for shop in shops:
            rs = [
                {"time": datetime.fromisoformat(t), "psn_no": p, "setl_id": i}
                for t, p, i in shop["arrivals"]
            ]
            for r in rs:
                r["counted"], r["household"] = True, r["psn_no"]
            by_inst[shop["inst"]] = rs
            rates[shop["inst"]] = hourly_rates([r["time"] for r in rs], cfg.surge_rate_floor)
        tests = {inst: len(rs) * len(cfg.surge_minutes) for inst, rs in by_inst.items()}
        wanted: dict[str, set[str]] = {}
        for inst, rs in by_inst.items():
            for w in surge_windows(rs, rates[inst], tests[inst], cfg):
                wanted.setdefault(inst, set()).update(r["setl_id"] for r in rs[w.start : w.end])
    with tm.stage("queries"):
        facts = {
            f["setl_id"]: f
            for f in gw.read(
                "detect_pooling_arrival_facts", {"setl_ids": sorted(set().union(*wanted.values()))}
            )
        }
    with tm.stage("scoring"):
        hits: dict[str, tuple[list[dict[str, Any]], list[Window]]] = {}
        for inst in sorted(wanted):
            rs = by_inst[inst]
            for r in rs:
                f = facts.get(r["setl_id"])
                r["counted"] = bool(
                    f and not f["prescribed"] and f["days_here"] < cfg.surge_regular_days
                )
                r["household"] = f["household"] if f else r["psn_no"]
            ws = disjoint(surge_windows(rs, rates[inst], tests[inst], cfg))
            if ws:
                hits[inst] = (rs, ws)
    with tm.stage("queries"):
        ids = [
            r["setl_id"]
            for rs, ws in hits.values()
            for w in ws
            for r in rs[w.start : w.end]
            if r["counted"]
        ]
        details = {d["setl_id"]: d for d in gw.read("detect_pooling_details", {"setl_ids": ids})}
    with tm.stage("scoring"):
        drafts = [_draft(inst, rs, ws, details, cfg) for inst, (rs, ws) in hits.items()]
    return drafts


def _draft(
    inst: str,
    rs: list[dict[str, Any]],
    ws: list[Window],
    details: dict[str, dict[str, Any]],
    cfg: PoolingConfig,
) -> LeadDraft:
    ws = sorted(ws, key=lambda w: w.start)
    picked = [(k, r) for k, w in enumerate(ws, 1) for r in rs[w.start : w.end] if r["counted"]]
    persons = sorted({r["psn_no"] for _, r in picked})
    best = max(ws, key=lambda w: w.surprise)
    odd = sum(1 for _, r in picked if odd_hour(r["time"])) / len(picked)
    same = 0.0
    for k in range(1, len(ws) + 1):
        baskets = Counter(
            tuple(sorted((details.get(r["setl_id"]) or {}).get("basket") or []))
            for j, r in picked
            if j == k
        )
        same += baskets.most_common(1)[0][1] / sum(baskets.values())
    same /= len(ws)
    f = {
        "surge": clip(0.5 + (best.surprise - cfg.surge_min_surprise) / 10),
        "surge_windows": clip(len(ws) / 4),
        "odd_hours": odd,
        "same_basket": same,
    }
    w = {"surge": 0.5, "surge_windows": 0.2, "odd_hours": 0.15, "same_basket": 0.15}
    t0 = rs[best.start]["time"]
    reasons = [
        Reason(
            factor="surge",
            value=round(best.surprise, 1),
            weight=w["surge"],
            text=f"{t0:%Y-%m-%d %H:%M} 起 {best.minutes:.0f} 分钟内 {best.households} 户"
            f"非常客、就诊前无处方的参保人在该店结算，该店此时段平时约 {best.expected:.2g} 人"
            f"（计入该店所有时段后，偶然出现的概率约 10^-{best.surprise:.0f}）",
        ),
        Reason(
            factor="surge_windows",
            value=len(ws),
            weight=w["surge_windows"],
            text=f"共 {len(ws)} 次此类集中结算",
        ),
        odd_hours_reason(odd, w["odd_hours"]),
        same_basket_reason(same, w["same_basket"]),
    ]
    members = pool_members(inst, persons)
    evidence = [f"institution:{inst} surges {len(ws)}"]
    for k, r in picked:
        d = details.get(r["setl_id"]) or {}
        evidence.append(
            f"settlement:{r['setl_id']} surge {k} {r['time']:%Y-%m-%d %H:%M} {r['psn_no']} "
            f"cert {d.get('cert')} basket {'+'.join(sorted(d.get('basket') or []))}"
        )
    first, last = span(r["time"] for _, r in picked)
    mine = [details.get(r["setl_id"]) or {} for _, r in picked]
    inst_admdvs = next((d["inst_admdvs"] for d in mine if d.get("inst_admdvs")), "")
    homes = {d.get("home") for d in mine}
    regions = sorted(({inst_admdvs} | {h for h in homes if h}) - {""})
    return LeadDraft(
        typology="card_pooling",
        score=clip(sum(w[k] * v for k, v in f.items())),
        members=members,
        reasons=reasons,
        evidence=evidence[: cfg.max_evidence],
        amount_at_risk=sum(float(d.get("fund") or 0) for d in mine),
        funds={
            r["setl_id"]: float(d.get("fund") or 0) for (_, r), d in zip(picked, mine, strict=True)
        },
        first_seen=first,
        last_seen=last,
        region=inst_admdvs or None,
        regions=regions,
    )
