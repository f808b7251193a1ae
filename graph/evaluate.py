"""Leads against the generator's ground truth.

Per typology:
- rings injected, and rings found: a lead of that typology holding at least half of
  the ring's members (all kinds counted);
- ring recall = found / injected;
- member precision = lead members that belong to some injected ring (of any typology:
  a buyer ring's lead that names the outlet reselling its boxes is right to) over all
  members of that typology's leads;
- look-alikes flagged = members of that typology's benign look-alikes that appear in a
  lead of that typology, over all such look-alike members.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

TARGETS = {"ring_recall": 0.95, "member_precision": 0.90, "lookalikes_flagged": 0.02}


def _key(m: dict[str, Any]) -> str:
    return f"{m['kind']}:{m['id']}"


def evaluate(truth: dict[str, Any], leads: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    in_any_ring = {_key(m) for r in truth["rings"] for m in r["members"]}
    leads_by_typ: dict[str, list[set[str]]] = defaultdict(list)
    for lead in leads:
        leads_by_typ[lead["typology"]].append({_key(m) for m in lead["members"]})
    rings_by_typ: dict[str, list[set[str]]] = defaultdict(list)
    for r in truth["rings"]:
        rings_by_typ[r["typology"]].append({_key(m) for m in r["members"]})
    look_by_typ: dict[str, set[str]] = defaultdict(set)
    for lk in truth.get("lookalikes", []):
        look_by_typ[lk["typology"]].update(_key(m) for m in lk["members"])
    out: dict[str, dict[str, Any]] = {}
    for typ in sorted(set(rings_by_typ) | set(leads_by_typ) | set(look_by_typ)):
        rings = rings_by_typ.get(typ, [])
        ls = leads_by_typ.get(typ, [])
        found = sum(1 for ring in rings if any(len(ring & lead) * 2 >= len(ring) for lead in ls))
        members = [k for lead in ls for k in lead]
        correct = sum(1 for k in members if k in in_any_ring)
        flagged_all = set().union(*ls) if ls else set()
        look = look_by_typ.get(typ, set()) - in_any_ring
        flagged_look = len(look & flagged_all)
        out[typ] = {
            "rings": len(rings),
            "found": found,
            "ring_recall": round(found / len(rings), 4) if rings else None,
            "leads": len(ls),
            "lead_members": len(members),
            "member_precision": round(correct / len(members), 4) if members else None,
            "lookalike_members": len(look),
            "lookalikes_flagged": flagged_look,
            "lookalike_rate": round(flagged_look / len(look), 4) if look else None,
        }
    return out


def meets_targets(row: dict[str, Any]) -> bool:
    ok = True
    if row["ring_recall"] is not None:
        ok &= row["ring_recall"] >= TARGETS["ring_recall"]
    if row["member_precision"] is not None:
        ok &= row["member_precision"] >= TARGETS["member_precision"]
    if row["lookalike_rate"] is not None:
        ok &= row["lookalike_rate"] <= TARGETS["lookalikes_flagged"]
    return bool(ok)


def table(result: dict[str, dict[str, Any]]) -> str:
    head = (
        f"{'typology':<24}{'rings':>6}{'found':>6}{'recall':>8}{'leads':>6}"
        f"{'members':>8}{'precision':>10}{'look-alikes':>12}{'flagged':>8}{'rate':>7}  ok"
    )
    lines = [head, "-" * len(head)]

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    for typ, r in result.items():
        lines.append(
            f"{typ:<24}{r['rings']:>6}{r['found']:>6}{f(r['ring_recall']):>8}{r['leads']:>6}"
            f"{r['lead_members']:>8}{f(r['member_precision']):>10}{r['lookalike_members']:>12}"
            f"{r['lookalikes_flagged']:>8}{f(r['lookalike_rate']):>7}  "
            f"{'yes' if meets_targets(r) else 'NO'}"
        )
    return "\n".join(lines)
