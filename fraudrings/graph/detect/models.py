"""The further supervision models: claims for the dead, impossible travel, card pooling,
split admissions. Each pulls its candidates with one read query and turns them into
lead drafts with named factors, evidence and the fund's share at risk.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from fraudrings.graph.checkfacts import distance_km
from fraudrings.graph.community import Projection, leiden
from fraudrings.graph.detect.config import DeceasedConfig, PoolingConfig, SplitConfig, TravelConfig
from fraudrings.graph.detect.poolparts import (
    odd_hour,
    odd_hours_reason,
    pool_members,
    same_basket_reason,
)
from fraudrings.graph.detect.source import Reader
from fraudrings.graph.detect.surges import pooling_surges
from fraudrings.graph.detect.timing import Timer
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import LeadDraft, Member, Reason, clip, span


def _f(v: Any) -> float:
    return float(v) if v is not None else 0.0


# --- deceased_claims -----------------------------------------------------------------------
def deceased(gw: Reader, cfg: DeceasedConfig, timer: Timer | None = None) -> list[LeadDraft]:
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read("detect_deceased_claims")
    with tm.stage("scoring"):
        by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            if (r["begntime"].date() - r["death_date"]).days >= cfg.min_days_after:
                by_person[r["psn_no"]].append(r)
        drafts = []
        for psn, rs in sorted(by_person.items()):
            death = rs[0]["death_date"]
            days = [(r["begntime"].date() - death).days for r in rs]
            insts = sorted({r["inst"] for r in rs if r["inst"]})
            amount = sum(_f(r["fund"]) for r in rs)
            score = clip(0.6 + 0.1 * min(len(rs), 3) + (0.1 if max(days) > 30 else 0.0))
            members = [Member(kind="person", id=psn, role="deceased_insured")]
            members += [Member(kind="institution", id=i, role="institution") for i in insts]
            reasons = [
                Reason(
                    factor="settlements_after_death",
                    value=len(rs),
                    weight=0.7,
                    text=f"死亡日期 {death} 之后仍有 {len(rs)} 笔结算",
                ),
                Reason(
                    factor="max_days_after_death",
                    value=max(days),
                    weight=0.2,
                    text=f"最晚一笔在死亡后 {max(days)} 天",
                ),
                Reason(
                    factor="institutions",
                    value=len(insts),
                    weight=0.1,
                    text=f"涉及 {len(insts)} 家机构",
                ),
            ]
            evidence = [f"person:{psn} death_date {death}"] + [
                f"settlement:{r['setl_id']} {r['begntime']:%Y-%m-%d %H:%M} at {r['inst']} "
                f"med_type {r['med_type']} fund {_f(r['fund']):.2f} "
                f"({(r['begntime'].date() - death).days} days after death)"
                for r in rs
            ]
            first, last = span(r["begntime"] for r in rs)
            regions = sorted({x for r in rs for x in (r["inst_admdvs"], r["home"]) if x})
            drafts.append(
                LeadDraft(
                    typology="deceased_claims",
                    score=score,
                    members=members,
                    reasons=reasons,
                    evidence=evidence[: cfg.max_evidence],
                    amount_at_risk=amount,
                    first_seen=first,
                    last_seen=last,
                    region=rs[0]["inst_admdvs"] or rs[0]["home"],
                    regions=regions,
                )
            )
    return drafts


# --- spatiotemporal ------------------------------------------------------------------------
def suspect_places(places: list[dict[str, Any]], cfg: TravelConfig) -> set[str]:
    """Institutions whose coordinates lie farther than ``suspect_km`` from the median
    position of the other places of their own city (first four digits of the region
    code): geocoded wrongly, so every visit there looks like a jump. A city with fewer
    than three places cannot tell and flags none."""
    by_city: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in places:
        by_city[str(p["admdvs"])[:4]].append(p)
    out: set[str] = set()
    for ps in by_city.values():
        if len(ps) < 3:
            continue
        for p in ps:
            rest = [q for q in ps if q is not p]
            lat = statistics.median(float(q["lat"]) for q in rest)
            lon = statistics.median(float(q["lon"]) for q in rest)
            if distance_km(float(p["lat"]), float(p["lon"]), lat, lon) > cfg.suspect_km:
                out.add(p["code"])
    return out


def travel(gw: Gateway, cfg: TravelConfig, timer: Timer | None = None) -> list[LeadDraft]:
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read(
            "detect_impossible_travel",
            {
                "min_km": cfg.min_km,
                "car_kmh": cfg.car_kmh,
                "ground_kmh": cfg.ground_kmh,
                "rail_overhead_h": cfg.rail_overhead_h,
                "flight_kmh": cfg.flight_kmh,
                "flight_overhead_h": cfg.flight_overhead_h,
            },
        )
        places = gw.read("detect_institution_places") if rows else []
    with tm.stage("scoring"):
        suspect = suspect_places(places, cfg)
        by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            if r["inst_a"] in suspect or r["inst_b"] in suspect:
                continue
            by_person[r["psn_no"]].append(r)
        drafts = []
        for psn, rs in sorted(by_person.items()):
            if len(rs) < cfg.min_events:
                continue
            worst = max(r["km"] / max(r["hours"], 0.05) for r in rs)
            # how impossible: 0 when the time was just short of enough, 1 when simultaneous
            gap = max(clip(1 - max(r["hours"], 0.0) / r["needed"]) for r in rs)
            far = max(r["km"] for r in rs)
            insts = sorted({r["inst_a"] for r in rs} | {r["inst_b"] for r in rs})
            f = {
                "impossible_trips": clip((len(rs) - 1) / 3),
                "shortfall": gap,
                "distance": clip((far - cfg.min_km) / 1000),
            }
            w = cfg.weights
            score = clip(0.5 + sum(w[k] * v for k, v in f.items()))
            members = [Member(kind="person", id=psn, role="card_holder")]
            members += [Member(kind="institution", id=i, role="institution") for i in insts]
            reasons = [
                Reason(
                    factor="impossible_trips",
                    value=len(rs),
                    weight=w["impossible_trips"],
                    text=f"{len(rs)} 次在时间上不可能到达的两地就医/购药",
                ),
                Reason(
                    factor="shortfall",
                    value=round(gap, 2),
                    weight=w["shortfall"],
                    text=f"最紧的一次只有所需最短路程时间的 {round(100 * (1 - gap))}%",
                ),
                Reason(
                    factor="distance",
                    value=round(far),
                    weight=w["distance"],
                    text=f"两地最远相距 {far:.0f} 公里",
                ),
                Reason(
                    factor="max_implied_kmh",
                    value=round(worst),
                    weight=0.0,
                    text=f"两次结算之间隐含的最高移动速度 {worst:.0f} 公里/小时",
                ),
            ]
            evidence = [
                f"settlement:{r['setl_a']} {r['time_a']:%Y-%m-%d %H:%M} at {r['inst_a']} -> "
                f"settlement:{r['setl_b']} {r['time_b']:%Y-%m-%d %H:%M} at {r['inst_b']}: "
                f"{r['km']:.0f} km in {r['hours']:.1f} h (needs {r['needed']:.1f} h)"
                for r in rs
            ]
            first, last = span([r["time_a"] for r in rs] + [r["time_b"] for r in rs])
            regions = sorted(
                {x for r in rs for x in (r["admdvs_a"], r["admdvs_b"], r["home"]) if x}
            )
            drafts.append(
                LeadDraft(
                    typology="spatiotemporal",
                    score=score,
                    members=members,
                    reasons=reasons,
                    evidence=evidence[: cfg.max_evidence],
                    amount_at_risk=sum(_f(r["fund_b"]) for r in rs),
                    first_seen=first,
                    last_seen=last,
                    region=rs[0]["home"] or rs[0]["admdvs_a"],
                    regions=regions,
                )
            )
    return drafts


# --- card_pooling --------------------------------------------------------------------------
def bursts(
    rows: list[dict[str, Any]], minutes: float, min_persons: int
) -> list[list[dict[str, Any]]]:
    """Maximal runs of one terminal's settlements in which every settlement lies within
    ``minutes`` of the run's first, holding at least ``min_persons`` different persons.
    Rows must be one terminal's, in time order."""
    out: list[list[dict[str, Any]]] = []
    i = 0
    win = timedelta(minutes=minutes)
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1]["time"] - rows[i]["time"] <= win:
            j += 1
        run = rows[i : j + 1]
        if len({r["psn_no"] for r in run}) >= min_persons:
            out.append(run)
            i = j + 1
        else:
            i += 1
    return out


NO_DETAIL: dict[str, Any] = {
    "basket": [],
    "visits_here": 0,
    "home": None,
    "inst_admdvs": None,
    "fund": None,
    "cert": None,
    "visits_all": 0,
}


def _pooled_rows(
    bs: list[list[dict[str, Any]]], in_b: list[dict[str, Any]], max_members: int
) -> list[dict[str, Any]]:
    """At a busy outlet a burst also holds ordinary customers: beyond ``max_members``
    persons keep those whose cards look pooled (in most bursts, the burst's common
    basket, out-of-town or never here otherwise), so a lead never grows to thousands."""
    persons = {r["psn_no"] for r in in_b}
    if len(persons) <= max_members:
        return in_b
    mark: Counter[str] = Counter()
    for b in bs:
        mode = Counter(tuple(sorted(r["basket"])) for r in b).most_common(1)[0][0]
        for r in b:
            mark[r["psn_no"]] += 1 + (tuple(sorted(r["basket"])) == mode)
            if r["visits_here"] <= 2:
                mark[r["psn_no"]] += 1
    keep = {p for p, _ in sorted(mark.items(), key=lambda x: (-x[1], x[0]))[:max_members]}
    return [r for r in in_b if r["psn_no"] in keep]


def sessions(rows: list[dict[str, Any]], minutes: float) -> list[list[dict[str, Any]]]:
    """Runs of one institution's settlements (in time order) each within ``minutes`` of
    the one before, holding at least two persons: cards swiped one after another."""
    out: list[list[dict[str, Any]]] = []
    cur: list[dict[str, Any]] = []
    gap = timedelta(minutes=minutes)
    for r in rows:
        if cur and r["time"] - cur[-1]["time"] > gap:
            if len({x["psn_no"] for x in cur}) >= 2:
                out.append(cur)
            cur = []
        cur.append(r)
    if len({x["psn_no"] for x in cur}) >= 2:
        out.append(cur)
    return out


def co_sessions(
    rows: list[dict[str, Any]], cfg: PoolingConfig
) -> tuple[dict[tuple[str, str], set[tuple[str, Any]]], dict[str, list[list[dict[str, Any]]]]]:
    """Pair of persons -> the (institution, day)s they were swiped in one session, and
    each institution's sessions. A session of more than ``max_session_persons`` is a
    queue, not a stack of cards, and links no one."""
    by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_inst[r["inst"]].append(r)
    pairs: dict[tuple[str, str], set[tuple[str, Any]]] = defaultdict(set)
    sess_of: dict[str, list[list[dict[str, Any]]]] = {}
    for inst, rs in by_inst.items():
        ss = sessions(rs, cfg.session_minutes)
        sess_of[inst] = ss
        for ses in ss:
            ps = sorted({r["psn_no"] for r in ses})
            if len(ps) > cfg.max_session_persons:
                continue
            day = ses[0]["time"].date()
            for i, a in enumerate(ps):
                for b in ps[i + 1 :]:
                    pairs[(a, b)].add((inst, day))
    return pairs, sess_of


def pooling_sessions(gw: Reader, cfg: PoolingConfig, timer: Timer | None = None) -> list[LeadDraft]:
    """敛卡套刷: cards of unrelated persons swiped together at one counter again and again.

    Two persons are linked when their cards were swiped in one session (minutes apart)
    at the same institution on ``min_co_sessions`` different days; persons who share a
    phone or an address (a household, a care home buying for its residents) are never
    linked. Leiden communities of at least ``min_cards`` cards are scored by their size,
    session days, identical baskets, strangers (out of town, or never otherwise here) and
    odd hours. Online platforms are no counter and are never candidates."""
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read("detect_pooling_sessions", {"session_s": int(cfg.session_minutes * 60)})
    with tm.stage("projection"):
        pairs, sess_of = co_sessions(rows, cfg)
        strong = {k: v for k, v in pairs.items() if len(v) >= cfg.min_co_sessions}
        persons = sorted({p for k in strong for p in k})
    with tm.stage("queries"):
        contacts = gw.read("detect_contacts", {"psn": persons}) if len(persons) > 1 else []
    with tm.stage("projection"):
        household = {frozenset((r["a"], r["b"])) for r in contacts}
        proj = Projection("co_sessions")
        for (a, b), days in sorted(strong.items()):
            if frozenset((a, b)) not in household:
                proj.add(a, b, float(len(days)))
        groups: list[list[str]] = []
        if proj.keys:
            part = leiden(proj.graph(), resolution=cfg.resolution, seed=cfg.seed)
            groups = [g for g in part.groups(proj.keys) if len(g) >= cfg.min_cards]
    with tm.stage("queries"):
        members_of = {p: gi for gi, g in enumerate(groups) for p in g}
        in_group: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for ss in sess_of.values():
            for ses in ss:
                for r in ses:
                    gi = members_of.get(r["psn_no"])
                    if gi is None:
                        continue
                    if any(members_of.get(x["psn_no"]) == gi and x is not r for x in ses):
                        in_group[gi].append(r)
        ids = [r["setl_id"] for rs in in_group.values() for r in rs]
        details = {d["setl_id"]: d for d in gw.read("detect_pooling_details", {"setl_ids": ids})}
    with tm.stage("scoring"):
        drafts = []
        for gi, group in enumerate(groups):
            rs = in_group.get(gi, [])
            if not rs:
                continue
            for r in rs:
                r.update(details.get(r["setl_id"]) or dict(NO_DETAIL))
            d = _pooling_draft(group, rs, proj, cfg)
            if d is not None:
                drafts.append(d)
        drafts.sort(key=lambda d: (-d.score, d.anchor()))
    return drafts


def pooling(gw: Reader, cfg: PoolingConfig, timer: Timer | None = None) -> list[LeadDraft]:
    """敛卡套刷, five ways: a held pool whose cards are swiped together on several days
    (:func:`pooling_sessions`), bursts of many cards at one terminal
    (:func:`pooling_bursts`), strangers' cards arriving far faster than the shop's own
    trade at that hour (:func:`~fraudrings.graph.detect.surges.pooling_surges`), cards of
    other cities used again and again at one pharmacy while their holders settle at home
    (:func:`pooling_far_cards`), and strangers buying the very same basket minutes apart
    on several days (:func:`pooling_basket_sessions`). Leads that share half their
    cards, or name the same pooling outlet, are one."""
    tm = timer or Timer()
    out = pooling_sessions(gw, cfg, tm)
    others = [
        *pooling_bursts(gw, cfg, tm),
        *pooling_surges(gw, cfg, tm),
        *pooling_far_cards(gw, cfg, tm),
        *pooling_basket_sessions(gw, cfg, tm),
    ]
    for d in others:
        cards = {m.id for m in d.members if m.kind == "person"}
        with tm.stage("queries"):
            shared = gw.read("detect_contacts", {"psn": sorted(cards)})
        # one household's or one care home's cards, bought for by one hand, are no pool
        if 2 * len({p for r in shared for p in (r["a"], r["b"])}) >= len(cards):
            continue
        merge_pooled(out, d, cfg)
    out.sort(key=lambda d: (-d.score, d.anchor()))
    return out


def merge_pooled(out: list[LeadDraft], d: LeadDraft, cfg: PoolingConfig) -> None:
    """Adds draft ``d`` to the leads ``out``: into the first that names the same pooling
    outlet or shares half the cards of the smaller (members and evidence lines each
    once, the evidence capped, the amount of each settlement the evidence names counted
    once, from the funds the drafts carry, the higher score), else as a lead of its
    own."""
    cards = {m.id for m in d.members if m.kind == "person"}
    outlets = {m.id for m in d.members if m.role == "pooling_outlet"}
    for e in out:
        theirs = {m.id for m in e.members if m.kind == "person"}
        same_outlet = outlets & {m.id for m in e.members if m.role == "pooling_outlet"}
        if same_outlet or 2 * len(cards & theirs) >= min(len(cards), len(theirs)):
            have = {(m.kind, m.id) for m in e.members}
            e.members += [m for m in d.members if (m.kind, m.id) not in have]
            e.evidence = list(dict.fromkeys(e.evidence + d.evidence))[: cfg.max_evidence]
            e.funds.update(d.funds)
            # the amount is the settlements the evidence names, each once: what a referral
            # package works out item by item from the evidence (one amount everywhere)
            named = {x.split()[0][11:] for x in e.evidence if x.startswith("settlement:")}
            e.amount_at_risk = sum(v for k, v in e.funds.items() if k in named)
            e.score = max(e.score, d.score)
            return
    out.append(d)


def basket_sessions(
    rows: list[dict[str, Any]], minutes: float, min_persons: int
) -> list[list[dict[str, Any]]]:
    """Runs of one outlet's settlements with one basket, each within ``minutes`` of the
    one before, holding at least ``min_persons`` different persons. Rows in time order."""
    by_basket: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_basket[tuple(r["basket"])].append(r)
    out: list[list[dict[str, Any]]] = []
    gap = timedelta(minutes=minutes)
    for rs in by_basket.values():
        run: list[dict[str, Any]] = []
        for r in rs:
            if run and r["time"] - run[-1]["time"] > gap:
                if len({x["psn_no"] for x in run}) >= min_persons:
                    out.append(run)
                run = []
            run.append(r)
        if len({x["psn_no"] for x in run}) >= min_persons:
            out.append(run)
    out.sort(key=lambda run: (run[0]["time"], run[0]["setl_id"]))
    return out


def pooling_basket_sessions(
    gw: Reader, cfg: PoolingConfig, timer: Timer | None = None
) -> list[LeadDraft]:
    """Pharmacies where persons who come there at most ``basket_max_visits`` times buy the
    very same basket (worth ``min_basket_value`` or more), ``basket_min_persons`` or more
    of them minutes apart, on ``basket_min_days`` different days: a stack of cards each
    swiped once for one resaleable drug. Strangers in a queue buy different things;
    regulars are not strangers."""
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read(
            "detect_pooling_basket_sessions",
            {
                "max_visits_here": cfg.basket_max_visits,
                "min_basket_value": cfg.min_basket_value,
            },
        )
    with tm.stage("scoring"):
        by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_inst[r["inst"]].append(r)
        drafts = []
        for inst, rs in sorted(by_inst.items()):
            runs = basket_sessions(rs, cfg.basket_minutes, cfg.basket_min_persons)
            days = {run[0]["time"].date() for run in runs}
            if len(days) < cfg.basket_min_days:
                continue
            in_runs = [r for run in runs for r in run][: cfg.max_members * 2]
            persons = sorted({r["psn_no"] for r in in_runs})[: cfg.max_members]
            inst_admdvs = rs[0]["inst_admdvs"] or ""
            far = sum(
                1
                for p in persons
                if (next(r["home"] for r in in_runs if r["psn_no"] == p) or "")[:4]
                != inst_admdvs[:4]
            ) / len(persons)
            per_run = len(in_runs) / len(runs)
            score = clip(
                0.5 + 0.1 * clip((len(days) - 1) / 4) + 0.2 * clip((per_run - 2) / 8) + 0.2 * far
            )
            reasons = [
                Reason(
                    factor="basket_sessions",
                    value=len(runs),
                    weight=0.1,
                    text=f"{len(days)} 天内出现 {len(runs)} 批陌生参保人几分钟内购买完全相同的药品",
                ),
                Reason(
                    factor="cards_per_session",
                    value=round(per_run, 1),
                    weight=0.2,
                    text=f"每批平均 {per_run:.1f} 人,均为极少在该店结算的参保人",
                ),
                Reason(
                    factor="strangers",
                    value=round(far, 2),
                    weight=0.2,
                    text=f"{round(100 * far)}% 的参保人参保地在外地",
                ),
            ]
            members = pool_members(inst, persons)
            evidence = [
                f"settlement:{r['setl_id']} session {k} {r['time']:%Y-%m-%d %H:%M} "
                f"{r['psn_no']} basket {'+'.join(r['basket'])}"
                for k, run in enumerate(runs, 1)
                for r in run
            ]
            first, last = span(r["time"] for r in in_runs)
            drafts.append(
                LeadDraft(
                    typology="card_pooling",
                    score=score,
                    members=members,
                    reasons=reasons,
                    evidence=evidence[: cfg.max_evidence],
                    amount_at_risk=sum(_f(r["fund"]) for r in in_runs),
                    funds={r["setl_id"]: _f(r["fund"]) for r in in_runs},
                    first_seen=first,
                    last_seen=last,
                    region=inst_admdvs or None,
                    regions=sorted(
                        {inst_admdvs} | {r["home"] for r in in_runs if r["home"]} - {""}
                    ),
                )
            )
    return drafts


def pooling_far_cards(
    gw: Reader, cfg: PoolingConfig, timer: Timer | None = None
) -> list[LeadDraft]:
    """Pharmacies holding at least ``min_far_cards`` cards of other cities, each used there
    ``min_far_uses`` times or more while its holder settled in his home city in between:
    a card cannot be at the counter and at home, so one of the two is not its holder.
    Travellers come once; a person who moved away settles where he lives, not at home;
    a hospital's patients from other cities are medical travel and no pharmacy's."""
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read("detect_pooling_far_cards", {"min_uses": cfg.min_far_uses})
    with tm.stage("scoring"):
        by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            if r["home"] > 0:
                by_inst[r["inst"]].append(r)
        drafts = []
        for inst, rs in sorted(by_inst.items()):
            if len(rs) < cfg.min_far_cards:
                continue
            rs = sorted(rs, key=lambda r: (-len(r["uses"]), r["psn_no"]))[: cfg.max_members]
            uses = [u for r in rs for u in r["uses"]]
            n_uses = len(uses)
            homes = sorted({r["home_admdvs"] for r in rs if r["home_admdvs"]})
            inst_admdvs = rs[0]["inst_admdvs"] or ""
            f = {
                "cards": clip((len(rs) - cfg.min_far_cards + 1) / 10),
                "uses": clip((n_uses / len(rs) - 1) / 5),
                "home_between": clip(sum(min(r["home"], 3) for r in rs) / (3 * len(rs))),
            }
            score = clip(0.5 + 0.2 * f["cards"] + 0.15 * f["uses"] + 0.15 * f["home_between"])
            reasons = [
                Reason(
                    factor="far_cards",
                    value=len(rs),
                    weight=0.2,
                    text=f"{len(rs)} 张外地参保人的卡在该药店反复结算",
                ),
                Reason(
                    factor="uses",
                    value=round(n_uses / len(rs), 1),
                    weight=0.15,
                    text=f"每张卡平均在该店结算 {n_uses / len(rs):.1f} 次",
                ),
                Reason(
                    factor="home_between",
                    value=round(f["home_between"], 2),
                    weight=0.15,
                    text="持卡人在两次本店结算之间仍在参保地就医购药(同一张卡不可能同时在两地)",
                ),
            ]
            members = [Member(kind="institution", id=inst, role="pooling_outlet")]
            members += [Member(kind="person", id=r["psn_no"], role="card_lender") for r in rs]
            # the settlements first: the lead's amount is theirs, and evidence is capped
            evidence = [
                f"settlement:{u['setl_id']} {u['time']:%Y-%m-%d %H:%M} {r['psn_no']} at {inst}"
                for r in rs
                for u in sorted(r["uses"], key=lambda u: u["time"])
            ]
            evidence += [
                f"pattern:{r['psn_no']} insured in {r['home_admdvs']} settled {len(r['uses'])} "
                f"times at {inst}, {r['home']} times at home in between"
                for r in rs
            ]
            first, last = span(u["time"] for u in uses)
            drafts.append(
                LeadDraft(
                    typology="card_pooling",
                    score=score,
                    members=members,
                    reasons=reasons,
                    evidence=evidence[: cfg.max_evidence],
                    amount_at_risk=sum(_f(u["fund"]) for u in uses),
                    funds={u["setl_id"]: _f(u["fund"]) for u in uses},
                    first_seen=first,
                    last_seen=last,
                    region=inst_admdvs or None,
                    regions=sorted({inst_admdvs, *homes} - {""}),
                )
            )
    return drafts


def pooling_bursts(gw: Reader, cfg: PoolingConfig, timer: Timer | None = None) -> list[LeadDraft]:
    """Terminals that served bursts of ``min_burst_persons`` persons within
    ``burst_minutes``, ``min_bursts`` times: a pool whose cards need not recur together."""
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read("detect_pooling_terminals", {"min_hour_persons": cfg.min_hour_persons})
    with tm.stage("scoring"):
        by_term: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_term[r["terminal"]].append(r)
        found: dict[str, list[list[dict[str, Any]]]] = {}
        for term, rs in sorted(by_term.items()):
            bs = bursts(rs, cfg.burst_minutes, cfg.min_burst_persons)
            if len(bs) >= cfg.min_bursts:
                found[term] = bs
    with tm.stage("queries"):
        ids = [r["setl_id"] for bs in found.values() for b in bs for r in b]
        details = {d["setl_id"]: d for d in gw.read("detect_pooling_details", {"setl_ids": ids})}
    with tm.stage("scoring"):
        for bs in found.values():
            for b in bs:
                for r in b:
                    r.update(details.get(r["setl_id"]) or dict(NO_DETAIL))
        drafts = []
        for term, bs in found.items():
            in_b = [r for b in bs for r in b]
            in_b = _pooled_rows(bs, in_b, cfg.max_members)
            persons = sorted({r["psn_no"] for r in in_b})
            inst = in_b[0]["inst"]
            inst_admdvs = in_b[0]["inst_admdvs"] or ""
            per_burst = sum(len({r["psn_no"] for r in b}) for b in bs) / len(bs)
            odd = sum(1 for r in in_b if odd_hour(r["time"])) / len(in_b)
            same = 0.0
            for b in bs:
                baskets = Counter(tuple(sorted(r["basket"])) for r in b)
                same += baskets.most_common(1)[0][1] / len(b)
            same /= len(bs)
            burst_visits = Counter(r["psn_no"] for r in in_b)
            first_row: dict[str, dict[str, Any]] = {}
            for r in in_b:
                first_row.setdefault(r["psn_no"], r)
            strangers = sum(
                1
                for p, r in first_row.items()
                if r["visits_here"] <= burst_visits[p] or (r["home"] or "")[:4] != inst_admdvs[:4]
            ) / len(persons)
            f = {
                "bursts": clip((len(bs) - 1) / 4),
                "burst_size": clip((per_burst - cfg.min_burst_persons + 2) / 10),
                "odd_hours": odd,
                "same_basket": same,
                "strangers": strangers,
            }
            score = sum(cfg.burst_weights[k] * v for k, v in f.items())
            if score < cfg.burst_min_score:
                continue
            w = cfg.burst_weights
            reasons = [
                Reason(
                    factor="bursts",
                    value=len(bs),
                    weight=w["bursts"],
                    text=f"终端 {term} 出现 {len(bs)} 次集中刷卡",
                ),
                Reason(
                    factor="burst_size",
                    value=round(per_burst, 1),
                    weight=w["burst_size"],
                    text=f"每次平均 {per_burst:.1f} 名不同参保人在 "
                    f"{cfg.burst_minutes:.0f} 分钟内结算",
                ),
                odd_hours_reason(odd, w["odd_hours"]),
                same_basket_reason(same, w["same_basket"]),
                Reason(
                    factor="strangers",
                    value=round(strangers, 2),
                    weight=w["strangers"],
                    text=f"{round(100 * strangers)}% 的参保人平时从不在该店结算或参保地在外地",
                ),
            ]
            members = pool_members(inst, persons)
            evidence = [f"terminal:{term} at {inst}"]
            for k, b in enumerate(bs, 1):
                for r in b:
                    evidence.append(
                        f"settlement:{r['setl_id']} burst {k} {r['time']:%Y-%m-%d %H:%M} "
                        f"{r['psn_no']} cert {r['cert']} basket {'+'.join(sorted(r['basket']))}"
                    )
            first, last = span(r["time"] for r in in_b)
            regions = sorted({inst_admdvs} | {r["home"] for r in in_b if r["home"]} - {""})
            drafts.append(
                LeadDraft(
                    typology="card_pooling",
                    score=clip(score),
                    members=members,
                    reasons=reasons,
                    evidence=evidence[: cfg.max_evidence],
                    amount_at_risk=sum(_f(r["fund"]) for r in in_b),
                    funds={r["setl_id"]: _f(r["fund"]) for r in in_b},
                    first_seen=first,
                    last_seen=last,
                    region=inst_admdvs or None,
                    regions=regions,
                )
            )
    return drafts


def _pooling_draft(
    group: list[str], rs: list[dict[str, Any]], proj: Projection, cfg: PoolingConfig
) -> LeadDraft | None:
    insts = Counter(r["inst"] for r in rs)
    inst_admdvs = next((r["inst_admdvs"] for r in rs if r["inst_admdvs"]), "") or ""
    days = {(r["inst"], r["time"].date()) for r in rs}
    baskets = Counter(tuple(sorted(r["basket"])) for r in rs if r["basket"])
    same = baskets.most_common(1)[0][1] / len(rs) if baskets else 0.0
    odd = sum(1 for r in rs if odd_hour(r["time"])) / len(rs)
    uses = Counter(r["psn_no"] for r in rs)
    first_row: dict[str, dict[str, Any]] = {}
    for r in rs:
        first_row.setdefault(r["psn_no"], r)
    # a stranger lives elsewhere, or comes here only for these sessions while settling
    # mostly elsewhere: a regular who always comes with friends is no stranger
    strangers = sum(
        1
        for p, r in first_row.items()
        if (r["home"] or "")[:4] != inst_admdvs[:4]
        or (r["visits_here"] <= uses[p] and 2 * r["visits_here"] <= (r["visits_all"] or 0))
    ) / len(first_row)
    gi = {proj.index[p] for p in group}
    inside = sum(1 for (i, j) in proj.weights if i in gi and j in gi)
    density = 2 * inside / len(group)
    f = {
        "cards": clip((len(group) - cfg.min_cards + 1) / 15),
        "sessions": clip((len(days) - 1) / 6),
        "same_basket": same,
        "strangers": strangers,
        "odd_hours": odd,
        "density": clip((density - 1) / 4),
    }
    w = cfg.weights
    score = sum(w[k] * v for k, v in f.items())
    if score < cfg.min_score or density < cfg.min_density or strangers < cfg.min_strangers:
        return None
    members = [
        Member(kind="institution", id=i, role="pooling_outlet") for i, _ in insts.most_common()
    ]
    members += [Member(kind="person", id=p, role="card_lender") for p in sorted(group)]
    texts = {
        "cards": f"{len(group)} 名互不相关参保人的凭证在同一柜台被连续刷卡",
        "sessions": f"共 {len(days)} 个刷卡批次日,同一批卡反复一起出现",
        "same_basket": f"{round(100 * same)}% 的结算药品与数量完全相同",
        "strangers": f"{round(100 * strangers)}% 的参保人平时从不在该店结算或参保地在外地",
        "odd_hours": f"{round(100 * odd)}% 发生在 20 点至次日 7 点",
        "density": f"每张卡平均与 {density:.1f} 张其他卡在不同日子同批刷卡",
    }
    values = {
        "cards": len(group),
        "sessions": len(days),
        "same_basket": round(same, 2),
        "strangers": round(strangers, 2),
        "odd_hours": round(odd, 2),
        "density": round(density, 1),
    }
    reasons = [Reason(factor=k, value=values[k], weight=w[k], text=texts[k]) for k in f]
    evidence = [f"institution:{i} {n} swipes in sessions" for i, n in insts.most_common()]
    for r in sorted(rs, key=lambda r: (r["time"], r["setl_id"])):
        evidence.append(
            f"settlement:{r['setl_id']} {r['time']:%Y-%m-%d %H:%M} at {r['inst']} "
            f"{r['psn_no']} cert {r['cert']} basket {'+'.join(sorted(r['basket']))}"
        )
    first, last = span(r["time"] for r in rs)
    regions = sorted({inst_admdvs} | {r["home"] for r in rs if r["home"]} - {""})
    return LeadDraft(
        typology="card_pooling",
        score=clip(score),
        members=members,
        reasons=reasons,
        evidence=evidence[: cfg.max_evidence],
        amount_at_risk=sum(_f(r["fund"]) for r in rs),
        funds={r["setl_id"]: _f(r["fund"]) for r in rs},
        first_seen=first,
        last_seen=last,
        region=inst_admdvs or None,
        regions=regions,
    )


# --- split_admission -----------------------------------------------------------------------
def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


def split_pairs(rows: list[dict[str, Any]], cfg: SplitConfig) -> list[dict[str, Any]]:
    """The readmissions that count as splits. Left alone: a transfer up to a higher-level
    hospital; per-session stays (dialysis settled as same-day stays); a changed
    diagnosis later than ``changed_gap_days``; and a person's planned cycles (readmitted
    at a steady interval a week or more after each discharge, as chemotherapy is)."""
    out: list[dict[str, Any]] = []
    by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        up = r["inst_b"] != r["inst"] and str(r.get("lv_b") or "0") > str(r.get("lv_a") or "0")
        session = _hours(r["begn_a"], r["end_a"]) < 24 and _hours(r["begn_b"], r["end_b"]) < 24
        same_dx = (r["dise"] or "")[:3] == (r.get("dise_b") or "")[:3]
        if up or session or (not same_dx and r["gap"] > cfg.changed_gap_days):
            continue
        by_person[r["psn_no"]].append(r)
    for rs in by_person.values():
        gaps = [r["gap"] for r in rs]
        planned = len(rs) >= 2 and min(gaps) >= 7 and max(gaps) - min(gaps) <= 3
        if not planned:
            out += rs
    return out


def split(gw: Reader, cfg: SplitConfig, timer: Timer | None = None) -> list[LeadDraft]:
    """One lead per institution that splits stays: the institution and every patient of
    it with at least ``min_splits`` counted readmissions (transfers to a sibling count
    for the institution the patient left)."""
    tm = timer or Timer()
    with tm.stage("queries"):
        rows = gw.read("detect_split_admissions", {"max_gap_days": cfg.max_gap_days})
    with tm.stage("scoring"):
        pairs = split_pairs(rows, cfg)
        by_key: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in pairs:
            by_key[(r["psn_no"], r["inst"])].append(r)
        by_inst: dict[str, list[tuple[str, list[dict[str, Any]]]]] = defaultdict(list)
        for (psn, inst), rs in sorted(by_key.items()):
            if len(rs) >= cfg.min_splits:
                by_inst[inst].append((psn, rs))
        drafts = []
        for inst, patients in sorted(by_inst.items()):
            rs = [r for _, ps in patients for r in ps]
            gaps = [r["gap"] for r in rs]
            changed = sum(
                1 for r in rs if (r["dise"] or "")[:3] != (r.get("dise_b") or "")[:3]
            ) / len(rs)
            others = sorted({r["inst_b"] for r in rs if r["inst_b"] != inst})
            amount = sum(_f(r["fund_b"]) for r in rs)
            score = clip(
                0.5
                + 0.1 * min(len(rs), 4)
                + (0.1 if min(gaps) <= 2 else 0.0)
                + 0.1 * clip((len(patients) - 1) / 3)
            )
            reasons = [
                Reason(
                    factor="readmissions",
                    value=len(rs),
                    weight=0.5,
                    text=f"{len(patients)} 名患者出院后 {cfg.max_gap_days:.0f} 天内再次入院 "
                    f"共 {len(rs)} 次",
                ),
                Reason(
                    factor="patients",
                    value=len(patients),
                    weight=0.1,
                    text=f"涉及 {len(patients)} 名患者",
                ),
                Reason(
                    factor="min_gap_days",
                    value=round(min(gaps), 1),
                    weight=0.3,
                    text=f"出院与再入院最短间隔 {min(gaps):.1f} 天,最长 {max(gaps):.1f} 天",
                ),
                Reason(
                    factor="changed_diagnosis",
                    value=round(changed, 2),
                    weight=0.1,
                    text=f"{round(100 * changed)}% 的再入院更换了主要诊断"
                    + (f";转往同级或下级机构 {len(others)} 家" if others else ""),
                ),
            ]
            evidence = [
                f"settlement:{r['setl_a']} {r['psn_no']} discharged {r['end_a']:%Y-%m-%d} -> "
                f"settlement:{r['setl_b']} readmitted {r['begn_b']:%Y-%m-%d} at {r['inst_b']} "
                f"({r['gap']:.1f} days, dx {r['dise']} -> {r.get('dise_b')})"
                for r in sorted(rs, key=lambda r: (r["psn_no"], r["begn_a"]))
            ]
            first, last = span([r["begn_a"] for r in rs] + [r["end_b"] for r in rs])
            members = [Member(kind="person", id=p, role="patient") for p, _ in patients]
            members.append(Member(kind="institution", id=inst, role="institution"))
            members += [Member(kind="institution", id=o, role="institution") for o in others]
            region = rs[0]["inst_admdvs"] or rs[0]["home"]
            drafts.append(
                LeadDraft(
                    typology="split_admission",
                    score=score,
                    members=members,
                    reasons=reasons,
                    evidence=evidence[: cfg.max_evidence],
                    amount_at_risk=amount,
                    first_seen=first,
                    last_seen=last,
                    region=region,
                    regions=sorted({x for r in rs for x in (r["inst_admdvs"], r["home"]) if x}),
                )
            )
    return drafts
