"""The one way a lead changes: the write, then a new leads generation.

Every reader that keeps answers about leads (the API's answer cache, the pre-settlement
check's open-lead members) keeps them under the leads' generation token
(``queries/leads_generation_bump.cypher``), so a write to leads that does not renew the
token leaves them serving the old state. :func:`write_leads` is that write and its
renewal, after the commit (a failed write changed nothing); :func:`apply_change` is a
workflow step, an assignment or a note made through it. The API, the command line and
referral all change leads here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraudrings.graph.gateway import Counters, Gateway
from fraudrings.graph.leads import bump_generation


def write_leads(
    gw: Gateway, name: str, params: Mapping[str, Any], *, timeout: float | None = None
) -> Counters:
    """The named write to leads, then a new leads generation."""
    counters = gw.write(name, params, timeout=timeout)
    bump_generation(gw)
    return counters


@dataclass(frozen=True)
class LeadChange:
    """One step in a lead's history: a transition, an assignment or a note, made only if
    the lead is still in ``expected_status`` with ``expected_assignee`` (else nothing is
    written: someone else moved it meanwhile)."""

    lead_id: str
    scope: Mapping[str, Any]  # the caller's region parameters ({"region": prefix})
    by: str
    action: str
    expected_status: str
    expected_assignee: str | None
    to_status: str
    note: str | None = None
    set_assignee: bool = False
    assignee: str | None = None


def apply_change(gw: Gateway, change: LeadChange, *, timeout: float | None = None) -> bool:
    """Record ``change`` (a ``LeadChange`` node in the lead's history) and renew the
    leads generation; False when the lead changed meanwhile (nothing was written)."""
    counters = write_leads(
        gw,
        "api_lead_change",
        {
            "lead_id": change.lead_id,
            **change.scope,
            "expected_status": change.expected_status,
            "expected_assignee": change.expected_assignee,
            "to_status": change.to_status,
            "set_assignee": change.set_assignee,
            "assignee": change.assignee,
            "by": change.by,
            "action": change.action,
            "note": change.note,
            "change_id": uuid.uuid4().hex,
        },
        timeout=timeout,
    )
    return counters.get("nodes_created", 0) == 1
