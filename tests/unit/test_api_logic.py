"""The API's pure logic: passwords, tokens, masking, the token bucket, the workflow,
the service database, public node ids; no Neo4j needed."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from fraudrings.api.graphview import GraphBuilder, node_id
from fraudrings.api.masking import (
    mask_addr,
    mask_id,
    mask_name,
    mask_phone,
    mask_props,
    mask_text,
)
from fraudrings.api.ratelimit import TokenBuckets
from fraudrings.casework.passwords import hash_password, verify_password
from fraudrings.casework.store import JobBusy, Store
from fraudrings.casework.tokens import SessionCache, TokenError, decode_token, issue_token
from fraudrings.casework.workflow import (
    WorkflowError,
    allowed_transitions,
    check_assign,
    check_transition,
)
from fraudrings.core.pseudonym import use_key
from fraudrings.core.settings import Settings, SettingsError

KEY = "k" * 64


def test_passwords_are_argon2_and_verify() -> None:
    h = hash_password("a long password")
    assert h.startswith("$argon2id$") and "a long password" not in h
    assert verify_password(h, "a long password")
    assert not verify_password(h, "another password")
    assert not verify_password(None, "a long password")
    assert not verify_password("not-a-hash", "x")
    with pytest.raises(ValueError):
        hash_password("short")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short pw 1", "12 characters"),
        ("p" * 12, "different characters"),
        ("abab-abab-abab", "different characters"),
        ("onlylettershere", "letters and"),
        ("123456789012345", "letters and"),
        ("alice-has-a-long-one", "username"),
        ("Password1234", "commonest"),
    ],
)
def test_password_policy_goes_beyond_length(password: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        hash_password(password, "alice")
    assert hash_password("correct horse battery", "alice").startswith("$argon2id$")


def test_tokens_expire_and_refuse_other_algorithms() -> None:
    tok, seconds = issue_token("alice", KEY, 5)
    assert seconds == 300 and decode_token(tok, KEY) == "alice"
    old, _ = issue_token("alice", KEY, 5, now=datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(TokenError, match="expired"):
        decode_token(old, KEY)
    claims = jwt.decode(tok, KEY, algorithms=["HS256"])
    with pytest.raises(TokenError):
        decode_token(jwt.encode(claims, None, algorithm="none"), KEY)
    with pytest.raises(TokenError):
        decode_token(jwt.encode(claims, "x" * 64, algorithm="HS256"), KEY)
    no_exp = {k: v for k, v in claims.items() if k != "exp"}
    with pytest.raises(TokenError):
        decode_token(jwt.encode(no_exp, KEY, algorithm="HS256"), KEY)
    with pytest.raises(TokenError):
        decode_token(tok[:-3] + "abc", KEY)


def test_masking() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"
    # the region prefix only: no birth-date, sequence or check digit to combine
    assert mask_id("370102199001011234") == "370102************"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_addr("山东省济南市历下区某路1号") == "山东省济南市*******"
    props = {"psn_no": "P1", "psn_name": "张小三", "tel": "13812345678", "certno": None}
    assert mask_props(props, "analyst") == {
        "psn_no": "P1",
        "psn_name": "张*三",
        "tel": "138****5678",
        "certno": None,
    }
    for role in ("investigator", "supervisor", "admin"):
        assert mask_props(props, role) == props


def test_masked_view_is_an_allow_list() -> None:
    person = {
        "psn_no": "P1",
        "insu_admdvs": "370102",
        "gend": "1",
        "brdy": "1990-01-01",
        "certno": "370102199001011234",
        "psn_flags": "poverty;medical_aid",
        "death_date": "2025-03-01",
        "hiv_status": "positive",  # a column a drop brought that nobody listed
    }
    shown = mask_props(person, "analyst")
    assert shown["psn_no"] == "P1" and shown["insu_admdvs"] == "370102" and shown["gend"] == "1"
    assert shown["brdy"] == "1990-**-**"  # the year only
    assert shown["psn_flags"] == shown["death_date"] == shown["hiv_status"] == "***"
    assert "19900101" not in json.dumps(shown) and "1234" not in shown["certno"]
    setl = {"setl_id": "S1", "dise_codg": "F32", "medfee_sumamt": 500.0, "med_type": "11"}
    assert mask_props(setl, "analyst") == {**setl, "dise_codg": "***"}
    assert mask_props(person, "investigator") == person


def test_masked_text_hides_phones_addresses_and_id_numbers() -> None:
    line = "link:P1<->P2 shared address:山东省济南市历下区某路1号, phone:18301234567"
    assert mask_text(line) == "link:P1<->P2 shared address:山东省济南市*******, phone:183****4567"
    two = "link:P1<->P2 shared address:济南市某村1号, address:济南市某村2号"
    assert "1号" not in mask_text(two) and "2号" not in mask_text(two)
    assert mask_text("link:P9 phone 13900000004 on records of P1, P2") == (
        "link:P9 phone 139****0004 on records of P1, P2"
    )
    assert mask_text("certno 370102199001011234 seen") == "certno 370102************ seen"
    # ids, amounts and times pass
    kept = "settlement:SETL-1 2025-01-02 09:00 P001 at H370100000001 XHV001 x2 dr D370102000001"
    assert mask_text(kept) == kept
    lead = {"lead_id": "L1", "evidence": [line], "typology": "recycled_drug"}
    assert mask_props(lead, "analyst")["evidence"] == [mask_text(line)]


def test_token_bucket() -> None:
    now = [0.0]
    b = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    assert [b.take("u"), b.take("u")] == [0.0, 0.0]
    assert b.take("u") == pytest.approx(1.0)
    assert b.take("v") == 0.0
    now[0] += 1.0
    assert b.take("u") == 0.0


def test_workflow_rules() -> None:
    check_transition("investigator", "i1", "new", "in_review", None)
    with pytest.raises(WorkflowError) as e:
        check_transition("investigator", "i1", "new", "confirmed", None)
    assert e.value.status == 409
    with pytest.raises(WorkflowError) as e:
        check_transition("analyst", "a1", "new", "in_review", None)
    assert e.value.status == 403
    with pytest.raises(WorkflowError):
        check_transition("investigator", "i1", "in_review", "confirmed", "i2")
    check_transition("supervisor", "s1", "in_review", "confirmed", "i2")
    with pytest.raises(WorkflowError):
        check_transition("investigator", "i1", "confirmed", "referred", "i1", by_referral=True)
    check_transition("supervisor", "s1", "confirmed", "referred", "i1", by_referral=True)
    # a status step alone never refers a lead, whoever asks: only making the package does
    with pytest.raises(WorkflowError) as e:
        check_transition("supervisor", "s1", "confirmed", "referred", "i1")
    assert e.value.status == 409 and "referral package" in str(e.value)
    assert allowed_transitions("supervisor", "s1", "confirmed", "i1") == []
    assert allowed_transitions("investigator", "i1", "in_review", "i1") == [
        "confirmed",
        "dismissed",
    ]
    assert allowed_transitions("investigator", "i1", "dismissed", "i1") == []
    assert allowed_transitions("admin", "x", "dismissed", "i1") == ["in_review"]
    assert allowed_transitions("admin", "x", "referred", None) == []
    check_assign("investigator", "i1", None, "i1")
    check_assign("investigator", "i1", "i1", None)
    with pytest.raises(WorkflowError):
        check_assign("investigator", "i1", "i2", "i1")
    with pytest.raises(WorkflowError):
        check_assign("analyst", "a1", None, "a1")
    check_assign("supervisor", "s", "i2", "i1")


def test_store_users_audit_jobs(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.db")
    st.add_user("a", "analyst", "3701", "h")
    st.add_user("b", "admin", "", "h")
    with pytest.raises(ValueError):
        st.add_user("a", "analyst", "3701", "h")
    with pytest.raises(ValueError):
        st.add_user("c", "root", "", "h")
    assert [u.username for u in st.list_users("37")] == ["a"]
    assert [u.username for u in st.list_users("")] == ["a", "b"]
    for user, region in (("a", "3701"), ("b", ""), (None, None)):
        st.audit(
            username=user,
            role=None,
            region=region,
            method="GET",
            path="/leads",
            route="/leads",
            params={"q": 1},
            entity_ids=["lead:L1"],
            status=200,
            duration_ms=1.0,
            client="127.0.0.1",
        )
    total, rows = st.query_audit(region_prefix="3701")
    assert total == 2 and {r["username"] for r in rows} == {"a", None}
    total, _ = st.query_audit(region_prefix="", entity_id="lead:L1")
    assert total == 3
    assert st.query_audit(region_prefix="", entity_id="lead:L2")[0] == 0
    with pytest.raises(sqlite3.DatabaseError):
        st._db.execute("DELETE FROM audit")
    job = st.create_job("ingest", {"drop": "d"}, "b", "37")
    st.update_job(job, state="running")
    assert st.get_job(job, "3701") is None and st.get_job(job, "37") is not None
    # the job belongs to a process that has died; another one to a live process (an
    # API worker beside this one)
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "30"])
    try:
        other = st.create_job("detect", {}, "b", "37")
        st._db.execute("UPDATE jobs SET pid=? WHERE job_id=?", (dead.pid, job))
        st._db.execute("UPDATE jobs SET pid=? WHERE job_id=?", (live.pid, other))
        st.close()
        st2 = Store(tmp_path / "s.db")  # a job left running by a dead process is interrupted
        job_row = st2.get_job(job, "")
        assert job_row is not None and job_row["state"] == "interrupted"
        other_row = st2.get_job(other, "")
        assert other_row is not None and other_row["state"] == "queued"
        with pytest.raises(JobBusy):  # one job at a time, across workers
            st2.create_job("detect", {}, "b", "37")
    finally:
        live.kill()
        live.wait()
    st2.create_job("detect", {}, "b", "37")  # its owner is gone: no longer in the way
    assert st2._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_public_ids_never_carry_phones_or_addresses() -> None:
    assert node_id(["Person"], {"psn_no": "P1"}) == "person:P1"
    assert node_id(["Institution", "Pharmacy"], {"fixmedins_code": "P3"}) == "institution:P3"
    assert node_id(["Box"], {"drug_trac_codg": "81"}) == "trace_code:81"
    use_key("k" * 40)
    pid = node_id(["Phone"], {"tel": "13812345678"})
    assert pid.startswith("phone:#") and "1381" not in pid
    # a keyed hash: the unkeyed hash of the number (10,000 guesses from its mask) is not it
    assert pid[len("phone:#") :] not in (
        hashlib.sha1(b"13812345678").hexdigest(),
        hashlib.sha256(b"13812345678").hexdigest(),
    )
    assert pid == "phone:#" + hmac.new(b"k" * 40, b"13812345678", "sha256").hexdigest()[:16]
    use_key("j" * 40)
    assert node_id(["Phone"], {"tel": "13812345678"}) != pid
    use_key("k" * 40)
    g = GraphBuilder("analyst", max_nodes=2)
    assert g.add_node("e1", ["Phone"], {"tel": "13812345678"})
    assert g.nodes["e1"].label == "138****5678"
    assert g.add_node("e2", ["Person"], {"psn_no": "P1", "psn_name": "张小三"})
    assert g.nodes["e2"].label == "张*三 (P1)"
    assert not g.add_node("e3", ["Person"], {"psn_no": "P2"}) and g.truncated
    g.add_edge("r1", "e2", "e1", "HAS_PHONE")
    g.add_edge("r2", "e2", "e3", "SETTLED")  # to a node that was cut: dropped
    sub = g.build()
    assert [(e.source, e.target) for e in sub.edges] == [("person:P1", pid)]


def test_secret_key_is_required_to_serve() -> None:
    s = Settings(neo4j_password="x")  # type: ignore[call-arg]
    s = s.model_copy(update={"api_secret_key": type(s.api_secret_key)("short")})
    with pytest.raises(SettingsError, match="FRAUDRINGS_API_SECRET_KEY"):
        s.require_api_secret()
    ok = s.model_copy(update={"api_secret_key": type(s.api_secret_key)("k" * 32)})
    assert ok.require_api_secret() == "k" * 32
    assert Settings(neo4j_password="x").cors_origins == []  # type: ignore[call-arg]
    assert Settings(
        neo4j_password="x",  # type: ignore[call-arg]
        api_cors_origins="https://a.example, https://b.example",
    ).cors_origins == ["https://a.example", "https://b.example"]


# -- the answer cache ---------------------------------------------------------------------
def test_answer_cache_token_ttl_and_size() -> None:
    from fraudrings.api.cache import AnswerCache

    now = [0.0]
    c = AnswerCache(max_bytes=100, ttl_s=10, clock=lambda: now[0])
    c.put("a", "t1", "A", 40)
    assert c.get("a", "t1") == "A"
    assert c.get("a", "t2") is None  # another generation: dropped
    assert c.get("a", "t1") is None and len(c) == 0
    c.put("a", "t1", "A", 40)
    now[0] = 10.5
    assert c.get("a", "t1") is None  # older than the TTL
    c.put("a", "t1", "A", 40)
    c.put("b", "t1", "B", 40)
    assert c.get("a", "t1") == "A"  # a is now the most recently used
    c.put("c", "t1", "C", 40)  # 120 > 100 bytes: the least recently used (b) goes
    assert c.get("b", "t1") is None and c.get("a", "t1") == "A" and c.get("c", "t1") == "C"
    assert c.bytes == 80
    c.put("huge", "t1", "H", 101)  # larger than the whole cache: not kept
    assert c.get("huge", "t1") is None
    off = AnswerCache(max_bytes=0, ttl_s=10)
    off.put("a", None, "A", 1)
    assert not off.enabled and off.get("a", None) is None


def test_session_cache_keeps_a_yes_for_its_ttl_only() -> None:
    now = [100.0]
    c = SessionCache(ttl=1.0, max_items=2, clock=lambda: now[0])
    assert c.get("j1") is None
    c.put("j1", "alice")
    assert c.get("j1") == "alice"
    now[0] += 0.99
    assert c.get("j1") == "alice"
    now[0] += 0.02  # past the ttl: the database is asked again
    assert c.get("j1") is None
    c.put("j1", "alice")
    c.drop("j1")  # a sign-out in this worker applies at once
    assert c.get("j1") is None
    for j in ("a", "b", "c"):  # bounded: the oldest is forgotten
        c.put(j, j)
    assert [c.get(j) for j in ("a", "b", "c")] == [None, "b", "c"]
    off = SessionCache(ttl=0)  # 0: nothing kept, every request reads
    off.put("j", "x")
    assert off.get("j") is None


def test_store_checkpoints_in_its_own_thread_not_in_a_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A request's commit never copies the WAL into the database file (that fsync was the
    # check's latency tail): automatic checkpoints are off on the writing connection, and
    # the store's own thread does it within a second or so.
    monkeypatch.setattr(Store, "CHECKPOINT_EVERY_S", 0.2)
    st = Store(tmp_path / "s.db")
    try:
        assert st._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        main = tmp_path / "s.db"
        before = main.stat().st_size
        row = {
            "username": "a", "role": "analyst", "region": "3701", "method": "GET",
            "path": "/leads", "route": "/leads", "params": {"q": "x" * 400},
            "entity_ids": [], "status": 200, "duration_ms": 1.0, "client": None,
        }  # fmt: skip
        for _ in range(20):  # ~2,000 rows: far past SQLite's automatic 1,000 pages
            st.audit_many([dict(row) for _ in range(100)])
        deadline = time.monotonic() + 5
        while main.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert main.stat().st_size > before, "nothing reached the database file"
        assert st._checkpointer.is_alive()
    finally:
        st.close()
    assert not st._checkpointer.is_alive()  # close() stops it
    assert Store(tmp_path / "s.db").verify_audit()["rows"] == 2000


def test_entity_flags_read_welfare_flags_as_a_list_or_as_text() -> None:
    from fraudrings.api.routers.entities import _flags

    leads = [{"typology": "deceased_claims"}]
    listed = _flags(["Person"], {"psn_flags": ["retired", "poverty"]}, leads)
    assert listed == ["retired", "poverty", "lead:deceased_claims"]
    assert _flags(["Person"], {"psn_flags": "retired;poverty"}, []) == ["retired", "poverty"]
    assert _flags(["Institution", "Hospital"], {}, []) == ["Hospital"]
