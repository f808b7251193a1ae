"""Workflow steps and audit rows made from the command line, the API's way.

``fraudrings leads set-status`` moves a lead with the API's own rules
(:func:`casework.workflow.check_transition`) and its own record and token renewal
(:func:`casework.leads.apply_change`: a ``LeadChange`` node in the lead's history, then
a new leads generation, so the API's kept answers and the check see it at once), as the
user named by ``--by`` with that user's role and region; the audit log gets a row as for
an API call. ``fraudrings referral create`` refers a lead the same way, as a supervisor
named by ``--by`` (or as the operating-system user, unscoped), audited either way.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudrings.casework.leads import LeadChange, apply_change
from fraudrings.casework.store import Store, User
from fraudrings.casework.workflow import WorkflowError, check_transition, taken_by
from fraudrings.graph.gateway import Gateway
from fraudrings.referral import config, service
from fraudrings.referral.fonts import Font


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


def set_status_by(
    store: Store,
    gateway: Callable[[], Gateway],
    username: str,
    lead_id: str,
    status: str,
    note: str | None,
) -> StatusChange:
    """``fraudrings leads set-status``: one workflow step as the active user ``username``
    (:class:`StatusError` when refused), with an audit row either way."""
    params = {"lead_id": lead_id, "status": status, "note": note}
    ids = [f"lead:{lead_id}"]
    user = None
    try:
        user = cli_user(store, username)
        with gateway() as gw:
            ch = set_status(gw, user, lead_id, status, note)
    except StatusError as exc:
        audit_cli(store, user=user, username=username, command="leads set-status",
                  params=params, entity_ids=ids, status=exc.code)  # fmt: skip
        raise
    audit_cli(store, user=user, username=username, command="leads set-status",
              params=params, entity_ids=ids, status=200)  # fmt: skip
    return ch


def refer_by(
    store: Store,
    gateway: Callable[[], Gateway],
    lead_id: str,
    out: Path,
    *,
    username: str | None,
    note: str | None,
    cfg: config.ReferralConfig,
    font: Font,
) -> tuple[service.ReferralResult, str]:
    """``fraudrings referral create``: the referral package of a confirmed lead, made by
    the supervisor ``username`` within their region, or without one by the operating-system
    user over every region; an audit row either way. Returns the result and the name it
    was made by; :class:`StatusError` when refused."""
    by = username or f"cli:{getpass.getuser()}"
    params = {"lead_id": lead_id, "out": str(out)}
    ids = [f"lead:{lead_id}"]
    user = None
    try:
        if username:
            user = store.get_user(username)  # for the audit row, even when refused
            user = cli_user(store, username, "supervisor")
        region = user.region if user else ""
        with gateway() as gw:
            res = service.create(gw, lead_id, out, by=by, region=region, note=note, cfg=cfg,
                                 font=font)  # fmt: skip
    except (StatusError, service.LeadNotFound, service.NotConfirmed,
            service.ReferralConflict, FileExistsError) as exc:  # fmt: skip
        code = 404 if isinstance(exc, service.LeadNotFound) else 409
        code = exc.code if isinstance(exc, StatusError) else code
        audit_cli(store, user=user, username=by, command="referral create",
                  params=params, entity_ids=ids, status=code)  # fmt: skip
        raise StatusError(code, f"no lead {lead_id}" if code == 404 else str(exc)) from None
    params.update(package_hash=res.package_hash, evidence_version=res.evidence_version)
    audit_cli(store, user=user, username=by, command="referral create", params=params,
              entity_ids=[*ids, f"referral:{res.referral_id}"], status=201)  # fmt: skip
    return res, by
