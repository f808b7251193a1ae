"""The rule library: each warning of the pre-settlement check as a rule with an id,
name, stages, severity, behaviour type, the text the counter is told and its basis.

``rules.toml`` ships with the package; ``FRAUDRINGS_HSA_RULES`` names another file of
the same layout. It is read once and validated when the API starts: every warning the
check gives has exactly one rule, every template fills from that warning's reason, and
every code a rule uses is in the dictionaries."""

from __future__ import annotations

import os
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# the warnings of the pre-settlement check (api/routers/check.py) and the reason fields
# each one's full text may use (a person of another region: none, or the drug only)
CHECK_FIELDS: dict[str, frozenset[str]] = {
    "box_already_sold": frozenset({"drug_trac_codg", "sold_at", "setl_id", "seller"}),
    "manual_review": frozenset(),
    "deceased": frozenset({"death_date"}),
    "supply_overlap": frozenset(
        {"med_list_codg", "last_dispensed", "cnt", "supply_until", "days_left", "setl_id"}
    ),
    "impossible_travel": frozenset(
        {"last_setl_id", "last_institution", "km", "hours", "hours_needed"}
    ),
}
BRIEF_FIELDS: dict[str, frozenset[str]] = {"supply_overlap": frozenset({"med_list_codg"})}
STAGES = ("before", "during")
DICTIONARIES = ("sev_deg", "vola_bhvr_type", "vola_amt_stas")
ENV = "FRAUDRINGS_HSA_RULES"


class RuleLibraryError(ValueError):
    """The rule library file is not valid; the API does not start."""


@dataclass(frozen=True)
class Rule:
    id: str
    check: str
    name: str
    stages: tuple[str, ...]
    sev_deg: str
    vola_bhvr_type: str
    vola_amt_stas: str
    template: str
    brief: str
    evidence: str
    basis: str

    def text(self, reason: dict[str, Any]) -> str:
        """What the counter is told: the full text when the reason holds its fields,
        else the brief one (a person insured outside the caller's region)."""
        return _fill(self.template, reason) or _fill(self.brief, reason) or self.brief

    def evidence_of(self, reason: dict[str, Any]) -> str:
        return _fill(self.evidence, reason) or ""

    def public(self, dictionaries: dict[str, dict[str, str]]) -> dict[str, Any]:
        return {
            "rule_id": self.id,
            "rule_name": self.name,
            "check": self.check,
            "stages": list(self.stages),
            "sev_deg": self.sev_deg,
            "sev_deg_name": dictionaries["sev_deg"][self.sev_deg],
            "vola_bhvr_type": self.vola_bhvr_type,
            "vola_bhvr_type_name": dictionaries["vola_bhvr_type"][self.vola_bhvr_type],
            "vola_amt_stas": self.vola_amt_stas,
            "template": self.template,
            "brief": self.brief,
            "evidence": self.evidence,
            "basis": self.basis,
        }


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _fill(template: str, reason: dict[str, Any]) -> str | None:
    if not _fields(template) <= reason.keys():
        return None
    return template.format(**{k: _plain(v) for k, v in reason.items()})


def _plain(v: Any) -> Any:
    """ISO times as the counter reads them: 2025-03-12 11:00."""
    if isinstance(v, str) and len(v) >= 16 and v[4] == "-" and v[10] == "T":
        return v[:16].replace("T", " ") if v[11:16] != "00:00" else v[:10]
    return v


@dataclass(frozen=True)
class Library:
    rules: tuple[Rule, ...]
    dictionaries: dict[str, dict[str, str]]

    def by_check(self, code: str) -> Rule:
        return next(r for r in self.rules if r.check == code)

    def ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.rules)


def parse(data: dict[str, Any], where: str = "rules.toml") -> Library:
    """Validate a rule library read from TOML (:class:`RuleLibraryError` names the fault)."""

    def fail(msg: str) -> RuleLibraryError:
        return RuleLibraryError(f"{where}: {msg}")

    dicts = data.get("dictionaries")
    if not isinstance(dicts, dict) or set(dicts) != set(DICTIONARIES):
        raise fail(f"[dictionaries] must hold exactly {', '.join(DICTIONARIES)}")
    for name, d in dicts.items():
        if not d or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in d.items()):
            raise fail(f"dictionary {name}: codes and names must be non-empty text")
    rules: list[Rule] = []
    for i, raw in enumerate(data.get("rules") or []):
        keys = set(Rule.__dataclass_fields__)
        if not isinstance(raw, dict) or set(raw) != keys:
            got = sorted(raw) if isinstance(raw, dict) else raw
            raise fail(f"rule #{i + 1}: needs exactly the keys {sorted(keys)}, got {got}")
        r = Rule(**{**raw, "stages": tuple(raw["stages"])})
        if r.check not in CHECK_FIELDS:
            raise fail(f"rule {r.id}: unknown check {r.check!r} (one of {sorted(CHECK_FIELDS)})")
        if not r.stages or not set(r.stages) <= set(STAGES):
            raise fail(f"rule {r.id}: stages must be among {STAGES}")
        for d in DICTIONARIES:
            if getattr(r, d) not in dicts[d]:
                raise fail(f"rule {r.id}: {d} {getattr(r, d)!r} is not in [dictionaries.{d}]")
        allowed = CHECK_FIELDS[r.check]
        for part in ("template", "evidence"):
            extra = _fields(getattr(r, part)) - allowed
            if extra:
                raise fail(f"rule {r.id}: {part} uses {sorted(extra)}, not in the reason")
        if _fields(r.brief) - BRIEF_FIELDS.get(r.check, frozenset()):
            raise fail(f"rule {r.id}: brief may use only {sorted(BRIEF_FIELDS.get(r.check, ()))}")
        if not (r.id and r.name and r.template and r.brief and r.basis):
            raise fail(f"rule {r.id}: id, name, template, brief and basis are required")
        rules.append(r)
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise fail("rule ids repeat")
    checks = sorted(r.check for r in rules)
    if checks != sorted(CHECK_FIELDS):
        raise fail(f"each check needs exactly one rule: {sorted(CHECK_FIELDS)}, got {checks}")
    return Library(tuple(rules), {k: dict(v) for k, v in dicts.items()})


def load(path: Path | None = None) -> Library:
    """The library of ``path``, of ``FRAUDRINGS_HSA_RULES``, or the shipped one."""
    if path is None and os.environ.get(ENV):
        path = Path(os.environ[ENV])
    try:
        if path is None:
            text = resources.files(__package__).joinpath("rules.toml").read_text("utf-8")
            where = "rules.toml (shipped)"
        else:
            text, where = Path(path).read_text(encoding="utf-8"), str(path)
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleLibraryError(f"cannot read the rule library: {exc}") from exc
    return parse(data, where)


@cache
def library() -> Library:
    """The library, read once per process (the API reads it at start)."""
    return load()


def markdown(lib: Library | None = None) -> str:
    """The rule table of docs/check.md (``python -m fraudrings.api.hsa.rules``)."""
    lib = lib or load()
    out = [
        "| rule_id | warning | rule_name | stages | sev_deg | vola_bhvr_type | basis |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in lib.rules:
        basis = r.basis.replace("|", "\\|")
        out.append(
            f"| {r.id} | `{r.check}` | {r.name} | {', '.join(r.stages)} | {r.sev_deg} | "
            f"{r.vola_bhvr_type} | {basis} |"
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
