"""Passwords, tokens, roles and masking: the pure logic of access (no I/O here).

* Passwords: argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).
* Tokens: JWT signed with HS256 and the service's secret key; ``exp``, ``iat``, ``sub``,
  ``iss`` required on decode; only HS256 is accepted, so ``alg: none`` and any other
  algorithm are refused. Role and region are read from the user table on every
  request, never trusted from the token, so a change or a disabled user takes effect
  at once.
* Second factor: TOTP (RFC 6238, 30 s, 6 digits, pyotp) for every account; the
  enrolment is an ``otpauth://`` URI and a QR code made here (segno), no outside service.
* Roles, lowest to highest: analyst < investigator < supervisor < admin.
* Masking: analysts see personal data masked (names, ID numbers, phones, addresses);
  investigators, supervisors and admins need them to investigate and see them whole.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt
import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from fraudrings.core.vocabulary import ROLE_RANK, UNMASKED_ROLES

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
    return decode_claims(token, secret)[0]


def decode_claims(token: str, secret: str) -> tuple[str, str]:
    """The token's subject and id (``jti``), or :class:`TokenError`."""
    sub, jti, _ = _verify(token, secret)
    return sub, jti


def _verify(token: str, secret: str) -> tuple[str, str, float]:
    """Subject, id and expiry (epoch seconds) of a valid token, or :class:`TokenError`."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token is not valid: {exc}") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenError("the token names no user")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenError("the token has no id")
    return sub, jti, float(claims["exp"])


class TokenVerifier:
    """Checks bearer tokens, remembering the ones whose signature already verified.

    A busy client sends the same token hundreds of times a second; its signature and
    claims cannot change, so they are checked once and the result kept (keyed by the
    whole token text, at most ``max_items``, oldest forgotten first). Expiry is still
    checked on every use, against the kept ``exp``. Revocation, idle time and the user's
    state are not token properties: the caller checks them in the service database
    (:class:`SessionCache` keeps that answer a second). Invalid tokens are never kept."""

    def __init__(
        self, secret: str, max_items: int = 4096, clock: Callable[[], float] = time.time
    ) -> None:
        self.secret = secret
        self.max_items = max_items
        self.clock = clock
        self._kept: OrderedDict[str, tuple[str, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def claims(self, token: str) -> tuple[str, str]:
        with self._lock:
            kept = self._kept.get(token)
        if kept is None:
            kept = _verify(token, self.secret)
            with self._lock:
                self._kept[token] = kept
                while len(self._kept) > self.max_items:
                    self._kept.popitem(last=False)
        sub, jti, exp = kept
        if self.clock() >= exp:
            with self._lock:
                self._kept.pop(token, None)
            raise TokenError("the token has expired")
        return sub, jti


class SessionCache:
    """The service database's recent "yes" for a token: its user exists and is active,
    its session is known, not revoked and not idle. Kept ``ttl`` seconds per token id
    (at most ``max_items``, oldest forgotten first), so that a counter sending hundreds
    of checks a second costs two database reads a second, not two per request.

    A sign-out through this worker (:meth:`drop`) takes effect at once; one through
    another worker process, and a user disabled from the command line, within ``ttl``
    seconds. ``ttl`` 0 keeps nothing (every request reads)."""

    def __init__(
        self, ttl: float, max_items: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.clock = clock
        self._kept: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, jti: str) -> Any | None:
        """What :meth:`put` kept for this token id, while it is fresh; else None."""
        if self.ttl <= 0:
            return None
        with self._lock:
            kept = self._kept.get(jti)
            if kept is None:
                return None
            if self.clock() >= kept[0]:
                del self._kept[jti]
                return None
            return kept[1]

    def put(self, jti: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._kept[jti] = (self.clock() + self.ttl, value)
            self._kept.move_to_end(jti)
            while len(self._kept) > self.max_items:
                self._kept.popitem(last=False)

    def drop(self, jti: str) -> None:
        with self._lock:
            self._kept.pop(jti, None)


# -- second factor (TOTP) ---------------------------------------------------------------
TOTP_ISSUER: Final[str] = "fraudrings"
TOTP_RE: Final[re.Pattern[str]] = re.compile(r"^[0-9]{6}$")


def new_totp_secret() -> str:
    """160 random bits, base32 (what authenticator apps expect)."""
    return pyotp.random_base32(32)


def totp_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def verify_totp(secret: str | None, code: str | None, *, at: datetime | None = None) -> bool:
    """The code of this 30 s step or the one either side (clock drift)."""
    if not secret or not code or not TOTP_RE.fullmatch(code.strip()):
        return False
    return pyotp.TOTP(secret).verify(code.strip(), for_time=at, valid_window=1)


def qr_svg(data: str) -> str:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="svg", scale=4, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def qr_png_base64(data: str) -> str:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=5)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def qr_terminal(data: str) -> str:
    """The QR code as text for a terminal (two rows per line, block characters)."""
    m = [list(row) for row in segno.make(data, error="m").matrix]
    size = len(m)
    quiet = 2
    grid = [[0] * (size + 2 * quiet) for _ in range(quiet)]
    grid += [[0] * quiet + [int(bool(x)) for x in row] + [0] * quiet for row in m]
    grid += [[0] * (size + 2 * quiet) for _ in range(quiet + 1)]
    chars = {(0, 0): "█", (1, 0): "▄", (0, 1): "▀", (1, 1): " "}  # dark modules as spaces
    lines = []
    for y in range(0, len(grid) - 1, 2):
        lines.append("".join(chars[(a, b)] for a, b in zip(grid[y], grid[y + 1], strict=True)))
    return "\n".join(lines)


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
