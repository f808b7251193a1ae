"""The audit hash chain: verify, tampering found at the first broken row, prune with a
checkpoint, the 184-day floor in the database itself, and the CLI."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from fraudrings import cli
from fraudrings.casework.store import AuditBroken, Store
from fraudrings.core.settings import Settings


def _row(st: Store, i: int, at: str | None = None) -> int:
    return st.audit(
        username=f"u{i}", role="analyst", region="3701", method="GET", path=f"/leads/L{i}",
        route="/leads/{lead_id}", params={"path.lead_id": f"L{i}"}, entity_ids=[f"lead:L{i}"],
        status=200, duration_ms=1.5, client="127.0.0.1", purpose=f"case {i}", at=at,
    )  # fmt: skip


def _raw(path: Path) -> sqlite3.Connection:
    """A second connection that drops the guard triggers, as an attacker with the file could."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    return db


def test_chain_verifies_and_finds_the_first_changed_row(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db")
    for i in range(10):
        _row(st, i)
    r = st.verify_audit()
    assert r["rows"] == 10 and r["first_id"] == 1 and r["last_id"] == 10
    db = _raw(tmp_path / "s.db")
    db.execute("UPDATE audit SET status = 404 WHERE id = 4")
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 4 and "content" in e.value.reason


def test_rehashed_row_breaks_the_next_link(tmp_path: Path) -> None:
    from fraudrings.casework.store import row_hash

    st = Store(tmp_path / "s.db")
    for i in range(6):
        _row(st, i)
    db = _raw(tmp_path / "s.db")
    db.row_factory = sqlite3.Row
    d = dict(db.execute("SELECT * FROM audit WHERE id = 3").fetchone())
    d["username"] = "someone_else"
    db.execute("UPDATE audit SET username=?, hash=? WHERE id=3", (d["username"], row_hash(d)))
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 4 and "link" in e.value.reason


def test_deleted_row_is_found(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db")
    for i in range(6):
        _row(st, i)
    _raw(tmp_path / "s.db").execute("DELETE FROM audit WHERE id = 2")
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 3


def test_triggers_refuse_update_and_young_deletes(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db")
    _row(st, 1)
    _row(st, 2, at=(datetime.now(UTC) - timedelta(days=200)).isoformat())
    db = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET status = 500 WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="184 days"):
        db.execute("DELETE FROM audit WHERE id = 1")
    with pytest.raises(ValueError, match="184"):
        st.prune_audit(30)


def test_prune_keeps_a_verifiable_chain(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db")
    old = datetime.now(UTC) - timedelta(days=400)
    for i in range(5):
        _row(st, i, at=(old + timedelta(days=i)).isoformat(timespec="milliseconds"))
    _row(st, 5, at=(datetime.now(UTC) - timedelta(days=190)).isoformat(timespec="milliseconds"))
    for i in range(6, 9):
        _row(st, i)
    r = st.prune_audit(365)
    assert r["deleted"] == 5 and r["first_kept_id"] == 6
    v = st.verify_audit()
    assert v["first_id"] == 6 and v["rows"] == 4
    r2 = st.prune_audit(184)  # the 190-day-old row goes too
    assert r2["deleted"] == 1 and st.verify_audit()["first_id"] == 7
    _row(st, 9)
    assert st.verify_audit()["last_id"] == 10
    # removing the first kept row is caught against the checkpoint
    _raw(tmp_path / "s.db").execute("DELETE FROM audit WHERE id = 7")
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 8


def test_opening_the_store_never_rechains(tmp_path: Path) -> None:
    """A row whose hash was set to NULL (with the triggers dropped) stays broken when the
    service starts again: nothing re-chains the log, and the triggers come back."""
    p = tmp_path / "s.db"
    st = Store(p)
    for i in range(5):
        _row(st, i)
    db = _raw(p)
    db.execute("UPDATE audit SET username = 'nobody', hash = NULL WHERE id = 3")
    db.close()
    st.close()
    st = Store(p)  # a start of the service or of a command
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 3
    raw = sqlite3.connect(p, isolation_level=None)
    assert raw.execute("SELECT hash FROM audit WHERE id = 3").fetchone()[0] is None
    names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_no_update", "audit_no_delete"} <= names


def test_rows_from_before_the_chain_are_not_chained_on_open(tmp_path: Path) -> None:
    p = tmp_path / "old.db"
    db = sqlite3.connect(p, isolation_level=None)
    db.execute(
        "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
        "username TEXT, role TEXT, region TEXT, method TEXT NOT NULL, path TEXT NOT NULL, "
        "route TEXT, params TEXT NOT NULL, entity_ids TEXT NOT NULL, status INTEGER NOT NULL, "
        "duration_ms REAL NOT NULL, client TEXT)"
    )
    for i in range(3):
        db.execute(
            "INSERT INTO audit (at, method, path, params, entity_ids, status, duration_ms) "
            "VALUES (?, 'GET', '/x', '{}', '[]', 200, 1.0)",
            (f"2026-01-0{i + 1}T00:00:00.000+00:00",),
        )
    db.close()
    st = Store(p)
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 1


KEY = "audit-key-" + "q" * 40


def _settings(tmp_path: Path) -> Settings:
    return Settings(neo4j_password="x-unused-x", service_db=tmp_path / "svc.db", audit_key=KEY)  # type: ignore[call-arg]


def test_cli_audit_verify_and_prune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _settings(tmp_path)
    monkeypatch.setattr(cli.common, "settings", lambda: s)
    st = Store(s.service_db, audit_key=KEY)
    for i in range(4):
        _row(st, i, at=(datetime.now(UTC) - timedelta(days=300 - i)).isoformat())
    _row(st, 9)
    assert cli.main(["audit", "verify"]) == 0
    assert "intact: 5 rows" in capsys.readouterr().out
    assert cli.main(["audit", "prune"]) == 0
    assert "deleted: 4" in capsys.readouterr().out
    assert cli.main(["audit", "verify"]) == 0  # from the first kept row, prune's own row too
    assert "intact: 2 rows" in capsys.readouterr().out
    assert cli.main(["audit", "head"]) == 0
    head = capsys.readouterr().out.strip()
    assert head.startswith("6:") and len(head) == 2 + 64
    assert cli.main(["audit", "verify", "--head", head]) == 0
    capsys.readouterr()
    db = _raw(s.service_db)
    db.execute("UPDATE audit SET purpose = 'changed' WHERE id = 5")
    assert cli.main(["audit", "verify"]) == 1
    assert "BROKEN at row 5" in capsys.readouterr().err
    assert cli.main(["audit", "prune", "--retention-days", "100"]) == 2


def test_cli_users_add_enrols_totp_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    s = _settings(tmp_path)
    monkeypatch.setattr(cli.common, "settings", lambda: s)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert (
        cli.main(["users", "add", "bob", "--role", "analyst", "--region", "37", "--password-stdin"])
        == 0
    )
    out = capsys.readouterr().out
    uri = next(ln for ln in out.splitlines() if ln.startswith("otpauth://"))
    assert "█" in out  # the QR code in the terminal
    secret = pyotp.parse_uri(uri).secret
    assert Store(s.service_db).get_user("bob").totp_secret == secret  # type: ignore[union-attr]
    assert cli.main(["users", "list"]) == 0
    assert "otpauth" not in capsys.readouterr().out  # shown once, never listed
    assert cli.main(["users", "totp", "bob"]) == 0
    uri2 = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("otpauth://"))
    assert pyotp.parse_uri(uri2).secret != secret
    assert cli.main(["users", "totp", "nobody"]) == 1


def test_rows_written_in_one_group_chain_like_single_rows(tmp_path: Path) -> None:
    """audit_many (the API's grouped commit) continues the chain row by row, and the
    rows it writes are the ones audit() would have written."""
    st = Store(tmp_path / "s.db")
    _row(st, 0)
    group = [
        dict(
            username=f"g{i}", role="analyst", region="3701", method="POST",
            path="/check/settlement", route="/check/settlement", params={},
            entity_ids=[f"P{i}"], status=200, duration_ms=0.8, client="127.0.0.1",
            purpose=f"pre-settlement check of P{i}",
        )
        for i in range(5)
    ]  # fmt: skip
    assert st.audit_many(group) == [2, 3, 4, 5, 6]
    assert _row(st, 7) == 7
    r = st.verify_audit()
    assert r["rows"] == 7 and r["last_id"] == 7
    got = st.query_audit(region_prefix="", path_prefix="/check/")[1]
    assert [x["username"] for x in got] == ["g4", "g3", "g2", "g1", "g0"]
    assert got[0]["entity_ids"] == ["P4"] and got[0]["purpose"] == "pre-settlement check of P4"
    with pytest.raises(KeyError):  # a malformed entry: nothing of the group is written
        st.audit_many([group[0], {"username": "x"}])
    assert st.verify_audit()["rows"] == 7
    db = _raw(tmp_path / "s.db")
    db.execute("UPDATE audit SET username = 'zz' WHERE id = 4")
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 4


def test_the_chain_is_keyed_outside_the_database(tmp_path: Path) -> None:
    """Whoever can write the file but has not the key cannot make a chain that
    verifies: a row changed and the whole chain re-hashed after it (plain SHA-256 or a
    wrong key) is found."""
    from fraudrings.casework.store import row_hash

    p = tmp_path / "s.db"
    st = Store(p, audit_key=KEY)
    for i in range(5):
        _row(st, i)
    assert st.verify_audit()["rows"] == 5
    assert Store(p).verify_audit  # opening without the key is possible (read-only tools)
    with pytest.raises(AuditBroken):
        Store(p, audit_key="another-key-" + "z" * 40).verify_audit()
    db = _raw(p)
    db.row_factory = sqlite3.Row
    prev = None
    for r in db.execute("SELECT * FROM audit ORDER BY id").fetchall():
        d = dict(r)
        if d["id"] == 3:
            d["username"] = "someone_else"
        if prev is not None:
            d["prev_hash"] = prev
        prev = row_hash(d)  # a rebuilt chain, without the key
        db.execute(
            "UPDATE audit SET username=?, prev_hash=?, hash=? WHERE id=?",
            (d["username"], d["prev_hash"], prev, d["id"]),
        )
    with pytest.raises(AuditBroken) as e:
        st.verify_audit()
    assert e.value.row_id == 1


def test_an_exported_head_finds_rows_cut_off_the_end(tmp_path: Path) -> None:
    p = tmp_path / "s.db"
    st = Store(p, audit_key=KEY)
    for i in range(6):
        _row(st, i)
    h = st.audit_head()
    assert h["id"] == 6 and h["keyed"]
    head = (h["id"], h["hash"])
    _row(st, 7)
    assert st.verify_audit(head=head)["rows"] == 7
    db = _raw(p)
    db.execute("DELETE FROM audit WHERE id >= 5")  # a shorter chain verifies on its own
    assert st.verify_audit()["rows"] == 4
    with pytest.raises(AuditBroken) as e:
        st.verify_audit(head=head)
    assert e.value.row_id == 6


def test_verify_does_not_hold_up_writers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A walk of the chain reads on a connection of its own: a request's audit row is
    written while a long verify runs, not after it."""
    import threading
    import time

    from fraudrings.casework.store import audit as audit_mod

    st = Store(tmp_path / "s.db", audit_key=KEY)
    for _ in range(3):
        st.audit_many([dict(_entry(i)) for i in range(100)])
    plain = audit_mod.row_hash

    def slow(row: dict[str, object], key: bytes | None = None) -> str:
        if threading.current_thread().name == "verifier":
            time.sleep(0.01)  # 300 rows: a 3 s walk
        return plain(row, key)

    monkeypatch.setattr(audit_mod, "row_hash", slow)
    walker = threading.Thread(target=st.verify_audit, name="verifier")
    walker.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    _row(st, 999)
    took = time.perf_counter() - t0
    still_walking = walker.is_alive()
    walker.join()
    assert still_walking and took < 1.0, took
    assert st.verify_audit()["rows"] == 301


def _entry(i: int) -> dict[str, object]:
    return {
        "username": f"u{i}", "role": "analyst", "region": "3701", "method": "GET",
        "path": f"/leads/L{i}", "route": "/leads/{lead_id}", "params": {},
        "entity_ids": [f"lead:L{i}"], "status": 200, "duration_ms": 1.0, "client": None,
    }  # fmt: skip
