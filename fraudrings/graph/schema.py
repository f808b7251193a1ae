"""Apply ``graph/schema.cypher`` and compare it with the live database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from fraudrings.graph import model
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.tokens import bump_data

_CONSTRAINT = re.compile(
    r"CREATE CONSTRAINT (\w+) IF NOT EXISTS FOR \(\w+:(\w+)\) REQUIRE \w+\.(\w+) IS UNIQUE",
    re.I,
)
_INDEX = re.compile(r"CREATE INDEX (\w+) IF NOT EXISTS FOR \(\w+:(\w+)\) ON \(([^)]*)\)", re.I)


@dataclass(frozen=True)
class SchemaItem:
    kind: str  # "constraint" | "index"
    name: str
    label: str
    properties: tuple[str, ...]


def schema_text() -> str:
    return resources.files("fraudrings.graph").joinpath("schema.cypher").read_text("utf-8")


def statements(text: str | None = None) -> list[str]:
    body = "\n".join(
        line for line in (text or schema_text()).splitlines() if not line.lstrip().startswith("//")
    )
    return [s.strip() for s in body.split(";") if s.strip()]


def expected(text: str | None = None) -> set[SchemaItem]:
    items: set[SchemaItem] = set()
    for stmt in statements(text):
        if m := _CONSTRAINT.fullmatch(stmt):
            items.add(SchemaItem("constraint", m[1], m[2], (m[3],)))
        elif m := _INDEX.fullmatch(stmt):
            props = tuple(p.strip().split(".", 1)[1] for p in m[3].split(","))
            items.add(SchemaItem("index", m[1], m[2], props))
        else:
            raise ValueError(f"schema.cypher: statement not understood: {stmt}")
    return items


def apply(gw: Gateway) -> int:
    """Create every constraint and index that is missing, then wait for them to come online."""
    stmts = statements()
    for stmt in stmts:
        gw.run_auto(stmt)
    gw.run_auto("CALL db.awaitIndexes(300)")
    return len(stmts)


def actual(gw: Gateway) -> set[SchemaItem]:
    items: set[SchemaItem] = set()
    for r in gw.run_auto(
        "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
        "RETURN name, type, labelsOrTypes, properties"
    ):
        if r["type"] in ("UNIQUENESS", "NODE_PROPERTY_UNIQUENESS"):
            items.add(
                SchemaItem("constraint", r["name"], r["labelsOrTypes"][0], tuple(r["properties"]))
            )
    for r in gw.run_auto(
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, owningConstraint "
        "WHERE type = 'RANGE' AND owningConstraint IS NULL "
        "RETURN name, labelsOrTypes, properties"
    ):
        items.add(SchemaItem("index", r["name"], r["labelsOrTypes"][0], tuple(r["properties"])))
    return items


def empty(gw: Gateway, batch: int = 20000) -> None:
    """Delete every node and relationship, in batches: relationships first, so a dense
    node (a drug with a million lines) never takes all its relationships into one batch
    (which runs out of transaction memory)."""
    n = int(batch)
    gw.run_auto(f"MATCH ()-[r]->() CALL (r) {{ DELETE r }} IN TRANSACTIONS OF {n * 2} ROWS")
    gw.run_auto(f"MATCH (n) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF {n} ROWS")
    bump_data(gw)  # the facts are gone: so is the check's read model of them


def reset(gw: Gateway, batch: int = 20000) -> None:
    """Empty the database (in batches, so a large graph does not need one huge transaction),
    drop every constraint and index, and re-apply the schema. Relationships go first: a
    dense node (a drug with a million lines) would otherwise take all of its
    relationships into one batch."""
    empty(gw, batch)
    for r in gw.run_auto("SHOW CONSTRAINTS YIELD name RETURN name"):
        gw.run_auto(f"DROP CONSTRAINT `{r['name']}` IF EXISTS")
    for r in gw.run_auto("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
        gw.run_auto(f"DROP INDEX `{r['name']}` IF EXISTS")
    apply(gw)


def stats(gw: Gateway) -> dict[str, object]:
    """Version, edition and counts by label and type (from Neo4j's count store: O(1) each)."""
    info = gw.server_info()
    labels: dict[str, int] = {}
    for r in gw.run_auto("CALL db.labels() YIELD label RETURN label ORDER BY label"):
        name = model.label(r["label"]) if r["label"] in model.LABELS else None
        if name:  # names come from the allow-list only; anything else is counted by scan
            labels[name] = gw.run_auto(f"MATCH (n:`{name}`) RETURN count(n) AS n")[0]["n"]
        else:
            labels[r["label"]] = gw.run_auto(
                "MATCH (n) WHERE $l IN labels(n) RETURN count(n) AS n", {"l": r["label"]}
            )[0]["n"]
    rels: dict[str, int] = {}
    for r in gw.run_auto(
        "CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t ORDER BY t"
    ):
        if r["t"] in model.REL_TYPES:
            t = model.rel_type(r["t"])
            rels[t] = gw.run_auto(f"MATCH ()-[r:`{t}`]->() RETURN count(r) AS n")[0]["n"]
        else:
            rels[r["t"]] = gw.run_auto(
                "MATCH ()-[r]->() WHERE type(r) = $t RETURN count(r) AS n", {"t": r["t"]}
            )[0]["n"]
    nodes = gw.run_auto("MATCH (n) RETURN count(n) AS n")[0]["n"]
    relationships = gw.run_auto("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return {
        "neo4j": info,
        "labels": labels,
        "relationship_types": rels,
        "nodes": nodes,
        "relationships": relationships,
    }
