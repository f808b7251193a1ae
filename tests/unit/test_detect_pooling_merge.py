"""Card-pooling drafts from several paths merged into one lead: the amount counts each
settlement the merged evidence names once (what a referral package works out from the
evidence), from the funds the drafts carry."""

from __future__ import annotations

from datetime import date

from fraudrings.graph.detect.config import PoolingConfig
from fraudrings.graph.detect.models import merge_pooled
from fraudrings.graph.leads import LeadDraft, Member


def _draft(shop: str, cards: list[str], funds: dict[str, float]) -> LeadDraft:
    members = [Member(kind="institution", id=shop, role="pooling_outlet")]
    members += [Member(kind="person", id=c, role="card_lender") for c in cards]
    return LeadDraft(
        typology="card_pooling",
        score=0.5,
        members=members,
        reasons=[],
        evidence=[f"settlement:{s} at {shop}" for s in funds],
        amount_at_risk=sum(funds.values()),
        first_seen=date(2025, 1, 1),
        last_seen=date(2025, 2, 1),
        funds=dict(funds),
    )


def test_a_second_path_at_the_same_shop_adds_its_settlements_once() -> None:
    cfg = PoolingConfig(max_evidence=5)
    out = [_draft("P1", ["a", "b", "c"], {"s1": 100.0, "s2": 50.0, "s3": 25.0})]
    merge_pooled(out, _draft("P1", ["c", "d"], {"s3": 25.0, "s4": 10.0, "s5": 5.0}), cfg)
    assert len(out) == 1
    lead = out[0]
    assert sorted(m.id for m in lead.members if m.kind == "person") == ["a", "b", "c", "d"]
    # s1..s5 once each (s3 is in both drafts), five lines of evidence
    assert lead.amount_at_risk == 190.0
    assert len(lead.evidence) == 5 and len(set(lead.evidence)) == 5
    # with the evidence capped, the amount is what the evidence still names
    capped = [_draft("P1", ["a", "b", "c"], {"s1": 100.0, "s2": 50.0, "s3": 25.0})]
    merge_pooled(capped, _draft("P1", ["d"], {"s4": 10.0}), PoolingConfig(max_evidence=3))
    assert capped[0].amount_at_risk == 175.0


def test_a_draft_at_another_shop_with_other_cards_stays_a_lead_of_its_own() -> None:
    cfg = PoolingConfig()
    out = [_draft("P1", ["a", "b", "c"], {"s1": 100.0})]
    merge_pooled(out, _draft("P2", ["x", "y"], {"s9": 7.0}), cfg)
    assert [d.amount_at_risk for d in out] == [100.0, 7.0]
