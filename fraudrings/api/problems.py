"""Every error as RFC 9457 ``application/problem+json``.

``type`` is a stable URI reference relative to the service (``/problems/<slug>``, no
external host), ``title`` a short summary, ``detail`` what went wrong this time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from fraudrings.graph.errors import (
    GraphAuthError,
    GraphError,
    GraphQueryError,
    GraphTimeout,
    GraphUnavailable,
)

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class ProblemError(Exception):
    """Raise from any handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or "")
        self.status = status
        self.detail = detail
        self.slug = slug
        self.title = title
        self.headers = headers


def _slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "error"


def problem_response(
    request: Request | None,
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = Problem(
        type=f"/problems/{slug or _slug(status)}",
        title=title or phrase,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=MEDIA_TYPE,
    )


def validation_problem(request: Request | None, errors: Sequence[Any]) -> JSONResponse:
    """422 with every error of the request (location, message, type)."""
    return problem_response(
        request,
        422,
        "the request is not valid; see errors",
        slug="validation",
        errors=[
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in errors
        ],
    )


# Shown for error responses in the OpenAPI document.
def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        c: {
            "model": Problem,
            "description": HTTPStatus(c).phrase,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for c in codes
    }


def install(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(
            request, exc.status, exc.detail, slug=exc.slug, title=exc.title, headers=exc.headers
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(
            request,
            exc.status_code,
            str(exc.detail) if exc.detail else None,
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_problem(request, exc.errors())

    async def on_graph(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, GraphUnavailable):
            return problem_response(
                request,
                503,
                "the graph database cannot be reached; try again shortly",
                slug="graph-unavailable",
                title="Graph database unavailable",
                headers={"Retry-After": "5"},
            )
        if isinstance(exc, GraphAuthError):
            log.error("Neo4j refused the service's credentials: %s", exc)
            return problem_response(
                request,
                503,
                "the graph database refused the service's credentials",
                slug="graph-unavailable",
                title="Graph database unavailable",
            )
        if isinstance(exc, GraphTimeout):
            return problem_response(
                request,
                504,
                "the query ran past its time limit; narrow it down",
                slug="query-timeout",
                title="Query timed out",
            )
        if isinstance(exc, GraphQueryError) and "MemoryLimit" in exc.code:
            return problem_response(
                request,
                503,
                "the query needed more memory than allowed; narrow it down",
                slug="query-too-large",
                title="Query too large",
            )
        log.exception("graph error", exc_info=exc)
        return problem_response(request, 500, "the graph query failed", slug="graph-error")

    async def on_any(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem_response(request, 500, "internal error", slug="internal")

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(GraphError, on_graph)
    app.add_exception_handler(Exception, on_any)
