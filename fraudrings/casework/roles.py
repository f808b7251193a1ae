"""Roles and regions: who ranks above whom (the order is the vocabulary's), what a
region code looks like."""

from __future__ import annotations

import re
from typing import Final

from fraudrings.core.vocabulary import ROLE_RANK, ROLES

__all__ = ["REGION_RE", "ROLES", "ROLE_RANK", "at_least", "valid_region"]

REGION_RE: Final[re.Pattern[str]] = re.compile(r"^[0-9]{0,6}$")


def valid_region(region: str) -> bool:
    return bool(REGION_RE.fullmatch(region))


def at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[minimum]
