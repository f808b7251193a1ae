"""Who stands in a prescription-buyer ring: households by address, a collector's phone
across homes, co-pickups as a habit rather than chance, and the value floor of a buyer
standing alone (known answers on hand-built candidates)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fraudrings.graph.detect import buyers
from fraudrings.graph.detect.config import BuyerConfig

T = datetime(2025, 3, 1, 9, 0)


def cand(
    psn: str, visits: list[tuple[float, str]], *, amount: float, score: float
) -> buyers.Candidate:
    lines = [
        {"time": T + timedelta(days=d), "cnt": 1, "inst": inst, "dr": "D1", "codes": None}
        for d, inst in visits
    ]
    c = buyers.Candidate(psn, "DRUG", "drug", 1.6, len(lines), 40.0, 30, lines)
    c.score, c.amount = score, amount
    return c


def ring(by_person: dict[str, list[buyers.Candidate]], contacts: list[dict[str, str]]) -> list[str]:
    cfg = BuyerConfig()
    persons = sorted(by_person)
    proj = buyers.build_projection(persons, by_person, contacts, {}, cfg)
    return buyers.ring_members(persons, by_person, proj, buyers._households(contacts), cfg)


def test_a_collectors_phone_on_three_homes_makes_a_ring_of_cheap_buyers() -> None:
    # each buys a cheap drug: worth little alone, but one phone sits on three homes' records
    by_person = {
        p: [cand(p, [(k * 10.0, "PH1") for k in range(6)], amount=30.0, score=0.3)]
        for p in ("A", "B", "C")
    }
    phone = [
        {"a": a, "b": b, "via": "phone", "value": "13800000000"}
        for a, b in (("A", "B"), ("A", "C"), ("B", "C"))
    ]
    assert ring(by_person, phone) == ["A", "B", "C"]
    # the same three sharing one address are one household: no ring of weak buyers
    home = [{**c, "via": "address", "value": "X村1号"} for c in phone]
    assert ring(by_person, home) == []


def test_two_regulars_of_a_busy_pharmacy_meeting_twice_are_not_linked() -> None:
    # 30 pickups each at the same pharmacy; on 2 of them they happen to be there together
    a = [(k * 12.0, "PH1") for k in range(30)]
    b = [(k * 12.0 + 5, "PH1") for k in range(30)]
    b[3] = (a[3][0], "PH1")
    b[9] = (a[9][0], "PH1")
    by_person = {
        "A": [cand("A", a, amount=30.0, score=0.3)],
        "B": [cand("B", b, amount=30.0, score=0.3)],
    }
    assert ring(by_person, []) == []
    # a collector bringing the other on 4 of 6 trips is a habit
    a6, b6 = a[:6], [(d + 5, i) for d, i in a[:6]]
    for k in (0, 2, 3, 5):
        b6[k] = a6[k]
    by_person = {
        "A": [cand("A", a6, amount=30.0, score=0.3)],
        "B": [cand("B", b6, amount=30.0, score=0.3)],
    }
    assert ring(by_person, []) == ["A", "B"]


def test_a_relative_with_a_small_excess_does_not_join_through_the_household() -> None:
    # A is a buyer worth a lead on his own; his wife at the same address over-buys a
    # little (a high score on ratios, ¥20 of excess): she is not a member of his lead
    by_person = {
        "A": [cand("A", [(k * 7.0, "PH1") for k in range(8)], amount=900.0, score=0.7)],
        "W": [cand("W", [(k * 20.0 + 3, "PH2") for k in range(5)], amount=20.0, score=0.6)],
    }
    home = [{"a": "A", "b": "W", "via": "address", "value": "X村1号"}]
    assert ring(by_person, home) == ["A"]


def test_basket_sessions_are_strangers_buying_one_basket_minutes_apart() -> None:
    from fraudrings.graph.detect import models

    def row(p: str, minute: int, basket: list[str]) -> dict[str, object]:
        return {
            "psn_no": p,
            "time": T + timedelta(minutes=minute),
            "basket": basket,
            "setl_id": f"S{p}{minute}",
        }

    hv = ["XSEMAx1"]
    rows = [
        row("A", 0, hv),
        row("X", 3, ["XCOLDx1"]),  # a stranger in the queue with another basket
        row("B", 6, hv),
        row("C", 15, hv),
        row("D", 60, hv),  # too long after: a new run of one
    ]
    runs = models.basket_sessions(rows, 20.0, 3)
    assert [[r["psn_no"] for r in run] for run in runs] == [["A", "B", "C"]]
    # two persons are a couple, not a stack of cards
    assert models.basket_sessions(rows[:3], 20.0, 3) == []


def test_a_buyer_alone_needs_more_excess_than_a_ring() -> None:
    from fraudrings.graph.leads import LeadDraft

    cfg = BuyerConfig()

    def draft(amount: float) -> LeadDraft:
        return LeadDraft("prescription_buyer", 0.8, [], [], [], amount, None, None)

    # a patient stocking up ahead of a holiday: a strong pattern, ¥150 of excess
    assert not buyers.worth_a_lead(draft(150.0), 1, cfg)
    assert buyers.worth_a_lead(draft(cfg.min_amount_alone), 1, cfg)
    # the same ¥150 spread over a coordinated ring of three is a lead
    assert buyers.worth_a_lead(draft(150.0), 3, cfg)
    assert not buyers.worth_a_lead(draft(cfg.min_amount / 2), 3, cfg)


def test_a_reversed_purchase_takes_its_fund_back_from_the_amount() -> None:
    # three boxes bought and reversed the next day, two kept: the excess is on the two
    def line(day: float, cnt: int, amount: float, medfee: float, fund: float) -> dict[str, object]:
        return {
            "time": T + timedelta(days=day), "cnt": cnt, "inst": "H1", "dr": "D1",
            "codes": None, "amount": amount, "medfee": medfee, "fund": fund, "setl_id": "S",
        }  # fmt: skip

    lines = [
        line(0, 1, 8.6, 34.5, 17.25),
        line(0, 1, 8.6, 34.5, 17.25),
        line(17, 3, 25.8, 106.6, 53.3),
        line(18, -3, -25.8, -106.6, -53.3),
    ]
    c = buyers.Candidate("A", "DRUG", "drug", 1.8, 2, 56.0, 17, lines)
    buyers.score_candidate(c, 1 / 28, set(), BuyerConfig())
    kept = 8.6 * 17.25 / 34.5 * 2  # the fund's share of the two boxes kept
    assert c.amount == pytest.approx(kept * (1 - 1 / c.ratio))
