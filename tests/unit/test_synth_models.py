"""The generator's further supervision models (card pooling, spatiotemporal, deceased claims,
split admission) and their look-alikes, checked on the written files, not on the truth's
word: each injected pattern must be visible in the CSVs, each look-alike must keep its
benign property, and the background must not produce either by accident."""

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
    "card_pooling": {"busy_pharmacy"},
    "spatiotemporal": {"online_platform", "stay_settled_later", "remote_registered"},
    "deceased_claims": {"admitted_before_death"},
    "split_admission": {"single_readmission", "chemo_cycles"},
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

    def online(self, code: str) -> bool:
        return self.insts[code]["online"] == "1"

    def km(self, a: str, b: str) -> float:
        return haversine(self.pos[a], self.pos[b])

    def rings_of(self, typ: str) -> list[dict[str, Any]]:
        return [r for r in self.rings if r["typology"] == typ]

    def looks_of(self, pattern: str) -> list[str]:
        return [m["id"] for e in self.looks if e["pattern"] == pattern for m in e["members"]]


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
            assert 0.3 <= r["strength"] <= 1.0
            assert {(m["kind"], m["role"]) for m in r["members"]} == ROLES[typ], r["ring_id"]
            for m in r["members"]:
                table = w.persons if m["kind"] == "person" else w.insts
                assert m["id"] in table, (r["ring_id"], m)
        assert len({r["strength"] for r in rings}) > 1 or len(rings) == 1
    for typ, patterns in PATTERNS.items():
        got = {e["pattern"] for e in w.looks if e["typology"] == typ}
        assert got == patterns, typ
    for e in w.looks:
        if e["typology"] not in NEW:
            continue
        for m in e["members"]:
            assert m["id"] in (w.persons if m["kind"] == "person" else w.insts), e
    in_rings = {(m["kind"], m["id"]) for r in w.truth["rings"] for m in r["members"]}
    in_looks = {(m["kind"], m["id"]) for e in w.looks for m in e["members"]}
    assert not in_rings & in_looks


def test_card_pooling_bursts_share_a_terminal(w: World) -> None:
    odd = total = 0
    for r in w.rings_of("card_pooling"):
        outlet = member(r, "pooling_outlet")[0]
        assert w.insts[outlet]["fixmedins_type"] == "2" and not w.online(outlet)
        lenders = set(member(r, "card_lender"))
        assert len(lenders) >= 6
        at = [s for s in w.setl if s["fixmedins_code"] == outlet and s["psn_no"] in lenders]
        # the lenders never come to the outlet other than through the pooled terminal
        assert {s["terminal_id"] for s in at} == {r["terminal"]}
        assert {s["psn_no"] for s in at} == lenders
        seen = 0
        for start in r["bursts"]:
            t0 = ts(start)
            burst = [s for s in at if t0 <= ts(s["setl_time"]) <= t0 + 40 * 60]
            times = [ts(s["setl_time"]) for s in burst]
            assert 6 <= len({s["psn_no"] for s in burst}) == len(burst) <= 20, start
            assert 10 * 60 <= max(times) - min(times) <= 40 * 60
            baskets = Counter(
                tuple(sorted((f["med_list_codg"], f["cnt"]) for f in w.fee[s["setl_id"]]))
                for s in burst
            )
            assert baskets.most_common(1)[0][1] >= 0.5 * len(burst), baskets
            assert all({c for c, _ in b} <= set(r["drugs"]) for b in baskets)
            hour = int(start[11:13])
            odd += hour >= 19 or hour < 6
            total += 1
            seen += len(burst)
        assert seen == len(at)  # every pooled settlement belongs to a burst
        # the lenders are strangers there: mostly from other cities, and elderly
        region = w.insts[outlet]["admdvs"]
        away = sum(w.persons[p]["insu_admdvs"] != region for p in lenders)
        assert away >= len(lenders) / 2
        old = sum(int(w.persons[p]["brdy"][:4]) <= START.year - 45 for p in lenders)
        assert old == len(lenders)
        cert = Counter(s["mdtrt_cert_type"] for s in at)
        assert cert["03"] + cert["02"] > cert["01"]
    assert odd >= total / 3


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


def test_no_terminal_bursts_outside_the_rings(w: World) -> None:
    pooled = {
        (member(r, "pooling_outlet")[0], p)
        for r in w.rings_of("card_pooling")
        for p in member(r, "card_lender")
    }
    by_term: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in w.setl:
        pharmacy = w.insts[s["fixmedins_code"]]["fixmedins_type"] == "2"
        if pharmacy and s["terminal_id"] and (s["fixmedins_code"], s["psn_no"]) not in pooled:
            by_term[s["terminal_id"]].append(s)
    assert by_term
    worst = max(len({s["psn_no"] for s in _max_window(v, 40 * 60)}) for v in by_term.values())
    assert worst < 6


def test_busy_pharmacy_rush_is_spread_and_regular(w: World) -> None:
    pharm = [s for s in w.setl if s["med_type"] == "41" and not w.online(s["fixmedins_code"])]
    rush = sum("07:30:00" <= s["begntime"][11:] < "09:30:00" for s in pharm)
    assert rush / len(pharm) > 0.2  # 2 of the 13.5 opening hours
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


def _impossible(w: World, rows: list[dict[str, str]]) -> list[tuple[float, float]]:
    """(km, km/h) of each move faster than 100 km/h over more than 50 km, against the
    presence that ends last (a stay lasts until discharge; a visit until settlement)."""
    out = []
    cur: dict[str, str] | None = None
    cur_end = 0.0
    for s in rows:
        if w.online(s["fixmedins_code"]):
            continue
        if cur is not None:
            d = w.km(cur["fixmedins_code"], s["fixmedins_code"])
            hours = (ts(s["begntime"]) - cur_end) / 3600
            if d > 50 and (hours <= 0 or d / hours > 100):
                out.append((d, d / hours if hours > 0 else math.inf))
        end = ts(s["endtime"] if s["med_type"] == "21" else s["setl_time"])
        if end > cur_end:
            cur, cur_end = s, end
    return out


def test_spatiotemporal_rings_are_impossible_journeys(w: World) -> None:
    for r in w.rings_of("spatiotemporal"):
        p = member(r, "card_holder")[0]
        insts = set(member(r, "institution"))
        assert not any(w.online(i) for i in insts)
        jumps = _impossible(w, w.by_psn[p])
        assert 2 <= len(jumps) == len(r["episodes"]) <= 5, (r["ring_id"], jumps)
        assert all(d >= 150 and v >= 250 for d, v in jumps), jumps
        used = {s["fixmedins_code"] for s in w.by_psn[p]}
        assert insts <= used


def test_background_and_lookalikes_move_plausibly(w: World) -> None:
    # ring members of other typologies may travel as their ring's plan says (a buyer
    # touring hospitals); everybody else, look-alikes included, moves plausibly
    ring_people = {m["id"] for r in w.truth["rings"] for m in r["members"]}
    bad = {
        p: j for p, rows in w.by_psn.items() if p not in ring_people and (j := _impossible(w, rows))
    }
    assert not bad
    looks = {m["id"] for e in w.looks for m in e["members"] if m["kind"] == "person"}
    assert looks - ring_people
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


def test_deceased_claims_come_after_death(w: World) -> None:
    for r in w.rings_of("deceased_claims"):
        p = member(r, "deceased_insured")[0]
        death = w.persons[p]["death_date"]
        assert death == r["death_date"]
        after = [s for s in w.by_psn[p] if s["begntime"][:10] > death]
        assert len(after) == r["settlements_after_death"] >= 2
        assert {s["fixmedins_code"] for s in after} == set(member(r, "institution"))
        assert all(s["setl_time"][:10] > death for s in after)


def test_nobody_else_settles_after_death(w: World) -> None:
    ring = {member(r, "deceased_insured")[0] for r in w.rings_of("deceased_claims")}
    last_stays = set(w.looks_of("admitted_before_death"))
    assert last_stays
    dead = {p: r["death_date"] for p, r in w.persons.items() if r["death_date"]}
    for p, death in dead.items():
        if p in ring:
            continue
        for s in w.by_psn.get(p, []):
            assert s["begntime"][:10] <= death, (p, s)
            if s["setl_time"][:10] > death:
                assert p in last_stays and s["med_type"] == "21", (p, s)
    for s in w.refunds:
        death = dead.get(s["psn_no"])
        assert death is None or s["psn_no"] in ring or s["setl_time"][:10] < death
    for p in last_stays:
        death = dead[p]
        stays = [s for s in w.by_psn[p] if s["med_type"] == "21"]
        assert len(stays) == 1
        s = stays[0]
        assert s["begntime"][:10] < death == s["endtime"][:10] <= s["setl_time"][:10]


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


def test_split_admission_stays_are_days_apart(w: World) -> None:
    for r in w.rings_of("split_admission"):
        p = member(r, "patient")[0]
        h = member(r, "institution")[0]
        stays = sorted(
            (s for s in w.by_psn[p] if s["med_type"] == "21"), key=lambda s: s["begntime"]
        )
        assert [s["begntime"][:10] for s in stays] == r["admissions"]
        assert 3 <= len(stays) <= 6
        assert {(s["fixmedins_code"], s["dise_codg"]) for s in stays} == {(h, r["dise_codg"])}
        for a, b in itertools.pairwise(stays):
            assert 0 < ts(b["begntime"]) - ts(a["endtime"]) <= 5 * 86400


def test_readmission_lookalikes_and_background(w: World) -> None:
    ring = {member(r, "patient")[0] for r in w.rings_of("split_admission")}
    single = set(w.looks_of("single_readmission"))
    chemo = set(w.looks_of("chemo_cycles"))
    assert single and chemo
    for p, rows in w.by_psn.items():
        if p in ring:
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


def test_ring_rows_are_scattered_through_the_file(w: World) -> None:
    for r in w.rings_of("card_pooling"):
        lenders = set(member(r, "card_lender"))
        rows = sorted(w.row_of[s["setl_id"]] for s in w.setl if s["psn_no"] in lenders)
        blocks = 1 + sum(b - a > 1 for a, b in itertools.pairwise(rows))
        assert blocks >= 0.8 * len(lenders)  # about a block of rows per person, not per ring
        assert rows[-1] - rows[0] > len(w.setl) / 3
        secs = {s["setl_time"][-2:] for s in w.setl if s["psn_no"] in lenders}
        assert len(secs) > 5  # no round times


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
