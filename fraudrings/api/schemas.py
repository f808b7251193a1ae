"""Request and response models: ``*Create`` in, ``*Public`` out, ``*List`` for pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from fraudrings.core.vocabulary import JobKind, JobState, LeadAction, Role, Typology
from fraudrings.core.vocabulary import LeadStatus as Status
from fraudrings.core.vocabulary import MemberKind as Kind

__all__ = ["Kind", "Role", "Status", "Typology"]
SortKey = Literal[
    "score", "amount_at_risk", "first_seen", "last_seen", "member_count", "detected_at", "lead_id"
]

T = TypeVar("T")

REGION_PATTERN = r"^[0-9]{0,6}$"


class ListOf(BaseModel, Generic[T]):
    """A page of results: ``count`` is the total matching, not the page size."""

    data: list[T]
    count: int = Field(ge=0)


# -- graph drawing -----------------------------------------------------------------------
class GraphNode(BaseModel):
    id: str = Field(description="stable id: '<kind>:<key>'")
    type: str = Field(description="main label: Person, Institution, Settlement, Box, ...")
    labels: list[str]
    label: str = Field(description="text to draw on the node (masked for analysts)")
    properties: dict[str, Any] = Field(default_factory=dict)


class GraphEdge(BaseModel):
    id: str
    source: str
    target: str
    type: str = Field(description="relationship type: SETTLED, AT, INVOLVES, ...")
    label: str


class Subgraph(BaseModel):
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = Field(False, description="true when a size cap cut the graph short")


# -- leads ------------------------------------------------------------------------------
class Reason(BaseModel):
    factor: str
    value: float | int | str | bool | None = None
    weight: float | None = None
    text: str = ""


class LeadSummary(BaseModel):
    lead_id: str
    typology: str
    score: float
    amount_at_risk: float | None = None
    first_seen: date | None = None
    last_seen: date | None = None
    status: str
    assignee: str | None = None
    region: str | None = None
    member_count: int | None = None
    active: bool = True
    detected_at: datetime | None = None


LeadList = ListOf[LeadSummary]


class MemberPublic(BaseModel):
    kind: str
    id: str
    role: str | None = None
    name: str | None = Field(None, description="display name (masked for analysts)")
    region: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class LeadChangePublic(BaseModel):
    change_id: str
    at: datetime
    by: str
    action: LeadAction
    from_status: str | None = None
    to_status: str | None = None
    previous_assignee: str | None = None
    assignee: str | None = None
    note: str | None = None


class LeadPublic(LeadSummary):
    regions: list[str] = Field(default_factory=list)
    reasons: list[Reason] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    evidence_withheld: int = Field(
        0, description="evidence lines about settlements, boxes or persons your region may not see"
    )
    run_id: str | None = None
    members: list[MemberPublic]
    history: list[LeadChangePublic]
    allowed_transitions: list[Status] = Field(
        default_factory=list, description="statuses the caller may move this lead to now"
    )
    subgraph: Subgraph


class TimelineSettlement(BaseModel):
    id: str = Field(description="settlement:<setl_id>")
    institution: str | None = Field(None, description="institution:<code>")
    institution_name: str | None = None
    begntime: str | None = None
    endtime: str | None = None
    setl_time: str | None = None
    med_type: str | None = None
    fund: float | None = Field(None, description="fund_pay_sumamt")
    medfee: float | None = Field(None, description="medfee_sumamt")


class TimelineDeath(BaseModel):
    person: str = Field(description="person:<psn_no>")
    death_date: str | None = Field(None, description="masked (***) in a masked view")
    settlements: list[TimelineSettlement] = Field(
        description="every settlement beginning after the death date that the "
        "claims-for-the-dead model counts, oldest first"
    )


class TerminalHour(BaseModel):
    hour: str = Field(description="YYYY-MM-DDTHH:00, the clock hour")
    cards: int = Field(description="distinct persons whose cards the terminal read that hour")
    lead_cards: int = Field(description="of those, the lead's members")
    settlements: int


class TerminalHours(BaseModel):
    terminal: str = Field(description="terminal:<terminal_id>")
    institutions: list[str] = Field(description="institution:<code> where it read cards")
    hours: list[TerminalHour] = Field(description="hours of the lead's span it read a card")


class LeadTimeline(BaseModel):
    lead_id: str
    typology: str
    deaths: list[TimelineDeath]
    terminals: list[TerminalHours]


class TransitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_status: Status
    note: str | None = Field(None, max_length=4000)
    assignee: str | None = Field(
        None, max_length=64, description="optionally assign at the same time"
    )


class AssignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str | None = Field(description="username, or null to unassign", max_length=64)
    note: str | None = Field(None, max_length=4000)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=4000)


# -- entities ---------------------------------------------------------------------------
class EntityLead(BaseModel):
    lead_id: str
    typology: str
    score: float | None = None
    status: str | None = None
    active: bool | None = None
    role: str | None = None


class EntityPublic(BaseModel):
    kind: Kind
    id: str
    name: str | None = None
    region: str | None = None
    labels: list[str]
    flags: list[str] = Field(
        default_factory=list,
        description="psn_flags of a person, refining labels (Pharmacy, Unregistered...), "
        "deceased, lead typologies",
    )
    properties: dict[str, Any]
    degree: dict[str, int] = Field(description="relationships by type")
    leads: list[EntityLead]


class BoxEvent(BaseModel):
    event_id: str
    event_type: str | None = None
    event_time: datetime | None = None
    setl_id: str | None = None
    manu_lotnum: str | None = None
    in_fee_details: bool = False
    in_trace: bool = False
    from_kind: str | None = None
    from_code: str | None = None
    from_name: str | None = None
    to_kind: str | None = None
    to_code: str | None = None
    to_name: str | None = None


class BoxHistory(BaseModel):
    code: str
    med_list_codg: str | None = None
    list_name: str | None = None
    n_events: int
    truncated: bool
    events: list[BoxEvent]


class PathPublic(BaseModel):
    length: int
    nodes: list[str] = Field(description="node ids in order")
    edges: list[str] = Field(description="edge ids in order")


class PathsPublic(BaseModel):
    source: str
    target: str
    paths: list[PathPublic]
    graph: Subgraph


# -- jobs -------------------------------------------------------------------------------
class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: JobKind
    drop: str | None = Field(
        None,
        max_length=255,
        description="for ingest: the drop folder, relative to the service's drops folder",
    )


class JobPublic(BaseModel):
    job_id: str
    kind: str
    state: JobState
    params: dict[str, Any]
    stage: str | None = None
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = None
    error: str | None = None
    created_by: str
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None


JobList = ListOf[JobPublic]


# -- accounts ---------------------------------------------------------------------------
class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    role: Role
    region: str = Field(pattern=REGION_PATTERN, description="division-code prefix; '' = all")
    password: str = Field(min_length=12, max_length=256)
    institutions: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=100,
        description="role institution only: the fixmedins_codes its counters check",
    )


class UserPublic(BaseModel):
    username: str
    role: Role
    region: str
    active: bool
    created_at: str


UserList = ListOf[UserPublic]


class TotpEnrolment(BaseModel):
    """A TOTP secret to scan into an authenticator app: shown once, when it is made."""

    username: str
    otpauth_uri: str = Field(description="otpauth://totp/... (RFC 6238, SHA1, 6 digits, 30 s)")
    qr_svg: str = Field(description="the URI as a QR code, SVG (made locally)")
    qr_png_base64: str = Field(description="the same as a PNG, base64")


class UserCreated(UserPublic):
    totp: TotpEnrolment


class TotpRenew(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(pattern=r"^[0-9]{6}$", description="the current code of the old secret")


# -- audit ------------------------------------------------------------------------------
class AuditPublic(BaseModel):
    id: int
    at: str
    username: str | None = None
    role: str | None = None
    region: str | None = None
    method: str
    path: str
    route: str | None = None
    params: dict[str, Any]
    entity_ids: list[str]
    status: int
    duration_ms: float
    client: str | None = None
    purpose: str | None = None
    prev_hash: str | None = None
    hash: str | None = None


AuditList = ListOf[AuditPublic]


class AuditVerify(BaseModel):
    ok: bool
    rows: int | None = None
    first_id: int | None = None
    last_id: int | None = None
    head: str | None = Field(
        default=None,
        description="the last row as ROW:HASH: keep it outside the service (a later "
        "verify with ?head= proves nothing before it was cut off or rebuilt)",
    )
    broken_row: int | None = Field(default=None, description="the first row that does not verify")
    reason: str | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None
    check_facts: str | None = Field(
        default=None,
        description="the pre-settlement check's read model: ready (checks use it), "
        "building, stale (checks ask Neo4j meanwhile) or off",
    )
