"""拉拢住院 / 共同住院: persons recruited to be admitted together, in waves.

Co-admission projection: two persons admitted to the same institution within
``window_hours`` of each other are linked, weighted by how often that repeats; pairs
seen together fewer than ``min_pair_repeats`` times are dropped (a family admitted
together once is not a ring), and shared phones or addresses between linked persons
add weight. Leiden communities on it are scored by repeated waves, short stays, similar
diagnoses, distance from home, age and poverty profile, and the institution's share of
admissions on wave days. The institution is a member of the lead, and so is a person
outside the group whose phone is on several members' records (the recruiter).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph.community import DEFAULT_METHOD, Method, Projection, leiden
from graph.detect.config import InpatientConfig
from graph.detect.timing import Timer
from graph.gateway import Gateway
from graph.leads import LeadDraft, Member, Reason, clip, span


@dataclass
class InpatientResult:
    drafts: list[LeadDraft]
    stays: int
    projection: Projection
    communities: int
    modularity: float


def co_admissions(stays: list[dict[str, Any]], window_hours: float) -> Counter[tuple[str, str]]:
    """Pair -> number of times the two were admitted to one institution within the window.

    ``stays`` must be ordered by institution, then admission time."""
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
    """Admission waves: runs of stays whose admissions are at most gap_days apart and
    that hold at least min_size distinct persons."""
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


def detect(
    gw: Gateway,
    cfg: InpatientConfig,
    *,
    method: Method = DEFAULT_METHOD,
    timer: Timer | None = None,
) -> InpatientResult:
    tm = timer or Timer()
    with tm.stage("queries"):
        stays = gw.read("detect_inpatient_stays")
    with tm.stage("projection"):
        pairs = co_admissions(stays, cfg.window_hours)
        proj = Projection("coadmission")
        for (a, b), n in sorted(pairs.items()):
            if n >= cfg.min_pair_repeats:
                proj.add(a, b, float(n))
        persons = sorted(proj.keys)
    with tm.stage("queries"):
        contacts = gw.read("detect_contacts", {"psn": persons}) if len(persons) > 1 else []
    with tm.stage("projection"):
        for r in contacts:
            proj.add(r["a"], r["b"], 1.0)
        g = proj.graph()
    with tm.stage("community"):
        part = leiden(g, method=method, resolution=cfg.resolution, seed=cfg.seed)
        groups = [grp for grp in part.groups(proj.keys) if len(grp) >= cfg.min_members]
    with tm.stage("scoring"):
        by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
        by_inst_day: Counter[tuple[str, date]] = Counter()
        for s in stays:
            by_person[s["psn_no"]].append(s)
            by_inst_day[(s["inst"], s["begntime"].date())] += 1
        drafts: list[LeadDraft] = []
        for ci, grp in enumerate(groups):
            d = _draft(gw, grp, by_person, by_inst_day, pairs, cfg, ci)
            if d is not None:
                drafts.append(d)
        drafts.sort(key=lambda d: (-d.score, d.anchor()))
    return InpatientResult(drafts, len(stays), proj, len(groups), part.modularity)


def _draft(
    gw: Gateway,
    group: list[str],
    by_person: dict[str, list[dict[str, Any]]],
    by_inst_day: Counter[tuple[str, date]],
    pairs: Counter[tuple[str, str]],
    cfg: InpatientConfig,
    community: int,
) -> LeadDraft | None:
    stays = [s for p in group for s in by_person[p]]
    inst, _ = Counter(s["inst"] for s in stays).most_common(1)[0]
    at = [s for s in stays if s["inst"] == inst]
    waves = waves_of(at, cfg.wave_gap_days, cfg.min_wave_size)
    if len(waves) < cfg.min_waves:
        return None
    in_waves = [s for w in waves for s in w]
    members = sorted({s["psn_no"] for s in in_waves})
    if len(members) < cfg.min_members:
        return None
    ref = max(s["begntime"] for s in in_waves).date()
    los = [
        max(0.0, (s["endtime"] - s["begntime"]).total_seconds() / 86400)
        for s in in_waves
        if isinstance(s.get("endtime"), datetime)
    ]
    short = sum(1 for x in los if x <= 6) / len(los) if los else 0.0
    dises = Counter((s["dise"] or "")[:3] for s in in_waves)
    same_dx = sum(n for _, n in dises.most_common(2)) / len(in_waves)
    inst_admdvs = at[0]["inst_admdvs"] or ""
    homes = {p: (by_person[p][0]["home"] or "") for p in members}
    far = sum(1 for h in homes.values() if h[:4] != inst_admdvs[:4]) / len(members)
    prof = 0
    for p in members:
        s0 = by_person[p][0]
        age = _age(s0["brdy"], ref)
        flags = s0["flags"] or ""
        if (age is not None and age >= 50) or "poverty" in flags or "medical_aid" in flags:
            prof += 1
    profile = prof / len(members)
    wave_days = {(inst, s["begntime"].date()) for s in in_waves}
    all_on_days = sum(by_inst_day[k] for k in wave_days)
    share = len(in_waves) / all_on_days if all_on_days else 0.0
    factors = {
        "waves": clip((len(waves) - 1) / 3),
        "short_stays": short,
        "same_diagnosis": same_dx,
        "far_from_home": far,
        "profile": profile,
        "institution_share": clip(share / 0.5),
    }
    w = cfg.weights
    score = sum(w[k] * v for k, v in factors.items())
    if score < cfg.min_score:
        return None
    holders = gw.read("detect_phone_holders", {"psn": members, "min_shared": 2})
    # a phone on several members' records held by exactly one outsider names that
    # outsider as the likely recruiter; a phone that a whole household holds names no
    # one (it stays in the evidence for the investigator to resolve)
    by_tel: dict[str, set[str]] = defaultdict(set)
    for h in holders:
        by_tel[h["tel"]].add(h["psn_no"])
    recruiters = sorted({next(iter(ps)) for ps in by_tel.values() if len(ps) == 1})
    reasons = [
        Reason(
            factor="waves",
            value=len(waves),
            weight=w["waves"],
            text=f"{len(members)} 人分 {len(waves)} 批次集中入住同一机构 "
            + "、".join(f"{x[0]['begntime']:%Y-%m-%d}" for x in waves),
        ),
        Reason(
            factor="short_stays",
            value=round(short, 2),
            weight=w["short_stays"],
            text=f"{round(100 * short)}% 的住院不超过 6 天",
        ),
        Reason(
            factor="same_diagnosis",
            value=round(same_dx, 2),
            weight=w["same_diagnosis"],
            text=f"{round(100 * same_dx)}% 的住院诊断集中于 "
            + "、".join(k for k, _ in dises.most_common(2)),
        ),
        Reason(
            factor="far_from_home",
            value=round(far, 2),
            weight=w["far_from_home"],
            text=f"{round(100 * far)}% 的成员参保地不在该机构所在城市",
        ),
        Reason(
            factor="profile",
            value=round(profile, 2),
            weight=w["profile"],
            text=f"{round(100 * profile)}% 的成员为 50 岁以上或困难/医疗救助人员",
        ),
        Reason(
            factor="institution_share",
            value=round(share, 2),
            weight=w["institution_share"],
            text=f"批次入院日该机构 {round(100 * share)}% 的入院来自本群体",
        ),
    ]
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
    lead_members.append(Member(kind="institution", id=inst, role="institution"))
    lead_members += [Member(kind="person", id=r, role="recruiter") for r in recruiters]
    evidence = []
    for i, wv in enumerate(waves, 1):
        for s in sorted(wv, key=lambda s: (s["begntime"], s["setl_id"])):
            end = s["endtime"]
            evidence.append(
                f"settlement:{s['setl_id']} wave {i} {s['psn_no']} admitted "
                f"{s['begntime']:%Y-%m-%d %H:%M} discharged "
                f"{end:%Y-%m-%d} dx {s['dise']} dr {s['dr']}"
                if isinstance(end, datetime)
                else f"settlement:{s['setl_id']} wave {i} {s['psn_no']}"
            )
    gs = set(members)
    for (a, b), n in sorted(pairs.items()):
        if a in gs and b in gs and n >= cfg.min_pair_repeats:
            evidence.append(f"link:{a}<->{b} co-admitted {n} times")
    for h in holders:
        evidence.append(
            f"link:{h['psn_no']} phone {h['tel']} on records of {', '.join(h['shared'])}"
        )
    first, last = span(s["begntime"] for s in in_waves)
    amount = sum(float(s["fund"] or 0) for s in in_waves)
    regions = sorted({inst_admdvs, *(h for h in homes.values() if h)} - {""})
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
