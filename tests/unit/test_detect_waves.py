"""The admission-wave detector (inpatient recruitment), impossible travel's suspect places
and the buyers' ring rule, on seeded in-memory data with known answers (no database).

The hospital world: a busy public hospital (about 25 admissions a day, everyday
diagnoses, elderly patients), a small private hospital (about 1 a day), a recruiting
ring at the private hospital that brings new villagers in every wave (rotation: most
recruits admitted once), a care home whose residents are admitted one at a time over
months, and a family admitted together once.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from fraudrings.graph.detect import buyers, inpatient, models
from fraudrings.graph.detect.config import (
    BuyerConfig,
    InpatientConfig,
    PoolingConfig,
    SplitConfig,
    TravelConfig,
)

T0 = datetime(2025, 1, 1)
DX = ["I63", "J44", "I10", "E11", "K29", "M54", "J18", "I25", "N18", "C34"]


class FakeGateway:
    def __init__(self, stays: list[dict[str, Any]]) -> None:
        self.stays = stays

    def read(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if name == "detect_inpatient_stays":
            return sorted(self.stays, key=lambda s: (s["inst"], s["begntime"], s["setl_id"]))
        return []


def _stay(
    n: int, p: str, inst: str, t: datetime, days: float, dx: str, **person: Any
) -> dict[str, Any]:
    return {
        "setl_id": f"S{n:06d}",
        "psn_no": p,
        "inst": inst,
        "inst_admdvs": "370100",
        "begntime": t,
        "endtime": t + timedelta(days=days),
        "dise": dx,
        "dr": "D1",
        "fund": 1000.0,
        "home": person.get("home", "370100"),
        "brdy": person.get("brdy", date(1950, 1, 1)),
        "flags": person.get("flags", []),
        "tels": person.get("tels", []),
        "addrs": person.get("addrs", []),
    }


def hospital_world(seed: int, same_village: bool) -> tuple[list[dict[str, Any]], dict[str, set]]:
    rng = random.Random(seed)
    stays: list[dict[str, Any]] = []
    n = 0
    truth: dict[str, set[str]] = {"ring": set(), "care": set(), "family": set()}

    def add(p: str, inst: str, t: datetime, days: float, dx: str, **kw: Any) -> None:
        nonlocal n
        n += 1
        stays.append(_stay(n, p, inst, t, days, dx, **kw))

    # a busy public hospital: ~25 admissions a day for a year, everyday diagnoses
    for d in range(365):
        for _ in range(rng.randint(18, 32)):
            t = T0 + timedelta(days=d, hours=rng.uniform(7, 18))
            add(
                f"B{rng.randrange(60000)}",
                "H_BUSY",
                t,
                rng.randint(3, 14),
                rng.choices(DX, weights=[30, 10, 10, 8, 6, 6, 10, 8, 6, 6])[0],
                addrs=[f"济南市历下区{rng.randrange(400)}小区{rng.randrange(30)}号楼"],
                tels=[f"139{rng.randrange(10**8):08d}"],
                brdy=date(rng.randint(1935, 1990), 1, 1),
            )
    # a small private hospital's own patients, about one a day
    for d in range(365):
        if rng.random() < 0.9:
            t = T0 + timedelta(days=d, hours=rng.uniform(8, 17))
            add(f"Q{n}", "H_SMALL", t, rng.randint(3, 12), rng.choice(DX))
    # the ring: 6 waves of 7-12 new villagers each, a few come back once
    pool = [f"R{i}" for i in range(80)]
    back: list[str] = []
    for k in range(6):
        day = 20 + 55 * k
        size = rng.randint(7, 12)
        wave = [pool.pop() for _ in range(size - min(2, len(back)))] + back[:2]
        back = wave[:3]
        for p in wave:
            t = T0 + timedelta(days=day, hours=8 + rng.uniform(0, 1.5))
            village = f"山东省聊城市某县某镇{'王庄' if same_village else p}村{rng.randint(1, 90)}号"
            add(
                p,
                "H_SMALL",
                t,
                4 + rng.choice([0, 0, 1]),
                rng.choice(["M54", "I67"]),
                addrs=[village],
                tels=[f"138{rng.randrange(10**8):08d}"],
                home="371500",
                flags=["poverty"] if rng.random() < 0.5 else [],
            )
            truth["ring"].add(p)
    # a care home: 25 residents, each admitted 3 times, one at a time over the year
    for i in range(25):
        for _ in range(3):
            t = T0 + timedelta(days=rng.uniform(0, 360), hours=rng.uniform(8, 17))
            add(
                f"C{i}",
                "H_BUSY",
                t,
                rng.randint(5, 15),
                rng.choice(["J44", "I63", "J18"]),
                addrs=["济南市槐荫区幸福养老院1号"],
                tels=["053100000001"],
            )
            truth["care"].add(f"C{i}")
    # a family admitted together once after an accident
    for i in range(4):
        t = T0 + timedelta(days=100, hours=14 + 0.2 * i)
        add(
            f"F{i}",
            "H_BUSY",
            t,
            6,
            "S06",
            addrs=["济南市历城区某路7号"],
            tels=["13900000077"],
            brdy=date(1985, 1, 1),
        )
        truth["family"].add(f"F{i}")
    return stays, truth


def _leads(stays: list[dict[str, Any]]) -> list[set[str]]:
    res = inpatient.detect(FakeGateway(stays), InpatientConfig())  # type: ignore[arg-type]
    return [{m.id for m in d.members} for d in res.drafts]


def test_address_key_is_the_village_or_the_building() -> None:
    assert inpatient.address_key("山东省聊城市某县某镇王庄村12号") == "山东省聊城市某县某镇王庄村"
    assert inpatient.address_key("山东省聊城市某县王庄村三组5号") == "山东省聊城市某县王庄村"
    assert inpatient.address_key("济南市历下区阳光小区3号楼2单元401") == "济南市历下区阳光小区3号楼"
    assert inpatient.address_key("济南市历下区经十路１２号") == "济南市历下区经十路12号"
    # a road or a district alone is not where a recruiter finds people
    assert inpatient.address_key("济南市历下区经十路") == ""
    assert inpatient.address_key("") == ""


def test_poisson_tail_and_surge_days() -> None:
    assert inpatient.poisson_tail(0, 2.0) == 1.0
    assert abs(inpatient.poisson_tail(1, 2.0) - (1 - 0.1353352832)) < 1e-9
    rng = random.Random(1)
    stays = [
        {"begntime": T0 + timedelta(days=d, hours=9)}
        for d in range(300)
        for _ in range(rng.choice([0, 1, 1, 2]))
    ]
    stays += [{"begntime": T0 + timedelta(days=50, hours=8)} for _ in range(9)]
    assert inpatient.surge_days(stays, 0.001) == {(T0 + timedelta(days=50)).date()}


def test_rotating_recruits_found_lookalikes_left_alone() -> None:
    for seed in (1, 2, 3):
        for same_village in (True, False):
            stays, truth = hospital_world(seed, same_village)
            leads = _leads(stays)
            flat = set().union(*leads) if leads else set()
            ring = truth["ring"]
            best = max((len(ring & lead) for lead in leads), default=0)
            assert best >= 0.8 * len(ring), (seed, same_village, best, len(ring))
            assert "H_SMALL" in flat
            assert not flat & truth["care"], (seed, same_village)
            assert not flat & truth["family"], (seed, same_village)
            # at most a handful of the busy hospital's tens of thousands of patients
            busy = {m for m in flat if m.startswith("B")}
            assert len(busy) <= 3, (seed, same_village, len(busy))


def test_the_same_recruits_again_and_again_are_found() -> None:
    stays: list[dict[str, Any]] = []
    for k, day in enumerate((0, 35, 80)):
        for j, p in enumerate(("R1", "R2", "R3", "R4")):
            t = T0 + timedelta(days=day, hours=2 * j)
            stays.append(_stay(10 * k + j, p, "H1", t, 3, "M54", tels=["13900000099"]))
    leads = _leads(stays)
    assert leads == [{"R1", "R2", "R3", "R4", "H1"}]


def test_one_big_wave_from_one_village_alone_is_a_lead() -> None:
    stays = [
        _stay(
            i,
            f"V{i}",
            "H1",
            T0 + timedelta(hours=8 + 0.1 * i),
            4,
            "M54",
            addrs=[f"某镇李庄村{i}号"],
        )
        for i in range(9)
    ]
    assert _leads(stays) == [{*(f"V{i}" for i in range(9)), "H1"}]
    assert _leads(stays[:5]) == []  # a household-sized group once is not


def test_suspect_places_are_far_from_the_rest_of_their_city() -> None:
    cfg = TravelConfig()

    def place(code: str, admdvs: str, lat: float, lon: float) -> dict[str, Any]:
        return {"code": code, "admdvs": admdvs, "lat": lat, "lon": lon}

    jinan = [place(f"J{i}", "370102", 36.65 + 0.02 * i, 117.0 + 0.03 * i) for i in range(5)]
    # a Jinan pharmacy geocoded in Shanghai, and a real Shanghai hospital many rings use
    wrong = place("JX", "370103", 31.23, 121.47)
    shanghai = [place(f"S{i}", "310101", 31.2 + 0.01 * i, 121.4 + 0.02 * i) for i in range(3)]
    assert models.suspect_places([*jinan, wrong, *shanghai], cfg) == {"JX"}
    # two places of a city cannot tell which one is wrong
    assert models.suspect_places([jinan[0], wrong], cfg) == set()


def _cand(p: str, score: float, amount: float = 500.0) -> buyers.Candidate:
    c = buyers.Candidate(p, "D", "d", 1.4, 10, 100.0, 60, [])
    c.score, c.amount = score, amount
    return c


def test_weak_buyers_count_only_in_a_ring_of_two_households() -> None:
    cfg = BuyerConfig()
    by_person = {"A": [_cand("A", 0.3)], "B": [_cand("B", 0.3)], "C": [_cand("C", 0.6)]}
    proj = buyers.Projection("buyers")
    proj.add_nodes(["A", "B", "C"])
    proj.add("A", "B", 2.0)  # same-day pickups of two households
    assert buyers.ring_members(["A", "B"], by_person, proj, {}, cfg) == ["A", "B"]
    # the same two as one household (one address): neither is strong enough alone
    assert buyers.ring_members(["A", "B"], by_person, proj, {"A": "A", "B": "A"}, cfg) == []
    assert buyers.ring_members(["A"], by_person, proj, {}, cfg) == []
    assert buyers.ring_members(["C"], by_person, proj, {}, cfg) == ["C"]
    # a high score on a few yuan of excess is no lead of its own
    small = {"C": [_cand("C", 0.6, amount=cfg.min_amount / 2)]}
    assert buyers.ring_members(["C"], small, proj, {}, cfg) == []


def test_pooled_rows_cap_keeps_the_pooled_cards() -> None:
    t = T0
    burst = [
        {"psn_no": f"S{i}", "basket": ["X1"], "visits_here": 1, "time": t} for i in range(5)
    ] + [{"psn_no": f"N{i}", "basket": [f"Y{i}"], "visits_here": 9, "time": t} for i in range(5)]
    kept = models._pooled_rows([burst, burst], burst + burst, 5)
    assert {r["psn_no"] for r in kept} == {f"S{i}" for i in range(5)}
    assert models._pooled_rows([burst], burst, 50) == burst
    assert PoolingConfig().max_members >= 70  # the largest ring in the cases


def test_a_household_or_a_care_home_van_is_not_a_wave() -> None:
    addrs = {"a": {"村1号"}, "b": {"村1号"}, "c": {"村1号"}, "d": {"村2号"}}
    assert inpatient.one_roof({"a", "b", "c"}, addrs, 3)  # one family
    assert inpatient.one_roof({"a", "b", "c", "d"}, addrs, 3)  # three of four under one roof
    village = {p: {f"王庄村{i}号"} for i, p in enumerate("abcd")}
    assert not inpatient.one_roof({"a", "b", "c", "d"}, village, 3)
    assert not inpatient.one_roof({"x", "y", "z"}, {}, 3)  # unknown addresses: three homes


def test_los_coherence_tells_templated_stays() -> None:
    def st(days: float) -> dict[str, Any]:
        return {"begntime": T0, "endtime": T0 + timedelta(days=days)}

    assert inpatient.los_coherence([st(4), st(4.1), st(3.9), st(5)]) == 1.0
    assert inpatient.los_coherence([st(4), st(9), st(15), st(22)]) == 0.0  # median 12
    assert inpatient.los_coherence([st(4), st(9), st(9.5), st(22)]) == 0.5
    assert inpatient.los_coherence([{"begntime": T0, "endtime": None}]) == 1.0


def _pair(p: str, gap: float, dx_b: str = "I63", **kw: Any) -> dict[str, Any]:
    a0 = T0 + timedelta(days=kw.get("at", 0))
    los = kw.get("los", 5.0)
    b0 = a0 + timedelta(days=los + gap)
    return {
        "psn_no": p,
        "inst": "H1",
        "inst_b": kw.get("inst_b", "H1"),
        "lv_a": "2",
        "lv_b": kw.get("lv_b", "2"),
        "begn_a": a0,
        "end_a": a0 + timedelta(days=los),
        "begn_b": b0,
        "end_b": b0 + timedelta(days=los),
        "dise": "I63",
        "dise_b": dx_b,
        "gap": gap,
    }


def test_split_pairs_keep_splits_and_leave_look_alikes() -> None:
    cfg = SplitConfig()
    rows = [
        _pair("S", 1.0),  # same diagnosis, back the next day
        _pair("S", 2.0, "I69", at=20),  # a new label two days later: still a split
        _pair("N", 9.0, "J18"),  # a new illness nine days later
        _pair("U", 0.2, inst_b="H9", lv_b="3"),  # transferred up to a better hospital
        _pair("T", 0.3, inst_b="H2", lv_b="1"),  # sent to a sibling: counted
        _pair("D", 1.0, los=0.2),  # dialysis settled per session
    ]
    # chemotherapy: back every three weeks, at a steady interval
    rows += [_pair("C", 14.0 + k * 0.5, at=21 * k) for k in range(4)]
    kept = sorted((r["psn_no"], r["gap"]) for r in models.split_pairs(rows, cfg))
    assert kept == [("S", 1.0), ("S", 2.0), ("T", 0.3)]


def test_sessions_and_co_sessions_link_a_held_pool() -> None:
    cfg = PoolingConfig()

    def row(p: str, day: int, minute: float) -> dict[str, Any]:
        t = T0 + timedelta(days=day, hours=21, minutes=minute)
        return {"inst": "P1", "psn_no": p, "time": t, "setl_id": f"{p}{day}{minute}"}

    rows = [row(f"L{k}", d, 3 * k) for d in (0, 7) for k in range(4)]
    rows += [row("Q", 3, 0), row("R", 3, 40)]  # forty minutes apart: no session
    rows.sort(key=lambda r: r["time"])
    pairs, sess = models.co_sessions(rows, cfg)
    assert len(sess["P1"]) == 2
    assert all(len(days) == 2 for days in pairs.values())
    assert set(pairs) == {(f"L{i}", f"L{j}") for i in range(4) for j in range(i + 1, 4)}
