"""The local Neo4j server the project installs and runs itself."""

from __future__ import annotations

import os

import pytest

from fraudrings.core.settings import Settings
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.server import LocalServer

pytestmark = pytest.mark.integration


def test_server_is_neo4j_5_26_community(gw: Gateway) -> None:
    rows = gw.run_auto("CALL dbms.components() YIELD name, versions, edition RETURN *")
    assert rows[0]["name"] == "Neo4j Kernel"
    assert rows[0]["versions"][0].startswith("5.26.")
    assert rows[0]["edition"] == "community"


def test_second_start_says_already_running(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert server.start() is False
    assert "already running" in capsys.readouterr().err


def test_listens_on_loopback_only(gw: Gateway, settings: Settings) -> None:
    rows = gw.run_auto(
        "CALL dbms.listConfig('server.bolt.listen_address') YIELD value RETURN value"
    )
    assert rows[0]["value"] == f"127.0.0.1:{settings.neo4j_bolt_port}"


def test_password_auth_is_on(server: LocalServer, settings: Settings) -> None:
    from fraudrings.graph.errors import GraphAuthError

    bad = Gateway(settings.neo4j_uri, "neo4j", "not-the-password")
    with pytest.raises(GraphAuthError):
        bad.verify()
    bad.close()


def test_stale_pid_file_does_not_block(settings: Settings, tmp_path: os.PathLike[str]) -> None:
    other = LocalServer(settings.model_copy(update={"neo4j_instance": "stale-check"}))
    other.pid_file.parent.mkdir(parents=True, exist_ok=True)
    other.pid_file.write_text(f"{os.getpid()}\n")  # alive, but not a Neo4j server
    assert other.running_pid() is None
    assert not other.pid_file.exists()
    other.pid_file.write_text("999999999\n")  # no such process
    assert other.status().running is False


def test_restart_after_kill_9(server: LocalServer, gw: Gateway) -> None:
    """A crash leaves a pid file and store locks behind; the next start must not care."""
    gw.run_write_text("MERGE (:Supplier {entp_code: 'KILLTEST0000000001'})")
    server.kill()
    assert server.pid_file.exists()  # stale
    assert server.start(quiet=True) is True
    rows = gw.run_read_text(
        "MATCH (s:Supplier {entp_code: 'KILLTEST0000000001'}) RETURN count(s) AS n"
    )
    assert rows == [{"n": 1}]
    gw.run_write_text("MATCH (s:Supplier {entp_code: 'KILLTEST0000000001'}) DELETE s")
