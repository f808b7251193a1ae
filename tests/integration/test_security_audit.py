"""The audit on the real server: a refused person lookup (428) is found by the entity it
asked for, and the CSV export plants no formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from tests.integration import api_world
from tests.integration.api_world import Api

api_factory = api_world.api_factory
world = api_world.world
pytestmark = pytest.mark.integration


def test_a_refused_lookup_is_found_by_its_entity(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    bare = {"Authorization": f"Bearer {a.token('inv_jn')}"}
    for url in (
        "/entities/person/P001",
        "/entities/person/P001/neighbourhood",
        "/entities/person/P001/paths?to_kind=person&to_id=P002",
    ):
        assert a.client.get(url, headers=bare).status_code == 428, url
    found = a.get("sup_sd", "/audit", params={"entity_id": "person:P001", "status": 428}).json()
    assert found["count"] == 3
    assert all("person:P001" in r["entity_ids"] for r in found["data"])


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"])
def test_the_csv_export_plants_no_formula(api_factory: Callable[..., Api], name: str) -> None:
    a = api_factory()
    # a failed sign-in records the username it was given
    a.client.post("/auth/token", data={"username": name, "password": "x" * 12, "totp": "000000"})
    r = a.get("sup_sd", "/audit/export", params={"format": "csv", "path": "/auth/token"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    cells = [r["username"] for r in rows if r["username"] != "sup_sd"]
    assert cells == ["'" + name]
    for row in rows:
        assert not any(v[:1] in "=+-@" for v in row.values() if v), row
