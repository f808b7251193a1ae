"""Referral of a confirmed lead to public security (行刑衔接): create the package, list
the referrals of a lead, download the package's files. Supervisors and admins only;
region-scoped like every lead route (outside the region: 404, as a missing id)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from fraudrings.api.deps import (
    Principal,
    PurposeParams,
    Supervisor,
    User,
    audit_ids,
    get_service,
    require_purpose,
)
from fraudrings.api.problems import ProblemError, responses

router = APIRouter(prefix="/leads", tags=["referrals"], responses=responses(401, 403, 429, 503))

LeadId = Annotated[str, Path(min_length=1, max_length=128)]
FileName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
NOT_FOUND = "no lead with this id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MEDIA = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}


class ReferralCreate(BaseModel):
    note: str | None = Field(None, max_length=2000, description="a note for the lead's history")


class ReferralFile(BaseModel):
    name: str
    sha256: str
    bytes: int
    url: str


class ReferralPublic(BaseModel):
    referral_id: str
    lead_id: str
    by: str | None = None
    at: datetime | None = None
    evidence_version: str
    package_hash: str = Field(description="SHA-256 of SHA256SUMS, the package's file list")
    province: str | None = None
    files: list[ReferralFile]
    manifest_url: str


class PartyShare(BaseModel):
    party: str = Field(description="kind:id of the member")
    role_zh: str
    amount: float = Field(description="the fund's payment (基金支付) charged to this party")
    personal_account: float
    items: list[str] = Field(description="the settlements, lines and boxes counted")
    workings: list[str]


class RelatedTotal(BaseModel):
    settlements: int
    medfee: float
    fund: float
    acct: float
    cash: float


class LeadAmounts(BaseModel):
    lead_id: str
    amount_at_risk: float = Field(description="涉案金额: what the fund paid for the suspect part")
    case_amount: float = Field(description="the same figure worked out item by item")
    total_fraud_amount: float = Field(description="the referral's legal total (认定诈骗金额)")
    personal_account: float
    rule: str
    related: RelatedTotal = Field(description="关联结算总额: every settlement read with the lead")
    parties: list[PartyShare]


def _folder(request: Request, lead_id: str, referral_id: str) -> FsPath:
    if not (_SAFE_ID.fullmatch(lead_id) and _SAFE_ID.fullmatch(referral_id)):
        raise ProblemError(404, "no such referral file", slug="not-found")
    return FsPath(get_service(request).settings.referral_dir) / lead_id / referral_id


def _public(r: dict[str, Any], lead_id: str) -> ReferralPublic:
    man = r["manifest"]
    base = f"/leads/{lead_id}/referral/files"
    q = f"?referral_id={r['referral_id']}"
    return ReferralPublic(
        referral_id=r["referral_id"],
        lead_id=lead_id,
        by=r.get("by"),
        at=r.get("at"),
        evidence_version=man["evidence_version"],
        package_hash=man["package_hash"],
        province=r.get("province"),
        files=[ReferralFile(**f, url=f"{base}/{f['name']}{q}") for f in man["files"]],
        manifest_url=f"{base}/manifest.json{q}",
    )


def _referrals(request: Request, user: Principal, lead_id: str) -> list[dict[str, Any]]:
    from fraudrings.referral.service import referrals

    svc = get_service(request)
    if not svc.read("api_lead_get", {"lead_id": lead_id, **user.scope}):
        raise ProblemError(404, NOT_FOUND, slug="not-found")
    return referrals(svc.gw, lead_id, user.region)


@router.get(
    "/{lead_id}/amounts",
    response_model=LeadAmounts,
    summary="The lead's amount (涉案金额) and its breakdown by member, as its referral counts it",
    responses=responses(404, 422),
)
def lead_amounts(request: Request, user: User, lead_id: LeadId) -> LeadAmounts:
    from fraudrings.referral import config, service

    svc = get_service(request)
    if not svc.read("api_lead_get", {"lead_id": lead_id, **user.scope}):
        raise ProblemError(404, NOT_FOUND, slug="not-found")
    try:
        cfg = config.load(svc.settings.referral_thresholds)
        ev, _ = service.evidence(svc.gw, lead_id, user.region, cfg)
    except service.LeadNotFound:
        raise ProblemError(404, NOT_FOUND, slug="not-found") from None
    except config.ConfigError as exc:
        raise ProblemError(500, str(exc), slug="referral-not-configured") from None
    roles = {p.key: p.role_zh for p in ev.parties}
    audit_ids(request, [f"lead:{lead_id}"])
    return LeadAmounts(
        lead_id=lead_id,
        amount_at_risk=ev.lead.amount_at_risk,
        case_amount=ev.case_amount,
        total_fraud_amount=ev.total_fraud_amount,
        personal_account=ev.totals.acct,
        rule=ev.rule,
        related=RelatedTotal(**ev.related.model_dump()),
        parties=[
            PartyShare(
                party=a.party,
                role_zh=roles.get(a.party, ""),
                amount=round(a.funds.fund(), 2),
                personal_account=a.funds.acct,
                items=a.basis,
                workings=a.workings,
            )
            for a in sorted(ev.amounts, key=lambda a: -a.funds.fund())
            if a.basis
        ],
    )


@router.post(
    "/{lead_id}/referral",
    response_model=ReferralPublic,
    status_code=201,
    summary="Refer a confirmed lead to public security: build, record and return the package",
    responses=responses(404, 409, 422, 500),
)
def create_referral(
    request: Request, user: Supervisor, lead_id: LeadId, body: ReferralCreate | None = None
) -> ReferralPublic:
    from fraudrings.referral import config, service
    from fraudrings.referral.fonts import FontMissing, find_font

    svc = get_service(request)
    note = body.note if body else None
    request.state.audit_params = {"note": note}
    if not _SAFE_ID.fullmatch(lead_id):
        raise ProblemError(404, NOT_FOUND, slug="not-found")
    try:
        cfg = config.load(svc.settings.referral_thresholds)
        font = find_font(svc.settings.referral_font)
    except (config.ConfigError, FontMissing) as exc:
        raise ProblemError(500, str(exc), slug="referral-not-configured") from None
    rid = uuid.uuid4().hex
    out = _folder(request, lead_id, rid)
    try:
        service.create(svc.gw, lead_id, out, by=user.username, region=user.region, note=note,
                       cfg=cfg, font=font, referral_id=rid)  # fmt: skip
    except service.LeadNotFound:
        raise ProblemError(404, NOT_FOUND, slug="not-found") from None
    except (service.NotConfirmed, service.ReferralConflict) as exc:
        raise ProblemError(409, str(exc), slug="workflow") from None
    if svc.facts is not None:
        svc.facts.leads_changed()  # the lead is referred, no longer open: checks see it now
    rec = next(
        r for r in service.referrals(svc.gw, lead_id, user.region) if r["referral_id"] == rid
    )
    audit_ids(request, [f"lead:{lead_id}", f"referral:{rid}"])
    return _public(rec, lead_id)


@router.get(
    "/{lead_id}/referral",
    response_model=list[ReferralPublic],
    summary="The referrals of a lead, newest first",
    responses=responses(404, 422),
)
def list_referrals(request: Request, user: Supervisor, lead_id: LeadId) -> list[ReferralPublic]:
    rows = _referrals(request, user, lead_id)
    audit_ids(request, [f"lead:{lead_id}"] + [f"referral:{r['referral_id']}" for r in rows])
    return [_public(r, lead_id) for r in rows]


@router.get(
    "/{lead_id}/referral/files/{name}",
    response_class=FileResponse,
    summary="Download one file of a lead's referral package (the newest, or ?referral_id=)",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "the file"},
        **responses(404, 422, 428),
    },
    dependencies=[PurposeParams],
)
def referral_file(
    request: Request,
    user: Supervisor,
    lead_id: LeadId,
    name: FileName,
    referral_id: str | None = None,
) -> FileResponse:
    from fraudrings.referral.package import INTEGRITY_FILES

    require_purpose(request)  # the package holds the persons' data
    rows = _referrals(request, user, lead_id)
    rec = next((r for r in rows if referral_id is None or r["referral_id"] == referral_id), None)
    if rec is None:
        raise ProblemError(404, "no referral of this lead", slug="not-found")
    listed = {f["name"] for f in rec["manifest"].get("files", [])} | INTEGRITY_FILES
    path = _folder(request, lead_id, rec["referral_id"]) / name
    if name not in listed or not path.is_file():
        raise ProblemError(404, "no such file in the referral package", slug="not-found")
    audit_ids(request, [f"lead:{lead_id}", f"referral:{rec['referral_id']}", f"file:{name}"])
    media = MEDIA.get(path.suffix, "text/plain; charset=utf-8")
    return FileResponse(path, media_type=media, filename=name)
