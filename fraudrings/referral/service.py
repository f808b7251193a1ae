"""Create a referral: gather, build, write the package, record it, move the lead.

Used by ``fraudrings referral create`` and ``POST /leads/{id}/referral``. Only a
confirmed lead inside the caller's region is referred. The record (a ``Referral`` node
and the workflow step confirmed -> referred, the same ``LeadChange`` the API writes for
a transition) is one transaction; if the lead moved in the meantime nothing is
recorded and the package just written is removed.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudrings.casework.leads import write_leads
from fraudrings.graph.gateway import Gateway
from fraudrings.referral import config, package
from fraudrings.referral.fonts import Font, find_font
from fraudrings.referral.gather import LeadNotFound, gather
from fraudrings.referral.model import Evidence
from fraudrings.referral.rules import build

__all__ = ["LeadNotFound", "NotConfirmed", "ReferralConflict", "ReferralResult", "create"]


class NotConfirmed(Exception):
    """Only a confirmed lead can be referred."""

    def __init__(self, lead_id: str, status: str) -> None:
        super().__init__(
            f"lead {lead_id} is {status!r}; only a confirmed lead can be referred "
            "(move it with `fraudrings leads set-status` or the API's workflow first)"
        )
        self.status = status


class ReferralConflict(Exception):
    """The lead changed between reading it and recording the referral."""


@dataclass
class ReferralResult:
    referral_id: str
    lead_id: str
    folder: Path
    manifest: dict[str, Any]

    @property
    def package_hash(self) -> str:
        return str(self.manifest["package_hash"])

    @property
    def evidence_version(self) -> str:
        return str(self.manifest["evidence_version"])


def evidence(
    gw: Gateway, lead_id: str, region: str = "", cfg: config.ReferralConfig | None = None
) -> tuple[Evidence, str]:
    """The lead's evidence and its current status."""
    raw = gather(gw, lead_id, region)
    ev = build(raw, cfg or config.load())
    return ev, str(raw.lead.get("status") or "new")


def create(
    gw: Gateway,
    lead_id: str,
    out: Path,
    *,
    by: str,
    region: str = "",
    note: str | None = None,
    cfg: config.ReferralConfig | None = None,
    font: Font | None = None,
    referral_id: str | None = None,
) -> ReferralResult:
    ev, status = evidence(gw, lead_id, region, cfg)
    if status != "confirmed":
        raise NotConfirmed(lead_id, status)
    existed = out.exists()
    man = package.write(ev, out, font or find_font())
    referral_id = referral_id or uuid.uuid4().hex
    # the lead is now referred: write_leads renews the leads generation, so answers kept
    # about it are dropped
    counters = write_leads(
        gw,
        "referral_record",
        {
            "lead_id": lead_id,
            "region": region,
            "referral_id": referral_id,
            "change_id": uuid.uuid4().hex,
            "by": by,
            "note": note or f"移送公安机关;证据版本 {ev.evidence_version[:16]}",
            "evidence_version": ev.evidence_version,
            "package_hash": man["package_hash"],
            "manifest_json": json.dumps(man, ensure_ascii=False, sort_keys=True),
            "province": ev.jurisdiction.province,
        },
    )
    if counters.get("nodes_created", 0) != 2:
        for f in man["files"]:
            (out / f["name"]).unlink(missing_ok=True)
        for n in package.INTEGRITY_FILES:
            (out / n).unlink(missing_ok=True)
        if not existed:
            shutil.rmtree(out, ignore_errors=True)
        raise ReferralConflict(f"lead {lead_id} changed while the package was built; try again")
    return ReferralResult(referral_id, lead_id, out, man)


def referrals(gw: Gateway, lead_id: str, region: str = "") -> list[dict[str, Any]]:
    """The referrals recorded for a lead, newest first, manifests parsed."""
    out = []
    for r in gw.read("referral_get", {"lead_id": lead_id, "region": region}):
        d = dict(r)
        d["manifest"] = json.loads(d.pop("manifest_json") or "{}")
        out.append(d)
    return out
