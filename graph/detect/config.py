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


class DeceasedConfig(BaseModel):
    min_days_after: int = Field(default=1, description="days after death a visit must begin")
    max_evidence: int = 200


class TravelConfig(BaseModel):
    min_km: float = 80.0
    ground_kmh: float = 300.0  # high-speed rail, door to door a little less
    flight_km: float = 800.0
    flight_kmh: float = 800.0
    flight_overhead_h: float = 3.0
    min_events: int = Field(default=2, description="impossible trips a person needs")
    max_evidence: int = 200

    def needed_hours(self, km: float) -> float:
        """The least plausible travel time over ``km`` (the same rule as
        queries/detect_impossible_travel.cypher, which takes these fields as params)."""
        if km <= self.flight_km:
            return km / self.ground_kmh
        return km / self.flight_kmh + self.flight_overhead_h


class PoolingConfig(BaseModel):
    min_hour_persons: int = Field(default=5, description="pre-filter: persons per clock hour")
    burst_minutes: float = 45.0
    min_burst_persons: int = 6
    min_bursts: int = 2
    min_score: float = 0.5
    max_evidence: int = 300
    weights: dict[str, float] = {
        "bursts": 0.2,
        "burst_size": 0.15,
        "odd_hours": 0.15,
        "same_basket": 0.25,
        "strangers": 0.25,
    }


class SplitConfig(BaseModel):
    max_gap_days: float = 5.0
    min_splits: int = Field(default=2, description="readmissions that make a pattern")
    max_evidence: int = 200


class DetectConfig(BaseModel):
    recycled: RecycledConfig = Field(default_factory=RecycledConfig)
    buyers: BuyerConfig = Field(default_factory=BuyerConfig)
    inpatient: InpatientConfig = Field(default_factory=InpatientConfig)
    deceased: DeceasedConfig = Field(default_factory=DeceasedConfig)
    travel: TravelConfig = Field(default_factory=TravelConfig)
    pooling: PoolingConfig = Field(default_factory=PoolingConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
