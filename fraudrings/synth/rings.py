"""The injected fraud rings, one planner per typology, each driven by its ring's parameters
(``fraudrings/synth/variation.py``: ranges and sources from the public case reports).

Every planner draws its concrete choices (people, places, days) from the generator's plan
rng, so a drop is deterministic for the same arguments, and writes one truth entry with
``ring_id``, ``typology``, ``params`` (the values the ring was planned with) and ``members``.
Planned visits join each person's background visits; ``_Gen.plausible`` keeps the
background from making anyone's movements impossible.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fraudrings.synth import catalog
from fraudrings.synth.catalog import CITIES
from fraudrings.synth.model import (
    BOTH,
    DAY,
    FEE_ONLY,
    HOUR,
    TRACE_ONLY,
    UNSCANNED,
    Line,
    Person,
    Visit,
    ch,
    ri,
)
from fraudrings.synth.supervision import (
    SHANDONG,
    card,
    fastest_hours,
    ring_inst_codes,
    spaced_days,
    stay_at,
    visit_at,
)
from fraudrings.synth.variation import Params

if TYPE_CHECKING:
    from fraudrings.synth.generator import _Gen

Sale = tuple[Person, Visit, Line]
CHRONIC_GROUPS = {
    "htn", "dm", "lipid", "chd", "neuro", "thyroid", "uro", "psy", "hep_b", "hf", "stroke",
    "asthma",
}  # fmt: skip


def chronic_drugs(g: _Gen) -> list[int]:
    """Drugs a chronic patient refills on a daily dose: the high-value ones and the common
    chronic ones (antihypertensives, antidiabetics, statins, ...)."""
    out = list(g.hv_refill)
    for i in g.drug_ids:
        it = g.items[i]
        if it.rx and it.daily > 0 and not it.high_value and it.group in CHRONIC_GROUPS:
            out.append(i)
    return out


def drug_near_price(g: _Gen, rng: random.Random, yuan: float, pool: list[int]) -> int:
    """A drug of the pool whose box price is nearest to ``yuan`` on a log scale (a random
    one of those within 25% of the nearest)."""
    target = math.log(max(0.01, yuan) * 100)
    dist = sorted((abs(math.log(g.items[i].price) - target), i) for i in pool)
    best = dist[0][0]
    near = [i for d, i in dist if d <= best + math.log(1.25)]
    return ch(rng, near)


def office(rng: random.Random, day: int, lo: int = 8, hi: int = 18) -> int:
    return day * DAY + ri(rng, lo * HOUR, hi * HOUR)


def ring_entry(ring_id: str, typology: str, params: Params, members: list[dict[str, str]]) -> dict:
    return {"ring_id": ring_id, "typology": typology, "params": params, "members": members}


# ------------------------------------------------------------------ prescription buyers
def prescription_buyer(g: _Gen, r: int, P: Params) -> list[Sale]:
    """A lone buyer or a collector's ring collecting a chronic drug beyond need: each member
    buys ``supply_ratio`` days of supply per day elapsed over ``period_days``, at the ring's
    outlets (pharmacies and hospital outpatient desks) with prescriptions of ``doctors``
    doctors; ``coordination`` of their pickups are made together, ``shared_contact`` of them
    carry the collector's phone or address, ``camouflage`` of visits add lines for their
    own conditions."""
    rng = g.prng
    size = int(P["ring_size"])
    ratio = float(P["supply_ratio"])
    extra = g.extra_planned
    city = ch(rng, SHANDONG)
    others = [c for c in SHANDONG if c != city]
    members = g.take([city, *others], size, lambda p: 25 <= p.age <= 85 and p.idx not in extra)
    if not members:
        return []
    city = members[0].city
    item = drug_near_price(g, rng, float(P["drug_price"]), chronic_drugs(g))
    it = g.items[item]
    dise = g.dise_of(rng, item)
    period = min(int(P["period_days"]), g.days - 3)
    s0 = rng.randrange(0, g.days - period - 2 + 1)
    end = s0 + period
    # outlets: pharmacies and hospitals of the members' city
    outlets = int(P["outlets"])
    n_ph = round(outlets * float(P["pharmacy_share"]))
    n_h = outlets - n_ph
    n_docs = int(P["doctors"])
    if n_h > n_docs:  # at least one prescribing doctor per hospital
        n_h = n_docs
        n_ph = outlets - n_h
    all_h = list(g.city_hosp[city][0])
    rng.shuffle(all_h)
    hosps = all_h[: max(0, n_h)]
    all_ph = [x for x in g.city_pharm[city][0] if x not in g.recyclers]
    rng.shuffle(all_ph)
    pharms = all_ph[: max(0, n_ph)]
    if not hosps and not pharms:
        pharms = all_ph[:1] or [members[0].fav_pharm]
    docs: list[int] = []
    for h in hosps:
        docs.append(ch(rng, g.insts[h].doctors))
    pool = [d for h in hosps for d in g.insts[h].doctors if d not in docs]
    rng.shuffle(pool)
    more = [d for h in all_h if h not in hosps for d in g.insts[h].doctors]
    rng.shuffle(more)
    for d in pool + more:
        if len(docs) >= n_docs:
            break
        if d not in docs:
            docs.append(d)
    docs_at = {h: [d for d in docs if g.pracs[d][3] == h] for h in hosps}
    ph_share = 1.0 if not hosps else (0.0 if not pharms else float(P["pharmacy_share"]))
    # shared phone / address with the collector (the first member)
    lead = members[0]
    k = round(float(P["shared_contact"]) * (len(members) - 1))
    for m in rng.sample(members[1:], k):
        if rng.random() < 0.6:
            m.tel = lead.tel
        else:
            m.addr = lead.addr

    def purchase_days() -> list[tuple[float, int]]:
        out = []
        day = s0 + rng.uniform(0, 10)
        while day < end:
            cnt = max(1, round(rng.uniform(14, 30) * it.daily))
            out.append((day, cnt))
            day += cnt / it.daily / ratio * rng.uniform(0.8, 1.2)
        return out

    def outlet_for() -> int:
        if pharms and rng.random() < ph_share:
            return ch(rng, pharms)
        return ch(rng, hosps)

    # the collector's own pickups are the group trips the others may join
    events = [(d, outlet_for(), rng.uniform(9, 15)) for d, _ in purchase_days()]
    coord = float(P["coordination"]) if len(members) > 1 else 0.0
    sales: list[Sale] = []
    camo = float(P["camouflage"])
    for mi, m in enumerate(members):
        plan = purchase_days() if mi else [(e[0], 0) for e in events]
        used_events: set[int] = set()
        for j, (day, cnt) in enumerate(plan):
            if mi == 0:
                ev_day, outlet, hour = events[j]
                cnt = max(1, round(rng.uniform(14, 30) * it.daily))
                t = int(ev_day) * DAY + int(hour * HOUR)
            elif events and rng.random() < coord:
                e = min(range(len(events)), key=lambda x: abs(events[x][0] - day))
                if e in used_events:
                    outlet = outlet_for()
                    t = int(day) * DAY + ri(rng, 9 * HOUR, 17 * HOUR)
                else:
                    used_events.add(e)
                    ev_day, outlet, hour = events[e]
                    t = int(ev_day) * DAY + int(hour * HOUR) + ri(rng, 0, 3 * HOUR)
            else:
                outlet = outlet_for()
                t = int(day) * DAY + ri(rng, 9 * HOUR, 17 * HOUR)
            if t >= g.end - DAY:
                continue
            inst = g.insts[outlet]
            prd = round(cnt / it.daily)
            if inst.type == 2:
                line = Line(item, cnt, ch(rng, docs), True, prd)
            else:
                line = Line(item, cnt, -1, True, prd)
            line.mode = g.mode(rng, 0.97)
            if line.mode != UNSCANNED:
                line.boxes = g.new_boxes(rng, item, outlet, t, cnt)
            lines = [line]
            if rng.random() < camo:
                for _ in range(ri(rng, 1, 2)):
                    d2 = g.drug_for(rng, m)
                    it2 = g.items[d2]
                    dr2 = ch(rng, docs) if inst.type == 2 and it2.rx else -1
                    c2 = ri(rng, 1, 2)
                    prd2 = round(c2 / it2.daily) if it2.daily else 0
                    lines.append(Line(d2, c2, dr2, it2.rx, prd2, g.mode(rng, 0.85)))
            if inst.type == 2:
                v = Visit(
                    outlet, "41", t, t + ri(rng, 60, 600), lines, ch(rng, inst.pharmacists), dise
                )
            else:
                doc = ch(rng, docs_at.get(outlet) or inst.doctors)
                lines.insert(0, Line(g.consult(outlet), 1))
                v = Visit(outlet, "11", t, t + ri(rng, 600, 3600), lines, doc, dise)
            m.planned.append(v)
            sales.append((m, v, line))
    ring = ring_entry(
        f"pb-{r + 1:04d}",
        "prescription_buyer",
        P,
        [{"kind": "person", "id": m.psn_no, "role": "buyer"} for m in members],
    )
    ring["drug"] = g.item_codes[item]
    ring["institutions"] = [g.insts[i].code for i in hosps + pharms]
    g.rings.append(ring)
    return sales


# ------------------------------------------------------------------------ recycled drugs
def recycled_drug(g: _Gen, r: int, P: Params, buyer_sales: list[Sale]) -> None:
    """Boxes sold to insured patients come back through a collector and are settled again,
    ``hops`` times each, ``resale_days`` apart, at ``outlets`` pharmacies or clinics (some in
    other regions); ``laundering`` of the resold boxes get a supplier's purchase record
    first. The boxes are the paired buyer ring's (``source`` buyer_ring) or those of
    ``sellers`` patients who sell their surplus."""
    rng = g.prng
    n_boxes = int(P["boxes"])
    hops = int(P["hops"])
    gap = float(P["resale_days"])
    sales = [x for x in buyer_sales if x[2].boxes] if P["source"] == "buyer_ring" else []
    linked = bool(sales)
    need_days = int(hops * gap * 1.4) + 4
    if not sales:
        city = ch(rng, SHANDONG)
        extra = g.extra_planned
        sellers = g.take(
            [city, *SHANDONG], int(P["sellers"]), lambda p: 30 <= p.age <= 85 and p.idx not in extra
        )
        if not sellers:
            return
        city = sellers[0].city
        item = drug_near_price(g, rng, float(P["drug_price"]), chronic_drugs(g))
        it = g.items[item]
        hs = g.city_hosp[city][0]
        docs = g.insts[ch(rng, hs)].doctors
        per = math.ceil(n_boxes * 1.3 / len(sellers))
        last = max(10, g.days - need_days)
        for m in sellers:
            n_buy = max(1, math.ceil(per / 2))
            for day in sorted(rng.uniform(0, last) for _ in range(n_buy)):
                ph = m.fav_pharm
                t = office(rng, int(day), 9, 19)
                cnt = ri(rng, 1, 3)
                line = Line(item, cnt, ch(rng, docs), True, round(cnt / it.daily), BOTH)
                line.mode = g.mode(rng, 1.0)
                line.boxes = g.new_boxes(rng, item, ph, t, cnt)
                v = Visit(
                    ph, "41", t, t + ri(rng, 60, 600), [line], ch(rng, g.insts[ph].pharmacists), ""
                )
                v.dise = g.dise_of(rng, item)
                m.planned.append(v)
                sales.append((m, v, line))
    city = sales[0][0].city
    taken_insts = ring_inst_codes(g)
    clinic = P["outlet_kind"] == "clinic"

    def outlets_in(cities: list[int]) -> list[int]:
        """Outlets of these cities, those no ring uses yet first (in random order), then
        other rings' recyclers (dealers' outlets serve several collectors)."""
        fresh, used = [], []
        for c in cities:
            if clinic:
                cand = [x for x in g.city_hosp[c][0] if g.insts[x].lv == 1]
                cand = cand or g.city_hosp[c][0]
            else:
                cand = g.city_pharm[c][0]
            for x in cand:
                if x in g.lookalike_insts:
                    continue
                if x not in g.recyclers and g.insts[x].code not in taken_insts:
                    fresh.append(x)
                elif x in g.recyclers:
                    used.append(x)
        rng.shuffle(fresh)
        rng.shuffle(used)
        return fresh + used

    n_out = int(P["outlets"])
    cross = float(P["cross_region_share"])
    n_far = round(n_out * cross)
    n_local = n_out - n_far
    local = outlets_in([city])
    far_cities = [c for c in range(len(CITIES)) if c != city]
    far = outlets_in(far_cities)
    local_set = local[:n_local]
    far_set = far[:n_far]
    if not local_set and not far_set:
        local_set = (local or far)[:1]
    g.recyclers.update(local_set + far_set)
    launderer = ch(rng, g.wholesalers)
    boxes = [(m, v, b) for m, v, line in sales for b in line.boxes or []]
    boxes = [x for x in boxes if x[1].t_end + need_days * DAY < g.end]
    rng.shuffle(boxes)
    chosen = boxes[:n_boxes]
    chosen.sort(key=lambda x: x[1].t)
    buyers: dict[int, Person] = {}
    resold: list[str] = []
    used_out: list[int] = []
    laundered = False
    chains: list[dict[str, Any]] = []
    for m, v, b in chosen:
        t = (v.setl_at or v.t_end) + 1800
        settled = []
        for _ in range(hops):
            t2 = t + int(max(1.0, gap * rng.uniform(0.6, 1.4)) * DAY)
            t2 = (t2 // DAY) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
            if t2 <= t + HOUR or t2 >= g.end - DAY:
                break
            if far_set and (not local_set or rng.random() < cross):
                rec = ch(rng, far_set)
            else:
                rec = ch(rng, local_set)
            rinst = g.insts[rec]
            p2 = g.second_buyer(rinst.city)
            launder = None
            if rng.random() < float(P["laundering"]):
                tl = t + int((t2 - t) * rng.uniform(0.3, 0.8))
                off = (tl // DAY) * DAY + ri(rng, 8 * HOUR, 18 * HOUR)
                launder = (launderer, off if t < off < t2 - HOUR else tl)
                laundered = True
            u = rng.random()
            mode = BOTH if u < 0.5 else (FEE_ONLY if u < 0.75 else TRACE_ONLY)
            it = g.items[b.item]
            prd = max(1, round(1 / it.daily))
            dise = g.dise_of(rng, b.item)
            if rinst.type == 2:
                hs = g.city_hosp[rinst.city][0]
                doc = ch(rng, g.insts[ch(rng, hs)].doctors)
                line = Line(b.item, 1, doc, True, prd, mode, [b], True, launder)
                v2 = Visit(
                    rec, "41", t2, t2 + ri(rng, 60, 600), [line], ch(rng, rinst.pharmacists), dise
                )
            else:
                line = Line(b.item, 1, -1, True, prd, mode, [b], True, launder)
                lines = [Line(g.consult(rec), 1), line]
                v2 = Visit(
                    rec, "11", t2, t2 + ri(rng, 600, 1800), lines, ch(rng, rinst.doctors), dise
                )
            p2.planned.append(v2)
            settled.append(g.ts(t2))
            if rec not in used_out:
                used_out.append(rec)
            t = t2 + 1800
        if settled:
            buyers[m.idx] = m
            resold.append(b.code)
            chains.append({"box": b.code, "first_sale": g.ts(v.t), "resales": settled})
    if not resold:
        return
    members: list[dict[str, str]] = [
        {"kind": "person", "id": m.psn_no, "role": "buyer"} for m in buyers.values()
    ]
    members += [
        {"kind": "institution", "id": g.insts[i].code, "role": "recycler"} for i in used_out
    ]
    if laundered:
        members.append({"kind": "supplier", "id": g.suppliers[launderer][0], "role": "launderer"})
    members += [{"kind": "trace_code", "id": c, "role": "resold_box"} for c in resold]
    ring = ring_entry(f"rd-{r + 1:04d}", "recycled_drug", P, members)
    ring["linked_ring"] = f"pb-{r + 1:04d}" if linked else None
    ring["chains"] = chains
    g.rings.append(ring)


# ------------------------------------------------------------------- recruited inpatients
def village_address(rng: random.Random, city: int) -> str:
    _, prov, cname, _, _, _, dists = CITIES[city]
    head = prov if prov == cname else prov + cname
    return (
        f"{head}{ch(rng, dists)[1]}{ch(rng, catalog.TOWNS)}镇"
        f"{ch(rng, catalog.VILLAGES)}{ch(rng, catalog.TOWNS)}村"
    )


def inpatient_recruitment(g: _Gen, r: int, P: Params) -> None:
    """A hospital's recruiters bring groups of people in by minibus: ``waves`` admissions
    days over ``period_days``, ``wave_size`` people each, arriving within ``arrival_hours``,
    to one of ``hospitals`` hospitals; recruits rotate, so each has about
    ``admissions_per_recruit`` stays (1.0: new people every wave). Stays last about
    ``stay_days``; ``same_diagnosis`` of them share the ring's template diagnosis. A share
    of the recruits comes from one village, is poor / medical-aid / elderly, lives in
    another city, or carries the recruiter's phone."""
    rng = g.prng
    hs = [i for i in g.insts if i.type == 1 and i.lv <= 2 and i.city in SHANDONG]
    taken = ring_inst_codes(g)
    hs = [i for i in hs if i.code not in taken] or hs
    private = [h for h in hs if h.ownership == "private"]
    h0 = ch(rng, private if private and rng.random() < 0.7 else hs)
    city = h0.city
    same_city = [h for h in hs if h.city == city and h is not h0]
    rng.shuffle(same_city)
    other = [h for h in hs if h.city != city]
    rng.shuffle(other)
    hosps = [h0, *(same_city + other)[: int(P["hospitals"]) - 1]]
    waves = int(P["waves"])
    size = int(P["wave_size"])
    apr = float(P["admissions_per_recruit"])
    n_pool = max(size, math.ceil(waves * size / apr))
    n_vul = round(n_pool * float(P["vulnerable_share"]))
    n_out = round(n_pool * float(P["out_of_town_share"]))
    others = [c for c in SHANDONG if c != city]
    rng.shuffle(others)
    extra = g.extra_planned

    def vulnerable(p: Person) -> bool:
        return p.age >= 60 and ("poverty" in p.flags or "medical_aid" in p.flags)

    pool: list[Person] = []
    n_vo = round(n_out * float(P["vulnerable_share"]))
    pool += g.take(others, n_vo, lambda p: vulnerable(p) and p.idx not in extra)
    pool += g.take(others, n_out - len(pool), lambda p: 40 <= p.age <= 85 and p.idx not in extra)
    local: list[Person] = []
    local += g.take([city], n_vul - n_vo, lambda p: vulnerable(p) and p.idx not in extra)
    # when the city has too few poor elderly, the elderly stand in for them
    local += g.take([city], n_vul - n_vo - len(local), lambda p: p.age >= 65 and p.idx not in extra)
    local += g.take(
        [city, *others],
        n_pool - len(pool) - len(local),
        lambda p: 40 <= p.age <= 85 and p.idx not in extra,
    )
    rng.shuffle(local)
    n_vil = round(n_pool * float(P["village_share"]))
    home_city = [m for m in local if m.city == city]
    if n_vil and home_city:
        village = village_address(rng, city)
        for m in home_city[:n_vil]:
            m.addr = f"{village}{ri(rng, 1, 260)}号"
    pool += local
    if len(pool) < 2:
        return
    rng.shuffle(pool)
    recruiter: Person | None = None
    n_tel = round(len(pool) * float(P["recruiter_phone_share"]))
    if n_tel:
        got = g.take([city, *SHANDONG], 1, lambda p: 30 <= p.age <= 65 and p.idx not in extra)
        if got:
            recruiter = got[0]
            for m in rng.sample(pool, n_tel):
                m.tel = recruiter.tel
    period = min(int(P["period_days"]), g.days - 15)
    s0 = rng.randrange(0, g.days - 12 - period + 1)
    inner = rng.sample(range(s0 + 1, s0 + period), min(waves - 2, period - 1))
    days = sorted({s0, s0 + period, *inner})
    docs = {h.idx: rng.sample(h.doctors, min(len(h.doctors), ri(rng, 1, 3))) for h in hosps}
    template = ch(rng, catalog.RECRUIT_DISEASES)
    other_dises = [d for d in catalog.RECRUIT_DISEASES + catalog.INPATIENT_DISEASES[:5]]
    other_dises = [d for d in other_dises if d != template]
    order = list(range(len(hosps)))
    rng.shuffle(order)
    count = {m.idx: 0 for m in pool}
    free_at = {m.idx: 0 for m in pool}
    admitted: dict[int, Person] = {}
    wave_log: list[dict[str, Any]] = []
    stay_mean = float(P["stay_days"])
    arrive = float(P["arrival_hours"])
    n_adm = 0
    spread = min(1.5, apr - 1.0)
    for k, d in enumerate(days):
        h = hosps[order[k % len(hosps)]]
        base = d * DAY + ri(rng, 6 * HOUR, 9 * HOUR)
        ready = [m for m in pool if free_at[m.idx] <= base]
        if len(ready) < size:  # everyone else is still in a bed: new recruits
            new = g.take(
                [city, *others],
                size - len(ready),
                lambda p: 40 <= p.age <= 85 and p.idx not in extra,
            )
            for m in new:
                count[m.idx] = 0
                free_at[m.idx] = 0
            pool += new
            ready += new
        # fewest stays first; with more stays per recruit, some come back more than others
        ready.sort(key=lambda m: count[m.idx] + rng.random() * spread)
        group = ready[:size]
        for m in group:
            t = base + int(rng.random() * arrive * HOUR)
            stay = max(1, round(stay_mean + rng.uniform(-1, 1)))
            t_end = t + stay * DAY + ri(rng, -3 * HOUR, 3 * HOUR)
            dise = template if rng.random() < float(P["same_diagnosis"]) else ch(rng, other_dises)
            lines = g.inpatient_lines(rng, h.idx, stay, rng.random() < 0.6)
            for ln in lines:
                if g.items[ln.item].list_type == "drug":
                    ln.mode = g.mode(rng, 0.9)
            m.planned.append(Visit(h.idx, "21", t, t_end, lines, ch(rng, docs[h.idx]), dise))
            count[m.idx] += 1
            free_at[m.idx] = t_end + DAY
            admitted[m.idx] = m
            n_adm += 1
        wave_log.append({"day": g.day_str[d], "institution": h.code, "admitted": len(group)})
    used_h = list(dict.fromkeys(w["institution"] for w in wave_log if w["admitted"]))
    mem = [
        {"kind": "person", "id": m.psn_no, "role": "recruited_patient"}
        for m in pool
        if m.idx in admitted
    ]
    mem += [{"kind": "institution", "id": c, "role": "institution"} for c in used_h]
    if recruiter is not None:
        mem.append({"kind": "person", "id": recruiter.psn_no, "role": "recruiter"})
    ring = ring_entry(f"ir-{r + 1:04d}", "inpatient_recruitment", P, mem)
    ring["waves"] = wave_log
    ring["admissions"] = n_adm
    ring["recruits"] = len(admitted)
    g.rings.append(ring)


# --------------------------------------------------------------------------- card pooling
def card_pooling(g: _Gen, r: int, P: Params) -> None:
    """A collector's ``cards`` cards (``out_of_town_share`` from other cities) used
    ``uses_per_card`` times each at ``outlets`` pharmacies: ``burst_share`` of the uses in
    sessions of ``burst_size`` cards, ``minutes_per_swipe`` apart, the rest one at a time;
    ``night_share`` of the sessions in the evening or at night; ``e_credential_share`` by
    remotely scanned e-credentials; ``same_basket`` of the uses buy the ring's resaleable
    drug. The outlet is picked by its own traffic (``outlet_busyness``)."""
    rng = g.prng
    taken = {
        m["id"] for x in g.rings if x["typology"] == "card_pooling"
        for m in x["members"] if m["kind"] == "institution"
    }  # fmt: skip
    street = [i for i in g.insts if i.type == 2 and not i.online and i.idx not in g.lookalike_insts]
    # each ring its own outlets while there are free ones (a drop with many rings per
    # person may have to put two collectors in one shop)
    cands = [i for i in street if i.code not in taken] or street
    cands.sort(key=lambda i: (i.weight, i.idx))
    q = float(P["outlet_busyness"])
    k = min(len(cands) - 1, int(q * len(cands)))
    lo, hi = max(0, k - 1), min(len(cands), k + 2)
    main = ch(rng, cands[lo:hi])
    city = main.city
    same = [i for i in cands if i.city == city and i is not main]
    rng.shuffle(same)
    outlets = [main, *same[: int(P["outlets"]) - 1]]
    period = min(int(P["period_days"]), g.days - 2)
    s0 = rng.randrange(0, g.days - 1 - period + 1)
    n_cards = int(P["cards"])
    n_far = round(n_cards * float(P["out_of_town_share"]))
    others = [c for c in range(len(CITIES)) if c != city]
    rng.shuffle(others)
    extra = g.extra_planned
    oidx = {o.idx for o in outlets}
    lenders = g.take(others, n_far, lambda p: p.age >= 18 and p.idx not in extra)
    lenders += g.take(
        [city, *others], n_cards - len(lenders), lambda p: p.age >= 18 and p.idx not in extra
    )
    if len(lenders) < 2:
        return
    sellable = [
        i for i in g.drug_ids
        if g.items[i].rx and g.items[i].price >= 1500 and g.items[i].daily > 0
    ]  # fmt: skip
    basket = rng.sample(sellable, 1 if rng.random() < 0.5 else 2)
    cnt = ri(rng, 1, 3)
    hs = g.city_hosp[city][0]
    docs = [ch(rng, g.insts[ch(rng, hs)].doctors) for _ in range(ri(rng, 1, 3))]
    term = {o.idx: ch(rng, o.terminals) for o in outlets}
    uses = n_cards * int(P["uses_per_card"])
    burst_uses = round(uses * float(P["burst_share"]))
    size = max(1, min(int(P["burst_size"]), len(lenders)))
    n_sessions = math.ceil(burst_uses / size) if burst_uses else 0
    n_single = uses - n_sessions * size if burst_uses else uses
    n_single = max(0, n_single)
    used_count = {p.idx: 0 for p in lenders}
    busy_days: dict[int, set[int]] = {p.idx: set() for p in lenders}
    night = float(P["night_share"])
    ecred = float(P["e_credential_share"])
    same_basket = float(P["same_basket"])
    gap_min = float(P["minutes_per_swipe"])

    def start_time(day: int) -> int:
        if rng.random() < night:
            if rng.random() < 0.65:
                return day * DAY + ri(rng, 19 * HOUR + 1800, 23 * HOUR)
            return day * DAY + ri(rng, 1800, 4 * HOUR)
        return day * DAY + ri(rng, 9 * HOUR, 17 * HOUR)

    def use(p: Person, o: Any, t_setl: int) -> None:
        if rng.random() < same_basket:
            lines = []
            for j, item in enumerate(basket):
                it = g.items[item]
                c = cnt if rng.random() < 0.85 else max(1, cnt + ch(rng, (-1, 1)))
                prd = round(c / it.daily) if it.daily else 0
                lines.append(Line(item, c, docs[j % len(docs)], True, prd, g.mode(rng, 0.9)))
            dise = g.dise_of(rng, basket[0])
        else:
            v0 = g.pharmacy_visit(rng, p, t_setl // DAY, o.city)
            lines, dise = v0.lines, v0.dise
        v = Visit(o.idx, "41", t_setl - ri(rng, 150, 300), t_setl - ri(rng, 20, 60), lines,
                  ch(rng, o.pharmacists), dise)  # fmt: skip
        v.setl_at = t_setl
        if rng.random() < ecred:
            v.cert = "01"
            v.term = term[o.idx] if rng.random() < 0.5 else ch(rng, o.terminals)
        else:
            v.cert = card(rng, 1.0)
            v.term = term[o.idx]
        p.planned.append(v)
        used_count[p.idx] += 1
        busy_days[p.idx].add(t_setl // DAY)

    sessions: list[str] = []
    for _ in range(n_sessions):
        day = s0 + rng.randrange(period)
        free = [p for p in lenders if day not in busy_days[p.idx]]
        free.sort(key=lambda p: used_count[p.idx] + rng.random())
        group = free[:size]
        if not group:
            continue
        o = ch(rng, outlets)
        t = start_time(day)
        sessions.append(g.ts(t))
        for p in group:
            if t >= g.end - 1:
                break
            use(p, o, t)
            t += max(20, int(gap_min * 60 * rng.uniform(0.5, 1.5)))
    for _ in range(n_single):
        p = min(lenders, key=lambda p: used_count[p.idx] + rng.random())
        day = s0 + rng.randrange(period)
        if day in busy_days[p.idx]:
            continue
        use(p, ch(rng, outlets), min(g.end - 1, start_time(day)))
    used = [p for p in lenders if used_count[p.idx]]
    for p in used:
        g.avoid.setdefault(p.idx, set()).update(oidx)
    members = [
        {"kind": "institution", "id": o.code, "role": "pooling_outlet"}
        for o in outlets
        if any(v.inst == o.idx for p in used for v in p.planned)
    ]
    members += [{"kind": "person", "id": p.psn_no, "role": "card_lender"} for p in used]
    ring = ring_entry(f"cp-{r + 1:04d}", "card_pooling", P, members)
    ring["terminals"] = sorted(set(term.values()))
    ring["sessions"] = sessions
    ring["drugs"] = [g.item_codes[i] for i in basket]
    ring["settlements"] = sum(used_count.values())
    g.rings.append(ring)


# ------------------------------------------------------------------------ impossible travel
def spatiotemporal(g: _Gen, r: int, P: Params, busy: set[int]) -> None:
    """A card settled at home and, ``trips`` times, far away (about ``distance_km``) too
    soon after: the time between the two settlements is ``gap_fraction`` of the fastest
    door-to-door journey. A lent card is used by someone at ``away_places`` places in one
    far city; a phantom billing is an outlet there settling the card it holds.
    ``drugs_only`` of the away settlements carry drugs only; ``e_credential_share`` of them
    use the e-credential."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    extra = g.extra_planned
    got = g.take(cities, 1, lambda p: 20 <= p.age <= 80 and p.idx not in extra)
    if not got:
        return
    p = got[0]
    homes = [p.fav_hosp] if p.fav_pharm in busy else [p.fav_pharm, p.fav_hosp]
    target = float(P["distance_km"])
    ref = homes[0]
    phantom = P["scheme"] == "phantom_billing"

    def outlet_like(i: Any) -> bool:  # an outlet that can hold a card: pharmacy or clinic
        return i.type == 2 or i.lv == 1

    cands = [
        i.idx for i in g.insts
        if not i.online and i.city != p.city and i.idx not in g.recyclers
        and (outlet_like(i) or not phantom)
    ]  # fmt: skip
    if not cands:
        return
    lt = math.log(target)
    scored = sorted((abs(math.log(max(1.0, g.dist[ref][c])) - lt), c) for c in cands)
    best = scored[0][0]
    near = [c for s, c in scored if s <= best + 0.15]
    first = ch(rng, near)
    fc = g.insts[first].city
    pool = [c for c in cands if g.insts[c].city == fc and c != first]
    rng.shuffle(pool)
    away = [first, *pool[: int(P["away_places"]) - 1]]
    days = spaced_days(rng, g.days - 2, int(P["trips"]), 7)
    involved: list[int] = []
    episodes: list[dict[str, Any]] = []
    for d in days:
        home = ch(rng, homes)
        far = ch(rng, away)
        dist = g.dist[home][far]
        gap = max(300, int(float(P["gap_fraction"]) * fastest_hours(dist) * HOUR))
        a, b = (home, far) if rng.random() < 0.5 else (far, home)
        v1 = visit_at(g, p, a, d * DAY + ri(rng, 8 * HOUR, 15 * HOUR))
        v2 = visit_at(g, p, b, v1.setl_at + gap)
        v_away = v2 if b == far else v1
        if rng.random() < float(P["e_credential_share"]):
            v_away.cert = "01"
        else:
            v_away.cert = card(rng, 1.0)
        if rng.random() < float(P["drugs_only"]):
            drugs = [ln for ln in v_away.lines if g.items[ln.item].list_type == "drug"]
            if not drugs:
                item = g.drug_for(rng, p)
                it = g.items[item]
                prd = round(2 / it.daily) if it.daily else 0
                drugs = [Line(item, 2, -1, it.rx, prd, g.mode(rng, 0.9))]
            v_away.lines = drugs
        p.planned += [v1, v2]
        involved += [a, b]
        episodes.append(
            {
                "first_setl_time": g.ts(v1.setl_at),
                "second_begntime": g.ts(v2.t),
                "km": round(dist),
                "minutes": round(gap / 60),
            }
        )
    members = [{"kind": "person", "id": p.psn_no, "role": "card_holder"}]
    members += [
        {"kind": "institution", "id": g.insts[i].code, "role": "institution"}
        for i in dict.fromkeys(involved)
    ]
    ring = ring_entry(f"st-{r + 1:04d}", "spatiotemporal", P, members)
    ring["episodes"] = episodes
    g.rings.append(ring)


# -------------------------------------------------------------------- claims after death
def _deceased(g: _Gen, lo: int, hi: int) -> Person | None:
    """A dead person whose death day is in [lo, hi]; else an elderly person made to have
    died on a day in that range (deaths are common among the elderly)."""
    rng = g.prng
    cands = [
        p for p in g.people
        if p.death_day is not None and not p.ghost and not g.taken[p.idx]
        and p.idx not in g.extra_planned and lo <= p.death_day <= hi
    ]  # fmt: skip
    if cands:
        p = ch(rng, cands)
        g.taken[p.idx] = True
        return p
    got = g.take(list(SHANDONG), 1, lambda q: q.age >= 65 and q.idx not in g.extra_planned)
    if not got or hi < lo:
        return None
    p = got[0]
    dd = ri(rng, max(lo, -200), hi)
    p.death_day = dd
    p.death_date = (g.start + timedelta(days=dd)).isoformat()
    return p


def deceased_claims(g: _Gen, r: int, P: Params, busy: set[int]) -> None:
    """Settlements of a dead person's card: the first ``days_after_death`` days after the
    death, ``claims`` of them ``interval_days`` apart. A hospital keeps billing the chronic
    refills, a relative buys at a pharmacy, a clinic bills visits, or a stay admitted before
    the death is billed on past it (one claim: the stay)."""
    rng = g.prng
    after = float(P["days_after_death"])
    kind = str(P["kind"])
    a = round(after)
    if kind == "stay_billed_past_death":
        a = min(a, 90)
        p = _deceased(g, 12, g.days - a - 3)
    else:
        p = _deceased(g, -a, g.days - 2 - a)
    if p is None:
        return
    assert p.death_day is not None
    dd = p.death_day
    city = p.city
    n_claims = int(P["claims"])
    phys = float(P["physical_card_share"])
    used: list[int] = []
    claims: list[str] = []
    if kind == "stay_billed_past_death":
        hs = g.city_hosp[city][0]
        h = ch(rng, [x for x in hs if g.insts[x].lv <= 2] or hs)
        t = (dd - ri(rng, 2, 10)) * DAY + ri(rng, 8 * HOUR, 18 * HOUR)
        t_end = (dd + a) * DAY + ri(rng, 8 * HOUR, 12 * HOUR)
        dise = ch(rng, catalog.TERMINAL_DISEASES)
        v = stay_at(g, h, t, t_end, dise, ch(rng, g.insts[h].doctors))
        v.setl_at = min(g.end - 1, t_end + ri(rng, HOUR, 2 * DAY))
        v.cert = card(rng, 1.0) if rng.random() < phys else "01"
        p.planned.append(v)
        g.no_bg_stay.add(p.idx)
        used.append(h)
        claims.append(g.ts(v.t))
        # follow-up bills at the same hospital, after the stay
        day = v.setl_at / DAY + float(P["interval_days"])
        while len(claims) < n_claims and day < g.days - 1:
            v = visit_at(g, p, h, int(day) * DAY + ri(rng, 8 * HOUR, 17 * HOUR))
            v.cert = card(rng, 1.0) if rng.random() < phys else "01"
            p.planned.append(v)
            claims.append(g.ts(v.t))
            day += max(1.0, float(P["interval_days"]) * rng.uniform(0.7, 1.3))
    else:
        if kind == "chronic_refill":
            if p.chronic is None:
                drug = ch(rng, chronic_drugs(g))
                hs = [x for x in g.city_hosp[city][0] if g.insts[x].lv >= 2]
                h = ch(rng, hs or g.city_hosp[city][0])
                docs = g.insts[h].doctors
                p.chronic = (drug, h, rng.sample(docs, min(len(docs), ri(rng, 1, 2))))
                if "chronic_special" not in p.flags:
                    p.flags.append("chronic_special")
            drug, h, docs = p.chronic
            it = g.items[drug]
            cnt = max(1, round(28 * it.daily))
            insts = [h]
        elif kind == "pharmacy":
            phs = [x for x in g.city_pharm[city][0] if x not in busy] or g.city_pharm[city][0]
            ph = p.fav_pharm if p.fav_pharm not in busy else ch(rng, phs)
            insts = [ph] if rng.random() < 0.7 else list(dict.fromkeys([ph, ch(rng, phs)]))
        else:
            hs = g.city_hosp[city][0]
            private = [x for x in hs if g.insts[x].ownership == "private" and g.insts[x].lv == 1]
            insts = [ch(rng, private or hs)]
        day = float(dd + a)
        interval = float(P["interval_days"])
        while len(claims) < n_claims and day < g.days - 1:
            inst = ch(rng, insts)
            t = int(day) * DAY + ri(rng, 8 * HOUR, 17 * HOUR)
            if kind == "chronic_refill":
                line = Line(drug, cnt, -1, True, round(cnt / it.daily), g.mode(rng, 0.9))
                lines = [line]
                if rng.random() < 0.5:
                    lines.insert(0, Line(g.consult(inst), 1))
                v = Visit(inst, "14", t, t + ri(rng, 600, 2400), lines, ch(rng, docs), "")
                v.dise = g.dise_of(rng, drug)
            else:
                v = visit_at(g, p, inst, t)
            v.cert = card(rng, 1.0) if rng.random() < phys else "01"
            p.planned.append(v)
            used.append(inst)
            claims.append(g.ts(v.t))
            day += max(1.0, interval * rng.uniform(0.7, 1.3))
    if not claims:
        return
    members = [{"kind": "person", "id": p.psn_no, "role": "deceased_insured"}]
    members += [
        {"kind": "institution", "id": g.insts[i].code, "role": "institution"}
        for i in dict.fromkeys(used)
    ]
    ring = ring_entry(f"dc-{r + 1:04d}", "deceased_claims", P, members)
    ring["death_date"] = p.death_date
    ring["settlements_after_death"] = len(claims)
    ring["claims"] = claims
    g.rings.append(ring)


# ------------------------------------------------------------------------ split admissions
def split_admission(g: _Gen, r: int, P: Params) -> None:
    """A hospital cuts stays of ``patients`` patients into ``splits`` admissions each,
    ``episodes`` times in the year: each part lasts about ``stay_days``, the readmission
    follows the discharge after about ``gap_days``, ``changed_diagnosis_share`` of the
    readmissions carry another main diagnosis and ``transfer_share`` of them are at a second
    institution (a transfer)."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    taken = ring_inst_codes(g)
    hs_all = [
        i.idx for i in g.insts
        if i.type == 1 and i.city in SHANDONG and i.lv <= 2 and i.code not in taken
    ] or [i.idx for i in g.insts if i.type == 1 and i.city in SHANDONG]  # fmt: skip
    private = [x for x in hs_all if g.insts[x].ownership == "private"]
    h = ch(rng, private) if private and rng.random() < 0.6 else ch(rng, hs_all)
    city = g.insts[h].city
    partners = [x for x in g.city_hosp[city][0] if x != h]
    h2 = ch(rng, partners) if partners else h
    extra = g.extra_planned
    others = [c for c in cities if c != city]
    patients = g.take(
        [city, *others], int(P["patients"]), lambda p: p.age >= 45 and p.idx not in extra
    )
    if not patients:
        return
    base_dise = ch(rng, catalog.SPLIT_DISEASES)
    alt = [d for d in catalog.SPLIT_DISEASES if d != base_dise]
    docs = rng.sample(g.insts[h].doctors, min(len(g.insts[h].doctors), ri(rng, 1, 3)))
    docs2 = g.insts[h2].doctors
    splits = int(P["splits"])
    gap = float(P["gap_days"])
    stay_mean = float(P["stay_days"])
    admissions: list[dict[str, str]] = []
    used = {h}
    for p in patients:
        plans = []
        for _ in range(int(P["episodes"])):
            stays = [max(1, round(stay_mean + rng.uniform(-1.5, 1.5))) for _ in range(splits)]
            gaps = [max(0.2, gap * rng.uniform(0.7, 1.3)) for _ in range(splits - 1)]
            plans.append((stays, gaps, sum(stays) + sum(gaps) + 1))
        total = sum(x[2] for x in plans) + 20 * (len(plans) - 1)
        while plans and total > g.days - 4:
            plans.pop()
            total = sum(x[2] for x in plans) + 20 * (len(plans) - 1)
        slack = g.days - 4 - total
        day = rng.uniform(0, max(0.0, slack / 2))
        for stays, gaps, span in plans:
            t = int(day * DAY) + ri(rng, 8 * HOUR, 18 * HOUR)
            dise = base_dise
            for j, stay in enumerate(stays):
                inst, dl = h, docs
                if j:
                    if rng.random() < float(P["changed_diagnosis_share"]):
                        dise = ch(rng, alt)
                    if rng.random() < float(P["transfer_share"]):
                        inst, dl = h2, docs2
                t_end = t + stay * DAY + ri(rng, -4 * HOUR, 4 * HOUR)
                p.planned.append(stay_at(g, inst, t, t_end, dise, ch(rng, dl)))
                used.add(inst)
                admissions.append(
                    {
                        "psn_no": p.psn_no,
                        "begin": g.ts(t),
                        "end": g.ts(t_end),
                        "institution": g.insts[inst].code,
                        "dise_codg": dise,
                    }
                )
                if j < len(gaps):
                    t = t_end + int(gaps[j] * DAY)
            day += span + 20 + rng.uniform(0, max(0.0, slack / (2 * len(plans))))
        g.no_bg_stay.add(p.idx)
    members = [{"kind": "person", "id": p.psn_no, "role": "patient"} for p in patients]
    members += [
        {"kind": "institution", "id": g.insts[i].code, "role": "institution"}
        for i in sorted(used, key=lambda x: x != h)
    ]
    ring = ring_entry(f"sa-{r + 1:04d}", "split_admission", P, members)
    ring["dise_codg"] = base_dise
    ring["admissions"] = admissions
    g.rings.append(ring)
