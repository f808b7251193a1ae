"""Helpers shared by the ring planners (``rings.py``) and the look-alikes, and the
look-alikes of the further supervision models: spatiotemporal anomalies (时空异常),
claims after death and split admissions (分解住院).

Planned from the generator's plan rng (so a seed gives the same drop) and written through
the same stream as everything else: the planned visits join each person's background
visits, and ``_Gen.plausible`` keeps the background from making anyone's movements
impossible, so the only impossible journeys in a drop are the spatiotemporal rings' and
those that an institution's wrong coordinates make appear.
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


def fastest_hours(d_km: float) -> float:
    """A strict lower bound on a door-to-door journey over d_km (straight line): by car at
    the 120 km/h limit along the straight line plus a quarter hour at the two ends, by
    high-speed train at 300 km/h plus an hour to and from the stations, or by plane at
    800 km/h plus two and a half hours. A move faster than this is impossible, not just
    quick."""
    best = 0.25 + d_km / 120.0
    if d_km >= 150:
        best = min(best, 1.0 + d_km / 300.0)
    if d_km >= 500:
        best = min(best, 2.5 + d_km / 800.0)
    return best


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
