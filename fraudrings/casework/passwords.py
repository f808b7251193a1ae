"""Passwords: argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile), and what
a new one must be (:func:`check_password`)."""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD: Final[int] = 12
MIN_DISTINCT: Final[int] = 6
# The most common choices (and the product's own name): refused whatever their length.
COMMON: Final[frozenset[str]] = frozenset(
    {
        "123456789012", "1234567890ab", "qwertyuiopas", "password1234", "passw0rd1234",
        "administrator", "iloveyou1234", "password1234!", "qwerty123456", "abc123456789",
        "111111111111",
        "000000000000", "aaaaaaaaaaaa", "fraudrings123", "changeme1234", "welcome12345",
        "letmein12345", "p@ssw0rd1234", "admin1234567", "a1b2c3d4e5f6", "zxcvbnm12345",
    }
)  # fmt: skip

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH: Final[str] = _hasher.hash("not-a-real-password")


def check_password(password: str, username: str | None = None) -> None:
    """Raise ``ValueError`` naming what a new password lacks: 12 characters at least, 6
    different ones, letters and something else (digits, spaces or signs), not the
    username inside it, not one of the commonest passwords."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(set(password)) < MIN_DISTINCT:
        raise ValueError(f"a password needs at least {MIN_DISTINCT} different characters")
    if not any(c.isalpha() for c in password) or all(c.isalpha() for c in password):
        raise ValueError("a password needs letters and digits, spaces or signs")
    if username and len(username) >= 3 and username.lower() in password.lower():
        raise ValueError("a password may not contain the username")
    if password.lower() in COMMON:
        raise ValueError("this password is one of the commonest; choose another")


def hash_password(password: str, username: str | None = None) -> str:
    """The argon2id hash of a new password that :func:`check_password` accepts."""
    check_password(password, username)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
