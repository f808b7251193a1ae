"""Pre-settlement check (事前提醒): warnings on a pending settlement, before it is paid.

Institutions call this from their own systems at the counter, so it answers at once and
never blocks a legitimate sale on an error of its own: when the graph cannot answer in
time, the answer is "no warning, check unavailable" (``checked: false``), not an error.

The counter must never learn about investigations: membership of an open lead answers
``manual_review`` with no lead id, typology or status; the hit is recorded for the
investigators (the audit row names the person, the institution and the leads, and
``GET /check/hits`` lists a lead's hits to those who may see the lead). About a person
insured outside the caller's region the answer says what the counter must act on and
nothing more: no death date, no last place or time of a visit, no earlier dispensing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from fraudrings.api.cache import JSONBytes
from fraudrings.api.deps import (
    Caller,
    Investigator,
    Principal,
    PurposeParams,
    audit_ids,
    audit_records,
    get_service,
    require_purpose,
    view_role,
)
from fraudrings.api.masking import mask_props, needs_mask
from fraudrings.api.problems import ProblemError, responses
from fraudrings.graph.detect.config import TravelConfig

if TYPE_CHECKING:
    from fraudrings.api.service import Service

log = logging.getLogger(__name__)
PREFIX = "/check"
PATH = "/settlement"
router = APIRouter(prefix=PREFIX, tags=["check"], responses=responses(401, 422, 429))

TRAVEL = TravelConfig()

Code = Annotated[str, Field(min_length=1, max_length=100)]


class CheckLine(BaseModel):
    med_list_codg: str = Field(min_length=1, max_length=64)
    cnt: float | None = Field(default=None, ge=0, le=10_000)
    prd_days: int | None = Field(default=None, ge=0, le=3650)
    drug_trac_codg: list[Code] = Field(default_factory=list, max_length=500)


class SettlementCheck(BaseModel):
    """A pending settlement, in the contract's names."""

    psn_no: str = Field(min_length=1, max_length=64)
    fixmedins_code: str = Field(min_length=1, max_length=64)
    dr_codg: str | None = Field(default=None, max_length=64)
    setl_time: datetime
    lines: list[CheckLine] = Field(default_factory=list, max_length=200)


class CheckWarning(BaseModel):
    code: str = Field(
        description="box_already_sold | manual_review | deceased | supply_overlap | "
        "impossible_travel"
    )
    message: str
    reason: dict[str, Any] = Field(default_factory=dict)


class CheckResult(BaseModel):
    checked: bool = Field(description="false when the check could not run; never blocks a sale")
    message: str | None = None
    warnings: list[CheckWarning]


MANUAL_REVIEW = "需人工审核:请核验参保人身份及就医真实性后再结算"


def in_region(row: dict[str, Any], region: str) -> bool:
    """Whether the person of a check is insured inside ``region`` ('' = the country)."""
    return region == "" or str(row.get("insu_admdvs") or "").startswith(region)


def warnings_for(
    body: SettlementCheck, row: dict[str, Any], *, whole: bool = True
) -> list[CheckWarning]:
    """The warnings one answer of check_settlements.cypher gives for a pending settlement.
    Open leads give one ``manual_review`` and nothing about the leads. ``whole`` False (a
    person insured outside the caller's region): each warning without the person's death
    date, visits or earlier dispensing."""
    out: list[CheckWarning] = []
    now = body.setl_time.replace(tzinfo=None)
    for b in row.get("sold_boxes") or []:
        out.append(
            CheckWarning(
                code="box_already_sold",
                message=f"追溯码 {b['code']} 的药品已于 {b['sold_at']:%Y-%m-%d} "
                "售出且未退货,疑似回流药",
                reason={
                    "drug_trac_codg": b["code"],
                    "sold_at": b["sold_at"].isoformat(),
                    "setl_id": b["setl_id"],
                    "seller": b["seller"],
                },
            )
        )
    if row.get("leads"):
        out.append(CheckWarning(code="manual_review", message=MANUAL_REVIEW))
    death = row.get("death_date")
    if death is not None and death < now.date():
        out.append(
            CheckWarning(
                code="deceased",
                message=f"参保人已于 {death} 死亡" if whole else "参保人已死亡,请核实",
                reason={"death_date": death.isoformat()} if whole else {},
            )
        )
    for s in row.get("in_supply") or []:
        left = (s["supply_until"] - now).total_seconds() / 86400
        if not whole:
            out.append(
                CheckWarning(
                    code="supply_overlap",
                    message=f"同一药品 {s['drug']} 上次所购尚在用药期内",
                    reason={"med_list_codg": s["drug"]},
                )
            )
            continue
        out.append(
            CheckWarning(
                code="supply_overlap",
                message=f"同一药品 {s['drug']} 上次所购尚可用 {left:.0f} 天",
                reason={
                    "med_list_codg": s["drug"],
                    "last_dispensed": s["last_time"].isoformat(),
                    "cnt": s["cnt"],
                    "supply_until": s["supply_until"].isoformat(),
                    "days_left": round(left, 1),
                    "setl_id": s["setl_id"],
                },
            )
        )
    last = row.get("last_visit")
    if last and last["inst"] != body.fixmedins_code and last["km"] >= TRAVEL.min_km:
        hours = (now - last["left_at"]).total_seconds() / 3600
        needed = TRAVEL.needed_hours(last["km"])
        if 0 <= hours < needed and not whole:
            out.append(
                CheckWarning(
                    code="impossible_travel",
                    message="距参保人上次在异地结算的时间不足以往返,请核验",
                )
            )
        elif 0 <= hours < needed:
            out.append(
                CheckWarning(
                    code="impossible_travel",
                    message=f"距上次在 {last['inst']} 结算仅 {hours:.1f} 小时,相距 "
                    f"{last['km']:.0f} 公里",
                    reason={
                        "last_setl_id": last["setl_id"],
                        "last_institution": last["inst"],
                        "km": round(last["km"], 1),
                        "hours": round(hours, 2),
                        "hours_needed": round(needed, 2),
                    },
                )
            )
    return out


def check_params(body: SettlementCheck) -> dict[str, Any]:
    """The parameters of one check, for check_settlements.cypher and the read model."""
    return {
        "psn_no": body.psn_no,
        "fixmedins_code": body.fixmedins_code,
        "setl_time": body.setl_time.replace(tzinfo=None).isoformat(),
        "codes": sorted({c for ln in body.lines for c in ln.drug_trac_codg}),
        "drugs": sorted({ln.med_list_codg for ln in body.lines}),
    }


async def run_check(svc: Service, request: Request, body: SettlementCheck) -> CheckResult:
    """The check of one pending settlement, for the route below and for the counter's
    lane (``api/lane.py``); see :func:`check_with_facts`."""
    return (await check_with_facts(svc, request, body))[0]


async def check_with_facts(
    svc: Service, request: Request, body: SettlementCheck
) -> tuple[CheckResult, dict[str, Any] | None]:
    """The check of one pending settlement and the facts it was made from (None when it
    could not run); the national interface (``api/routers/hsa.py``) needs to know whether
    the person is known. While the worker's read model is the graph's
    (``api/checkfacts.py``) it answers from there, on the event loop (a few SQLite
    lookups). Otherwise it waits for its batch (``api/batcher.py``), not for a thread
    of its own, so concurrent counters share one Neo4j transaction. Any error or a batch
    past the time limit answers "no warning, check unavailable"."""
    user: Principal | None = getattr(request.state, "principal", None)
    codes = getattr(user, "institutions", None)
    if codes is not None and body.fixmedins_code not in codes:
        # an institution's account checks its own counters' settlements only
        raise ProblemError(
            403, "this account checks settlements of its own institutions only", slug="forbidden"
        )
    ids = [f"person:{body.psn_no}", f"institution:{body.fixmedins_code}"]
    audit_ids(request, ids)
    # its purpose is the settlement itself (recorded with the audit row)
    request.state.audit_purpose = f"pre-settlement check of person:{body.psn_no}"
    region = user.region if user is not None else ""
    params = check_params(body)
    row: dict[str, Any] | None = None
    model = svc.facts.current() if svc.facts is not None else None
    if model is not None:
        facts, members = model
        try:
            row = facts.lookup(params, members)
        except Exception:  # the graph still knows: ask it
            log.exception("the check's read model failed; asking Neo4j")
    try:
        if row is None:
            row = await svc.checks.run(params, timeout=svc.settings.api_check_timeout_s)
        # the death date, visits and dispensing only to whom the person's own view shows
        # them: the counter of the region, and staff who see identifiers whole (an
        # analyst's view of the person hides the death date, and so does the check)
        sees = user is None or codes is not None or not needs_mask(user.role)
        warnings = warnings_for(body, row, whole=sees and in_region(row, region))
    except Exception:  # never block a sale on our own error (nor on our own slowness)
        log.exception("pre-settlement check failed; answering 'check unavailable'")
        return (
            CheckResult(checked=False, message="no warning, check unavailable", warnings=[]),
            None,
        )
    # the hit, for the investigators of the leads (never in the answer): the audit row
    # names the leads, and one hit per lead is written with it (GET /check/hits)
    leads = [str(x["lead_id"]) for x in row.get("leads") or []]
    audit_ids(request, ids + [f"lead:{x}" for x in leads])
    audit_records(
        request,
        "check_hits",
        [
            {
                "psn_no": body.psn_no,
                "insu_admdvs": row.get("insu_admdvs"),
                "fixmedins_code": body.fixmedins_code,
                "lead_id": x,
            }
            for x in dict.fromkeys(leads)
        ],
    )
    return CheckResult(checked=True, warnings=warnings), row


@router.post(
    PATH,
    response_model=CheckResult,
    summary="Warnings on a pending settlement before it is paid",
)
async def check_settlement(body: SettlementCheck, user: Caller, request: Request) -> JSONBytes:
    """Served by the counter's lane (``api/lane.py``) unless ``FRAUDRINGS_API_CHECK_LANE``
    is off; both run :func:`run_check` with the same authentication and audit."""
    result = await run_check(get_service(request), request, body)
    return JSONBytes(result.model_dump_json().encode())


class CheckHit(BaseModel):
    at: str = Field(description="when the counter asked")
    route: str | None = Field(
        None,
        description="how it asked: /check/settlement, or the national interface's "
        "/hsa/3101, /hsa/3102, /hsa/3505",
    )
    username: str | None = Field(None, description="the account that asked")
    psn_no: str | None = None
    fixmedins_code: str | None = None


class CheckHitList(BaseModel):
    data: list[CheckHit]
    count: int


@router.get(
    "/hits",
    response_model=CheckHitList,
    summary="Pre-settlement checks that met a member of a lead (investigators of its region)",
    responses=responses(403, 404, 428),
    dependencies=[PurposeParams],
)
def check_hits(
    request: Request,
    user: Investigator,
    lead_id: Annotated[str, Query(min_length=1, max_length=128)],
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CheckHitList:
    """The counters see ``manual_review`` (or the national interface's FR1002); those who
    may see the lead see the hits here, from the check itself and from 3101, 3102 and
    3505 messages alike (``check_hits``, written with each request's audit row). A hit
    is where and when a person was: it needs a stated purpose (428), wears the masks of
    the caller's view, and is listed only when the counter's region (the asking
    account's) or the person's insuring region is inside the caller's, as a settlement
    would be (the access policy)."""
    audit_ids(request, [f"lead:{lead_id}"])  # a refused look names the lead too
    require_purpose(request)
    svc = get_service(request)
    if not svc.read("api_lead_exists", {"lead_id": lead_id, **user.scope}):
        raise ProblemError(404, "no lead with this id", slug="not-found")
    total, rows = svc.store.list_check_hits(
        lead_id=lead_id, region_prefix=user.region, offset=offset, limit=limit
    )
    role = view_role(request, user)
    hits = []
    for r in rows:
        person = mask_props({"psn_no": r["psn_no"]}, role)
        hits.append(
            CheckHit(
                at=str(r["at"]),
                route=r["route"],
                username=r["username"],
                psn_no=person["psn_no"],
                fixmedins_code=r["fixmedins_code"],
            )
        )
    people = dict.fromkeys(f"person:{h.psn_no}" for h in hits if h.psn_no)
    audit_ids(request, [f"lead:{lead_id}", *people])
    return CheckHitList(data=hits, count=total)
