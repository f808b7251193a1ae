"""Entities: profiles, neighbourhoods, paths between two, and the history of a box."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request

from fraudrings.api.deps import (
    Principal,
    PurposeParams,
    User,
    audit_ids,
    get_service,
    require_purpose,
    view_role,
)
from fraudrings.api.graphview import (
    KINDS,
    REGION_PROP,
    GraphBuilder,
    display,
    main_label,
    public_props,
)
from fraudrings.api.problems import ProblemError, responses
from fraudrings.api.schemas import (
    BoxEvent,
    BoxHistory,
    EntityLead,
    EntityPublic,
    Kind,
    PathPublic,
    PathsPublic,
    Subgraph,
)
from fraudrings.api.service import Service
from fraudrings.graph.model import SUB_LABELS

router = APIRouter(
    prefix="/entities",
    tags=["entities"],
    responses=responses(401, 428, 429, 503),
    dependencies=[PurposeParams],
)
# Node types that are a person's record: a lookup that returns one needs a stated purpose.
PERSONAL_TYPES: Final[frozenset[str]] = frozenset({"Person", "Phone", "Address"})


def purpose_if_personal(request: Request, graph: Subgraph) -> None:
    if any(n.type in PERSONAL_TYPES for n in graph.nodes):
        require_purpose(request)


EntityId = Annotated[str, Path(min_length=1, max_length=128)]
# Hard caps (the settings may lower them): beyond these the request is refused with 422.
MAX_HOPS: Final[int] = 3
MAX_NODES: Final[int] = 500
MAX_PER_NODE: Final[int] = 100
MAX_PATH_HOPS: Final[int] = 6  # api_paths.cypher has a branch for each bound up to 6
MAX_PATHS: Final[int] = 10


def not_found(kind: str) -> ProblemError:
    return ProblemError(404, f"no {kind} with this id", slug="not-found")


def too_big(what: str, cap: int) -> ProblemError:
    return ProblemError(422, f"{what} is capped at {cap} on this service", slug="over-cap")


def lookup(svc: Service, user: Principal, kind: str, entity_id: str) -> dict[str, Any]:
    rows = svc.read("api_entity_get", {"kind": kind, "id": entity_id, **user.scope})
    if not rows:
        raise not_found(kind)
    return rows[0]


def _flags(labels: list[str], props: dict[str, Any], leads: list[dict[str, Any]]) -> list[str]:
    raw = props.get("psn_flags")
    # a list in the graph; "a;b" as a drop may spell it
    items = raw if isinstance(raw, list) else str(raw or "").split(";")
    flags = [str(f) for f in items if f]
    flags += sorted(lb for lb in labels if lb in SUB_LABELS)
    if props.get("death_date"):
        flags.append("deceased")
    flags += sorted({f"lead:{x['typology']}" for x in leads if x.get("typology")})
    return flags


@router.get(
    "/{kind}/{entity_id}",
    response_model=EntityPublic,
    summary="Profile of a person, institution, practitioner, supplier or box",
    responses=responses(404, 422),
)
def get_entity(request: Request, user: User, kind: Kind, entity_id: EntityId) -> EntityPublic:
    audit_ids(request, [f"{kind}:{entity_id}"])  # a refusal (428) names what was asked
    if kind == "person":
        require_purpose(request)
    row = lookup(get_service(request), user, kind, entity_id)
    labels: list[str] = row["labels"]
    props: dict[str, Any] = row["props"]
    shown = public_props(labels, props, view_role(request, user))
    lb = main_label(labels)
    leads = [EntityLead(**x) for x in row["leads"]]
    audit_ids(request, [f"{kind}:{entity_id}"] + [f"lead:{x.lead_id}" for x in leads])
    return EntityPublic(
        kind=kind,
        id=entity_id,
        name=display(labels, shown),
        region=props.get(REGION_PROP[lb]) if lb in REGION_PROP else None,
        labels=sorted(labels),
        flags=_flags(labels, props, row["leads"]),
        properties=shown,
        degree={k: int(v) for k, v in row["degree"].items() if v},
        leads=leads,
    )


@router.get(
    "/{kind}/{entity_id}/neighbourhood",
    response_model=Subgraph,
    summary="The entity's neighbourhood inside your region (bounded hops and size)",
    responses=responses(404, 422),
)
def neighbourhood(
    request: Request,
    user: User,
    kind: Kind,
    entity_id: EntityId,
    hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 1,
    max_nodes: Annotated[int, Query(ge=1, le=MAX_NODES)] = 100,
    per_node: Annotated[
        int, Query(ge=1, le=MAX_PER_NODE, description="neighbours kept per node")
    ] = 25,
) -> Subgraph:
    svc = get_service(request)
    s = svc.settings
    if hops > s.api_max_hops:
        raise too_big("hops", s.api_max_hops)
    if max_nodes > s.api_max_nodes:
        raise too_big("max_nodes", s.api_max_nodes)
    audit_ids(request, [f"{kind}:{entity_id}"])  # a refusal (428) names what was asked
    if kind == "person":
        require_purpose(request)
    start = lookup(svc, user, kind, entity_id)
    g = GraphBuilder(view_role(request, user), max_nodes)
    g.add_node(start["eid"], start["labels"], start["props"])
    frontier = [start["eid"]]
    for _ in range(hops):
        if not frontier or g.truncated:
            break
        rows = svc.read(
            "api_expand",
            {
                "eids": frontier,
                **user.scope,
                "per_node": per_node,
                "limit": max_nodes * per_node,
            },
        )
        nxt = []
        for r in rows:
            new = r["eid"] not in g.nodes
            if g.add_node(r["eid"], r["labels"], r["props"]):
                g.add_edge(r["rid"], r["src"], r["dst"], r["type"])
                if new and not r["party"]:  # a party of a treatment is not expanded
                    nxt.append(r["eid"])
        frontier = nxt
    out = g.build()
    audit_ids(request, [n.id for n in out.nodes])
    purpose_if_personal(request, out)
    return out


@router.get(
    "/{kind}/{entity_id}/paths",
    response_model=PathsPublic,
    summary="Shortest paths to another entity, through your region only (bounded)",
    responses=responses(404, 422),
)
def paths(
    request: Request,
    user: User,
    kind: Kind,
    entity_id: EntityId,
    to_kind: Kind,
    to_id: Annotated[str, Query(min_length=1, max_length=128)],
    max_hops: Annotated[int, Query(ge=1, le=MAX_PATH_HOPS)] = 4,
    max_paths: Annotated[int, Query(ge=1, le=MAX_PATHS)] = 5,
) -> PathsPublic:
    svc = get_service(request)
    s = svc.settings
    if max_hops > s.api_max_path_hops:
        raise too_big("max_hops", s.api_max_path_hops)
    if max_paths > s.api_max_paths:
        raise too_big("max_paths", s.api_max_paths)
    audit_ids(request, [f"{kind}:{entity_id}", f"{to_kind}:{to_id}"])  # also for a 428
    if "person" in (kind, to_kind):
        require_purpose(request)
    a = lookup(svc, user, kind, entity_id)
    b = lookup(svc, user, to_kind, to_id)
    g = GraphBuilder(view_role(request, user), MAX_NODES)
    g.add_node(a["eid"], a["labels"], a["props"])
    g.add_node(b["eid"], b["labels"], b["props"])
    found: list[PathPublic] = []
    if a["eid"] != b["eid"]:
        for row in svc.read(
            "api_paths",
            {
                "a": a["eid"],
                "b": b["eid"],
                **user.scope,
                "max_hops": max_hops,
                "max_paths": max_paths,
            },
        ):
            for n in row["nodes"]:
                g.add_node(n["eid"], n["labels"], n["props"])
            for r in row["rels"]:
                g.add_edge(r["rid"], r["src"], r["dst"], r["type"])
            found.append(
                PathPublic(
                    length=len(row["rels"]),
                    nodes=[g.public_id(n["eid"]) for n in row["nodes"]],
                    edges=[],
                )
            )
    graph = g.build()
    by_ends: dict[tuple[str, str], str] = {}
    for e in graph.edges:
        by_ends.setdefault((e.source, e.target), e.id)
        by_ends.setdefault((e.target, e.source), e.id)
    for p in found:
        p.edges = [by_ends.get((x, y), "") for x, y in zip(p.nodes, p.nodes[1:], strict=False)]
    audit_ids(request, [n.id for n in graph.nodes])
    purpose_if_personal(request, graph)
    return PathsPublic(
        source=g.public_id(a["eid"]), target=g.public_id(b["eid"]), paths=found, graph=graph
    )


@router.get(
    "/trace_code/{code}/history",
    response_model=BoxHistory,
    summary="The full history of one drug box by its traceability code (追溯码)",
    responses=responses(404, 422),
)
def box_history(
    request: Request,
    user: User,
    code: Annotated[str, Path(min_length=1, max_length=128)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> BoxHistory:
    svc = get_service(request)
    limit = min(limit, svc.settings.api_max_events)
    rows = svc.read("api_box_history", {"code": code, **user.scope, "limit": limit})
    if not rows:
        raise not_found("trace_code")
    r = rows[0]
    events = [BoxEvent(**e) for e in r["events"]]
    ids = [f"trace_code:{code}"]
    for e in events:
        ids += [f"{e.from_kind}:{e.from_code}"] if e.from_code else []
        ids += [f"{e.to_kind}:{e.to_code}"] if e.to_code else []
    audit_ids(request, list(dict.fromkeys(ids)))
    if any("person" in (e.from_kind, e.to_kind) for e in events):
        require_purpose(request)
    return BoxHistory(
        code=r["code"],
        med_list_codg=r["med_list_codg"],
        list_name=r["list_name"],
        n_events=r["n_events"],
        truncated=r["n_events"] > len(events),
        events=events,
    )


__all__ = ["KINDS", "router"]
