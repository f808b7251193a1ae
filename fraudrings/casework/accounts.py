"""Accounts of the service and its audit log's upkeep, as an administrator changes them
(``fraudrings users`` and ``fraudrings audit prune``).

Bad input raises :class:`ValueError` (a too-short password, a role outside the
vocabulary, a malformed region); an existing name raises :class:`UserExists` (a
``ValueError`` too); a missing user is ``False``/``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fraudrings.casework.passwords import hash_password
from fraudrings.casework.roles import ROLES, valid_region
from fraudrings.casework.store import Store, User
from fraudrings.casework.totp import new_totp_secret


def add_account(store: Store, name: str, role: str | None, region: str | None,
                password: str, institutions: Sequence[str] = ()) -> User:  # fmt: skip
    """A new active account with a fresh TOTP secret (shown to its holder once);
    ``institutions``: the codes an account of the role institution checks for."""
    hashed = hash_password(password, name)
    if role not in ROLES:
        raise ValueError(f"--role is one of {', '.join(ROLES)}")
    if region is None or not valid_region(region):
        raise ValueError(
            "--region is a division-code prefix of 0 to 6 digits "
            "(37 a province, 3701 a city, '' the whole country)"
        )
    return store.add_user(name, role, region, hashed, institutions=institutions)


def change_password(store: Store, name: str, password: str) -> bool:
    return store.set_password(name, hash_password(password, name))


def renew_totp(store: Store, name: str) -> str | None:
    """A new TOTP secret for ``name`` (the old one stops working), or None: no such user."""
    secret = new_totp_secret()
    return secret if store.set_totp(name, secret) else None


def prune_audit(store: Store, retention_days: int) -> dict[str, Any]:
    """Delete the audit rows past the retention and record the pruning as a row of its
    own."""
    r = store.prune_audit(retention_days)
    store.audit(
        username="cli", role=None, region=None, method="CLI", path="cli:audit prune",
        route="cli:audit prune", params={"retention_days": retention_days, **r},
        entity_ids=[], status=200, duration_ms=0.0, client="cli",
    )  # fmt: skip
    return r
