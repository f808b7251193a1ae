"""Encryption in transit: with FRAUDRINGS_TLS on, a local Neo4j of its own (instance
"sectls", ports 23687/23474 unless FRAUDRINGS_TEST_TLS_BOLT_PORT/_HTTP_PORT say
otherwise) requires TLS on Bolt, and the API answers HTTPS only. Plaintext is refused
on both."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from fraudrings.core.settings import Settings
from fraudrings.graph.errors import GraphError
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.server import LocalServer
from fraudrings.tlscert import make_cert
from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration

INSTANCE = os.environ.get("FRAUDRINGS_TEST_TLS_INSTANCE", "sectls")
BOLT = int(os.environ.get("FRAUDRINGS_TEST_TLS_BOLT_PORT", "23687"))
HTTP = int(os.environ.get("FRAUDRINGS_TEST_TLS_HTTP_PORT", "23474"))


@pytest.fixture(scope="module")
def tls_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = Path(os.environ.get("FRAUDRINGS_TEST_NEO4J_HOME", ROOT / ".neo4j"))
    pw_file = home / "instances" / INSTANCE / "test-password"
    if not pw_file.is_file():
        pw_file.parent.mkdir(parents=True, exist_ok=True)
        pw_file.write_text(secrets.token_urlsafe(16))
    certs = home / "instances" / INSTANCE / "tls"
    if not (certs / "cert.pem").is_file():
        make_cert(certs, ["localhost", "127.0.0.1"])
    return Settings(  # type: ignore[call-arg]
        neo4j_password=pw_file.read_text().strip(),
        neo4j_home=home,
        neo4j_instance=INSTANCE,
        neo4j_bolt_port=BOLT,
        neo4j_http_port=HTTP,
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        tls=True,
        tls_dir=certs,
        api_secret_key=SecretStr("tls-test-secret-" + "z" * 40),
        pseudonym_key=SecretStr("tls-test-pseudonym-" + "z" * 40),
        audit_key=SecretStr("tls-test-audit-" + "z" * 40),
        service_db=tmp_path_factory.mktemp("tls") / "service.db",
    )


@pytest.fixture(scope="module")
def tls_server(tls_settings: Settings) -> Iterator[LocalServer]:
    srv = LocalServer(tls_settings)
    srv.start(quiet=True)
    yield srv
    if os.environ.get("FRAUDRINGS_TEST_KEEP_NEO4J") != "1":
        srv.stop(quiet=True)


def test_settings_derive_an_encrypted_uri(tls_settings: Settings) -> None:
    assert tls_settings.neo4j_uri == f"bolt+ssc://127.0.0.1:{BOLT}"
    text = LocalServer(tls_settings).write_config().read_text()
    assert "server.bolt.tls_level=REQUIRED" in text
    assert "dbms.ssl.policy.bolt.enabled=true" in text
    assert f"dbms.ssl.policy.bolt.base_directory={Path(tls_settings.tls_dir).resolve()}" in text
    plain = tls_settings.model_copy(update={"tls": False})
    assert "tls_level" not in LocalServer(plain).write_config().read_text()
    LocalServer(tls_settings).write_config()  # leave the TLS config for the server


def test_bolt_requires_tls(tls_server: LocalServer, tls_settings: Settings) -> None:
    with Gateway.from_settings(tls_settings) as gw:  # bolt+ssc: encrypted
        assert gw.run_auto("RETURN 1 AS one") is not None
    plain = tls_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{BOLT}"})
    with pytest.raises(GraphError):
        gw2 = Gateway.from_settings(plain, max_retry_time=1.0)
        try:
            gw2.run_auto("RETURN 1 AS one")
        finally:
            gw2.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_api_answers_https_only(tls_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from fraudrings.api.app import create_app

    # no graph needed for /healthz; the app is built as `fraudrings serve` builds it
    app = create_app(tls_settings)
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(tls_settings.tls_cert),
        ssl_keyfile=str(tls_settings.tls_key),
    )
    server = uvicorn.Server(config)
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.started
        ok = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=str(tls_settings.tls_cert))
        assert ok.status_code == 200
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        with pytest.raises(httpx.HTTPError):  # an unknown certificate is not trusted
            httpx.get(f"https://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        server.should_exit = True
        t.join(timeout=10)


def test_serve_passes_the_certificate_to_uvicorn(
    tls_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from fraudrings.api import app as app_module

    seen: dict[str, object] = {}
    monkeypatch.setattr(app_module, "get_settings", lambda: tls_settings)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    app_module.serve(port=1)
    assert seen["ssl_certfile"] == str(tls_settings.tls_cert)
    assert seen["ssl_keyfile"] == str(tls_settings.tls_key)
