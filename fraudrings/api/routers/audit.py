"""The audit log, read-only, for supervisors, admins and auditors (their region's users):
search, export as CSV or JSON, and a check of the hash chain.

Rows of a region's users may name leads of another region (a counter's check that met a
member of another region's lead records that lead, for ``GET /check/hits``): a reader
gets them without those names, and a search by a lead of another region finds nothing
(:mod:`fraudrings.casework.scope`)."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from fraudrings.api.deps import AuditReader, Principal, get_service
from fraudrings.api.problems import responses
from fraudrings.api.schemas import AuditList, AuditPublic, AuditVerify
from fraudrings.casework.scope import owned_leads, scoped_audit_rows, without_foreign_leads
from fraudrings.casework.store import AuditBroken
from fraudrings.graph.errors import GraphError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/audit", tags=["audit"], responses=responses(401, 403, 429))

EXPORT_MAX = 100_000
CSV_COLUMNS = (
    "id", "at", "username", "role", "region", "method", "path", "route", "params",
    "entity_ids", "purpose", "status", "duration_ms", "client", "prev_hash", "hash",
)  # fmt: skip


def _search(
    request: Request,
    user: Principal,
    username: str | None,
    path: str | None,
    route: str | None,
    entity_id: str | None,
    purpose: str | None,
    status: int | None,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
) -> tuple[int, list[dict[str, Any]]]:
    svc = get_service(request)
    timeout = svc.settings.api_query_timeout_s
    if entity_id and entity_id.startswith("lead:"):
        try:
            owned = bool(owned_leads(svc.gw, [entity_id[5:]], user.region, timeout=timeout))
        except GraphError as exc:
            log.warning("audit search by a lead without the graph: %s", exc)
            owned = False
        if not owned:
            return 0, []  # another region's lead: its rows are not searched for
    total, rows = svc.store.query_audit(
        region_prefix=user.region,
        username=username,
        path_prefix=path,
        route=route,
        entity_id=entity_id,
        purpose=purpose,
        status=status,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        offset=offset,
        limit=limit,
    )
    try:
        return total, scoped_audit_rows(svc.gw, rows, user.region, timeout=timeout)
    except GraphError as exc:
        # the graph cannot say which leads the region owns: none is named
        log.warning("audit read without the graph, lead ids left out: %s", exc)
        return total, without_foreign_leads(rows, frozenset())


Username = Annotated[str | None, Query(max_length=64)]
PathPrefix = Annotated[str | None, Query(max_length=256, description="path prefix")]
Route = Annotated[str | None, Query(max_length=256, description="route, e.g. /leads/{lead_id}")]
EntityId = Annotated[str | None, Query(max_length=160, description="e.g. person:P001")]
Purpose = Annotated[
    str | None, Query(max_length=200, description="text in the stated purpose or case number")
]
Status = Annotated[int | None, Query(ge=100, le=599)]


@router.get(
    "", response_model=AuditList, summary="Audit rows, newest first", responses=responses(422)
)
def list_audit(
    request: Request,
    user: AuditReader,
    username: Username = None,
    path: PathPrefix = None,
    route: Route = None,
    entity_id: EntityId = None,
    purpose: Purpose = None,
    status: Status = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditList:
    total, rows = _search(
        request, user, username, path, route, entity_id, purpose, status, since, until,
        offset, limit,
    )  # fmt: skip
    return AuditList(data=[AuditPublic(**r) for r in rows], count=total)


def csv_cell(v: Any) -> Any:
    """A cell a spreadsheet will not run: text starting with =, +, -, @ (or a tab or a
    carriage return) gets a leading apostrophe (OWASP's CSV injection advice)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


@router.get(
    "/export",
    summary=f"Audit rows as a CSV or JSON download (oldest first, at most {EXPORT_MAX:,})",
    responses={
        200: {
            "content": {"text/csv": {}, "application/json": {}},
            "description": "the rows",
        },
        **responses(422),
    },
)
def export_audit(
    request: Request,
    user: AuditReader,
    format: Literal["csv", "json"] = "csv",
    username: Username = None,
    path: PathPrefix = None,
    route: Route = None,
    entity_id: EntityId = None,
    purpose: Purpose = None,
    status: Status = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    _, rows = _search(
        request, user, username, path, route, entity_id, purpose, status, since, until,
        0, EXPORT_MAX,
    )  # fmt: skip
    rows.reverse()
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    if format == "json":
        body = json.dumps(rows, ensure_ascii=False, indent=1)
        media = "application/json"
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow(
                [
                    csv_cell(
                        json.dumps(r[c], ensure_ascii=False)
                        if c in ("params", "entity_ids")
                        else r[c]
                    )
                    for c in CSV_COLUMNS
                ]
            )
        body = buf.getvalue()
        media = "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'},
    )


@router.get(
    "/verify",
    response_model=AuditVerify,
    summary="Walk the audit hash chain (the whole log, every region); its head to keep",
    responses=responses(422),
)
def verify_audit(
    request: Request,
    user: AuditReader,
    head: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]+:[0-9a-f]{64}$",
            description="a head exported earlier (ROW:HASH): it must still be in the chain",
        ),
    ] = None,
) -> AuditVerify:
    anchor = None
    if head:
        rid, _, digest = head.partition(":")
        anchor = (int(rid), digest)
    try:
        r = get_service(request).store.verify_audit(head=anchor)
    except AuditBroken as exc:
        return AuditVerify(ok=False, broken_row=exc.row_id, reason=exc.reason)
    return AuditVerify(
        ok=True,
        rows=r["rows"],
        first_id=r["first_id"],
        last_id=r["last_id"],
        head=f"{r['last_id']}:{r['head']}" if r["last_id"] else None,
    )
