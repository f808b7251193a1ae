"""The national platform's interfaces in front of the pre-settlement check.

Hospitals and pharmacies call the platform's pre- and in-settlement analysis (事前/事中
分析服务) from their HIS: ``POST <base>/3101`` and ``<base>/3102`` with the platform's
envelope, and answer its warnings through ``3103``. Pointing the base at
``https://<host>/hsa/`` makes this service answer them, in the same shapes:

- 3101 (before settlement) and 3102 (during): each encounter of the message is one
  pending settlement of the check (:func:`fraudrings.api.routers.check.check_with_facts`:
  the same facts, rules, institution scope, region reduction and audit), and each of its
  warnings one ``output.result[]`` entry of the rule library (``api/hsa/rules.toml``);
- 3103: the institution's answer to each warning (continued or went back), kept with
  the warning it answers (every ``jr_id`` issued is recorded) and listed for the
  investigators of the region at ``GET /hsa/feedback``;
- 3505 (a pharmacy's sale): the boxes about to be sold, each box already sold and not
  returned a warning, before the sale.

Errors of a message are answered in the envelope (``infcode`` -1, ``err_msg``); a
missing or bad token is the API's 401 problem. Nothing in an answer tells about an
investigation: membership of an open lead is the rule ``manual_review`` with no reason,
amount or evidence. The three POST interfaces are served by :class:`HsaLane` (as the
check's lane, ``api/lane.py``) unless ``FRAUDRINGS_API_CHECK_LANE`` is off; the routes
below describe them and answer identically.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fraudrings.api.cache import JSONBytes
from fraudrings.api.deps import (
    Caller,
    Investigator,
    Principal,
    PurposeParams,
    audit_ids,
    audit_records,
    authenticate,
    bearer_token,
    get_service,
    require_purpose,
    view_role,
)
from fraudrings.api.hsa import messages as m
from fraudrings.api.hsa.rules import Rule, library
from fraudrings.api.lane import BodyTooLarge, read_body
from fraudrings.api.masking import HIDDEN, mask_text, needs_mask
from fraudrings.api.problems import ProblemError, problem_response, responses
from fraudrings.api.routers.check import CheckLine, CheckWarning, SettlementCheck, check_with_facts

if TYPE_CHECKING:
    from fraudrings.api.service import Service

log = logging.getLogger(__name__)
PREFIX = "/hsa"
MAX_BODY = 2 << 20
STAGE = {"3101": "before", "3102": "during", "3505": "during"}
router = APIRouter(prefix=PREFIX, tags=["national interface"], responses=responses(401, 429))


# -- the answer -------------------------------------------------------------------------
def _stamp(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S%f")[:-3]


def envelope_answer(
    received: datetime,
    *,
    output: dict[str, Any] | None = None,
    err_msg: str | None = None,
    warn_msg: str | None = None,
    status: int = 200,
) -> JSONBytes:
    body = {
        "infcode": -1 if err_msg else 0,
        "inf_refmsgid": f"FR{_stamp(received)}{secrets.token_hex(4)}",
        "refmsg_time": _stamp(received),
        "respond_time": _stamp(datetime.now()),
        "err_msg": err_msg,
        "warn_msg": warn_msg,
        "output": output if output is not None else {},
    }
    return JSONBytes(json.dumps(body, ensure_ascii=False).encode(), status_code=status)


def _amt(x: float | None) -> float:
    return round(x or 0.0, 2)


class _Results:
    """The ``output.result[]`` of one message and the records of its ``jr_id``s."""

    def __init__(self, env: m.Envelope, user: Principal | None, task_id: str | None) -> None:
        self.env, self.user, self.task_id = env, user, task_id
        self.result: list[dict[str, Any]] = []
        self.records: list[dict[str, Any]] = []

    def add(
        self,
        rule: Rule,
        w: CheckWarning,
        *,
        patn_id: str,
        mdtrt_id: str,
        psn_no: str | None,
        code: str,
        amount: float | None,
        details: list[tuple[str, int, float | None]],
        facts: dict[str, Any] | None = None,
    ) -> None:
        jr_id = secrets.token_hex(16)
        stas = rule.vola_amt_stas if amount is not None else "9"
        self.result.append(
            {
                "jr_id": jr_id,
                "rule_id": rule.id,
                "rule_name": rule.name,
                "vola_cont": rule.text(w.reason),
                "patn_id": patn_id,
                "mdtrt_id": mdtrt_id,
                "vola_amt": _amt(amount),
                "vola_amt_stas": stas,
                "sev_deg": rule.sev_deg,
                "vola_evid": rule.evidence_of(w.reason),
                "vola_bhvr_type": rule.vola_bhvr_type,
                "task_id": self.task_id,
                "judge_result_detail_dtos": [
                    {
                        "jrd_id": f"{jr_id}-{n + 1}",
                        "patn_id": patn_id,
                        "mdtrt_id": mdtrt_id,
                        "rx_id": rx_id,
                        "vola_item_type": kind,
                        "vola_amt": _amt(a),
                    }
                    for n, (rx_id, kind, a) in enumerate(details)
                ],
            }
        )
        self.records.append(
            {
                "jr_id": jr_id,
                "username": self.user.username if self.user else "",
                "region": self.user.region if self.user else "",
                "fixmedins_code": code,
                "infno": self.env.infno,
                "msgid": self.env.msgid,
                "rule_id": rule.id,
                "psn_no": psn_no,
                "patn_id": patn_id,
                "mdtrt_id": mdtrt_id,
                # whose investigators see the answers to it (the person's region), and
                # for a manual review the leads behind it (seen only by those of a lead)
                "insu_admdvs": (facts or {}).get("insu_admdvs"),
                "lead_ids": (
                    [str(x["lead_id"]) for x in (facts or {}).get("leads") or []]
                    if w.code == "manual_review"
                    else None
                ),
            }
        )


def _wanted(rule: Rule, stage: str, asked: frozenset[str]) -> bool:
    """A rule answers in its stages; ``rule_ids`` narrows to the ids of this library it
    names (ids of other libraries, such as the platform's own, are ignored)."""
    ours = asked & library().ids()
    return stage in rule.stages and (not ours or rule.id in ours)


def _person_known(row: dict[str, Any] | None) -> bool:
    if row is None:
        return True  # the check did not run: nothing to say either way
    if "known_person" in row:
        return bool(row["known_person"])
    return row.get("insu_admdvs") is not None or bool(row.get("leads"))


def _own(user: Principal | None, code: str) -> None:
    codes = getattr(user, "institutions", None)
    if codes is not None and code not in codes:
        raise ProblemError(403, "this account answers for its own institutions only")


def _check(
    psn_no: str, code: str, dr: str | None, at: datetime, lines: list[CheckLine]
) -> SettlementCheck:
    try:
        return SettlementCheck(
            psn_no=psn_no, fixmedins_code=code, dr_codg=dr, setl_time=at, lines=lines
        )
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e.get("loc", ()))
        raise m.MessageError(f"报文内容不合规:{where} {e.get('msg')}(invalid {where})") from None


async def _analysis(
    svc: Service, request: Request, env: m.Envelope, user: Principal | None
) -> JSONBytes:
    a = m.analysis(env.input)
    stage = STAGE[env.infno]
    out = _Results(env, user, a.task_id)
    notes: list[str] = []
    ids: list[str] = []
    unavailable = False
    for p in a.patients:
        for e in p.encounters:
            code = e.medins_id or env.fixmedins_code
            _own(user, code)
            psn_no = p.psn_no or e.psn_no
            lines = [
                CheckLine(med_list_codg=o.hilist_code, cnt=o.cnt, drug_trac_codg=list(o.boxes))
                for o in e.orders
            ]
            body = _check(psn_no or p.patn_id, code, e.dr_codg, env.inf_time, lines)
            result, row = await check_with_facts(svc, request, body)
            ids += getattr(request.state, "audit_ids", [])
            if not result.checked:
                unavailable = True
                continue
            warnings = result.warnings
            if psn_no is None and not _person_known(row):
                # patn_id is the HIS's own patient id, not a psn_no: no person to check
                warnings = [w for w in warnings if w.code == "box_already_sold"]
                notes.append(
                    f"patn_id {p.patn_id} 不是医保人员编号(psn_no),未做参保人相关检查;"
                    "请在 patient_dtos 中传 psn_no"
                )
            total = e.medfee_sumamt
            if total is None and e.orders:
                total = sum(o.sumamt or 0.0 for o in e.orders)
            for w in warnings:
                rule = library().by_check(w.code)
                if not _wanted(rule, stage, a.rule_ids):
                    continue
                details: list[tuple[str, int, float | None]] = []
                amount: float | None = None
                if w.code == "box_already_sold":
                    box = w.reason.get("drug_trac_codg")
                    for o in e.orders:
                        if box is not None and box in o.boxes and o.sumamt is not None:
                            amount = o.sumamt / o.cnt if o.cnt else o.sumamt
                            details.append((o.rx_id, 1, amount))
                elif w.code == "supply_overlap":
                    drug = w.reason.get("med_list_codg")
                    hit = [o for o in e.orders if o.hilist_code == drug]
                    amount = sum(o.sumamt or 0.0 for o in hit) if hit else None
                    details = [(o.rx_id, 1, o.sumamt) for o in hit]
                elif w.code in ("deceased", "impossible_travel"):
                    amount = total
                    details = [(o.rx_id, 2, o.sumamt) for o in e.orders]
                # manual_review: no amount, no items, no evidence (nothing about why)
                out.add(
                    rule,
                    w,
                    patn_id=p.patn_id,
                    mdtrt_id=e.mdtrt_id,
                    psn_no=psn_no or p.patn_id,
                    code=code,
                    amount=amount,
                    details=details,
                    facts=row,
                )
    audit_ids(request, list(dict.fromkeys(ids)))
    audit_records(request, "hsa_warnings", out.records)  # with the audit row
    if unavailable:
        notes.append("检查暂不可用,未提示(check unavailable, no warning)")
    return envelope_answer(
        _received(request),
        output={"result": out.result},
        warn_msg=";".join(dict.fromkeys(notes)) or None,
    )


async def _sale(
    svc: Service, request: Request, env: m.Envelope, user: Principal | None
) -> JSONBytes:
    s = m.sale(env.input)
    _own(user, env.fixmedins_code)
    line = CheckLine(med_list_codg=s.med_list_codg or "-", cnt=1, drug_trac_codg=list(s.boxes))
    body = _check(s.psn_no or "-", env.fixmedins_code, None, env.inf_time, [line])
    result, row = await check_with_facts(svc, request, body)
    request.state.audit_purpose = f"pre-sale check of {len(s.boxes)} boxes"
    out = _Results(env, user, None)
    rule = library().by_check("box_already_sold")
    for w in result.warnings:
        if w.code != "box_already_sold":
            continue  # a sale's boxes only
        box = str(w.reason.get("drug_trac_codg") or "")
        out.add(
            rule,
            w,
            patn_id=s.psn_no or "",
            mdtrt_id="",
            psn_no=s.psn_no,
            code=env.fixmedins_code,
            amount=s.price,
            details=[(box, 1, s.price)],
            facts=row,
        )
    audit_ids(
        request,
        [
            f"institution:{env.fixmedins_code}",
            *(f"trace_code:{b}" for b in s.boxes),
            *([f"person:{s.psn_no}"] if s.psn_no else []),
            *(x for x in getattr(request.state, "audit_ids", []) if x.startswith("lead:")),
        ],
    )
    audit_records(request, "hsa_warnings", out.records)  # with the audit row
    warn = None if result.checked else "检查暂不可用,未提示(check unavailable, no warning)"
    return envelope_answer(_received(request), output={"result": out.result}, warn_msg=warn)


async def _feedback(
    svc: Service, request: Request, env: m.Envelope, user: Principal | None
) -> JSONBytes:
    f = m.feedback(env.input)
    _own(user, env.fixmedins_code)
    codes = getattr(user, "institutions", None)
    ids = [w["warn_rslt_id"] for w in f.warns]
    known = svc.store.hsa_warnings_of(ids, codes)
    unknown = [x for x in ids if x not in known]
    if unknown:
        raise m.MessageError(
            f"warn_rslt_id 不是本机构收到的提示:{','.join(unknown[:5])}(unknown warn_rslt_id)"
        )
    audit_records(  # with the audit row
        request,
        "hsa_feedback",
        [
            {
                "username": user.username if user else "",
                "region": user.region if user else "",
                "fixmedins_code": env.fixmedins_code,
                "msgid": env.msgid,
                "jr_id": w["warn_rslt_id"],
                "warn_type": f.warn_type,
                "dspo_way": w["dspo_way"],
                "dspo_way_rea": w["dspo_way_rea"],
            }
            for w in f.warns
        ],
    )
    audit_ids(request, [f"institution:{env.fixmedins_code}"])
    request.state.audit_purpose = f"feedback on {len(ids)} warnings"
    return envelope_answer(_received(request), output={"count": len(ids)})


def _received(request: Request) -> datetime:
    return getattr(request.state, "hsa_received", None) or datetime.now()


async def answer(svc: Service, request: Request, infno: str, raw: bytes) -> Response:
    """The answer to one message (the caller authenticated): the platform's envelope,
    errors in it with ``infcode`` -1 (403 when the institution is not the caller's)."""
    received = datetime.now()
    request.state.hsa_received = received
    user: Principal | None = getattr(request.state, "principal", None)
    try:
        if infno not in m.INTERFACES:
            raise m.MessageError(f"本服务不提供接口 {infno[:8]}(interface not served)")
        env = m.envelope(raw, infno)
        _own(user, env.fixmedins_code)
        if infno in ("3101", "3102"):
            return await _analysis(svc, request, env, user)
        if infno == "3505":
            return await _sale(svc, request, env, user)
        return await _feedback(svc, request, env, user)
    except m.MessageError as exc:
        return envelope_answer(received, err_msg=str(exc))
    except ProblemError as exc:
        if exc.status != 403:
            raise
        return envelope_answer(
            received,
            err_msg="本账号只能为本机构(fixmedins_code / medins_id)发送报文"
            "(this account sends messages of its own institutions only)",
            status=403,
        )


# -- the routes (the OpenAPI description; the lane below answers them) ------------------
class Envelope(BaseModel):
    """The platform's envelope; ``input`` as the interface describes (docs/check.md)."""

    infno: str
    msgid: str
    fixmedins_code: str
    inf_time: str = Field(description="yyyy-MM-dd HH:mm:ss, the moment of the counter")
    input: dict[str, Any]
    mdtrtarea_admvs: str | None = None
    insuplc_admdvs: str | None = None
    recer_sys_code: str | None = None
    infver: str | None = None
    opter_type: str | None = None
    opter: str | None = None
    opter_name: str | None = None
    fixmedins_name: str | None = None
    sign_no: str | None = None


class Answer(BaseModel):
    infcode: int = Field(description="0 answered, -1 the message could not be answered")
    inf_refmsgid: str
    refmsg_time: str
    respond_time: str
    err_msg: str | None = None
    warn_msg: str | None = None
    output: dict[str, Any]


BODY = {"requestBody": {"content": {"application/json": {"schema": Envelope.model_json_schema()}}}}
SUMMARIES = {
    "3101": "3101 pre-settlement analysis (事前分析): warnings on each encounter",
    "3102": "3102 in-settlement analysis (事中分析): warnings on each encounter",
    "3103": "3103 the institution's answer to warnings (continued or went back)",
    "3505": "3505 a pharmacy's sale: boxes already sold and not returned, before the sale",
}


def _route(infno: str) -> None:
    async def handler(request: Request, user: Caller) -> Response:
        return await answer(get_service(request), request, infno, await request.body())

    handler.__name__ = f"hsa_{infno}"
    router.post(
        f"/{infno}",
        response_model=Answer,
        summary=SUMMARIES[infno],
        openapi_extra=BODY,
        responses=responses(403),
    )(handler)


for _infno in m.INTERFACES:
    _route(_infno)


@router.post("/{infno}", include_in_schema=False)
async def hsa_other(infno: str, request: Request, user: Caller) -> Response:
    """Any other interface number: answered in the envelope as not served."""
    return await answer(get_service(request), request, infno, b"")


class RuleList(BaseModel):
    data: list[dict[str, Any]]
    count: int
    dictionaries: dict[str, dict[str, str]]


@router.get(
    "/rules", response_model=RuleList, summary="The rule library: what the counter is told and why"
)
def hsa_rules(user: Caller) -> RuleList:
    lib = library()
    data = [r.public(lib.dictionaries) for r in lib.rules]
    return RuleList(data=data, count=len(data), dictionaries=lib.dictionaries)


class FeedbackRow(BaseModel):
    at: str = Field(description="when the institution answered")
    username: str
    fixmedins_code: str
    msgid: str
    jr_id: str
    warn_type: int = Field(description="1 before settlement, 2 during")
    dspo_way: int = Field(description="1 continued despite the warning, 2 went back and changed")
    dspo_way_rea: str | None = None
    warned_at: str
    infno: str
    rule_id: str
    rule_name: str | None = None
    psn_no: str | None = None
    patn_id: str | None = None
    mdtrt_id: str | None = None


class FeedbackList(BaseModel):
    data: list[FeedbackRow]
    count: int


@router.get(
    "/feedback",
    response_model=FeedbackList,
    summary="Institutions' answers to warnings, with the warning (investigators of the region)",
    responses=responses(403, 428),
    dependencies=[PurposeParams],
)
def hsa_feedback(
    request: Request,
    user: Investigator,
    fixmedins_code: Annotated[str | None, Query(max_length=64)] = None,
    dspo_way: Annotated[int | None, Query(ge=1, le=2)] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FeedbackList:
    """Answers given at counters of the caller's region or about persons it insures (as
    a settlement is seen). An answer to a manual review only when the caller may see
    one of the open leads behind it: the warning itself says its person is in one. A
    stated purpose is needed (the rows name persons); without one naming a lead the
    caller may work on, the masked view: ``patn_id`` (an HIS's own id, often an ID
    number) only when it is the ``psn_no``, phones, ID numbers and addresses in
    ``dspo_way_rea`` masked."""
    require_purpose(request)
    svc = get_service(request)
    seen: list[str] | None = None
    if user.region:
        behind = svc.store.hsa_feedback_leads(
            region_prefix=user.region, fixmedins_code=fixmedins_code, dspo_way=dspo_way
        )
        seen = []
        if behind:
            rows = svc.read("api_purpose_leads", {"ids": sorted(behind), **user.scope})
            seen = [str(r["lead_id"]) for r in rows]
    total, rows = svc.store.list_hsa_feedback(
        region_prefix=user.region,
        seen_leads=seen,
        fixmedins_code=fixmedins_code,
        dspo_way=dspo_way,
        offset=offset,
        limit=limit,
    )
    names = {r.id: r.name for r in library().rules}
    masked = needs_mask(view_role(request, user))
    data = []
    for r in rows:
        row = {**r, "rule_name": names.get(r["rule_id"])}
        if masked:
            if row["patn_id"] != row["psn_no"]:
                row["patn_id"] = None if row["patn_id"] is None else HIDDEN
            if row["dspo_way_rea"]:
                row["dspo_way_rea"] = mask_text(row["dspo_way_rea"])
        data.append(FeedbackRow(**row))
    audit_ids(request, list(dict.fromkeys(f"person:{r.psn_no}" for r in data if r.psn_no)))
    return FeedbackList(data=data, count=total)


# -- the lane -------------------------------------------------------------------------------
class HsaLane:
    """``POST /hsa/<infno>`` without the router's machinery, as the check's lane: the same
    authentication, :func:`answer` and audit row (with the documented route)."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.svc = service
        self.enabled = service.settings.api_check_lane
        self.routes = {
            str(getattr(r, "path", "")).rsplit("/", 1)[1]: r
            for r in router.routes
            if getattr(r, "path", "").rsplit("/", 1)[-1] in m.INTERFACES
        }
        library()  # read and validated at start: a bad file stops the API here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        infno = path[len(PREFIX) + 1 :] if path.startswith(PREFIX + "/") else ""
        if not self.enabled or infno not in self.routes or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["route"] = self.routes[infno]
        request = Request(scope, receive)
        response: Response
        try:
            authenticate(self.svc, request, bearer_token(request.headers.get("authorization")))
            try:
                raw = await read_body(receive, MAX_BODY)
            except BodyTooLarge:
                raise ProblemError(413, f"the body is larger than {MAX_BODY} bytes") from None
            response = await answer(self.svc, request, infno, raw)
        except ProblemError as exc:
            response = problem_response(
                request, exc.status, exc.detail, slug=exc.slug, title=exc.title, headers=exc.headers
            )
        await response(scope, receive, send)
