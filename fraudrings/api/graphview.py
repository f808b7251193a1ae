"""Turn rows from the graph into the API's shapes: node ids, display labels, masking.

A node's public id is ``<kind>:<key>`` (``person:P001``); element ids of the database
never leave the service. Phones and addresses are keys of their own nodes, so their
ids are a keyed hash instead (:func:`fraudrings.core.pseudonym.contact_id`), and their
text appears only in the (masked) label.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Final

from fraudrings.api.masking import mask_props
from fraudrings.api.schemas import GraphEdge, GraphNode, Subgraph
from fraudrings.core.pseudonym import contact_id
from fraudrings.core.vocabulary import NODE_KINDS
from fraudrings.graph.model import NODE_KEYS

# the property a node is drawn with (its key when none)
_DISPLAY: Final[dict[str, str | None]] = {
    "Person": "psn_name",
    "Institution": "fixmedins_name",
    "Practitioner": "prac_name",
    "Supplier": "entp_name",
    "Drug": "list_name",
    "BoxEvent": "event_type",
    "Phone": "tel",
    "Address": "addr",
    "Lead": "typology",
}
# main label -> (API kind, key property, display property)
KINDS: Final[dict[str, tuple[str, str, str | None]]] = {
    lb: (kind, NODE_KEYS[lb], _DISPLAY.get(lb)) for lb, kind in NODE_KINDS.items()
}
HASHED_KEYS: Final[frozenset[str]] = frozenset({"Phone", "Address"})
REGION_PROP: Final[dict[str, str]] = {
    "Person": "insu_admdvs",
    "Institution": "admdvs",
    "Supplier": "admdvs",
}
# Internal bookkeeping that a client has no use for.
HIDDEN_PROPS: Final[frozenset[str]] = frozenset({"reasons_json", "communities"})


def main_label(labels: list[str]) -> str:
    for lb in labels:
        if lb in KINDS:
            return lb
    return labels[0] if labels else "Node"


def node_id(labels: list[str], props: dict[str, Any]) -> str:
    lb = main_label(labels)
    kind, key, _ = KINDS.get(lb, (lb.lower(), "", None))
    value = props.get(key)
    if lb in HASHED_KEYS and value is not None:
        return f"{kind}:#{contact_id(str(value))}"
    return f"{kind}:{value}"


def jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, float | int | str | bool) or v is None:
        return v
    return str(v)


def public_props(labels: list[str], props: dict[str, Any], role: str) -> dict[str, Any]:
    shown = {k: jsonable(v) for k, v in props.items() if k not in HIDDEN_PROPS}
    return mask_props(shown, role)


def display(labels: list[str], props: dict[str, Any]) -> str:
    """``props`` already masked."""
    lb = main_label(labels)
    _, key, name_prop = KINDS.get(lb, ("", "", None))
    name = props.get(name_prop) if name_prop else None
    keyv = props.get(key)
    if lb in HASHED_KEYS:
        return str(name or "")
    if name and keyv and name != keyv:
        return f"{name} ({keyv})"
    return str(keyv if keyv is not None else name or lb)


def to_node(labels: list[str], props: dict[str, Any], role: str) -> GraphNode:
    shown = public_props(labels, props, role)
    return GraphNode(
        id=node_id(labels, props),
        type=main_label(labels),
        labels=sorted(labels),
        label=display(labels, shown),
        properties=shown,
    )


# Nodes that stand for one event (a settlement, a box movement, a fee line): the only ones
# a ring picture may leave out. Parties and what links them (phones, addresses, terminals,
# boxes) are always drawn.
EVENT_LABELS: Final[frozenset[str]] = frozenset({"Settlement", "BoxEvent", "FeeLine"})


class GraphBuilder:
    """Collects nodes and edges by element id, emits them with public ids.

    ``max_nodes`` caps the nodes in all; with ``events_only`` it caps only the event
    nodes (a lead's ring: every member and every linking node is kept, however many)."""

    def __init__(self, role: str, max_nodes: int, *, events_only: bool = False) -> None:
        self.role = role
        self.max_nodes = max_nodes
        self.events_only = events_only
        self.nodes: dict[str, GraphNode] = {}  # element id -> node
        self.edges: dict[str, tuple[str, str, str, str]] = {}  # rid -> (src eid, dst, type, label)
        self.truncated = False
        self.n_events = 0

    def add_node(self, eid: str, labels: list[str], props: dict[str, Any]) -> bool:
        if eid in self.nodes:
            return True
        event = main_label(labels) in EVENT_LABELS
        counted = self.n_events if self.events_only else len(self.nodes)
        if (event or not self.events_only) and counted >= self.max_nodes:
            self.truncated = True
            return False
        self.nodes[eid] = to_node(labels, props, self.role)
        self.n_events += event
        return True

    def add_edge(self, rid: str, src: str, dst: str, type_: str, label: str | None = None) -> None:
        self.edges.setdefault(rid, (src, dst, type_, label or type_))

    def public_id(self, eid: str) -> str:
        return self.nodes[eid].id

    def build(self) -> Subgraph:
        edges = []
        seen: set[str] = set()
        for rid, (src, dst, type_, label) in self.edges.items():
            if src not in self.nodes or dst not in self.nodes:
                continue
            s, t = self.nodes[src].id, self.nodes[dst].id
            eid = f"{s}-{type_}-{t}"
            if eid in seen:
                eid = f"{eid}#{hashlib.sha1(rid.encode()).hexdigest()[:8]}"
            seen.add(eid)
            edges.append(GraphEdge(id=eid, source=s, target=t, type=type_, label=label))
        return Subgraph(nodes=list(self.nodes.values()), edges=edges, truncated=self.truncated)


def reasons(raw: str | None) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [r for r in data if isinstance(r, dict) and "factor" in r]
