"""Liveness (the process answers) and readiness (Neo4j and the service database answer)."""

from __future__ import annotations

import logging
import sqlite3

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from fraudrings.api.deps import get_service
from fraudrings.api.schemas import Health
from fraudrings.graph.errors import GraphError

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Neo4j and the service database answer",
    responses={503: {"model": Health, "description": "not ready"}},
)
def readyz(request: Request) -> Health | JSONResponse:
    svc = get_service(request)
    part = "graph"
    try:
        svc.gw.read("api_ping", {}, timeout=2.0)
        part = "service database"
        svc.store.list_users("~")  # a trivial read of the service database
    except (GraphError, OSError, sqlite3.Error) as exc:
        # anyone may ask: the answer names the part, the log keeps the exception
        log.warning("not ready: the %s does not answer: %s", part, exc)
        body = Health(status="unavailable", detail=f"the {part} does not answer")
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", check_facts=svc.facts.state() if svc.facts else "off")
