"""Validation at the boundary: every column of every contract file, all errors of a row.

``validate(stem, raw)`` returns the typed row and the list of every problem found in it
(not just the first). Reasons are a small fixed vocabulary so the load report can count
them: ``missing_key``, ``bad_date``, ``negative_value``, ``bad_code``, ``bad_number``. A row
with problems of more than one reason is counted as ``multiple`` (its quarantine record
lists them all).

Only what identifies a row, or what the row cannot be read without, is required. An
empty cell is unknown, not an error: a box movement (``trace_events``) is identified by
its code, type and time, so a ``sale`` with no ``to_code`` (a cash sale to a buyer the
outlet did not record) or any movement with an empty ``from_code``/``to_code`` is kept;
the loader gives it no party on that side (see ``ingest/loader.py``).

Money and rounding: the money columns of settlements and fee details may be negative on
a reversal (a refund settlement, ``refd_setl_flag`` 1; a refund line, ``init_feedetl_sn``
set) and are then taken as they are. Elsewhere a negative amount is ``negative_value``,
except a cent of rounding: an amount from -0.01 up to 0 (real exports carry a cent
between a total and its parts, e.g. ``psn_cash_pay`` -0.01) is accepted and **stored as
given** (not clamped to 0, so the parts still add up to the total as exported), and the
row is counted as a *warning* ``rounding_cent`` in the load report, not quarantined.
Warnings of a row travel in its typed values under ``"_warnings"`` (see
:func:`warnings_of`); they never become properties.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MISSING_KEY = "missing_key"
BAD_DATE = "bad_date"
NEGATIVE = "negative_value"
BAD_CODE = "bad_code"
BAD_NUMBER = "bad_number"
MISSING_VALUE = "missing_value"  # a required column that is not a key (e.g. setl_time)
MULTIPLE = "multiple"
DUPLICATE_KEY = "duplicate_key"  # same key as an earlier row of the file, different content
ROUNDING_CENT = "rounding_cent"  # a warning: money a cent below zero, kept as rounding
ROUNDING = 0.01  # yuan: how far below zero an amount is still rounding

Problem = tuple[str, str]  # (reason, detail)

INSTITUTION_CODE = re.compile(r"[HP]\d{11}")
ENTP_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
REGION = re.compile(r"\d{6}")
TRACE_CODE = re.compile(r"[0-9A-Za-z]{1,100}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class Col:
    name: str
    kind: str = "text"  # key|text|date|datetime|money|number|int|enum|code|region|flags|codes
    required: bool = False
    values: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None
    signed: bool = False  # may be negative on a reversal row
    rounding: bool = False  # money: down to -0.01 is rounding (kept, with a warning)


@dataclass(frozen=True)
class FileSpec:
    stem: str
    key: tuple[str, ...]  # columns whose values identify a row; () = the whole row
    cols: tuple[Col, ...]
    reversal: Callable[[dict[str, str]], bool] = field(default=lambda raw: False)

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.cols)


def _e(*v: str) -> frozenset[str]:
    return frozenset(v)


MED_TYPES = _e("11", "13", "14", "21", "41")
EVENT_TYPES = _e("purchase", "sale", "return", "supplier_return", "transfer", "recall")
PSN_FLAGS = _e("poverty", "medical_aid", "chronic_special", "retired", "remote_registered")

SPECS: dict[str, FileSpec] = {
    s.stem: s
    for s in (
        FileSpec(
            "persons",
            ("psn_no",),
            (
                Col("psn_no", "key", True),
                Col("psn_name"),
                Col("gend", "enum", values=_e("1", "2", "9")),
                Col("brdy", "date"),
                Col("certno"),
                Col("tel"),
                Col("addr"),
                Col("insutype", "code", pattern=re.compile(r"\d{3}")),
                Col("insu_admdvs", "region"),
                Col("psn_flags", "flags", values=PSN_FLAGS),
                Col("death_date", "date"),
            ),
        ),
        FileSpec(
            "institutions",
            ("fixmedins_code",),
            (
                Col("fixmedins_code", "key", True, pattern=INSTITUTION_CODE),
                Col("fixmedins_name"),
                Col("fixmedins_type", "enum", values=_e("1", "2")),
                Col("hosp_lv", "enum", values=_e("1", "2", "3")),
                Col("ownership", "enum", values=_e("public", "private", "military")),
                Col("admdvs", "region"),
                Col("lat", "number", signed=True),
                Col("lon", "number", signed=True),
                Col("chain_code"),
                Col("online", "enum", values=_e("0", "1")),
            ),
        ),
        FileSpec(
            "practitioners",
            ("prac_code",),
            (
                Col("prac_code", "key", True),
                Col("prac_name"),
                Col("prac_type", "enum", values=_e("doctor", "pharmacist", "nurse")),
                Col("fixmedins_code", "code", pattern=INSTITUTION_CODE),
            ),
        ),
        FileSpec(
            "suppliers",
            ("entp_code",),
            (
                Col("entp_code", "key", True, pattern=ENTP_CODE),
                Col("entp_name"),
                Col("entp_type", "enum", values=_e("wholesaler", "manufacturer", "logistics")),
                Col("admdvs", "region"),
            ),
        ),
        FileSpec(
            "drugs",
            ("med_list_codg",),
            (
                Col("med_list_codg", "key", True),
                Col("list_name"),
                Col("list_type", "enum", values=_e("drug", "consumable", "service")),
                Col("pric_ref", "money"),
                Col("daily_units", "number"),
                Col("key_monitored", "enum", values=_e("0", "1")),
            ),
        ),
        FileSpec(
            "settlements",
            ("setl_id",),
            (
                Col("setl_id", "key", True),
                Col("mdtrt_id"),
                Col("psn_no", "key", True),
                Col("fixmedins_code", "code", True, pattern=INSTITUTION_CODE),
                Col("mdtrtarea_admvs", "region"),
                Col("med_type", "enum", values=MED_TYPES),
                Col("begntime", "datetime"),
                Col("endtime", "datetime"),
                Col("setl_time", "datetime", True),
                *(
                    Col(m, "money", signed=True, rounding=True)
                    for m in (
                        "medfee_sumamt",
                        "fund_pay_sumamt",
                        "hifp_pay",
                        "hifmi_pay",
                        "maf_pay",
                        "acct_pay",
                        "psn_cash_pay",
                    )
                ),
                Col("dise_codg"),
                Col("dr_codg"),
                Col("mdtrt_cert_type", "enum", values=_e("01", "02", "03")),
                Col("terminal_id"),
                Col("refd_setl_flag", "enum", values=_e("0", "1")),
                Col("refd_setl_id"),
            ),
            reversal=lambda raw: raw.get("refd_setl_flag", "").strip() == "1",
        ),
        FileSpec(
            "fee_details",
            ("feedetl_sn",),
            (
                Col("feedetl_sn", "key", True),
                Col("setl_id", "key", True),
                Col("psn_no"),
                Col("fee_ocur_time", "datetime"),
                Col("med_list_codg", "key", True),
                Col("cnt", "number", signed=True),
                Col("pric", "money", signed=True, rounding=True),
                Col("det_item_fee_sumamt", "money", signed=True, rounding=True),
                Col("bilg_dr_codg"),
                Col("rxno"),
                Col("prd_days", "number"),
                Col("drug_trac_codg", "codes", pattern=TRACE_CODE),
                Col("init_feedetl_sn"),
            ),
            reversal=lambda raw: bool(raw.get("init_feedetl_sn", "").strip()),
        ),
        FileSpec(
            "trace_events",
            (),
            (
                # a movement is (code, type, time); either party may be unknown (empty)
                Col("drug_trac_codg", "key", True, pattern=TRACE_CODE),
                Col("med_list_codg"),
                Col("event_type", "enum", True, values=EVENT_TYPES),
                Col("event_time", "datetime", True),
                Col("from_code"),
                Col("to_code"),
                Col("setl_id"),
                Col("manu_lotnum"),
            ),
        ),
    )
}

# The order a drop loads in: reference data first, so foreign keys find real rows.
LOAD_ORDER = (
    "persons",
    "institutions",
    "practitioners",
    "suppliers",
    "drugs",
    "settlements",
    "fee_details",
    "trace_events",
)


def _date(v: str) -> dt.date:
    if not _DATE.fullmatch(v):
        raise ValueError
    return dt.date.fromisoformat(v)


def _datetime(v: str) -> dt.datetime:
    if _DATE.fullmatch(v):  # a date alone is accepted as midnight
        return dt.datetime.fromisoformat(v)
    if not _DATETIME.fullmatch(v):
        raise ValueError
    return dt.datetime.fromisoformat(v.replace("T", " "))


def _number(v: str) -> float:
    x = float(v)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError
    return x


Out = dict[str, Any]


def _text(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    if col.pattern is not None and not col.pattern.fullmatch(v):
        probs.append((BAD_CODE, f"{col.name}={v[:120]!r} does not match {col.pattern.pattern}"))
        return
    out[col.name] = v


def _region(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    if not REGION.fullmatch(v):
        probs.append((BAD_CODE, f"{col.name}={v!r} is not a 6-digit division code"))
        return
    out[col.name] = v


def _enum(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    if v not in col.values:
        allowed = ", ".join(sorted(col.values))
        probs.append((BAD_CODE, f"{col.name}={v[:60]!r} is not one of {allowed}"))
        return
    out[col.name] = v


def _a_date(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    try:
        out[col.name] = _date(v)
    except ValueError:
        probs.append((BAD_DATE, f"{col.name}={v[:60]!r} is not a YYYY-MM-DD date"))


def _a_datetime(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    try:
        out[col.name] = _datetime(v)
    except ValueError:
        probs.append((BAD_DATE, f"{col.name}={v[:60]!r} is not a YYYY-MM-DD HH:MM:SS time"))


def _a_number(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    k, name = col.kind, col.name
    try:
        x = _number(v)
    except ValueError:
        probs.append((BAD_NUMBER, f"{name}={v[:60]!r} is not a number"))
        return
    if x < 0 and not (col.signed and (reversal or (k == "number" and name in ("lat", "lon")))):
        if not (col.rounding and x >= -ROUNDING):
            probs.append((NEGATIVE, f"{name}={v} is negative"))
            return
        out.setdefault("_warnings", []).append(
            (ROUNDING_CENT, f"{name}={v} is within a cent below zero: kept as rounding")
        )
    out[name] = round(x, 2) if k == "money" else (int(x) if x.is_integer() else x)


def _flags(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    flags = [f.strip() for f in v.split(";") if f.strip()]
    unknown = [f for f in flags if f not in col.values]
    if unknown:
        probs.append((BAD_CODE, f"{col.name} has unknown flags {unknown}"))
        return
    out[col.name] = flags


def _codes(col: Col, v: str, reversal: bool, out: Out, probs: list[Problem]) -> None:
    codes = [c.strip() for c in v.split(";") if c.strip()]
    bad = [c for c in codes if col.pattern is not None and not col.pattern.fullmatch(c)]
    if bad:
        probs.append((BAD_CODE, f"{col.name} has malformed traceability codes {bad[:3]}"))
        return
    out[col.name] = codes


# One converter per column kind (a dict lookup per spec, not an if-chain per value).
_CONVERT: dict[str, Callable[[Col, str, bool, Out, list[Problem]], None]] = {
    "key": _text,
    "text": _text,
    "code": _text,
    "region": _region,
    "enum": _enum,
    "date": _a_date,
    "datetime": _a_datetime,
    "money": _a_number,
    "number": _a_number,
    "int": _a_number,
    "flags": _flags,
    "codes": _codes,
}


def _plan(spec: FileSpec) -> tuple[tuple[Col, str, Any], ...]:
    """Per column: the column, the reason when a required one is empty (or ""), and its
    converter; computed once per spec."""
    plan = _PLANS.get(spec.stem)
    if plan is None or plan[0] is not spec:
        steps = tuple(
            (
                c,
                (MISSING_KEY if c.kind == "key" else MISSING_VALUE) if c.required else "",
                _CONVERT[c.kind],
            )
            for c in spec.cols
        )
        plan = _PLANS[spec.stem] = (spec, steps)
    return plan[1]


_PLANS: dict[str, tuple[FileSpec, tuple[tuple[Col, str, Any], ...]]] = {}


def validate(spec: FileSpec, raw: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """Typed values of the contract's columns, plus every problem of the row.

    Columns the contract does not name are returned under ``"_extra"`` (kept as
    properties, never an error)."""
    out: dict[str, Any] = {}
    probs: list[Problem] = []
    reversal = spec.reversal(raw)
    get = raw.get
    for col, missing, convert in _plan(spec):
        v = get(col.name)
        if v:
            v = v.strip()
        if not v:
            if missing:
                probs.append((missing, f"{col.name} is empty"))
            continue
        convert(col, v, reversal, out, probs)
    if spec.stem == "fee_details" and "drug_trac_codg" in out and "cnt" in out:
        n = len(out["drug_trac_codg"])
        if n and not reversal and n != abs(out["cnt"]):
            # More or fewer codes than boxes is a known data-quality pattern, not a reason
            # to lose the row: keep it, and flag it for the detectors.
            out["codes_mismatch"] = True
    extra = {
        k: v
        for k, v in raw.items()
        if k not in spec.names and v != "" and k.isidentifier() and not k.startswith("_")
    }
    if extra:
        out["_extra"] = extra
    return out, probs


def warnings_of(clean: dict[str, Any]) -> list[Problem]:
    """The warnings of a row that loads (``rounding_cent``): kept, but counted."""
    warnings: list[Problem] = clean.get("_warnings") or []
    return warnings


def reason_of(problems: list[Problem]) -> str:
    reasons = {r for r, _ in problems}
    return reasons.pop() if len(reasons) == 1 else MULTIPLE
