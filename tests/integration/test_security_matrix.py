"""The authorization matrix, generated from the OpenAPI document and the app's routes:
every role x route x method x own/other region. A role below a route's minimum is
refused; another region's object answers exactly as a missing one. Then schemathesis
once per role (no 5xx), and a scan of every response, log line and audit row those
calls produced for an analyst: no unmasked ID number or phone number."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from fraudrings.core.vocabulary import ROLE_RANK
from tests.integration import api_world
from tests.integration.api_world import JN_BOX, PASSWORD, QD_BOX, Api, fresh_code

api_factory = api_world.api_factory
world = api_world.world

pytestmark = pytest.mark.integration

# minimum role of each operation; None = no token needed. A new route must be added here.
MIN_ROLE: dict[tuple[str, str], str | None] = {
    ("POST", "/auth/token"): None,
    ("POST", "/auth/logout"): "analyst",
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/users/me"): "analyst",
    ("POST", "/users/me/totp"): "analyst",
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("POST", "/users/{username}/totp"): "admin",
    ("GET", "/leads"): "analyst",
    ("GET", "/leads/{lead_id}"): "analyst",
    ("GET", "/leads/{lead_id}/history"): "analyst",
    ("GET", "/leads/{lead_id}/amounts"): "analyst",
    ("GET", "/leads/{lead_id}/timeline"): "analyst",
    ("POST", "/leads/{lead_id}/notes"): "analyst",
    ("POST", "/leads/{lead_id}/transitions"): "investigator",  # then the workflow decides
    ("PUT", "/leads/{lead_id}/assignee"): "investigator",  # then the workflow decides
    ("POST", "/leads/{lead_id}/referral"): "supervisor",
    ("GET", "/leads/{lead_id}/referral"): "supervisor",
    ("GET", "/leads/{lead_id}/referral/files/{name}"): "supervisor",
    ("GET", "/entities/{kind}/{entity_id}"): "analyst",
    ("GET", "/entities/{kind}/{entity_id}/neighbourhood"): "analyst",
    ("GET", "/entities/{kind}/{entity_id}/paths"): "analyst",
    ("GET", "/entities/trace_code/{code}/history"): "analyst",
    ("POST", "/check/settlement"): "analyst",  # and institution accounts (own codes)
    ("GET", "/check/hits"): "investigator",
    ("POST", "/hsa/3101"): "analyst",  # and institution accounts (own codes)
    ("POST", "/hsa/3102"): "analyst",
    ("POST", "/hsa/3103"): "analyst",
    ("POST", "/hsa/3505"): "analyst",
    ("GET", "/hsa/rules"): "analyst",  # and institution accounts
    ("GET", "/hsa/feedback"): "investigator",
    ("GET", "/jobs"): "supervisor",
    ("POST", "/jobs"): "supervisor",
    ("GET", "/jobs/{job_id}"): "supervisor",
    ("GET", "/audit"): "supervisor",
    ("GET", "/audit/export"): "supervisor",
    ("GET", "/audit/verify"): "supervisor",
}
# operations on the whole country: refused (403) to every user of a region
NATIONAL_ONLY = {("POST", "/jobs")}
# role -> a user of that role in Jinan (3701); the "other region" is Qingdao (3702)
ROLE_USER = {
    "analyst": "ana_jn",
    "investigator": "inv_jn",
    "supervisor": "sup_jn",
    "admin": "adm_jn",
}
# path parameters: own region, other region, missing
PARAMS = {
    "lead_id": ("LD-JN-1", "LD-QD-1", "LD-NOPE-1"),
    "kind": ("person", "person", "person"),
    "entity_id": ("P001", "P003", "P999"),
    "code": (JN_BOX, QD_BOX, "89999999999999999999"),
    "username": ("inv_jn2", "inv_qd", "nobody_here"),
    "job_id": ("0" * 32, "1" * 32, "2" * 32),
    "name": ("manifest.json", "manifest.json", "manifest.json"),
}
# own objects that do not exist in the test world (no job, no referral package yet)
OWN_MISSING = {"/jobs/{job_id}", "/leads/{lead_id}/referral/files/{name}"}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/users"): {
        "username": "m_user",
        "role": "analyst",
        "region": "3701",
        "password": "plenty of words 12",
    },
    ("POST", "/leads/{lead_id}/notes"): {"note": "matrix"},
    ("POST", "/leads/{lead_id}/transitions"): {"to_status": "in_review"},
    ("PUT", "/leads/{lead_id}/assignee"): {"assignee": None},
    ("POST", "/jobs"): {"kind": "ingest", "drop": "no-such-drop"},
    ("POST", "/check/settlement"): {},
}
QUERY = {
    "/entities/{kind}/{entity_id}/paths": {"to_kind": "institution", "to_id": "H370100000001"},
    "/check/hits": {"lead_id": "LD-JN-1"},
}
# the world's personal data in full: none of it may reach an analyst
SECRETS_RE = re.compile(
    r"370102199001011234|370102198502023456|370202197003035678|13812345678|13987654321"
)


def _routes(app: Any) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()

    def walk(routes: list[Any]) -> None:
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif getattr(r, "include_in_schema", False) and getattr(r, "methods", None):
                out.update((m, r.path) for m in r.methods if m not in ("HEAD", "OPTIONS"))

    walk(app.routes)
    return out


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logs() -> Iterator[Recorder]:
    h = Recorder()
    root = logging.getLogger()
    old = root.level
    root.addHandler(h)
    root.setLevel(logging.DEBUG)
    yield h
    root.removeHandler(h)
    root.setLevel(old)


@pytest.fixture(scope="module")
def mx(api_factory: Callable[..., Api], logs: Recorder) -> Api:
    # every role signs in here, some more than once: the sign-in bucket is not under test
    a = api_factory(api_login_burst=10_000, api_login_rate_per_minute=100_000)
    h = a.store.get_user("admin_all").password_hash  # type: ignore[union-attr]
    a.store.add_user("sup_jn", "supervisor", "3701", h)
    a.store.add_user("adm_jn", "admin", "3701", h)
    return a


def _url(path: str, which: int) -> str:
    for k, vals in PARAMS.items():
        path = path.replace("{" + k + "}", vals[which])
    return path


def _call(a: Api, user: str, method: str, path: str, which: int, texts: list[str]) -> Any:
    kw: dict[str, Any] = {"params": QUERY.get(path, {})}
    body = BODIES.get((method, path))
    a.token(user)
    if path == "/users/me/totp":  # a code not used to sign in (each is accepted once)
        body = {"password": PASSWORD, "code": fresh_code(a.store, user)}
    if body is not None:
        kw["json"] = body
    r = a.client.request(method, _url(path, which), **a._kw(user, kw))
    if user == "ana_jn":
        texts.append(r.text)
    return r


def _same_as_missing(other: Any, missing: Any) -> bool:
    def norm(r: Any) -> Any:
        try:
            body = r.json()
        except ValueError:
            return r.text
        if isinstance(body, dict):
            body.pop("instance", None)
        return body

    drop = {"date", "content-length"}
    h1 = {k: v for k, v in other.headers.items() if k not in drop}
    h2 = {k: v for k, v in missing.headers.items() if k not in drop}
    return other.status_code == missing.status_code and norm(other) == norm(missing) and h1 == h2


ANALYST_TEXTS: list[str] = []


def test_matrix_covers_every_route(mx: Api) -> None:
    spec = mx.client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert documented == _routes(mx.client.app) == set(MIN_ROLE)


@pytest.mark.parametrize("role", list(ROLE_RANK))
def test_authorization_matrix(mx: Api, role: str) -> None:
    user = ROLE_USER[role]
    problems = []
    for (method, path), minimum in sorted(MIN_ROLE.items()):
        if minimum is None or path in ("/auth/logout",):
            continue  # public routes; logout would end this session (tested elsewhere)
        allowed = ROLE_RANK[role] >= ROLE_RANK[minimum]
        own = _call(mx, user, method, path, 0, ANALYST_TEXTS)
        if not allowed and own.status_code != 403:
            problems.append(f"{role} {method} {path}: {own.status_code}, expected 403")
        if allowed and own.status_code in (401, 403) and (method, path) not in NATIONAL_ONLY:
            problems.append(f"{role} {method} {path}: refused {own.status_code}")
        if (method, path) in NATIONAL_ONLY and own.status_code != 403:
            problems.append(f"{role} {method} {path}: a regional user got {own.status_code}")
        if allowed and own.status_code == 404 and path not in OWN_MISSING:
            problems.append(f"{role} {method} {path}: own object 404")
        if own.status_code >= 500:
            problems.append(f"{role} {method} {path}: {own.status_code}")
        if "{" in path and path != "/users/me/totp":
            other = _call(mx, user, method, path, 1, ANALYST_TEXTS)
            missing = _call(mx, user, method, path, 2, ANALYST_TEXTS)
            if not _same_as_missing(other, missing):
                problems.append(
                    f"{role} {method} {path}: other region {other.status_code} {other.text[:120]} "
                    f"!= missing {missing.status_code} {missing.text[:120]}"
                )
            if allowed and other.status_code not in (404, 422):
                problems.append(f"{role} {method} {path}: other region gave {other.status_code}")
    # no token at all: 401 everywhere but the public routes
    for (method, path), minimum in MIN_ROLE.items():
        if minimum is not None:
            r = mx.client.request(method, _url(path, 0), json=BODIES.get((method, path)))
            if r.status_code != 401:
                problems.append(f"anonymous {method} {path}: {r.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLE_RANK))
def test_schemathesis_per_role(mx: Api, role: str) -> None:
    user = ROLE_USER[role]
    schema = (
        schemathesis.openapi.from_asgi("/openapi.json", mx.client.app)
        .exclude(method="POST", path="/jobs")
        .exclude(path="/auth/logout")
        .exclude(path="/users/me/totp")
    )
    headers = mx.h(user)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        op = result.ok()

        @given(case=op.as_strategy())
        @settings(
            max_examples=4,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            resp = case.call(headers=headers)
            if user == "ana_jn":
                ANALYST_TEXTS.append(resp.text)
            assert resp.status_code < 500, f"{resp.status_code} {resp.text[:300]}"

        try:
            run()
        except Exception as exc:
            failures[op.label] = f"{type(exc).__name__}: {exc}"[:1500]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_no_unmasked_personal_data_reaches_an_analyst(mx: Api, logs: Recorder) -> None:
    # the analyst's own lookups of persons, on top of the matrix and schemathesis calls
    for url in ("/entities/person/P001", "/leads/LD-JN-1", "/entities/person/P002/neighbourhood"):
        r = mx.get("ana_jn", url)
        assert r.status_code == 200
        ANALYST_TEXTS.append(r.text)
    assert len(ANALYST_TEXTS) > 50
    leaks = [t[:200] for t in ANALYST_TEXTS if SECRETS_RE.search(t)]
    assert not leaks, leaks
    # the masks are really there (so the scan looks at the right data)
    assert any("370102************" in t for t in ANALYST_TEXTS)
    _, rows = mx.store.query_audit(region_prefix="", username="ana_jn", limit=100_000)
    assert rows
    assert not [r["id"] for r in rows if SECRETS_RE.search(json.dumps(r, ensure_ascii=False))]
    assert logs.lines is not None
    assert not [ln[:200] for ln in logs.lines if SECRETS_RE.search(ln)]
    # an investigator sees them whole (the scan would catch a leak)
    inv = mx.get("inv_jn", "/entities/person/P001").text
    assert SECRETS_RE.search(inv)


# what an institution's counter may call besides the check: its own account
INSTITUTION_OPEN = {
    ("POST", "/auth/logout"),
    ("GET", "/users/me"),
    ("POST", "/users/me/totp"),
    ("POST", "/check/settlement"),
    ("POST", "/hsa/3101"),
    ("POST", "/hsa/3102"),
    ("POST", "/hsa/3103"),
    ("POST", "/hsa/3505"),
    ("GET", "/hsa/rules"),
}


def test_an_institution_account_reaches_the_check_for_its_own_codes_only(
    mx: Api, api_factory: Callable[..., Api]
) -> None:
    h = mx.store.get_user("admin_all").password_hash  # type: ignore[union-attr]
    mx.store.add_user("inst_jn", "institution", "3701", h, institutions=["P370100000002"])
    problems = []
    for (method, path), minimum in sorted(MIN_ROLE.items()):
        if minimum is None or (method, path) in INSTITUTION_OPEN:
            continue
        r = _call(mx, "inst_jn", method, path, 0, [])
        if r.status_code != 403:
            problems.append(f"institution {method} {path}: {r.status_code}")
    assert not problems, "\n".join(problems)
    assert mx.get("inst_jn", "/users/me").json()["role"] == "institution"
    # the check itself, with a limit a busy test machine cannot turn into "unavailable"
    a = api_factory(api_check_timeout_s=30)
    a.store.add_user("inst_jn", "institution", "3701", h, institutions=["P370100000002"])
    own = {"psn_no": "P002", "fixmedins_code": "P370100000002", "setl_time": "2025-06-01T09:00:00"}
    r = a.post("inst_jn", "/check/settlement", json=own)
    assert r.status_code == 200, r.text
    assert r.json()["checked"] is True, r.text
    assert sorted(w["code"] for w in r.json()["warnings"]) == ["deceased", "manual_review"]
    assert "LD-JN-1" not in r.text and "recycled_drug" not in r.text
    other = a.post("inst_jn", "/check/settlement", json={**own, "fixmedins_code": "H370100000001"})
    assert other.status_code == 403
    assert "P002" not in other.text
    # staff accounts have no institution codes, institution accounts always some
    with pytest.raises(ValueError):
        mx.store.add_user("inst_none", "institution", "3701", h)
    with pytest.raises(ValueError):
        mx.store.add_user("ana_codes", "analyst", "3701", h, institutions=["P370100000002"])
    made = mx.post(
        "admin_all",
        "/users",
        json={
            "username": "inst_x",
            "role": "institution",
            "region": "3701",
            "password": "plenty of words 12",
        },
    )
    assert made.status_code == 422


# the separate duties (三员分立): what each may call besides its own account
DUTY_OPEN = {
    "sysadmin": {("GET", "/jobs"), ("POST", "/jobs"), ("GET", "/jobs/{job_id}")},
    "secadmin": {("GET", "/users"), ("POST", "/users"), ("POST", "/users/{username}/totp")},
    "auditor": {("GET", "/audit"), ("GET", "/audit/export"), ("GET", "/audit/verify")},
}
OWN_ACCOUNT = {("GET", "/users/me"), ("POST", "/users/me/totp")}


def test_the_separate_duties_read_no_case_data(mx: Api) -> None:
    """System administrator, security administrator and auditor each reach their own
    duty and their own account; every lead, entity, check, referral or the other duties'
    routes answer 403."""
    h = mx.store.get_user("admin_all").password_hash  # type: ignore[union-attr]
    users = {"sysadmin": ("sys_all", ""), "secadmin": ("sec_jn", "3701")}
    users["auditor"] = ("aud_jn", "3701")
    for role, (name, region) in users.items():
        mx.store.add_user(name, role, region, h)
    problems = []
    for role, (name, _) in users.items():
        for (method, path), minimum in sorted(MIN_ROLE.items()):
            if minimum is None or (method, path) == ("POST", "/auth/logout"):
                continue
            r = _call(mx, name, method, path, 0, [])
            allowed = (method, path) in DUTY_OPEN[role] | OWN_ACCOUNT
            if allowed == (r.status_code == 403):
                problems.append(f"{role} {method} {path}: {r.status_code} {r.text[:120]}")
    assert not problems, "\n".join(problems)
    assert mx.get("aud_jn", "/audit/verify").json()["ok"] is True
    made = mx.post(
        "sec_jn",
        "/users",
        json={
            "username": "new_inv",
            "role": "investigator",
            "region": "3701",
            "password": "plenty of words 13",
        },
    )
    assert made.status_code == 201, made.text
