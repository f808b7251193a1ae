"""The counter's lane: ``POST /check/settlement`` without the router's machinery.

Pharmacies and hospitals call the pre-settlement check at the counter, hundreds of
times a second per region, and wait for it before they settle. Measured on the 2-core
machine, the framework around that call (Starlette's route matching over every route,
FastAPI's dependency solving, the exception and body-limit layers, the response
model) cost about as much CPU as the check's own work. This ASGI layer sits just inside
the audit middleware and answers that one method and path directly, with the same
pieces the route uses:

- the same authentication (``api.deps.authenticate``: token, user, session, rate);
- the same body model (``SettlementCheck``, validated from the raw JSON by pydantic)
  and the same 422 problem document, with every error under ``body``;
- the same check (``api.routers.check.run_check``) and answer (``CheckResult``);
- the same audit row (the audit middleware around it records it, with the route).

Everything else passes through untouched. ``FRAUDRINGS_API_CHECK_LANE=false`` turns it
off (the route then answers, identically; the tests run both ways). The route stays the
OpenAPI description of the endpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fraudrings.api.cache import JSONBytes
from fraudrings.api.deps import authenticate, bearer_token
from fraudrings.api.problems import ProblemError, problem_response, validation_problem
from fraudrings.api.routers.check import PATH, PREFIX, SettlementCheck, run_check

if TYPE_CHECKING:
    from fraudrings.api.service import Service

CHECK_PATH = PREFIX + PATH
MAX_BODY = 1 << 20  # a settlement of 200 lines of 500 codes each is well under 1 MiB


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            break
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not msg.get("more_body", False):
            break
    return b"".join(chunks)


class CheckLane:
    def __init__(self, app: ASGIApp, service: Service, route: Any = None) -> None:
        self.app = app
        self.svc = service
        self.route = route  # the documented route, named in the audit row
        self.enabled = service.settings.api_check_lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["path"] != CHECK_PATH
            or scope["method"] != "POST"
        ):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        request = Request(scope, receive)
        response: Response
        try:
            authenticate(self.svc, request, bearer_token(request.headers.get("authorization")))
            try:
                raw = await read_body(receive, MAX_BODY)
            except BodyTooLarge:
                raise ProblemError(413, f"the body is larger than {MAX_BODY} bytes") from None
            try:
                body = SettlementCheck.model_validate_json(raw)
            except ValidationError as exc:
                errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]
                response = validation_problem(request, errors)
            else:
                result = await run_check(self.svc, request, body)
                response = JSONBytes(result.model_dump_json().encode())
        except ProblemError as exc:
            response = problem_response(
                request, exc.status, exc.detail, slug=exc.slug, title=exc.title, headers=exc.headers
            )
        await response(scope, receive, send)
