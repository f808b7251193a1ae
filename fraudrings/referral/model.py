"""The evidence of one referral: plain, typed, serialisable data.

Everything the PDF shows is in :class:`Evidence`, and the JSON and CSV files are written
from it, so the three always agree. Times are ISO text, money is yuan rounded to cents,
every list is sorted: the same evidence serialises to the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from pydantic import BaseModel, Field

FUNDS: Final[tuple[str, ...]] = ("hifp", "hifmi", "maf", "acct")
FUND_ZH: Final[dict[str, str]] = {
    "hifp": "统筹基金",
    "hifmi": "大病保险",
    "maf": "医疗救助",
    "acct": "个人账户",
}
TYPOLOGY_ZH: Final[dict[str, str]] = {
    "prescription_buyer": "职业开药人(超量开药、倒卖药品)",
    "recycled_drug": "倒卖回流药",
    "inpatient_recruitment": "拉拢、诱导住院(共同住院)",
    "card_pooling": "敛卡套刷",
    "spatiotemporal": "时空异常",
    "deceased_claims": "死亡人员冒名结算",
    "split_admission": "分解住院",
}
SCHEMA_VERSION: Final[str] = "1"


def cents(x: float) -> float:
    return round(float(x) + 0.0, 2)


class Funds(BaseModel):
    """Yuan paid by each fund: pooled (hifp), critical illness (hifmi), medical
    assistance (maf), personal account (acct)."""

    hifp: float = 0.0
    hifmi: float = 0.0
    maf: float = 0.0
    acct: float = 0.0

    def plus(self, other: Funds, factor: float = 1.0) -> Funds:
        return Funds(**{f: getattr(self, f) + factor * getattr(other, f) for f in FUNDS})

    def scaled(self, factor: float) -> Funds:
        return Funds(**{f: getattr(self, f) * factor for f in FUNDS})

    def rounded(self) -> Funds:
        return Funds(**{f: cents(getattr(self, f)) for f in FUNDS})

    def fund(self) -> float:
        """What the fund paid (基金支付): pooled fund, critical illness and medical
        assistance, without the personal account; unrounded."""
        return self.hifp + self.hifmi + self.maf

    def total(self, include_acct: bool = True) -> float:
        t = self.hifp + self.hifmi + self.maf + (self.acct if include_acct else 0.0)
        return cents(t)


class LeadInfo(BaseModel):
    lead_id: str
    typology: str
    typology_zh: str
    score: float
    region: str | None
    regions: list[str]
    first_seen: str | None
    last_seen: str | None
    amount_at_risk: float
    reasons: list[dict[str, Any]]
    evidence: list[str]


class Party(BaseModel):
    """A person or organisation of the case, with full identifiers (unmasked)."""

    key: str  # kind:id
    kind: str  # person | institution | practitioner | supplier
    id: str
    lead_roles: list[str]
    role: str
    role_zh: str
    name: str | None = None
    certno: str | None = None  # ID-card number; for organisations the code itself
    tel: str | None = None
    addr: str | None = None
    region: str | None = None
    gend: str | None = None
    brdy: str | None = None
    detail: str | None = None


class Settlement(BaseModel):
    setl_id: str
    psn_no: str | None
    fixmedins_code: str | None
    fixmedins_name: str | None
    med_type: str | None
    begntime: str | None
    endtime: str | None
    setl_time: str | None
    medfee_sumamt: float
    fund_pay_sumamt: float
    hifp_pay: float
    hifmi_pay: float
    maf_pay: float
    acct_pay: float
    psn_cash_pay: float
    dise_codg: str | None
    dr_codg: str | None
    refund: bool = False

    def funds(self) -> Funds:
        return Funds(hifp=self.hifp_pay, hifmi=self.hifmi_pay, maf=self.maf_pay, acct=self.acct_pay)


class Line(BaseModel):
    feedetl_sn: str
    setl_id: str
    psn_no: str | None
    time: str | None
    med_list_codg: str | None
    drug_name: str | None
    cnt: float
    pric: float
    amount: float
    codes: list[str]
    dr: str | None


class Drug(BaseModel):
    med_list_codg: str
    list_name: str | None
    pric_ref: float | None
    daily_units: float | None


class BoxEvent(BaseModel):
    code: str
    event_id: str
    event_type: str
    event_time: str | None
    from_kind: str | None
    from_code: str | None
    to_kind: str | None
    to_code: str | None
    setl_id: str | None
    pric_ref: float | None = None  # the box's drug's reference price


class Crossed(BaseModel):
    """A legal line a party's amount reaches."""

    tier: str
    tier_zh: str
    figure: float
    amount: float
    provision: str


class PartyAmount(BaseModel):
    party: str  # Party.key
    rule: str
    funds: Funds
    fraud_amount: float
    drug_trade_value: float = 0.0
    workings: list[str] = Field(default_factory=list)
    basis: list[str] = Field(default_factory=list)  # settlement / line / box ids
    crossed: list[Crossed] = Field(default_factory=list)
    highest: str | None = None  # the highest tier crossed, in Chinese


class TimelineEntry(BaseModel):
    time: str
    kind: str
    ref: str
    parties: list[str]
    text: str


class Link(BaseModel):
    a: str  # party key or context node key
    b: str
    label: str
    count: int = 1


class Jurisdiction(BaseModel):
    province: str
    name: str
    relatively_large: float
    huge: float
    especially_huge: float
    drug_trade: float
    note: str
    includes_personal_account: bool


class Related(BaseModel):
    """关联结算总额: every settlement in the package (the suspect ones and those read
    around them: a pair's first visit, a buyer's other purchases, a box's other sales)."""

    settlements: int
    medfee: float  # 医疗费总额
    fund: float  # 基金支付
    acct: float  # 个人账户
    cash: float  # 个人现金


class Evidence(BaseModel):
    schema_version: str = SCHEMA_VERSION
    lead: LeadInfo
    jurisdiction: Jurisdiction
    rule: str  # the typology's amount rule, in Chinese
    parties: list[Party]
    context: dict[str, str]  # node key -> label, for nodes of the picture that are not parties
    settlements: list[Settlement]
    lines: list[Line]
    drugs: list[Drug]
    box_events: list[BoxEvent]
    amounts: list[PartyAmount]
    totals: Funds
    total_fraud_amount: float
    # 涉案金额: what the fund paid for the suspect part, each item once (the lead's
    # amount_at_risk in the queue and on the lead page); without the personal account
    case_amount: float
    related: Related
    timeline: list[TimelineEntry]
    links: list[Link]
    provisions: dict[str, dict[str, str]]
    evidence_version: str = ""

    def canonical(self) -> bytes:
        """The evidence without its version, as canonical JSON bytes."""
        data = self.model_dump(mode="json", exclude={"evidence_version"})
        return canonical_json(data)

    def with_version(self) -> Evidence:
        v = hashlib.sha256(self.canonical()).hexdigest()
        return self.model_copy(update={"evidence_version": v})

    def party(self, key: str) -> Party | None:
        for p in self.parties:
            if p.key == key:
                return p
        return None


def canonical_json(data: Any) -> bytes:
    return (
        json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False) + "\n"
    ).encode("utf-8")
