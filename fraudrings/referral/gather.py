"""Read a lead's evidence from the graph through the named ``referral_*`` queries."""

from __future__ import annotations

from typing import Any

from fraudrings.casework.scope import scoped_evidence
from fraudrings.graph.gateway import Gateway
from fraudrings.referral.model import BoxEvent, Drug, Line, Settlement
from fraudrings.referral.rules import Raw, box_codes, buyer_pairs, settlement_ids


class LeadNotFound(LookupError):
    """No lead with this id inside the region (the same answer as a missing id)."""


def _t(v: Any) -> str | None:
    if v is None:
        return None
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _f(v: Any) -> float:
    try:
        return float(v) if v is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _codes(v: Any) -> list[str]:
    if v is None:
        return []
    items = v if isinstance(v, list) else str(v).split(";")
    return sorted({str(x) for x in items if x})


def _settlements(
    gw: Gateway, ids: list[str], region: str
) -> tuple[list[Settlement], list[Line], dict[str, Drug]]:
    setls: list[Settlement] = []
    lines: list[Line] = []
    drugs: dict[str, Drug] = {}
    if not ids:
        return setls, lines, drugs
    for r in gw.read("referral_settlements", {"setl_ids": ids, "region": region}):
        setls.append(
            Settlement(
                setl_id=r["setl_id"],
                psn_no=r["psn_no"],
                fixmedins_code=r["fixmedins_code"],
                fixmedins_name=r["fixmedins_name"],
                med_type=_t(r["med_type"]),
                begntime=_t(r["begntime"]),
                endtime=_t(r["endtime"]),
                setl_time=_t(r["setl_time"]),
                medfee_sumamt=_f(r["medfee_sumamt"]),
                fund_pay_sumamt=_f(r["fund_pay_sumamt"]),
                hifp_pay=_f(r["hifp_pay"]),
                hifmi_pay=_f(r["hifmi_pay"]),
                maf_pay=_f(r["maf_pay"]),
                acct_pay=_f(r["acct_pay"]),
                psn_cash_pay=_f(r["psn_cash_pay"]),
                dise_codg=r["dise_codg"],
                dr_codg=r["dr_codg"],
                refund=bool(r["refund"]),
            )
        )
        for ln in r["lines"]:
            lines.append(
                Line(
                    feedetl_sn=ln["feedetl_sn"],
                    setl_id=r["setl_id"],
                    psn_no=ln["psn_no"] or r["psn_no"],
                    time=_t(ln["time"]),
                    med_list_codg=ln["med_list_codg"],
                    drug_name=ln["drug_name"],
                    cnt=_f(ln["cnt"]),
                    pric=_f(ln["pric"]),
                    amount=_f(ln["amount"]),
                    codes=_codes(ln["codes"]),
                    dr=ln["dr"],
                )
            )
            code = ln["med_list_codg"]
            if code and code not in drugs:
                drugs[code] = Drug(
                    med_list_codg=code,
                    list_name=ln["drug_name"],
                    pric_ref=ln["pric_ref"],
                    daily_units=ln["daily_units"],
                )
    return setls, lines, drugs


def _events(gw: Gateway, codes: list[str], region: str) -> list[BoxEvent]:
    if not codes:
        return []
    return [
        BoxEvent(
            code=r["code"],
            event_id=r["event_id"],
            event_type=r["event_type"] or "",
            event_time=_t(r["event_time"]),
            from_kind=r["from_kind"],
            from_code=r["from_code"],
            to_kind=r["to_kind"],
            to_code=r["to_code"],
            setl_id=r["setl_id"],
            pric_ref=r.get("pric_ref"),
        )
        for r in gw.read("referral_box_events", {"codes": codes, "region": region})
    ]


def gather(gw: Gateway, lead_id: str, region: str = "") -> Raw:
    """Everything the package needs about one lead, read from the graph.

    Settlements: those the lead's evidence names (``settlement:<id>``, ``setl <id>``);
    for a prescription-buyer lead also every purchase of the drug each buyer is flagged
    for. Boxes: the lead's ``resold_box`` members and ``box:<code>`` evidence, plus the
    boxes dispensed to a prescription buyer (to find those that came back), each with
    its full history; the settlements of their sales are read as well.

    Everything is read under the access policy of ``region`` (docs/security.md):
    members, settlements and box movements the region may not see are left out, and
    persons of another region treated in it come as parties (number and name only);
    the evidence lines are those the region may see (:mod:`fraudrings.casework.scope`),
    and only they name settlements and boxes to read."""
    rows = gw.read("referral_lead", {"lead_id": lead_id, "region": region})
    if not rows:
        raise LeadNotFound(lead_id)
    members: list[dict[str, Any]] = rows[0]["members"]
    evidence = scoped_evidence(gw, rows[0]["lead"].get("evidence") or [], region).lines
    lead: dict[str, Any] = {**rows[0]["lead"], "evidence": evidence}
    typ = lead.get("typology")

    ids = set(settlement_ids(evidence))
    if typ == "prescription_buyer":
        pairs = [{"psn_no": p, "drug": d} for p, d in buyer_pairs(evidence)]
        if pairs:
            ids |= {
                r["setl_id"]
                for r in gw.read("referral_buyer_settlements", {"pairs": pairs, "region": region})
            }
    setls, lines, drugs = _settlements(gw, sorted(ids), region)

    codes = {m["id"] for m in members if m["kind"] == "trace_code"} | set(box_codes(evidence))
    if typ == "prescription_buyer":
        buyers = {m["id"] for m in members if m["kind"] == "person"}
        codes |= {c for ln in lines if ln.psn_no in buyers for c in ln.codes}
    events = _events(gw, sorted(codes), region)
    more = sorted({e.setl_id for e in events if e.setl_id} - ids)
    if more:
        s2, l2, d2 = _settlements(gw, more, region)
        setls += s2
        lines += l2
        for k, v in d2.items():
            drugs.setdefault(k, v)
    return Raw(
        lead=lead,
        members=members,
        settlements=sorted(setls, key=lambda s: s.setl_id),
        lines=sorted(lines, key=lambda ln: (ln.setl_id, ln.feedetl_sn)),
        drugs=sorted(drugs.values(), key=lambda d: d.med_list_codg),
        box_events=sorted(events, key=lambda e: (e.code, e.event_time or "", e.event_id)),
    )
