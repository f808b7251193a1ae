"""The audit log, read-only, for supervisors and admins (their region's users)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import Supervisor, get_service
from api.problems import responses
from api.schemas import AuditList, AuditPublic

router = APIRouter(prefix="/audit", tags=["audit"], responses=responses(401, 403, 429))


@router.get(
    "", response_model=AuditList, summary="Audit rows, newest first", responses=responses(422)
)
def list_audit(
    request: Request,
    user: Supervisor,
    username: Annotated[str | None, Query(max_length=64)] = None,
    path: Annotated[str | None, Query(max_length=256, description="path prefix")] = None,
    entity_id: Annotated[str | None, Query(max_length=160, description="e.g. person:P001")] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditList:
    total, rows = get_service(request).store.query_audit(
        region_prefix=user.region,
        username=username,
        path_prefix=path,
        entity_id=entity_id,
        status=status,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        offset=offset,
        limit=limit,
    )
    return AuditList(data=[AuditPublic(**r) for r in rows], count=total)
