"""Workflow steps and audit rows made from the command line, the API's way.

``fraudrings leads set-status`` moves a lead with the API's own rules
(:func:`casework.workflow.check_transition`) and its own record and token renewal
(:func:`casework.leads.apply_change`: a ``LeadChange`` node in the lead's history, then
a new leads generation, so the API's kept answers and the check see it at once), as the
user named by ``--by`` with that user's role and region; the audit log gets a row as for
an API call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fraudrings.casework.leads import LeadChange, apply_change
from fraudrings.casework.store import Store, User
from fraudrings.casework.workflow import WorkflowError, check_transition, taken_by
from fraudrings.graph.gateway import Gateway


class StatusError(Exception):
    """``code`` follows the HTTP meaning: 403 not allowed, 404 no lead, 409 conflict."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def cli_user(store: Store, username: str, minimum: str | None = None) -> User:
    from fraudrings.casework.roles import at_least

    u = store.get_user(username)
    if u is None or not u.active:
        raise StatusError(403, f"no active user {username!r} (add one with `fraudrings users add`)")
    if minimum and not at_least(u.role, minimum):
        raise StatusError(403, f"{username} is {u.role}; this needs the role {minimum} or higher")
    return u


def audit_cli(
    store: Store,
    *,
    user: User | None,
    username: str,
    command: str,
    params: dict[str, Any],
    entity_ids: Sequence[str],
    status: int,
) -> None:
    store.audit(
        username=username,
        role=user.role if user else None,
        region=user.region if user else None,
        method="CLI",
        path=f"cli:{command}",
        route=f"cli:{command}",
        params=params,
        entity_ids=list(entity_ids),
        status=status,
        duration_ms=0.0,
        client="cli",
    )


@dataclass
class StatusChange:
    lead_id: str
    from_status: str
    to_status: str
    assignee: str | None


def set_status(
    gw: Gateway, user: User, lead_id: str, status: str, note: str | None
) -> StatusChange:
    if status == "referred":
        raise StatusError(
            409,
            "a lead is referred with its package: `fraudrings referral create LEAD_ID --out DIR`",
        )
    rows = gw.read("api_lead_get", {"lead_id": lead_id, "region": user.region})
    if not rows:
        raise StatusError(404, f"no lead {lead_id} in region {user.region or '(all)'}")
    lead = rows[0]["lead"]
    current = str(lead.get("status") or "new")
    assignee = lead.get("assignee")
    try:
        check_transition(user.role, user.username, current, status, assignee)
    except WorkflowError as exc:
        raise StatusError(exc.status, str(exc)) from None
    new_assignee = taken_by(user.username, status, assignee)
    change = LeadChange(
        lead_id=lead_id,
        scope={"region": user.region},
        by=user.username,
        action="transition",
        expected_status=current,
        expected_assignee=assignee,
        to_status=status,
        note=note,
        set_assignee=new_assignee != assignee,
        assignee=new_assignee,
    )
    if not apply_change(gw, change):  # the same write and token renewal as the API's
        raise StatusError(409, "the lead changed meanwhile; run the command again")
    return StatusChange(lead_id, current, status, new_assignee)
