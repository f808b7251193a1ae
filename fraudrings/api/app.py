"""The FastAPI application: routers, errors, audit, CORS and self-hosted docs.

``create_app()`` builds everything from the settings; tests pass their own gateway
and store. The OpenAPI document is at ``/openapi.json`` and Swagger UI at ``/docs``,
served from the swagger-ui files that the ``fastapi-offline`` package ships (no CDN,
no external URL in any page).
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fraudrings.api import problems
from fraudrings.api.auditwriter import AuditWriter
from fraudrings.api.deps import purpose_of
from fraudrings.api.gate import Gate
from fraudrings.api.lane import CHECK_PATH, CheckLane
from fraudrings.api.routers import audit, auth, check, entities, health, jobs, leads, referrals, ui
from fraudrings.api.routers.hsa import HsaLane
from fraudrings.api.routers.hsa import router as hsa_router
from fraudrings.api.service import Service
from fraudrings.casework.store import Store
from fraudrings.core.settings import Settings, get_settings
from fraudrings.graph.gateway import Gateway

log = logging.getLogger(__name__)

DOCS_STATIC: Final[str] = "/static/docs"
# Not audited: the docs' own files and the probes an orchestrator calls every few seconds.
UNAUDITED: Final[tuple[str, ...]] = (
    DOCS_STATIC,
    "/healthz",
    "/readyz",
    "/favicon.ico",
    ui.UI_PREFIX + "/",  # the workbench's static files (its API calls are audited)
)
AUDIT_TIMEOUT_S: Final[float] = 10.0  # past it the request fails closed (500)
SECRET_PARAMS: Final[frozenset[str]] = frozenset(
    {"password", "client_secret", "token", "totp", "code"}
)


def _docs_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


class AuditMiddleware:
    """Records every request (who, when, endpoint, parameters, entity ids, status).

    Handlers put the ids they returned in ``request.state.audit_ids`` and the body they
    read (without secrets) in ``request.state.audit_params``; the caller's identity is
    in ``request.state.principal`` once authenticated; what they recorded besides
    (hits, jr_ids, feedback) in ``request.state.audit_records``, written with the row."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store
        # The rows of concurrent requests share one commit (api/auditwriter.py), with
        # what each request recorded besides; each request still waits for its own row
        # before its response starts.
        self.writer = AuditWriter(store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNAUDITED):
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        recorded = False  # the audit row is written before the response starts
        failed = False  # ... and if it cannot be, the response is a 500 instead

        async def send_wrapper(message: Message) -> None:
            nonlocal status, recorded, failed
            if failed:
                return  # the body of a response replaced by the audit failure
            if message["type"] == "http.response.start":
                status = int(message["status"])
                recorded = True
                try:
                    await self._record(scope, state, status, (time.perf_counter() - t0) * 1000)
                except Exception:
                    failed = True
                    await _audit_failed(scope, send)
                    return
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if recorded:  # the response has started: nothing more can be said
                raise
            # An error no handler answered (or the dependency that checks the token could
            # not reach the service database): record it, and answer 500 here.
            log.exception("unhandled error on %s", scope["path"])
            try:
                await self._record(scope, state, 500, (time.perf_counter() - t0) * 1000)
            except Exception:
                await _audit_failed(scope, send)
                return
            await _problem_500(scope, send, "internal", "Internal Server Error", "internal error")

    async def _record(self, scope: Scope, state: dict[str, Any], status: int, ms: float) -> None:
        principal = state.get("principal")
        params: dict[str, Any] = {}
        for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), True):
            if k not in SECRET_PARAMS:
                params.setdefault(k, v)
        params.update({f"path.{k}": v for k, v in (scope.get("path_params") or {}).items()})
        body = state.get("audit_params")
        if isinstance(body, dict):
            params["body"] = {k: v for k, v in body.items() if k not in SECRET_PARAMS}
        route = scope.get("route")
        client = scope.get("client")
        row = {
            "username": principal.username if principal else state.get("audit_user"),
            "role": principal.role if principal else None,
            "region": principal.region if principal else None,
            "method": scope.get("method", ""),
            "path": scope["path"],
            "route": getattr(route, "path", None),
            "params": params,
            "entity_ids": list(state.get("audit_ids") or []),
            "status": status,
            "duration_ms": ms,
            "client": client[0] if client else None,
            "purpose": state.get("audit_purpose") or purpose_of(Request(scope)),
            # hits, jr_ids, feedback: in the row's transaction (api/deps.audit_records)
            "records": state.get("audit_records") or {},
        }
        try:
            await self.writer.write(row, timeout=AUDIT_TIMEOUT_S)
        except Exception:  # the audit must never be lost silently
            log.exception("could not write the audit row for %s", scope["path"])
            raise


async def _audit_failed(scope: Scope, send: Send) -> None:
    """The answer when the audit row cannot be written: nothing goes out unrecorded."""
    await _problem_500(
        scope,
        send,
        "audit-unavailable",
        "Audit log unavailable",
        "the request could not be recorded in the audit log, so it was refused",
    )


async def _problem_500(scope: Scope, send: Send, slug: str, title: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": f"/problems/{slug}",
            "title": title,
            "status": 500,
            "detail": detail,
            "instance": scope.get("path"),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", problems.MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def create_app(
    settings: Settings | None = None,
    *,
    gateway: Gateway | None = None,
    store: Store | None = None,
) -> FastAPI:
    s = settings or get_settings()
    s.require_api_secret()  # fail loudly before anything starts
    s.require_pseudonym_key()
    audit_key = s.require_audit_key()
    own_gateway = gateway is None
    gw = gateway or Gateway.from_settings(s, max_retry_time=s.api_neo4j_retry_s)
    st = store or Store(s.service_db, audit_key=audit_key)
    svc = Service(s, gw, st)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc.warm_up()
        # What start-up built lives as long as the process: out of the collector's sight,
        # so that its full passes (pauses in the latency tail) walk only request garbage.
        gc.freeze()
        yield
        svc.close()
        if own_gateway:
            gw.close()

    app = FastAPI(
        title="fraudrings",
        version="0.1.0",
        summary="Leads of organised fraud against the medical-insurance fund, in Neo4j.",
        description=(
            "Every call but `/auth/token`, `/healthz` and `/readyz` needs a bearer token "
            "from `POST /auth/token`. Results are limited to the caller's region (a "
            "division-code prefix); anything outside it answers 404, exactly as a "
            "missing id. Errors are `application/problem+json`."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect",
    )
    app.state.service = svc
    problems.install(app)
    app.include_router(auth.auth)
    app.include_router(auth.users)
    app.include_router(leads.router)
    app.include_router(referrals.router)
    app.include_router(entities.router)
    app.include_router(jobs.router)
    app.include_router(audit.router)
    app.include_router(check.router)
    app.include_router(hsa_router)  # the national platform's interfaces (3101 ...)
    app.include_router(health.router)

    app.mount(DOCS_STATIC, StaticFiles(directory=_docs_dir()), name="docs-static")
    ui.mount(app)  # the investigator workbench at / (web/)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="fraudrings API",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def docs_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    # Outermost first: CORS (only when origins are configured), the audit, then the
    # counter's lane for the pre-settlement check (audited like every other call).
    check_route = next(r for r in check.router.routes if getattr(r, "path", None) == CHECK_PATH)
    app.add_middleware(HsaLane, service=svc)
    app.add_middleware(CheckLane, service=svc, route=check_route)
    app.add_middleware(AuditMiddleware, store=st)
    # in front of the audit: the client's address, the body cap, the failure budget
    app.add_middleware(
        Gate,
        max_body=s.api_max_body_bytes,
        fail_per_minute=s.api_fail_rate_per_minute,
        fail_burst=s.api_fail_burst,
        trusted_proxies=s.api_trusted_proxies,
    )
    if s.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=s.cors_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app


def serve(
    host: str = "127.0.0.1", port: int = 8000, log_level: str = "info", workers: int | None = None
) -> None:
    """Run the API under uvicorn; with several workers (``--workers`` or
    ``FRAUDRINGS_API_WORKERS``) each process builds its own app from the settings."""
    import os

    import uvicorn

    s = get_settings()
    n = max(1, workers if workers is not None else s.api_workers)
    tls: dict[str, Any] = {}
    if s.tls:  # HTTPS only: a plain http:// request to this port gets no answer
        tls = {"ssl_certfile": str(s.tls_cert), "ssl_keyfile": str(s.tls_key)}
    if n == 1:
        app = create_app(s)
        uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, **tls)
        return
    create_app(s)  # fail loudly here, before any worker starts (secret, service database)
    os.environ["FRAUDRINGS_API_WORKERS"] = str(n)  # each worker divides its rate buckets
    uvicorn.run(
        "fraudrings.api.app:create_app",
        factory=True,
        workers=n,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        **tls,
    )
