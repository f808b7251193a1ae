"""The pure logic of a referral: roles, amounts, legal lines, timeline and links.

:func:`build` turns what :mod:`referral.gather` read from the graph into the
:class:`~referral.model.Evidence` of the package. No I/O here.

Amount rules (stated in the package too, :data:`RULES`):

* **prescription_buyer** (per buyer and high-value drug): what was not for own use
  (the buyer's boxes that were later resold: their fund share in full) plus the excess
  over plausible own use of the other boxes: days of supply beyond the days elapsed
  (first to last purchase, plus one purchase's average supply, as the detector
  measures it), converted to boxes (x daily units) and priced at the buyer's own fund
  share per box. An outlet that resold a buyer's boxes is charged the fund share of the
  resales, and the boxes' value as drugs it bought and sold.
* **recycled_drug**: the resold boxes. The insured person who bought a box that came
  back: the fund share of that first sale; the outlet that resold it: the fund share
  of the resale, and the box's value as drugs bought and sold; a supplier that booked
  an already-sold box as a purchase: the box's value as drugs bought and sold.
* **inpatient_recruitment**: the fund share of the wave admissions (whole stays). Each
  recruited patient: their own admissions; the organiser and the institution: all.
* any other typology: the fund share of the settlements named in the lead's evidence.

Every amount is broken down by fund: pooled fund (hifp_pay), critical-illness
insurance (hifmi_pay), medical assistance (maf_pay) and personal account (acct_pay).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from fraudrings.graph import boxwalk
from fraudrings.referral.config import FRAUD_TIERS, TIER_ZH, ProvinceThresholds, ReferralConfig
from fraudrings.referral.model import (
    FUND_ZH,
    FUNDS,
    TYPOLOGY_ZH,
    BoxEvent,
    Crossed,
    Drug,
    Evidence,
    Funds,
    Jurisdiction,
    LeadInfo,
    Line,
    Link,
    Party,
    PartyAmount,
    Related,
    Settlement,
    TimelineEntry,
    cents,
)

# -- roles --------------------------------------------------------------------------------
ROLE_ZH: Final[dict[str, str]] = {
    "organiser": "组织者",
    "professional_buyer": "职业开药人",
    "card_lender": "出借医保凭证/出售药品的参保人",
    "drug_collector": "收药人",
    "recycling_outlet": "回收药品销售点",
    "laundering_supplier": "洗白回流药的供应商",
    "institution": "涉案定点医药机构",
    "other": "其他涉案方",
}
# lead member role -> referral role (a recycled-drug buyer who is also a flagged
# prescription buyer is a professional buyer, see :func:`referral_role`)
ROLE_MAP: Final[dict[str, str]] = {
    "recruiter": "organiser",
    "organiser": "organiser",
    "buyer": "card_lender",
    "recruited_patient": "card_lender",
    "card_holder": "card_lender",
    "card_lender": "card_lender",
    "pooling_outlet": "institution",
    "collector": "drug_collector",
    "drug_collector": "drug_collector",
    "recycler": "recycling_outlet",
    "launderer": "laundering_supplier",
    "institution": "institution",
}
PRECEDENCE: Final[tuple[str, ...]] = (
    "organiser",
    "drug_collector",
    "professional_buyer",
    "recycling_outlet",
    "laundering_supplier",
    "institution",
    "card_lender",
    "other",
)
# roles to which the line for knowingly buying/selling fraud-obtained drugs applies
DRUG_TRADE_ROLES: Final[frozenset[str]] = frozenset(
    {"drug_collector", "recycling_outlet", "laundering_supplier"}
)


def referral_role(typology: str, lead_roles: Iterable[str], flagged_buyer: bool = False) -> str:
    """The referral role of a party from its roles in the lead."""
    out: set[str] = set()
    for r in lead_roles:
        if r == "buyer" and (typology == "prescription_buyer" or flagged_buyer):
            out.add("professional_buyer")
        else:
            out.add(ROLE_MAP.get(r, "other"))
    for r in PRECEDENCE:
        if r in out:
            return r
    return "other"


# -- rules ----------------------------------------------------------------------------------
RULES: Final[dict[str, str]] = {
    "prescription_buyer": (
        "职业开药人:按人按高值药品计算超出合理自用的部分。购药倍数 = 供药天数(盒数 ÷ 日用量)"
        " ÷ 合理用药天数(首末次购药间隔天数 + 平均每次供药天数),再除以该药常规购药人的倍数"
        "(下四分位数,至少为 1);计入本人该药全部购药明细基金支付份额的 (1 − 1/购药倍数)。"
        "再次销售上述药盒的机构:以药盒金额计收购、销售骗保药品金额(再次销售结算的基金支付"
        "计入对应的倒卖回流药线索)。"
    ),
    "recycled_drug": (
        "倒卖回流药:以回流药盒为准。首次购药的参保人:计入该药盒首次销售结算中的基金支付份额;"
        "再次销售的药店/机构:计入再次销售结算中的基金支付份额,并以药盒金额计收购、销售骗保药品"
        "金额;将已售药盒采购入库的供应商:以药盒金额计收购、销售骗保药品金额。"
    ),
    "inpatient_recruitment": (
        "拉拢、诱导住院:以批次集中入院的住院结算为准,按结算中各项基金支付全额计入。被招揽住院的"
        "参保人:计入本人的批次住院结算;组织者及涉案医疗机构:计入全部批次住院结算。"
    ),
    "spatiotemporal": (
        "时空异常:以时间上不可能到达的两次就医/购药中的后一笔结算为准,按结算中各项基金支付"
        "全额计入;前一笔结算列为关联结算。参保人及涉案机构:计入全部后一笔结算。"
    ),
    "split_admission": (
        "分解住院:以出院后短期内再次入院的住院结算为准,按结算中各项基金支付全额计入;前一次"
        "住院列为关联结算。患者:计入本人的再次入院结算;涉案机构:计入全部再次入院结算。"
    ),
    "default": "按线索证据所列结算中各项基金支付份额计入;机构计入全部所列结算。",
}
# typologies whose evidence names pairs of settlements; the later one is the suspect part
PAIR_TYPOLOGIES: Final[dict[str, str]] = {
    "spatiotemporal": "时间上不可能到达的后一笔结算",
    "split_admission": "分解住院的再次入院结算",
}
FUND_NOTE: Final[str] = (
    "基金按结算数据拆分:统筹基金(hifp_pay)、大病保险(hifmi_pay)、医疗救助(maf_pay)、"
    "个人账户(acct_pay);一笔明细的份额 = 明细金额 ÷ 结算医疗费总额 × 各项基金支付额。"
)

_SETTLEMENT_RE: Final = re.compile(r"settlement:(\S+)")
_SETL_RE: Final = re.compile(r"\bsetl ([^\s,)]+)")
_BOX_RE: Final = re.compile(r"\bbox:(\S+)")
_PATTERN_RE: Final = re.compile(r"^pattern:(\S+) drug (\S+)")
_RATIO_RE: Final = re.compile(r", ratio ([0-9.eE+-]+)$")
_WAVE_RE: Final = re.compile(r"^settlement:(\S+) wave ")
_RESALE_RE: Final = re.compile(r"^box:\S+ sale:(\S+) .* -> resale:(\S+) ")
_LATER_RE: Final = re.compile(r"^settlement:\S+ .* -> settlement:(\S+) ")
_LINK_PAIR_RE: Final = re.compile(r"^link:(\S+)<->(\S+) (.*)$")
_LINK_PHONE_RE: Final = re.compile(r"^link:(\S+) phone (\S+) on records of (.+)$")


def settlement_ids(evidence: Iterable[str]) -> list[str]:
    """Settlement ids named in a lead's evidence (``settlement:<id>`` and ``setl <id>``)."""
    out: set[str] = set()
    for e in evidence:
        out.update(_SETTLEMENT_RE.findall(e))
        out.update(x for x in _SETL_RE.findall(e) if x not in ("None", "null", "***"))
    return sorted(out)


def box_codes(evidence: Iterable[str]) -> list[str]:
    return sorted({c for e in evidence for c in _BOX_RE.findall(e)})


def buyer_pairs(evidence: Iterable[str]) -> list[tuple[str, str]]:
    """(person, drug) pairs of a prescription-buyer lead's ``pattern:`` evidence."""
    return sorted({(p, d) for p, d, _ in buyer_patterns(evidence)})


def buyer_patterns(evidence: Iterable[str]) -> list[tuple[str, str, float | None]]:
    """(person, drug, ratio to the drug's norm) of each ``pattern:`` evidence line; the
    ratio is None in evidence that does not state it."""
    out: dict[tuple[str, str], float | None] = {}
    for e in evidence:
        m = _PATTERN_RE.match(e)
        if m:
            r = _RATIO_RE.search(e)
            out[(m.group(1), m.group(2))] = float(r.group(1)) if r else None
    return [(p, d, out[(p, d)]) for p, d in sorted(out)]


def resale_pairs(evidence: Iterable[str]) -> set[tuple[str, str]]:
    """(sale, resale) event ids of a recycled-drug lead's evidence."""
    return {(m.group(1), m.group(2)) for e in evidence if (m := _RESALE_RE.match(e))}


def later_settlements(evidence: Iterable[str]) -> list[str]:
    """The later settlement of each pair a lead's evidence names (``settlement:A ... ->
    settlement:B ...``): the impossible second visit, the split readmission."""
    return sorted({m.group(1) for e in evidence if (m := _LATER_RE.match(e))})


def wave_settlements(evidence: Iterable[str]) -> list[str]:
    return sorted({m.group(1) for e in evidence if (m := _WAVE_RE.match(e))})


def clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


def line_funds(line: Line, setl: Settlement | None) -> Funds:
    """The line's share of each fund of its settlement (amount / medical cost)."""
    if setl is None or not setl.medfee_sumamt:
        return Funds()
    return setl.funds().scaled(clip01(line.amount / setl.medfee_sumamt))


# -- box walks ------------------------------------------------------------------------------
Resale = boxwalk.Resale[BoxEvent]
Laundering = boxwalk.Laundering[BoxEvent]


def _view(e: BoxEvent) -> tuple[str, str | None]:
    return e.event_type, e.from_kind


def walk(events: Iterable[BoxEvent]) -> tuple[list[Resale], list[Laundering]]:
    """Resales and laundering purchases in each box's events (:mod:`graph.boxwalk`, the
    walk detection uses), in any order of arrival: each box's are put in time order."""
    by_code: dict[str, list[BoxEvent]] = defaultdict(list)
    for e in events:
        by_code[e.code].append(e)
    resales: list[Resale] = []
    launders: list[Laundering] = []
    for code in sorted(by_code):
        ordered = sorted(by_code[code], key=lambda x: (x.event_time or "", x.event_id))
        rs, ls = boxwalk.walk(code, ordered, _view)
        resales += rs
        launders += ls
    return resales, launders


@dataclass
class Ledger:
    """Per-party amounts as they are worked out."""

    funds: dict[str, Funds] = field(default_factory=lambda: defaultdict(Funds))
    trade: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    workings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    basis: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    case: dict[str, Funds] = field(default_factory=dict)  # distinct item -> funds

    def charge(self, party: str, item: str, funds: Funds, why: str) -> None:
        self.funds[party] = self.funds[party].plus(funds)
        self.basis[party].add(item)
        self.workings[party].append(f"{why}: {fmt_funds(funds)}")
        self.case[item] = funds

    def trade_value(self, party: str, item: str, value: float, why: str) -> None:
        self.trade[party] += value
        self.basis[party].add(item)
        self.workings[party].append(f"{why}: 药品金额 {value:,.2f} 元")


def fmt_funds(f: Funds) -> str:
    parts = [f"{FUND_ZH[k]} {getattr(f, k):,.2f}" for k in FUNDS if abs(getattr(f, k)) >= 0.005]
    return "、".join(parts) or "0.00"


class _Index:
    def __init__(self, settlements: list[Settlement], lines: list[Line], drugs: list[Drug]):
        self.setl = {s.setl_id: s for s in settlements}
        self.lines_of: dict[str, list[Line]] = defaultdict(list)
        for ln in lines:
            self.lines_of[ln.setl_id].append(ln)
        self.drug = {d.med_list_codg: d for d in drugs}
        self.sales_in: dict[str, int] = defaultdict(int)

    def person_of(self, line: Line) -> str | None:
        """The person a fee line was billed to: its settlement's, else its own field."""
        s = self.setl.get(line.setl_id)
        return (s.psn_no if s is not None and s.psn_no else None) or line.psn_no

    def box_share(self, code: str, sale: BoxEvent) -> tuple[Funds, float, str]:
        """(fund share, value, item id) of one box in one sale: the box's unit price over
        the settlement's medical cost, times each fund (the price of its fee line, else
        the drug's reference price: the rule the recycled-drug detector prices with)."""
        sid = sale.setl_id or ""
        setl = self.setl.get(sid)
        for ln in self.lines_of.get(sid, []):
            if code in ln.codes and ln.cnt:
                price = ln.pric or ln.amount / ln.cnt
                if setl is None or not setl.medfee_sumamt:
                    return Funds(), price, f"{sid}/{code}"
                return setl.funds().scaled(price / setl.medfee_sumamt), price, f"{sid}/{code}"
        if setl is not None and sale.pric_ref and setl.medfee_sumamt:
            price = float(sale.pric_ref)
            return setl.funds().scaled(price / setl.medfee_sumamt), price, f"{sid}/{code}"
        if setl is not None:
            n = max(1, self.sales_in.get(sid, 1))
            return setl.funds().scaled(1.0 / n), setl.medfee_sumamt / n, f"{sid}/{code}"
        return Funds(), 0.0, f"{sid}/{code}"


def _party_key(kind: str | None, code: str | None) -> str:
    return f"{kind}:{code}"


def _charge_resales(led: Ledger, idx: _Index, resales: list[Resale], parties: set[str]) -> None:
    """Each resale: the outlet, the resale's fund share; the insured person who bought
    the box at its origin sale, that sale's (a box resold again was bought at a resale,
    whose fund share is the outlet's). So every sale counts once, as the detector's."""
    for rs in resales:
        buyer = _party_key("person", rs.first.to_code)
        outlet = _party_key(rs.second.from_kind, rs.second.from_code)
        if rs.first_in_chain and buyer in parties:
            f1, _, item1 = idx.box_share(rs.code, rs.first)
            led.charge(buyer, item1, f1, f"药盒 {rs.code} 于结算 {rs.first.setl_id} 购得后回流再售")
        f2, v2, item2 = idx.box_share(rs.code, rs.second)
        if outlet in parties:
            led.charge(
                outlet, item2, f2, f"药盒 {rs.code} 回流后于结算 {rs.second.setl_id} 再次销售"
            )
            _, v1, _ = idx.box_share(rs.code, rs.first)
            led.trade_value(outlet, f"box:{rs.code}", v1 or v2, f"收购并再次销售药盒 {rs.code}")


def _recycled(
    led: Ledger, idx: _Index, events: list[BoxEvent], parties: set[str], evidence: list[str]
) -> None:
    resales, launders = walk(events)
    named = resale_pairs(evidence)
    if named:  # a box's resales by other chains belong to their own leads
        resales = [r for r in resales if (r.first.event_id, r.second.event_id) in named]
    _charge_resales(led, idx, resales, parties)
    for la in launders:
        sup = _party_key("supplier", la.event.from_code)
        if sup in parties:
            _, v, _ = idx.box_share(la.code, la.after)
            led.trade_value(
                sup,
                f"box:{la.code}",
                v,
                f"将已售出药盒 {la.code} 采购入库给 {la.event.to_code}",
            )


def _buyers(
    led: Ledger,
    idx: _Index,
    events: list[BoxEvent],
    pairs: list[tuple[str, str, float | None]],
    parties: set[str],
) -> None:
    """Per buyer and drug, the fund's share of the excess over plausible own use: the
    share ``1 - 1/ratio`` of the fund paid for all the buyer's boxes of that drug, where
    the ratio is the detector's (days of supply over days elapsed plus one purchase's
    supply, against the drug's own norm) as its evidence states it. An outlet that
    resold a buyer's boxes is charged their value as drugs bought and sold (their fund
    share belongs to the recycled-drug lead of those resales)."""
    resales, _ = walk(events)
    for psn, drug_code, ratio in pairs:
        key = _party_key("person", psn)
        if key not in parties:
            continue
        drug = idx.drug.get(drug_code)
        daily = float(drug.daily_units or 0) if drug else 0.0
        # a line is its settlement's person's (a fee line's own psn_no may be empty or
        # wrong in a dirty export; the detector reads the settlement's person too)
        lines = sorted(
            (
                ln
                for lns in idx.lines_of.values()
                for ln in lns
                if idx.person_of(ln) == psn and ln.med_list_codg == drug_code
            ),
            key=lambda ln: (ln.time or "", ln.feedetl_sn),
        )
        if not lines or daily <= 0:
            continue
        boxes = sum(ln.cnt for ln in lines)
        funds = Funds()
        for ln in lines:
            funds = funds.plus(line_funds(ln, idx.setl.get(ln.setl_id)))
            led.basis[key].add(ln.setl_id)
        supply = boxes / daily
        elapsed = _days_between(lines[0].time, lines[-1].time)
        own_use = elapsed + supply / len(lines)
        if ratio is None:  # evidence of an earlier detector: the label's dose as the norm
            ratio = supply / own_use if own_use > 0 else 0.0
        share = max(0.0, 1 - 1 / ratio) if ratio > 0 else 0.0
        name = drug.list_name if drug and drug.list_name else drug_code
        led.workings[key].append(
            f"{name}({drug_code}):共购 {boxes:g} 盒,日用量 {daily:g} 盒,供药 {supply:,.1f} 天;"
            f"首末次购药间隔 {elapsed} 天,合理用药天数 {own_use:,.1f} 天;"
            f"与该药常规购药人相比的购药倍数 {ratio:,.2f}"
        )
        led.charge(
            key,
            f"excess:{psn}:{drug_code}",
            funds.scaled(share),
            f"超出合理自用:全部 {boxes:g} 盒基金支付 {fmt_funds(funds)} 的 {100 * share:,.1f}%"
            f"(1 − 1/{ratio:,.2f})",
        )
    for rs in resales:
        outlet = _party_key(rs.second.from_kind, rs.second.from_code)
        seller = _party_key("person", rs.first.to_code)
        if outlet in parties and rs.first.to_code and seller in parties:
            _, v1, _ = idx.box_share(rs.code, rs.first)
            _, v2, _ = idx.box_share(rs.code, rs.second)
            led.trade_value(outlet, f"box:{rs.code}", v1 or v2, f"收购并再次销售药盒 {rs.code}")


def _days_between(a: str | None, b: str | None) -> int:
    from datetime import datetime

    if not a or not b:
        return 0
    da, db = datetime.fromisoformat(a), datetime.fromisoformat(b)
    return max(0, (db - da).days)


def _settlement_based(
    led: Ledger,
    idx: _Index,
    setl_ids: list[str],
    parties: dict[str, Party],
    whole_case_roles: set[str],
    why: str,
) -> None:
    for sid in setl_ids:
        s = idx.setl.get(sid)
        if s is None:
            continue
        f = s.funds()
        key = _party_key("person", s.psn_no)
        if key in parties:
            led.charge(key, sid, f, f"{why} {sid}")
        else:
            led.case[sid] = f
        for p in parties.values():
            if p.role in whole_case_roles and p.key != key:
                led.charge(p.key, sid, f, f"{why} {sid}({s.psn_no})")


# -- legal lines ----------------------------------------------------------------------------
def crossed_lines(
    role: str, fraud_amount: float, trade_value: float, t: ProvinceThresholds
) -> list[Crossed]:
    out = []
    for tier in FRAUD_TIERS:
        fig = t.figure(tier)
        if fraud_amount >= fig:
            out.append(
                Crossed(
                    tier=tier,
                    tier_zh=TIER_ZH[tier],
                    figure=fig,
                    amount=fraud_amount,
                    provision="fraud",
                )
            )
    if role in DRUG_TRADE_ROLES and trade_value >= t.drug_trade:
        out.append(
            Crossed(
                tier="drug_trade",
                tier_zh=TIER_ZH["drug_trade"],
                figure=t.drug_trade,
                amount=trade_value,
                provision="drug_trade",
            )
        )
    return out


# -- timeline and links ---------------------------------------------------------------------
EVENT_ZH: Final[dict[str, str]] = {
    "purchase": "采购入库",
    "sale": "销售",
    "return": "退货",
    "supplier_return": "退回供应商",
    "transfer": "调拨",
    "recall": "召回",
}
MED_TYPE_ZH: Final[dict[str, str]] = {
    "11": "门诊",
    "13": "急诊",
    "14": "门诊慢特病",
    "21": "住院",
    "41": "药店购药",
}


def timeline(
    settlements: list[Settlement], events: list[BoxEvent], names: dict[str, str]
) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    for s in settlements:
        when = s.begntime if s.med_type == "21" else (s.setl_time or s.begntime)
        kind = MED_TYPE_ZH.get(s.med_type or "", s.med_type or "结算")
        inst = names.get(f"institution:{s.fixmedins_code}", s.fixmedins_code or "")
        stay = ""
        if s.med_type == "21" and s.endtime:
            stay = f",{(s.endtime or '')[:10]} 出院,诊断 {s.dise_codg or '-'}"
        out.append(
            TimelineEntry(
                time=when or "",
                kind="settlement",
                ref=s.setl_id,
                parties=sorted({f"person:{s.psn_no}", f"institution:{s.fixmedins_code}"}),
                text=f"{s.psn_no} 在 {inst} {kind}{stay};结算 {s.setl_id},医疗费 "
                f"{s.medfee_sumamt:,.2f} 元,基金支付 {s.fund_pay_sumamt:,.2f} 元,"
                f"个人账户 {s.acct_pay:,.2f} 元",
            )
        )
    for e in events:
        out.append(
            TimelineEntry(
                time=e.event_time or "",
                kind="box_event",
                ref=e.event_id,
                parties=sorted(
                    {f"{e.from_kind}:{e.from_code}", f"{e.to_kind}:{e.to_code}"} - {"None:None"}
                ),
                text=f"药盒 {e.code} {EVENT_ZH.get(e.event_type, e.event_type)}:"
                f"{e.from_code or '-'} → {e.to_code or '-'}"
                + (f"(结算 {e.setl_id})" if e.setl_id else ""),
            )
        )
    out.sort(key=lambda x: (x.time, x.kind, x.ref))
    return out


def links(
    lead_evidence: list[str],
    settlements: list[Settlement],
    events: list[BoxEvent],
    party_keys: set[str],
    box_codes_: set[str],
) -> tuple[list[Link], dict[str, str]]:
    """Edges of the ring's picture between parties (and the institutions, boxes they
    used as context), and the labels of the context nodes."""
    agg: dict[tuple[str, str, str], int] = defaultdict(int)
    context: dict[str, str] = {}

    def add(a: str, b: str, label: str) -> None:
        if a == b:
            return
        x, y = sorted((a, b))
        agg[(x, y, label)] += 1

    for s in settlements:
        p, i = f"person:{s.psn_no}", f"institution:{s.fixmedins_code}"
        if p in party_keys:
            if i not in party_keys:
                context[i] = s.fixmedins_code or ""
            add(p, i, "住院" if s.med_type == "21" else "结算")
    for e in events:
        if e.code not in box_codes_:
            continue
        box = f"trace_code:{e.code}"
        for kind, code in ((e.from_kind, e.from_code), (e.to_kind, e.to_code)):
            k = f"{kind}:{code}"
            if k in party_keys:
                context[box] = e.code[-6:]
                add(k, box, EVENT_ZH.get(e.event_type, e.event_type))
    for ev in lead_evidence:
        m = _LINK_PAIR_RE.match(ev)
        if m:
            a, b = f"person:{m.group(1)}", f"person:{m.group(2)}"
            label = "同批入院" if "co-admitted" in m.group(3) else "共用电话/地址"
            if a in party_keys and b in party_keys:
                add(a, b, label)
            continue
        m = _LINK_PHONE_RE.match(ev)
        if m:
            a = f"person:{m.group(1)}"
            for other in m.group(3).split(","):
                b = f"person:{other.strip()}"
                if a in party_keys and b in party_keys:
                    add(a, b, "电话登记")
    out = [Link(a=a, b=b, label=lb, count=n) for (a, b, lb), n in sorted(agg.items())]
    return out, dict(sorted(context.items()))


# -- assembly -------------------------------------------------------------------------------
@dataclass
class Raw:
    """What :mod:`referral.gather` read from the graph for one lead."""

    lead: dict[str, Any]
    members: list[dict[str, Any]]  # {role, kind, id, props}
    settlements: list[Settlement]
    lines: list[Line]
    drugs: list[Drug]
    box_events: list[BoxEvent]


def _s(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def parties_of(raw: Raw) -> list[Party]:
    typ = str(raw.lead.get("typology") or "")
    by_key: dict[str, dict[str, Any]] = {}
    for m in raw.members:
        if m["kind"] == "trace_code":
            continue
        k = f"{m['kind']}:{m['id']}"
        e = by_key.setdefault(
            k, {"kind": m["kind"], "id": m["id"], "props": m["props"], "roles": set()}
        )
        e["roles"].add(m["role"])
    out = []
    for k, e in sorted(by_key.items()):
        pr: dict[str, Any] = e["props"] or {}
        flagged = any(str(c).startswith("prescription_buyer=") for c in pr.get("communities") or [])
        role = referral_role(typ, e["roles"], flagged)
        kind = e["kind"]
        role_zh = ROLE_ZH[role]
        if role == "card_lender" and "recruited_patient" in e["roles"]:
            role_zh = "被招揽住院的参保人(出借医保凭证)"
        elif role == "card_lender" and typ == "card_pooling":
            role_zh = "出借医保凭证的参保人"
        p = Party(
            key=k,
            kind=kind,
            id=e["id"],
            lead_roles=sorted(e["roles"]),
            role=role,
            role_zh=role_zh,
        )
        if kind == "person":
            p.name, p.certno, p.tel, p.addr = (
                _s(pr.get(x)) for x in ("psn_name", "certno", "tel", "addr")
            )
            p.region, p.gend, p.brdy = (
                _s(pr.get("insu_admdvs")),
                _s(pr.get("gend")),
                _s(pr.get("brdy")),
            )
            flags = _s(pr.get("psn_flags"))
            p.detail = f"险种 {pr.get('insutype') or '-'}" + (f";标识 {flags}" if flags else "")
        elif kind == "institution":
            p.name, p.region = _s(pr.get("fixmedins_name")), _s(pr.get("admdvs"))
            p.certno = e["id"]
            t = {"1": "医疗机构", "2": "零售药店"}.get(str(pr.get("fixmedins_type")), "定点机构")
            p.detail = t + (f";连锁 {pr['chain_code']}" if pr.get("chain_code") else "")
        elif kind == "supplier":
            p.name, p.region = _s(pr.get("entp_name")), _s(pr.get("admdvs"))
            p.certno = e["id"]
            p.detail = _s(pr.get("entp_type"))
        else:
            p.name, p.certno = _s(pr.get("prac_name")), e["id"]
            p.detail = _s(pr.get("fixmedins_code"))
        out.append(p)
    return out


def build(raw: Raw, cfg: ReferralConfig) -> Evidence:
    lead = raw.lead
    typ = str(lead.get("typology") or "")
    ev_lines = [str(x) for x in (lead.get("evidence") or [])]
    parties = parties_of(raw)
    pmap = {p.key: p for p in parties}
    pset = set(pmap)
    idx = _Index(raw.settlements, raw.lines, raw.drugs)
    for e in raw.box_events:
        if e.event_type == "sale" and e.setl_id:
            idx.sales_in[e.setl_id] += 1
    led = Ledger()
    if typ == "recycled_drug":
        _recycled(led, idx, raw.box_events, pset, ev_lines)
    elif typ == "prescription_buyer":
        _buyers(led, idx, raw.box_events, buyer_patterns(ev_lines), pset)
    elif typ == "inpatient_recruitment":
        _settlement_based(
            led, idx, wave_settlements(ev_lines), pmap, {"organiser", "institution"}, "批次住院结算"
        )
    elif typ in PAIR_TYPOLOGIES:
        _settlement_based(
            led, idx, later_settlements(ev_lines), pmap, {"institution"}, PAIR_TYPOLOGIES[typ]
        )
    else:
        _settlement_based(led, idx, settlement_ids(ev_lines), pmap, {"institution"}, "结算")

    code, th = cfg.province_of(_s(lead.get("region")))
    acct = cfg.fraud_amount_includes_personal_account
    amounts = []
    for p in parties:
        f = led.funds.get(p.key, Funds()).rounded()
        fraud = f.total(acct)
        trade = cents(led.trade.get(p.key, 0.0))
        crossed = crossed_lines(p.role, fraud, trade, th)
        fraud_tiers = [c for c in crossed if c.provision == "fraud"]
        highest = fraud_tiers[-1].tier_zh if fraud_tiers else None
        if any(c.provision == "drug_trade" for c in crossed):
            highest = (highest + ";" if highest else "") + TIER_ZH["drug_trade"]
        amounts.append(
            PartyAmount(
                party=p.key,
                rule=typ if typ in RULES else "default",
                funds=f,
                fraud_amount=fraud,
                drug_trade_value=trade,
                workings=led.workings.get(p.key, []),
                basis=sorted(led.basis.get(p.key, set())),
                crossed=crossed,
                highest=highest,
            )
        )
    totals = Funds()
    for item in sorted(led.case):
        totals = totals.plus(led.case[item])
    case_amount = cents(totals.fund())
    totals = totals.rounded()
    real = [s for s in raw.settlements if not s.refund]
    related = Related(
        settlements=len(real),
        medfee=cents(sum(s.medfee_sumamt for s in real)),
        fund=cents(sum(s.fund_pay_sumamt for s in real)),
        acct=cents(sum(s.acct_pay for s in real)),
        cash=cents(sum(s.psn_cash_pay for s in real)),
    )
    names = {p.key: f"{p.name or p.id}({p.id})" for p in parties}
    for s in raw.settlements:
        k = f"institution:{s.fixmedins_code}"
        if k not in names and s.fixmedins_name:
            names[k] = f"{s.fixmedins_name}({s.fixmedins_code})"
    boxes = {m["id"] for m in raw.members if m["kind"] == "trace_code"} | set(box_codes(ev_lines))
    lk, context = links(ev_lines, raw.settlements, raw.box_events, pset, boxes)
    for k in context:
        if k.startswith("institution:") and k in names:
            context[k] = names[k]
    reasons = []
    try:
        import json

        reasons = list(json.loads(str(lead.get("reasons_json") or "[]")))
    except ValueError:
        reasons = []
    info = LeadInfo(
        lead_id=str(lead["lead_id"]),
        typology=typ,
        typology_zh=TYPOLOGY_ZH.get(typ, typ),
        score=round(float(lead.get("score") or 0.0), 4),
        region=_s(lead.get("region")),
        regions=sorted(str(r) for r in lead.get("regions") or []),
        first_seen=_s(lead.get("first_seen")),
        last_seen=_s(lead.get("last_seen")),
        amount_at_risk=cents(float(lead.get("amount_at_risk") or 0.0)),
        reasons=reasons,
        evidence=ev_lines,
    )
    ev = Evidence(
        lead=info,
        jurisdiction=Jurisdiction(
            province=code,
            name=th.name,
            relatively_large=th.relatively_large,
            huge=th.huge,
            especially_huge=th.especially_huge,
            drug_trade=th.drug_trade,
            note=th.note,
            includes_personal_account=acct,
        ),
        rule=RULES.get(typ, RULES["default"]) + FUND_NOTE,
        parties=parties,
        context=context,
        settlements=sorted(raw.settlements, key=lambda s: s.setl_id),
        lines=sorted(raw.lines, key=lambda ln: (ln.setl_id, ln.feedetl_sn)),
        drugs=sorted(raw.drugs, key=lambda d: d.med_list_codg),
        box_events=sorted(raw.box_events, key=lambda e: (e.code, e.event_time or "", e.event_id)),
        amounts=amounts,
        totals=totals,
        total_fraud_amount=totals.total(acct),
        case_amount=case_amount,
        related=related,
        timeline=timeline(raw.settlements, raw.box_events, names),
        links=lk,
        provisions={k: v.model_dump() for k, v in sorted(cfg.provisions.items())},
    )
    return ev.with_version()
