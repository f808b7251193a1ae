"""Pure logic of the detectors: box walks, co-admissions, waves, lead identity matching,
community detection on graphs with known answers (seeded), and evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from fraudrings.graph import boxwalk
from fraudrings.graph.community import Projection, leiden
from fraudrings.graph.detect import buyers, inpatient, recycled
from fraudrings.graph.detect.config import BuyerConfig, RecycledConfig
from fraudrings.graph.evaluate import evaluate, meets_targets
from fraudrings.graph.leads import LeadDraft, Member, match_existing, new_lead_id

T = datetime(2025, 3, 1, 10, 0)


def ev(
    i: int, typ: str, days: float, frm: tuple[str, str], to: tuple[str, str], **kw: Any
) -> dict[str, Any]:
    return {
        "event_id": f"e{i}",
        "type": typ,
        "time": T + timedelta(days=days),
        "from_kind": frm[0],
        "from": frm[1],
        "to_kind": to[0],
        "to": to[1],
        "setl_id": kw.get("setl"),
        "medfee": kw.get("medfee"),
        "fund": kw.get("fund"),
        "pric": kw.get("pric"),
    }


SUP = ("supplier", "S")
PH1 = ("institution", "PH1")
PH2 = ("institution", "PH2")


def test_walk_second_sale_without_return_is_a_resale() -> None:
    evs = [
        ev(1, "purchase", 0, SUP, PH1),
        ev(2, "sale", 1, PH1, ("person", "A"), medfee=100.0, fund=70.0, pric=50.0),
        ev(3, "sale", 9, PH2, ("person", "B"), medfee=50.0, fund=50.0),
    ]
    rs, ls = recycled.walk("X", "D", 40.0, evs)
    assert ls == []
    assert [(r.seller, r.recycler, r.end_buyer) for r in rs] == [("A", "PH2", "B")]
    # first sale: line price 50 x 70%; second: no line, reference price 40 x 100%
    assert rs[0].amount == pytest.approx(35.0 + 40.0)


def test_walk_return_then_resale_is_legitimate() -> None:
    evs = [
        ev(1, "sale", 1, PH1, ("person", "A")),
        ev(2, "return", 3, ("person", "A"), PH1),
        ev(3, "sale", 5, PH1, ("person", "B")),
    ]
    assert recycled.walk("X", "D", 1.0, evs) == ([], [])


def test_walk_purchase_after_sale_is_laundering_and_transfer_is_not_a_return() -> None:
    evs = [
        ev(1, "sale", 1, PH1, ("person", "A")),
        ev(2, "purchase", 3, SUP, PH2),
        ev(3, "transfer", 4, PH2, PH1),
        ev(4, "sale", 6, PH1, ("person", "B")),
    ]
    rs, ls = recycled.walk("X", "D", 1.0, evs)
    assert [(la.supplier, la.into, la.seller) for la in ls] == [("S", "PH2", "A")]
    assert [(r.seller, r.recycler) for r in rs] == [("A", "PH1")]


def test_chains_split_by_outlet_and_shared_supplier_joins_both() -> None:
    def resale(code: str, seller: str, outlet: str) -> recycled.Resale:
        return recycled.Resale(code, "D", seller, outlet, "a", "b", T, T, None, None, None, 1.0)

    rs = [
        resale("1", "A", "O1"),
        resale("2", "B", "O1"),
        resale("3", "C", "O2"),
        resale("4", "C", "O2"),
    ]
    ls = [
        recycled.Laundering("1", "S", "O1", "p1", T, "A"),
        recycled.Laundering("3", "S", "O2", "p3", T, "C"),
    ]
    res = recycled.build(rs, ls, 4, RecycledConfig())
    chains = sorted(sorted(m.id for m in d.members) for d in res.drafts)
    assert chains == [["1", "2", "A", "B", "O1", "S"], ["3", "4", "C", "O2", "S"]]
    assert res.resold_by_seller == {"A": {"1"}, "B": {"2"}, "C": {"3", "4"}}


def test_a_code_resold_with_its_own_purchase_record_may_be_printed_twice() -> None:
    def resale(code: str, seller: str, outlet: str) -> recycled.Resale:
        return recycled.Resale(code, "D", seller, outlet, "a", "b", T, T, None, None, None, 1.0)

    papered = [recycled.Laundering("9", "S", "O9", "p9", T, "Z")]
    assert recycled.build([resale("9", "Z", "O9")], papered, 1, RecycledConfig()).drafts == []
    # without the purchase record it is a resale
    assert len(recycled.build([resale("9", "Z", "O9")], [], 1, RecycledConfig()).drafts) == 1


def test_walk_a_box_resold_twice_names_its_first_buyer_and_knows_each_previous_holder() -> None:
    """A lead names the first buyer as the seller of every resale of his box; the walk
    (graph/boxwalk.py) also gives each resale's previous holder, which a referral lists."""
    evs = [
        ev(1, "sale", 1, PH1, ("person", "A")),
        ev(2, "sale", 5, PH2, ("person", "B")),
        ev(3, "sale", 9, PH1, ("person", "C")),
    ]
    rs, _ = recycled.walk("X", "D", 1.0, evs)
    assert [(r.seller, r.recycler, r.end_buyer) for r in rs] == [
        ("A", "PH2", "B"),
        ("A", "PH1", "C"),
    ]
    found, _ = boxwalk.walk("X", evs, lambda e: (e["type"], e["from_kind"]))
    assert [(r.origin["to"], r.first["to"], r.second["to"]) for r in found] == [
        ("A", "A", "B"),
        ("A", "B", "C"),
    ]


def test_co_admissions_and_waves() -> None:
    def stay(p: str, inst: str, hours: float) -> dict[str, Any]:
        return {"psn_no": p, "inst": inst, "begntime": T + timedelta(hours=hours)}

    stays = [
        stay("a", "H1", 0),
        stay("b", "H1", 5),
        stay("c", "H1", 28),  # outside a 24 h window of a, inside of b
        stay("a", "H2", 0),  # other institution
        stay("b", "H2", 1),
    ]
    stays.sort(key=lambda s: (s["inst"], s["begntime"]))
    pairs = inpatient.co_admissions(stays, 24)
    assert pairs == {("a", "b"): 2, ("b", "c"): 1}
    wave_stays = [stay(p, "H", d * 24) for d in (0, 1, 10, 30, 30, 31) for p in ("x",)]
    wave_stays += [stay("y", "H", 0), stay("z", "H", 24), stay("y", "H", 30 * 24)]
    waves = inpatient.waves_of(wave_stays, 3, 2)
    assert [len(w) for w in waves] == [4, 4]  # day 10 alone is not a wave


def _candidate(every_days: float, boxes: int, n: int, doctors: int) -> buyers.Candidate:
    lines = [
        {
            "time": T + timedelta(days=every_days * k),
            "cnt": boxes,
            "dr": f"D{k % doctors}",
            "inst": f"I{k % doctors}",
            "codes": None,
            "medfee": 100.0,
            "fund": 70.0,
            "amount": 100.0,
        }
        for k in range(n)
    ]
    supply = boxes * n / 0.1
    elapsed = int(every_days * (n - 1))
    ratio = supply / (elapsed + supply / n)
    return buyers.Candidate("P", "D", "d", ratio, boxes * n, supply, elapsed, lines)


def test_buyer_scoring_separates_hoarding_from_regular_refills() -> None:
    cfg = BuyerConfig()
    heavy = _candidate(7, 3, 30, 5)
    buyers.score_candidate(heavy, 0.1, set(), cfg)
    regular = _candidate(30, 3, 12, 1)
    buyers.score_candidate(regular, 0.1, set(), cfg)
    assert heavy.score >= cfg.min_score > regular.score
    assert heavy.values["prescribers"] == 5 and regular.values["prescribers"] == 1
    assert heavy.values["overlap"] > 0.9 and regular.values["overlap"] == 0.0
    assert heavy.amount > 0


def _draft(*ids: str) -> LeadDraft:
    return LeadDraft(
        "recycled_drug",
        0.9,
        [Member(kind="person", id=i, role="buyer") for i in ids],
        [],
        ["x"],
        1.0,
        None,
        None,
    )


def test_lead_identity_matching_is_one_to_one_and_survives_growth() -> None:
    existing = {
        "RD-1": frozenset({"person:a", "person:b", "person:c"}),
        "RD-2": frozenset({"person:x", "person:y"}),
    }
    drafts = [_draft("a", "b", "c", "d"), _draft("a"), _draft("x", "y"), _draft("q")]
    assert match_existing(drafts, existing) == ["RD-1", None, "RD-2", None]
    assert new_lead_id("recycled_drug", drafts[3]) == new_lead_id("recycled_drug", _draft("q"))
    assert new_lead_id("recycled_drug", drafts[3]).startswith("RD-")


def _two_cliques() -> Projection:
    p = Projection("t")
    for grp in (["a", "b", "c", "d", "e"], ["f", "g", "h", "i", "j"]):
        for i, x in enumerate(grp):
            for y in grp[i + 1 :]:
                p.add(x, y, 3.0)
    p.add("e", "f", 1.0)
    return p


@pytest.mark.parametrize("method", ["leidenalg", "igraph"])
def test_leiden_finds_two_cliques_deterministically(method: Any) -> None:
    p = _two_cliques()
    parts = [leiden(p.graph(), method=method, seed=7) for _ in range(2)]
    assert parts[0].membership == parts[1].membership
    assert parts[0].groups(p.keys) == [["a", "b", "c", "d", "e"], ["f", "g", "h", "i", "j"]]
    assert parts[0].modularity > 0.4


def test_evaluate_counts_rings_precision_and_lookalikes() -> None:
    truth = {
        "rings": [
            {"typology": "recycled_drug", "members": [{"kind": "person", "id": i} for i in "abcd"]},
            {"typology": "recycled_drug", "members": [{"kind": "person", "id": i} for i in "xyz"]},
        ],
        "lookalikes": [
            {"typology": "recycled_drug", "members": [{"kind": "person", "id": i} for i in "lm"]}
        ],
    }
    leads = [
        {"typology": "recycled_drug", "members": [{"kind": "person", "id": i} for i in "ab"]},
        {"typology": "recycled_drug", "members": [{"kind": "person", "id": i} for i in "xlq"]},
    ]
    r = evaluate(truth, leads)["recycled_drug"]
    assert (r["rings"], r["found"], r["ring_recall"]) == (2, 1, 0.5)
    assert r["member_precision"] == pytest.approx(3 / 5, abs=1e-4)
    assert (r["lookalike_members"], r["lookalikes_flagged"], r["lookalike_rate"]) == (2, 1, 0.5)
    assert not meets_targets(r)
