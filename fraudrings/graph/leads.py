"""Leads: what detection hands to investigators, and how they keep their identity.

A detector returns :class:`LeadDraft` objects. :func:`store` matches each draft to the
lead of the same typology already in the graph that shares most of its members (so a
rerun on the same or a grown graph updates the lead instead of creating a new one),
writes it with ``UNWIND`` batches, links its members with ``INVOLVES {role}``, writes
the lead id back onto the members as their community of that typology, and marks
leads that were not found again as inactive (their status and history are kept).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from fraudrings.core.vocabulary import LEAD_STATUSES as STATUSES
from fraudrings.core.vocabulary import MEMBER_KINDS as KINDS
from fraudrings.core.vocabulary import TYPOLOGIES
from fraudrings.core.vocabulary import TYPOLOGY_PREFIX as PREFIX
from fraudrings.core.vocabulary import MemberKind as Kind
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.tokens import bump_generation as bump_generation
from fraudrings.graph.tokens import leads_write

__all__ = ["KINDS", "PREFIX", "STATUSES", "TYPOLOGIES", "Kind"]


class Member(BaseModel):
    kind: Kind
    id: str
    role: str


class Reason(BaseModel):
    """One named factor behind a score, readable by an investigator."""

    factor: str
    value: float | int | str
    weight: float = Field(ge=0, le=1, description="share of the score this factor carries")
    text: str


class LeadExport(BaseModel):
    """A lead in the contract's export format (plus the fields the contract allows)."""

    lead_id: str
    typology: str
    score: float = Field(ge=0, le=1)
    members: list[Member]
    amount_at_risk: float = Field(ge=0)
    evidence: list[str]
    reasons: list[Reason]
    first_seen: date | None
    last_seen: date | None
    region: str | None
    status: str
    active: bool


@dataclass
class LeadDraft:
    typology: str
    score: float
    members: list[Member]
    reasons: list[Reason]
    evidence: list[str]
    amount_at_risk: float
    first_seen: date | None
    last_seen: date | None
    region: str | None = None
    regions: list[str] = field(default_factory=list)
    community: int | None = None  # the detector's raw community index, if any
    # settlement id -> the fund's share, where a detector adds up settlements: drafts that
    # are merged count each settlement once, whatever their evidence lists show
    funds: dict[str, float] = field(default_factory=dict)

    def keys(self) -> frozenset[str]:
        return frozenset(f"{m.kind}:{m.id}" for m in self.members)

    def anchor(self) -> str:
        """What names the lead when it is first seen: its non-box members, else all."""
        ks = sorted(k for k in self.keys() if not k.startswith("trace_code:")) or sorted(
            self.keys()
        )
        return "|".join(ks)


def new_lead_id(typology: str, draft: LeadDraft) -> str:
    h = hashlib.sha1(f"{typology}|{draft.anchor()}".encode()).hexdigest()[:10].upper()
    return f"{PREFIX.get(typology, 'LD')}-{h}"


def match_existing(
    drafts: Sequence[LeadDraft], existing: dict[str, frozenset[str]], min_overlap: float = 0.5
) -> list[str | None]:
    """For each draft, the id of the existing lead it continues, or None.

    A draft continues an existing lead when they share at least ``min_overlap`` of the
    smaller member set; pairs are taken greedily by Jaccard similarity, one to one, so
    two drafts never take the same lead."""
    pairs: list[tuple[float, int, str]] = []
    by_member: dict[str, list[str]] = {}
    for lid, ks in existing.items():
        for k in ks:
            by_member.setdefault(k, []).append(lid)
    for i, d in enumerate(drafts):
        dk = d.keys()
        seen: set[str] = set()
        for k in dk:
            for lid in by_member.get(k, ()):
                if lid in seen:
                    continue
                seen.add(lid)
                ek = existing[lid]
                inter = len(dk & ek)
                if inter / max(1, min(len(dk), len(ek))) >= min_overlap:
                    pairs.append((inter / len(dk | ek), i, lid))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    out: list[str | None] = [None] * len(drafts)
    taken: set[str] = set()
    for _, i, lid in pairs:
        if out[i] is None and lid not in taken:
            out[i] = lid
            taken.add(lid)
    return out


def _row(lead_id: str, d: LeadDraft, run_id: str) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "typology": d.typology,
        "score": round(float(d.score), 4),
        "amount_at_risk": round(float(d.amount_at_risk), 2),
        "first_seen": d.first_seen.isoformat() if d.first_seen else None,
        "last_seen": d.last_seen.isoformat() if d.last_seen else None,
        "region": d.region,
        "regions": sorted(set(d.regions)),
        "reasons_json": json.dumps([r.model_dump() for r in d.reasons], ensure_ascii=False),
        "evidence": list(d.evidence),
        "member_count": len(d.members),
        "run_id": run_id,
        "members": [m.model_dump() for m in d.members],
    }


@dataclass
class StoreReport:
    typology: str
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    ids: list[str] = field(default_factory=list)


def store(
    gw: Gateway,
    typology: str,
    drafts: Sequence[LeadDraft],
    run_id: str,
    *,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> StoreReport:
    """Write one typology's drafts as leads, keeping identity across runs."""
    if typology not in TYPOLOGIES:
        raise ValueError(f"unknown typology {typology!r}")
    existing: dict[str, frozenset[str]] = {}
    for r in gw.read("leads_members_of_typology", {"typology": typology}):
        existing[r["lead_id"]] = frozenset(f"{m['kind']}:{m['id']}" for m in r["members"])
    matched = match_existing(drafts, existing)
    report = StoreReport(typology)
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for d, lid in zip(drafts, matched, strict=True):
        if lid is None:
            lid = new_lead_id(typology, d)
            n = 1
            while lid in existing or lid in used:
                n += 1
                lid = f"{new_lead_id(typology, d)}-{n}"
            report.created += 1
        else:
            report.updated += 1
        used.add(lid)
        rows.append(_row(lid, d, run_id))
    report.ids = [r["lead_id"] for r in rows]
    done = 0
    stale = sorted(set(existing) - used)
    with leads_write(gw):
        for i in range(0, len(rows), batch_size):
            chunk = rows[i : i + batch_size]
            gw.write("leads_upsert", {"rows": chunk})
            done += len(chunk)
            if progress:
                progress(done, len(rows))
        if stale:
            gw.write("leads_deactivate", {"ids": stale})
    report.deactivated = len(stale)
    return report


def export(gw: Gateway, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Every lead in the contract's JSON format, highest score first."""
    out: list[dict[str, Any]] = []
    for r in gw.read("leads_export", {"include_inactive": include_inactive}):
        lead = LeadExport(
            lead_id=r["lead_id"],
            typology=r["typology"],
            score=r["score"],
            members=[Member(**m) for m in r["members"]],
            amount_at_risk=r["amount_at_risk"] or 0.0,
            evidence=list(r["evidence"] or []),
            reasons=[Reason(**x) for x in json.loads(r["reasons_json"] or "[]")],
            first_seen=r["first_seen"],
            last_seen=r["last_seen"],
            region=r["region"],
            status=r["status"],
            active=bool(r["active"]),
        )
        out.append(lead.model_dump(mode="json"))
    return out


def clip(x: float) -> float:
    """A factor or score held to [0, 1]."""
    return max(0.0, min(1.0, x))


def as_date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def span(times: Iterable[Any]) -> tuple[date | None, date | None]:
    ds = [d for d in (as_date(t) for t in times) if d is not None]
    return (min(ds), max(ds)) if ds else (None, None)
