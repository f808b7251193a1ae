"""Thresholds and weights of the detectors, in one typed object.

Every threshold carries its reason from clinical or real-world practice or from the
public case reports (``shared/fraud-patterns.md``), not from the generator: a chronic
patient refilling on time is not a buyer, a family admitted once is not a ring, an
online platform is not a card reader. ``bench/robustness.py`` measures them over the
generator's whole variation space; ``fraudrings evaluate`` on one drop.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class RecycledConfig(BaseModel):
    min_boxes: int = Field(
        default=1, description="one box sold twice without a return is already a resale (NHSA)"
    )
    max_papered_boxes: int = Field(
        default=2,
        description="a chain this small whose every resold code has its own purchase record "
        "may be codes printed twice (NHSA rules that out before it acts)",
    )
    max_evidence: int = 500
    weights: dict[str, float] = {"boxes": 0.4, "sellers": 0.2, "laundering": 0.2, "speed": 0.2}


class BuyerConfig(BaseModel):
    min_unit_price: float = Field(
        default=0.0,
        description="no floor on the box price: the over-quantity rule (超量开药) names none and "
        "cases include antihypertensives and antidiabetics; what a buyer is worth enters "
        "through min_amount",
    )
    include_key_monitored: bool = Field(
        default=True, description="key-monitored drugs (重点监控) are resold whatever their price"
    )
    min_lines: int = Field(
        default=4, description="four fills make a habit; fewer are one stock-up before travel"
    )
    min_ratio: float = Field(
        default=1.3,
        description="supply days over elapsed days: refills allowed once two thirds of a "
        "supply is used give at most 1.5, on time 1.0; below 1.3 no one is a candidate",
    )
    min_norm_persons: int = Field(
        default=30,
        description="regular buyers a drug needs before its own norm replaces the label's dose",
    )
    min_amount: float = Field(
        default=100.0,
        description="yuan of the fund's share of the excess for a buyer standing alone, and "
        "for a ring as a whole: below it the resale margin (40-60% of the price to the "
        "collector) pays for nothing; a ring's members are held by its coordination",
    )
    min_amount_alone: float = Field(
        default=300.0,
        description="yuan of the fund's share of the excess for a lead of one buyer with no "
        "ring: a patient stocking up ahead of a holiday or a trip home over-buys a few "
        "boxes, up to a few hundred yuan (inference); one buyer is a lead beyond that",
    )
    normal_ratio: float = Field(
        default=1.15, description="the ratio factor starts here (on-time refills, a holiday)"
    )
    min_score: float = Field(
        default=0.4,
        description="a buyer standing alone: above the ratio gate, early refills and a "
        "second doctor or outlet together, which a patient refilling on time never shows",
    )
    min_group_score: float = Field(
        default=0.35, description="a ring: members' mean with the coordination bonus"
    )
    weak_score: float = Field(
        default=0.25,
        description="a buyer just above normal counts only inside a ring of two or more "
        "households that act together",
    )
    overlap_remaining: float = Field(
        default=0.5, description="a refill is early if this share of the last supply is left"
    )
    pickup_window_hours: float = Field(
        default=3.0, description="a collector brings his recruits to the counter in one trip"
    )
    min_co_pickups: int = Field(
        default=2, description="meeting once at a pharmacy is chance; twice is a habit"
    )
    min_co_pickup_share: float = Field(
        default=0.25,
        description="share of the rarer visitor's pickups at that outlet made together: two "
        "regulars of a busy pharmacy meet by chance on a few of their many visits; a "
        "collector brings his recruits on a good part of theirs",
    )
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
    window_hours: float = Field(
        default=24.0, description="a wave is admitted within a day (a minibus, one morning)"
    )
    close_hours: float = Field(
        default=2.0, description="arrivals this close came together (one vehicle, one roll-call)"
    )
    simultaneous_hours: float = Field(
        default=6.0,
        description="a tie needs arrival within half a day or discharge on the same day: "
        "care-home residents admitted one at a time never tie",
    )
    min_tie_bits: float = Field(
        default=6.0,
        description="bits a pair needs at a quiet institution (about 1 in 64 by chance); "
        "a busy one needs log2(rate^2/2) more",
    )
    bits_village: float = Field(
        default=8.0, description="one village of a few hundred among a region's hundred thousands"
    )
    bits_phone: float = Field(default=10.0, description="a phone is a household or a recruiter")
    bits_close: float = Field(
        default=1.5, description="arrivals within close_hours: a third of day-time pairs"
    )
    bits_discharge: float = Field(
        default=2.5, description="discharged the same day: about one pair in six by chance"
    )
    bits_surge: float = Field(
        default=4.0, description="both admitted on a day the institution's rate cannot explain"
    )
    surge_p: float = Field(
        default=0.001,
        description="a day is a surge when the institution's own daily rate gives its "
        "admission count less often than this (about once in three years)",
    )
    max_origin_persons: int = Field(
        default=60, description="a village key or phone held by more inpatients is not an origin"
    )
    max_origin_share: float = Field(
        default=0.01, description="... or by more than this share of all inpatients"
    )
    max_household: int = Field(
        default=6,
        description="an exact address held by more persons is a collective dwelling (care "
        "home, dormitory), not a household or a village's house",
    )
    min_los_coherence: float = Field(
        default=0.6,
        description="share of a wave's stays within 1.5 days of its median length: fake "
        "stays are templated (4 days each in Shenyang), real patients' lengths vary",
    )
    min_wave_size: int = Field(
        default=3, description="persons in a wave: a pair is a couple, three are a group"
    )
    min_waves: int = Field(
        default=2, description="recruiting is repeated business: a ring fills beds again"
    )
    min_wave_share: float = Field(
        default=0.5,
        description="of the members' stays at the ring's institutions, the share in waves: "
        "care-home residents admitted one at a time fall far below",
    )
    big_wave: int = Field(
        default=8,
        description="one wave this large, most of it from one village (a minibus, the "
        "Shenyang and Taihe cases), is a lead alone; families are smaller, employers' "
        "groups come from all over the city",
    )
    short_stay_days: float = Field(
        default=10.0, description="fake stays in the cases last 4 days to a week or two"
    )
    min_members: int = Field(default=3, description="a group, not a couple")
    min_score: float = Field(default=0.35, description="structure filters; the score ranks")
    max_evidence: int = 300
    weights: dict[str, float] = {
        "waves": 0.2,
        "wave_size": 0.1,
        "simultaneous": 0.1,
        "short_stays": 0.1,
        "same_diagnosis": 0.1,
        "shared_origin": 0.1,
        "profile": 0.1,
        "institution_share": 0.15,
        "far_from_home": 0.05,
    }


class DeceasedConfig(BaseModel):
    min_days_after: int = Field(
        default=1,
        description="a visit beginning the day after death: the day of death itself may be "
        "a final settlement",
    )
    max_evidence: int = 200


class TravelConfig(BaseModel):
    min_km: float = Field(
        default=80.0, description="closer places are one metropolitan area: never flagged"
    )
    car_kmh: float = Field(
        default=120.0,
        description="by road: expressway speed over the straight-line distance (roads are "
        "longer, so this is generous)",
    )
    ground_kmh: float = Field(default=300.0, description="high-speed rail between stations")
    rail_overhead_h: float = Field(
        default=0.75, description="to the station, boarding, from the station"
    )
    flight_kmh: float = Field(default=800.0, description="a domestic jet's block speed")
    flight_overhead_h: float = Field(
        default=3.0, description="to the airport, check-in, from the airport"
    )
    min_events: int = Field(
        default=1,
        description="one physically impossible pair is already a lead in the national "
        "model; repeats raise the score",
    )
    suspect_km: float = Field(
        default=150.0,
        description="a prefecture seldom reaches farther from its centre: a place this far "
        "from the other places of its city was geocoded wrongly",
    )
    weights: dict[str, float] = {"impossible_trips": 0.2, "shortfall": 0.2, "distance": 0.1}
    max_evidence: int = 200

    def needed_hours(self, km: float) -> float:
        """The least plausible door-to-door time over ``km``: the fastest of car, rail and
        flight (the same rule as queries/detect_impossible_travel.cypher, which takes
        these fields as params)."""
        return min(
            km / self.car_kmh,
            km / self.ground_kmh + self.rail_overhead_h,
            km / self.flight_kmh + self.flight_overhead_h,
        )


class PoolingConfig(BaseModel):
    session_minutes: float = Field(
        default=10.0,
        description="swipes this close follow one another at one counter (a stack of cards "
        "takes seconds to minutes a card)",
    )
    max_session_persons: int = Field(
        default=40, description="a longer run is a queue at a busy counter, not one hand"
    )
    min_co_sessions: int = Field(
        default=2,
        description="two cards swiped together on two different days: a held pool, not "
        "two customers in a queue",
    )
    min_cards: int = Field(
        default=5, description="more cards than a household (4 family cards in Xuhui)"
    )
    min_density: float = Field(
        default=1.5,
        description="links per card inside a ring: a pool is swiped in many combinations",
    )
    min_strangers: float = Field(
        default=0.3,
        description="pooled cards are unrelated people's, out of town or never otherwise "
        "here; friends who always shop together are regulars",
    )
    resolution: float = 1.0
    seed: int = 42
    min_score: float = Field(
        default=0.4, description="repeated co-swipes alone are a habit; more must agree"
    )
    min_hour_persons: int = Field(default=5, description="pre-filter: persons per clock hour")
    burst_minutes: float = Field(
        default=45.0, description="a stack of cards swiped one after another, not a queue"
    )
    min_burst_persons: int = Field(
        default=6, description="more cards than one household or care-home trip brings"
    )
    min_bursts: int = Field(
        default=2, description="pooling is repeated business (cards kept for months)"
    )
    max_members: int = Field(
        default=150,
        description="the largest ring in the cases pooled 70+ cards; past this a lead "
        "keeps the cards that look pooled",
    )
    min_far_uses: int = Field(
        default=2,
        description="a card of another city used twice at one pharmacy: once is a traveller",
    )
    min_far_cards: int = Field(
        default=5,
        description="cards of other cities kept in one shop, each also used at home in "
        "between: more than a household's (4 family cards in Xuhui)",
    )
    basket_max_visits: int = Field(
        default=2,
        description="a borrowed card is swiped at the shop once or twice; regulars come more",
    )
    min_basket_value: float = Field(
        default=300.0,
        description="yuan a swipe must be worth: borrowed cards are swiped for a resaleable "
        "drug (semaglutide, resold at 65%), not for a few yuan of cold remedies",
    )
    basket_minutes: float = Field(
        default=20.0, description="one card after another at the counter, minutes apart"
    )
    basket_min_persons: int = Field(
        default=3,
        description="three strangers buying the very same basket in a row is no queue",
    )
    basket_min_days: int = Field(
        default=2, description="pooling is repeated business: such a run on two days"
    )
    burst_min_score: float = Field(
        default=0.5, description="bursts alone are a busy shop; half the evidence must be more"
    )
    burst_weights: dict[str, float] = {
        "bursts": 0.2,
        "burst_size": 0.15,
        "odd_hours": 0.15,
        "same_basket": 0.25,
        "strangers": 0.25,
    }
    surge_minutes: tuple[float, ...] = Field(
        default=(20.0, 60.0, 180.0),
        description="windows a surge is sought in: a stack of cards takes seconds to "
        "minutes a card, and up to 25 cards in one sitting",
    )
    surge_min_block: int = Field(
        default=4,
        description="pre-filter: settlements in three consecutive hours at one shop before "
        "its arrivals are read",
    )
    surge_min_households: int = Field(
        default=4,
        description="unexplained arrivals in a window: more than one family's cards (4 "
        "family cards in Xuhui); a household counts once",
    )
    surge_min_surprise: float = Field(
        default=5.0,
        description="-log10 of the chance that the shop's own trade at that hour brings "
        "that many strangers, after correcting for every window tried at the shop: about "
        "one false alarm per 100,000 shops",
    )
    surge_min_stranger_share: float = Field(
        default=0.5,
        description="of the arrivals beyond the shop's usual trade, the share that must be "
        "unexplained: a member day's or a clinic's crowd brings regulars and prescriptions "
        "along with a few newcomers, a drawer of cards brings only strangers",
    )
    surge_regular_days: int = Field(
        default=4,
        description="a person who settled at the shop on this many days is a regular: a "
        "member day or a promotion brings regulars, a drawer of cards brings strangers",
    )
    surge_rate_floor: float = Field(
        default=0.5,
        description="settlements a year assumed at an hour the shop never served: no hour "
        "is taken to be certainly empty",
    )
    max_evidence: int = 300
    weights: dict[str, float] = {
        "cards": 0.15,
        "sessions": 0.15,
        "same_basket": 0.2,
        "strangers": 0.25,
        "odd_hours": 0.1,
        "density": 0.15,
    }


class SplitConfig(BaseModel):
    max_gap_days: float = Field(
        default=15.0,
        description="the common local rule: the same disease readmitted within 15 days "
        "(planned cycles, per-session stays and transfers up are set aside)",
    )
    changed_gap_days: float = Field(
        default=5.0,
        description="a changed main diagnosis counts only this soon: a new condition weeks "
        "later is a new illness, a new label days later is a split",
    )
    min_splits: int = Field(
        default=2, description="one readmission is a relapse; two make a pattern"
    )
    max_evidence: int = 200


class DetectConfig(BaseModel):
    recycled: RecycledConfig = Field(default_factory=RecycledConfig)
    buyers: BuyerConfig = Field(default_factory=BuyerConfig)
    inpatient: InpatientConfig = Field(default_factory=InpatientConfig)
    deceased: DeceasedConfig = Field(default_factory=DeceasedConfig)
    travel: TravelConfig = Field(default_factory=TravelConfig)
    pooling: PoolingConfig = Field(default_factory=PoolingConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
