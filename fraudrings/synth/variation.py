"""The declared variation space of every injected typology, and the cells a sweep reports.

Each injected ring draws its own value of every parameter of its typology from the ranges
below (unless a sweep pins one), and the ground truth records them under the ring's
``params``. The ranges come from the public case reports collected in
``shared/fraud-patterns.md`` (tags in brackets name the report); where the reports give no
number the range is wide on purpose and the source says "(inference)". They were set from
the reports alone, before any detector ran on the generated data, and are not tuned to what
a sweep shows.

Every parameter is drawn from its own random stream keyed by (drop, typology, ring,
parameter), so pinning one parameter leaves the draws of the others unchanged.

``CELLS`` declares, per typology, the two parameters a robustness sweep bins its rings by
and the fixed bin edges (a value v falls in the first bin whose edge e has v <= e, else in
the last bin).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Value = float | int | str
Params = dict[str, Value]
Variation = Mapping[str, Mapping[str, Value]]


@dataclass(frozen=True)
class Param:
    """One parameter: a range [lo, hi] (floats or integers) or a set of labels."""

    lo: float = 0.0
    hi: float = 1.0
    kind: str = "float"  # float | int | choice
    log: bool = False  # drawn log-uniformly (ranges spanning an order of magnitude)
    weights: tuple[float, ...] = ()  # int: weight of each of lo..hi; choice: of each label
    choices: tuple[str, ...] = ()
    source: str = ""

    def draw(self, rng: random.Random) -> Value:
        if self.kind == "choice":
            w = list(self.weights) if self.weights else None
            return rng.choices(self.choices, w)[0]
        if self.kind == "int":
            lo, hi = int(self.lo), int(self.hi)
            if self.weights:
                return rng.choices(range(lo, hi + 1), list(self.weights))[0]
            if self.log:
                # log-uniform over [lo, hi + 1), floored: each integer gets the mass of its
                # unit interval on a log scale
                x = math.exp(rng.uniform(math.log(lo), math.log(hi + 1)))
                return min(hi, int(x))
            return rng.randint(lo, hi)
        if self.log:
            return round(math.exp(rng.uniform(math.log(self.lo), math.log(self.hi))), 3)
        return round(rng.uniform(self.lo, self.hi), 3)

    def coerce(self, v: Value) -> Value:
        """A pinned value in this parameter's type; ValueError when outside its range."""
        if self.kind == "choice":
            if str(v) not in self.choices:
                raise ValueError(f"{v!r} is not one of {', '.join(self.choices)}")
            return str(v)
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{v!r} is not a number") from None
        if not self.lo <= x <= self.hi:
            raise ValueError(f"{x:g} is outside [{self.lo:g}, {self.hi:g}]")
        if self.kind == "int":
            if x != int(x):
                raise ValueError(f"{x:g} is not a whole number")
            return int(x)
        return x

    def describe(self) -> str:
        if self.kind == "choice":
            return " | ".join(self.choices)
        fmt = "{:g}"
        text = f"{fmt.format(self.lo)}–{fmt.format(self.hi)}"
        extra = []
        if self.kind == "int":
            extra.append("integer")
        if self.log:
            extra.append("log-uniform")
        if self.weights:
            extra.append("weights " + "/".join(f"{w:g}" for w in self.weights))
        return text + (f" ({', '.join(extra)})" if extra else "")


@dataclass(frozen=True)
class Axis:
    """A sweep axis: a parameter and the upper edges of its bins (the last bin is open)."""

    param: str
    edges: tuple[float, ...]
    unit: str = ""
    names: tuple[str, ...] = ()  # the bins' labels, for integer parameters

    def labels(self) -> list[str]:
        if self.names:
            return list(self.names)

        def f(x: float) -> str:
            return f"{x:g}"

        e = self.edges
        out = [f"≤{f(e[0])}"]
        out += [f"{f(a)}–{f(b)}" for a, b in itertools.pairwise(e)]
        out.append(f">{f(e[-1])}")
        return out

    def bin(self, v: float) -> int:
        for i, e in enumerate(self.edges):
            if v <= e:
                return i
        return len(self.edges)


# ------------------------------------------------------------------------------ the space
SPACE: dict[str, dict[str, Param]] = {
    "prescription_buyer": {
        "ring_size": Param(
            1,
            20,
            "int",
            log=True,
            source="lone buyers (Taizhou 景某 [NHSA-IND-2], Yulin 常某 [YULIN-2024]) up to "
            "~20 recruited elderly (Baoshan [BAOSHAN-2025]); 11 cards [MA-YU]",
        ),
        "supply_ratio": Param(
            1.3,
            5.0,
            log=True,
            source="days of supply bought over days elapsed: within per-prescription caps "
            "but at high frequency [MA-YU]; benchmarked against a normal chronic patient's "
            "year and the monthly maximum dose [BAOSHAN-2025]",
        ),
        "doctors": Param(
            1,
            12,
            "int",
            log=True,
            source="concentrated prescribers [MINHANG-2025] to many departments and "
            "institutions [BAIRI-2025]",
        ),
        "outlets": Param(
            1,
            6,
            "int",
            source="one dual-channel pharmacy [HARBIN-2024] to 4 hospitals in a day [FENG-2017]",
        ),
        "pharmacy_share": Param(
            0,
            1,
            source="share of boxes from pharmacies vs hospital outpatient visits: dual-channel "
            "pharmacy [HARBIN-2024], community clinic [BJ-COUPLE-2023], hospitals [FENG-2017]",
        ),
        "drug_price": Param(
            5,
            3000,
            log=True,
            source="yuan per box: tacrolimus, anlotinib, semaglutide but also "
            "antihypertensives and antidiabetics [NHSA-IND-2][NHSA-IND-3][CCTV-2021]",
        ),
        "period_days": Param(
            60,
            365,
            "int",
            source="3 months (Yulin, Yiyang [YIYANG-2025]) to about 2 years "
            "(Shijingshan [SHIJINGSHAN-2024], Harbin); clipped to the drop",
        ),
        "coordination": Param(
            0,
            1,
            source="share of a member's pickups made with others, same outlet within hours: "
            "collectors send order lists [SHIJINGSHAN-2024], WeChat groups [SH-POLICE-2024]",
        ),
        "shared_contact": Param(
            0,
            1,
            source="share of members sharing the collector's phone or address: kin and "
            "hometown recruitment [BJ-526-2011] (inference)",
        ),
        "camouflage": Param(
            0,
            0.8,
            source="share of visits with extra lines for the buyer's own conditions: order "
            "lists 'matching his conditions plus extras' [SHIJINGSHAN-2024]",
        ),
    },
    "recycled_drug": {
        "source": Param(
            kind="choice",
            choices=("patients", "buyer_ring"),
            weights=(0.5, 0.5),
            source="patients sell surplus boxes to street collectors [ZJ-2008][NANCHANG-2024]; "
            "collectors direct buyers [SHIJINGSHAN-2024] (then the paired buyer ring's boxes)",
        ),
        "boxes": Param(
            2,
            80,
            "int",
            log=True,
            source="codes re-settled: 28 (Ningxiang [XINHUA-HUILIU-2025]), 37 (Wuhan), 72 "
            "(Ulanqab [NHSA-TRACE-10]); 1,124 boxes seized in Lanzhou [NHSA-TRACE-8]",
        ),
        "sellers": Param(
            1,
            30,
            "int",
            log=True,
            source="patients whose boxes come back (source=patients); a collector serves many "
            "[ZJ-2008][BJ-526-2011]",
        ),
        "hops": Param(
            1,
            3,
            "int",
            weights=(0.6, 0.25, 0.15),
            source="resales per box: one code settled 8 times at a village clinic "
            "[NHSA-TRACE-10], 3+ times for one product [EJIAO-2024]",
        ),
        "resale_days": Param(
            5,
            68,
            log=True,
            source="days between settlements of a code: 5 (Lanzhou), 33–62 (Wuhan), 5–68 in "
            "the NHSA cases [NHSA-TRACE-8]",
        ),
        "outlets": Param(
            1,
            4,
            "int",
            source="reselling outlets per chain: pharmacies, clinics, village clinics "
            "[NHSA-TRACE-8][NHSA-TRACE-10]",
        ),
        "outlet_kind": Param(
            kind="choice",
            choices=("pharmacy", "clinic"),
            weights=(0.6, 0.4),
            source="pharmacy resale (Lanzhou, Ningxiang) or clinic staff (Ulanqab, Dezhou "
            "village clinic) [NHSA-TRACE-8][NHSA-TRACE-10]",
        ),
        "cross_region_share": Param(
            0,
            1,
            source="share of resales far from the first sale: first settled in Shanghai, Inner "
            "Mongolia, Tianjin, Hunan, Jiangsu [NHSA-TRACE-8][XINHUA-HUILIU-2025]",
        ),
        "laundering": Param(
            0,
            1,
            source="share of resold boxes given a supplier's purchase record first (挂靠过票 "
            "[HZ-2012], [CHUZHOU], forged delivery notes [BAIRI-2025]); else no purchase "
            "document [NHSA-TRACE-10]",
        ),
        "drug_price": Param(
            5,
            3000,
            log=True,
            source="yuan per box: ¥100 retail (Nanchang [NANCHANG-2024]), 骁悉 ¥617 "
            "[HZ-2012], a cheap tonic (复方阿胶浆 [EJIAO-2024])",
        ),
    },
    "inpatient_recruitment": {
        "waves": Param(
            2,
            12,
            "int",
            source="minibuses again and again over months (Shenyang [SHENYANG-2018]); hauling "
            "for more than a year (Shangyi [SHANGYI-2019])",
        ),
        "wave_size": Param(
            3,
            40,
            "int",
            log=True,
            source="7–8, then 30–40 in one morning (Shenyang); 10+ from one village "
            "(Taihe [TAIHE-2020]); 5 villagers (Xiangyang [XIANGYANG-2026])",
        ),
        "admissions_per_recruit": Param(
            1.0,
            4.0,
            source="228 admissions for 165 people, ~1.4 each (Mintai [MINTAI-2021]); top one 4 "
            "in 15 months (Fenyang [FENYANG-2024]); 4, 6–7, 10+ (Shenyang)",
        ),
        "hospitals": Param(
            1,
            3,
            "int",
            weights=(0.6, 0.3, 0.1),
            source="'four stays, none at this hospital': recruits rotate across hospitals "
            "(Shenyang [SHENYANG-2018])",
        ),
        "village_share": Param(
            0,
            1,
            source="share of recruits from one village: a vehicle from a single village "
            "(Taihe [TAIHE-2020]), 5 villagers (Xiangyang [XIANGYANG-2026])",
        ),
        "recruiter_phone_share": Param(
            0,
            1,
            source="share of recruits whose records carry the intermediary's phone: '方姨' "
            "held their cards (Shenyang) (inference)",
        ),
        "stay_days": Param(
            2,
            10,
            source="4-day fake stays (Shenyang), about a week (Taihe [TAIHE-2020])",
        ),
        "same_diagnosis": Param(
            0,
            1,
            source="share of stays under the ring's template diagnosis: reports over 90% "
            "similar [SHANXI-2024]",
        ),
        "vulnerable_share": Param(
            0,
            1,
            source="share of poverty / medical-aid / 五保 elderly recruits (Taihe, Fenyang "
            "[FENYANG-2024], Shouxian [SHOUXIAN]); workers' families (Datong [DATONG-2025])",
        ),
        "period_days": Param(
            14,
            365,
            "int",
            log=True,
            source="weeks to years: 2018–2020 (Datong), 2022–2024 (Wuxi [WUXI-2024]); "
            "clipped to the drop",
        ),
        "arrival_hours": Param(
            0.5,
            12,
            log=True,
            source="one morning (Shenyang), half a day for a vehicle (Taihe)",
        ),
        "out_of_town_share": Param(
            0,
            0.5,
            source="share of recruits living in another city: reports name the county's own "
            "villagers; intermediaries may bring others (inference)",
        ),
    },
    "card_pooling": {
        "cards": Param(
            5,
            70,
            "int",
            log=True,
            source="4 family cards (Xuhui [XUHUI-2025]) to 70+ cards (Qinhuangdao [NHSA-IND-3])",
        ),
        "uses_per_card": Param(
            1,
            20,
            "int",
            log=True,
            source="settlements per card: one card 42 times in a month (Futian [FUTIAN-2020]); "
            "400+ swipes by a cashier over 16 months (Zhuzhou [ZHUZHOU])",
        ),
        "burst_share": Param(
            0,
            1,
            source="share of uses made in sessions of many cards vs one at a time spread over "
            "days: 196 swipes a day against under 30 visitors (secondary [TRADE-2025]); "
            "steady swiping (Zhuzhou, Futian)",
        ),
        "burst_size": Param(
            3,
            25,
            "int",
            log=True,
            source="cards swiped in one session (inference from [TRADE-2025][WUHAN-2024])",
        ),
        "minutes_per_swipe": Param(
            0.5,
            8,
            log=True,
            source="time between swipes in a session (inference)",
        ),
        "e_credential_share": Param(
            0,
            1,
            source="share of uses by e-credential QR code scanned remotely (Wuhan 黄陂 "
            "[WUHAN-2024], online cash-out shops [REDSTAR-2024]) vs physical cards",
        ),
        "night_share": Param(
            0,
            1,
            source="share of sessions in the evening or at night; the reports give none, "
            "shops also swipe in opening hours (inference)",
        ),
        "same_basket": Param(
            0,
            1,
            source="share of uses buying the ring's resaleable drug (semaglutide "
            "[NHSA-IND-3]; resold at 65% [FUTIAN-2020]) vs a mixed basket",
        ),
        "out_of_town_share": Param(
            0,
            1,
            source="share of cards from other cities: mostly out-of-town, 21 provinces (Wuhan) "
            "vs neighbourhood residents (Lanzhou 天天好 [NHSA-TRACE-8])",
        ),
        "outlets": Param(
            1,
            5,
            "int",
            weights=(0.5, 0.2, 0.15, 0.1, 0.05),
            source="one pharmacy (Lanzhou, Wuhan) to 21 institutions (Qinhuangdao)",
        ),
        "outlet_busyness": Param(
            0,
            1,
            source="quantile of the outlet's own normal traffic among street pharmacies: a busy "
            "shop's insiders too (Futian) (inference)",
        ),
        "period_days": Param(
            30,
            365,
            "int",
            log=True,
            source="a month of swiping (Futian) to 2 years (Qinhuangdao 2023-02 to 2024-12)",
        ),
    },
    "spatiotemporal": {
        "trips": Param(
            1,
            5,
            "int",
            weights=(0.4, 0.2, 0.15, 0.15, 0.1),
            source="one incident found by the card holder (Guilin [GUILIN-2025]) to repeated "
            "days with 4 hospitals (Shanghai 冯某 [FENG-2017])",
        ),
        "distance_km": Param(
            100,
            2500,
            log=True,
            source="urban to far suburb (Shanghai) to another province (Guilin to Neijiang, "
            "~900 km); cross-region card lending (Yinchuan [NHSA-IND-2])",
        ),
        "gap_fraction": Param(
            0.05,
            0.9,
            source="time between the two settlements as a share of the least possible "
            "door-to-door journey (straight line; car at 120 km/h, train at 300 km/h, plane at "
            "800 km/h, the least time at the ends): every such trip is impossible (inference)",
        ),
        "scheme": Param(
            kind="choice",
            choices=("lent_card", "phantom_billing"),
            weights=(0.6, 0.4),
            source="card or credential handed to someone elsewhere (Guilin, Yinchuan) vs an "
            "outlet billing a card it holds (remote scanning, Wuhan [WUHAN-2024])",
        ),
        "drugs_only": Param(
            0,
            1,
            source="share of away settlements with drugs only, no consultation or tests "
            "[FENG-2017]",
        ),
        "e_credential_share": Param(
            0,
            1,
            source="share of away settlements by e-credential (credential and face data "
            "handed over, Guilin) vs card",
        ),
        "away_places": Param(
            1,
            3,
            "int",
            weights=(0.6, 0.3, 0.1),
            source="institutions used away from home (inference)",
        ),
    },
    "deceased_claims": {
        "days_after_death": Param(
            1,
            400,
            log=True,
            source="first claim days to years after death: '人亡卡活' [DONGYANG]"
            "[DEATH-NOTICE-2026]; deaths since 2021 found in 2024 [TONGXIN-2024]",
        ),
        "claims": Param(
            1,
            30,
            "int",
            log=True,
            source="one refill (Ya'an ¥13.8k) to 48 settlements of one dead person "
            "(Shan County [SHANXIAN-2021])",
        ),
        "interval_days": Param(
            5,
            35,
            source="days between claims: chronic refills carry on as before [NHSA-IND-2]",
        ),
        "kind": Param(
            kind="choice",
            choices=("chronic_refill", "pharmacy", "clinic", "stay_billed_past_death"),
            weights=(0.35, 0.3, 0.2, 0.15),
            source="refills under the dead patient's identity (Ya'an, Changde [NHSA-IND-2]); a "
            "relative's card use [DONGYANG]; a village doctor [SHANXIAN-2021]; billing after "
            "an in-hospital death [DEATH-NOTICE-2026]",
        ),
        "physical_card_share": Param(
            0,
            1,
            source="share of claims with the physical card (relatives keep it [DONGYANG]) vs "
            "e-credential",
        ),
    },
    "split_admission": {
        "splits": Param(
            2,
            6,
            "int",
            source="admissions one stay is cut into (discharged unfit, readmitted soon "
            "[JIASHAN-2023]); back-to-back stays (Yichang [XIANGYANG-2026])",
        ),
        "gap_days": Param(
            0.25,
            15,
            log=True,
            source="days from discharge to readmission: 1–2 days (secondary [SPLIT-SECONDARY]); "
            "local rules count 15 days [SPLIT-QA]",
        ),
        "changed_diagnosis_share": Param(
            0,
            1,
            source="share of readmissions under a changed main diagnosis, one of the seven "
            "forms [JIASHAN-2023]",
        ),
        "stay_days": Param(
            2,
            12,
            source="length of each part (inference)",
        ),
        "patients": Param(
            1,
            8,
            "int",
            log=True,
            source="patients split by one institution: 30+ patients, 400+ admissions at a "
            "township centre (secondary [SPLIT-SECONDARY]); a hospital's practice "
            "[JIASHAN-2023]",
        ),
        "transfer_share": Param(
            0,
            0.5,
            source="share of readmissions at a second institution: transferring unfit patients "
            "[JIASHAN-2023]",
        ),
        "episodes": Param(
            1,
            3,
            "int",
            weights=(0.6, 0.3, 0.1),
            source="split stays per patient in the year: 400+ admissions for 30+ patients "
            "(secondary [SPLIT-SECONDARY])",
        ),
    },
}

# ---------------------------------------------------------------------- the sweep's cells
CELLS: dict[str, tuple[Axis, Axis]] = {
    "prescription_buyer": (
        Axis("ring_size", (1, 5), names=("1", "2–5", "6–20")),
        Axis("supply_ratio", (2.0, 3.0), "×"),
    ),
    "recycled_drug": (
        Axis("boxes", (5, 20), names=("2–5", "6–20", "21–80")),
        Axis("resale_days", (15, 35), "days"),
    ),
    "inpatient_recruitment": (
        Axis("admissions_per_recruit", (1.5, 2.5)),
        Axis("wave_size", (10,), names=("3–10", "11–40")),
    ),
    "card_pooling": (
        Axis("cards", (15, 35), names=("5–15", "16–35", "36–70")),
        Axis("burst_share", (0.33, 0.67)),
    ),
    "spatiotemporal": (
        Axis("trips", (1, 2), names=("1", "2", "3–5")),
        Axis("distance_km", (300, 800), "km"),
    ),
    "deceased_claims": (
        Axis("claims", (1, 3), names=("1", "2–3", "4–30")),
        Axis("days_after_death", (30, 120), "days"),
    ),
    "split_admission": (
        Axis("gap_days", (2, 5), "days"),
        Axis("changed_diagnosis_share", (0.5,)),
    ),
}

TYPOLOGIES = tuple(SPACE)


def check(variation: Variation | None) -> dict[str, Params]:
    """The pinned values, coerced to their parameters' types. ValueError on an unknown
    typology or parameter, or a value outside its declared range."""
    out: dict[str, Params] = {}
    for typ, fixed in (variation or {}).items():
        if typ not in SPACE:
            raise ValueError(f"unknown typology {typ!r} (one of {', '.join(SPACE)})")
        got: Params = {}
        for name, v in fixed.items():
            p = SPACE[typ].get(name)
            if p is None:
                raise ValueError(f"unknown parameter {typ}.{name} (one of {', '.join(SPACE[typ])})")
            try:
                got[name] = p.coerce(v)
            except ValueError as exc:
                raise ValueError(f"{typ}.{name}: {exc}") from None
        out[typ] = got
    return out


def draw(typology: str, key: str, ring: int, fixed: Mapping[str, Value] | None = None) -> Params:
    """The parameters of one ring: pinned values as given, the rest drawn, each from its own
    stream keyed by (key, typology, ring, parameter)."""
    fixed = fixed or {}
    out: Params = {}
    for name, p in SPACE[typology].items():
        if name in fixed:
            out[name] = fixed[name]
        else:
            out[name] = p.draw(random.Random(f"var:{key}:{typology}:{ring}:{name}"))
    return out


def parse_fix(items: Iterable[str]) -> dict[str, Params]:
    """``["typology.param=value", ...]`` (as given to ``--fix``) as a variation dict;
    ValueError on a malformed item (values are checked by :func:`check`)."""
    out: dict[str, Params] = {}
    for item in items:
        left, sep, value = item.partition("=")
        typ, dot, name = left.strip().partition(".")
        if not sep or not dot or not typ or not name or not value.strip():
            raise ValueError(f"--fix wants typology.param=value, got {item!r}")
        v: Value = value.strip()
        with contextlib.suppress(ValueError):
            v = float(str(v))
        out.setdefault(typ, {})[name] = v
    return out


def cell_of(typology: str, params: Mapping[str, Value]) -> tuple[int, ...]:
    """The cell (bin index per axis) of a ring of this typology with these params."""
    return tuple(ax.bin(float(params[ax.param])) for ax in CELLS[typology])


def describe_space() -> str:
    """The space as text: per typology, each parameter's range and source."""
    lines = []
    for typ, params in SPACE.items():
        lines.append(typ)
        for name, p in params.items():
            lines.append(f"  {name:<24} {p.describe():<34} {p.source}")
        ax = CELLS[typ]
        lines.append("  cells: " + " × ".join(f"{a.param} {'/'.join(a.labels())}" for a in ax))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sweep options of a generate command: ``--rings N`` and ``--fix
    typology.param=value`` (repeatable)."""
    parser.add_argument(
        "--rings",
        type=int,
        default=None,
        help="rings per typology (default: by the number of persons, 8 at 20,000)",
    )
    parser.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="TYPOLOGY.PARAM=VALUE",
        help="pin one variation parameter for every ring of a typology (repeatable; "
        "the space: python -m fraudrings.synth --space)",
    )


def from_args(args: argparse.Namespace) -> dict[str, object]:
    """generate() keyword arguments from the options of :func:`add_arguments`; ValueError
    on a malformed or out-of-range --fix."""
    fixed = check(parse_fix(args.fix or []))
    return {"variation": fixed or None, "rings_per_typology": args.rings}


def space_markdown() -> str:
    """The space and the cells as markdown tables (for docs/robustness.md)."""
    out = []
    for typ, params in SPACE.items():
        out += [f"#### {typ}", "", "| parameter | range | from the reports |", "|---|---|---|"]
        for name, p in params.items():
            out.append(f"| `{name}` | {p.describe()} | {p.source} |")
        ax = CELLS[typ]
        cells = " × ".join(f"`{a.param}` ({' / '.join(a.labels())})" for a in ax)
        out += ["", f"Cells: {cells}.", ""]
    return "\n".join(out)
