"""拉拢住院 / 共同住院: persons recruited and admitted in waves.

In the public cases a hospital's marketing staff or paid intermediaries fill its beds
with elderly or poor villagers brought in groups (a minibus of 7 to 40 from one
village in one morning), again and again over months; bounties keep bringing new
recruits, so most recruits are admitted once or twice and two recruits are rarely
admitted together twice. The detector therefore works on *waves*, not on pairs that
repeat:

1. **Wave ties.** Two stays at one institution whose admissions lie within
   ``window_hours`` are tied when they share enough of: a home village or address, a
   phone, arrival within ``close_hours``, discharge on the same day, a main diagnosis
   (worth what its rarity at the institution says), and a surge day (far more
   admissions than the institution's own daily rate explains), each scored in bits (how
   unlikely by chance). A tie needs ``min_tie_bits`` plus the log of the pairs admitted
   together per day there (a busy hospital makes more coincidences), and a simultaneous
   arrival or discharge.
2. **Waves.** Connected stays form a wave; a wave needs ``min_wave_size`` persons from as
   many homes, stays of templated length (``min_los_coherence``), and not half of it
   under one roof (a family after an accident, a care home's van).
3. **Rings.** Waves are joined when they share a person, a village or a phone (also
   across institutions), or, at one institution, the same pattern (same leading
   diagnosis, short stays, an elderly or poor profile) or surge days. A ring needs
   ``min_waves`` waves, or one wave of ``big_wave`` persons most of whom share an origin
   (a family admitted together once stays below both).

A ring is scored by its waves, their size and simultaneity, short stays, shared
diagnoses and origins, the members' profile and the institution's share of admissions
on wave days. The institutions are members of the lead, and so is a person outside the
ring whose phone is on several members' records (the recruiter).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fraudrings.graph.community import DEFAULT_METHOD, Method, Projection
from fraudrings.graph.detect.config import InpatientConfig
from fraudrings.graph.detect.timing import Timer
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import LeadDraft, Member, Reason, clip, span

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


_UNIT = re.compile(r"\d+\s*(单元|室|户|层).*$")
_TAIL = re.compile(r"[-－]?\d+$")


def address_key(addr: str | None) -> str:
    """Where a person lives, as fine as a recruiter's reach: a village (up to its first
    村, its groups and house numbers dropped), else the building (the unit and the
    flat dropped). A road or a district is never a key."""
    if not addr:
        return ""
    s = "".join(str(addr).translate(_FULLWIDTH).split())
    k = s.find("村")
    if k >= 0:
        return s[: k + 1]
    s = _TAIL.sub("", _UNIT.sub("", s))
    return s if re.search(r"\d", s) and len(s) >= 6 else ""


def co_admissions(stays: list[dict[str, Any]], window_hours: float) -> Counter[tuple[str, str]]:
    """Pair -> number of times the two were admitted to one institution within the window.

    ``stays`` must be ordered by institution, then admission time. (Kept for the
    projection benchmark and for evidence; the detector itself works on waves.)"""
    window = window_hours * 3600
    pairs: Counter[tuple[str, str]] = Counter()
    n = len(stays)
    for i in range(n):
        a = stays[i]
        j = i + 1
        while j < n:
            b = stays[j]
            if b["inst"] != a["inst"]:
                break
            if (b["begntime"] - a["begntime"]).total_seconds() > window:
                break
            if a["psn_no"] != b["psn_no"]:
                x, y = sorted((a["psn_no"], b["psn_no"]))
                pairs[(x, y)] += 1
            j += 1
    return pairs


def waves_of(stays: list[dict[str, Any]], gap_days: float, min_size: int) -> list[list[dict]]:
    """Admission runs: stays whose admissions are at most gap_days apart, holding at least
    min_size distinct persons."""
    out: list[list[dict]] = []
    cur: list[dict] = []
    for s in sorted(stays, key=lambda s: s["begntime"]):
        if cur and (s["begntime"] - cur[-1]["begntime"]).total_seconds() > gap_days * 86400:
            out.append(cur)
            cur = []
        cur.append(s)
    if cur:
        out.append(cur)
    return [w for w in out if len({s["psn_no"] for s in w}) >= min_size]


def _age(brdy: Any, on: date) -> int | None:
    if not isinstance(brdy, date):
        return None
    return on.year - brdy.year - ((on.month, on.day) < (brdy.month, brdy.day))


def _flags(v: Any) -> set[str]:
    if not v:
        return set()
    return set(v) if isinstance(v, list | tuple | set) else set(str(v).split(";"))


def _los(s: dict[str, Any]) -> float | None:
    end = s.get("endtime")
    if not isinstance(end, datetime):
        return None
    return max(0.0, (end - s["begntime"]).total_seconds() / 86400)


def poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    term = math.exp(-lam)
    cdf = term
    for i in range(1, k):
        term *= lam / i
        cdf += term
    return max(0.0, 1.0 - cdf)


def daily_rate(stays: list[dict[str, Any]]) -> float:
    """An institution's usual admissions per day: the mean over its active span with its
    busiest 5% of days left out, so waves do not raise their own bar."""
    days = Counter(s["begntime"].date() for s in stays)
    if not days:
        return 0.05
    span_days = (max(days) - min(days)).days + 1
    counts = sorted(list(days.values()) + [0] * (span_days - len(days)))
    keep = counts[: max(1, math.ceil(len(counts) * 0.95))]
    return max(sum(keep) / len(keep), 0.05)


def surge_days(stays: list[dict[str, Any]], p: float, lam: float | None = None) -> set[date]:
    """Days on which one institution admitted more persons than its own daily rate
    ``lam`` (by default :func:`daily_rate`) explains (Poisson tail below ``p``)."""
    lam = daily_rate(stays) if lam is None else lam
    days = Counter(s["begntime"].date() for s in stays)
    return {d for d, n in days.items() if poisson_tail(n, lam) < p}


def tie_bits_needed(rate: float, cfg: InpatientConfig) -> float:
    """Evidence a pair needs at an institution admitting ``rate`` a day: the chance
    coincidences to beat grow with the pairs admitted together (rate² / 2 a day)."""
    return cfg.min_tie_bits + max(0.0, math.log2(rate * rate / 2))


@dataclass
class Wave:
    idx: int
    inst: str
    stays: list[dict[str, Any]]
    persons: set[str] = field(default_factory=set)
    surge: bool = False

    @property
    def day(self) -> date:
        first: date = min(s["begntime"] for s in self.stays).date()
        return first


@dataclass
class InpatientResult:
    drafts: list[LeadDraft]
    stays: int
    projection: Projection
    communities: int
    modularity: float
    waves: int = 0


class _DSU:
    def __init__(self, n: int) -> None:
        self.p = list(range(n))

    def find(self, x: int) -> int:
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def _specific(values: Iterable[str], limit: int) -> set[str]:
    """Values held by at most ``limit`` persons (a village, a household's or a
    recruiter's phone), not the placeholder that half a region shares."""
    c = Counter(values)
    return {v for v, n in c.items() if v and n <= limit}


def los_coherence(stays: list[dict[str, Any]]) -> float:
    """Share of a wave's stays within 1.5 days of its median length: fake stays are
    templated (the Shenyang stays all lasted 4 days), real patients' vary. 1.0 when the
    lengths are unknown."""
    los = [x for x in (_los(s) for s in stays) if x is not None]
    if not los:
        return 1.0
    m = statistics.median(los)
    return sum(1 for x in los if abs(x - m) <= 1.5) / len(los)


def one_roof(persons: set[str], addrs_of: dict[str, set[str]], min_homes: int) -> bool:
    """A group from under one roof: fewer than ``min_homes`` different addresses, or half
    of it at one exact address (a family after an accident, a care home's van). A
    recruiter's minibus is filled from many houses of a village."""
    homes: Counter[str] = Counter()
    for p in persons:
        a = sorted(addrs_of.get(p) or {f"person:{p}"})
        homes[a[0]] += 1
    return len(homes) < min_homes or homes.most_common(1)[0][1] * 2 > len(persons)


def find_waves(
    stays: list[dict[str, Any]], cfg: InpatientConfig, proj: Projection
) -> tuple[list[Wave], dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """Waves of tied admissions at each institution (``stays`` in institution, time order).
    Returns the waves and each person's specific village keys, phones and addresses."""
    persons = {s["psn_no"] for s in stays}
    limit = max(cfg.max_origin_persons, int(cfg.max_origin_share * len(persons)))
    keys_of: dict[str, set[str]] = defaultdict(set)
    tels_of: dict[str, set[str]] = defaultdict(set)
    addrs_of: dict[str, set[str]] = defaultdict(set)
    seen: set[str] = set()
    all_keys: list[str] = []
    all_tels: list[str] = []
    # an exact address held by more persons than a household is a collective dwelling
    # (a care home, a dormitory): where it is, not whom a recruiter found
    dwellers: Counter[str] = Counter()
    for s in stays:
        if s["psn_no"] not in seen:
            seen.add(s["psn_no"])
            dwellers.update({str(a) for a in s.get("addrs") or [] if a})
    seen.clear()
    for s in stays:
        p = s["psn_no"]
        if p in seen:
            continue
        seen.add(p)
        home = [str(a) for a in s.get("addrs") or [] if a]
        ks = {address_key(a) for a in home if dwellers[a] <= cfg.max_household} - {""}
        ts = {str(t) for t in s.get("tels") or [] if t}
        keys_of[p], tels_of[p] = ks, ts
        addrs_of[p] = set(home)
        all_keys += ks
        all_tels += ts
    ok_keys, ok_tels = _specific(all_keys, limit), _specific(all_tels, limit)
    for p in keys_of:
        keys_of[p] &= ok_keys
        tels_of[p] &= ok_tels
    by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in stays:
        by_inst[s["inst"]].append(s)
    window = cfg.window_hours * 3600
    waves: list[Wave] = []
    for inst, ss in by_inst.items():
        rate = daily_rate(ss)
        surge = surge_days(ss, cfg.surge_p, rate)
        need = tie_bits_needed(rate, cfg)
        dx = Counter((s["dise"] or "")[:3] for s in ss)
        # a shared diagnosis is worth what its rarity at this institution says
        dx_bits = {d: min(6.0, math.log2(len(ss) / n)) for d, n in dx.items() if d}
        dsu = _DSU(len(ss))
        tied = [False] * len(ss)
        for i, a in enumerate(ss):
            pa = a["psn_no"]
            da = a["begntime"]
            ea = a.get("endtime")
            xa = (a["dise"] or "")[:3]
            for j in range(i + 1, len(ss)):
                b = ss[j]
                dt = (b["begntime"] - da).total_seconds()
                if dt > window:
                    break
                pb = b["psn_no"]
                if pb == pa:
                    continue
                bits = 0.0
                if keys_of[pa] & keys_of[pb]:
                    bits += cfg.bits_village
                if tels_of[pa] & tels_of[pb]:
                    bits += cfg.bits_phone
                if dt <= cfg.close_hours * 3600:
                    bits += cfg.bits_close
                eb = b.get("endtime")
                same_out = (
                    isinstance(ea, datetime) and isinstance(eb, datetime) and ea.date() == eb.date()
                )
                if same_out:
                    bits += cfg.bits_discharge
                if xa and xa == (b["dise"] or "")[:3]:
                    bits += dx_bits.get(xa, 0.0)
                if da.date() in surge and b["begntime"].date() in surge:
                    bits += cfg.bits_surge
                simultaneous = dt <= cfg.simultaneous_hours * 3600 or same_out
                if bits >= need and simultaneous:
                    dsu.union(i, j)
                    tied[i] = tied[j] = True
                    proj.add(pa, pb, bits)
        comps: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for i, s in enumerate(ss):
            if tied[i]:
                comps[dsu.find(i)].append(s)
        for comp in comps.values():
            ps = {s["psn_no"] for s in comp}
            if (
                len(ps) >= cfg.min_wave_size
                and los_coherence(comp) >= cfg.min_los_coherence
                and not one_roof(ps, addrs_of, cfg.min_wave_size)
            ):
                w = Wave(len(waves), inst, comp, ps)
                w.surge = sum(1 for s in comp if s["begntime"].date() in surge) * 2 > len(comp)
                waves.append(w)
    return waves, keys_of, tels_of, addrs_of


def _profile(s: dict[str, Any], on: date) -> bool:
    age = _age(s.get("brdy"), on)
    flags = _flags(s.get("flags"))
    return (age is not None and age >= 60) or bool(flags & {"poverty", "medical_aid"})


def recruitable(stays: list[dict[str, Any]], on: date) -> bool:
    """The people recruiters fill beds with: elderly (median age 50 or more) or mostly
    poor and medical-aid patients. An employer's staff on a health check are neither."""
    ages = [a for a in (_age(s.get("brdy"), on) for s in stays) if a is not None]
    poor = sum(1 for s in stays if _flags(s.get("flags")) & {"poverty", "medical_aid"})
    return (bool(ages) and statistics.median(ages) >= 50) or 2 * poor >= len(stays)


def _pattern(w: Wave, cfg: InpatientConfig) -> tuple[str, float, bool]:
    """A wave's leading diagnosis, median stay length (-1 unknown) and profile."""
    dx = Counter((s["dise"] or "")[:3] for s in w.stays).most_common(1)[0][0]
    los = [x for x in (_los(s) for s in w.stays) if x is not None]
    med = statistics.median(los) if los else -1.0
    return dx, med, recruitable(w.stays, w.day)


def same_scheme(
    a: Wave,
    b: Wave,
    cfg: InpatientConfig,
    patterns: dict[int, tuple[str, float, bool]] | None = None,
) -> bool:
    """Two waves at one institution run by one scheme: short stays of the same templated
    length, of the people recruiters fill beds with, and the same leading diagnosis or
    both on surge days. An employer's one-off health check is neither. ``patterns``
    holds :func:`_pattern` by wave index when the caller has them."""
    pat = patterns if patterns is not None else {}
    (dxa, la, pa) = pat[a.idx] if a.idx in pat else _pattern(a, cfg)
    (dxb, lb, pb) = pat[b.idx] if b.idx in pat else _pattern(b, cfg)
    if la < 0 or lb < 0 or max(la, lb) > cfg.short_stay_days or abs(la - lb) > 1.5:
        return False
    return pa and pb and (dxa == dxb or (a.surge and b.surge))


def join_waves(
    waves: list[Wave],
    keys_of: dict[str, set[str]],
    tels_of: dict[str, set[str]],
    addrs_of: dict[str, set[str]],
    cfg: InpatientConfig,
) -> list[list[Wave]]:
    """Waves of one ring: at one institution a shared person, a phone or village that
    several of one wave hold, or the same scheme; across institutions two shared
    persons, or a phone or village that several of each wave hold."""
    dsu = _DSU(len(waves))
    # tag -> the waves holding it, with how many of the wave's persons or homes hold it
    holders: dict[str, list[tuple[Wave, int]]] = defaultdict(list)
    for w in waves:
        homes: dict[str, set[str]] = defaultdict(set)
        for p in sorted(w.persons):
            holders[f"p:{p}"].append((w, 1))
            for k in keys_of[p]:
                homes[f"k:{k}"] |= addrs_of[p] or {p}
            for t in tels_of[p]:
                homes[f"t:{t}"].add(p)
        for tag, hs in homes.items():
            holders[tag].append((w, len(hs)))
    # at one institution a shared person joins two waves, and so does a phone or a
    # village held by two homes of one of them (a recruiter's phone on several records,
    # a village sending several; one household's phone or one neighbour is chance);
    # across institutions (a ring using two hospitals) two persons in common, or a phone
    # or a village that two homes of each wave hold
    bridge: Counter[tuple[int, int]] = Counter()
    for tag, ws_t in holders.items():
        for i, (a, na) in enumerate(ws_t):
            for b, nb in ws_t[i + 1 :]:
                if a.idx == b.idx:
                    continue
                same = a.inst == b.inst
                if tag.startswith("p:"):
                    if same:
                        dsu.union(a.idx, b.idx)
                    else:
                        bridge[(min(a.idx, b.idx), max(a.idx, b.idx))] += 1
                elif (same and max(na, nb) >= 2) or min(na, nb) >= 2:
                    dsu.union(a.idx, b.idx)
    for (x, y), n in bridge.items():
        if n >= 2:
            dsu.union(x, y)
    by_inst: dict[str, list[Wave]] = defaultdict(list)
    for w in waves:
        by_inst[w.inst].append(w)
    patterns = {w.idx: _pattern(w, cfg) for w in waves}
    for ws in by_inst.values():
        for i, a in enumerate(ws):
            for b in ws[i + 1 :]:
                if same_scheme(a, b, cfg, patterns):
                    dsu.union(a.idx, b.idx)
    groups: dict[int, list[Wave]] = defaultdict(list)
    for w in waves:
        groups[dsu.find(w.idx)].append(w)
    return sorted(groups.values(), key=lambda g: min(w.idx for w in g))


def _shared_origin(persons: set[str], keys_of: dict[str, set[str]], tels_of: dict) -> float:
    c: Counter[str] = Counter()
    for p in persons:
        c.update(f"k:{k}" for k in keys_of[p])
        c.update(f"t:{t}" for t in tels_of[p])
    shared = {tag for tag, n in c.items() if n >= 2}
    hit = sum(
        1
        for p in persons
        if {f"k:{k}" for k in keys_of[p]} & shared or {f"t:{t}" for t in tels_of[p]} & shared
    )
    return hit / len(persons) if persons else 0.0


def detect(
    gw: Gateway,
    cfg: InpatientConfig,
    *,
    method: Method = DEFAULT_METHOD,
    timer: Timer | None = None,
) -> InpatientResult:
    del method  # waves are joined by their ties, not by modularity
    tm = timer or Timer()
    with tm.stage("queries"):
        stays = gw.read("detect_inpatient_stays")
    with tm.stage("projection"):
        proj = Projection("admission_waves")
        waves, keys_of, tels_of, addrs_of = find_waves(stays, cfg, proj)
        rings = join_waves(waves, keys_of, tels_of, addrs_of, cfg)
    with tm.stage("scoring"):
        by_inst_day: Counter[tuple[str, date]] = Counter()
        stays_of: dict[tuple[str, str], int] = Counter()
        for s in stays:
            by_inst_day[(s["inst"], s["begntime"].date())] += 1
            stays_of[(s["psn_no"], s["inst"])] += 1
        drafts: list[LeadDraft] = []
        for ci, ring in enumerate(rings):
            d = _draft(gw, ring, keys_of, tels_of, by_inst_day, stays_of, cfg, ci)
            if d is not None:
                drafts.append(d)
        drafts.sort(key=lambda d: (-d.score, d.anchor()))
    return InpatientResult(drafts, len(stays), proj, len(rings), 0.0, len(waves))


def _draft(
    gw: Gateway,
    ring: list[Wave],
    keys_of: dict[str, set[str]],
    tels_of: dict[str, set[str]],
    by_inst_day: Counter[tuple[str, date]],
    stays_of: dict[tuple[str, str], int],
    cfg: InpatientConfig,
    community: int,
) -> LeadDraft | None:
    persons = set().union(*(w.persons for w in ring))
    # residents of a care home come one at a time over months and meet in a wave only
    # by chance; recruits come in waves
    insts = {w.inst for w in ring}
    in_wave = sum(len(w.stays) for w in ring)
    at_all = sum(stays_of.get((p, i), 0) for p in persons for i in insts)
    if at_all and in_wave / at_all < cfg.min_wave_share:
        return None
    origin = _shared_origin(persons, keys_of, tels_of)
    biggest = max(len(w.persons) for w in ring)
    if len(ring) < cfg.min_waves and not (biggest >= cfg.big_wave and origin >= 0.5):
        return None
    if len(persons) < cfg.min_members:
        return None
    in_waves = [s for w in ring for s in w.stays]
    ref = max(s["begntime"] for s in in_waves).date()
    los = [x for x in (_los(s) for s in in_waves) if x is not None]
    short = sum(1 for x in los if x <= cfg.short_stay_days) / len(los) if los else 0.0
    dises = Counter((s["dise"] or "")[:3] for s in in_waves)
    same_dx = sum(n for _, n in dises.most_common(2)) / len(in_waves)
    first_stay: dict[str, dict[str, Any]] = {}
    for s in in_waves:
        first_stay.setdefault(s["psn_no"], s)
    prof = sum(1 for s in first_stay.values() if _profile(s, ref)) / len(persons)
    inst_count = Counter(s["inst"] for s in in_waves)
    inst = inst_count.most_common(1)[0][0]
    inst_admdvs = next((s["inst_admdvs"] for s in in_waves if s["inst"] == inst), "") or ""
    homes = {p: (s["home"] or "") for p, s in first_stay.items()}
    far = sum(1 for h in homes.values() if h[:4] != inst_admdvs[:4]) / len(persons)
    wave_days = {(s["inst"], s["begntime"].date()) for s in in_waves}
    all_on_days = sum(by_inst_day[k] for k in wave_days)
    share = len(in_waves) / all_on_days if all_on_days else 0.0
    sim = 0
    for w in ring:
        t0 = sorted(s["begntime"] for s in w.stays)[len(w.stays) // 2]
        sim += sum(
            1
            for s in w.stays
            if abs((s["begntime"] - t0).total_seconds()) <= cfg.simultaneous_hours * 3600
        )
    simultaneous = sim / len(in_waves)
    mean_size = sum(len(w.persons) for w in ring) / len(ring)
    factors = {
        "waves": clip((len(ring) - 1) / 3),
        "wave_size": clip((mean_size - 2) / 8),
        "simultaneous": simultaneous,
        "short_stays": short,
        "same_diagnosis": same_dx,
        "shared_origin": origin,
        "profile": prof,
        "institution_share": clip(share / 0.5),
        "far_from_home": far,
    }
    w_ = cfg.weights
    score = sum(w_[k] * v for k, v in factors.items())
    if score < cfg.min_score:
        return None
    members = sorted(persons)
    holders = gw.read("detect_phone_holders", {"psn": members, "min_shared": 2})
    # a phone on several members' records held by exactly one outsider names that
    # outsider as the likely recruiter; a phone that a whole household holds names no
    # one (it stays in the evidence for the investigator to resolve)
    by_tel: dict[str, set[str]] = defaultdict(set)
    for h in holders:
        by_tel[h["tel"]].add(h["psn_no"])
    recruiters = sorted({next(iter(ps)) for ps in by_tel.values() if len(ps) == 1})
    ordered = sorted(ring, key=lambda w: (w.day, w.inst))
    texts = {
        "waves": f"{len(persons)} 人分 {len(ring)} 批次集中入住 "
        + "、".join(f"{w.day:%Y-%m-%d}({len(w.persons)}人)" for w in ordered[:12]),
        "wave_size": f"每批平均 {mean_size:.1f} 人",
        "simultaneous": f"{round(100 * simultaneous)}% 的入院与同批其他人相隔不超过 "
        f"{cfg.simultaneous_hours:g} 小时",
        "short_stays": f"{round(100 * short)}% 的住院不超过 {cfg.short_stay_days:g} 天",
        "same_diagnosis": f"{round(100 * same_dx)}% 的住院诊断集中于 "
        + "、".join(k for k, _ in dises.most_common(2)),
        "shared_origin": f"{round(100 * origin)}% 的成员与其他成员同村/同址或共用电话",
        "profile": f"{round(100 * prof)}% 的成员为 60 岁以上或困难/医疗救助人员",
        "institution_share": f"批次入院日该机构 {round(100 * share)}% 的入院来自本群体",
        "far_from_home": f"{round(100 * far)}% 的成员参保地不在该机构所在城市",
    }
    rounded = {k: (len(ring) if k == "waves" else round(v, 2)) for k, v in factors.items()}
    rounded["wave_size"] = round(mean_size, 1)
    reasons = [Reason(factor=k, value=rounded[k], weight=w_[k], text=texts[k]) for k in factors]
    if recruiters:
        reasons.append(
            Reason(
                factor="shared_recruiter_phone",
                value=len(recruiters),
                weight=0.0,
                text="非住院人员的电话登记在多名成员名下(疑似组织者): " + "、".join(recruiters),
            )
        )
    lead_members = [Member(kind="person", id=p, role="recruited_patient") for p in members]
    lead_members += [
        Member(kind="institution", id=i, role="institution") for i, _ in inst_count.most_common()
    ]
    lead_members += [Member(kind="person", id=r, role="recruiter") for r in recruiters]
    evidence = []
    for i, wv in enumerate(ordered, 1):
        for s in sorted(wv.stays, key=lambda s: (s["begntime"], s["setl_id"])):
            end = s.get("endtime")
            evidence.append(
                f"settlement:{s['setl_id']} wave {i} {s['psn_no']} at {s['inst']} admitted "
                f"{s['begntime']:%Y-%m-%d %H:%M} discharged "
                f"{end:%Y-%m-%d} dx {s['dise']} dr {s['dr']}"
                if isinstance(end, datetime)
                else f"settlement:{s['setl_id']} wave {i} {s['psn_no']} at {s['inst']}"
            )
    for h in holders:
        evidence.append(
            f"link:{h['psn_no']} phone {h['tel']} on records of {', '.join(h['shared'])}"
        )
    first, last = span(s["begntime"] for s in in_waves)
    amount = sum(float(s["fund"] or 0) for s in in_waves)
    regions = sorted(
        {inst_admdvs, *(s["inst_admdvs"] or "" for s in in_waves), *homes.values()} - {""}
    )
    return LeadDraft(
        typology="inpatient_recruitment",
        score=clip(score),
        members=lead_members,
        reasons=reasons,
        evidence=evidence[: cfg.max_evidence],
        amount_at_risk=amount,
        first_seen=first,
        last_seen=last,
        region=inst_admdvs or None,
        regions=regions,
        community=community,
    )
