"""What every card-pooling path builds its leads from: the odd hours, the two reasons
several paths give in the same words, and the lead's members (the outlet, then the
cards). ``models`` and ``surges`` both use them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from fraudrings.graph.leads import Member, Reason


def odd_hour(t: datetime) -> bool:
    """Evening or night: 20:00 to 07:00."""
    return t.hour >= 20 or t.hour < 7


def odd_hours_reason(share: float, weight: float) -> Reason:
    return Reason(
        factor="odd_hours",
        value=round(share, 2),
        weight=weight,
        text=f"{round(100 * share)}% 发生在 20 点至次日 7 点",
    )


def same_basket_reason(share: float, weight: float) -> Reason:
    return Reason(
        factor="same_basket",
        value=round(share, 2),
        weight=weight,
        text=f"同一批次中 {round(100 * share)}% 的结算药品与数量完全相同",
    )


def pool_members(inst: str, persons: Iterable[str]) -> list[Member]:
    return [Member(kind="institution", id=inst, role="pooling_outlet")] + [
        Member(kind="person", id=p, role="card_lender") for p in persons
    ]
