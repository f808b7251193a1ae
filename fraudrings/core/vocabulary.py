"""The closed sets of words the product uses, written once.

Typologies, lead statuses and workflow actions, roles, member and node kinds, job kinds
and states. Everything else derives from here: the API's ``Literal`` types, the command
line's choices, the service store's SQL ``CHECK``, and the values that queries take as
``$params`` (:data:`QUERY_CONSTANTS`). ``tests/unit/test_vocabulary.py`` proves that the
derived places agree.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# -- leads ------------------------------------------------------------------------------
Typology = Literal[
    "prescription_buyer",
    "recycled_drug",
    "inpatient_recruitment",
    "card_pooling",
    "spatiotemporal",
    "deceased_claims",
    "split_admission",
]
TYPOLOGIES: Final[tuple[str, ...]] = get_args(Typology)
# the short prefix of each typology's lead ids (RD-1a2b3c...)
TYPOLOGY_PREFIX: Final[dict[str, str]] = {
    "prescription_buyer": "PB",
    "recycled_drug": "RD",
    "inpatient_recruitment": "IR",
    "card_pooling": "CP",
    "spatiotemporal": "ST",
    "deceased_claims": "DC",
    "split_admission": "SA",
}

LeadStatus = Literal["new", "in_review", "confirmed", "dismissed", "referred"]
LEAD_STATUSES: Final[tuple[str, ...]] = get_args(LeadStatus)
# a lead's status before anyone has moved it
FIRST_STATUS: Final[str] = "new"
# leads still open: the pre-settlement check warns about their members
OPEN_STATUSES: Final[tuple[str, ...]] = ("new", "in_review", "confirmed")
# the status a lead reaches only with its referral package
REFERRED: Final[str] = "referred"

LeadAction = Literal["transition", "assign", "note"]
LEAD_ACTIONS: Final[tuple[str, ...]] = get_args(LeadAction)

# -- people -----------------------------------------------------------------------------
# The staff's roles, lowest to highest: each may do what the ones below it may. Then an
# institution's counter: it only asks the pre-settlement check, for its own institution
# codes, and ranks nowhere (it reads no lead, entity, job or audit row). Then the three
# duties kept apart (三员分立), none of which reads case data or ranks among the staff:
# the system administrator starts ingest and detection jobs, the security administrator
# manages accounts, the auditor reads and verifies the audit log.
Role = Literal[
    "analyst", "investigator", "supervisor", "admin", "institution",
    "sysadmin", "secadmin", "auditor",
]  # fmt: skip
ROLES: Final[tuple[str, ...]] = get_args(Role)
STAFF_ROLES: Final[tuple[str, ...]] = ("analyst", "investigator", "supervisor", "admin")
INSTITUTION: Final[str] = "institution"
SYSADMIN: Final[str] = "sysadmin"
SECADMIN: Final[str] = "secadmin"
AUDITOR: Final[str] = "auditor"
DUTY_ROLES: Final[tuple[str, ...]] = (SYSADMIN, SECADMIN, AUDITOR)
ROLE_RANK: Final[dict[str, int]] = {r: i for i, r in enumerate(STAFF_ROLES)}
# roles that see personal data whole (analysts see it masked)
UNMASKED_ROLES: Final[frozenset[str]] = frozenset(STAFF_ROLES[ROLE_RANK["investigator"] :])

# -- graph ------------------------------------------------------------------------------
# a lead's member kinds, as the lead export and the API name them
MemberKind = Literal["person", "institution", "practitioner", "supplier", "trace_code"]
MEMBER_KINDS: Final[tuple[str, ...]] = get_args(MemberKind)
# main node label -> the kind the API names it by (public ids are '<kind>:<key>')
NODE_KINDS: Final[dict[str, str]] = {
    "Person": "person",
    "Institution": "institution",
    "Practitioner": "practitioner",
    "Supplier": "supplier",
    "Box": "trace_code",
    "Drug": "drug",
    "Settlement": "settlement",
    "FeeLine": "fee_line",
    "BoxEvent": "box_event",
    "Phone": "phone",
    "Address": "address",
    "Terminal": "terminal",
    "Lead": "lead",
    "LeadChange": "lead_change",
}

# -- jobs -------------------------------------------------------------------------------
JobKind = Literal["ingest", "detect"]
JOB_KINDS: Final[tuple[str, ...]] = get_args(JobKind)
JobState = Literal["queued", "running", "succeeded", "failed", "interrupted"]
JOB_STATES: Final[tuple[str, ...]] = get_args(JobState)
# states of a job not finished yet
JOB_PENDING: Final[tuple[str, ...]] = ("queued", "running")

# -- values queries take as $params -----------------------------------------------------
# A named query that uses one of these parameters gets it from here (the gateway adds it).
QUERY_CONSTANTS: Final[dict[str, object]] = {
    "open_statuses": list(OPEN_STATUSES),
    "first_status": FIRST_STATUS,
}


def sql_in(values: tuple[str, ...]) -> str:
    """``'a','b','c'`` for an SQL ``IN (...)``: words of this module only (no quotes)."""
    if any("'" in v for v in values):
        raise ValueError("a vocabulary word with a quote")
    return ",".join(f"'{v}'" for v in values)
