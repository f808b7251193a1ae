"""The audit on the real server: a refused person lookup (428) is found by the entity it
asked for, and the CSV export plants no formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

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


NOTE_URL = "/leads/LD-JN-2/notes"


def _notes(a: Api, text: str) -> int:
    lead = a.get("inv_jn", "/leads/LD-JN-2").json()
    return sum(1 for h in lead["history"] if (h.get("note") or "") == text)


def test_a_write_is_not_made_when_its_intent_cannot_be_recorded(
    api_factory: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = api_factory()
    a.token("inv_jn")

    def broken(rows: Any) -> list[int]:
        raise OSError("disk full")

    monkeypatch.setattr(a.store, "audit_many", broken)
    r = a.post("inv_jn", NOTE_URL, json={"note": "never written"})
    assert r.status_code == 500 and r.json()["type"] == "/problems/audit-unavailable"
    monkeypatch.undo()
    assert _notes(a, "never written") == 0


def test_a_write_whose_outcome_row_is_lost_is_still_in_the_log(
    api_factory: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = api_factory()
    a.token("inv_jn")
    plain = a.store.audit_many

    def outcome_lost(rows: Any) -> list[int]:
        if any(r["status"] != 0 for r in rows):  # the row written after the write
            raise TimeoutError("the audit row waited more than 10 s")
        return plain(rows)

    monkeypatch.setattr(a.store, "audit_many", outcome_lost)
    r = a.post("inv_jn", NOTE_URL, json={"note": "written, outcome row lost"})
    assert r.status_code == 500
    monkeypatch.undo()
    assert _notes(a, "written, outcome row lost") == 1  # the write was made...
    _, rows = a.store.query_audit(region_prefix="", path_prefix=NOTE_URL)
    intents = [x for x in rows if x["status"] == 0]
    assert len(intents) == 1  # ... and the log says who set out to make it
    row = intents[0]
    assert row["username"] == "inv_jn" and row["method"] == "POST"
    assert row["params"]["intent"] is True and "lead:LD-JN-2" in row["entity_ids"]
