"""倒卖回流药: boxes sold to a patient that come back into the supply chain.

A box is sold to a patient once in its life. Walking each suspect box's events in time
order, a box is *out* once sold and *in* again only through a ``return``. While it is
out, a second ``sale`` is a resale (the outlet that sells it is a recycler; the buyer of
the sale before, the box's previous holder, let it go), and a ``purchase`` from a
supplier is laundering it back into the books (the walk: ``graph/boxwalk.py``). A return
followed by a resale is legitimate and is left alone, and so is a chain of one or two
codes each sold again with a purchase record of its own (a code printed on two boxes).

Chains are the connected components of the seller–recycler graph: the patients whose
boxes came back and the outlets that resold them. Suppliers join the chain of the
outlet they laundered boxes into (a supplier laundering for two chains is in both).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from fraudrings.graph import boxwalk
from fraudrings.graph.community import Projection
from fraudrings.graph.detect.config import RecycledConfig
from fraudrings.graph.detect.timing import Timer
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import LeadDraft, Member, Reason, span


@dataclass
class Resale:
    code: str
    drug: str | None
    seller: str | None  # the person who sold the box back: the buyer of the sale before
    recycler: str | None  # the outlet that sold it again
    first_event: str
    second_event: str
    first_time: datetime
    second_time: datetime
    first_setl: str | None
    second_setl: str | None
    end_buyer: str | None
    amount: float  # fund share of the resale
    regions: list[str] = field(default_factory=list)


@dataclass
class Laundering:
    code: str
    supplier: str | None
    into: str | None
    event_id: str
    time: datetime
    seller: str | None


@dataclass
class RecycledResult:
    drafts: list[LeadDraft]
    resales: list[Resale]
    launderings: list[Laundering]
    boxes_scanned: int
    # psn_no -> codes of the boxes first sold to them that came back
    resold_by_seller: dict[str, set[str]]
    # psn_no -> recyclers that resold their boxes
    recyclers_by_seller: dict[str, set[str]]


def _fund_share(ev: dict[str, Any], pric_ref: float | None) -> float:
    price = ev.get("pric") if ev.get("pric") is not None else pric_ref
    medfee, fund = ev.get("medfee"), ev.get("fund")
    if price is None or not medfee or fund is None or medfee <= 0:
        return 0.0
    return float(price) * max(0.0, min(1.0, float(fund) / float(medfee)))


def _view(ev: dict[str, Any]) -> tuple[str, str | None]:
    return ev["type"], ev.get("from_kind")


def _person(ev: dict[str, Any]) -> str | None:
    """The buyer of a sale when it is a person."""
    return ev.get("to") if ev.get("to_kind") == "person" else None


def walk(
    code: str, drug: str | None, pric_ref: float | None, events: list[dict[str, Any]]
) -> tuple[list[Resale], list[Laundering]]:
    """Resales and launderings in one box's time-ordered events (:mod:`graph.boxwalk`):
    the seller named is the box's first buyer, who let it go into the chain; later buyers
    of a resold box are not accused of selling it."""
    found, laundered = boxwalk.walk(code, events, _view)
    resales = [
        Resale(
            code=code,
            drug=drug,
            seller=_person(r.origin),
            recycler=r.second.get("from") if r.second.get("from_kind") == "institution" else None,
            first_event=r.first["event_id"],
            second_event=r.second["event_id"],
            first_time=r.first["time"],
            second_time=r.second["time"],
            first_setl=r.first.get("setl_id"),
            second_setl=r.second.get("setl_id"),
            end_buyer=_person(r.second),
            amount=_fund_share(r.second, pric_ref)
            + (_fund_share(r.first, pric_ref) if r.first_in_chain else 0.0),
            regions=[x for x in (r.second.get("from_admdvs"), r.first.get("to_admdvs")) if x],
        )
        for r in found
    ]
    launders = [
        Laundering(
            code=code,
            supplier=la.event.get("from"),
            into=la.event.get("to") if la.event.get("to_kind") == "institution" else None,
            event_id=la.event["event_id"],
            time=la.event["time"],
            seller=_person(la.origin),
        )
        for la in laundered
    ]
    return resales, launders


def detect(gw: Gateway, cfg: RecycledConfig, timer: Timer | None = None) -> RecycledResult:
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read("detect_box_journeys", {"min_sales": 2, "min_purchases": 2})
    with tm.stage("scoring"):
        resales: list[Resale] = []
        launders: list[Laundering] = []
        for r in rows:
            rs, ls = walk(r["code"], r["drug"], r["pric_ref"], r["events"])
            resales += rs
            launders += ls
        return build(resales, launders, len(rows), cfg)


def build(
    resales: list[Resale], launders: list[Laundering], scanned: int, cfg: RecycledConfig
) -> RecycledResult:
    # chains: components of the seller–recycler graph (persons "p:", outlets "i:")
    proj = Projection("recycling")
    for rs in resales:
        if rs.seller and rs.recycler:
            proj.add(f"p:{rs.seller}", f"i:{rs.recycler}")
        elif rs.recycler:
            proj.node(f"i:{rs.recycler}")
        elif rs.seller:
            proj.node(f"p:{rs.seller}")
    # a laundered box with no resale yet still ties its seller to the outlet it went into
    for la in launders:
        if la.seller and la.into:
            proj.add(f"p:{la.seller}", f"i:{la.into}")
    comp = proj.graph().connected_components().membership if proj.keys else []
    comp_of = {k: comp[i] for i, k in enumerate(proj.keys)}

    def chain_of(seller: str | None, outlet: str | None) -> int | None:
        if outlet and f"i:{outlet}" in comp_of:
            return comp_of[f"i:{outlet}"]
        if seller and f"p:{seller}" in comp_of:
            return comp_of[f"p:{seller}"]
        return None

    by_chain: dict[int, list[Resale]] = defaultdict(list)
    la_by_chain: dict[int, list[Laundering]] = defaultdict(list)
    for rs in resales:
        c = chain_of(rs.seller, rs.recycler)
        if c is not None:
            by_chain[c].append(rs)
    for la in launders:
        c = chain_of(la.seller, la.into)
        if c is not None:
            la_by_chain[c].append(la)

    drafts: list[LeadDraft] = []
    for c in sorted(set(by_chain) | set(la_by_chain)):
        d = _draft(by_chain.get(c, []), la_by_chain.get(c, []), cfg)
        if d is not None:
            d.community = c
            drafts.append(d)
    drafts.sort(key=lambda d: (-d.score, d.anchor()))

    resold_by_seller: dict[str, set[str]] = defaultdict(set)
    recyclers_by_seller: dict[str, set[str]] = defaultdict(set)
    for rs in resales:
        if rs.seller:
            resold_by_seller[rs.seller].add(rs.code)
            if rs.recycler:
                recyclers_by_seller[rs.seller].add(rs.recycler)
    return RecycledResult(
        drafts, resales, launders, scanned, dict(resold_by_seller), dict(recyclers_by_seller)
    )


def _draft(rs: list[Resale], ls: list[Laundering], cfg: RecycledConfig) -> LeadDraft | None:
    boxes = sorted({r.code for r in rs} | {la.code for la in ls})
    if len(boxes) < cfg.min_boxes:
        return None
    papered = {la.code for la in ls}
    if rs and len(boxes) <= cfg.max_papered_boxes and all(r.code in papered for r in rs):
        # every code sold again came with a purchase record of its own: a manufacturer
        # printing one code on two boxes (one of NHSA's three causes of a code settled
        # twice) cannot be ruled out for so few boxes
        return None
    sellers = sorted({r.seller for r in rs if r.seller} | {la.seller for la in ls if la.seller})
    recyclers = sorted({r.recycler for r in rs if r.recycler})
    suppliers = sorted({la.supplier for la in ls if la.supplier})
    gaps = [(r.second_time - r.first_time).total_seconds() / 86400 for r in rs]
    gap = median(gaps) if gaps else 0.0
    amount = sum(r.amount for r in rs)
    # score: a resale is never innocent; the lead grows with the number of boxes, the
    # number of patients feeding the outlet, laundering, and the speed of turnover.
    f_boxes = 1 - math.exp(-len(boxes) / 8)
    f_sellers = 1 - math.exp(-len(sellers) / 3)
    f_launder = 1.0 if suppliers else 0.0
    f_speed = 1.0 if gap <= 30 else max(0.0, 1 - (gap - 30) / 150)
    w = cfg.weights
    score = 0.5 + 0.5 * (
        w["boxes"] * f_boxes
        + w["sellers"] * f_sellers
        + w["laundering"] * f_launder
        + w["speed"] * f_speed
    )
    members = (
        [Member(kind="person", id=p, role="buyer") for p in sellers]
        + [Member(kind="institution", id=i, role="recycler") for i in recyclers]
        + [Member(kind="supplier", id=s, role="launderer") for s in suppliers]
        + [Member(kind="trace_code", id=b, role="resold_box") for b in boxes]
    )
    reasons = [
        Reason(
            factor="resold_boxes",
            value=len(boxes),
            weight=w["boxes"],
            text=f"{len(boxes)} 盒药品在售出给患者后未经退货再次销售(回流药)",
        ),
        Reason(
            factor="sellers",
            value=len(sellers),
            weight=w["sellers"],
            text=f"{len(sellers)} 名参保人购买的药品回流至 {len(recyclers)} 家药店/机构再次销售",
        ),
        Reason(
            factor="laundering_purchases",
            value=len(ls),
            weight=w["laundering"],
            text=(
                f"{len(suppliers)} 家供应商对已售出药品做了 {len(ls)} 笔采购入库(洗白回流药)"
                if ls
                else "无已售药品的采购入库记录"
            ),
        ),
        Reason(
            factor="median_days_to_resale",
            value=round(gap, 1),
            weight=w["speed"],
            text=f"从首次销售到再次销售的中位间隔 {gap:.1f} 天",
        ),
    ]
    evidence: list[str] = []
    for r in sorted(rs, key=lambda r: (r.second_time, r.code)):
        evidence.append(
            f"box:{r.code} sale:{r.first_event} ({r.first_time:%Y-%m-%d} to {r.seller}, "
            f"setl {r.first_setl}) -> resale:{r.second_event} ({r.second_time:%Y-%m-%d} "
            f"by {r.recycler} to {r.end_buyer}, setl {r.second_setl})"
        )
    for la in sorted(ls, key=lambda x: (x.time, x.code)):
        evidence.append(
            f"box:{la.code} purchase:{la.event_id} ({la.time:%Y-%m-%d} from supplier "
            f"{la.supplier} into {la.into} after sale to {la.seller})"
        )
    first, last = span(
        [r.first_time for r in rs] + [r.second_time for r in rs] + [la.time for la in ls]
    )
    regions = sorted({g for r in rs for g in r.regions})
    outlet_regions = Counter(r.regions[0] for r in rs if r.regions).most_common(1)
    region = outlet_regions[0][0] if outlet_regions else (regions[0] if regions else None)
    return LeadDraft(
        typology="recycled_drug",
        score=min(1.0, score),
        members=members,
        reasons=reasons,
        evidence=evidence[: cfg.max_evidence],
        amount_at_risk=amount,
        first_seen=first,
        last_seen=last,
        region=region,
        regions=regions,
    )
