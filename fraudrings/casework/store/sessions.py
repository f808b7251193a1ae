"""Sessions: every issued token by its id (``jti``), its last use (idle timeout) and its
revocation (sign-out, a disabled account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fraudrings.casework.store.base import Database, now


class SessionStore(Database):
    def add_session(self, jti: str, username: str, expires_at: datetime) -> None:
        t = now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (jti, username, issued_at, expires_at, last_used) "
                "VALUES (?,?,?,?,?)",
                (jti, username, t, expires_at.isoformat(timespec="milliseconds"), t),
            )
            # tokens expired a day ago are of no use to anyone
            cut = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="milliseconds")
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (cut,))

    def use_session(self, jti: str, username: str, idle_minutes: float) -> str | None:
        """Check a token id and mark it used: None when it may be used, else why not
        (unknown, revoked, idle too long; an idle token is revoked). The use is written
        only when the last one recorded is older than a tenth of the idle limit (30 s at
        most), so a busy client costs one read per request, not a write."""
        t = datetime.now(UTC)
        row = self._one("SELECT username, last_used, revoked_at FROM sessions WHERE jti=?", (jti,))
        if row is None or row["username"] != username:
            return "the token is not known to this service"
        if row["revoked_at"]:
            return "the token has been revoked (signed out)"
        limit = timedelta(minutes=idle_minutes)
        idle = t - datetime.fromisoformat(row["last_used"])
        if idle <= min(limit / 10, timedelta(seconds=30)):
            return None
        with self._tx() as db:
            if idle > limit:
                db.execute(
                    "UPDATE sessions SET revoked_at=?, revoked_why='idle' WHERE jti=?",
                    (t.isoformat(timespec="milliseconds"), jti),
                )
                return f"the token was idle for more than {idle_minutes:g} minutes; sign in again"
            # revoked meanwhile (a logout through another worker): refuse, else touch
            cur = db.execute(
                "UPDATE sessions SET last_used=? WHERE jti=? AND revoked_at IS NULL",
                (t.isoformat(timespec="milliseconds"), jti),
            )
            if cur.rowcount != 1:
                return "the token has been revoked (signed out)"
            return None

    def revoke_session(self, jti: str, why: str = "logout") -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE sessions SET revoked_at=?, revoked_why=? "
                "WHERE jti=? AND revoked_at IS NULL",
                (now(), why, jti),
            )
            return cur.rowcount == 1
