"""What a region may read of a lead's evidence and of audit rows that name leads.

The access policy (docs/security.md) holds every query; two texts are not queries and
are held here, once for the API and referral packages alike:

* **Evidence lines** are written by the detectors and name settlements, boxes and
  persons of any region the ring touched. For a reader of region ``R``
  (:func:`scoped_evidence`), a line is *withheld* when the settlement or box it is
  about (``settlement:<id>``, ``box:<code>``) or the person it is about
  (``person:<psn>``, ``pattern:<psn>``, either end of ``link:<a><->b``) is one ``R``
  may not see: the rest of the line (times, places, diagnoses, amounts) is that
  treatment's or that person's data. In a line kept, any other person ``R`` sees
  neither whole nor as a party of a treatment in ``R``, and any ``setl <id>`` it may
  not see, is replaced by ``***``. The number withheld is told, never what they named.
* **Audit rows** of the pre-settlement check name the leads a person was found in
  (for ``GET /check/hits``), under the counter's region. A reader of another region
  than the lead's (:func:`scoped_audit_rows`) gets such rows without those names, and
  a search by ``lead:<id>`` finds nothing for a lead it does not own
  (:func:`owned_leads`).

National readers (region ``''``) get everything as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from fraudrings.graph.gateway import Gateway

WITHHELD: Final[str] = "***"

_SUBJECT_SETTLEMENT: Final = re.compile(r"\bsettlement:(\S+)")
_BOX: Final = re.compile(r"\bbox:(\S+)")
_SUBJECT_PERSON: Final = re.compile(r"\b(?:person|pattern|link):([^\s<]+)|<->(\S+)")
_SETL: Final = re.compile(r"\bsetl ([^\s,)]+)")
_NO_SETL: Final = frozenset({"None", "null"})
# a word of a line that might be a person's number: what lies between the separators the
# detectors write (spaces, commas, brackets, <->, =, +, :)
_WORD: Final = re.compile(r"[^\s,;()<>=+:]+")
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Visible:
    """What the graph says a region may see of the ids a text names."""

    settlements: frozenset[str] = frozenset()
    boxes: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()  # ids that are persons at all
    persons_seen: frozenset[str] = frozenset()  # ... and seen whole or as a party


@dataclass(frozen=True)
class ScopedEvidence:
    lines: list[str]
    withheld: int = 0


@dataclass(frozen=True)
class Named:
    """The ids a set of evidence lines names, by kind."""

    settlements: set[str] = field(default_factory=set)
    boxes: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # candidate persons


def named(lines: Iterable[str]) -> Named:
    out = Named()
    for line in lines:
        out.settlements.update(_SUBJECT_SETTLEMENT.findall(line))
        out.settlements.update(x for x in _SETL.findall(line) if x not in _NO_SETL)
        out.boxes.update(_BOX.findall(line))
        # every word may be a person's number, however short (a drop's own keys may be)
        out.words.update(w for w in _WORD.findall(line) if not _DATE.match(w))
    return out


def scope_line(line: str, vis: Visible) -> str | None:
    """One evidence line as a region sees it, or None when it is withheld."""
    if any(s not in vis.settlements for s in _SUBJECT_SETTLEMENT.findall(line)):
        return None
    if any(b not in vis.boxes for b in _BOX.findall(line)):
        return None
    for a, b in _SUBJECT_PERSON.findall(line):
        if (a or b) not in vis.persons_seen:
            return None
    hidden = vis.persons - vis.persons_seen
    line = _SETL.sub(
        lambda m: (
            m.group(0)
            if m.group(1) in _NO_SETL or m.group(1) in vis.settlements
            else "setl " + WITHHELD
        ),
        line,
    )
    if hidden:
        line = _WORD.sub(lambda m: WITHHELD if m.group(0) in hidden else m.group(0), line)
    return line


def apply_scope(lines: Sequence[str], vis: Visible) -> ScopedEvidence:
    kept = [x for x in (scope_line(line, vis) for line in lines) if x is not None]
    return ScopedEvidence(kept, len(lines) - len(kept))


def visible(gw: Gateway, ids: Named, region: str, *, timeout: float | None = None) -> Visible:
    """Which of ``ids`` ``region`` may see (``queries/scope_visible.cypher``)."""
    rows = gw.read(
        "scope_visible",
        {
            "setl_ids": sorted(ids.settlements),
            "codes": sorted(ids.boxes),
            "psn_nos": sorted(ids.words),
            "region": region,
        },
        timeout=timeout,
    )
    r = rows[0] if rows else {}
    return Visible(
        settlements=frozenset(r.get("settlements") or ()),
        boxes=frozenset(r.get("boxes") or ()),
        persons=frozenset(r.get("persons") or ()),
        persons_seen=frozenset(r.get("persons_seen") or ()),
    )


def scoped_evidence(
    gw: Gateway, lines: Sequence[str], region: str, *, timeout: float | None = None
) -> ScopedEvidence:
    """A lead's evidence lines as a reader of ``region`` may see them (module doc)."""
    lines = [str(x) for x in lines]
    if region == "" or not lines:
        return ScopedEvidence(lines)
    return apply_scope(lines, visible(gw, named(lines), region, timeout=timeout))


def visible_persons(
    gw: Gateway, psn_nos: Iterable[str], region: str, *, timeout: float | None = None
) -> frozenset[str]:
    """Those of ``psn_nos`` that ``region`` sees whole or as a party of a treatment in it."""
    ids = {p for p in psn_nos if p}
    if region == "":
        return frozenset(ids)
    if not ids:
        return frozenset()
    return visible(gw, Named(words=ids), region, timeout=timeout).persons_seen


# -- audit rows -----------------------------------------------------------------------------
def lead_ids_of(rows: Iterable[dict[str, Any]]) -> set[str]:
    return {
        str(x)[5:]
        for r in rows
        for x in r.get("entity_ids") or []
        if isinstance(x, str) and x.startswith("lead:")
    }


def owned_leads(
    gw: Gateway, lead_ids: Iterable[str], region: str, *, timeout: float | None = None
) -> frozenset[str]:
    """Those of ``lead_ids`` that belong to ``region`` (the lead's own region)."""
    ids = sorted(set(lead_ids))
    if region == "":
        return frozenset(ids)
    if not ids:
        return frozenset()
    rows = gw.read("api_purpose_leads", {"ids": ids, "region": region}, timeout=timeout)
    return frozenset(str(r["lead_id"]) for r in rows)


def without_foreign_leads(
    rows: list[dict[str, Any]], owned: frozenset[str]
) -> list[dict[str, Any]]:
    """Audit rows with every ``lead:<id>`` not in ``owned`` taken out of their entity ids."""
    out = []
    for r in rows:
        ids = r.get("entity_ids") or []
        keep = [x for x in ids if not (isinstance(x, str) and x.startswith("lead:"))
                or x[5:] in owned]  # fmt: skip
        out.append(r if len(keep) == len(ids) else {**r, "entity_ids": keep})
    return out


def scoped_audit_rows(
    gw: Gateway, rows: list[dict[str, Any]], region: str, *, timeout: float | None = None
) -> list[dict[str, Any]]:
    """Audit rows as a reader of ``region`` may read them (module doc)."""
    if region == "":
        return rows
    return without_foreign_leads(rows, owned_leads(gw, lead_ids_of(rows), region, timeout=timeout))
