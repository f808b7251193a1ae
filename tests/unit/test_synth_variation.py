"""The variation space: draws inside their ranges, pinned values honoured and recorded,
determinism for the same arguments, the sweep's binning and per-cell evaluation."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from fraudrings.graph.evaluate import (
    bin_index,
    bin_labels,
    cell_meets_targets,
    combine_cells,
    evaluate,
    evaluate_cells,
)
from fraudrings.synth import generate
from fraudrings.synth.__main__ import main as synth_main
from fraudrings.synth.variation import (
    CELLS,
    SPACE,
    TYPOLOGIES,
    Axis,
    Param,
    add_arguments,
    cell_of,
    check,
    draw,
    from_args,
    parse_fix,
)

START = dt.date(2025, 1, 1)


def test_space_is_declared_with_sources_and_cells() -> None:
    assert set(TYPOLOGIES) == {
        "prescription_buyer",
        "recycled_drug",
        "inpatient_recruitment",
        "card_pooling",
        "spatiotemporal",
        "deceased_claims",
        "split_admission",
    }
    for typ, params in SPACE.items():
        assert len(params) >= 5, typ
        for name, p in params.items():
            assert p.source, (typ, name)
            if p.kind == "choice":
                assert p.choices and (not p.weights or len(p.weights) == len(p.choices))
            else:
                assert p.lo < p.hi, (typ, name)
                if p.weights:
                    assert len(p.weights) == int(p.hi) - int(p.lo) + 1
        assert set(CELLS) == set(SPACE)
        for ax in CELLS[typ]:
            assert ax.param in params and SPACE[typ][ax.param].kind != "choice"
            assert list(ax.edges) == sorted(ax.edges)
            assert len(ax.labels()) == len(ax.edges) + 1
            if SPACE[typ][ax.param].kind == "int":
                assert ax.names  # integer bins are labelled by their values


def test_draws_stay_inside_their_ranges() -> None:
    for typ, params in SPACE.items():
        seen: dict[str, set[Any]] = defaultdict(set)
        for r in range(300):
            got = draw(typ, "k", r)
            assert set(got) == set(params)
            for name, v in got.items():
                p = params[name]
                if p.kind == "choice":
                    assert v in p.choices
                else:
                    assert p.lo <= float(v) <= p.hi, (typ, name, v)
                    if p.kind == "int":
                        assert isinstance(v, int)
                seen[name].add(v)
        for name, p in params.items():  # the whole range is used, not one corner
            if p.kind == "choice":
                assert seen[name] == set(p.choices), (typ, name)
            elif p.kind == "int":
                top = p.hi - (0.25 * (p.hi - p.lo) if p.log else 0)
                assert min(seen[name]) == p.lo and max(seen[name]) >= top, (typ, name)
            else:
                vals = [float(v) for v in seen[name]]
                span = p.hi - p.lo
                assert min(vals) < p.lo + 0.2 * span and max(vals) > p.hi - 0.3 * span


def test_draws_are_deterministic_and_independent_per_parameter() -> None:
    a = draw("inpatient_recruitment", "key", 3)
    assert a == draw("inpatient_recruitment", "key", 3)
    assert a != draw("inpatient_recruitment", "key", 4)
    assert a != draw("inpatient_recruitment", "other", 3)
    b = draw("inpatient_recruitment", "key", 3, {"wave_size": 40})
    assert b["wave_size"] == 40
    assert {k: v for k, v in b.items() if k != "wave_size"} == {
        k: v for k, v in a.items() if k != "wave_size"
    }


def test_int_param_weights_and_log_draws() -> None:
    p = Param(1, 5, "int", weights=(0.4, 0.2, 0.15, 0.15, 0.1))
    rng = random.Random(1)
    ones = sum(p.draw(rng) == 1 for _ in range(5000))
    assert 0.35 < ones / 5000 < 0.45
    q = Param(3, 40, "int", log=True)
    small = sum(int(q.draw(rng)) <= 10 for _ in range(5000))
    assert small / 5000 > 0.4  # log-uniform: as many draws in 3-10 as in 10-40


def test_check_rejects_unknown_and_out_of_range() -> None:
    assert check(None) == {}
    got = check({"inpatient_recruitment": {"wave_size": 12.0, "admissions_per_recruit": 1}})
    assert got == {"inpatient_recruitment": {"wave_size": 12, "admissions_per_recruit": 1.0}}
    assert isinstance(got["inpatient_recruitment"]["wave_size"], int)
    with pytest.raises(ValueError, match="unknown typology"):
        check({"nope": {"x": 1}})
    with pytest.raises(ValueError, match="unknown parameter"):
        check({"card_pooling": {"nope": 1}})
    with pytest.raises(ValueError, match="outside"):
        check({"card_pooling": {"cards": 500}})
    with pytest.raises(ValueError, match="whole number"):
        check({"card_pooling": {"cards": 5.5}})
    with pytest.raises(ValueError, match="not one of"):
        check({"spatiotemporal": {"scheme": "teleport"}})
    assert check({"spatiotemporal": {"scheme": "lent_card"}}) == {
        "spatiotemporal": {"scheme": "lent_card"}
    }


def test_parse_fix_and_command_line_options() -> None:
    got = parse_fix(["spatiotemporal.trips=1", "spatiotemporal.scheme=phantom_billing"])
    assert got == {"spatiotemporal": {"trips": 1.0, "scheme": "phantom_billing"}}
    for bad in ("trips=1", "spatiotemporal.trips", "spatiotemporal.trips=", ".x=1"):
        with pytest.raises(ValueError):
            parse_fix([bad])
    ap = argparse.ArgumentParser()
    add_arguments(ap)
    args = ap.parse_args(["--rings", "3", "--fix", "card_pooling.cards=20"])
    assert from_args(args) == {
        "variation": {"card_pooling": {"cards": 20}},
        "rings_per_typology": 3,
    }
    assert from_args(ap.parse_args([])) == {"variation": None, "rings_per_typology": None}
    with pytest.raises(ValueError):
        from_args(ap.parse_args(["--fix", "card_pooling.cards=1000"]))


def test_generate_rejects_bad_variation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        generate(tmp_path / "d", 300, 1, variation={"split_admission": {"gap_days": 99}})
    with pytest.raises(ValueError):
        generate(tmp_path / "d", 300, 1, rings_per_typology=-1)


PINS: dict[str, dict[str, Any]] = {
    "inpatient_recruitment": {"admissions_per_recruit": 1.0, "wave_size": 6, "waves": 3},
    "spatiotemporal": {"trips": 1, "scheme": "lent_card"},
    "card_pooling": {"cards": 8, "burst_share": 1.0},
    "split_admission": {"gap_days": 2.0, "splits": 3},
    "deceased_claims": {"kind": "pharmacy", "days_after_death": 10.0},
}


@pytest.fixture(scope="module")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("pinned") / "drop"
    truth = generate(root, 1500, 9, start=START, variation=PINS, rings_per_typology=3)
    return root, json.loads(truth.read_text(encoding="utf-8"))


def test_pinned_values_are_honoured_and_recorded(pinned: tuple[Path, dict[str, Any]]) -> None:
    _, truth = pinned
    by_typ: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in truth["rings"]:
        by_typ[r["typology"]].append(r)
    assert {t: len(v) for t, v in by_typ.items()} == {t: 3 for t in TYPOLOGIES}
    for typ, rings in by_typ.items():
        for r in rings:
            for name, v in PINS.get(typ, {}).items():
                assert r["params"][name] == v, (r["ring_id"], name)
        free = [n for n in SPACE[typ] if n not in PINS.get(typ, {})]
        # the parameters not pinned still vary from ring to ring
        assert any(len({str(r["params"][n]) for r in rings}) > 1 for n in free), typ


def _settlements(root: Path) -> list[dict[str, str]]:
    with open(root / "settlements.csv", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["refd_setl_flag"] != "1"]


def test_pinned_values_shape_the_data(pinned: tuple[Path, dict[str, Any]]) -> None:
    root, truth = pinned
    setl = _settlements(root)
    by_psn: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in setl:
        by_psn[s["psn_no"]].append(s)
    for r in truth["rings"]:
        if r["typology"] == "inpatient_recruitment":
            # rotation 1.0: every recruit admitted exactly once, a new group each wave
            hosps = {m["id"] for m in r["members"] if m["role"] == "institution"}
            people = [m["id"] for m in r["members"] if m["role"] == "recruited_patient"]
            wave_days = {w["day"] for w in r["waves"]}
            for p in people:
                stays = [
                    s
                    for s in by_psn[p]
                    if s["med_type"] == "21"
                    and s["fixmedins_code"] in hosps
                    and s["begntime"][:10] in wave_days
                ]
                assert len(stays) == 1, p
            assert len(people) == r["admissions"] == sum(w["admitted"] for w in r["waves"])
            assert len(r["waves"]) == 3 and all(w["admitted"] == 6 for w in r["waves"])
        elif r["typology"] == "spatiotemporal":
            assert len(r["episodes"]) == 1
        elif r["typology"] == "card_pooling":
            lenders = [m for m in r["members"] if m["role"] == "card_lender"]
            assert len(lenders) <= 8 and r["sessions"]
        elif r["typology"] == "split_admission":
            per: dict[str, int] = defaultdict(int)
            for a in r["admissions"]:
                per[a["psn_no"]] += 1
            assert all(n % 3 == 0 for n in per.values())
        elif r["typology"] == "deceased_claims":
            first = min(dt.date.fromisoformat(c[:10]) for c in r["claims"])
            assert (first - dt.date.fromisoformat(r["death_date"])).days == 10


def test_same_arguments_same_bytes_other_pins_other_drop(tmp_path: Path) -> None:
    kw: dict[str, Any] = {"start": START, "variation": PINS, "rings_per_typology": 2}
    a = generate(tmp_path / "a", 600, 4, **kw)
    b = generate(tmp_path / "b", 600, 4, **kw)
    for stem in ("settlements", "fee_details", "trace_events", "persons"):
        assert (tmp_path / "a" / f"{stem}.csv").read_bytes() == (
            tmp_path / "b" / f"{stem}.csv"
        ).read_bytes()
    assert a.read_bytes() == b.read_bytes()
    c = generate(tmp_path / "c", 600, 4, start=START, rings_per_typology=2)
    ta = json.loads(a.read_text(encoding="utf-8"))
    tc = json.loads(c.read_text(encoding="utf-8"))
    pa = {r["ring_id"]: r["params"] for r in ta["rings"]}
    pc = {r["ring_id"]: r["params"] for r in tc["rings"]}
    assert pa != pc
    # a parameter not pinned draws the same value with or without the pins
    for rid, p in pa.items():
        if rid in pc and rid.startswith("ir-"):
            assert p["village_share"] == pc[rid]["village_share"]


def test_rings_per_typology(tmp_path: Path) -> None:
    t = generate(tmp_path / "z", 400, 2, start=START, rings_per_typology=0)
    truth = json.loads(t.read_text(encoding="utf-8"))
    assert truth["rings"] == []
    assert truth["lookalikes"]  # background and look-alikes stay


def test_module_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert synth_main(["--space"]) == 0
    out = capsys.readouterr().out
    assert "admissions_per_recruit" in out and "cells:" in out
    code = synth_main(
        [
            "--out",
            str(tmp_path / "m"),
            "--persons",
            "300",
            "--rings",
            "1",
            "--fix",
            "spatiotemporal.trips=2",
        ]
    )
    assert code == 0
    truth = json.loads((tmp_path / "m.truth.json").read_text(encoding="utf-8"))
    st = [r for r in truth["rings"] if r["typology"] == "spatiotemporal"]
    assert len(st) == 1 and st[0]["params"]["trips"] == 2
    assert synth_main(["--out", str(tmp_path / "n"), "--fix", "x.y=1"]) == 2


NEW_LOOKALIKES = {
    ("prescription_buyer", "long_prescription"),
    ("prescription_buyer", "carer_proxy"),
    ("prescription_buyer", "moved_house"),
    ("recycled_drug", "chain_transfer"),
    ("recycled_drug", "duplicate_code_print"),
    ("inpatient_recruitment", "welfare_home"),
    ("inpatient_recruitment", "employer_group"),
    ("card_pooling", "hospital_side_pharmacy"),
    ("card_pooling", "online_platform_orders"),
    ("card_pooling", "care_home_purchase"),
    ("card_pooling", "family_cards"),
    ("card_pooling", "member_day"),
    ("spatiotemporal", "wrong_coordinates"),
    ("deceased_claims", "emergency_before_death"),
    ("split_admission", "dialysis"),
    ("split_admission", "transfer_up"),
}


def test_each_new_lookalike_is_in_the_truth(pinned: tuple[Path, dict[str, Any]]) -> None:
    _, truth = pinned
    got = {(e["typology"], e["pattern"]) for e in truth["lookalikes"]}
    assert got >= NEW_LOOKALIKES
    for e in truth["lookalikes"]:
        assert e["members"], e["pattern"]


# ----------------------------------------------------------------------- cells and scores
def test_binning_matches_between_space_and_evaluation() -> None:
    ax = Axis("x", (1.5, 2.5))
    assert ax.labels() == bin_labels((1.5, 2.5)) == ["≤1.5", "1.5–2.5", ">2.5"]
    for v, want in ((1.0, 0), (1.5, 0), (1.51, 1), (2.5, 1), (2.6, 2), (40, 2)):
        assert ax.bin(v) == bin_index(v, (1.5, 2.5)) == want
    p = {"admissions_per_recruit": 1.2, "wave_size": 30}
    assert cell_of("inpatient_recruitment", p) == (0, 1)


def _ring(rid: str, params: dict[str, Any], people: list[str]) -> dict[str, Any]:
    return {
        "ring_id": rid,
        "typology": "inpatient_recruitment",
        "params": params,
        "members": [{"kind": "person", "id": x, "role": "recruited_patient"} for x in people],
    }


def _lead(people: list[str], typ: str = "inpatient_recruitment") -> dict[str, Any]:
    return {"typology": typ, "members": [{"kind": "person", "id": x} for x in people]}


AXES = {"inpatient_recruitment": [("admissions_per_recruit", (1.5, 2.5)), ("wave_size", (10,))]}


def test_evaluate_cells_on_a_hand_made_truth() -> None:
    truth = {
        "rings": [
            # cell (0, 0): two rings, one found
            _ring(
                "ir-1", {"admissions_per_recruit": 1.0, "wave_size": 5}, ["a1", "a2", "a3", "a4"]
            ),
            _ring("ir-2", {"admissions_per_recruit": 1.4, "wave_size": 8}, ["b1", "b2"]),
            # cell (2, 1): one ring, found by a lead with strangers in it
            _ring("ir-3", {"admissions_per_recruit": 3.0, "wave_size": 30}, ["c1", "c2", "c3"]),
            # no params: not binned
            {
                "ring_id": "x",
                "typology": "inpatient_recruitment",
                "members": [{"kind": "person", "id": "z"}],
            },
        ],
        "lookalikes": [
            {"typology": "inpatient_recruitment", "members": [{"kind": "person", "id": "f1"}]}
        ],
    }
    leads = [
        _lead(["a1", "a2", "x9"]),  # half of ir-1 (2 of 4): found; 2 of 3 members right
        _lead(["b1"]),  # half of ir-2 (1 of 2): found too
        _lead(["c1", "c2", "f1", "s1", "s2"]),  # 2 of 3 of ir-3: found; 2 of 5 right
        _lead(["a3", "a4"], "card_pooling"),  # another typology: ignored
    ]
    res = evaluate_cells(truth, leads, AXES)["inpatient_recruitment"]
    assert res["unbinned"] == 1
    assert [a["labels"] for a in res["axes"]] == [["≤1.5", "1.5–2.5", ">2.5"], ["≤10", ">10"]]
    cells = {tuple(c["bin"]): c for c in res["cells"]}
    assert len(cells) == 6
    c = cells[(0, 0)]
    assert (c["rings"], c["found"], c["ring_recall"]) == (2, 2, 1.0)
    assert (c["leads"], c["lead_members"], c["correct_members"]) == (2, 4, 3)
    assert c["member_precision"] == 0.75
    assert c["labels"] == ["≤1.5", "≤10"]
    c = cells[(2, 1)]
    assert (c["rings"], c["found"], c["lead_members"], c["correct_members"]) == (1, 1, 5, 2)
    assert c["member_precision"] == 0.4
    empty = cells[(1, 0)]
    assert empty["rings"] == 0 and empty["ring_recall"] is None
    assert cell_meets_targets(empty) is None
    assert cell_meets_targets(cells[(0, 0)]) is False  # precision 0.75
    assert cell_meets_targets(cells[(0, 0)], {"ring_recall": 0.9, "member_precision": 0.7})
    # a ring not found
    res2 = evaluate_cells(truth, [_lead(["a1"])], AXES)["inpatient_recruitment"]
    c2 = {tuple(c["bin"]): c for c in res2["cells"]}[(0, 0)]
    assert (c2["found"], c2["ring_recall"], c2["member_precision"]) == (0, 0.0, None)
    # the per-typology look-alike figures stay with evaluate()
    ev = evaluate(truth, leads)["inpatient_recruitment"]
    assert ev["lookalike_members"] == 1 and ev["lookalikes_flagged"] == 1


def test_combine_cells_adds_up_drops() -> None:
    truth = {"rings": [_ring("ir-1", {"admissions_per_recruit": 1.0, "wave_size": 5}, ["a", "b"])]}
    hit = evaluate_cells(truth, [_lead(["a", "b", "q"])], AXES)
    miss = evaluate_cells(truth, [], AXES)
    both = combine_cells([hit, miss])["inpatient_recruitment"]
    c = {tuple(x["bin"]): x for x in both["cells"]}[(0, 0)]
    assert (c["rings"], c["found"], c["ring_recall"]) == (2, 1, 0.5)
    assert (c["lead_members"], c["correct_members"]) == (3, 2)
    assert c["member_precision"] == round(2 / 3, 4)
    # the inputs are left as they were
    assert {tuple(x["bin"]): x for x in hit["inpatient_recruitment"]["cells"]}[(0, 0)]["rings"] == 1
