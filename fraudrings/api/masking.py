"""Masking: analysts see personal data masked (names, ID numbers, phones, addresses);
investigators, supervisors and admins need them to investigate and see them whole."""

from __future__ import annotations

from typing import Any, Final

from fraudrings.core.vocabulary import UNMASKED_ROLES


def mask_name(v: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, Zhang San -> Z*******n."""
    if len(v) <= 1:
        return "*"
    if len(v) == 2:
        return v[0] + "*"
    return v[0] + "*" * (len(v) - 2) + v[-1]


def mask_id(v: str) -> str:
    """Keep the region prefix and the last 4: 370102********1234."""
    if len(v) <= 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(v: str) -> str:
    """13812345678 -> 138****5678."""
    if len(v) <= 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_addr(v: str) -> str:
    """Keep the first 6 characters (province/city/district), mask the rest."""
    return v[:6] + "*" * max(0, min(len(v) - 6, 8))


# property -> masker, for every node kind that carries personal data
MASKERS: Final[dict[str, Any]] = {
    "psn_name": mask_name,
    "certno": mask_id,
    "tel": mask_phone,
    "addr": mask_addr,
}


def needs_mask(role: str) -> bool:
    return role not in UNMASKED_ROLES


def mask_props(props: dict[str, Any], role: str) -> dict[str, Any]:
    if not needs_mask(role):
        return props
    out = dict(props)
    for k, f in MASKERS.items():
        v = out.get(k)
        if isinstance(v, str) and v:
            out[k] = f(v)
    return out
