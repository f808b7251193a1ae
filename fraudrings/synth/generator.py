"""Deterministic synthetic drop: background care, injected fraud rings, look-alikes, dirt.

Everything is drawn from ``random.Random`` instances seeded from (seed, persons, days), so
the same arguments give byte-identical files. Reference data and the fraud plan live in
memory; settlements, fee lines and trace events are streamed person by person, in a
shuffled person order, so nothing in the file order groups ring members together.
"""

from __future__ import annotations

import bisect
import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fraudrings.synth import catalog, lookalikes, rings, supervision, variation
from fraudrings.synth.catalog import CITIES, Item
from fraudrings.synth.model import (
    BOTH,
    DAY,
    FEE_ONLY,
    HOUR,
    TRACE_ONLY,
    UNSCANNED,
    Box,
    Institution,
    Line,
    Permuter,
    Person,
    Scrambler,
    Visit,
    ch,
    km,
    ri,
)
from fraudrings.synth.variation import Variation
from fraudrings.synth.writer import TableWriter

Progress = Callable[[str, int, int], None]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SHANDONG = [i for i, c in enumerate(CITIES) if c[0].startswith("37")]


def money(c: int) -> str:
    """Cents as yuan with two decimals."""
    if c < 0:
        return f"-{-c // 100}.{-c % 100:02d}"
    return f"{c // 100}.{c % 100:02d}"


def scale(persons: int) -> int:
    """Rings per typology: ~8 at 20,000 persons, ~40 at 200,000, at least 1."""
    return max(1, round(8 * (persons / 20000) ** 0.7))


# orders placed with an online platform, by hour of the day: evenings and nights too
ONLINE_HOURS = [3, 2, 1.5, 1, 0.5, 0.5, 1, 2, 4, 5, 5, 5, 5, 4, 4, 4, 4, 5, 6, 8, 10, 11, 10, 6]


def _start(v: Visit) -> int:
    return v.t


class _Gen:
    def __init__(
        self,
        out_dir: Path,
        persons: int,
        seed: int,
        fmt: str,
        start: date,
        days: int,
        progress: Progress | None,
        fixed: Variation | None = None,
        rings_per_typology: int | None = None,
    ) -> None:
        if fmt not in ("csv", "csv.gz", "parquet"):
            raise ValueError(f"unknown format {fmt!r}")
        if persons < 1 or days < 60:
            raise ValueError("need at least 1 person and 60 days")
        if rings_per_typology is not None and rings_per_typology < 0:
            raise ValueError("rings_per_typology must be 0 or more")
        self.fixed = variation.check(fixed)
        self.out_dir = out_dir
        self.n_persons = persons
        self.seed = seed
        self.fmt = fmt
        self.start = start
        self.days = days
        self.end = days * DAY
        self.progress = progress
        base = f"{seed}:{persons}:{start.isoformat()}:{days}"
        self.rng = random.Random(f"ref:{base}")
        self.prng = random.Random(f"plan:{base}")
        self.brng = random.Random(f"bg:{base}")
        self.n_core = scale(persons)
        self.n_rings = self.n_core if rings_per_typology is None else rings_per_typology
        self.var_key = base
        ids = random.Random(f"ids:{base}")
        self.setl_ids = Scrambler(ids, 19, "3")
        self.mdtrt_ids = Scrambler(ids, 17, "2")
        self.fee_ids = Scrambler(ids, 19, "1")
        self.rx_ids = Scrambler(ids, 15, "")
        self.box_serial = Permuter(ids, 13)
        self.day_str = [(start + timedelta(days=d)).isoformat() for d in range(days + 1)]
        self.hms = [
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        ]
        self.used_codes: set[str] = set()
        self.rings: list[dict[str, Any]] = []
        self.lookalikes: list[dict[str, Any]] = []
        self.ghost_settlements = 0
        # person index -> institutions the person's own (background) visits keep away from
        self.avoid: dict[int, set[int]] = {}
        # persons whose background gets no inpatient stay (their stays are planned)
        self.no_bg_stay: set[int] = set()
        # persons given planned visits without being taken (second buyers of resold boxes)
        self.extra_planned: set[int] = set()
        # institutions that are rings' outlets (recyclers), or look-alikes' own
        self.recyclers: set[int] = set()
        self.lookalike_insts: set[int] = set()
        self.reserved: dict[str, list[int]] = {}
        # institution index -> the wrong (lat, lon) written for it; persons planned there
        self.wrong_coords: dict[int, tuple[float, float]] = {}
        self.wrong_coord_people: set[int] = set()

    # ------------------------------------------------------------------ helpers
    def ts(self, t: int) -> str:
        return self.day_str[t // DAY] + " " + self.hms[t % DAY]

    def uniq(self, make: Callable[[], str]) -> str:
        while True:
            v = make()
            if v not in self.used_codes:
                self.used_codes.add(v)
                return v

    def digits(self, rng: random.Random, n: int) -> str:
        return f"{rng.randrange(10**n):0{n}d}"

    def mask_name(self, rng: random.Random, surname: str | None = None) -> str:
        s = surname or ch(rng, catalog.SURNAMES)
        if rng.random() < 0.3:
            return s + "*"
        return s + "*" + ch(rng, catalog.GIVEN)

    def tel(self, rng: random.Random) -> str:
        pre = ch(rng, ("13", "15", "18", "17", "19", "13", "15", "18"))
        return pre + str(rng.randrange(10)) + self.digits(rng, 8)

    def address(self, rng: random.Random, city: int) -> str:
        _, prov, cname, _, _, _, dists = CITIES[city]
        d = ch(rng, dists)[1]
        head = prov if prov == cname else prov + cname
        return (
            f"{head}{d}{ch(rng, catalog.ROADS)}{ri(rng, 1, 399)}号"
            f"{ch(rng, catalog.COMMUNITIES)}{ri(rng, 1, 30)}号楼"
            f"{ri(rng, 1, 4)}单元{ri(rng, 1, 28)}{ri(rng, 1, 4):02d}"
        )

    # ------------------------------------------------------------ reference data
    def build_reference(self) -> None:
        rng = self.rng
        self.items: list[Item] = catalog.items()
        self.item_codes: list[str] = []
        self.item_prefix: list[str] = []
        self.item_long: list[bool] = []
        self.item_lots: list[list[str]] = []
        for it in self.items:
            if it.list_type == "drug":
                if it.atc:
                    atc = (it.atc + "XXXXX")[:5]
                    code = self.uniq(lambda a=atc: "X" + a + self.digits(rng, 17))  # type: ignore[misc]
                else:
                    code = self.uniq(lambda: "ZA" + self.digits(rng, 21))
            elif it.list_type == "consumable":
                code = self.uniq(lambda: "C" + self.digits(rng, 19))
            else:
                code = self.uniq(lambda: "00" + self.digits(rng, 13))
            self.item_codes.append(code)
            self.item_prefix.append(self.uniq(lambda: "8" + self.digits(rng, 6)))
            self.item_long.append(it.list_type == "drug" and rng.random() < 0.04)
            lots = []
            for _ in range(ri(rng, 3, 8)):
                y = ch(rng, (23, 24, 24, 25))
                lots.append(f"{y}{ri(rng, 1, 12):02d}{ri(rng, 1, 28):02d}{ri(rng, 1, 9)}")
            self.item_lots.append(lots)
        self.drug_ids = [i for i, it in enumerate(self.items) if it.list_type == "drug"]
        self.hv_ids = [i for i in self.drug_ids if self.items[i].high_value and self.items[i].daily]
        self.hv_refill = [
            i for i in self.hv_ids if self.items[i].group not in ("infusion", "neuro", "onc_lung")
        ] or self.hv_ids
        self.by_group: dict[str, list[int]] = {}
        for i in self.drug_ids:
            it = self.items[i]
            if not it.high_value:
                self.by_group.setdefault(it.group, []).append(i)
        self.consumables = [i for i, it in enumerate(self.items) if it.list_type == "consumable"]
        self.svc: dict[str, list[int]] = {}
        for i, it in enumerate(self.items):
            if it.list_type == "service":
                self.svc.setdefault(it.group, []).append(i)
        self.svc_name = {it.name: i for i, it in enumerate(self.items) if it.list_type == "service"}

        # suppliers
        n_sup = max(8, round(self.n_persons / 2500))
        self.suppliers: list[tuple[str, str, str, str]] = []
        for k in range(n_sup):
            typ = "wholesaler" if k % 10 < 6 else ("manufacturer" if k % 10 < 9 else "logistics")
            city = ch(rng, SHANDONG) if rng.random() < 0.85 else rng.randrange(len(CITIES))
            adm = CITIES[city][0]
            code = self.uniq(
                lambda a=adm: (  # type: ignore[misc]
                    "91" + a + "MA" + "".join(ch(rng, USCC_CHARS) for _ in range(8))
                )
            )
            word = ch(rng, catalog.SUPPLIER_WORDS)
            name = (
                f"{CITIES[city][2]}{word}{ch(rng, catalog.GIVEN)}{ch(rng, catalog.GIVEN)}"
                f"{catalog.SUPPLIER_SUFFIX[typ]}"
            )
            self.suppliers.append((code, name, typ, adm))
        self.sup_city = [s[3] for s in self.suppliers]
        self.trade_sups = [i for i, s in enumerate(self.suppliers) if s[2] != "logistics"]
        self.wholesalers = [i for i, s in enumerate(self.suppliers) if s[2] == "wholesaler"]

        # institutions
        # the far cities get a hospital and a pharmacy each on top
        n_inst = max(20, round(self.n_persons / 400)) + 2 * sum(1 for c in CITIES if c[5] < 0.02)
        weights = [c[5] for c in CITIES]
        plan: list[tuple[int, int]] = []
        for ci in range(len(CITIES)):
            plan += [(ci, 1), (ci, 2)]
        while len(plan) < n_inst:
            ci = rng.choices(range(len(CITIES)), weights)[0]
            plan.append((ci, 1 if rng.random() < 0.35 else 2))
        chains = [
            (n, "LS" + self.digits(rng, 8)) for n in rng.sample(catalog.CHAINS, len(catalog.CHAINS))
        ]
        self.insts: list[Institution] = []
        for ci, kind in plan:
            inst = Institution()
            inst.idx = len(self.insts)
            inst.type = kind
            inst.city = ci
            adm, _prov, cname, lat, lon, _w, dists = CITIES[ci]
            dcode, dname = ch(rng, dists)
            inst.admdvs = adm
            inst.lat = round(lat + rng.gauss(0, 0.07), 6)
            inst.lon = round(lon + rng.gauss(0, 0.09), 6)
            letter = "H" if kind == 1 else "P"
            inst.code = self.uniq(lambda lt=letter, d=dcode: lt + d + self.digits(rng, 5))  # type: ignore[misc]
            if kind == 1:
                u = rng.random()
                inst.lv = 3 if u < 0.12 else (2 if u < 0.42 else 1)
                pub = {3: 0.95, 2: 0.7, 1: 0.6}[inst.lv]
                if rng.random() < pub:
                    inst.ownership = (
                        "military" if inst.lv == 3 and rng.random() < 0.05 else "public"
                    )
                    base = ch(rng, catalog.HOSPITAL_NAMES[inst.lv])
                    inst.name = f"{cname}{dname}{base}"
                else:
                    inst.ownership = "private"
                    base = ch(rng, catalog.HOSPITAL_NAMES[inst.lv])
                    inst.name = f"{cname}{ch(rng, catalog.PRIVATE_HOSPITAL_PREFIX)}{base}"
                inst.weight = {3: 8.0, 2: 3.0, 1: 1.0}[inst.lv] * rng.uniform(0.5, 1.5)
            else:
                inst.ownership = "private" if rng.random() < 0.93 else "public"
                road = ch(rng, catalog.ROADS)
                if rng.random() < 0.45:
                    cn, cc = ch(rng, chains[:5])
                    inst.chain = cc
                    inst.name = f"{cn}大药房({dname}{road}店)"
                else:
                    inst.name = f"{cname}{dname}{ch(rng, catalog.COMMUNITIES)[:2]}大药房"
                inst.weight = min(20.0, rng.paretovariate(1.6))
            nterm = ri(rng, 2, 5) if kind == 1 else min(6, 2 + int(inst.weight))
            inst.terminals = [self.uniq(lambda: "T" + self.digits(rng, 10)) for _ in range(nterm)]
            local = [s for s in self.trade_sups if self.sup_city[s] == adm]
            pool = local + self.trade_sups if local else self.trade_sups
            inst.suppliers = sorted({ch(rng, pool) for _ in range(ri(rng, 1, 3))})
            self.insts.append(inst)
        # a couple of online drug-sales platforms, never a city's only pharmacy
        per_city = Counter(i.city for i in self.insts if i.type == 2)
        cands = [i for i in self.insts if i.type == 2 and per_city[i.city] >= 2]
        for inst in rng.sample(cands, min(2, len(cands))):
            per_city[inst.city] -= 1
            if per_city[inst.city] < 1:
                continue
            inst.online = 1
            inst.name = f"{CITIES[inst.city][2]}{ch(rng, catalog.CHAINS)}网上药店"
            inst.weight = 0.5
        self.chain_hub: dict[str, int] = {}
        for inst in self.insts:
            if inst.chain and inst.chain not in self.chain_hub and not inst.online:
                self.chain_hub[inst.chain] = inst.idx

        # practitioners
        self.pracs: list[tuple[str, str, str, int]] = []
        for inst in self.insts:
            dcode = inst.code[1:7]
            if inst.type == 1:
                n_doc = {3: (12, 25), 2: (6, 12), 1: (2, 5)}[inst.lv]
                for _ in range(ri(rng, *n_doc)):
                    inst.doctors.append(len(self.pracs))
                    self.pracs.append(self._prac(rng, dcode, "doctor", inst.idx))
                for _ in range(ri(rng, 0, 2)):
                    self.pracs.append(self._prac(rng, dcode, "nurse", inst.idx))
            else:
                for _ in range(ri(rng, 1, 3)):
                    inst.pharmacists.append(len(self.pracs))
                    self.pracs.append(self._prac(rng, dcode, "pharmacist", inst.idx))
        self.prac_codes = [p[0] for p in self.pracs]

        # per-city choice tables
        self.city_hosp: list[tuple[list[int], list[float]]] = []
        self.city_pharm: list[tuple[list[int], list[float]]] = []
        for ci in range(len(CITIES)):
            hs = [i.idx for i in self.insts if i.city == ci and i.type == 1]
            ps = [i.idx for i in self.insts if i.city == ci and i.type == 2 and not i.online]
            self.city_hosp.append((hs, self._cum([self.insts[h].weight for h in hs])))
            self.city_pharm.append((ps, self._cum([self.insts[p].weight for p in ps])))
        self.online = [i.idx for i in self.insts if i.online]
        self.dist = [[km(a.lat, a.lon, b.lat, b.lon) for b in self.insts] for a in self.insts]

    @staticmethod
    def _cum(ws: list[float]) -> list[float]:
        out, t = [], 0.0
        for w in ws:
            t += w
            out.append(t)
        return out

    def _prac(
        self, rng: random.Random, dcode: str, typ: str, inst: int
    ) -> tuple[str, str, str, int]:
        code = self.uniq(lambda: "D" + dcode + self.digits(rng, 6))
        return (code, self.mask_name(rng), typ, inst)

    def pick(self, rng: random.Random, table: tuple[list[int], list[float]]) -> int:
        cw = table[1]
        k = bisect.bisect_right(cw, rng.random() * cw[-1])
        return table[0][min(k, len(cw) - 1)]

    # ------------------------------------------------------------------ persons
    def build_persons(self) -> None:
        rng = self.rng
        n_ghost = max(2, self.n_persons // 20000)
        total = self.n_persons + n_ghost
        self.people: list[Person] = []
        self.households: list[list[int]] = []
        used: set[str] = set()
        weights = [c[5] for c in CITIES]
        year = self.start.year
        while len(self.people) < total:
            size = rng.choices((1, 2, 3, 4, 5), (0.3, 0.3, 0.2, 0.12, 0.08))[0]
            size = min(size, total - len(self.people))
            city = rng.choices(range(len(CITIES)), weights)[0]
            dists = CITIES[city][6]
            dcode = ch(rng, dists)[0]
            addr = self.address(rng, city)
            htel = self.tel(rng)
            surname = ch(rng, catalog.SURNAMES)
            hh = len(self.households)
            members: list[int] = []
            for k in range(size):
                p = Person()
                p.idx = len(self.people)
                p.household = hh
                p.city = city
                while True:
                    pn = str(rng.randrange(10**19, 10**20))
                    if pn not in used:
                        used.add(pn)
                        break
                p.psn_no = pn
                p.name = self.mask_name(rng, surname if k == 0 or rng.random() < 0.6 else None)
                p.gend = "1" if rng.random() < 0.5 else "2"
                band = rng.choices((0, 1, 2, 3), (0.18, 0.3, 0.3, 0.22))[0]
                p.age = ri(rng, *((0, 17), (18, 39), (40, 59), (60, 95))[band])
                bd = date(year - p.age - 1, 1, 1) + timedelta(days=rng.randrange(365))
                p.brdy = bd.isoformat()
                check = ch(rng, "0123456789X")
                p.certno = f"{dcode}********{rng.randrange(1000):03d}{check}"
                p.tel = htel if size > 1 and (k == 0 or rng.random() < 0.7) else self.tel(rng)
                p.addr = addr
                employee = 18 <= p.age <= 65 and rng.random() < 0.55
                retired = p.age > 60 and rng.random() < 0.45
                p.insutype = "310" if employee or retired else "390"
                flags = []
                if p.insutype == "310" and p.age >= 60:
                    flags.append("retired")
                if rng.random() < (0.06 if p.age >= 60 else 0.025):
                    flags.append("poverty")
                    if rng.random() < 0.6:
                        flags.append("medical_aid")
                elif rng.random() < 0.004:
                    flags.append("medical_aid")
                if p.age >= 40 and rng.random() < 0.07:
                    flags.append("chronic_special")
                if rng.random() < 0.012:
                    flags.append("remote_registered")
                p.flags = flags
                if rng.random() < (0.03 if p.age >= 70 else 0.002):
                    dd = rng.randrange(-200, self.days)
                    p.death_day = dd
                    p.death_date = (self.start + timedelta(days=dd)).isoformat()
                if p.age >= 40:
                    for grp, pr in (("htn", 0.3), ("dm", 0.12), ("lipid", 0.15), ("chd", 0.08)):
                        if rng.random() < pr * (1.5 if p.age >= 60 else 1):
                            p.conditions.append(grp)
                if p.age >= 60 and rng.random() < 0.1:
                    p.conditions.append(ch(rng, ("stroke", "uro", "pain", "neuro")))
                p.fav_hosp = self.pick(rng, self.city_hosp[city])
                p.fav_pharm = self.pick(rng, self.city_pharm[city])
                if "chronic_special" in flags:
                    if rng.random() < 0.35:
                        drug = ch(rng, self.hv_refill)
                    else:
                        drug = ch(rng, self.by_group[ch(rng, p.conditions or ["htn", "dm", "chd"])])
                    hs = [
                        h for h in self.city_hosp[city][0] if self.insts[h].lv >= 2
                    ] or self.city_hosp[city][0]
                    h = ch(rng, hs)
                    docs = self.insts[h].doctors
                    p.chronic = (drug, h, rng.sample(docs, min(len(docs), ri(rng, 1, 2))))
                members.append(p.idx)
                self.people.append(p)
            self.households.append(members)
        # ghosts: persons with settlements but no row in persons.csv
        self.ghosts = rng.sample(range(total), n_ghost)
        for g in self.ghosts:
            self.people[g].ghost = True
            self.people[g].death_day = None
            self.people[g].death_date = ""
        self.taken = [False] * total
        self.pool: list[list[int]] = [[] for _ in CITIES]
        self.buyers2: list[list[int]] = [[] for _ in CITIES]
        for p in self.people:
            if p.ghost or p.death_day is not None:
                continue
            self.buyers2[p.city].append(p.idx)
            if "chronic_special" not in p.flags:
                self.pool[p.city].append(p.idx)
        for lst in self.pool:
            rng.shuffle(lst)

    # ------------------------------------------------------------------ planning
    def take(self, cities: list[int], n: int, pred: Callable[[Person], bool]) -> list[Person]:
        out: list[Person] = []
        for c in cities:
            pool = self.pool[c]
            i = len(pool) - 1
            while i >= 0 and len(out) < n:
                p = self.people[pool[i]]
                if not self.taken[p.idx] and pred(p):
                    self.taken[p.idx] = True
                    out.append(p)
                    pool[i] = pool[-1]
                    pool.pop()
                i -= 1
            if len(out) >= n:
                break
        return out

    def second_buyer(self, city: int) -> Person:
        lst = self.buyers2[city] or self.buyers2[0]
        p = self.people[lst[0]]
        for _ in range(50):
            q = self.people[ch(self.prng, lst)]
            if not self.taken[q.idx]:
                p = q
                break
        self.extra_planned.add(p.idx)
        return p

    def new_boxes(self, rng: random.Random, item: int, inst: int, t_sale: int, n: int) -> list[Box]:
        ins = self.insts[inst]
        out = []
        for _ in range(n):
            serial = self.box_serial.next()
            if self.item_long[item]:
                pre = self.item_prefix[item]
                lot = ch(rng, self.item_lots[item])
                code = f"0106{pre}{serial[:6]}21{serial}17{ri(rng, 26, 29)}1231" + "10" + lot
            else:
                code = self.item_prefix[item] + serial
                lot = ch(rng, self.item_lots[item])
            lo = max(0, t_sale - 90 * DAY)
            hi = t_sale - 2 * HOUR
            tp = ri(rng, lo, hi) if hi > lo else max(0, t_sale - 60)
            day_tp = (tp // DAY) * DAY + ri(rng, 8 * HOUR, 18 * HOUR)  # stock-in in office hours
            if day_tp < hi:
                tp = day_tp
            hub = -1
            tt = 0
            if ins.chain and rng.random() < 0.3:
                h = self.chain_hub.get(ins.chain, -1)
                if h >= 0 and h != inst:
                    hub = h
                    tt = tp + int((t_sale - tp) * rng.uniform(0.2, 0.8))
            out.append(Box(code, item, lot, ch(rng, ins.suppliers), inst, tp, hub, tt))
        return out

    def mode(self, rng: random.Random, scanned: float) -> int:
        if rng.random() >= scanned:
            return UNSCANNED
        u = rng.random()
        return BOTH if u < 0.6 else (FEE_ONLY if u < 0.85 else TRACE_ONLY)

    def dise_of(self, rng: random.Random, item: int) -> str:
        return ch(rng, catalog.DISEASES.get(self.items[item].group, ["R69.x00"]))

    def hospitals_for(self, rng: random.Random, city: int, k: int) -> list[int]:
        own = list(self.city_hosp[city][0])
        rng.shuffle(own)
        others = [i.idx for i in self.insts if i.type == 1 and i.city != city]
        rng.shuffle(others)
        out: list[int] = []
        for h in own + others:
            if len(out) >= k and sum(len(self.insts[x].doctors) for x in out) >= 5:
                break
            out.append(h)
        return out

    def consult(self, inst: int) -> int:
        lv = self.insts[inst].lv
        name = {3: "主任医师诊查费", 2: "副主任医师诊查费"}.get(lv, "普通门诊诊查费")
        return self.svc_name[name]

    def params(self, typology: str, r: int) -> variation.Params:
        return variation.draw(typology, self.var_key, r, self.fixed.get(typology))

    def plan(self) -> None:
        n = self.n_rings
        lookalikes.reserve(self)
        pb_sales = [
            rings.prescription_buyer(self, r, self.params("prescription_buyer", r))
            for r in range(n)
        ]
        for r in range(n):
            rings.recycled_drug(self, r, self.params("recycled_drug", r), pb_sales[r])
        for r in range(n):
            rings.inpatient_recruitment(self, r, self.params("inpatient_recruitment", r))
        for r in range(n):
            rings.card_pooling(self, r, self.params("card_pooling", r))
        avoid = supervision.busiest(self)
        for r in range(n):
            rings.spatiotemporal(self, r, self.params("spatiotemporal", r), avoid)
        for r in range(n):
            rings.deceased_claims(self, r, self.params("deceased_claims", r), avoid)
        for r in range(n):
            rings.split_admission(self, r, self.params("split_admission", r))
        lookalikes.plan(self)

    def inpatient_lines(self, rng: random.Random, inst: int, stay: int, physio: bool) -> list[Line]:
        lv = self.insts[inst].lv
        bed = self.svc_name[{3: "三级医院床位费", 2: "二级医院床位费"}.get(lv, "一级医院床位费")]
        lines = [Line(bed, stay), Line(self.svc_name["二级护理"], stay)]
        if physio:
            lines.append(Line(ch(rng, self.svc["physio"]), stay))
        lines.append(Line(ch(rng, self.svc["test"]), 1))
        for _ in range(ri(rng, 1, 2)):
            grp = ch(rng, ("stroke", "infusion", "infusion", "chd", "gi"))
            d = ch(rng, self.by_group[grp])
            lines.append(Line(d, max(1, stay * ri(rng, 1, 2)), -1, True, stay))
        return lines[:6]

    # --------------------------------------------------------------- background
    def background(self, p: Person) -> list[Visit]:
        rng = self.brng
        end_day = self.days if p.death_day is None else min(self.days, p.death_day)
        out: list[Visit] = []
        if end_day <= 0:
            return out
        lam = 7.0 if p.age < 40 else (10.0 if p.age < 60 else 15.0)
        n = int(rng.random() * 2 * lam * end_day / self.days + 0.5)
        if p.ghost:
            n = max(n, 1)
        remote = "remote_registered" in p.flags
        for _ in range(n):
            day = int(rng.random() * end_day)
            u = rng.random()
            city = p.city
            if rng.random() < (0.4 if remote else 0.03):
                city = rng.randrange(len(CITIES))
            if u < 0.5:
                out.append(self.pharmacy_visit(rng, p, day, city))
            elif u < 0.95:
                out.append(self.outpatient(rng, p, day, city, "11"))
            else:
                out.append(self.outpatient(rng, p, day, city, "13"))
        if rng.random() < (0.09 if p.age >= 60 else 0.03) and end_day > 20:
            out.append(self.inpatient(rng, p, rng.randrange(end_day - 15)))
        if self.online and 18 <= p.age <= 75 and rng.random() < 0.12:
            for _ in range(1 + int(rng.random() * 6)):
                out.append(self.online_order(rng, p, int(rng.random() * end_day)))
        if p.chronic:
            drug, h, docs = p.chronic
            it = self.items[drug]
            cnt = max(1, round(28 * it.daily))
            supply = cnt / it.daily
            cday = rng.uniform(0, supply)
            dise = self.dise_of(rng, drug)
            while cday < end_day - 1:
                t = int(cday) * DAY + ri(rng, 8 * HOUR, 16 * HOUR)
                line = Line(drug, cnt, -1, True, round(supply), self.mode(rng, 0.9))
                lines = [line]
                if rng.random() < 0.5:
                    lines.insert(0, Line(self.consult(h), 1))
                out.append(Visit(h, "14", t, t + ri(rng, 600, 2400), lines, ch(rng, docs), dise))
                cday += supply + rng.uniform(-3, 3)
        return out

    def drug_for(self, rng: random.Random, p: Person) -> int:
        if p.conditions and rng.random() < 0.5:
            return ch(rng, self.by_group[ch(rng, p.conditions)])
        grp = ch(rng, ("resp", "resp", "gi", "pain", "allergy", "derm", "eye", "resp", "psy"))
        return ch(rng, self.by_group[grp])

    def pharmacy_visit(self, rng: random.Random, p: Person, day: int, city: int) -> Visit:
        u = rng.random()
        if city != p.city:
            ph = self.pick(rng, self.city_pharm[city])
        elif u < 0.75:
            ph = p.fav_pharm
        else:
            ph = self.pick(rng, self.city_pharm[city])
        inst = self.insts[ph]
        u = rng.random()
        if u < 0.15:  # morning rush, before work
            t = day * DAY + ri(rng, 7 * HOUR + 1800, 9 * HOUR + 1800)
        elif u < 0.27:  # after work
            t = day * DAY + ri(rng, 17 * HOUR + 1800, 19 * HOUR)
        else:
            t = day * DAY + ri(rng, 8 * HOUR, 21 * HOUR)
        lines = []
        u = rng.random()
        k = 1 if u < 0.55 else (2 if u < 0.85 else 3)
        docs = self.insts[p.fav_hosp].doctors
        dise = ""
        for _ in range(k):
            if rng.random() < 0.08:
                lines.append(Line(ch(rng, self.consumables), ri(rng, 1, 3)))
                continue
            d = self.drug_for(rng, p)
            it = self.items[d]
            u = rng.random()
            cnt = 1 if u < 0.7 else (2 if u < 0.9 else 3)
            prd = round(cnt / it.daily) if it.daily else 0
            if it.rx:
                lines.append(Line(d, cnt, ch(rng, docs), True, prd, self.mode(rng, 0.88)))
                dise = dise or self.dise_of(rng, d)
            else:
                lines.append(Line(d, cnt, -1, False, prd, self.mode(rng, 0.85)))
        refund = ri(rng, 600, 3 * DAY) if rng.random() < 0.004 else 0
        return Visit(
            ph, "41", t, t + ri(rng, 60, 600), lines, ch(rng, inst.pharmacists), dise, refund
        )

    def online_order(self, rng: random.Random, p: Person, day: int) -> Visit:
        """An order placed with an online drug platform, at any hour (evenings most), paid
        with the e-credential through the platform's gateway terminal."""
        o = ch(rng, self.online)
        inst = self.insts[o]
        hour = rng.choices(range(24), ONLINE_HOURS)[0]
        t = day * DAY + hour * HOUR + ri(rng, 0, HOUR - 1)
        docs = self.insts[p.fav_hosp].doctors
        lines = []
        dise = ""
        for _ in range(1 if rng.random() < 0.6 else ri(rng, 2, 3)):
            d = self.drug_for(rng, p)
            it = self.items[d]
            cnt = ri(rng, 1, 3)
            prd = round(cnt / it.daily) if it.daily else 0
            dr = ch(rng, docs) if it.rx else -1
            lines.append(Line(d, cnt, dr, it.rx, prd, self.mode(rng, 0.8)))
            if it.rx:
                dise = dise or self.dise_of(rng, d)
        v = Visit(o, "41", t, t + ri(rng, 30, 180), lines, ch(rng, inst.pharmacists), dise)
        v.cert = "01"
        v.term = inst.terminals[0] if rng.random() < 0.85 else inst.terminals[-1]
        return v

    def outpatient(self, rng: random.Random, p: Person, day: int, city: int, mt: str) -> Visit:
        if mt == "13":
            hs = [h for h in self.city_hosp[city][0] if self.insts[h].lv >= 2]
            h = ch(rng, hs) if hs else self.pick(rng, self.city_hosp[city])
            t = day * DAY + int(rng.random() * (DAY - 4 * HOUR))
            lines = [Line(self.svc["consult_er"][0], 1)]
        else:
            h = (
                p.fav_hosp
                if city == p.city and rng.random() < 0.7
                else self.pick(rng, self.city_hosp[city])
            )
            t = day * DAY + ri(rng, 8 * HOUR, 17 * HOUR)
            lines = [Line(self.consult(h), 1)]
        if rng.random() < 0.35:
            lines.append(Line(ch(rng, self.svc["test"]), 1))
        dise = ""
        u = rng.random()
        for _ in range(0 if u < 0.2 else (1 if u < 0.65 else (2 if u < 0.9 else 3))):
            d = self.drug_for(rng, p)
            it = self.items[d]
            u = rng.random()
            cnt = 1 if u < 0.6 else (2 if u < 0.9 else 3)
            prd = round(cnt / it.daily) if it.daily else 0
            lines.append(Line(d, cnt, -1, it.rx, prd, self.mode(rng, 0.85)))
            dise = dise or self.dise_of(rng, d)
        if not dise:
            dise = ch(rng, catalog.DISEASES[ch(rng, ("resp", "pain", "gi"))])
        if rng.random() < 0.08:
            lines.append(Line(self.svc["infusion"][0], ri(rng, 1, 3)))
        doc = ch(rng, self.insts[h].doctors)
        refund = ri(rng, 600, 2 * DAY) if rng.random() < 0.003 else 0
        return Visit(h, mt, t, t + ri(rng, 600, 5400), lines, doc, dise, refund)

    def inpatient(self, rng: random.Random, p: Person, day: int) -> Visit:
        if rng.random() < 0.5:
            hs = [h for h in self.city_hosp[p.city][0] if self.insts[h].lv == 3]
            h = ch(rng, hs) if hs else p.fav_hosp
        else:
            h = p.fav_hosp
        stay = ri(rng, 3, 7) if self.insts[h].lv == 1 else ri(rng, 3, 14)
        day = min(day, self.days - stay - 2)
        t = day * DAY + ri(rng, 8 * HOUR, 20 * HOUR)
        lines = self.inpatient_lines(rng, h, stay, rng.random() < 0.3)
        for ln in lines:
            if self.items[ln.item].list_type == "drug":
                ln.mode = self.mode(rng, 0.85)
        dise = ch(rng, catalog.INPATIENT_DISEASES)
        if dise in ("K80.200", "K35.800") and len(lines) < 6:
            name = "腹腔镜胆囊切除术" if dise == "K80.200" else "阑尾切除术"
            lines.append(Line(self.svc_name[name], 1))
        doc = ch(rng, self.insts[h].doctors)
        return Visit(h, "21", t, t + stay * DAY + ri(rng, -4 * HOUR, 4 * HOUR), lines, doc, dise)

    def plausible(self, p: Person, visits: list[Visit]) -> list[Visit]:
        """Drops the background visits that would put a person in two places at once.

        ``visits`` are sorted by start. A visit's presence is [begin, discharge] for a stay
        (its settlement may come later and is not presence) and [begin, settlement] for
        anything else; online platforms have no place. Between presences in two cities
        there must be at least an hour plus the distance at 80 km/h, and two stays must not
        overlap. Planned visits always stay (spatiotemporal rings break the rule on
        purpose); a background visit that breaks it against the last presence or against
        the next planned visit is dropped, and so is one at an institution the person
        avoids, or a background stay of a person whose stays are planned."""
        insts = self.insts
        dist = self.dist
        fixed: list[Visit] = []
        fixed_ids: set[int] = set()
        if p.planned:
            fixed_ids = {id(v) for v in p.planned}
            fixed = [v for v in visits if id(v) in fixed_ids and not insts[v.inst].online]
        nf = len(fixed)
        avoid = self.avoid.get(p.idx, ())
        no_stay = p.idx in self.no_bg_stay
        out: list[Visit] = []
        k = 0
        c_inst = c_city = c_end = -1
        c_stay = False
        for v in visits:
            inst = insts[v.inst]
            stay = v.med_type == "21"
            if fixed_ids and id(v) in fixed_ids:
                out.append(v)
            else:
                if v.inst in avoid or (stay and no_stay):
                    continue
                if inst.online:
                    out.append(v)
                    continue
                end = v.t_end if stay else v.t_end + 1800
                city = inst.city
                if c_inst >= 0:
                    if c_stay and stay and v.t < c_end:
                        continue
                    if city != c_city and v.t - c_end < dist[c_inst][v.inst] * 45 + HOUR:
                        continue
                while k < nf and fixed[k].t < v.t:
                    k += 1
                if k < nf:
                    f = fixed[k]
                    if stay and f.med_type == "21" and f.t < end:
                        continue
                    f_inst = f.inst
                    if insts[f_inst].city != city and f.t - end < dist[v.inst][f_inst] * 45 + HOUR:
                        continue
                out.append(v)
            if inst.online:
                continue
            end = v.t_end if stay else (v.setl_at or v.t_end + 1800)
            if end > c_end:
                c_inst, c_city, c_end, c_stay = v.inst, inst.city, end, stay
        return out

    def apparent_jumps(self, visits: list[Visit]) -> set[int]:
        """The institutions with wrong coordinates through which this person, moving
        plausibly, appears (by the written coordinates) to have travelled impossibly fast:
        a move from the presence that ends last (a stay until discharge, a visit until its
        settlement) to the next visit's start, faster than the fastest journey."""
        wrong = self.wrong_coords
        if not any(v.inst in wrong for v in visits):
            return set()
        insts = self.insts
        out: set[int] = set()
        cur = -1
        cur_end = 0
        for v in sorted(visits, key=_start):
            inst = insts[v.inst]
            if inst.online:
                continue
            if cur >= 0 and (cur in wrong or v.inst in wrong):
                a = wrong.get(cur, (insts[cur].lat, insts[cur].lon))
                b = wrong.get(v.inst, (inst.lat, inst.lon))
                d = km(a[0], a[1], b[0], b[1])
                if d > 50 and v.t - cur_end < supervision.fastest_hours(d) * HOUR:
                    out.add(cur if cur in wrong else v.inst)
            end = v.t_end if v.med_type == "21" else v.setl_at
            if end > cur_end:
                cur, cur_end = v.inst, end
        return out

    # ------------------------------------------------------------------ writing
    def split(self, rng: random.Random, total: int, mt: str, p: Person, lv: int) -> list[int]:
        """[fund, hifp, hifmi, maf, acct, cash] in cents, adding up exactly."""
        hifp = hifmi = maf = 0
        emp = p.insutype == "310"
        if mt == "41":
            if rng.random() < 0.2:
                hifp = total * 5 // 10
        elif mt in ("11", "13"):
            hifp = total * (5 if emp else 4) // 10 if total > 2000 else 0
        elif mt == "14":
            hifp = total * ri(rng, 60, 75) // 100
        else:
            ded = {3: 80000, 2: 50000}.get(lv, 30000)
            ratio = {3: 65, 2: 75}.get(lv, 85) + (5 if emp else 0)
            hifp = max(0, total - ded) * ratio // 100
            if not emp and total > 2000000:
                hifmi = min(total - hifp, (total - 2000000) * 60 // 100)
        rest = total - hifp - hifmi
        if "medical_aid" in p.flags and mt in ("14", "21") and rest > 0:
            maf = rest * 6 // 10
        rest -= maf
        acct = 0
        if emp and rest > 0:
            acct = rest if mt == "41" and rng.random() < 0.7 else rest * ri(rng, 0, 100) // 100
        cash = rest - acct
        return [hifp + hifmi + maf, hifp, hifmi, maf, acct, cash]

    def emit(self, p: Person, v: Visit) -> None:
        rng = self.brng
        inst = self.insts[v.inst]
        items = self.items
        codes_of = self.item_codes
        pracs = self.prac_codes
        trace = self.w_trace.write
        psn = p.psn_no
        setl = self.setl_ids.next()
        mdtrt = self.mdtrt_ids.next()
        t_setl = v.setl_at or min(self.end - 1, v.t_end + ri(rng, 30, 1800))
        v.setl_at = t_setl  # as written (read back by apparent_jumps)
        setl_ts = self.ts(t_setl)
        dr = pracs[v.dr]
        rxno = ""
        total = 0
        fee_rows: list[list[str]] = []
        inpatient = v.med_type == "21"
        span = max(1, v.t_end - v.t)
        for line in v.lines:
            it = items[line.item]
            code = codes_of[line.item]
            amt = it.price * line.cnt
            total += amt
            codes = ""
            if line.mode != UNSCANNED:
                boxes = line.boxes
                if boxes is None:
                    boxes = self.new_boxes(rng, line.item, v.inst, t_setl, line.cnt)
                    line.boxes = boxes
                for b in boxes:
                    if not line.resale:
                        if b.hub >= 0:
                            hub = self.insts[b.hub].code
                            trace(
                                [b.code, code, "purchase", self.ts(b.t_purchase),
                                 self.suppliers[b.supplier][0], hub, "", b.lot]
                            )  # fmt: skip
                            trace(
                                [b.code, code, "transfer", self.ts(b.t_transfer), hub,
                                 self.insts[b.inst].code, "", b.lot]
                            )  # fmt: skip
                        else:
                            trace(
                                [b.code, code, "purchase", self.ts(b.t_purchase),
                                 self.suppliers[b.supplier][0], inst.code, "", b.lot]
                            )  # fmt: skip
                    elif line.launder is not None:
                        trace(
                            [b.code, code, "purchase", self.ts(line.launder[1]),
                             self.suppliers[line.launder[0]][0], inst.code, "", b.lot]
                        )  # fmt: skip
                    if line.pre:
                        for et, tt, fc, tc in line.pre:
                            trace([b.code, code, et, self.ts(tt), fc, tc, "", b.lot])
                    if line.mode != FEE_ONLY:
                        trace([b.code, code, "sale", setl_ts, inst.code, psn, setl, b.lot])
                if line.mode != TRACE_ONLY:
                    codes = ";".join(b.code for b in boxes)
            if line.rx and not rxno:
                rxno = self.rx_ids.next()
            ft = v.t + int(rng.random() * span) if inpatient else v.t + ri(rng, 0, 120)
            fee_rows.append(
                [
                    self.fee_ids.next(),
                    setl,
                    psn,
                    self.ts(ft),
                    code,
                    str(line.cnt),
                    money(it.price),
                    money(amt),
                    pracs[line.dr] if line.dr >= 0 else dr,
                    rxno if line.rx else "",
                    str(line.prd) if line.prd else "",
                    codes,
                    "",
                ]
            )
        sp = self.split(rng, total, v.med_type, p, inst.lv)
        u = rng.random()
        cert = v.cert or ("01" if u < 0.6 else ("03" if u < 0.9 else "02"))
        term = v.term or (ch(rng, inst.terminals) if inst.type == 2 or rng.random() < 0.7 else "")
        row = [
            setl,
            mdtrt,
            psn,
            inst.code,
            inst.admdvs,
            v.med_type,
            self.ts(v.t),
            self.ts(v.t_end),
            setl_ts,
            money(total),
            *(money(x) for x in sp),
            v.dise,
            dr,
            cert,
            term,
            "0",
            "",
        ]
        self.w_setl.write(row)
        if p.ghost:
            self.ghost_settlements += 1
        for fr in fee_rows:
            self.w_fee.write(fr)
        # occasional supply-side events with no sale: returned to supplier, or recalled
        if inst.type == 2 and rng.random() < 0.004 and v.lines:
            d = ch(rng, self.drug_ids)
            for b in self.new_boxes(rng, d, v.inst, t_setl, ri(rng, 1, 3)):
                c = codes_of[d]
                sup = self.suppliers[b.supplier][0]
                trace([b.code, c, "purchase", self.ts(b.t_purchase), sup, inst.code, "", b.lot])
                et = "recall" if rng.random() < 0.3 else "supplier_return"
                trace([b.code, c, et, self.ts(t_setl), inst.code, sup, "", b.lot])
        t_refund = t_setl + v.refund_after
        if (
            v.refund_after
            and t_refund < self.end
            and (p.death_day is None or t_refund // DAY < p.death_day)
        ):
            t_r = t_refund
            rid = self.setl_ids.next()
            r_ts = self.ts(t_r)
            row2 = list(row)
            row2[0] = rid
            row2[8] = r_ts
            for k, val in enumerate([total, *sp]):
                row2[9 + k] = money(-val)
            row2[20] = "1"
            row2[21] = setl
            self.w_setl.write(row2, eligible=False)
            if p.ghost:
                self.ghost_settlements += 1
            for fr, line in zip(fee_rows, v.lines, strict=True):
                it = items[line.item]
                self.w_fee.write(
                    [
                        self.fee_ids.next(),
                        rid,
                        psn,
                        r_ts,
                        fr[4],
                        str(-line.cnt),
                        fr[6],
                        money(-it.price * line.cnt),
                        fr[8],
                        fr[9],
                        "",
                        "",
                        fr[0],
                    ],
                    eligible=False,
                )
                if v.return_boxes and line.boxes and line.mode != UNSCANNED:
                    for b in line.boxes:
                        trace([b.code, fr[4], "return", r_ts, psn, inst.code, rid, b.lot])

    def write_reference(self) -> dict[str, TableWriter]:
        rng = random.Random(f"rekey:{self.seed}")
        out = self.out_dir
        ws: dict[str, TableWriter] = {}

        def rk_person(r: list[str]) -> None:
            r[0] = str(rng.randrange(10**19, 10**20))

        def rk_inst(r: list[str]) -> None:
            r[0] = self.uniq(lambda: r[0][:7] + self.digits(rng, 5))

        def rk_prac(r: list[str]) -> None:
            r[0] = self.uniq(lambda: r[0][:7] + self.digits(rng, 6))

        def rk_sup(r: list[str]) -> None:
            r[0] = self.uniq(lambda: r[0][:10] + "".join(ch(rng, USCC_CHARS) for _ in range(8)))

        def rk_drug(r: list[str]) -> None:
            r[0] = self.uniq(lambda: r[0][:6] + self.digits(rng, len(r[0]) - 6))

        def rk_setl(r: list[str]) -> None:
            r[0] = self.setl_ids.next()

        def rk_fee(r: list[str]) -> None:
            r[0] = self.fee_ids.next()

        rekeys = {
            "persons": rk_person,
            "institutions": rk_inst,
            "practitioners": rk_prac,
            "suppliers": rk_sup,
            "drugs": rk_drug,
            "settlements": rk_setl,
            "fee_details": rk_fee,
            "trace_events": None,
        }
        for stem, rk in rekeys.items():
            ws[stem] = TableWriter(out, stem, self.fmt, self.seed, rk)
        w = ws["persons"]
        for p in sorted(self.people, key=lambda x: x.psn_no):
            if p.ghost:
                continue
            w.write(
                [
                    p.psn_no,
                    p.name,
                    p.gend,
                    p.brdy,
                    p.certno,
                    p.tel,
                    p.addr,
                    p.insutype,
                    CITIES[p.city][0],
                    ";".join(p.flags),
                    p.death_date,
                ]
            )
        w = ws["institutions"]
        for i in self.insts:
            lat, lon = self.wrong_coords.get(i.idx, (i.lat, i.lon))
            w.write(
                [
                    i.code,
                    i.name,
                    str(i.type),
                    str(i.lv) if i.type == 1 else "",
                    i.ownership,
                    i.admdvs,
                    f"{lat:.6f}",
                    f"{lon:.6f}",
                    i.chain,
                    str(i.online),
                ]
            )
        w = ws["practitioners"]
        for code, name, typ, inst in self.pracs:
            w.write([code, name, typ, self.insts[inst].code])
        w = ws["suppliers"]
        for s in self.suppliers:
            w.write(list(s))
        w = ws["drugs"]
        for k, it in enumerate(self.items):
            w.write(
                [
                    self.item_codes[k],
                    it.name,
                    it.list_type,
                    money(it.price),
                    f"{it.daily:.6f}" if it.daily else "",
                    "1" if it.key_monitored else "0",
                ]
            )
        for stem in ("persons", "institutions", "practitioners", "suppliers", "drugs"):
            ws[stem].close()
        return ws

    def run(self) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        prog = self.progress
        if prog:
            prog("reference", 0, 3)
        self.build_reference()
        if prog:
            prog("reference", 1, 3)
        self.build_persons()
        if prog:
            prog("reference", 2, 3)
        self.plan()
        if prog:
            prog("reference", 3, 3)
        ws = self.write_reference()
        self.w_setl = ws["settlements"]
        self.w_fee = ws["fee_details"]
        self.w_trace = ws["trace_events"]
        order = list(range(len(self.people)))
        random.Random(f"order:{self.seed}:{self.n_persons}").shuffle(order)
        total = len(order)
        step = max(1, total // 200)
        listed = {m["id"] for e in self.rings + self.lookalikes for m in e["members"]}
        in_rings = {m["id"] for e in self.rings for m in e["members"]}
        travellers: list[dict[str, Any]] = []
        online_customers: dict[int, list[str]] = {o: [] for o in self.online}
        misplaced: dict[int, list[str]] = {x: [] for x in self.wrong_coords}
        for k, idx in enumerate(order):
            p = self.people[idx]
            visits = self.background(p)
            if p.planned:
                visits += p.planned
            visits.sort(key=_start)
            visits = self.plausible(p, visits)
            for v in visits:
                self.emit(p, v)
            if not p.ghost and p.psn_no not in in_rings:
                for o in {v.inst for v in visits if self.insts[v.inst].online}:
                    online_customers[o].append(p.psn_no)
                if misplaced:
                    for x in self.apparent_jumps(visits):
                        misplaced[x].append(p.psn_no)
            if "remote_registered" in p.flags and len(travellers) < 4 * self.n_core:
                cities = {self.insts[v.inst].city for v in visits if not self.insts[v.inst].online}
                if len(cities) >= 2 and not p.ghost and p.psn_no not in listed:
                    travellers.append(
                        {
                            "typology": "spatiotemporal",
                            "pattern": "remote_registered",
                            "members": [{"kind": "person", "id": p.psn_no}],
                        }
                    )
            if prog and k % step == 0:
                prog("activity", k, total)
        if prog:
            prog("activity", total, total)
        self.lookalikes += travellers
        for o, who in online_customers.items():
            if who:
                self.lookalikes.append(
                    {
                        "typology": "card_pooling",
                        "pattern": "online_platform_orders",
                        "members": [{"kind": "institution", "id": self.insts[o].code}]
                        + [{"kind": "person", "id": x} for x in sorted(who)],
                    }
                )
        for x, who in misplaced.items():
            self.lookalikes.append(
                {
                    "typology": "spatiotemporal",
                    "pattern": "wrong_coordinates",
                    "members": [{"kind": "institution", "id": self.insts[x].code}]
                    + [{"kind": "person", "id": y} for y in sorted(who)],
                    "true_lat_lon": [self.insts[x].lat, self.insts[x].lon],
                }
            )
        for stem in ("settlements", "fee_details", "trace_events"):
            ws[stem].close()
        return self.write_truth(ws)

    def write_truth(self, ws: dict[str, TableWriter]) -> Path:
        truth: dict[str, Any] = {
            "seed": self.seed,
            "persons": self.n_persons,
            "start": self.start.isoformat(),
            "days": self.days,
            "format": self.fmt,
            "rings": self.rings,
            "lookalikes": self.lookalikes,
            "dirty": {s: dict(sorted(w.dirty.items())) for s, w in ws.items()},
            "duplicates": {s: w.duplicates for s, w in ws.items()},
            "unregistered": {
                "persons": len(self.ghosts),
                "settlements": self.ghost_settlements,
                "psn_no": [self.people[g].psn_no for g in self.ghosts],
            },
            "rows": {s: w.rows for s, w in ws.items()},
            "dirty_rows": [d for w in ws.values() for d in w.dirty_rows],
            "duplicate_rows": {s: w.duplicate_rows for s, w in ws.items()},
        }
        path = self.out_dir.parent / (self.out_dir.name + ".truth.json")
        path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path


def generate(
    out_dir: Path,
    persons: int,
    seed: int,
    *,
    fmt: str = "csv",
    start: date = date(2025, 1, 1),
    days: int = 365,
    progress: Progress | None = None,
    variation: Variation | None = None,
    rings_per_typology: int | None = None,
) -> Path:
    """Writes the eight contract files into out_dir (fmt: "csv", "csv.gz" or "parquet") and
    the ground truth beside it, at out_dir.parent / (out_dir.name + ".truth.json").
    Returns the truth path.

    Every injected ring draws its own parameters from ``fraudrings.synth.variation.SPACE``
    and the truth records them (``params``); ``variation`` pins parameters for every ring of
    a typology (``{"inpatient_recruitment": {"admissions_per_recruit": 1.0}}``; ValueError
    on an unknown name or a value outside the declared range), and
    ``rings_per_typology`` replaces the default number of rings per typology
    (``scale(persons)``). The same arguments give byte-identical files."""
    return _Gen(
        Path(out_dir), persons, seed, fmt, start, days, progress, variation, rings_per_typology
    ).run()
