"""Accounts: role, region, password hash, second-factor secret, sign-in lockout."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fraudrings.casework.store.base import Database, now
from fraudrings.core.vocabulary import ROLES


@dataclass(frozen=True)
class User:
    username: str
    role: str
    region: str
    password_hash: str
    active: bool
    created_at: str
    totp_secret: str | None = None
    locked_until: str | None = None

    @property
    def locked(self) -> bool:
        return bool(self.locked_until) and datetime.fromisoformat(
            str(self.locked_until)
        ) > datetime.now(UTC)


class UserExists(ValueError):
    pass


class UserStore(Database):
    # -- users --------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        role: str,
        region: str,
        password_hash: str,
        totp_secret: str | None = None,
    ) -> User:
        """A new account; its TOTP secret is made here unless given (read it back from the
        returned user to show the enrolment once)."""
        from fraudrings.casework.totp import new_totp_secret

        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO users (username, role, region, password_hash, created_at, "
                    "totp_secret) VALUES (?,?,?,?,?,?)",
                    (
                        username,
                        role,
                        region,
                        password_hash,
                        now(),
                        totp_secret or new_totp_secret(),
                    ),
                )
        except sqlite3.IntegrityError:
            raise UserExists(f"user {username!r} already exists") from None
        user = self.get_user(username)
        assert user is not None
        return user

    def set_password(self, username: str, password_hash: str) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET password_hash=? WHERE username=?", (password_hash, username)
            )
            return cur.rowcount == 1

    def set_active(self, username: str, active: bool) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET active=?, failed_logins=0, locked_until=NULL WHERE username=?",
                (int(active), username),
            )
            if not active:
                db.execute(
                    "UPDATE sessions SET revoked_at=?, revoked_why='disabled' "
                    "WHERE username=? AND revoked_at IS NULL",
                    (now(), username),
                )
            return cur.rowcount == 1

    def set_totp(self, username: str, secret: str) -> bool:
        with self._tx() as db:
            cur = db.execute("UPDATE users SET totp_secret=? WHERE username=?", (secret, username))
            return cur.rowcount == 1

    # -- sign-in failures and lockout ---------------------------------------------------
    def login_failed(self, username: str, max_failures: int, lock_minutes: float) -> bool:
        """Count a failed sign-in; after ``max_failures`` in a row the account is locked for
        ``lock_minutes``. True when this failure locked it."""
        with self._tx() as db:
            row = db.execute(
                "SELECT failed_logins FROM users WHERE username=?", (username,)
            ).fetchone()
            if row is None:
                return False
            n = int(row[0]) + 1
            if n >= max_failures:
                until = (datetime.now(UTC) + timedelta(minutes=lock_minutes)).isoformat()
                db.execute(
                    "UPDATE users SET failed_logins=0, locked_until=? WHERE username=?",
                    (until, username),
                )
                return True
            db.execute("UPDATE users SET failed_logins=? WHERE username=?", (n, username))
            return False

    def login_ok(self, username: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE users SET failed_logins=0, locked_until=NULL WHERE username=?", (username,)
            )

    def get_user(self, username: str) -> User | None:
        rows = self._all("SELECT * FROM users WHERE username=?", (username,))
        return _user(rows[0]) if rows else None

    def list_users(self, region_prefix: str = "") -> list[User]:
        rows = self._all(
            "SELECT * FROM users WHERE substr(region, 1, ?) = ? ORDER BY username",
            (len(region_prefix), region_prefix),
        )
        return [_user(r) for r in rows]


def _user(r: sqlite3.Row) -> User:
    return User(
        username=r["username"],
        role=r["role"],
        region=r["region"],
        password_hash=r["password_hash"],
        active=bool(r["active"]),
        created_at=r["created_at"],
        totp_secret=r["totp_secret"],
        locked_until=r["locked_until"],
    )
