"""Leads: list, detail with a drawable subgraph, and the review workflow."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from fraudrings.api.cache import JSONBytes
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
    jsonable,
    main_label,
    public_props,
)
from fraudrings.api.graphview import reasons as parse_reasons
from fraudrings.api.masking import mask_texts, mask_value, needs_mask
from fraudrings.api.problems import ProblemError, responses
from fraudrings.api.schemas import (
    REGION_PATTERN,
    AssignCreate,
    LeadChangePublic,
    LeadList,
    LeadPublic,
    LeadSummary,
    LeadTimeline,
    MemberPublic,
    NoteCreate,
    Reason,
    SortKey,
    Status,
    TerminalHour,
    TerminalHours,
    TimelineDeath,
    TimelineSettlement,
    TransitionCreate,
    Typology,
)
from fraudrings.api.service import Service
from fraudrings.casework.leads import LeadChange
from fraudrings.casework.roles import at_least
from fraudrings.casework.scope import scoped_evidence
from fraudrings.casework.workflow import (
    WorkflowError,
    allowed_transitions,
    check_assign,
    check_transition,
    taken_by,
)
from fraudrings.graph.detect.config import DeceasedConfig

router = APIRouter(prefix="/leads", tags=["leads"], responses=responses(401, 429, 503))

LeadId = Annotated[str, Path(min_length=1, max_length=128)]
NOT_FOUND = "no lead with this id"


def not_found() -> ProblemError:
    return ProblemError(404, NOT_FOUND, slug="not-found")


@router.get("", response_model=LeadList, summary="List leads", responses=responses(422))
def list_leads(
    request: Request,
    user: User,
    typology: Typology | None = None,
    status: Status | None = None,
    region: Annotated[
        str | None,
        Query(pattern=REGION_PATTERN, description="division-code prefix inside your region"),
    ] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_amount: Annotated[float | None, Query(ge=0, description="amount at risk, at least")] = None,
    date_from: Annotated[date | None, Query(description="last seen on or after")] = None,
    date_to: Annotated[date | None, Query(description="first seen on or before")] = None,
    member_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=64,
            description="search: part of a lead id, or a member's key (person number, "
            "institution, practitioner or supplier code, trace code), or part of an "
            "institution member's name",
        ),
    ] = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    include_inactive: bool = False,
    sort: SortKey = "score",
    order: Literal["asc", "desc"] = "desc",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    svc = get_service(request)
    limit = min(limit, svc.settings.api_max_page)
    params = {
        **user.scope,
        "area": region,
        "typology": typology,
        "status": status,
        "min_score": min_score,
        "min_amount": min_amount,
        "assignee": assignee,
        "include_inactive": include_inactive,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "member_id": member_id,
        "q": q.strip() if q and q.strip() else None,
        "sort": sort,
        "desc": order == "desc",
        "skip": offset,
        "limit": limit,
    }
    token = svc.leads_token()
    key = ("leads", user.role, tuple(sorted(params.items())))
    kept = svc.cache.get(key, token)
    if kept is None:
        rows = svc.read("api_leads_list", params)
        total = rows[0]["total"] if rows else 0
        page = [
            LeadSummary(
                **{**r, "status": r.get("status") or "new", "active": r.get("active", True)}
            )
            for r in (rows[0]["page"] if rows else [])
        ]
        body = LeadList(data=page, count=total).model_dump_json().encode()
        kept = (body, [f"lead:{x.lead_id}" for x in page])
        svc.cache.put(key, token, kept, 2 * len(body))
    body, ids = kept
    audit_ids(request, ids)
    return JSONBytes(body)


def _member(m: dict[str, Any], role: str) -> MemberPublic:
    labels: list[str] = m["labels"]
    props: dict[str, Any] = m["props"]
    lb = main_label(labels)
    kind, key, _ = KINDS.get(lb, (lb.lower(), "", None))
    shown = public_props(labels, props, role)
    region_prop = REGION_PROP.get(lb)
    return MemberPublic(
        kind=kind,
        id=str(props.get(key)),
        role=m.get("role"),
        name=display(labels, shown),
        region=props.get(region_prop) if region_prop else None,
        properties=shown,
    )


def load_lead(svc: Service, user: Principal, lead_id: str, view: str) -> LeadPublic:
    """The lead as ``user`` may see it, masked as ``view`` (:func:`deps.view_role`)."""
    rows = svc.read("api_lead_get", {"lead_id": lead_id, **user.scope})
    if not rows:
        raise not_found()
    row = rows[0]
    lead: dict[str, Any] = row["lead"]
    # the evidence lines as the caller's region may see them, here and on the lead's node
    evidence = scoped_evidence(
        svc.gw, lead.get("evidence") or [], user.region, timeout=svc.settings.api_query_timeout_s
    )
    lead = {**lead, "evidence": evidence.lines}
    g = GraphBuilder(view, svc.settings.api_max_nodes, events_only=True)
    g.add_node(row["eid"], ["Lead"], lead)
    for m in row["members"]:
        if g.add_node(m["eid"], m["labels"], m["props"]):
            g.add_edge(
                f"inv:{m['eid']}", row["eid"], m["eid"], "INVOLVES", m.get("role") or "INVOLVES"
            )
    for link in svc.read(
        "api_lead_subgraph",
        {"lead_id": lead_id, **user.scope, "per_member": 20, "limit": 400},
    ):
        ok = all(g.add_node(v["eid"], v["labels"], v["props"]) for v in link["via"])
        if ok:
            for r in link["rels"]:
                g.add_edge(r["rid"], r["src"], r["dst"], r["type"])
    status = lead.get("status") or "new"
    assignee = lead.get("assignee")
    members = [_member(m, view) for m in row["members"]]
    history = [LeadChangePublic(**h) for h in row["history"]]
    return LeadPublic(
        lead_id=lead["lead_id"],
        typology=lead.get("typology") or "",
        score=float(lead.get("score") or 0.0),
        amount_at_risk=lead.get("amount_at_risk"),
        first_seen=lead.get("first_seen"),
        last_seen=lead.get("last_seen"),
        status=status,
        assignee=assignee,
        region=lead.get("region"),
        regions=list(lead.get("regions") or []),
        member_count=lead.get("member_count", len(members)),
        active=bool(lead.get("active", True)),
        detected_at=lead.get("detected_at"),
        run_id=lead.get("run_id"),
        reasons=[
            Reason(**{**r, "text": mask_texts([str(r.get("text") or "")], view)[0]})
            for r in parse_reasons(lead.get("reasons_json"))
        ],
        evidence=mask_texts(evidence.lines, view),
        evidence_withheld=evidence.withheld,
        members=members,
        history=history,
        allowed_transitions=allowed_transitions(  # type: ignore[arg-type]
            user.role, user.username, status, assignee
        ),
        subgraph=g.build(),
    )


def _lead_ids(lead: LeadPublic) -> list[str]:
    return [f"lead:{lead.lead_id}"] + [f"{m.kind}:{m.id}" for m in lead.members]


@router.get(
    "/{lead_id}",
    response_model=LeadPublic,
    summary="One lead: members, reasons, evidence, history and a drawable subgraph",
    responses=responses(404, 422, 428),
    dependencies=[PurposeParams],
)
def get_lead(request: Request, user: User, lead_id: LeadId) -> Any:
    svc = get_service(request)
    token = svc.leads_token()
    view = view_role(request, user)
    key = ("lead", lead_id, user.region, view)
    kept: _KeptLead | None = svc.cache.get(key, token)
    if kept is None:
        kept = _KeptLead(load_lead(svc, user, lead_id, view))
        body = kept.json_for(user)
        svc.cache.put(key, token, kept, 3 * len(body))  # the model, and a JSON or two
    else:
        body = kept.json_for(user)
    audit_ids(request, kept.ids)
    if kept.personal:
        require_purpose(request)  # it holds persons' data
    return JSONBytes(body)


class _KeptLead:
    """One lead's detail as a caller of one region and role sees it; the JSON per set of
    transitions the caller may make (the only part that depends on who asks)."""

    def __init__(self, lead: LeadPublic) -> None:
        self.lead = lead
        self.ids = _lead_ids(lead)
        self.personal = any(m.kind == "person" for m in lead.members) or any(
            n.type in ("Person", "Phone", "Address") for n in lead.subgraph.nodes
        )
        self._json: dict[tuple[str, ...], bytes] = {}

    def json_for(self, user: Principal) -> bytes:
        moves = tuple(
            allowed_transitions(user.role, user.username, self.lead.status, self.lead.assignee)
        )
        body = self._json.get(moves)
        if body is None:
            shown = self.lead.model_copy(update={"allowed_transitions": list(moves)})
            body = self._json[moves] = shown.model_dump_json().encode()
        return body


def _text(v: Any) -> str | None:
    return None if v is None else str(jsonable(v))


def _money(v: Any) -> float | None:
    return None if v is None else float(v)


# the terminals of a pooling lead drawn hour by hour, busiest first
MAX_TERMINALS = 6


@router.get(
    "/{lead_id}/timeline",
    response_model=LeadTimeline,
    summary="What the lead's timeline draws beyond its graph: members' death dates with every "
    "settlement counted after them, and the pooling terminals' cards hour by hour",
    responses=responses(404, 422, 428),
    dependencies=[PurposeParams],
)
def lead_timeline(request: Request, user: User, lead_id: LeadId) -> LeadTimeline:
    svc = get_service(request)
    rows = svc.read("api_lead_exists", {"lead_id": lead_id, **user.scope})
    if not rows:
        raise not_found()
    typology = str(rows[0].get("typology") or "")
    view = view_role(request, user)
    params = {"lead_id": lead_id, **user.scope}
    deaths = [
        TimelineDeath(
            person=f"person:{r['psn_no']}",
            death_date=(
                mask_value("death_date", _text(r["death_date"]))
                if needs_mask(view)
                else _text(r["death_date"])
            ),
            settlements=[
                TimelineSettlement(
                    id=f"settlement:{s['setl_id']}",
                    institution=f"institution:{s['inst']}" if s.get("inst") else None,
                    institution_name=s.get("inst_name"),
                    begntime=_text(s.get("begntime")),
                    endtime=_text(s.get("endtime")),
                    setl_time=_text(s.get("setl_time")),
                    med_type=_text(s.get("med_type")),
                    fund=_money(s.get("fund")),
                    medfee=_money(s.get("medfee")),
                )
                for s in r["settlements"] or []
            ],
        )
        for r in svc.read(
            "api_lead_deaths", {**params, "min_days_after": DeceasedConfig().min_days_after}
        )
    ]
    terminals = [
        TerminalHours(
            terminal=f"terminal:{r['terminal_id']}",
            institutions=[f"institution:{c}" for c in r["institutions"] if c],
            hours=[TerminalHour(**h) for h in r["hours"]],
        )
        for r in svc.read("api_lead_terminal_hours", {**params, "max_terminals": MAX_TERMINALS})
    ]
    if deaths:
        require_purpose(request)  # a person's death and his settlements
    audit_ids(request, [f"lead:{lead_id}"] + [d.person for d in deaths])
    return LeadTimeline(lead_id=lead_id, typology=typology, deaths=deaths, terminals=terminals)


@router.get(
    "/{lead_id}/history",
    response_model=list[LeadChangePublic],
    summary="The workflow history of a lead, oldest first",
    responses=responses(404, 422),
)
def lead_history(request: Request, user: User, lead_id: LeadId) -> list[LeadChangePublic]:
    rows = get_service(request).read("api_lead_get", {"lead_id": lead_id, **user.scope})
    if not rows:
        raise not_found()
    audit_ids(request, [f"lead:{lead_id}"])
    return [LeadChangePublic(**h) for h in rows[0]["history"]]


def _apply(
    svc: Service,
    user: Principal,
    lead: LeadPublic,
    *,
    action: str,
    to_status: str,
    note: str | None,
    set_assignee: bool = False,
    assignee: str | None = None,
) -> None:
    change = LeadChange(
        lead_id=lead.lead_id,
        scope=user.scope,
        by=user.username,
        action=action,
        expected_status=lead.status,
        expected_assignee=lead.assignee,
        to_status=to_status,
        note=note,
        set_assignee=set_assignee,
        assignee=assignee,
    )
    if not svc.change_lead(change):
        raise ProblemError(
            409, "the lead changed while you were looking at it; reload it", slug="conflict"
        )


def _check_assignee(svc: Service, lead: LeadPublic, username: str) -> None:
    u = svc.store.get_user(username)
    region = lead.region or ""
    if (
        u is None
        or not u.active
        or not at_least(u.role, "investigator")
        or not region.startswith(u.region)
    ):
        raise ProblemError(
            422,
            f"{username!r} is not an active investigator (or higher) whose region covers this lead",
            slug="bad-assignee",
        )


def _workflow(exc: WorkflowError) -> ProblemError:
    return ProblemError(exc.status, str(exc), slug="workflow")


@router.post(
    "/{lead_id}/transitions",
    response_model=LeadPublic,
    summary="Move a lead to its next status",
    responses=responses(403, 404, 409, 422, 428),
    dependencies=[PurposeParams],
)
def transition(request: Request, user: User, lead_id: LeadId, body: TransitionCreate) -> LeadPublic:
    svc = get_service(request)
    request.state.audit_params = body.model_dump()
    require_purpose(request)  # the answer is the lead with its members
    lead = load_lead(svc, user, lead_id, view_role(request, user))
    try:
        check_transition(user.role, user.username, lead.status, body.to_status, lead.assignee)
    except WorkflowError as exc:
        raise _workflow(exc) from None
    set_assignee, assignee = False, lead.assignee
    if body.assignee is not None and body.assignee != lead.assignee:
        try:
            check_assign(user.role, user.username, lead.assignee, body.assignee)
        except WorkflowError as exc:
            raise _workflow(exc) from None
        _check_assignee(svc, lead, body.assignee)
        set_assignee, assignee = True, body.assignee
    elif taken_by(user.username, body.to_status, lead.assignee) != lead.assignee:
        set_assignee, assignee = True, user.username  # whoever takes it into review has it
    _apply(
        svc,
        user,
        lead,
        action="transition",
        to_status=body.to_status,
        note=body.note,
        set_assignee=set_assignee,
        assignee=assignee,
    )
    out = load_lead(svc, user, lead_id, view_role(request, user))
    audit_ids(request, [f"lead:{lead_id}"])
    return out


@router.put(
    "/{lead_id}/assignee",
    response_model=LeadPublic,
    summary="Assign a lead (or unassign it with null)",
    responses=responses(403, 404, 409, 422, 428),
    dependencies=[PurposeParams],
)
def assign(request: Request, user: User, lead_id: LeadId, body: AssignCreate) -> LeadPublic:
    svc = get_service(request)
    request.state.audit_params = body.model_dump()
    require_purpose(request)  # the answer is the lead with its members
    lead = load_lead(svc, user, lead_id, view_role(request, user))
    try:
        check_assign(user.role, user.username, lead.assignee, body.assignee)
    except WorkflowError as exc:
        raise _workflow(exc) from None
    if body.assignee is not None:
        _check_assignee(svc, lead, body.assignee)
    _apply(
        svc,
        user,
        lead,
        action="assign",
        to_status=lead.status,
        note=body.note,
        set_assignee=True,
        assignee=body.assignee,
    )
    out = load_lead(svc, user, lead_id, view_role(request, user))
    audit_ids(request, [f"lead:{lead_id}"])
    return out


@router.post(
    "/{lead_id}/notes",
    response_model=LeadPublic,
    status_code=201,
    summary="Add a note to a lead's history",
    responses=responses(404, 409, 422, 428),
    dependencies=[PurposeParams],
)
def add_note(request: Request, user: User, lead_id: LeadId, body: NoteCreate) -> LeadPublic:
    svc = get_service(request)
    request.state.audit_params = body.model_dump()
    require_purpose(request)  # the answer is the lead with its members
    lead = load_lead(svc, user, lead_id, view_role(request, user))
    _apply(svc, user, lead, action="note", to_status=lead.status, note=body.note)
    out = load_lead(svc, user, lead_id, view_role(request, user))
    audit_ids(request, [f"lead:{lead_id}"])
    return out
