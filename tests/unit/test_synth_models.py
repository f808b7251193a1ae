"""The generator's further supervision models (card pooling, spatiotemporal, deceased claims,
split admission) and every look-alike, checked on the written files, not on the truth's
word: each injected pattern must be visible in the CSVs as its ring's params say, each
look-alike must keep its benign property, and the background must not produce either by
accident."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from fraudrings.synth import generate
from fraudrings.synth.generator import scale
from fraudrings.synth.variation import SPACE
from tests.unit.test_synth import Drop

PERSONS = 3000
SEED = 5
START = dt.date(2025, 1, 1)
DAYS = 365
NEW = ("card_pooling", "spatiotemporal", "deceased_claims", "split_admission")
PREFIX = {"card_pooling": "cp", "spatiotemporal": "st", "deceased_claims": "dc"}
PREFIX["split_admission"] = "sa"
ROLES = {
    "card_pooling": {("institution", "pooling_outlet"), ("person", "card_lender")},
    "spatiotemporal": {("person", "card_holder"), ("institution", "institution")},
    "deceased_claims": {("person", "deceased_insured"), ("institution", "institution")},
    "split_admission": {("person", "patient"), ("institution", "institution")},
}
PATTERNS = {
    "prescription_buyer": {"chronic_refills", "long_prescription", "carer_proxy", "moved_house"},
    "recycled_drug": {"return_resale", "chain_transfer", "duplicate_code_print"},
    "inpatient_recruitment": {"family_admission", "care_home", "welfare_home", "employer_group"},
    "card_pooling": {
        "busy_pharmacy",
        "hospital_side_pharmacy",
        "online_platform_orders",
        "care_home_purchase",
        "family_cards",
        "member_day",
    },
    "spatiotemporal": {
        "online_platform",
        "stay_settled_later",
        "remote_registered",
        "wrong_coordinates",
    },
    "deceased_claims": {"admitted_before_death", "emergency_before_death"},
    "split_admission": {"single_readmission", "chemo_cycles", "dialysis", "transfer_up"},
}


def ts(v: str) -> float:
    return dt.datetime.fromisoformat(v).timestamp()


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 12742.0 * math.asin(math.sqrt(h))


def fastest(d: float) -> float:
    """Hours of the fastest door-to-door journey: car at 120 km/h in a straight line,
    high-speed train at 300 km/h, plane at 800 km/h, each with the least time at the ends."""
    best = 0.25 + d / 120
    if d >= 150:
        best = min(best, 1 + d / 300)
    if d >= 500:
        best = min(best, 2.5 + d / 800)
    return best


class World:
    """The clean rows of a drop, indexed the ways the checks need."""

    def __init__(self, d: Drop) -> None:
        self.truth = d.truth
        self.rings = [r for r in d.truth["rings"] if r["typology"] in NEW]
        self.looks = d.truth["lookalikes"]
        self.persons = {r["psn_no"]: r for r in d.clean("persons")}
        self.insts = {r["fixmedins_code"]: r for r in d.clean("institutions")}
        self.pos = {k: (float(r["lat"]), float(r["lon"])) for k, r in self.insts.items()}
        self.setl = [r for r in d.clean("settlements") if r["refd_setl_flag"] != "1"]
        self.refunds = [r for r in d.clean("settlements") if r["refd_setl_flag"] == "1"]
        self.row_of = {r["setl_id"]: i for i, r in enumerate(d.rows["settlements"])}
        self.by_psn: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in self.setl:
            self.by_psn[r["psn_no"]].append(r)
        for lst in self.by_psn.values():
            lst.sort(key=lambda r: r["begntime"])
        self.fee: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in d.clean("fee_details"):
            self.fee[r["setl_id"]].append(r)
        self.trace = d.clean("trace_events")

    def online(self, code: str) -> bool:
        return self.insts[code]["online"] == "1"

    def km(self, a: str, b: str) -> float:
        return haversine(self.pos[a], self.pos[b])

    def rings_of(self, typ: str) -> list[dict[str, Any]]:
        return [r for r in self.rings if r["typology"] == typ]

    def looks_of(self, pattern: str) -> list[str]:
        return [m["id"] for e in self.looks if e["pattern"] == pattern for m in e["members"]]

    def entries(self, pattern: str) -> list[dict[str, Any]]:
        return [e for e in self.looks if e["pattern"] == pattern]


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("models") / "drop"
    truth = generate(root, PERSONS, SEED, start=START, days=DAYS)
    return World(Drop(root, truth))


def member(ring: dict[str, Any], role: str) -> list[str]:
    return [m["id"] for m in ring["members"] if m["role"] == role]


def test_truth_format_and_members_exist(w: World) -> None:
    n = scale(PERSONS)
    for typ in NEW:
        rings = w.rings_of(typ)
        assert 1 <= len(rings) <= n, typ
        for k, r in enumerate(rings):
            assert r["ring_id"] == f"{PREFIX[typ]}-{k + 1:04d}"
            assert "strength" not in r
            assert set(r["params"]) == set(SPACE[typ])
            assert {(m["kind"], m["role"]) for m in r["members"]} == ROLES[typ], r["ring_id"]
            for m in r["members"]:
                table = w.persons if m["kind"] == "person" else w.insts
                assert m["id"] in table, (r["ring_id"], m)
    for typ, patterns in PATTERNS.items():
        got = {e["pattern"] for e in w.looks if e["typology"] == typ}
        assert got == patterns, typ
    for e in w.looks:
        for m in e["members"]:
            if m["kind"] in ("person", "institution"):
                assert m["id"] in (w.persons if m["kind"] == "person" else w.insts), e
    ring_people = {m["id"] for r in w.truth["rings"] for m in r["members"] if m["kind"] == "person"}
    look_people = {m["id"] for e in w.looks for m in e["members"] if m["kind"] == "person"}
    assert not ring_people & look_people


def _pooled(w: World, r: dict[str, Any]) -> list[dict[str, str]]:
    outlets = set(member(r, "pooling_outlet"))
    lenders = set(member(r, "card_lender"))
    return [s for s in w.setl if s["fixmedins_code"] in outlets and s["psn_no"] in lenders]


def test_card_pooling_follows_its_params(w: World) -> None:
    for r in w.rings_of("card_pooling"):
        P = r["params"]
        outlets = member(r, "pooling_outlet")
        assert 1 <= len(outlets) <= P["outlets"]
        for o in outlets:
            assert w.insts[o]["fixmedins_type"] == "2" and not w.online(o)
        lenders = set(member(r, "card_lender"))
        assert 2 <= len(lenders) <= P["cards"]
        at = _pooled(w, r)
        # the lenders never come to the outlets other than with the collector
        assert len(at) == r["settlements"]
        assert {s["psn_no"] for s in at} == lenders
        assert len(at) <= P["cards"] * P["uses_per_card"]
        physical = [s for s in at if s["mdtrt_cert_type"] != "01"]
        assert {s["terminal_id"] for s in physical} <= set(r["terminals"])
        region = w.insts[outlets[0]]["admdvs"]
        away = sum(w.persons[p]["insu_admdvs"] != region for p in lenders)
        n_far = round(P["cards"] * P["out_of_town_share"])
        assert away >= min(n_far, len(lenders)) - 1
        # sessions: the burst share of the uses come in groups, minutes apart
        for start in r["sessions"]:
            t0 = ts(start)
            burst = [s for s in at if t0 <= ts(s["setl_time"]) <= t0 + P["burst_size"] * 12 * 60]
            assert burst, start


def test_card_pooling_rows_are_scattered_through_the_file(w: World) -> None:
    for r in w.rings_of("card_pooling"):
        lenders = set(member(r, "card_lender"))
        rows = sorted(w.row_of[s["setl_id"]] for s in w.setl if s["psn_no"] in lenders)
        blocks = 1 + sum(b - a > 1 for a, b in itertools.pairwise(rows))
        assert blocks >= 0.8 * len(lenders)  # about a block of rows per person, not per ring
        secs = {s["setl_time"][-2:] for s in w.setl if s["psn_no"] in lenders}
        assert len(secs) > 5  # no round times


def _max_window(rows: list[dict[str, str]], span: float) -> list[dict[str, str]]:
    rows = sorted(rows, key=lambda s: s["setl_time"])
    times = [ts(s["setl_time"]) for s in rows]
    best: list[dict[str, str]] = []
    j = 0
    for i in range(len(rows)):
        while times[i] - times[j] > span:
            j += 1
        if i + 1 - j > len(best):
            best = rows[j : i + 1]
    return best


def test_no_terminal_bursts_outside_rings_and_lookalikes(w: World) -> None:
    pooled = {
        (s["fixmedins_code"], s["psn_no"])
        for r in w.rings_of("card_pooling")
        for s in _pooled(w, r)
    }
    look_insts = {
        m["id"]
        for e in w.looks
        if e["typology"] == "card_pooling"
        for m in e["members"]
        if m["kind"] == "institution"
    }
    look_people = {m["id"] for e in w.looks if e["pattern"] == "family_cards" for m in e["members"]}
    by_term: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in w.setl:
        pharmacy = w.insts[s["fixmedins_code"]]["fixmedins_type"] == "2"
        if (
            pharmacy
            and s["terminal_id"]
            and (s["fixmedins_code"], s["psn_no"]) not in pooled
            and s["fixmedins_code"] not in look_insts
            and s["psn_no"] not in look_people
        ):
            by_term[s["terminal_id"]].append(s)
    assert by_term
    worst = max(len({s["psn_no"] for s in _max_window(v, 40 * 60)}) for v in by_term.values())
    assert worst < 6


def test_busy_pharmacy_rush_is_spread_and_regular(w: World) -> None:
    pharm = [s for s in w.setl if s["med_type"] == "41" and not w.online(s["fixmedins_code"])]
    rush = sum("07:30:00" <= s["begntime"][11:] < "09:30:00" for s in pharm)
    assert rush / len(pharm) > 0.15  # 2 of the 13.5 opening hours
    for code in w.looks_of("busy_pharmacy"):
        at = [s for s in w.setl if s["fixmedins_code"] == code]
        visits = Counter(s["psn_no"] for s in at)
        peak = _max_window(at, 40 * 60)
        assert len(peak) >= 3
        assert len({s["terminal_id"] for s in peak}) >= 2
        baskets = {tuple(sorted(f["med_list_codg"] for f in w.fee[s["setl_id"]])) for s in peak}
        assert len(baskets) >= len(peak) / 2
        regular = sum(visits[s["psn_no"]] >= 2 for s in peak)
        assert regular >= len(peak) / 2


def test_hospital_side_pharmacy_lookalike(w: World) -> None:
    for e in w.entries("hospital_side_pharmacy"):
        shop = next(m["id"] for m in e["members"] if m["kind"] == "institution")
        people = [m["id"] for m in e["members"] if m["kind"] == "person"]
        assert len(people) >= 6
        at = [s for s in w.setl if s["fixmedins_code"] == shop and s["psn_no"] in people]
        assert at
        after_clinic = []
        for s in at:
            before = [
                x
                for x in w.by_psn[s["psn_no"]]
                if w.insts[x["fixmedins_code"]]["fixmedins_type"] == "1"
                and 0 < ts(s["begntime"]) - ts(x["setl_time"]) <= 3600
            ]
            if before:
                assert w.km(before[-1]["fixmedins_code"], shop) < 2
                after_clinic.append(s)
        # every patient came from the hospital across the street at least once
        assert {s["psn_no"] for s in after_clinic} == set(people)
        # waves of strangers, each with their own basket
        peak = _max_window(after_clinic, 45 * 60)
        assert len(peak) >= 4
        assert len({s["psn_no"] for s in peak}) == len(peak)


def test_member_day_lookalike(w: World) -> None:
    """A crowd every month on one morning, mostly the shop's own customers."""
    for e in w.entries("member_day"):
        shop = next(m["id"] for m in e["members"] if m["kind"] == "institution")
        people = {m["id"] for m in e["members"] if m["kind"] == "person"}
        at = [s for s in w.setl if s["fixmedins_code"] == shop and s["psn_no"] in people]
        mornings = Counter(s["setl_time"][:10] for s in at if "09" <= s["setl_time"][11:13] < "13")
        crowded = [d for d, n in mornings.items() if n >= 6]
        assert len(crowded) >= 6, "a member day every month"
        visits = Counter(s["psn_no"] for s in w.setl if s["fixmedins_code"] == shop)
        assert sum(visits[p] >= 2 for p in people) >= len(people) / 2


def test_online_platform_orders_lookalike(w: World) -> None:
    entries = w.entries("online_platform_orders")
    assert entries
    for e in entries:
        platform = e["members"][0]["id"]
        assert e["members"][0]["kind"] == "institution" and w.online(platform)
        people = {m["id"] for m in e["members"][1:]}
        orders = [s for s in w.setl if s["fixmedins_code"] == platform]
        assert {s["psn_no"] for s in orders} >= people
        assert len(orders) >= 100
        hours = Counter(int(s["setl_time"][11:13]) for s in orders)
        assert sum(hours[h] for h in (22, 23, 0, 1, 2, 3, 4, 5)) >= 0.1 * len(orders)
        assert Counter(s["mdtrt_cert_type"] for s in orders)["01"] == len(orders)
        gateway = Counter(s["terminal_id"] for s in orders).most_common(1)[0][1]
        assert gateway >= 0.75 * len(orders)


def test_care_home_purchase_and_family_cards(w: World) -> None:
    for e in w.entries("care_home_purchase"):
        shop = next(m["id"] for m in e["members"] if m["kind"] == "institution")
        people = [m["id"] for m in e["members"] if m["kind"] == "person"]
        assert len({w.persons[p]["addr"] for p in people}) == 1
        at = [s for s in w.setl if s["fixmedins_code"] == shop and s["psn_no"] in people]
        assert len({s["terminal_id"] for s in at}) == 1
        assert all("08:00:00" <= s["setl_time"][11:] <= "20:00:00" for s in at)
    for e in w.entries("family_cards"):
        people = [m["id"] for m in e["members"]]
        assert 3 <= len(people) <= 5
        assert len({w.persons[p]["addr"] for p in people}) == 1


def _impossible(w: World, rows: list[dict[str, str]]) -> list[tuple[str, str, float]]:
    """(from, to, km) of each move faster than the fastest journey over more than 50 km,
    against the presence that ends last (a stay until discharge; a visit until its
    settlement), by the written coordinates."""
    out = []
    cur: dict[str, str] | None = None
    cur_end = 0.0
    for s in rows:
        if w.online(s["fixmedins_code"]):
            continue
        if cur is not None:
            d = w.km(cur["fixmedins_code"], s["fixmedins_code"])
            hours = (ts(s["begntime"]) - cur_end) / 3600
            if d > 50 and hours < fastest(d):
                out.append((cur["fixmedins_code"], s["fixmedins_code"], d))
        end = ts(s["endtime"] if s["med_type"] == "21" else s["setl_time"])
        if end > cur_end:
            cur, cur_end = s, end
    return out


def test_spatiotemporal_rings_are_impossible_journeys(w: World) -> None:
    for r in w.rings_of("spatiotemporal"):
        P = r["params"]
        p = member(r, "card_holder")[0]
        insts = set(member(r, "institution"))
        assert not any(w.online(i) for i in insts)
        jumps = _impossible(w, w.by_psn[p])
        assert len(jumps) == len(r["episodes"]) == P["trips"], (r["ring_id"], jumps)
        for _, _, d in jumps:
            assert 0.4 * P["distance_km"] <= d <= 2.5 * P["distance_km"], (d, P)
        used = {s["fixmedins_code"] for s in w.by_psn[p]}
        assert insts <= used


def test_background_and_lookalikes_move_plausibly(w: World) -> None:
    # ring members may travel as their ring's plan says (a buyer touring outlets, a lender
    # swiped far away); everybody else moves plausibly, except where an institution's
    # wrong coordinates make it look otherwise
    ring_people = {m["id"] for r in w.truth["rings"] for m in r["members"]}
    misplaced = {
        e["members"][0]["id"]: {m["id"] for m in e["members"][1:]}
        for e in w.entries("wrong_coordinates")
    }
    assert misplaced
    bad: dict[str, Any] = {}
    for p, rows in w.by_psn.items():
        if p in ring_people:
            continue
        for a, b, d in _impossible(w, rows):
            x = a if a in misplaced else b
            if x not in misplaced or p not in misplaced[x]:
                bad[p] = (a, b, d)
    assert not bad
    # and every person listed for a misplaced institution does appear to jump through it
    for x, people in misplaced.items():
        assert people
        for p in people:
            assert any(x in (a, b) for a, b, _ in _impossible(w, w.by_psn[p])), p
    for e in w.entries("wrong_coordinates"):
        true = tuple(e["true_lat_lon"])
        assert haversine(true, w.pos[e["members"][0]["id"]]) >= 400
    travellers = w.looks_of("remote_registered")
    assert travellers
    for p in travellers:
        assert "remote_registered" in w.persons[p]["psn_flags"]
        assert len({w.insts[s["fixmedins_code"]]["admdvs"] for s in w.by_psn[p]}) >= 2


def test_online_platform_lookalike(w: World) -> None:
    people = w.looks_of("online_platform")
    assert people
    for p in people:
        rows = sorted(w.by_psn[p], key=lambda s: s["setl_time"])
        hits = 0
        for a, b in itertools.pairwise(rows):
            if w.online(b["fixmedins_code"]) and not w.online(a["fixmedins_code"]):
                gap = ts(b["setl_time"]) - ts(a["setl_time"])
                if gap <= 3 * 3600 and w.km(a["fixmedins_code"], b["fixmedins_code"]) >= 150:
                    hits += 1
        assert hits >= 1, p


def test_stay_settled_later_lookalike(w: World) -> None:
    people = w.looks_of("stay_settled_later")
    assert people
    for p in people:
        rows = w.by_psn[p]
        stays = [s for s in rows if s["med_type"] == "21"]
        assert len(stays) == 1
        st = stays[0]
        assert st["setl_time"] > st["endtime"]
        home = [s for s in rows if st["endtime"] < s["begntime"] < st["setl_time"]]
        assert home, p
        for s in home:  # settled at home before the stay was: a jump by settlement time...
            d = w.km(st["fixmedins_code"], s["fixmedins_code"])
            assert d >= 150
            # ...but the trip after discharge took a plausible time
            assert (ts(s["begntime"]) - ts(st["endtime"])) / 3600 >= d / 80
        during = [s for s in rows if st["begntime"] < s["begntime"] < st["endtime"]]
        assert during
        assert all(
            w.insts[s["fixmedins_code"]]["admdvs"] == w.insts[st["fixmedins_code"]]["admdvs"]
            for s in during
        )


def test_deceased_claims_follow_their_params(w: World) -> None:
    for r in w.rings_of("deceased_claims"):
        P = r["params"]
        p = member(r, "deceased_insured")[0]
        death = w.persons[p]["death_date"]
        assert death == r["death_date"]
        d0 = dt.date.fromisoformat(death)
        rows = w.by_psn[p]
        after = [s for s in rows if s["begntime"][:10] > death or s["endtime"][:10] > death]
        assert 1 <= len(after) == r["settlements_after_death"] <= P["claims"]
        assert {s["fixmedins_code"] for s in after} == set(member(r, "institution"))
        assert all(s["setl_time"][:10] > death for s in after)
        first = min(after, key=lambda s: s["begntime"])
        if P["kind"] == "stay_billed_past_death":
            assert first["med_type"] == "21" and first["begntime"][:10] <= death
            days = (dt.date.fromisoformat(first["endtime"][:10]) - d0).days
            assert days == min(round(P["days_after_death"]), 90)
        else:
            days = (dt.date.fromisoformat(first["begntime"][:10]) - d0).days
            assert days == round(P["days_after_death"])


def test_nobody_else_settles_after_death(w: World) -> None:
    ring = {member(r, "deceased_insured")[0] for r in w.rings_of("deceased_claims")}
    last_stays = set(w.looks_of("admitted_before_death"))
    emergency = set(w.looks_of("emergency_before_death"))
    assert last_stays and emergency
    dead = {p: r["death_date"] for p, r in w.persons.items() if r["death_date"]}
    for p, death in dead.items():
        if p in ring:
            continue
        for s in w.by_psn.get(p, []):
            assert s["begntime"][:10] <= death, (p, s)
            if s["setl_time"][:10] > death:
                assert p in last_stays | emergency, (p, s)
    for s in w.refunds:
        death = dead.get(s["psn_no"])
        assert death is None or s["psn_no"] in ring or s["setl_time"][:10] < death
    for p in last_stays:
        death = dead[p]
        stays = [s for s in w.by_psn[p] if s["med_type"] == "21"]
        assert len(stays) == 1
        s = stays[0]
        assert s["begntime"][:10] < death == s["endtime"][:10] <= s["setl_time"][:10]
    for p in emergency:
        er = [s for s in w.by_psn[p] if s["med_type"] == "13" and s["setl_time"][:10] > dead[p]]
        assert len(er) == 1 and er[0]["begntime"][:10] == dead[p]


def _readmissions(rows: list[dict[str, str]]) -> dict[tuple[str, str], list[float]]:
    """(institution, diagnosis) -> days from each discharge to the next admission there."""
    stays: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for s in rows:
        if s["med_type"] == "21":
            stays[(s["fixmedins_code"], s["dise_codg"])].append(s)
    out = {}
    for key, lst in stays.items():
        lst.sort(key=lambda s: s["begntime"])
        out[key] = [
            (ts(b["begntime"]) - ts(a["endtime"])) / 86400 for a, b in itertools.pairwise(lst)
        ]
    return out


def test_split_admission_follows_its_params(w: World) -> None:
    for r in w.rings_of("split_admission"):
        P = r["params"]
        patients = member(r, "patient")
        insts = set(member(r, "institution"))
        assert 1 <= len(patients) <= P["patients"]
        assert 1 <= len(insts) <= 2
        for p in patients:
            stays = sorted(
                (s for s in w.by_psn[p] if s["med_type"] == "21"), key=lambda s: s["begntime"]
            )
            mine = [a for a in r["admissions"] if a["psn_no"] == p]
            assert [s["begntime"] for s in stays] == [a["begin"] for a in mine]
            assert len(stays) % P["splits"] == 0 and len(stays) <= P["splits"] * P["episodes"]
            assert {s["fixmedins_code"] for s in stays} <= insts
            for k, (a, b) in enumerate(itertools.pairwise(stays)):
                gap = (ts(b["begntime"]) - ts(a["endtime"])) / 86400
                if (k + 1) % P["splits"]:  # within an episode
                    assert 0.6 * P["gap_days"] - 0.01 <= gap <= 1.4 * P["gap_days"] + 0.01
                else:  # between episodes
                    assert gap >= 20


def test_readmission_lookalikes_and_background(w: World) -> None:
    ring = {p for r in w.rings_of("split_admission") for p in member(r, "patient")}
    single = set(w.looks_of("single_readmission"))
    chemo = set(w.looks_of("chemo_cycles"))
    dialysis = set(w.looks_of("dialysis"))
    transfer = set(w.looks_of("transfer_up"))
    assert single and chemo and dialysis and transfer
    for p, rows in w.by_psn.items():
        if p in ring or p in dialysis:
            continue
        short = sum(g <= 5 for gaps in _readmissions(rows).values() for g in gaps)
        assert short <= (1 if p in single else 0), p
    for p in single:
        stays = [s for s in w.by_psn[p] if s["med_type"] == "21"]
        assert len(stays) == 2 and stays[0]["fixmedins_code"] == stays[1]["fixmedins_code"]
        assert 0 < ts(stays[1]["begntime"]) - ts(stays[0]["endtime"]) <= 5 * 86400
    for p in chemo:
        stays = [s for s in w.by_psn[p] if s["med_type"] == "21"]
        assert 4 <= len(stays) <= 6
        assert len({(s["fixmedins_code"], s["dise_codg"]) for s in stays}) == 1
        assert stays[0]["dise_codg"].startswith("C")
        for a, b in itertools.pairwise(stays):
            assert 16 <= (ts(b["begntime"]) - ts(a["begntime"])) / 86400 <= 26
            assert ts(b["begntime"]) - ts(a["endtime"]) > 5 * 86400
    for p in dialysis:
        sessions = [s for s in w.by_psn[p] if s["dise_codg"] == "N18.500"]
        assert len(sessions) >= 20
        assert len({s["fixmedins_code"] for s in sessions}) == 1
        assert all(s["begntime"][:10] == s["endtime"][:10] for s in sessions)
    for p in transfer:
        stays = [s for s in w.by_psn[p] if s["med_type"] == "21"]
        assert len(stays) == 2 and stays[0]["fixmedins_code"] != stays[1]["fixmedins_code"]
        lv = [int(w.insts[s["fixmedins_code"]]["hosp_lv"]) for s in stays]
        assert lv[0] < lv[1]


def test_recycled_lookalikes_sell_a_code_twice_legitimately(w: World) -> None:
    events: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in w.trace:
        events[r["drug_trac_codg"]].append(r)
    for e in w.entries("chain_transfer"):
        code = next(m["id"] for m in e["members"] if m["kind"] == "trace_code")
        kinds = [x["event_type"] for x in sorted(events[code], key=lambda x: x["event_time"])]
        assert "return" in kinds
        assert "transfer" in kinds[kinds.index("return") :]
    for e in w.entries("duplicate_code_print"):
        code = next(m["id"] for m in e["members"] if m["kind"] == "trace_code")
        buys = {x["to_code"] for x in events[code] if x["event_type"] == "purchase"}
        assert len(buys) == 2  # each outlet bought its own box in


def test_inpatient_lookalikes(w: World) -> None:
    for e in w.entries("welfare_home") + w.entries("care_home"):
        people = [m["id"] for m in e["members"]]
        assert len({w.persons[p]["addr"] for p in people}) == 1
        if e["pattern"] == "welfare_home":
            assert all("poverty" in w.persons[p]["psn_flags"] for p in people)
    for e in w.entries("employer_group"):
        people = [m["id"] for m in e["members"]]
        assert len(people) >= 5
        assert all(w.persons[p]["insutype"] == "310" for p in people)


def test_prescription_lookalikes(w: World) -> None:
    for p in w.looks_of("long_prescription"):
        refills = [s for s in w.by_psn[p] if s["med_type"] in ("11", "14") and w.fee[s["setl_id"]]]
        big = [
            f
            for s in refills
            for f in w.fee[s["setl_id"]]
            if f["prd_days"] and int(f["prd_days"]) >= 50
        ]
        assert big
    for e in w.entries("carer_proxy"):
        people = [m["id"] for m in e["members"]]
        assert len({w.persons[p]["addr"] for p in people}) == 1


def test_same_seed_same_rings_other_seed_other_rings(tmp_path: Path) -> None:
    def rings(seed: int, name: str) -> list[dict[str, Any]]:
        import json

        t = generate(tmp_path / name, 1200, seed, start=START, days=DAYS)
        truth = json.loads(t.read_text(encoding="utf-8"))
        return [r for r in truth["rings"] if r["typology"] in NEW]

    a, b, c = rings(3, "a"), rings(3, "b"), rings(4, "c")
    assert a == b and {r["typology"] for r in a} == set(NEW)
    assert (tmp_path / "a" / "settlements.csv").read_bytes() == (
        tmp_path / "b" / "settlements.csv"
    ).read_bytes()
    assert [r["members"] for r in a] != [r["members"] for r in c]
