"""Every query in queries/ parses on the real server, and read queries only read."""

from __future__ import annotations

import pytest

from fraudrings import queries
from fraudrings.graph.gateway import Gateway

pytestmark = pytest.mark.integration

WRITE_OPS = (
    "Create",
    "Merge",
    "Delete",
    "SetProperty",
    "SetLabels",
    "RemoveLabels",
    "SetNodeProperties",
    "SetProperties",
    "Foreach",
    "TransactionForeach",
    "TransactionApply",
)


@pytest.mark.parametrize("name", queries.names())
def test_query_parses(gw: Gateway, name: str) -> None:
    q = queries.load(name)
    assert q.header, f"{name} has no header comment"
    ops = gw.plan_operators(q.text)
    assert ops, f"EXPLAIN {name} gave no plan"
    writes = [op for op in ops if op.split("@")[0].startswith(WRITE_OPS)]
    if q.writes:
        assert writes, f"{name} says mode: write but its plan writes nothing"
    else:
        assert not writes, f"read query {name} has write operators {writes}"


@pytest.mark.parametrize(
    ("name", "seek"),
    [
        ("box_history", "NodeUniqueIndexSeek"),
        ("boxes_sold_twice", "NodeIndexSeekByRange"),
        ("co_admissions", "NodeIndexSeek"),
        ("suppliers_of_sold_boxes", "NodeIndexSeekByRange"),
    ],
)
def test_mission_queries_are_index_backed(gw: Gateway, name: str, seek: str) -> None:
    ops = [op.split("@")[0] for op in gw.plan_operators(queries.load(name).text)]
    assert seek in ops, f"{name} plan: {ops}"
    assert "AllNodesScan" not in ops and "NodeByLabelScan" not in ops
