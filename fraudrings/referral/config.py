"""Legal thresholds per province and the quoted provisions, from a TOML file.

The national ranges are fixed here (the law); each province's figures come from
``referral/thresholds.toml`` (or the file named by ``FRAUDRINGS_REFERRAL_THRESHOLDS``)
and must lie inside them, or loading fails with the reason.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Final

from pydantic import BaseModel, Field, ValidationError, model_validator

HERE: Final[Path] = Path(__file__).resolve().parent
DEFAULT_FILE: Final[Path] = HERE / "thresholds.toml"

# tier -> (lowest, highest) figure a province may fix, in yuan
NATIONAL_RANGES: Final[dict[str, tuple[float, float]]] = {
    "relatively_large": (3_000, 10_000),
    "huge": (30_000, 100_000),
    "especially_huge": (500_000, 500_000),
    "drug_trade": (50_000, 50_000),
}
TIER_ZH: Final[dict[str, str]] = {
    "relatively_large": "数额较大",
    "huge": "数额巨大",
    "especially_huge": "数额特别巨大",
    "drug_trade": "非法收购、销售骗保药品五万元",
}
FRAUD_TIERS: Final[tuple[str, ...]] = ("relatively_large", "huge", "especially_huge")


class ConfigError(ValueError):
    """The thresholds file is missing, unreadable or outside the national ranges."""


class ProvinceThresholds(BaseModel):
    name: str
    relatively_large: float = Field(description="数额较大: from this amount")
    huge: float = Field(description="数额巨大: from this amount")
    especially_huge: float = Field(description="数额特别巨大: from this amount")
    drug_trade: float = Field(description="knowingly buying/selling fraud-obtained drugs")
    note: str = ""

    @model_validator(mode="after")
    def _within_national_ranges(self) -> ProvinceThresholds:
        for tier, (lo, hi) in NATIONAL_RANGES.items():
            v = getattr(self, tier)
            if not lo <= v <= hi:
                raise ValueError(
                    f"{self.name}: {tier} ({TIER_ZH[tier]}) is {v:g}, outside the national "
                    f"range {lo:g}-{hi:g}"
                )
        if not self.relatively_large < self.huge < self.especially_huge:
            raise ValueError(f"{self.name}: the fraud tiers must increase")
        return self

    def figure(self, tier: str) -> float:
        return float(getattr(self, tier))


class Provision(BaseModel):
    article: str
    text: str = Field(max_length=400, description="a short excerpt; configurable")


class ReferralConfig(BaseModel):
    fraud_amount_includes_personal_account: bool = True
    provinces: dict[str, ProvinceThresholds]
    provisions: dict[str, Provision]

    @model_validator(mode="after")
    def _complete(self) -> ReferralConfig:
        if "default" not in self.provinces:
            raise ValueError("provinces.default is required")
        for code in self.provinces:
            if code != "default" and not (len(code) == 2 and code.isdigit()):
                raise ValueError(f"province key {code!r} is not a 2-digit division code")
        missing = {"fraud", "concealment", "drug_trade"} - set(self.provisions)
        if missing:
            raise ValueError(f"provisions missing: {', '.join(sorted(missing))}")
        return self

    def province_of(self, region: str | None) -> tuple[str, ProvinceThresholds]:
        """The figures of the region's province (first two digits), else the default."""
        code = (region or "")[:2]
        if code in self.provinces:
            return code, self.provinces[code]
        return "default", self.provinces["default"]


def parse(text: str, source: str = "<text>") -> ReferralConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return ReferralConfig.model_validate(data)
    except ValidationError as exc:
        msgs = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{source}: {msgs}") from None


@cache
def load(path: Path | None = None) -> ReferralConfig:
    p = path or DEFAULT_FILE
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the referral thresholds {p}: {exc}") from None
    return parse(text, str(p))
