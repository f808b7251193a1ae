"""Thresholds and weights of the detectors, in one typed object.

Defaults are set for the clinical reality the policy asks us to respect (a chronic
patient refilling on time is not a buyer; a family admitted once is not a ring) and
were checked against the generator's look-alikes with ``fraudrings evaluate``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class RecycledConfig(BaseModel):
    min_boxes: int = Field(default=1, description="boxes a chain needs to become a lead")
    max_evidence: int = 500
    weights: dict[str, float] = {"boxes": 0.4, "sellers": 0.2, "laundering": 0.2, "speed": 0.2}


class BuyerConfig(BaseModel):
    min_unit_price: float = Field(default=150.0, description="high-value: pric_ref at least this")
    include_key_monitored: bool = True
    min_lines: int = 4
    min_ratio: float = Field(default=1.6, description="supply days over elapsed days")
    min_score: float = 0.5
    overlap_remaining: float = Field(
        default=0.5, description="a refill is early if this share of the last supply is left"
    )
    pickup_window_hours: float = 3.0
    min_co_pickups: int = 2
    resolution: float = 1.0
    seed: int = 42
    max_evidence: int = 300
    weights: dict[str, float] = {
        "ratio": 0.35,
        "overlap": 0.2,
        "prescribers": 0.15,
        "institutions": 0.15,
        "resold": 0.15,
    }


class InpatientConfig(BaseModel):
    window_hours: float = Field(default=24.0, description="admissions this close are co-admissions")
    min_pair_repeats: int = Field(default=2, description="co-admissions a pair needs to be linked")
    min_members: int = 3
    wave_gap_days: float = 3.0
    min_wave_size: int = 3
    min_waves: int = 2
    min_score: float = 0.5
    resolution: float = 1.0
    seed: int = 42
    max_evidence: int = 300
    weights: dict[str, float] = {
        "waves": 0.3,
        "short_stays": 0.15,
        "same_diagnosis": 0.15,
        "far_from_home": 0.15,
        "profile": 0.1,
        "institution_share": 0.15,
    }


class DetectConfig(BaseModel):
    recycled: RecycledConfig = Field(default_factory=RecycledConfig)
    buyers: BuyerConfig = Field(default_factory=BuyerConfig)
    inpatient: InpatientConfig = Field(default_factory=InpatientConfig)
