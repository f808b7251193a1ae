"""Benign look-alikes of every injected typology, from the case reports' "look-alikes"
(``shared/fraud-patterns.md``): legitimate behaviour that shares a surface signal with a
fraud ring. Each is listed in the truth's ``lookalikes`` with its typology, a pattern name
and its members; a detector that flags them is wrong.

Planned after the rings, from the plan rng, with people the rings did not take.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from fraudrings.synth import catalog, supervision
from fraudrings.synth.catalog import CITIES
from fraudrings.synth.model import (
    BOTH,
    DAY,
    FEE_ONLY,
    HOUR,
    TRACE_ONLY,
    Line,
    Person,
    Visit,
    ch,
    km,
    ri,
)
from fraudrings.synth.rings import chronic_drugs
from fraudrings.synth.supervision import (
    SHANDONG,
    card,
    one,
    spaced_days,
    stay_at,
    visit_at,
)

if TYPE_CHECKING:
    from fraudrings.synth.generator import _Gen


def entry(g: _Gen, typology: str, pattern: str, members: list[dict[str, str]], **kw: Any) -> None:
    g.lookalikes.append({"typology": typology, "pattern": pattern, "members": members, **kw})


def persons(ps: list[Person]) -> list[dict[str, str]]:
    return [{"kind": "person", "id": p.psn_no} for p in ps]


def inst_member(g: _Gen, i: int) -> dict[str, str]:
    return {"kind": "institution", "id": g.insts[i].code}


def ring_insts(g: _Gen, *typologies: str) -> set[int]:
    """Institutions that are members of rings of these typologies."""
    codes = {
        m["id"]
        for r in g.rings
        if r["typology"] in typologies
        for m in r["members"]
        if m["kind"] == "institution"
    }
    return {i.idx for i in g.insts if i.code in codes}


def plan(g: _Gen) -> None:
    """Every look-alike; an institution a look-alike names is never a ring institution of
    the same typology (another typology's ring may use it: a real outlet can be both)."""
    n = g.n_core
    rd = ring_insts(g, "recycled_drug") | g.recyclers
    st = ring_insts(g, "spatiotemporal")
    # prescription buyers
    chronic_refills(g)
    for _ in range(n):
        long_prescription(g)
    for _ in range(max(1, n // 2)):
        carer_proxy(g)
    for _ in range(max(1, n // 2)):
        moved_house(g)
    # recycled drugs
    for _ in range(n):
        return_resale(g, rd)
    for _ in range(max(1, n // 2)):
        chain_transfer(g)
    for _ in range(max(1, n // 2)):
        duplicate_code_print(g, rd)
    # recruited inpatients
    for _ in range(n):
        family_admission(g)
    for _ in range(max(1, n // 2)):
        care_home(g, welfare=False)
    for _ in range(max(1, n // 4)):
        care_home(g, welfare=True)
    for _ in range(max(1, n // 2)):
        employer_group(g)
    # card pooling (the online platforms' customers are listed while the drop is written)
    for x in g.reserved["hospital_side_pharmacy"]:
        hospital_side_pharmacy(g, x)
    for x in g.reserved["care_home_purchase"]:
        care_home_purchase(g, x)
    for _ in range(n):
        family_cards(g)
    busy_pharmacies(g)
    # spatiotemporal (remote-registered travellers are listed while the drop is written)
    for _ in range(max(1, n // 4)):
        wrong_coordinates(g, st)
    # deceased claims, split admissions, and the other spatiotemporal ones
    supervision.plan_lookalikes(g)
    for _ in range(max(1, n // 2)):
        emergency_before_death(g)
    for _ in range(max(1, n // 2)):
        dialysis(g)
    for _ in range(max(1, n // 2)):
        transfer_up(g)
    # added last, at shops no card-pooling ring or look-alike uses, with a draw of its own,
    # so that it leaves every ring and earlier look-alike as it was
    pooling = ring_insts(g, "card_pooling") | {
        x for k in ("busy_pharmacy", "hospital_side_pharmacy", "care_home_purchase")
        for x in g.reserved[k]
    }  # fmt: skip
    free = [
        i for i in g.insts
        if i.type == 2 and not i.online and i.city in SHANDONG and i.idx not in pooling
    ]  # fmt: skip
    chained = [i.idx for i in free if i.chain] or [i.idx for i in free]
    random.Random(f"member_day:{g.seed}").shuffle(chained)
    for x in chained[: max(1, n // 4)]:
        member_day(g, x)


# -------------------------------------------------------------------- prescription buyers
def chronic_refills(g: _Gen) -> None:
    """chronic_special patients on a high-value drug: heavy, regular, one or two doctors."""
    for p in g.people:
        hv = p.chronic is not None and g.items[p.chronic[0]].high_value
        if hv and not p.ghost and p.death_day is None and not g.taken[p.idx]:
            entry(g, "prescription_buyer", "chronic_refills", persons([p]))


def _refill(g: _Gen, p: Person, drug: int, inst: int, doc: int, t: int, days: int) -> Visit:
    rng = g.prng
    it = g.items[drug]
    cnt = max(1, round(days * it.daily))
    line = Line(drug, cnt, -1, True, round(cnt / it.daily), g.mode(rng, 0.9))
    lines = [line]
    if rng.random() < 0.6:
        lines.insert(0, Line(g.consult(inst), 1))
    mt = "14" if "chronic_special" in p.flags else "11"
    return Visit(inst, mt, t, t + ri(rng, 600, 2400), lines, doc, g.dise_of(rng, drug))


def long_prescription(g: _Gen) -> None:
    """长处方: a chronic patient given 8-12 weeks at a time by one or two doctors, refilled on
    time (now and then a few days early, once before a holiday)."""
    rng = g.prng
    city = ch(rng, SHANDONG)
    p = one(g, [city, *SHANDONG], lambda q: q.age >= 45)
    if p is None:
        return
    drug = ch(rng, chronic_drugs(g))
    hs = [x for x in g.city_hosp[p.city][0] if g.insts[x].lv >= 2] or g.city_hosp[p.city][0]
    h = ch(rng, hs)
    docs = rng.sample(g.insts[h].doctors, min(len(g.insts[h].doctors), ri(rng, 1, 2)))
    weeks = ri(rng, 8, 12)
    day = rng.uniform(0, 20)
    early_once = rng.randrange(2, 5)
    k = 0
    while day < g.days - 2:
        t = int(day) * DAY + ri(rng, 8 * HOUR, 16 * HOUR)
        p.planned.append(_refill(g, p, drug, h, ch(rng, docs), t, weeks * 7))
        k += 1
        step = weeks * 7 - ri(rng, 0, 5)
        if k == early_once:
            step -= 14  # stocking up before a holiday or a trip
        day += step
    entry(g, "prescription_buyer", "long_prescription", persons([p]))


def carer_proxy(g: _Gen) -> None:
    """A carer buys a bed-bound relative's high-value drug with the relative's card, every
    month at the carer's pharmacy (a registered proxy, 代办人), now and then together with
    a second elderly relative's and the carer's own purchase."""
    rng = g.prng
    for _ in range(2000):
        hh = g.households[rng.randrange(len(g.households))]
        fam = [g.people[i] for i in hh]
        if any(g.taken[p.idx] or p.ghost or p.death_day is not None for p in fam):
            continue
        old = [p for p in fam if p.age >= 72]
        carers = [p for p in fam if 25 <= p.age <= 65]
        if old and carers and fam[0].city in SHANDONG:
            break
    else:
        return
    carer = carers[0]
    for p in [*old, carer]:
        g.taken[p.idx] = True
    ph = carer.fav_pharm
    inst = g.insts[ph]
    docs = g.insts[carer.fav_hosp].doctors
    drugs = {p.idx: ch(rng, g.hv_refill if rng.random() < 0.6 else chronic_drugs(g)) for p in old}
    day = rng.uniform(0, 20)
    while day < g.days - 2:
        t = int(day) * DAY + ri(rng, 9 * HOUR, 18 * HOUR)
        for p in old:
            it = g.items[drugs[p.idx]]
            cnt = max(1, round(28 * it.daily))
            line = Line(drugs[p.idx], cnt, ch(rng, docs), True, round(cnt / it.daily))
            line.mode = g.mode(rng, 0.95)
            v = Visit(ph, "41", t, t + ri(rng, 60, 300), [line], ch(rng, inst.pharmacists), "")
            v.dise = g.dise_of(rng, drugs[p.idx])
            v.setl_at = v.t_end + ri(rng, 20, 120)
            v.cert = card(rng, 0.8)
            p.planned.append(v)
            t = v.setl_at + ri(rng, 30, 240)
        if rng.random() < 0.4:
            carer.planned.append(visit_at(g, carer, ph, t + ri(rng, 30, 300)))
        day += 28 + rng.uniform(-3, 2)
    for p in old:
        g.avoid.setdefault(p.idx, set()).update(range(len(g.insts)))  # bed-bound
        g.no_bg_stay.add(p.idx)
    entry(g, "prescription_buyer", "carer_proxy", persons([*old, carer]))


def moved_house(g: _Gen) -> None:
    """A chronic patient refilling a high-value drug monthly who moves to another city
    mid-year and carries on at a hospital there."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    p = one(g, cities, lambda q: 35 <= q.age <= 80)
    if p is None:
        return
    drug = ch(rng, g.hv_refill)
    dest = ch(rng, [c for c in SHANDONG if c != p.city])
    h1 = ch(
        rng, [x for x in g.city_hosp[p.city][0] if g.insts[x].lv >= 2] or g.city_hosp[p.city][0]
    )
    h2 = ch(rng, [x for x in g.city_hosp[dest][0] if g.insts[x].lv >= 2] or g.city_hosp[dest][0])
    d1, d2 = ch(rng, g.insts[h1].doctors), ch(rng, g.insts[h2].doctors)
    move = rng.uniform(90, g.days - 90)
    day = rng.uniform(0, 20)
    while day < g.days - 2:
        h, d = (h1, d1) if day < move else (h2, d2)
        t = int(day) * DAY + ri(rng, 8 * HOUR, 16 * HOUR)
        p.planned.append(_refill(g, p, drug, h, d, t, 28))
        day += 28 + rng.uniform(-3, 2)
    entry(g, "prescription_buyer", "moved_house", persons([p]))


# -------------------------------------------------------------------------- recycled drugs
def _open_pharmacy(g: _Gen, city: int, in_ring: set[int]) -> int | None:
    cands = [x for x in g.city_pharm[city][0] if x not in in_ring]
    return ch(g.prng, cands) if cands else None


def open_city(g: _Gen, avoid: set[int]) -> int | None:
    """A Shandong city with a street pharmacy outside ``avoid`` (rings' and look-alikes'
    own outlets), and a hospital."""
    ok = [
        c for c in SHANDONG
        if g.city_hosp[c][0] and any(x not in avoid for x in g.city_pharm[c][0])
    ]  # fmt: skip
    return ch(g.prng, ok) if ok else None


def return_resale(g: _Gen, in_ring: set[int]) -> None:
    """A box bought, returned (the sale reversed) and later sold again by the same
    pharmacy: legitimate."""
    rng = g.prng
    open_cities = [c for c in SHANDONG if any(x not in in_ring for x in g.city_pharm[c][0])]
    if not open_cities:
        return
    city = ch(rng, open_cities)
    got = g.take([city], 1, lambda p: 20 <= p.age <= 85)
    if not got:
        return
    a = got[0]
    ph = _open_pharmacy(g, a.city, in_ring)
    if ph is None:
        return
    item = ch(rng, g.hv_refill) if rng.random() < 0.5 else ch(rng, g.drug_ids)
    it = g.items[item]
    t1 = rng.randrange(0, g.days - 45) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    ret = ri(rng, DAY, 7 * DAY)
    u = rng.random()
    line = Line(item, 1, -1, it.rx, round(1 / it.daily) if it.daily else 0)
    line.mode = BOTH if u < 0.6 else (FEE_ONLY if u < 0.85 else TRACE_ONLY)
    line.boxes = g.new_boxes(rng, item, ph, t1, 1)
    pharmacist = ch(rng, g.insts[ph].pharmacists)
    a.planned.append(Visit(ph, "41", t1, t1 + 300, [line], pharmacist, "", refund_after=ret))
    t2 = t1 + 300 + 1800 + ret + ri(rng, DAY, 20 * DAY)
    t2 = (t2 // DAY) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    b2 = g.second_buyer(a.city)
    mode2 = ch(rng, (BOTH, BOTH, FEE_ONLY, TRACE_ONLY))
    line2 = Line(item, 1, -1, it.rx, line.prd, mode2, line.boxes, True)
    b2.planned.append(Visit(ph, "41", t2, t2 + 240, [line2], pharmacist, ""))
    members = [persons([a])[0], inst_member(g, ph)]
    members.append({"kind": "trace_code", "id": line.boxes[0].code})
    entry(g, "recycled_drug", "return_resale", members)


def chain_transfer(g: _Gen) -> None:
    """A box returned at one store of a chain, moved to another store of the chain (a
    transfer) and sold there: a legitimate second sale."""
    rng = g.prng
    stores = g.reserved["chain_transfer"]
    if len(stores) < 2:
        return
    a_inst, b_inst = rng.sample(stores, 2)
    got = g.take([g.insts[a_inst].city, *SHANDONG], 1, lambda p: 20 <= p.age <= 85)
    if not got:
        return
    a = got[0]
    item = ch(rng, g.drug_ids)
    it = g.items[item]
    t1 = rng.randrange(0, g.days - 60) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    ret = ri(rng, HOUR, 5 * DAY)
    line = Line(item, 1, -1, it.rx, round(1 / it.daily) if it.daily else 0, BOTH)
    line.boxes = g.new_boxes(rng, item, a_inst, t1, 1)
    pharmacist = ch(rng, g.insts[a_inst].pharmacists)
    a.planned.append(Visit(a_inst, "41", t1, t1 + 300, [line], pharmacist, "", refund_after=ret))
    t_ret = t1 + 300 + 1800 + ret  # about when the return is written
    t_tr = ((t_ret // DAY) + ri(rng, 1, 10)) * DAY + ri(rng, 9 * HOUR, 17 * HOUR)
    t2 = ((t_tr // DAY) + ri(rng, 1, 20)) * DAY + ri(rng, 9 * HOUR, 20 * HOUR)
    b2 = g.second_buyer(g.insts[b_inst].city)
    line2 = Line(
        item, 1, -1, it.rx, line.prd, ch(rng, (BOTH, FEE_ONLY, TRACE_ONLY)), line.boxes, True
    )
    line2.pre = [("transfer", t_tr, g.insts[a_inst].code, g.insts[b_inst].code)]
    b2.planned.append(
        Visit(b_inst, "41", t2, t2 + 240, [line2], ch(rng, g.insts[b_inst].pharmacists), "")
    )
    members = [persons([a])[0], inst_member(g, a_inst), inst_member(g, b_inst)]
    members.append({"kind": "trace_code", "id": line.boxes[0].code})
    entry(g, "recycled_drug", "chain_transfer", members)


def duplicate_code_print(g: _Gen, in_ring: set[int]) -> None:
    """A manufacturer printed one code on two boxes (one of NHSA's three causes of a code
    settled twice [EJIAO-2024]): two outlets each buy in and sell "the same" box, each with
    its own purchase record."""
    rng = g.prng
    c1 = open_city(g, in_ring)
    if c1 is None:
        return
    a_inst = _open_pharmacy(g, c1, in_ring)
    c2 = open_city(g, in_ring | {a_inst}) if a_inst is not None else None
    if a_inst is None or c2 is None:
        return
    b_inst = _open_pharmacy(g, c2, in_ring | {a_inst})
    if b_inst is None:
        return
    got = g.take([c1], 1, lambda p: 20 <= p.age <= 85) + g.take(
        [c2], 1, lambda p: 20 <= p.age <= 85
    )
    if len(got) < 2:
        return
    p1, p2 = got
    item = ch(rng, [i for i in g.drug_ids if g.items[i].daily > 0])
    it = g.items[item]
    prd = round(1 / it.daily)
    t1 = rng.randrange(30, g.days - 5) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    t2 = rng.randrange(30, g.days - 5) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    box = g.new_boxes(rng, item, a_inst, t1, 1)[0]
    twin = g.new_boxes(rng, item, b_inst, t2, 1)[0]
    twin.code = box.code
    twin.lot = box.lot
    for p, inst, t, b in ((p1, a_inst, t1, box), (p2, b_inst, t2, twin)):
        line = Line(item, 1, -1, it.rx, prd, ch(rng, (BOTH, FEE_ONLY, TRACE_ONLY)), [b])
        p.planned.append(
            Visit(inst, "41", t, t + 240, [line], ch(rng, g.insts[inst].pharmacists), "")
        )
    members = [*persons([p1, p2]), inst_member(g, a_inst), inst_member(g, b_inst)]
    members.append({"kind": "trace_code", "id": box.code})
    entry(g, "recycled_drug", "duplicate_code_print", members)


# --------------------------------------------------------------------- recruited inpatients
def family_admission(g: _Gen) -> None:
    """A family admitted together once (poisoning, a road accident)."""
    rng = g.prng
    for _ in range(5000):
        hh = g.households[rng.randrange(len(g.households))]
        fam = [g.people[i] for i in hh]
        if 2 <= len(fam) <= 5 and not any(
            g.taken[p.idx] or p.ghost or p.death_day is not None for p in fam
        ):
            break
    else:
        return
    for p in fam:
        g.taken[p.idx] = True
    city = fam[0].city
    hs = [x for x in g.city_hosp[city][0] if g.insts[x].lv >= 2] or g.city_hosp[city][0]
    h = ch(rng, hs)
    day = rng.randrange(0, g.days - 10)
    dise = ch(rng, catalog.FAMILY_DISEASES)
    for p in fam:
        t = day * DAY + 18 * HOUR + ri(rng, 0, 3 * HOUR)
        stay = ri(rng, 2, 6)
        lines = g.inpatient_lines(rng, h, stay, rng.random() < 0.2)
        for ln in lines:
            if g.items[ln.item].list_type == "drug":
                ln.mode = g.mode(rng, 0.9)
        doc = ch(rng, g.insts[h].doctors)
        p.planned.append(Visit(h, "21", t, t + stay * DAY, lines, doc, dise))
    entry(g, "inpatient_recruitment", "family_admission", persons(fam))


def care_home(g: _Gen, welfare: bool) -> None:
    """Residents of a care home (elderly) or a welfare home (五保, poor and medical-aid
    elderly, at a township health centre: long stays) admitted over months, one to four
    stays each, the home's van now and then bringing a few on one day: real patients at
    one address."""
    rng = g.prng
    city = ch(rng, SHANDONG)
    size = ri(rng, 8, 40)
    cohort = g.take([city], size, lambda p: p.age >= (60 if welfare else 70))
    if len(cohort) < 3:
        return
    _, prov, cname, _, _, _, dists = CITIES[city]
    kind = ch(rng, ("敬老院", "福利院")) if welfare else ch(rng, ("颐养院", "养老院", "护理院"))
    home = (
        f"{prov}{cname}{ch(rng, dists)[1]}{ch(rng, catalog.ROADS)}"
        f"{ri(rng, 1, 300)}号{ch(rng, catalog.COMMUNITIES)[:2]}{kind}"
    )
    home_tel = g.tel(rng) if rng.random() < 0.5 else ""
    hs = g.city_hosp[city][0]
    if welfare:
        hs = [x for x in hs if g.insts[x].lv == 1] or hs
    h = ch(rng, hs)
    docs = g.insts[h].doctors
    vans = spaced_days(rng, g.days - 40, ri(rng, 3, 12), 7)
    dises = catalog.INPATIENT_DISEASES[:5] + (catalog.RECRUIT_DISEASES if welfare else [])
    for p in cohort:
        p.addr = home
        if home_tel:
            p.tel = home_tel
        if welfare:
            for f in ("poverty", "medical_aid"):
                if f not in p.flags:
                    p.flags.append(f)
        n = ri(rng, 1, 4)
        days = spaced_days(rng, g.days - 40, n, 40)
        for day in days:
            if vans and rng.random() < 0.5:
                near = min(vans, key=lambda v: abs(v - day))
                if all(abs(near - d) >= 40 for d in days if d != day):
                    day = near
            t = day * DAY + ri(rng, 8 * HOUR, 16 * HOUR)
            stay = ri(rng, 7, 30) if welfare else ri(rng, 4, 12)
            v = stay_at(
                g,
                h,
                t,
                t + stay * DAY + ri(rng, -3 * HOUR, 3 * HOUR),
                ch(rng, dises),
                ch(rng, docs),
            )
            p.planned.append(v)
        g.no_bg_stay.add(p.idx)
    entry(g, "inpatient_recruitment", "welfare_home" if welfare else "care_home", persons(cohort))


def employer_group(g: _Gen) -> None:
    """An employer's group: a health check in one morning or two, an occupational screening
    with a night in hospital, or a canteen's food poisoning: many employees at one hospital
    on one day, once."""
    rng = g.prng
    city = ch(rng, SHANDONG)
    staff = g.take([city], ri(rng, 10, 60), lambda p: 22 <= p.age <= 58 and p.insutype == "310")
    if len(staff) < 5:
        return
    hs = [x for x in g.city_hosp[city][0] if g.insts[x].lv >= 2] or g.city_hosp[city][0]
    h = ch(rng, hs)
    docs = g.insts[h].doctors
    kind = ch(rng, ("health_check", "screening_stay", "canteen_poisoning"))
    day0 = rng.randrange(0, g.days - 10)
    tests = g.svc["test"]
    for p in staff:
        doc = ch(rng, docs)
        if kind == "health_check":
            day = day0 + ri(rng, 0, 1)
            t = day * DAY + ri(rng, 7 * HOUR + 1800, 11 * HOUR)
            lines = [Line(g.consult(h), 1)] + [Line(x, 1) for x in rng.sample(tests, ri(rng, 2, 4))]
            p.planned.append(
                Visit(
                    h,
                    "11",
                    t,
                    t + ri(rng, HOUR, 3 * HOUR),
                    lines,
                    doc,
                    ch(rng, catalog.CHECKUP_DISEASES),
                )
            )
        elif kind == "screening_stay":
            t = day0 * DAY + ri(rng, 7 * HOUR + 1800, 10 * HOUR)
            t_end = t + ri(rng, 1, 2) * DAY + ri(rng, -2 * HOUR, 2 * HOUR)
            p.planned.append(stay_at(g, h, t, t_end, "Z57.800", doc))
        else:
            t = day0 * DAY + ri(rng, 13 * HOUR, 17 * HOUR)
            t_end = t + ri(rng, 1, 4) * DAY + ri(rng, -3 * HOUR, 3 * HOUR)
            p.planned.append(stay_at(g, h, t, t_end, "A05.900", doc))
        g.no_bg_stay.add(p.idx)
    entry(g, "inpatient_recruitment", "employer_group", persons(staff), kind=kind)


# ---------------------------------------------------------------------------- card pooling
def reserve(g: _Gen) -> None:
    """Before the rings: the street pharmacies the card-pooling look-alikes will be (the
    busiest ones; one beside a hospital; those care homes buy at), kept out of the
    card-pooling rings so each stays a clean look-alike however many rings a drop has."""
    rng = g.prng
    n = g.n_core
    street = [i for i in g.insts if i.type == 2 and not i.online and i.city in SHANDONG]
    busy = sorted(street, key=lambda i: (-i.weight, i.idx))[: max(1, n // 2)]
    rest = [i.idx for i in street if i not in busy and g.city_hosp[i.city][0]]
    rng.shuffle(rest)
    k = max(1, n // 4)
    chains: dict[str, list[int]] = {}
    for i in g.insts:
        if i.type == 2 and i.chain and not i.online and i.idx not in rest[: k + max(1, n // 2)]:
            chains.setdefault(i.chain, []).append(i.idx)
    pairs = [sorted(v) for _, v in sorted(chains.items()) if len(v) >= 2]
    g.reserved = {
        "busy_pharmacy": [i.idx for i in busy],
        "hospital_side_pharmacy": rest[:k],
        "care_home_purchase": rest[k : k + max(1, n // 2)],
        "chain_transfer": rng.sample(ch(rng, pairs), 2) if pairs else [],
    }
    g.lookalike_insts.update(x for v in g.reserved.values() for x in v)


def busy_pharmacies(g: _Gen) -> None:
    for x in g.reserved["busy_pharmacy"]:
        entry(g, "card_pooling", "busy_pharmacy", [inst_member(g, x)])


def hospital_side_pharmacy(g: _Gen, s: int) -> None:
    """A pharmacy across the street from a big hospital: on clinic days, waves of the
    hospital's outpatients (strangers to the shop, each with their own prescription) fill
    their prescriptions there within the hour."""
    rng = g.prng
    city = g.insts[s].city
    hs = g.city_hosp[city][0]
    top = max(g.insts[x].lv for x in hs)
    h = ch(rng, [x for x in hs if g.insts[x].lv == top])
    si, hi = g.insts[s], g.insts[h]
    si.lat = round(hi.lat + rng.uniform(-0.002, 0.002), 6)
    si.lon = round(hi.lon + rng.uniform(-0.002, 0.002), 6)
    for j, o in enumerate(g.insts):
        d = km(si.lat, si.lon, o.lat, o.lon)
        g.dist[s][j] = d
        g.dist[j][s] = d
    patients: list[Person] = []
    for day in spaced_days(rng, g.days - 1, ri(rng, 10, 30), 2):
        group = g.take([city], ri(rng, 6, 16), lambda p: 18 <= p.age <= 85)
        morning = rng.random() < 0.7
        for p in group:
            t = day * DAY + (
                ri(rng, 8 * HOUR, 11 * HOUR) if morning else ri(rng, 14 * HOUR, 16 * HOUR)
            )
            v1 = visit_at(g, p, h, t)
            doc = v1.dr
            t2 = v1.setl_at + ri(rng, 5 * 60, 40 * 60)
            lines = []
            for _ in range(ri(rng, 1, 3)):
                d = g.drug_for(rng, p)
                it = g.items[d]
                c = ri(rng, 1, 3)
                prd = round(c / it.daily) if it.daily else 0
                lines.append(Line(d, c, doc if it.rx else -1, it.rx, prd, g.mode(rng, 0.88)))
            v2 = Visit(s, "41", t2, t2 + ri(rng, 60, 400), lines, ch(rng, si.pharmacists), v1.dise)
            p.planned += [v1, v2]
            patients.append(p)
    entry(g, "card_pooling", "hospital_side_pharmacy", [inst_member(g, s), *persons(patients)])


def care_home_purchase(g: _Gen, ph: int) -> None:
    """A care home's staff buys the residents' monthly chronic drugs with each resident's
    card, one after another at one pharmacy, in the daytime."""
    rng = g.prng
    city = g.insts[ph].city
    residents = g.take([city, *SHANDONG], ri(rng, 8, 30), lambda p: p.age >= 72)
    if len(residents) < 4:
        return
    inst = g.insts[ph]
    term = ch(rng, inst.terminals)
    _, prov, cname, _, _, _, dists = CITIES[city]
    home = f"{prov}{cname}{ch(rng, dists)[1]}{ch(rng, catalog.ROADS)}{ri(rng, 1, 300)}号养老院"
    pool = [i for i in chronic_drugs(g) if not g.items[i].high_value]
    docs = g.insts[ch(rng, g.city_hosp[city][0])].doctors
    own = {}
    for p in residents:
        p.addr = home
        own[p.idx] = rng.sample(pool, ri(rng, 1, 2))
    day = rng.uniform(0, 25)
    while day < g.days - 2:
        t = int(day) * DAY + ri(rng, 9 * HOUR, 15 * HOUR)
        for p in residents:
            lines = []
            for d in own[p.idx]:
                it = g.items[d]
                c = max(1, round(30 * it.daily))
                lines.append(Line(d, c, ch(rng, docs), True, round(c / it.daily), g.mode(rng, 0.9)))
            v = Visit(
                ph,
                "41",
                t,
                t + ri(rng, 30, 90),
                lines,
                ch(rng, inst.pharmacists),
                g.dise_of(rng, own[p.idx][0]),
            )
            v.setl_at = v.t_end + ri(rng, 10, 60)
            v.cert = card(rng, 0.9)
            v.term = term
            p.planned.append(v)
            t = v.setl_at + ri(rng, 60, 240)
        day += ri(rng, 28, 35)
    for p in residents:
        g.avoid.setdefault(p.idx, set()).add(ph)
    entry(g, "card_pooling", "care_home_purchase", [inst_member(g, ph), *persons(residents)])


def member_day(g: _Gen, ph: int) -> None:
    """A chain pharmacy's monthly member day (会员日): from opening until noon its regulars
    come for the discounts, with neighbours the flyers brought (up to a third of the
    crowd, most of them once), each buying their own basket with their own card."""
    rng = random.Random(f"member_day:{g.seed}:{ph}")
    inst = g.insts[ph]
    regulars = [
        p for p in g.people
        if p.fav_pharm == ph and p.age >= 18 and not p.ghost and p.death_day is None
        and not g.taken[p.idx]
    ]  # fmt: skip
    came: list[Person] = []
    day = rng.randrange(0, 30)
    while day < g.days - 1:
        crowd = ri(rng, 8, 30)
        new = round(crowd * rng.uniform(0.0, 0.33))
        group = rng.sample(regulars, min(len(regulars), crowd - new))
        group += g.take([inst.city], new, lambda p: p.age >= 18 and not p.ghost)
        for p in group:
            t = day * DAY + ri(rng, 9 * HOUR, 12 * HOUR)
            v = visit_at(g, p, ph, t)
            v.term = ch(rng, inst.terminals)
            v.cert = card(rng, 0.8)
            p.planned.append(v)
            came.append(p)
        day += 30
    uniq = list({p.idx: p for p in came}.values())
    entry(g, "card_pooling", "member_day", [inst_member(g, ph), *persons(uniq)])


def family_cards(g: _Gen) -> None:
    """One member of a household buys for everyone with each member's card (家庭共济), at
    the family's pharmacy, every month or two."""
    rng = g.prng
    for _ in range(3000):
        hh = g.households[rng.randrange(len(g.households))]
        fam = [g.people[i] for i in hh]
        if (
            3 <= len(fam) <= 5
            and fam[0].city in SHANDONG
            and not any(g.taken[p.idx] or p.ghost or p.death_day is not None for p in fam)
        ):
            break
    else:
        return
    for p in fam:
        g.taken[p.idx] = True
    buyer = max(fam, key=lambda p: (18 <= p.age <= 70, p.age))
    ph = buyer.fav_pharm
    inst = g.insts[ph]
    term = ch(rng, inst.terminals)
    day = rng.uniform(0, 30)
    while day < g.days - 2:
        t = int(day) * DAY + ri(rng, 9 * HOUR, 20 * HOUR)
        for p in fam:
            v = visit_at(g, p, ph, t)
            v.term = term
            v.cert = "01" if rng.random() < 0.5 else "03"
            p.planned.append(v)
            t = v.setl_at + ri(rng, 30, 300)
        day += ri(rng, 25, 60)
    entry(g, "card_pooling", "family_cards", persons(fam))


# --------------------------------------------------------------------------- spatiotemporal
def wrong_coordinates(g: _Gen, in_ring: set[int]) -> None:
    """An institution whose registered coordinates are wrong (geocoded to a same-named
    place in another province): its ordinary patients who also go elsewhere that day look
    as if they travelled impossibly, once. The persons are listed while the drop is
    written (everyone who appears to, background visits included)."""
    rng = g.prng
    cands = [
        i.idx for i in g.insts
        if i.city in SHANDONG and not i.online and i.idx not in in_ring
        and i.idx not in g.lookalike_insts and i.idx not in g.wrong_coords
    ]  # fmt: skip
    if not cands:
        return
    x = ch(rng, cands)
    xi = g.insts[x]
    far = [c for c in range(len(CITIES)) if supervision.city_km(xi.city, c) >= 500]
    if not far:
        return
    fc = CITIES[ch(rng, far)]
    g.wrong_coords[x] = (round(fc[3] + rng.gauss(0, 0.05), 6), round(fc[4] + rng.gauss(0, 0.05), 6))
    g.lookalike_insts.add(x)
    for _ in range(ri(rng, 8, 20)):
        p = one(g, [xi.city], lambda q: 18 <= q.age <= 85)
        if p is None:
            break
        local = [y for y in g.city_pharm[xi.city][0] + g.city_hosp[xi.city][0] if y != x]
        other = p.fav_pharm if p.fav_pharm != x else ch(rng, local)
        day = rng.randrange(1, g.days - 2)
        a, b = (x, other) if rng.random() < 0.5 else (other, x)
        v1 = visit_at(g, p, a, day * DAY + ri(rng, 8 * HOUR, 14 * HOUR))
        trip = int(g.dist[a][b] * 45) + HOUR  # a plausible trip across town
        v2 = visit_at(g, p, b, v1.setl_at + trip + ri(rng, 0, 2 * HOUR))
        p.planned += [v1, v2]
        g.wrong_coord_people.add(p.idx)


# --------------------------------------------------------------- deceased, split admissions
def emergency_before_death(g: _Gen) -> None:
    """An emergency visit on the day of death, settled a few days later."""
    rng = g.prng
    cands = [
        p for p in g.people
        if p.death_day is not None and not p.ghost and not g.taken[p.idx]
        and p.idx not in g.extra_planned and 5 <= p.death_day <= g.days - 8
    ]  # fmt: skip
    if not cands:
        return
    p = ch(rng, cands)
    g.taken[p.idx] = True
    assert p.death_day is not None
    v = g.outpatient(rng, p, p.death_day, p.city, "13")
    v.t = p.death_day * DAY + ri(rng, 0, 6 * HOUR)
    v.t_end = v.t + ri(rng, HOUR, 3 * HOUR)
    v.setl_at = min(g.end - 1, (p.death_day + ri(rng, 1, 5)) * DAY + ri(rng, 9 * HOUR, 16 * HOUR))
    v.refund_after = 0
    p.planned.append(v)
    entry(g, "deceased_claims", "emergency_before_death", persons([p]))


def dialysis(g: _Gen) -> None:
    """Haemodialysis two or three times a week at one hospital for months, settled per
    session: as outpatient special-disease visits, or (in some regions) as same-day stays."""
    rng = g.prng
    cities = list(SHANDONG)
    rng.shuffle(cities)
    p = one(g, cities, lambda q: q.age >= 35)
    if p is None:
        return
    hs = [x for x in g.city_hosp[p.city][0] if g.insts[x].lv >= 2] or g.city_hosp[p.city][0]
    h = ch(rng, hs)
    doc = ch(rng, g.insts[h].doctors)
    day_stay = rng.random() < 0.5
    if "chronic_special" not in p.flags:
        p.flags.append("chronic_special")
    sessions = (0, 2, 4) if rng.random() < 0.7 else (1, 4)
    heparin = next(i for i in g.drug_ids if g.items[i].name.startswith("低分子肝素"))
    start = rng.randrange(0, g.days // 2)
    end = rng.randrange(start + 90, g.days - 1)
    for day in range(start, end):
        if day % 7 not in sessions:
            continue
        t = day * DAY + ri(rng, 7 * HOUR, 13 * HOUR)
        lines = [Line(g.svc["dialysis"][0], 1), Line(heparin, 1, -1, True, 1, g.mode(rng, 0.9))]
        mt = "21" if day_stay else "14"
        p.planned.append(
            Visit(h, mt, t, t + ri(rng, 4 * HOUR, 5 * HOUR), lines, doc, catalog.DIALYSIS_DISEASE)
        )
    g.no_bg_stay.add(p.idx)
    entry(g, "split_admission", "dialysis", persons([p]), day_stays=day_stay)


def transfer_up(g: _Gen) -> None:
    """Discharged from a small hospital and admitted the same day to a higher-level
    hospital (in the city, else the nearest one in the province): two stays back to back,
    at two institutions."""
    rng = g.prng
    top = max((g.insts[x].lv for c in SHANDONG for x in g.city_hosp[c][0]), default=0)
    cities = [c for c in SHANDONG if any(g.insts[x].lv < top for x in g.city_hosp[c][0])]
    rng.shuffle(cities)
    p = one(g, cities, lambda q: q.age >= 45)
    if p is None:
        return
    hs = g.city_hosp[p.city][0]
    h1 = min(hs, key=lambda x: (g.insts[x].lv, rng.random()))
    lv = g.insts[h1].lv
    up = [x for x in hs if g.insts[x].lv > lv] or [
        i.idx for i in g.insts if i.type == 1 and i.city in SHANDONG and i.lv > lv
    ]
    if not up:
        return
    h2 = min(up, key=lambda x: (g.dist[h1][x], x))
    dise = ch(rng, catalog.INPATIENT_DISEASES[:9])
    t = rng.randrange(0, g.days - 40) * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
    t_end = t + ri(rng, 1, 6) * DAY + ri(rng, -3 * HOUR, 3 * HOUR)
    p.planned.append(stay_at(g, h1, t, t_end, dise, ch(rng, g.insts[h1].doctors)))
    travel = int(g.dist[h1][h2] * 45) + HOUR  # by ambulance, when in another city
    t2 = t_end + travel + ri(rng, 0, 7 * HOUR)
    t2_end = t2 + ri(rng, 4, 14) * DAY
    p.planned.append(stay_at(g, h2, t2, t2_end, dise, ch(rng, g.insts[h2].doctors)))
    g.no_bg_stay.add(p.idx)
    entry(g, "split_admission", "transfer_up", persons([p]))
