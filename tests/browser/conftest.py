"""The workbench in a real headless browser against the running service and real Neo4j.

Reuses the integration fixtures (the test Neo4j server and its gateway; run these on a
separate instance with FRAUDRINGS_TEST_INSTANCE / _BOLT_PORT / _HTTP_PORT), loads a
small synthetic drop, runs detection for real leads, serves the API with uvicorn on a
free loopback port, and drives Debian's chromium through Playwright (its own browser
downloads are never used). Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from fraudrings.api.app import create_app
from fraudrings.casework.passwords import hash_password
from fraudrings.casework.store import Store
from fraudrings.core.settings import Settings
from fraudrings.graph import schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.server import LocalServer
from fraudrings.ingest.loader import Loader
from fraudrings.synth import generate
from tests.integration.api_world import PURPOSE, fresh_code, login_form
from tests.integration.conftest import server, settings  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("FRAUDRINGS_ARTIFACTS", ROOT / "tests" / "artifacts"))
PASSWORD = "correct horse battery"
SECRET = "browser-test-secret-" + "z" * 50
USERS = {"inv": ("investigator", ""), "ana": ("analyst", ""), "sup": ("supervisor", "")}


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def seeded(
    server: LocalServer,  # noqa: F811
    settings: Settings,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gateway]:
    """A synthetic drop of 2,000 persons with injected rings, loaded and detected.

    FRAUDRINGS_TEST_REUSE_DATA=1 keeps a database that already holds leads (quicker
    reruns against a kept server; the tests choose their leads by status, so reruns work).
    """
    gw = Gateway.from_settings(settings)
    rows = gw.run_read_text("MATCH (l:Lead) RETURN count(l) AS n")
    if os.environ.get("FRAUDRINGS_TEST_REUSE_DATA") != "1" or not rows or rows[0]["n"] == 0:
        schema.reset(gw)
        tmp = tmp_path_factory.mktemp("webdrop")
        # one ring large enough to exceed the graph view's cap: a hospital filling its
        # beds with new villagers, eight waves of 25
        big_ring = {"waves": 8, "wave_size": 25, "admissions_per_recruit": 1.0, "hospitals": 1}
        generate(
            tmp / "drop",
            persons=2000,
            seed=11,
            variation={"inpatient_recruitment": big_ring},
        )
        Loader(gw, batch_size=5000, quarantine_root=tmp / "q", progress=False).load(tmp / "drop")
        run_all(gw)
    else:  # the tests change statuses: start again from new, unassigned leads
        gw.run_write_text("MATCH (c:LeadChange) DETACH DELETE c")
        gw.run_write_text("MATCH (l:Lead) SET l.status = 'new', l.assignee = null")
    yield gw
    gw.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    url: str
    store: Store

    def token(self, user: str) -> str:
        r = httpx.post(f"{self.url}/auth/token", data=login_form(self.store, user))
        r.raise_for_status()
        return str(r.json()["access_token"])

    def get(self, user: str, path: str, **params: Any) -> Any:
        r = httpx.get(
            self.url + path,
            params=params,
            headers={"Authorization": "Bearer " + self.token(user), "X-Purpose": PURPOSE},
            timeout=30,
        )
        r.raise_for_status()
        return r.json()


@pytest.fixture(scope="session")
def service(
    seeded: Gateway,
    settings: Settings,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    """The real app under uvicorn on a free loopback port, users in its own store."""
    import uvicorn

    tmp = tmp_path_factory.mktemp("websvc")
    store = Store(tmp / "service.db")
    hashed = hash_password(PASSWORD)
    for name, (role, region) in USERS.items():
        store.add_user(name, role, region, hashed)
    s = settings.model_copy(
        update={
            "api_secret_key": SecretStr(SECRET),
            "pseudonym_key": SecretStr("test-pseudonym-" + "k" * 40),
            "audit_key": SecretStr("test-audit-" + "a" * 40),
            "service_db": tmp / "service.db",
            "api_drops_dir": tmp / "drops",
            "referral_dir": tmp / "referrals",
            "api_rate_burst": 10_000,
            "api_rate_per_minute": 100_000,
            "api_fail_burst": 1_000_000,
            "api_fail_rate_per_minute": 1_000_000,
            # every test signs in from 127.0.0.1; the suite is not a password guesser
            "api_login_burst": 10_000,
            "api_login_rate_per_minute": 100_000,
        }
    )
    app = create_app(s, gateway=seeded, store=store)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        pytest.fail("the API did not start")
    yield Service(url, store)
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    exe = chromium_path()
    if exe is None:
        pytest.skip("no chromium on this machine (scripts/bootstrap installs Debian's)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=exe,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, service: Service, request: pytest.FixtureRequest) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None,
    )
    pg.errors = errors
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"))
    ctx.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_js(page: Any, expr: str, timeout: int = 30_000) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function
    evaluates strings with eval, which the page's Content-Security-Policy refuses.)"""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expr):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expr}")
        page.wait_for_timeout(100)


def login(page: Any, service: Service, user: str = "inv") -> None:
    page.goto(service.url + "/")
    if page.is_visible("#logout"):
        page.click("#logout")
    page.fill("#login-user", user)
    page.fill("#login-password", PASSWORD)
    page.fill("#login-totp", fresh_code(service.store, user))
    page.fill("#login-purpose", PURPOSE)
    page.click("#login-submit")
    page.wait_for_selector("#status-counts a")
