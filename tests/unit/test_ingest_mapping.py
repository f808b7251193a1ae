"""The one description of what a drop row becomes (``ingest/mapping.py``) is what the
online loader's MERGE statements do: each ``queries/ingest_<stem>.cypher`` is read and
its row node, refining labels, typed times and relationships are compared with the
table. The offline initial load writes its files from the same tables, and
``tests/integration/test_initial_load.py`` proves both loads give the same graph."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from fraudrings import queries
from fraudrings.graph.model import NODE_KEYS
from fraudrings.ingest import offline
from fraudrings.ingest.mapping import EVENT_TABLES, PLAIN_LABELS, TABLES, Link, Table
from fraudrings.ingest.validate import LOAD_ORDER

MERGE_NODE = re.compile(
    r"MERGE \((\w+):(\w+) \{(\w+): (row|ev)\.(\w+)\}\)(\s+ON CREATE SET \1:Unregistered)?"
)
MERGE_REL = re.compile(r"MERGE \((\w+)\)-\[:(\w+)\]->\((\w+)\)")
REFINE = re.compile(r"CASE WHEN row\.(\w+) THEN \[1\] ELSE \[\] END \| SET (\w+):(\w+)\)")
TIME = re.compile(r"(\w+)\.(\w+) = (date|localdatetime)\(row\.(t\.)?(\w+)\)")


@dataclass
class Statement:
    """What one ingest statement does to the row's own node."""

    label: str
    key: str
    refining: set[tuple[str, str]]
    times: set[str]
    time_property: str | None
    links: set[Link]
    placeholders: dict[str, bool]  # target label -> made an :Unregistered placeholder


def read(stem: str) -> Statement:
    return parse(queries.load(f"ingest_{stem}").text)


def parse(text: str) -> Statement:
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("//"))
    nodes = MERGE_NODE.findall(text)
    var, label, key, source, field, _ = nodes[0]
    assert source == "row" and field == key, "the row's node is keyed by the row"
    bound = {v: (lab, f, bool(ph)) for v, lab, k, src, f, ph in nodes[1:] if src == "row"}
    links, placeholders = set(), {}
    for a, rel, b in MERGE_REL.findall(text):
        if var in (a, b) and (b if a == var else a) in bound:
            other = b if a == var else a
            target, f, ph = bound[other]
            assert NODE_KEYS[target] in text
            links.add(Link(rel, f, target, outgoing=a == var))
            placeholders[target] = ph
    own = [(prop, kind, t) for v, prop, kind, t, _ in TIME.findall(text) if v == var]
    times = {kind for _, kind, t in own if t}
    plain = [prop for prop, _, t in own if not t]
    return Statement(
        label=label,
        key=key,
        refining={(flag, lab) for flag, v, lab in REFINE.findall(text) if v == var},
        times=times,
        time_property=plain[0] if plain else None,
        links=links,
        placeholders=placeholders,
    )


def test_every_contract_file_is_described_once() -> None:
    assert sorted([*TABLES, *EVENT_TABLES]) == sorted(LOAD_ORDER)


@pytest.mark.parametrize("stem", sorted(TABLES))
def test_the_mapping_is_what_the_online_merge_does(stem: str) -> None:
    t: Table = TABLES[stem]
    st = read(stem)
    assert (st.label, st.key) == (t.label, t.key)
    assert st.refining == set(t.refining)
    assert st.times == ({t.times} if t.times else set())
    assert st.time_property == t.time_property
    assert st.links == set(t.links)
    assert st.placeholders == {ln.target: ln.target not in PLAIN_LABELS for ln in t.links}


def test_the_reader_sees_a_statement_that_differs() -> None:
    """A MERGE the mapping does not describe is found, so the agreement above means
    something."""
    real = queries.load("ingest_settlements").text
    assert Link("AT", "fixmedins_code", "Institution") in parse(real).links
    turned = parse(real.replace("MERGE (s)-[:AT]->(i)", "MERGE (i)-[:AT]->(s)"))
    assert Link("AT", "fixmedins_code", "Institution", outgoing=False) in turned.links
    plain = parse(real.replace("ON CREATE SET d:Unregistered, d.unregistered = true", ""))
    assert plain.placeholders["Practitioner"] is False
    assert parse(real.replace("SET s:Refund", "SET s:Reversal")).refining == {
        ("inpatient", "Inpatient"), ("refund", "Reversal")}  # fmt: skip


def test_the_offline_load_takes_its_lists_and_plain_nodes_from_the_mapping() -> None:
    assert offline.EMPTY_LISTS == {"persons": ("Person", "psn_flags"),
                                   "fee_details": ("FeeLine", "drug_trac_codg")}  # fmt: skip
    assert offline.PLAIN_GROUPS == PLAIN_LABELS
