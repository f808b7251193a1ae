"""More supervision models: card pooling (敛卡套刷), spatiotemporal anomalies (时空异常),
claims after death and split admissions (分解住院), each injected with a varied strength,
and the benign look-alikes of each.

Planned from the generator's plan rng (so a seed gives the same rings) and written through
the same stream as everything else: the planned visits join each person's background
visits, and ``_Gen.plausible`` keeps the background from making anyone's movements
impossible, so the only impossible journeys in a drop are the spatiotemporal rings'.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from fraudrings.synth import catalog
from fraudrings.synth.catalog import CITIES
from fraudrings.synth.model import DAY, HOUR, Line, Person, Visit, ch, km, ri

if TYPE_CHECKING:
    from fraudrings.synth.generator import _Gen

FAR_KM = 200.0  # cities at least this far apart (centre to centre) count as far
SHANDONG = [i for i, c in enumerate(CITIES) if c[0].startswith("37")]


def city_km(a: int, b: int) -> float:
    return km(CITIES[a][3], CITIES[a][4], CITIES[b][3], CITIES[b][4])


def ring_inst_codes(g: _Gen) -> set[str]:
    return {m["id"] for r in g.rings for m in r["members"] if m["kind"] == "institution"}


def busiest(g: _Gen) -> set[int]:
    """The busiest street pharmacies: kept out of rings, so they can serve as look-alikes."""
    ph = sorted(
        (i for i in g.insts if i.type == 2 and not i.online), key=lambda i: (-i.weight, i.idx)
    )
    return {i.idx for i in ph[: 2 * max(1, g.n_core // 2)]}


def spaced_days(rng: random.Random, hi: int, n: int, gap: int, lo: int = 0) -> list[int]:
    """Up to n distinct days in [lo, hi) at least gap apart, sorted."""
    out: list[int] = []
    for _ in range(400):
        if len(out) == n or hi <= lo:
            break
        d = rng.randrange(lo, hi)
        if all(abs(d - x) >= gap for x in out):
            out.append(d)
    return sorted(out)


def strength(g: _Gen) -> float:
    return round(g.prng.uniform(0.3, 1.0), 2)


def visit_at(g: _Gen, p: Person, inst: int, t: int) -> Visit:
    """An ordinary pharmacy purchase or outpatient visit of p at inst, beginning at t and
    settled a few minutes after it ends."""
    rng = g.prng
    it = g.insts[inst]
    day = t // DAY
    if it.type == 2:
        v = g.pharmacy_visit(rng, p, day, it.city)
        v.dr = ch(rng, it.pharmacists)
        dur = ri(rng, 60, 600)
    else:
        v = g.outpatient(rng, p, day, it.city, "11")
        v.dr = ch(rng, it.doctors)
        v.lines[0] = Line(g.consult(inst), 1)
        dur = ri(rng, 600, 3600)
    v.inst = inst
    v.t = t
    v.t_end = t + dur
    v.setl_at = v.t_end + ri(rng, 30, 600)
    v.refund_after = 0
    return v


def stay_at(g: _Gen, h: int, t: int, t_end: int, dise: str, doc: int) -> Visit:
    rng = g.prng
    days = max(1, round((t_end - t) / DAY))
    lines = g.inpatient_lines(rng, h, days, rng.random() < 0.4)
    for ln in lines:
        if g.items[ln.item].list_type == "drug":
            ln.mode = g.mode(rng, 0.9)
    return Visit(h, "21", t, t_end, lines, doc, dise)


def card(rng: random.Random, physical: float) -> str:
    """mdtrt_cert_type: a physical card (03, else 02) with probability ``physical``."""
    if rng.random() < physical:
        return "03" if rng.random() < 0.8 else "02"
    return "01"


# ---------------------------------------------------------------------------- rings
def plan_rings(g: _Gen) -> None:
    n = g.n_core
    avoid = busiest(g)
    for r in range(n):
        card_pooling(g, r, strength(g), avoid)
    for r in range(n):
        spatiotemporal(g, r, strength(g), avoid)
    for r in range(n):
        deceased_claims(g, r, strength(g), avoid)
    for r in range(n):
        split_admission(g, r, strength(g))


def card_pooling(g: _Gen, r: int, s: float, busy: set[int]) -> None:
    """One terminal of a small street pharmacy settles many strangers' cards in bursts."""
    rng = g.prng
    used_codes = ring_inst_codes(g)
    cands = [
        i
        for i in g.insts
        if i.type == 2 and not i.online and i.code not in used_codes and i.idx not in busy
    ]
    if not cands:
        return
    cands.sort(key=lambda i: (i.weight, i.idx))
    outlet = ch(rng, cands[: max(1, (len(cands) + 1) // 2)])
    term = ch(rng, outlet.terminals)
    city = outlet.city
    district = outlet.code[1:7]
    others = [c for c in range(len(CITIES)) if c != city]
    rng.shuffle(others)
    extra = g.extra_planned

    def stranger(p: Person) -> bool:
        return (
            p.fav_pharm != outlet.idx
            and p.idx not in extra
            and (p.city != city or p.certno[:6] != district)
        )

    n_pool = ri(rng, 10, 16 + int(24 * s))
    n_far = round(n_pool * rng.uniform(0.5, 0.9))
    lenders = g.take(others, n_far, lambda p: p.age >= 55 and stranger(p))
    lenders += g.take([city, *others], n_pool - len(lenders), lambda p: p.age >= 45 and stranger(p))
    if len(lenders) < 6:
        return
    sellable = [
        i
        for i in g.drug_ids
        if g.items[i].rx and not g.items[i].high_value and g.items[i].price >= 1500
    ]
    basket = rng.sample(sellable, 1 if rng.random() < 0.5 else 2)
    cnt = ri(rng, 1, 3)
    hs = g.city_hosp[city][0]
    docs = [ch(rng, g.insts[ch(rng, hs)].doctors) for _ in range(ri(rng, 1, 2))]
    pharmacist = ch(rng, outlet.pharmacists)
    days = spaced_days(rng, g.days - 1, 3 + int(s * 5.99), 7)
    used: set[int] = set()
    bursts: list[str] = []
    for d in days:
        if rng.random() < 0.35 + 0.6 * s:  # odd hours: evening or the small hours
            if rng.random() < 0.65:
                start = d * DAY + ri(rng, 19 * HOUR + 1800, 23 * HOUR)
            else:
                start = d * DAY + ri(rng, 1800, 4 * HOUR)
        else:
            start = d * DAY + ri(rng, 10 * HOUR, 16 * HOUR)
        window = ri(rng, 10 * 60, 40 * 60)
        k = min(len(lenders), ri(rng, 6, 8 + int(12 * s)))
        group = rng.sample(lenders, k)
        offs = [0, *sorted(ri(rng, 1, window - 1) for _ in range(k - 2)), window]
        for p, off in zip(group, offs, strict=True):
            t_setl = start + off
            odd_one = ri(rng, 0, len(basket) - 1) if rng.random() < 0.25 * (1 - s) else -1
            lines = []
            for j, item in enumerate(basket):
                c = max(1, cnt + ch(rng, (-1, 1))) if j == odd_one else cnt
                it = g.items[item]
                prd = round(c / it.daily) if it.daily else 0
                lines.append(Line(item, c, docs[j % len(docs)], True, prd, g.mode(rng, 0.9)))
            v = Visit(
                outlet.idx,
                "41",
                t_setl - ri(rng, 150, 300),
                t_setl - ri(rng, 20, 60),
                lines,
                pharmacist,
                g.dise_of(rng, basket[0]),
            )
            v.setl_at = t_setl
            v.term = term
            v.cert = card(rng, 0.5 + 0.4 * s)
            p.planned.append(v)
            used.add(p.idx)
        bursts.append(g.ts(start))
    for p in lenders:
        g.avoid.setdefault(p.idx, set()).add(outlet.idx)
    members = [{"kind": "institution", "id": outlet.code, "role": "pooling_outlet"}]
    members += [
        {"kind": "person", "id": p.psn_no, "role": "card_lender"} for p in lenders if p.idx in used
    ]
    g.rings.append(
        {
            "ring_id": f"cp-{r + 1:04d}",
            "typology": "card_pooling",
            "strength": s,
            "members": members,
            "terminal": term,
            "bursts": bursts,
            "drugs": [g.item_codes[i] for i in basket],
        }
    )


def spatiotemporal(g: _Gen, r: int, s: float, busy: set[int]) -> None:
    """One person's card settled at home and in a far city too soon after, a few times."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    extra = g.extra_planned
    got = g.take(cities, 1, lambda p: 20 <= p.age <= 80 and p.idx not in extra)
    if not got:
        return
    p = got[0]
    far = [
        c
        for c in range(len(CITIES))
        if city_km(p.city, c) >= FAR_KM and g.city_pharm[c][0] and g.city_hosp[c][0]
    ]
    if not far:
        return
    fc = ch(rng, far)
    far_insts: list[int] = []
    for _ in range(1 if rng.random() < 0.6 else 2):
        if rng.random() < 0.65:
            far_insts.append(g.pick(rng, g.city_pharm[fc]))
        else:
            far_insts.append(g.pick(rng, g.city_hosp[fc]))
    far_insts = list(dict.fromkeys(far_insts))
    homes = [p.fav_hosp] if p.fav_pharm in busy else [p.fav_pharm, p.fav_hosp]
    days = spaced_days(rng, g.days - 2, 2 + int(s * 3.99), 10)
    involved: list[int] = []
    episodes: list[dict[str, Any]] = []
    for d in days:
        home = ch(rng, homes)
        away = ch(rng, far_insts)
        dist = g.dist[home][away]
        speed = rng.uniform(300.0, 300.0 + 1200.0 * s)  # km/h the card would have travelled
        gap = max(600, int(dist / speed * HOUR))
        first, second = (home, away) if rng.random() < 0.5 else (away, home)
        v1 = visit_at(g, p, first, d * DAY + ri(rng, 8 * HOUR, 15 * HOUR))
        v2 = visit_at(g, p, second, v1.setl_at + gap)
        v_away = v2 if second == away else v1
        v_away.cert = card(rng, 0.5 + 0.4 * s)
        p.planned += [v1, v2]
        involved += [first, second]
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
    g.rings.append(
        {
            "ring_id": f"st-{r + 1:04d}",
            "typology": "spatiotemporal",
            "strength": s,
            "members": members,
            "episodes": episodes,
        }
    )


def deceased_claims(g: _Gen, r: int, s: float, busy: set[int]) -> None:
    """Settlements days to months after a person's death: the hospital keeps billing the
    chronic refills, a clinic bills visits, or a relative buys with the card."""
    rng = g.prng
    cands = [
        p
        for p in g.people
        if p.death_day is not None
        and not p.ghost
        and not g.taken[p.idx]
        and p.idx not in g.extra_planned
        and -120 <= p.death_day <= g.days - 60
    ]
    if not cands:
        return
    p = ch(rng, cands)
    g.taken[p.idx] = True
    assert p.death_day is not None
    n_claims = 2 + int(s * 8)
    city = p.city
    u = rng.random()
    if p.chronic and u < 0.6:
        kind = "chronic"
        drug, h, docs = p.chronic
        it = g.items[drug]
        cnt = max(1, round(28 * it.daily))
        insts = [h]
    elif u < 0.8:
        kind = "pharmacy"
        phs = [x for x in g.city_pharm[city][0] if x not in busy] or g.city_pharm[city][0]
        ph = p.fav_pharm if p.fav_pharm not in busy else ch(rng, phs)
        insts = [ph] if rng.random() < 0.7 else list(dict.fromkeys([ph, ch(rng, phs)]))
    else:
        kind = "clinic"
        hs = g.city_hosp[city][0]
        private = [x for x in hs if g.insts[x].ownership == "private" and g.insts[x].lv == 1]
        insts = [ch(rng, private or hs)]
    day = max(p.death_day + ri(rng, 2, 40), ri(rng, 0, 20))
    used: list[int] = []
    n = 0
    while n < n_claims and day < g.days - 1:
        inst = ch(rng, insts)
        t = day * DAY + ri(rng, 8 * HOUR, 17 * HOUR)
        if kind == "chronic":
            line = Line(drug, cnt, -1, True, round(cnt / it.daily), g.mode(rng, 0.9))
            lines = [line]
            if rng.random() < 0.5:
                lines.insert(0, Line(g.consult(inst), 1))
            v = Visit(inst, "14", t, t + ri(rng, 600, 2400), lines, ch(rng, docs), "")
            v.dise = g.dise_of(rng, drug)
        else:
            v = visit_at(g, p, inst, t)
        v.cert = card(rng, 0.85)
        p.planned.append(v)
        used.append(inst)
        n += 1
        day += ri(rng, 24, 32) if kind == "chronic" else ri(rng, 5, 35)
    if not n:
        return
    members = [{"kind": "person", "id": p.psn_no, "role": "deceased_insured"}]
    members += [
        {"kind": "institution", "id": g.insts[i].code, "role": "institution"}
        for i in dict.fromkeys(used)
    ]
    g.rings.append(
        {
            "ring_id": f"dc-{r + 1:04d}",
            "typology": "deceased_claims",
            "strength": s,
            "members": members,
            "death_date": p.death_date,
            "settlements_after_death": n,
        }
    )


def split_admission(g: _Gen, r: int, s: float) -> None:
    """One stay cut into 3-6 admissions to the same hospital, each readmission 1-5 days
    after the discharge, with the same main diagnosis."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    extra = g.extra_planned
    got = g.take(cities, 1, lambda p: p.age >= 45 and p.idx not in extra)
    if not got:
        return
    p = got[0]
    all_h = g.city_hosp[p.city][0]
    hs = [x for x in all_h if g.insts[x].lv <= 2] or all_h
    private = [x for x in hs if g.insts[x].ownership == "private"]
    h = ch(rng, private) if private and rng.random() < 0.6 else ch(rng, hs)
    docs = g.insts[h].doctors
    docs = rng.sample(docs, min(len(docs), ri(rng, 1, 2)))
    dise = ch(rng, catalog.SPLIT_DISEASES)
    n_st = 3 + int(s * 3.99)
    max_gap = 5 if s < 0.6 else 3
    stays = [ri(rng, 3, 10) for _ in range(n_st)]
    span = sum(stays) + n_st * 5 + 2
    t = rng.randrange(0, max(1, g.days - span)) * DAY + ri(rng, 8 * HOUR, 18 * HOUR)
    admissions: list[str] = []
    for stay in stays:
        t_end = t + stay * DAY + ri(rng, -4 * HOUR, 4 * HOUR)
        p.planned.append(stay_at(g, h, t, t_end, dise, ch(rng, docs)))
        admissions.append(g.day_str[t // DAY])
        t = t_end + max(6 * HOUR, ri(rng, 1, max_gap) * DAY - ri(rng, 0, 12 * HOUR))
    g.no_bg_stay.add(p.idx)
    g.rings.append(
        {
            "ring_id": f"sa-{r + 1:04d}",
            "typology": "split_admission",
            "strength": s,
            "members": [
                {"kind": "person", "id": p.psn_no, "role": "patient"},
                {"kind": "institution", "id": g.insts[h].code, "role": "institution"},
            ],
            "dise_codg": dise,
            "admissions": admissions,
        }
    )


# ------------------------------------------------------------------------ look-alikes
def look(g: _Gen, typology: str, pattern: str, p: Person) -> None:
    g.lookalikes.append(
        {"typology": typology, "pattern": pattern, "members": [{"kind": "person", "id": p.psn_no}]}
    )


def plan_lookalikes(g: _Gen) -> None:
    n = g.n_core
    for _ in range(n):
        online_platform(g)
    for _ in range(n):
        stay_settled_later(g)
    for _ in range(n):
        admitted_before_death(g)
    for _ in range(n):
        single_readmission(g)
    for _ in range(n):
        chemo_cycles(g)


def one(g: _Gen, cities: list[int], pred: Any) -> Person | None:
    extra = g.extra_planned
    got = g.take(cities, 1, lambda p: p.idx not in extra and pred(p))
    return got[0] if got else None


def online_platform(g: _Gen) -> None:
    """A local visit, then within the hour a purchase from an online platform registered
    in a far city: the platform has no place, nobody travelled."""
    rng = g.prng
    if not g.online:
        return
    o = ch(rng, g.online)
    homes = [c for c in range(len(CITIES)) if city_km(c, g.insts[o].city) >= FAR_KM]
    rng.shuffle(homes)
    p = one(g, homes, lambda p: 20 <= p.age <= 75)
    if p is None:
        return
    for d in spaced_days(rng, g.days - 2, ri(rng, 1, 3), 20):
        local = p.fav_pharm if rng.random() < 0.6 else p.fav_hosp
        v1 = visit_at(g, p, local, d * DAY + ri(rng, 8 * HOUR, 18 * HOUR))
        v2 = visit_at(g, p, o, v1.setl_at + ri(rng, 5 * 60, 60 * 60))
        v2.cert = "01"
        p.planned += [v1, v2]
    look(g, "spatiotemporal", "online_platform", p)


def stay_settled_later(g: _Gen) -> None:
    """A long stay in a far city's hospital (a referral): a visit near the hospital during
    the stay, the trip home after discharge, a visit at home, and only then the stay's
    settlement. Ordered by settlement time it looks like a jump; the person never was in
    two places at once."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    p = one(g, cities, lambda p: 30 <= p.age <= 85)
    if p is None:
        return
    far = [h for c in SHANDONG if city_km(p.city, c) >= FAR_KM for h in g.city_hosp[c][0]]
    if not far:
        return
    big = [h for h in far if g.insts[h].lv >= 2]
    far = big or far
    h = ch(rng, far)
    a_city = g.insts[h].city
    stay = ri(rng, 7, 20)
    day0 = rng.randrange(2, g.days - stay - 8)
    t_a = day0 * DAY + ri(rng, 8 * HOUR, 16 * HOUR)
    t_d = (day0 + stay) * DAY + ri(rng, 8 * HOUR, 11 * HOUR)
    v = stay_at(g, h, t_a, t_d, ch(rng, catalog.INPATIENT_DISEASES), ch(rng, g.insts[h].doctors))
    near = [x for x in g.city_pharm[a_city][0] + g.city_hosp[a_city][0] if x != h]
    mid = visit_at(
        g, p, ch(rng, near), t_a + ri(rng, 1, stay - 1) * DAY + ri(rng, 1 * HOUR, 6 * HOUR)
    )
    home = p.fav_pharm if rng.random() < 0.6 else p.fav_hosp
    trip = int(g.dist[h][home] * 45) + HOUR  # 80 km/h plus an hour
    back = visit_at(g, p, home, t_d + trip + ri(rng, HOUR, 4 * HOUR))
    v.setl_at = min(g.end - 1, back.setl_at + ri(rng, HOUR, 30 * HOUR))
    p.planned += [v, mid, back]
    g.no_bg_stay.add(p.idx)
    look(g, "spatiotemporal", "stay_settled_later", p)


def admitted_before_death(g: _Gen) -> None:
    """A last stay: admitted before the death date, discharged on it, settled after it."""
    rng = g.prng
    cands = [
        p
        for p in g.people
        if p.death_day is not None
        and not p.ghost
        and not g.taken[p.idx]
        and p.idx not in g.extra_planned
        and 25 <= p.death_day <= g.days - 5
    ]
    if not cands:
        return
    p = ch(rng, cands)
    g.taken[p.idx] = True
    assert p.death_day is not None
    all_h = g.city_hosp[p.city][0]
    h = ch(rng, [x for x in all_h if g.insts[x].lv >= 2] or all_h)
    stay = ri(rng, 3, 20)
    t = (p.death_day - stay) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    t_end = p.death_day * DAY + ri(rng, HOUR, 23 * HOUR)
    dise = ch(rng, catalog.TERMINAL_DISEASES)
    v = stay_at(g, h, t, t_end, dise, ch(rng, g.insts[h].doctors))
    v.setl_at = min(g.end - 1, t_end + ri(rng, HOUR, 3 * DAY))
    p.planned.append(v)
    g.no_bg_stay.add(p.idx)
    look(g, "deceased_claims", "admitted_before_death", p)


def single_readmission(g: _Gen) -> None:
    """Discharged, and back within days once (a complication or a relapse)."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    p = one(g, cities, lambda p: p.age >= 30)
    if p is None:
        return
    options = [x for x in catalog.READMISSION if x[0] != "O80.000" or p.gend == "2"]
    first, back = ch(rng, options)
    all_h = g.city_hosp[p.city][0]
    h = ch(rng, [x for x in all_h if g.insts[x].lv >= 2] or all_h)
    docs = g.insts[h].doctors
    t = rng.randrange(0, g.days - 30) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    t_end = t + ri(rng, 3, 10) * DAY + ri(rng, -3 * HOUR, 3 * HOUR)
    p.planned.append(stay_at(g, h, t, t_end, first, ch(rng, docs)))
    t2 = t_end + max(6 * HOUR, ri(rng, 1, 5) * DAY - ri(rng, 0, 12 * HOUR))
    t2_end = t2 + ri(rng, 2, 7) * DAY + ri(rng, -3 * HOUR, 3 * HOUR)
    p.planned.append(stay_at(g, h, t2, t2_end, ch(rng, back), ch(rng, docs)))
    g.no_bg_stay.add(p.idx)
    look(g, "split_admission", "single_readmission", p)


def chemo_cycles(g: _Gen) -> None:
    """Planned chemotherapy: short stays every ~21 days, same cancer diagnosis."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    p = one(g, cities, lambda p: p.age >= 40)
    if p is None:
        return
    wrong_sex = "C61" if p.gend == "2" else "C50"
    codes = [c for c in catalog.CANCER_DISEASES if not c.startswith(wrong_sex)]
    dise = ch(rng, codes)
    all_h = g.city_hosp[p.city][0]
    top = max(g.insts[x].lv for x in all_h)
    h = ch(rng, [x for x in all_h if g.insts[x].lv == top])
    doc = ch(rng, g.insts[h].doctors)
    cycles = ri(rng, 4, 6)
    day0 = rng.randrange(0, g.days - cycles * 23 - 6)
    infusion = g.svc["infusion"][0]
    for k in range(cycles):
        day = day0 + 21 * k + ri(rng, -2, 2) if k else day0
        t = day * DAY + ri(rng, 8 * HOUR, 11 * HOUR)
        stay = ri(rng, 2, 4)
        v = stay_at(g, h, t, t + stay * DAY + ri(rng, -3 * HOUR, 3 * HOUR), dise, doc)
        v.lines.append(Line(infusion, stay))
        p.planned.append(v)
    g.no_bg_stay.add(p.idx)
    look(g, "split_admission", "chemo_cycles", p)
