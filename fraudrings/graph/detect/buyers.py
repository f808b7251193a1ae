"""职业开药人: persons who collect far more of a high-value drug than any treatment needs.

Per person and drug: days of supply bought against days elapsed, refills made while
most of the last supply was still left, the number of prescribers and institutions,
and the share of their boxes that came back into the chain (from the recycled-drug
detector). A chronic patient refilling on time from one or two doctors scores low on
every factor and is left alone.

Buyers who act together (shared phone or address, pickups at the same pharmacy within
hours of each other, boxes resold by the same outlet) are linked in a person graph;
Leiden communities on it become ring leads, the rest one-person leads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fraudrings.graph.community import DEFAULT_METHOD, Method, Projection, leiden
from fraudrings.graph.detect.config import BuyerConfig
from fraudrings.graph.detect.timing import Timer
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import LeadDraft, Member, Reason, clip, span


def _codes(v: Any) -> list[str]:
    if v is None:
        return []
    return list(v) if isinstance(v, list) else str(v).split(";")


@dataclass
class Candidate:
    psn_no: str
    drug: str
    drug_name: str
    ratio: float
    boxes: int
    supply: float
    elapsed: int
    lines: list[dict[str, Any]]
    factors: dict[str, float] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    score: float = 0.0
    amount: float = 0.0


def score_candidate(c: Candidate, daily_units: float, resold: set[str], cfg: BuyerConfig) -> None:
    stock = 0.0
    last: datetime | None = None
    early = 0
    refills = 0
    for ln in c.lines:
        cnt = float(ln["cnt"] or 0)
        if cnt <= 0:
            continue
        t = ln["time"]
        if last is not None:
            stock = max(0.0, stock - (t - last).total_seconds() / 86400)
            refills += 1
            if stock > cfg.overlap_remaining * (cnt / daily_units):
                early += 1
        stock += cnt / daily_units
        last = t
    codes = {x for ln in c.lines for x in _codes(ln.get("codes")) if x}
    n_dr = len({ln["dr"] for ln in c.lines if ln["dr"]})
    n_inst = len({ln["inst"] for ln in c.lines if ln["inst"]})
    resold_share = len(codes & resold) / len(codes) if codes else 0.0
    overlap = early / refills if refills else 0.0
    c.factors = {
        "ratio": clip((c.ratio - cfg.normal_ratio) / 1.35),
        "overlap": clip(overlap / 0.6),
        "prescribers": clip((n_dr - 1) / 4),
        "institutions": clip((n_inst - 1) / 3),
        "resold": clip(resold_share / 0.2),
    }
    c.values = {
        "ratio": round(c.ratio, 2),
        "overlap": round(overlap, 2),
        "prescribers": n_dr,
        "institutions": n_inst,
        "resold": round(resold_share, 2),
    }
    c.score = sum(cfg.weights[k] * v for k, v in c.factors.items())
    fund = 0.0
    for ln in c.lines:
        medfee, f, amt = ln.get("medfee"), ln.get("fund"), ln.get("amount")
        # a reversal's line (negative amount, cost and fund) takes its purchase back
        if medfee and f is not None and amt is not None:
            fund += float(amt) * clip(float(f) / float(medfee))
    # the fund's share of the excess over plausible own use
    c.amount = max(0.0, fund * (1 - 1 / c.ratio)) if c.ratio > 0 else 0.0


@dataclass
class BuyerResult:
    drafts: list[LeadDraft]
    candidates: int
    flagged: int
    projection: Projection
    communities: int


def detect(
    gw: Gateway,
    cfg: BuyerConfig,
    resold_by_seller: dict[str, set[str]],
    recyclers_by_seller: dict[str, set[str]],
    *,
    method: Method = DEFAULT_METHOD,
    timer: Timer | None = None,
) -> BuyerResult:
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read(
            "detect_buyer_candidates",
            {
                "min_unit_price": cfg.min_unit_price,
                "include_key_monitored": cfg.include_key_monitored,
                "min_lines": cfg.min_lines,
                "min_ratio": cfg.min_ratio,
                "min_norm_persons": cfg.min_norm_persons,
            },
        )
    with tm.stage("scoring"):
        cands: list[Candidate] = []
        for r in rows:
            c = Candidate(
                r["psn_no"],
                r["drug"],
                r["drug_name"] or r["drug"],
                float(r["ratio"]),
                int(r["boxes"]),
                float(r["supply"]),
                int(r["elapsed"]),
                r["lines"],
            )
            resold = resold_by_seller.get(c.psn_no, set())
            score_candidate(c, float(r["daily_units"]), resold, cfg)
            cands.append(c)
        flagged = [c for c in cands if c.score >= cfg.weak_score]
        by_person: dict[str, list[Candidate]] = defaultdict(list)
        for c in flagged:
            by_person[c.psn_no].append(c)
        persons = sorted(by_person)
    with tm.stage("queries"):
        contacts = gw.read("detect_contacts", {"psn": persons}) if len(persons) > 1 else []
    with tm.stage("projection"):
        proj = build_projection(persons, by_person, contacts, recyclers_by_seller, cfg)
        g = proj.graph()
    with tm.stage("community"):
        part = leiden(g, method=method, resolution=cfg.resolution, seed=cfg.seed)
        groups = part.groups(proj.keys)
    with tm.stage("scoring"):
        links: dict[frozenset[str], list[str]] = defaultdict(list)
        for r in contacts:
            links[frozenset((r["a"], r["b"]))].append(f"{r['via']}:{r['value']}")
        households = _households(contacts)
        drafts = []
        for i, g2 in enumerate(groups):
            ring = ring_members(g2, by_person, proj, households, cfg)
            if not ring:
                continue
            d = _draft(ring, by_person, recyclers_by_seller, proj, links, cfg, i)
            if worth_a_lead(d, len(ring), cfg):
                drafts.append(d)
        drafts.sort(key=lambda d: (-d.score, d.anchor()))
    return BuyerResult(drafts, len(cands), len(flagged), proj, len(groups))


def worth_a_lead(d: LeadDraft, members: int, cfg: BuyerConfig) -> bool:
    """A buyer alone needs ``min_score`` and ``min_amount_alone`` of excess; a ring its
    members' mean score ``min_group_score`` and ``min_amount`` of excess in all."""
    if members == 1:
        return d.score >= cfg.min_score and d.amount_at_risk >= cfg.min_amount_alone
    return d.score >= cfg.min_group_score and d.amount_at_risk >= cfg.min_amount


def _households(contacts: list[dict[str, Any]]) -> dict[str, str]:
    """Person -> a household key: persons sharing an address are one household."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in contacts:
        if r["via"] != "address":
            continue  # a phone on several homes' records is a collector's, not a family's
        a, b = find(r["a"]), find(r["b"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {p: find(p) for p in list(parent)}


def ring_members(
    group: list[str],
    by_person: dict[str, list[Candidate]],
    proj: Projection,
    households: dict[str, str],
    cfg: BuyerConfig,
) -> list[str]:
    """Who of a community stands in a lead. A buyer whose own purchases pass
    ``min_score`` always does. One whose excess is only just above normal (``weak_score``)
    does only inside a ring of at least two households that act together (same-day
    pickups at one outlet, boxes resold by one outlet, a shared collector's phone): a
    couple refilling together is one household and carries no weak member. A buyer counts
    as standing alone only with an excess worth ``min_amount`` to the fund: otherwise he
    is in a ring only through its coordination, not through a relative in it."""
    strong = [
        p
        for p in group
        if any(c.score >= cfg.min_score and c.amount >= cfg.min_amount for c in by_person[p])
    ]
    if len(group) == 1:
        return strong
    homes = {households.get(p, p) for p in group}
    if len(homes) < 2:
        return strong
    gi = {proj.index[p]: p for p in group}
    linked: set[str] = set()
    for (i, j), _w in proj.weights.items():
        if i in gi and j in gi and households.get(gi[i], gi[i]) != households.get(gi[j], gi[j]):
            linked.update((gi[i], gi[j]))
    out = sorted(set(strong) | linked)
    return out if len(out) >= 2 or (out and out[0] in strong) else []


def build_projection(
    persons: list[str],
    by_person: dict[str, list[Candidate]],
    contacts: list[dict[str, Any]],
    recyclers_by_seller: dict[str, set[str]],
    cfg: BuyerConfig,
) -> Projection:
    """The coordination graph between flagged buyers."""
    proj = Projection("buyers")
    proj.add_nodes(persons)
    for r in contacts:
        proj.add(r["a"], r["b"], 2.0)
    # pickups at the same outlet of the same drug within a few hours, counted per day
    visits: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for p, cs in by_person.items():
        for c in cs:
            for ln in c.lines:
                if ln["inst"] and (ln["cnt"] or 0) > 0:
                    visits[(ln["inst"], c.drug)].append((ln["time"], p))
    window = cfg.pickup_window_hours * 3600
    co: Counter[tuple[str, str]] = Counter()
    fewest: dict[tuple[str, str], int] = {}
    n_visits: Counter[tuple[str, str]] = Counter()  # (person, outlet): pickup days there
    for (inst, _drug), vs in visits.items():
        for p, n in Counter(p for _t, p in vs).items():
            n_visits[(p, inst)] += n
    for (inst, _drug), vs in visits.items():
        vs.sort()
        seen_days: set[tuple[str, str, Any]] = set()
        for i, (t, p) in enumerate(vs):
            j = i + 1
            while j < len(vs) and (vs[j][0] - t).total_seconds() <= window:
                q = vs[j][1]
                if q != p:
                    a, b = (p, q) if p < q else (q, p)
                    key = (a, b, t.date())
                    if key not in seen_days:
                        seen_days.add(key)
                        co[(a, b)] += 1
                        fewest[(a, b)] = min(
                            fewest.get((a, b), 10**9), n_visits[(a, inst)], n_visits[(b, inst)]
                        )
                j += 1
    for (a, b), n in co.items():
        if n >= cfg.min_co_pickups and n >= cfg.min_co_pickup_share * fewest[(a, b)]:
            proj.add(a, b, float(n))
    # boxes resold by the same outlet
    by_outlet: dict[str, list[str]] = defaultdict(list)
    for p in persons:
        for o in recyclers_by_seller.get(p, ()):
            by_outlet[o].append(p)
    for ps in by_outlet.values():
        for i, a in enumerate(ps):
            for b in ps[i + 1 :]:
                proj.add(a, b, 2.0)
    return proj


FACTOR_TEXT = {
    "ratio": "购药量为用药天数的 {v} 倍(供药天数/实际天数)",
    "overlap": "{p}% 的续药发生在上次药品尚余一半以上时(重叠处方)",
    "prescribers": "由 {v} 名不同医师开具",
    "institutions": "在 {v} 家不同医院/药店结算",
    "resold": "{p}% 的药盒追溯码回流后被再次销售",
}


def _draft(
    group: list[str],
    by_person: dict[str, list[Candidate]],
    recyclers_by_seller: dict[str, set[str]],
    proj: Projection,
    links: dict[frozenset[str], list[str]],
    cfg: BuyerConfig,
    community: int,
) -> LeadDraft:
    best = {p: max(by_person[p], key=lambda c: c.score) for p in group}
    n = len(group)
    # factor values: the ring's mean over its members' strongest drug
    factors = {k: sum(best[p].factors[k] for p in group) / n for k in cfg.weights}
    score = sum(cfg.weights[k] * v for k, v in factors.items())
    coord = 0.0
    if n > 1:
        gi = {proj.index[p] for p in group}
        inside = sum(w for (i, j), w in proj.weights.items() if i in gi and j in gi)
        coord = clip(inside / (n * 3))
        score = min(1.0, score + 0.1 * coord)
    reasons = []
    for k in cfg.weights:
        vals = [best[p].values[k] for p in group]
        v = round(sum(vals) / n, 2)
        reasons.append(
            Reason(
                factor=k,
                value=v,
                weight=cfg.weights[k],
                text=(("成员平均: " if n > 1 else "") + FACTOR_TEXT[k]).format(
                    v=f"{v:g}", p=round(100 * float(v))
                ),
            )
        )
    if n > 1:
        reasons.append(
            Reason(
                factor="coordination",
                value=round(coord, 2),
                weight=0.1,
                text=f"{n} 人共用电话/地址、同日同店取药或药品由同一回收点再次销售",
            )
        )
    recyclers = sorted({o for p in group for o in recyclers_by_seller.get(p, ())})
    members = [Member(kind="person", id=p, role="buyer") for p in group]
    members += [Member(kind="institution", id=o, role="recycler") for o in recyclers]
    evidence: list[str] = []
    for pair, vias in sorted(links.items(), key=lambda x: sorted(x[0])):
        if pair <= set(group):
            a, b = sorted(pair)
            evidence.append(f"link:{a}<->{b} shared {', '.join(sorted(set(vias)))}")
    times: list[Any] = []
    regions: Counter[str] = Counter()
    for p in group:
        for c in by_person[p]:
            evidence.append(
                f"pattern:{p} drug {c.drug} ({c.drug_name}) {c.boxes} boxes = "
                f"{c.supply:.0f} days of supply in {c.elapsed} days, ratio {c.ratio!r}"
            )
            for ln in c.lines:
                times.append(ln["time"])
                if ln.get("admdvs"):
                    regions[ln["admdvs"]] += 1
                evidence.append(
                    f"settlement:{ln['setl_id']} {ln['time']:%Y-%m-%d %H:%M} {p} at {ln['inst']} "
                    f"{c.drug} x{ln['cnt']} dr {ln['dr']}"
                )
    first, last = span(times)
    region = regions.most_common(1)[0][0] if regions else None
    amount = sum(c.amount for p in group for c in by_person[p])
    return LeadDraft(
        typology="prescription_buyer",
        score=clip(score),
        members=members,
        reasons=reasons,
        evidence=evidence[: cfg.max_evidence],
        amount_at_risk=amount,
        first_seen=first,
        last_seen=last,
        region=region,
        regions=sorted(regions),
        community=community,
    )
