"""Passwords, tokens, roles and masking: the pure logic of access (no I/O here).

* Passwords: argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).
* Tokens: JWT signed with HS256 and the service's secret key; ``exp``, ``iat``, ``sub``,
  ``iss`` required on decode; only HS256 is accepted, so ``alg: none`` and any other
  algorithm are refused. Role and region are read from the user table on every
  request, never trusted from the token, so a change or a disabled user takes effect
  at once.
* Roles, lowest to highest: analyst < investigator < supervisor < admin.
* Masking: analysts see personal data masked (names, ID numbers, phones, addresses);
  investigators, supervisors and admins need them to investigate and see them whole.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLE_RANK: Final[dict[str, int]] = {"analyst": 0, "investigator": 1, "supervisor": 2, "admin": 3}
UNMASKED_ROLES: Final[frozenset[str]] = frozenset({"investigator", "supervisor", "admin"})
ALGORITHM: Final[str] = "HS256"
ISSUER: Final[str] = "fraudrings"
REGION_RE: Final[re.Pattern[str]] = re.compile(r"^[0-9]{0,6}$")
MIN_PASSWORD: Final[int] = 10

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH: Final[str] = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def valid_region(region: str) -> bool:
    return bool(REGION_RE.fullmatch(region))


def at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[minimum]


def issue_token(
    username: str, secret: str, minutes: int, *, now: datetime | None = None
) -> tuple[str, int]:
    t = now or datetime.now(UTC)
    exp = t + timedelta(minutes=minutes)
    claims = {
        "sub": username,
        "iss": ISSUER,
        "iat": int(t.timestamp()),
        "exp": int(exp.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), minutes * 60


class TokenError(ValueError):
    pass


def decode_token(token: str, secret: str) -> str:
    """The token's subject, or :class:`TokenError` (expired, bad signature, wrong alg...)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token is not valid: {exc}") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenError("the token names no user")
    return sub


# -- masking --------------------------------------------------------------------------
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
