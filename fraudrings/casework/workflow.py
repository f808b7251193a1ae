"""The lead workflow: which status may follow which, and who may move a lead.

::

    new -> in_review -> confirmed -> referred
                     -> dismissed -> in_review   (reopened by a supervisor)

* analysts read leads and add notes; they move nothing.
* investigators take a lead into review (it is assigned to them if nobody has it),
  and confirm or dismiss the leads assigned to them (or nobody's);
  they may assign an unassigned lead to themselves, or unassign themselves.
* supervisors and admins do all of that on any lead of their region, assign anyone
  (an active investigator or higher whose region covers the lead), refer confirmed
  leads (only by making the referral package), and reopen dismissed ones.
"""

from __future__ import annotations

from typing import Final

from fraudrings.casework.roles import at_least
from fraudrings.core.vocabulary import REFERRED

TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "new": ("in_review",),
    "in_review": ("confirmed", "dismissed"),
    "confirmed": ("referred",),
    "dismissed": ("in_review",),
    "referred": (),
}
# (from, to) -> the least role that may make the step
NEEDS: Final[dict[tuple[str, str], str]] = {
    ("new", "in_review"): "investigator",
    ("in_review", "confirmed"): "investigator",
    ("in_review", "dismissed"): "investigator",
    ("confirmed", "referred"): "supervisor",
    ("dismissed", "in_review"): "supervisor",
}


class WorkflowError(Exception):
    """``status`` follows the HTTP meaning: 403 not allowed, 409 not from this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_transition(
    role: str,
    username: str,
    current: str,
    target: str,
    assignee: str | None,
    *,
    by_referral: bool = False,
) -> None:
    """Whether ``role`` may move a lead from ``current`` to ``target``. A lead becomes
    referred only by making its referral package (``by_referral``): a status step alone
    would mark it referred with nothing handed over."""
    if target == REFERRED and not by_referral:
        raise WorkflowError(
            409,
            "a lead is referred by making its referral package "
            "(POST /leads/{id}/referral, or `fraudrings referral create LEAD_ID --out DIR`)",
        )
    if target not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "none"
        raise WorkflowError(
            409, f"a lead in status {current!r} cannot move to {target!r} (allowed: {allowed})"
        )
    need = NEEDS[(current, target)]
    if not at_least(role, need):
        raise WorkflowError(403, f"moving a lead from {current} to {target} needs role {need}")
    if (
        role == "investigator"
        and current != "new"
        and assignee is not None
        and assignee != username
    ):
        raise WorkflowError(403, f"this lead is assigned to {assignee}, not to you")


def allowed_transitions(role: str, username: str, current: str, assignee: str | None) -> list[str]:
    out = []
    for target in TRANSITIONS.get(current, ()):
        try:
            check_transition(role, username, current, target, assignee)
        except WorkflowError:
            continue
        out.append(target)
    return out


def check_assign(role: str, username: str, current: str | None, new: str | None) -> None:
    if at_least(role, "supervisor"):
        return
    if role == "investigator":
        if new == username and current is None:
            return  # take an unassigned lead
        if new is None and current == username:
            return  # give it back
        raise WorkflowError(
            403, "investigators may only take an unassigned lead or give back their own"
        )
    raise WorkflowError(403, "assigning leads needs role investigator or higher")


def taken_by(username: str, target: str, assignee: str | None) -> str | None:
    """Who has the lead after a step to ``target``: whoever takes an unassigned lead into
    review has it; else it stays with its assignee."""
    if target == "in_review" and assignee is None:
        return username
    return assignee
