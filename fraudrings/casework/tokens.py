"""Bearer tokens: JWT signed with HS256 and the service's secret key.

``exp``, ``iat``, ``sub``, ``iss`` and ``jti`` are required on decode; only HS256 is
accepted, so ``alg: none`` and any other algorithm are refused. Role and region are read
from the user table on every request, never trusted from the token, so a change or a
disabled user takes effect at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt

ALGORITHM: Final[str] = "HS256"
ISSUER: Final[str] = "fraudrings"


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

    def drop_user(self, username: str, keep: str | None = None) -> None:
        """Forget every token of a user (but ``keep``): their sessions just ended."""
        with self._lock:
            for jti in [
                j
                for j, (_, v) in self._kept.items()
                if j != keep and getattr(v, "username", None) == username
            ]:
                del self._kept[jti]

    def drop(self, jti: str) -> None:
        with self._lock:
            self._kept.pop(jti, None)
