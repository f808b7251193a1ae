"""The casework floor without a graph: the service database's numbered migrations and
the workflow's rule of who has a lead after a step."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fraudrings.casework.store import Store
from fraudrings.casework.store.base import migrations, statements
from fraudrings.casework.workflow import taken_by


def _version(p: Path) -> int:
    db = sqlite3.connect(p)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    found = migrations()
    assert [n for n, _, _ in found] == list(range(1, len(found) + 1))
    assert all("{roles}" not in sql for _, _, sql in found)
    p = tmp_path / "s.db"
    Store(p).close()
    assert _version(p) == len(found)
    st = Store(p)  # opening again applies nothing twice
    try:
        st.add_user("alice", "analyst", "3701", "h")
        assert st.get_user("alice").totp_secret  # type: ignore[union-attr]
    finally:
        st.close()
    assert _version(p) == len(found)


def test_a_database_made_before_the_numbered_migrations_opens(tmp_path: Path) -> None:
    """Its tables already have the columns that migration 2 and 3 add."""
    p = tmp_path / "old.db"
    db = sqlite3.connect(p, isolation_level=None)
    for _, _name, sql in migrations()[:1]:
        for stmt in statements(sql):
            db.execute(stmt)
    db.execute("ALTER TABLE users ADD COLUMN totp_secret TEXT")
    db.execute("ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE users ADD COLUMN locked_until TEXT")
    db.execute("ALTER TABLE audit ADD COLUMN purpose TEXT")
    db.close()
    st = Store(p)
    try:
        st.add_user("bob", "admin", "", "h")
        assert st.login_failed("bob", 1, 5.0)  # the lockout columns work
        cols = {r[1] for r in sqlite3.connect(p).execute("PRAGMA table_info(jobs)")}
        assert "pid" in cols
    finally:
        st.close()


def test_statements_keep_a_trigger_body_whole() -> None:
    sql = (
        "-- a comment\nCREATE TABLE t (x INTEGER);\n"
        "CREATE TRIGGER t_no BEFORE DELETE ON t\n"
        "BEGIN SELECT RAISE(ABORT, 'no; never'); END;\n"
    )
    out = statements(sql)
    assert len(out) == 2 and out[1].endswith("END;")


def test_who_has_a_lead_after_a_step() -> None:
    assert taken_by("inv", "in_review", None) == "inv"
    assert taken_by("inv", "in_review", "other") == "other"
    assert taken_by("inv", "confirmed", None) is None
