"""Accounts: role, region, password hash, second-factor secret, sign-in lockout."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fraudrings.casework.store.base import Database, now
from fraudrings.core.vocabulary import INSTITUTION, ROLES


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
    institutions: tuple[str, ...] = ()  # an institution account's fixmedins_codes

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
        institutions: Sequence[str] = (),
    ) -> User:
        """A new account; its TOTP secret is made here unless given (read it back from the
        returned user to show the enrolment once). An institution's account names the
        institution codes it checks settlements for (at least one); no other role has any."""
        from fraudrings.casework.totp import new_totp_secret

        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        codes = sorted({c.strip() for c in institutions if c.strip()})
        if (role == INSTITUTION) != bool(codes):
            raise ValueError(
                f"the role {INSTITUTION} needs its institution codes, and only it has any"
            )
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO users (username, role, region, password_hash, created_at, "
                    "totp_secret, institutions) VALUES (?,?,?,?,?,?,?)",
                    (
                        username,
                        role,
                        region,
                        password_hash,
                        now(),
                        totp_secret or new_totp_secret(),
                        json.dumps(codes),
                    ),
                )
        except sqlite3.IntegrityError:
            raise UserExists(f"user {username!r} already exists") from None
        user = self.get_user(username)
        assert user is not None
        return user

    def set_password(self, username: str, password_hash: str) -> bool:
        """A new password; every session of the user ends with it."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET password_hash=? WHERE username=?", (password_hash, username)
            )
            _end_sessions(db, username, "password reset")
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

    def set_totp(self, username: str, secret: str, *, keep_session: str | None = None) -> bool:
        """A new TOTP secret; every session of the user ends with it, but ``keep_session``
        (the token id of a user who renewed their own with password and code)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET totp_secret=?, totp_last_step=NULL WHERE username=?",
                (secret, username),
            )
            _end_sessions(db, username, "totp reset", keep=keep_session)
            return cur.rowcount == 1

    def use_totp_step(self, username: str, step: int) -> bool:
        """Record that a code of time step ``step`` was used; False when this step or a
        later one was used already (a replayed code, RFC 6238 section 5.2)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE users SET totp_last_step=? WHERE username=? "
                "AND (totp_last_step IS NULL OR totp_last_step < ?)",
                (step, username, step),
            )
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
        institutions=tuple(json.loads(r["institutions"] or "[]")),
    )


def _end_sessions(db: sqlite3.Connection, username: str, why: str, keep: str | None = None) -> None:
    db.execute(
        "UPDATE sessions SET revoked_at=?, revoked_why=? "
        "WHERE username=? AND revoked_at IS NULL AND jti IS NOT ?",
        (now(), why, username, keep),
    )
