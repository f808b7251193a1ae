"""graph/schema.cypher is the truth: the live database must match it, exactly."""

from __future__ import annotations

import pytest

from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway

pytestmark = pytest.mark.integration


def test_database_matches_schema_file(gw: Gateway) -> None:
    expected = schema.expected()
    assert len(expected) == len(schema.statements())
    assert schema.actual(gw) == expected


def test_apply_is_idempotent(gw: Gateway) -> None:
    before = schema.actual(gw)
    schema.apply(gw)
    schema.apply(gw)
    assert schema.actual(gw) == before


def test_drift_is_detected(gw: Gateway) -> None:
    gw.run_auto("CREATE INDEX drift_probe IF NOT EXISTS FOR (n:Person) ON (n.psn_name)")
    try:
        assert schema.actual(gw) != schema.expected()
    finally:
        gw.run_auto("DROP INDEX drift_probe IF EXISTS")
    assert schema.actual(gw) == schema.expected()
