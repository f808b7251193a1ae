"""Card pooling as a surge: the scan statistic against known answers and a seeded
Poisson background."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from fraudrings.graph.detect.config import PoolingConfig
from fraudrings.graph.detect.surges import (
    Window,
    disjoint,
    expected,
    hourly_rates,
    log10_tail,
    surge_windows,
)

CFG = PoolingConfig()


def _oracle_tail(k: int, mu: float) -> float:
    return 1.0 - sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k))


@pytest.mark.parametrize(("k", "mu"), [(1, 0.5), (3, 2.5), (5, 1.0), (10, 4.0), (2, 0.01)])
def test_log10_tail_matches_one_minus_the_cdf(k: int, mu: float) -> None:
    assert log10_tail(k, mu) == pytest.approx(math.log10(_oracle_tail(k, mu)), abs=1e-9)


def test_log10_tail_stays_finite_far_in_the_tail() -> None:
    # 1 - CDF rounds to 0 here; the first term dominates the sum
    first = (-0.003 + 30 * math.log(0.003) - math.lgamma(31)) / math.log(10)
    assert log10_tail(30, 0.003) == pytest.approx(first, abs=1e-3)
    assert log10_tail(30, 0.003) < -100


def test_expected_integrates_the_hourly_rates_across_the_hour() -> None:
    rates = [0.0] * 24
    rates[9], rates[10] = 6.0, 60.0
    # 30 min of hour 9 (3 arrivals) and 30 min of hour 10 (30 arrivals)
    assert expected(datetime(2025, 3, 1, 9, 30), 60, rates) == pytest.approx(33.0)


def test_hourly_rates_divide_by_the_days_open_and_keep_a_floor() -> None:
    times = [datetime(2025, 1, 1, 9), datetime(2025, 1, 10, 9), datetime(2025, 1, 10, 15)]
    r = hourly_rates(times, floor=0.5)
    assert r[9] == pytest.approx(2 / 10)
    assert r[15] == pytest.approx(1 / 10)
    assert r[3] == pytest.approx(0.5 / 10)


def _rows(times: list[datetime], households: list[str] | None = None) -> list[dict[str, Any]]:
    hh = households or [f"h{i}" for i in range(len(times))]
    return [
        {"time": t, "psn_no": f"p{i}", "setl_id": f"s{i}", "household": h, "counted": True}
        for i, (t, h) in enumerate(zip(times, hh, strict=True))
    ]


def _stack(at: datetime, n: int, minutes: float = 1.5) -> list[datetime]:
    return [at + timedelta(minutes=minutes * i) for i in range(n)]


QUIET = [0.1] * 24  # one customer in ten days at each hour
BUSY = [12.0] * 24  # a dozen an hour


def test_a_stack_of_strangers_cards_at_a_quiet_shop_is_a_surge() -> None:
    rows = _rows(_stack(datetime(2025, 5, 13, 22, 6), 6))
    ws = disjoint(surge_windows(rows, QUIET, n_tests=3 * 2000, cfg=CFG))
    assert len(ws) == 1
    assert ws[0].households == 6
    assert (ws[0].start, ws[0].end) == (0, 6)


def test_the_same_stack_at_a_busy_shop_is_its_trade() -> None:
    rows = _rows(_stack(datetime(2025, 5, 13, 10, 6), 6))
    assert surge_windows(rows, BUSY, n_tests=3 * 50_000, cfg=CFG) == []


def test_one_households_cards_count_once() -> None:
    rows = _rows(_stack(datetime(2025, 5, 13, 22, 6), 6), ["care home"] * 6)
    assert surge_windows(rows, QUIET, n_tests=3 * 2000, cfg=CFG) == []


def test_explained_arrivals_do_not_count() -> None:
    rows = _rows(_stack(datetime(2025, 5, 13, 22, 6), 6))
    for r in rows[:3]:
        r["counted"] = False  # came with a prescription, or regulars
    assert surge_windows(rows, QUIET, n_tests=3 * 2000, cfg=CFG) == []


def test_disjoint_keeps_the_most_surprising_of_overlapping_windows() -> None:
    a = Window(9.0, 0, 6, 6, 0.1, 20)
    b = Window(7.0, 3, 9, 6, 0.1, 60)
    c = Window(6.0, 9, 12, 4, 0.1, 20)
    assert disjoint([b, c, a]) == [a, c]


def test_a_poisson_background_raises_no_alarm_and_a_planted_stack_is_found() -> None:
    rng = random.Random(7)
    start = datetime(2025, 1, 1)
    false_alarms = 0
    for shop in range(12):
        per_hour = [0.0] * 24
        for h in range(8, 21):
            per_hour[h] = rng.uniform(0.2, 6.0)  # arrivals a day at that hour
        times: list[datetime] = []
        for day in range(365):
            for h in range(24):
                for _ in range(_poisson(rng, per_hour[h])):
                    times.append(start + timedelta(days=day, hours=h, seconds=rng.randrange(3600)))
        times.sort()
        rates = hourly_rates(times, CFG.surge_rate_floor)
        rows = _rows(times)
        n_tests = len(rows) * len(CFG.surge_minutes)
        false_alarms += len(surge_windows(rows, rates, n_tests, CFG))
        if shop == 0:
            planted = sorted(times + _stack(datetime(2025, 6, 3, 15, 2), 10, minutes=2))
            prow = _rows(planted)
            found = disjoint(surge_windows(prow, rates, len(prow) * 3, CFG))
            assert found, "ten strangers in 20 minutes at a shop of a few an hour"
            assert found[0].households >= 10
    assert false_alarms == 0


def _poisson(rng: random.Random, mu: float) -> int:
    n, p, limit = 0, 1.0, math.exp(-mu)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def test_a_member_days_crowd_of_regulars_and_a_few_newcomers_is_no_surge() -> None:
    crowd = _rows(_stack(datetime(2025, 5, 8, 9, 0), 21, minutes=3))
    for k, r in enumerate(crowd):
        r["counted"] = k % 3 == 0  # 7 newcomers among 14 regulars
    assert surge_windows(crowd, QUIET, n_tests=3 * 2000, cfg=CFG) == []
    # the same newcomers alone are a stack of strangers' cards
    alone = [r for r in crowd if r["counted"]]
    assert disjoint(surge_windows(alone, QUIET, n_tests=3 * 2000, cfg=CFG))
