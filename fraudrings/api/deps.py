"""What every handler depends on: the service, the caller, their role and region."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Header, Query, Request
from fastapi.security import OAuth2PasswordBearer

from fraudrings.api.masking import needs_mask
from fraudrings.api.problems import ProblemError
from fraudrings.casework.roles import at_least
from fraudrings.casework.tokens import TokenError
from fraudrings.core.vocabulary import (
    AUDITOR,
    DUTY_ROLES,
    INSTITUTION,
    SECADMIN,
    STAFF_ROLES,
    SYSADMIN,
)

MASKED_VIEW = STAFF_ROLES[0]  # the analyst's view: what anyone sees without a named lead

if TYPE_CHECKING:
    from fraudrings.api.service import Service

log = logging.getLogger(__name__)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    region: str
    # an institution's counter: the fixmedins_codes it may check (None: staff)
    institutions: tuple[str, ...] | None = None

    @property
    def scope(self) -> dict[str, Any]:
        """The region parameter every scoped query takes."""
        return {"region": self.region}


def get_service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, slug="unauthorized", headers={"WWW-Authenticate": "Bearer"})


def rate_limit(svc: Service, key: str) -> None:
    wait = svc.limiter.take(key)
    if wait > 0:
        raise ProblemError(
            429,
            "too many requests; slow down",
            slug="rate-limited",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def authenticate(svc: Service, request: Request, token: str | None) -> Principal:
    """The caller of a bearer token, or a 401/429 :class:`ProblemError`: signature and
    expiry, the user (exists, active), the session (known, not revoked, not idle), then
    the caller's rate. Records the caller in ``request.state`` for the audit row."""
    if not token:
        raise _unauthorized("a bearer token is required (POST /auth/token)")
    try:
        username, jti = svc.tokens.claims(token)
    except TokenError as exc:
        raise _unauthorized(str(exc)) from None
    p: Principal | None = svc.sessions.get(jti)
    if p is None or p.username != username:
        user = svc.store.get_user(username)
        if user is None or not user.active:
            raise _unauthorized("the token's user does not exist or is disabled")
        # revoked (logout), unknown, or idle past the limit: refused
        why = svc.store.use_session(jti, username, svc.settings.api_idle_minutes)
        if why:
            raise _unauthorized(why)
        codes = user.institutions if user.role == INSTITUTION else None
        p = Principal(user.username, user.role, user.region, codes)
        svc.sessions.put(jti, p)
    request.state.jti = jti
    request.state.principal = p
    rate_limit(svc, "user:" + p.username)
    if p.role in DUTY_ROLES and request.url.path.startswith(COUNTER_PATHS):
        # the separate duties read no case data: not through the counter's calls either
        raise ProblemError(403, f"the role {p.role} does not check settlements", slug="forbidden")
    if request.method in WRITE_METHODS and not request.url.path.startswith(COUNTER_PATHS):
        record_intent(svc, request, p)
    return p


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The counter's calls (pre-settlement checks, the national interface) are answered in
# milliseconds and record their own rows; every other write states its intent first.
COUNTER_PATHS = ("/check/", "/hsa/")
# path parameter -> the kind its entity id is recorded as
_PATH_KINDS = {"lead_id": "lead", "username": "user", "job_id": "job"}


def record_intent(svc: Service, request: Request, p: Principal) -> None:
    """A row for a write *before* it happens (status 0, ``params.intent``): if the row of
    its outcome is lost later (the audit database slow or full after the write
    committed), the log still says who set out to change what. When this row cannot be
    written the request is refused (500) and nothing is changed."""
    path_params = dict(request.path_params)
    params: dict[str, Any] = {f"path.{k}": v for k, v in path_params.items()}
    params["intent"] = True
    ids = [f"{_PATH_KINDS[k]}:{v}" for k, v in path_params.items() if k in _PATH_KINDS]
    route = request.scope.get("route")
    try:
        rid = svc.store.audit(
            username=p.username,
            role=p.role,
            region=p.region,
            method=request.method,
            path=request.url.path,
            route=getattr(route, "path", None),
            params=params,
            entity_ids=ids,
            status=0,
            duration_ms=0.0,
            client=request.client.host if request.client else None,
            purpose=purpose_of(request),
        )
    except Exception:
        log.exception("could not record the intent of %s %s", request.method, request.url.path)
        raise ProblemError(
            500,
            "the request could not be recorded in the audit log, so it was refused",
            slug="audit-unavailable",
            title="Audit log unavailable",
        ) from None
    request.state.audit_intent = rid


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (as OAuth2PasswordBearer)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def current_user(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """Runs on the event loop (two indexed SQLite reads; no thread hand-off per call)."""
    return authenticate(get_service(request), request, token)


def require(minimum: str, *duties: str) -> Callable[..., Awaitable[Principal]]:
    """A staff role of ``minimum`` or higher, or one of the separate ``duties``."""

    async def dep(p: Annotated[Principal, Depends(current_user)]) -> Principal:
        if not at_least(p.role, minimum) and p.role not in duties:
            also = "".join(f" or {d}" for d in duties)
            raise ProblemError(
                403, f"this needs the role {minimum} or higher{also}", slug="forbidden"
            )
        return p

    dep.__name__ = f"require_{minimum}" + "".join(f"_{d}" for d in duties)
    return dep


# Any signed-in account, an institution's counter included: the pre-settlement check and
# the account's own sign-out, profile and second factor.
Caller = Annotated[Principal, Depends(current_user)]
# The staff (analysts and above): every route that reads or changes case data.
User = Annotated[Principal, Depends(require("analyst"))]
Investigator = Annotated[Principal, Depends(require("investigator"))]
Supervisor = Annotated[Principal, Depends(require("supervisor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
# The separate duties (三员分立): accounts (security administrator), the audit log
# (auditor), ingest and detection jobs (system administrator), each besides the staff
# roles that had them; none of the three reaches a lead, an entity or a check.
AccountAdmin = Annotated[Principal, Depends(require("admin", SECADMIN))]
AuditReader = Annotated[Principal, Depends(require("supervisor", AUDITOR))]
JobRunner = Annotated[Principal, Depends(require("supervisor", SYSADMIN))]


PURPOSE_HEADER = "X-Purpose"
MIN_PURPOSE = 4


def purpose_of(request: Request) -> str | None:
    """The stated purpose (reason or case number) of a request: the ``X-Purpose`` header
    (percent-encoded UTF-8 for non-ASCII text) or the ``purpose`` query parameter."""
    raw = request.headers.get(PURPOSE_HEADER) or request.query_params.get("purpose")
    if raw is None:
        return None
    text = unquote(raw).strip()[:200]
    return text or None


def require_purpose(request: Request) -> str:
    """Refuse (428) a lookup of a person's record without a stated purpose."""
    p = purpose_of(request)
    if p is None or len(p) < MIN_PURPOSE:
        raise ProblemError(
            428,
            "this returns personal data: state the purpose or case number in the X-Purpose "
            f"header or the purpose query parameter ({MIN_PURPOSE}+ characters)",
            slug="purpose-required",
            title="Purpose required",
        )
    return p


# A lead id as a purpose may name it ("lead:RC-0A1B2C3D4E", "RC-0A1B2C3D4E 复核"): a word
# of letters, digits and dashes with at least one dash.
_LEAD_WORD = re.compile(r"(?:lead:)?([A-Za-z0-9]+(?:-[A-Za-z0-9]+)+)")


def purpose_leads(request: Request, user: Principal) -> list[str]:
    """The leads the stated purpose names that ``user`` may work on (inside their
    region), checked against the graph; empty without a purpose or when it names none."""
    p = purpose_of(request)
    if not p:
        return []
    words = list(dict.fromkeys(m.group(1) for m in _LEAD_WORD.finditer(p)))[:8]
    if not words:
        return []
    svc = get_service(request)
    token = svc.leads_token()
    key = ("purpose-leads", user.region, tuple(words))
    found: list[str] | None = svc.purposes.get(key, token)
    if found is None:
        rows = svc.read("api_purpose_leads", {"ids": words, **user.scope})
        found = sorted(str(r["lead_id"]) for r in rows)
        svc.purposes.put(key, token, found, 64 + 32 * len(found))
    return found


def view_role(request: Request, user: Principal) -> str:
    """The role whose masks an answer with personal data wears: the caller's own when it
    sees identifiers whole (investigator and above) *and* the stated purpose names a
    lead the caller may work on; otherwise an analyst's (the masked view)."""
    if needs_mask(user.role):
        return user.role
    if purpose_leads(request, user):
        return user.role
    return MASKED_VIEW


def _purpose_params(
    x_purpose: Annotated[
        str | None,
        Header(
            alias=PURPOSE_HEADER,
            max_length=600,
            description="why you look (reason or case number), percent-encoded UTF-8; "
            "required where the answer holds a person's data",
        ),
    ] = None,
    purpose: Annotated[
        str | None, Query(max_length=200, description="the same, as a query parameter")
    ] = None,
) -> None:
    """Declares the purpose parameters in the OpenAPI document (read by purpose_of)."""


PurposeParams = Depends(_purpose_params)


def audit_ids(request: Request, ids: list[str]) -> None:
    """Record which entities a response returned (the audit middleware writes them)."""
    request.state.audit_ids = ids[:1000]


def audit_records(request: Request, kind: str, rows: list[dict[str, Any]]) -> None:
    """Rows of ``kind`` (``check_hits``, ``hsa_warnings``, ``hsa_feedback``) that the
    request recorded: written with its audit row, in one transaction
    (``Store.audit_many``), before its response starts; if they cannot be, the response
    is the audit's 500 and none of the answer goes out."""
    if not rows:
        return
    records: dict[str, list[dict[str, Any]]] | None = getattr(request.state, "audit_records", None)
    if records is None:
        records = {}
        request.state.audit_records = records
    records.setdefault(kind, []).extend(rows)
