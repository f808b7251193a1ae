"""Anonymous load on the real server: bodies are capped before any route or
authentication reads them, failed calls (401, 413, 422) are throttled per client without
filling the audit log, and X-Forwarded-For counts only from a configured proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.integration import api_world
from tests.integration.api_world import Api

api_factory = api_world.api_factory
world = api_world.world
pytestmark = pytest.mark.integration

BIG = 3 << 20  # over the 2 MiB default


def test_bodies_are_capped_before_authentication(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    c = a.client
    form = "username=x&password=" + "y" * BIG
    r = c.post(
        "/auth/token", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413 and r.json()["type"] == "/problems/too-large"
    # a write route, without a token: the size answers first, not the missing token
    r = c.post("/leads/LD-JN-1/notes", content=b"{" + b" " * BIG + b"}")
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(BIG // 65536 + 1):
            yield b"a" * 65536

    r = c.post("/users", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    ok = c.post("/auth/token", data={"username": "x", "password": "y" * 20, "totp": "000000"})
    assert ok.status_code == 401


def test_failed_calls_are_throttled_without_filling_the_audit(
    api_factory: Callable[..., Api],
) -> None:
    a = api_factory(api_fail_burst=5, api_fail_rate_per_minute=1)
    codes = [a.client.get("/leads").status_code for _ in range(8)]
    assert codes == [401] * 5 + [429] * 3
    _, rows = a.store.query_audit(region_prefix="", path_prefix="/leads")
    assert sorted(r["status"] for r in rows) == [401] * 5  # the 429s left no row
    b = api_factory(api_fail_burst=3, api_fail_rate_per_minute=1)
    tok = b.token("ana_jn")
    bad = [
        b.client.get("/leads", params={"limit": 0}, headers={"Authorization": f"Bearer {tok}"})
        for _ in range(4)
    ]
    assert [r.status_code for r in bad] == [422, 422, 422, 429]


def test_forwarded_for_counts_only_from_a_configured_proxy(
    api_factory: Callable[..., Api],
) -> None:
    form = {"username": "inv_jn", "password": "wrong password 1", "totp": "000000"}

    def login(a: Api, ip: str) -> int:
        return int(
            a.client.post("/auth/token", data=form, headers={"X-Forwarded-For": ip}).status_code
        )

    limits = {"api_login_burst": 2, "api_login_rate_per_minute": 1}
    behind = api_factory(api_trusted_proxies="testclient, 10.0.0.0/8", **limits)
    assert [login(behind, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
    assert login(behind, "203.0.113.6") == 401  # another client, its own bucket
    assert login(behind, "203.0.113.7, 10.1.2.3") == 401  # through a second proxy
    _, rows = behind.store.query_audit(region_prefix="", path_prefix="/auth/token")
    assert {r["client"] for r in rows} >= {"203.0.113.5", "203.0.113.6", "203.0.113.7"}
    # from an address not configured as a proxy the header is ignored
    direct = api_factory(**limits)
    assert [login(direct, ip) for ip in ("203.0.113.5", "203.0.113.6", "1.2.3.4")] == [
        401,
        401,
        429,
    ]
    _, rows = direct.store.query_audit(region_prefix="", path_prefix="/auth/token")
    assert {r["client"] for r in rows} == {"testclient"}
