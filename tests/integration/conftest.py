"""A real Neo4j 5.26 server for the integration tests, started once per session.

The test server is the project's own local server under a separate instance name
("test") and ports, so the tests never touch the database of the main job. Set
FRAUDRINGS_TEST_KEEP_NEO4J=1 to leave it running after the session (faster reruns);
FRAUDRINGS_TEST_INSTANCE / _BOLT_PORT / _HTTP_PORT run a second, separate test server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraudrings.core.settings import Settings
from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.server import LocalServer

ROOT = Path(__file__).resolve().parents[2]


INSTANCE = os.environ.get("FRAUDRINGS_TEST_INSTANCE", "test")


def _password(home: Path) -> str:
    """The test instance keeps its own password next to its data (it is set on first start)."""
    f = home / "instances" / INSTANCE / "test-password"
    if f.is_file():
        return f.read_text().strip()
    f.parent.mkdir(parents=True, exist_ok=True)
    pw = secrets.token_urlsafe(16)
    f.write_text(pw)
    return pw


@pytest.fixture(scope="session")
def settings() -> Settings:
    home = Path(os.environ.get("FRAUDRINGS_TEST_NEO4J_HOME", ROOT / ".neo4j"))
    bolt = int(os.environ.get("FRAUDRINGS_TEST_BOLT_PORT", "17687"))
    return Settings(
        neo4j_password=_password(home),
        neo4j_home=home,
        neo4j_instance=INSTANCE,
        neo4j_bolt_port=bolt,
        neo4j_http_port=int(os.environ.get("FRAUDRINGS_TEST_HTTP_PORT", "17474")),
        neo4j_uri=f"bolt://127.0.0.1:{bolt}",
        neo4j_heap=os.environ.get("FRAUDRINGS_TEST_HEAP", "1g"),
        neo4j_pagecache=os.environ.get("FRAUDRINGS_TEST_PAGECACHE", "512m"),
    )


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[LocalServer]:
    srv = LocalServer(settings)
    srv.start(quiet=True)
    yield srv
    if os.environ.get("FRAUDRINGS_TEST_KEEP_NEO4J") != "1":
        srv.stop(quiet=True)


@pytest.fixture(scope="session")
def gw(server: LocalServer, settings: Settings) -> Iterator[Gateway]:
    g = Gateway.from_settings(settings)
    schema.reset(g)
    yield g
    g.close()


@pytest.fixture
def empty_db(gw: Gateway) -> Gateway:
    """The database emptied (schema kept) before the test."""
    schema.empty(gw)
    return gw


def counts(g: Gateway) -> dict[str, object]:
    st = schema.stats(g)
    return {
        "labels": st["labels"],
        "rels": st["relationship_types"],
        "nodes": st["nodes"],
        "relationships": st["relationships"],
    }
