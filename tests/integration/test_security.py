"""Issue 8 on the real server: second factor, lockout, idle timeout, logout, stated
purpose, the audit that fails closed, and its search and export."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pyotp
import pytest

from tests.integration import api_world
from tests.integration.api_world import (
    JN_BOX,
    PASSWORD,
    PURPOSE,
    Api,
    fresh_code,
    login_form,
    totp_code,
)

api_factory = api_world.api_factory
world = api_world.world
api = api_world.api

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def _bearer(tok: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}", **extra}


# -- second factor ----------------------------------------------------------------------------
def test_token_needs_password_and_current_totp(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    c = a.client
    no_code = c.post("/auth/token", data={"username": "inv_jn", "password": PASSWORD})
    assert no_code.status_code == 401 and no_code.headers["content-type"] == PROBLEM
    wrong = c.post("/auth/token", data={**login_form(a.store, "inv_jn"), "totp": "000000"})
    assert wrong.status_code == 401
    # another account's code does not open this one
    other = c.post(
        "/auth/token", data={**login_form(a.store, "inv_jn"), "totp": totp_code(a.store, "ana_jn")}
    )
    assert other.status_code in (200, 401)  # equal codes by chance are possible...
    if totp_code(a.store, "ana_jn") != totp_code(a.store, "inv_jn"):
        assert other.status_code == 401
    bad_pw = c.post("/auth/token", data={**login_form(a.store, "inv_jn"), "password": "x" * 12})
    assert bad_pw.status_code == 401
    # every refusal reads the same: it tells nothing about which part was wrong
    assert len({r.json()["detail"] for r in (no_code, wrong, bad_pw)}) == 1
    ok = c.post("/auth/token", data=login_form(a.store, "inv_jn"))
    assert ok.status_code == 200
    # Swagger UI's password flow has no `totp` field: client_secret carries the code
    form = login_form(a.store, "inv_jn")
    via_secret = c.post(
        "/auth/token",
        data={"username": "inv_jn", "password": PASSWORD, "client_secret": form["totp"]},
    )
    assert via_secret.status_code == 200
    # neither the password nor the code is written to the audit
    rows = a.store.query_audit(region_prefix="", path_prefix="/auth/token")[1]
    text = json.dumps(rows)
    assert PASSWORD not in text and form["totp"] not in json.dumps([r["params"] for r in rows])


def test_admin_creates_user_with_enrolment_and_resets_totp(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    r = a.post(
        "admin_all",
        "/users",
        json={
            "username": "new_ana",
            "role": "analyst",
            "region": "3701",
            "password": "plenty of words 12",
        },
    )
    assert r.status_code == 201, r.text
    enrol = r.json()["totp"]
    assert enrol["otpauth_uri"].startswith("otpauth://totp/fraudrings:new_ana?secret=")
    assert enrol["qr_svg"].lstrip().startswith("<svg") and len(enrol["qr_png_base64"]) > 100
    secret = pyotp.parse_uri(enrol["otpauth_uri"]).secret
    code = pyotp.TOTP(secret).now()
    form = {"username": "new_ana", "password": "plenty of words 12", "totp": code}
    assert a.client.post("/auth/token", data=form).status_code == 200
    # a reset makes a new secret: the old one stops working
    r2 = a.post("admin_all", "/users/new_ana/totp")
    assert r2.status_code == 200
    new_secret = pyotp.parse_uri(r2.json()["otpauth_uri"]).secret
    assert new_secret != secret
    if pyotp.TOTP(new_secret).now() != code:
        assert a.client.post("/auth/token", data=form).status_code == 401
    # a Qingdao admin cannot touch a Jinan account (and cannot tell it exists)
    a.store.add_user("adm_qd", "admin", "3702", a.store.get_user("admin_all").password_hash)  # type: ignore[union-attr]
    r3 = a.post("adm_qd", "/users/new_ana/totp")
    r4 = a.post("adm_qd", "/users/nobody_here/totp")
    assert r3.status_code == r4.status_code == 404
    # renewing one's own secret needs the password and the current code
    own = a.post("ana_jn", "/users/me/totp", json={"password": PASSWORD, "code": "000000"})
    assert own.status_code == 403
    own = a.post(
        "ana_jn",
        "/users/me/totp",
        json={"password": PASSWORD, "code": fresh_code(a.store, "ana_jn")},
    )
    assert own.status_code == 200 and own.json()["username"] == "ana_jn"


def test_lockout_after_repeated_failures(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_login_max_failures=3, api_login_lockout_minutes=0.05)
    c = a.client
    for _ in range(3):
        bad = {**login_form(a.store, "inv_jn"), "password": "wrong-wrong-wrong"}
        assert c.post("/auth/token", data=bad).status_code == 401
    # locked: even the right password and code are refused, with the same answer
    locked = c.post("/auth/token", data=login_form(a.store, "inv_jn"))
    assert locked.status_code == 401
    assert a.store.get_user("inv_jn").locked  # type: ignore[union-attr]
    # another account is not affected
    assert c.post("/auth/token", data=login_form(a.store, "inv_jn2")).status_code == 200
    time.sleep(3.2)  # the lock (3 s) passes
    assert c.post("/auth/token", data=login_form(a.store, "inv_jn")).status_code == 200
    rows = a.store.query_audit(region_prefix="", username="inv_jn", path_prefix="/auth/token")[1]
    assert any(r["params"].get("body", {}).get("locked") for r in rows)


def test_idle_token_is_refused(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_idle_minutes=0.04)  # 2.4 s
    tok = a.client.post("/auth/token", data=login_form(a.store, "inv_jn")).json()["access_token"]
    for _ in range(3):  # used within the idle limit: stays valid
        assert a.client.get("/users/me", headers=_bearer(tok)).status_code == 200
        time.sleep(1.0)
    time.sleep(3.0)
    r = a.client.get("/users/me", headers=_bearer(tok))
    assert r.status_code == 401 and "idle" in r.json()["detail"]
    # and it stays refused
    assert a.client.get("/users/me", headers=_bearer(tok)).status_code == 401


def test_logout_revokes_the_token(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    t1 = a.client.post("/auth/token", data=login_form(a.store, "inv_jn")).json()["access_token"]
    t2 = a.client.post("/auth/token", data=login_form(a.store, "inv_jn")).json()["access_token"]
    assert a.client.post("/auth/logout", headers=_bearer(t1)).status_code == 204
    r = a.client.get("/leads", headers=_bearer(t1))
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert r.headers["content-type"] == PROBLEM
    assert a.client.post("/auth/logout", headers=_bearer(t1)).status_code == 401
    # the other session of the same user is untouched
    assert a.client.get("/leads", headers=_bearer(t2)).status_code == 200


# -- stated purpose ---------------------------------------------------------------------------
PERSONAL = [
    "/entities/person/P001",
    "/entities/person/P001/neighbourhood",
    "/entities/institution/H370100000001/neighbourhood?hops=2",
    "/entities/person/P001/paths?to_kind=person&to_id=P002",
    f"/entities/trace_code/{JN_BOX}/history",
    "/leads/LD-JN-1",
]


@pytest.mark.parametrize("url", PERSONAL)
def test_person_lookups_need_a_purpose(api: Api, url: str) -> None:
    r = api.get("inv_jn", url, headers={"X-Purpose": ""})
    assert r.status_code == 428, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "/problems/purpose-required"
    body = {k: v for k, v in r.json().items() if k != "instance"}
    assert "P001" not in json.dumps(body) and "张" not in r.text
    assert api.get("inv_jn", url, headers={"X-Purpose": "ab"}).status_code == 428  # too short
    assert api.get("inv_jn", url).status_code == 200  # the fixture's header
    sep = "&" if "?" in url else "?"
    q = api.get("inv_jn", url + sep + "purpose=" + quote("案件 JN-7"), headers={"X-Purpose": ""})
    assert q.status_code == 200


def test_lookups_without_persons_need_no_purpose(api: Api) -> None:
    for url in ("/leads", "/entities/supplier/91370100MA00000001", "/users/me"):
        assert api.get("inv_jn", url, headers={"X-Purpose": ""}).status_code == 200, url


def test_lead_writes_need_a_purpose(api: Api) -> None:
    r = api.post(
        "inv_jn", "/leads/LD-JN-1/notes", json={"note": "looked"}, headers={"X-Purpose": ""}
    )
    assert r.status_code == 428
    hist = api.get("inv_jn", "/leads/LD-JN-1/history").json()
    assert not any(h.get("note") == "looked" for h in hist)  # nothing was written


def test_purpose_is_stored_with_the_audit_row(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    reason = "核查案件 2025-济南-0042"
    r = a.get("inv_jn", "/entities/person/P002", headers={"X-Purpose": quote(reason)})
    assert r.status_code == 200
    a.get("inv_jn", "/entities/person/P003", headers={"X-Purpose": "case QD-1"})  # 404
    rows = a.get("sup_sd", "/audit", params={"route": "/entities/{kind}/{entity_id}"}).json()
    by_path = {x["path"]: x for x in rows["data"]}
    assert by_path["/entities/person/P002"]["purpose"] == reason
    assert by_path["/entities/person/P002"]["entity_ids"][0] == "person:P002"
    assert by_path["/entities/person/P003"]["purpose"] == "case QD-1"
    assert by_path["/entities/person/P003"]["status"] == 404
    found = a.get("sup_sd", "/audit", params={"purpose": "2025-济南"}).json()
    assert [x["path"] for x in found["data"]] == ["/entities/person/P002"]


# -- audit: fails closed, searchable, exportable, chained -------------------------------------
def test_request_fails_when_the_audit_cannot_be_written(
    api_factory: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = api_factory()
    a.token("inv_jn")

    def broken(rows: Any) -> list[int]:
        raise OSError("disk full")

    monkeypatch.setattr(a.store, "audit_many", broken)
    r = a.get("inv_jn", "/leads/LD-JN-1")
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "/problems/audit-unavailable"
    assert "LD-JN-1" not in r.text.replace("/leads/LD-JN-1", "")  # no data went out
    assert "张" not in r.text and "P00" not in r.text
    monkeypatch.undo()
    assert a.get("inv_jn", "/leads/LD-JN-1").status_code == 200


def test_request_fails_on_a_read_only_audit_database(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    tok = a.token("inv_jn")
    a.store._db.execute("PRAGMA query_only=ON")  # every write now fails in SQLite itself
    try:
        r = a.client.get("/leads", headers=_bearer(tok))
        assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
        assert "LD-JN" not in r.text
    finally:
        a.store._db.execute("PRAGMA query_only=OFF")
    assert a.store.verify_audit()["rows"] >= 1


def test_audit_search_export_and_verify(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    a.get("inv_jn", "/leads/LD-JN-2")
    a.get("ana_jn", "/entities/person/P001", headers={"X-Purpose": "case AAA-1"})
    a.get("inv_jn", "/leads")
    t0 = a.store.query_audit(region_prefix="")[1][0]["at"]
    by_entity = a.get("sup_sd", "/audit", params={"entity_id": "person:P001"}).json()
    assert {r["username"] for r in by_entity["data"]} == {"inv_jn", "ana_jn"}
    by_user_route = a.get(
        "sup_sd", "/audit", params={"username": "inv_jn", "route": "/leads/{lead_id}"}
    ).json()
    assert [r["path"] for r in by_user_route["data"]] == ["/leads/LD-JN-2"]
    later = a.get("sup_sd", "/audit", params={"since": t0}).json()
    assert later["count"] >= 1 and all(r["at"] >= t0 for r in later["data"])
    before = a.get("sup_sd", "/audit", params={"until": "2000-01-01T00:00:00Z"}).json()
    assert before["count"] == 0
    # exports
    js = a.get("sup_sd", "/audit/export", params={"format": "json", "purpose": "AAA-1"})
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/json")
    assert "attachment" in js.headers["content-disposition"]
    assert [r["path"] for r in js.json()] == ["/entities/person/P001"]
    cs = a.get("sup_sd", "/audit/export", params={"format": "csv", "username": "ana_jn"})
    assert cs.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(cs.text)))
    assert rows and {r["username"] for r in rows} == {"ana_jn"}
    assert all(len(r["hash"]) == 64 for r in rows)
    ids = [int(r["id"]) for r in rows]
    assert ids == sorted(ids)  # oldest first
    # analysts and investigators cannot read or export it
    assert a.get("inv_jn", "/audit/export").status_code == 403
    assert a.get("ana_jn", "/audit").status_code == 403
    v = a.get("sup_sd", "/audit/verify").json()
    assert v["ok"] is True and v["rows"] >= 8


def test_every_audit_row_has_the_fields_of_one_request(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    a.get("inv_jn", "/entities/person/P001")
    row = a.store.query_audit(region_prefix="", path_prefix="/entities/person/P001")[1][0]
    assert row["username"] == "inv_jn" and row["role"] == "investigator"
    assert row["route"] == "/entities/{kind}/{entity_id}" and row["method"] == "GET"
    assert row["params"] == {"path.kind": "person", "path.entity_id": "P001"}
    assert row["purpose"] == PURPOSE and row["status"] == 200
    assert "person:P001" in row["entity_ids"] and row["at"] and len(row["hash"]) == 64
