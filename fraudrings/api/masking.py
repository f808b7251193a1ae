"""Masking: an allow-list of what a masked answer shows in clear.

A *masked* view (analysts; investigators and above whose stated purpose names no lead
they may work on, see :func:`fraudrings.api.deps.view_role`) shows a node's properties
in clear only when they are listed in :data:`CLEAR`; names, ID numbers, phones,
addresses and birth dates in a masked form (:data:`PARTIAL`); free text (a lead's
evidence lines) with the phones, addresses and ID numbers in it masked; anything else
(diagnoses, welfare flags, death dates, a column a drop brought that nobody listed) as
:data:`HIDDEN`. The whole view (roles in ``UNMASKED_ROLES`` with a checked purpose)
shows everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from fraudrings.core.vocabulary import UNMASKED_ROLES

HIDDEN: Final[str] = "***"


def mask_name(v: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, Zhang San -> Z*******n."""
    if len(v) <= 1:
        return "*"
    if len(v) == 2:
        return v[0] + "*"
    return v[0] + "*" * (len(v) - 2) + v[-1]


def mask_id(v: str) -> str:
    """Keep the region prefix only: 370102************. The birth date, the sequence
    and the check digit are all hidden, so nothing shown elsewhere (a birth year, an
    age) completes the number."""
    if len(v) <= 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 6)


def mask_phone(v: str) -> str:
    """13812345678 -> 138****5678 (at most the first 3 and the last 4 digits)."""
    if len(v) <= 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_addr(v: str) -> str:
    """Keep the first 6 characters (province/city/district), mask the rest."""
    return v[:6] + "*" * max(0, min(len(v) - 6, 8))


def mask_date(v: Any) -> str:
    """A birth date shows its year only: 1990-01-01 -> 1990-**-**."""
    s = str(v)
    return s[:4] + "-**-**" if len(s) >= 4 else HIDDEN


# A mobile number (11 digits from 1), a landline (0 + area code + number) and an ID
# number (17 digits and a check character) standing on their own in a text.
_PHONE_RE: Final = re.compile(r"(?<![0-9A-Za-z])(?:1\d{10}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z])")
_ID_RE: Final = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
# an address in an evidence line: ``address:<text>`` up to the next ", phone:" /
# ", address:" or the end of the line
_ADDR_RE: Final = re.compile(r"(address:)(.+?)(?=, (?:phone|address):|$)")


def mask_text(v: str) -> str:
    """Evidence lines and reason texts: every ID number, phone number and address in
    them masked (``shared phone:18301234567`` -> ``shared phone:183****4567``)."""
    v = _ID_RE.sub(lambda m: mask_id(m.group(0)), v)
    v = _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), v)
    return _ADDR_RE.sub(lambda m: m.group(1) + mask_addr(m.group(2)), v)


# property -> its masked form
PARTIAL: Final[dict[str, Callable[[Any], Any]]] = {
    "psn_name": mask_name,
    "certno": mask_id,
    "tel": mask_phone,
    "addr": mask_addr,
    "brdy": mask_date,
    "evidence": mask_text,
}

# What a masked view shows in clear: keys and codes, regions, the institutions',
# practitioners', suppliers' and drugs' own data, money, times and counts of
# settlements, fee lines and box movements, and a lead's own fields. Not listed, hence
# hidden: psn_flags (welfare status), death_date, dise_codg (diagnoses) and any column
# not named here.
CLEAR: Final[frozenset[str]] = frozenset(
    {
        # keys
        "psn_no", "fixmedins_code", "prac_code", "entp_code", "med_list_codg",
        "drug_trac_codg", "setl_id", "feedetl_sn", "event_id", "terminal_id",
        "lead_id", "change_id", "referral_id", "name",
        # persons: no more than sex, insurance type and region
        "gend", "insutype", "insu_admdvs", "unregistered", "party",
        # institutions, practitioners, suppliers, drugs
        "fixmedins_name", "fixmedins_type", "hosp_lv", "ownership", "admdvs", "lat", "lon",
        "chain_code", "online", "prac_name", "prac_type", "entp_name", "entp_type",
        "daily_units", "key_monitored", "list_name", "list_type", "pric_ref",
        # settlements and fee lines (without the diagnosis)
        "acct_pay", "begntime", "dr_codg", "endtime", "fund_pay_sumamt", "hifmi_pay",
        "hifp_pay", "maf_pay", "mdtrt_cert_type", "mdtrt_id", "mdtrtarea_admvs",
        "med_type", "medfee_sumamt", "psn_cash_pay", "refd_setl_flag", "refd_setl_id",
        "setl_time", "bilg_dr_codg", "cnt", "det_item_fee_sumamt", "fee_ocur_time",
        "init_feedetl_sn", "prd_days", "pric", "rxno",
        # boxes and their movements
        "event_time", "event_type", "trace_time", "fee_time", "in_trace",
        "in_fee_details", "manu_lotnum", "from_code", "to_code", "n_purchases",
        "n_returns", "n_sales",
        # leads and their workflow
        "typology", "score", "amount_at_risk", "first_seen", "last_seen", "status",
        "assignee", "region", "regions", "member_count", "active", "detected_at",
        "run_id", "created_at", "updated_at",
    }
)  # fmt: skip


def needs_mask(role: str) -> bool:
    return role not in UNMASKED_ROLES


def mask_value(key: str, v: Any) -> Any:
    """One property as a masked view shows it."""
    if v is None or key in CLEAR:
        return v
    f = PARTIAL.get(key)
    if f is None:
        return HIDDEN
    if isinstance(v, list):
        return [f(x) if isinstance(x, str) and x else x for x in v]
    return f(v) if (not isinstance(v, str) or v) else v


def mask_props(props: dict[str, Any], role: str) -> dict[str, Any]:
    if not needs_mask(role):
        return props
    return {k: mask_value(k, v) for k, v in props.items()}


def mask_texts(texts: list[str], role: str) -> list[str]:
    """Evidence lines or reason texts as ``role`` sees them."""
    return texts if not needs_mask(role) else [mask_text(t) for t in texts]
