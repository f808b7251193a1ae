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

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
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


# ------------------------------------------------------------------ per-cell evaluation
# A robustness sweep bins each typology's rings by two (or more) of the parameters the
# generator drew for them (``params`` in the truth) and scores each cell on its own:
# rings, rings found, ring recall, and the member precision of the leads matched to the
# cell's rings. A lead matches a ring as above: it holds at least half of the ring's
# members (all kinds counted).

Axes = Mapping[str, Sequence[tuple[str, Sequence[float]]]]


def ring_found_by(ring: set[str], lead: set[str]) -> bool:
    """Whether a lead (its member keys) matches a ring (its member keys)."""
    return len(ring & lead) * 2 >= len(ring)


def bin_index(value: float, edges: Sequence[float]) -> int:
    """The bin of a value: the first edge e with value <= e, else the last (open) bin."""
    for i, e in enumerate(edges):
        if value <= e:
            return i
    return len(edges)


def bin_labels(edges: Sequence[float]) -> list[str]:
    def f(x: float) -> str:
        return f"{x:g}"

    out = [f"≤{f(edges[0])}"]
    out += [f"{f(a)}–{f(b)}" for a, b in itertools.pairwise(edges)]
    out.append(f">{f(edges[-1])}")
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate_cells(
    truth: dict[str, Any], leads: list[dict[str, Any]], axes: Axes
) -> dict[str, dict[str, Any]]:
    """Per typology of ``axes`` ({typology: [(param, bin edges), ...]}): every cell of the
    grid with its rings, rings found, ring recall, the leads matched to its rings, their
    members, how many of those belong to an injected ring (of any typology, as in
    :func:`evaluate`) and the member precision. Cells with no ring are listed too (rings
    0). Rings whose params lack an axis parameter are counted in ``unbinned``."""
    in_any_ring = {_key(m) for r in truth["rings"] for m in r["members"]}
    leads_by_typ: dict[str, list[set[str]]] = defaultdict(list)
    for lead in leads:
        leads_by_typ[lead["typology"]].append({_key(m) for m in lead["members"]})
    out: dict[str, dict[str, Any]] = {}
    for typ, ax in axes.items():
        shape = [len(edges) + 1 for _, edges in ax]
        cells: dict[tuple[int, ...], dict[str, Any]] = {}
        for idx in itertools.product(*(range(n) for n in shape)):
            cells[idx] = {"rings": 0, "found": 0, "matched": set()}
        unbinned = 0
        ls = leads_by_typ.get(typ, [])
        for ring in truth["rings"]:
            if ring["typology"] != typ:
                continue
            params = ring.get("params") or {}
            if any(name not in params for name, _ in ax):
                unbinned += 1
                continue
            idx = tuple(bin_index(float(params[name]), edges) for name, edges in ax)
            keys = {_key(m) for m in ring["members"]}
            hits = [i for i, lead in enumerate(ls) if ring_found_by(keys, lead)]
            c = cells[idx]
            c["rings"] += 1
            c["found"] += 1 if hits else 0
            c["matched"].update(hits)
        rows = []
        for idx, c in cells.items():
            members = [k for i in sorted(c["matched"]) for k in ls[i]]
            correct = sum(1 for k in members if k in in_any_ring)
            rows.append(
                {
                    "bin": list(idx),
                    "labels": [bin_labels(edges)[b] for (_, edges), b in zip(ax, idx, strict=True)],
                    "rings": c["rings"],
                    "found": c["found"],
                    "ring_recall": _ratio(c["found"], c["rings"]),
                    "leads": len(c["matched"]),
                    "lead_members": len(members),
                    "correct_members": correct,
                    "member_precision": _ratio(correct, len(members)),
                }
            )
        out[typ] = {
            "axes": [
                {"param": name, "edges": list(edges), "labels": bin_labels(edges)}
                for name, edges in ax
            ],
            "cells": rows,
            "unbinned": unbinned,
        }
    return out


def combine_cells(results: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Several :func:`evaluate_cells` results (one per drop, same axes) added up cell by
    cell, with recall and precision recomputed from the sums."""
    out: dict[str, dict[str, Any]] = {}
    for res in results:
        for typ, r in res.items():
            if typ not in out:
                out[typ] = {
                    "axes": r["axes"],
                    "cells": [dict(c) for c in r["cells"]],
                    "unbinned": r["unbinned"],
                }
                continue
            o = out[typ]
            o["unbinned"] += r["unbinned"]
            by_bin = {tuple(c["bin"]): c for c in o["cells"]}
            for c in r["cells"]:
                t = by_bin[tuple(c["bin"])]
                for k in ("rings", "found", "leads", "lead_members", "correct_members"):
                    t[k] += c[k]
    for o in out.values():
        for c in o["cells"]:
            c["ring_recall"] = _ratio(c["found"], c["rings"])
            c["member_precision"] = _ratio(c["correct_members"], c["lead_members"])
    return out


def cell_meets_targets(cell: dict[str, Any], targets: Mapping[str, float] = TARGETS) -> bool | None:
    """Whether a cell meets the recall and precision targets (by default this module's
    TARGETS); None for a cell with no ring."""
    if not cell["rings"]:
        return None
    ok = cell["ring_recall"] is not None and cell["ring_recall"] >= targets["ring_recall"]
    if cell["member_precision"] is not None:
        ok = ok and cell["member_precision"] >= targets["member_precision"]
    return bool(ok)


def lookalikes_by_pattern(
    truth: dict[str, Any], leads: list[dict[str, Any]]
) -> dict[str, dict[str, dict[str, int]]]:
    """Per typology and look-alike pattern: its members (those in no injected ring) and how
    many of them a lead of that typology holds."""
    in_any_ring = {_key(m) for r in truth["rings"] for m in r["members"]}
    flagged: dict[str, set[str]] = defaultdict(set)
    for lead in leads:
        flagged[lead["typology"]].update(_key(m) for m in lead["members"])
    members: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for lk in truth.get("lookalikes", []):
        keys = {_key(m) for m in lk["members"]} - in_any_ring
        members[lk["typology"]][lk.get("pattern", "")].update(keys)
    return {
        typ: {
            pat: {"members": len(keys), "flagged": len(keys & flagged[typ])}
            for pat, keys in sorted(pats.items())
        }
        for typ, pats in sorted(members.items())
    }
