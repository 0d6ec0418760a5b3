"""Contracts' months recomputed independently from the plan's own tables (the --json document): labour cost
shared by required FTE, billable hours, the month's service level and its penalty or bonus, the margin; a short
month's service level from a textbook Erlang C (scipy's incomplete gamma) at the staffed agents."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import gammaincc, gammaln

from casashore.domain.loading import parse_toml, validated
from casashore.growth.run import run_growth
from casashore.growth.scenario import GrowthScenario
from growth_scenarios import SMALL_PARK


@pytest.fixture(scope="module")
def result():
    return run_growth(validated(GrowthScenario, parse_toml(SMALL_PARK, "scenario")), "small")


def textbook_service_level(n: float, a: float, aht: float, target: float) -> float:
    """1 - C(n, a) exp(-(n - a) t / AHT), Erlang B by the incomplete gamma (any real n), C from B."""
    if a == 0:
        return 1.0
    if n <= a:
        return 0.0
    log_b = n * math.log(a) - a - gammaln(n + 1) - math.log(gammaincc(n + 1, a))
    b = math.exp(log_b)
    c = b / (1 - (a / n) * (1 - b))
    return 1 - c * math.exp(-(n - a) * target / aht)


def test_margins_recomputed_from_the_plans_tables(result):
    doc = result.to_json()
    pools = {p["language"]: p["months"] for p in doc["hiring"]}
    demand = {q["queue"]: q for q in doc["demand"]}
    scenario = validated(GrowthScenario, parse_toml(SMALL_PARK, "scenario"))
    checked = 0
    for contract, table in zip(scenario.contracts, doc["contracts"], strict=True):
        for m, row in enumerate(table["months"]):
            labour = revenue_hours = contacts = weighted = 0.0
            for q in contract.queues:
                d = demand[q.name]["months"][m]
                pool = pools[q.language][m]
                cost = pool["salaries"] + pool["hiring_cost"] + pool["overtime_cost"]
                if pool["required_fte"] > 0:
                    labour += cost * d["fte"] / pool["required_fte"]
                    ratio = (pool["productive_fte"] + pool["overtime_fte"]) / pool["required_fte"]
                    assert d["staffed_ratio"] == pytest.approx(ratio, rel=1e-5)
                    revenue_hours += d["on_phone_hours"] * min(ratio, 1.0)
                contacts += d["contacts"]
                weighted += d["contacts"] * (d["service_level"] or 0.0)
            level = weighted / contacts if contacts else None
            assert row["labour_cost"] == pytest.approx(labour, rel=1e-5, abs=1e-3)
            if level is None:
                assert row["service_level"] is None and row["penalty"] == 0 and row["bonus"] == 0
                continue
            assert row["service_level"] == pytest.approx(level, rel=1e-5)
            points = 100 * (level - contract.service_level)
            penalty = contract.penalty_per_point * max(-points, 0)
            bonus = contract.bonus_per_point * min(max(points, 0), contract.bonus_cap_points)
            assert row["penalty"] == pytest.approx(penalty, rel=1e-4, abs=1e-2)
            assert row["bonus"] == pytest.approx(bonus, rel=1e-4, abs=1e-2)
            revenue = contract.price * (revenue_hours if contract.billing == "hour" else row["handled"])
            assert row["revenue"] == pytest.approx(revenue, rel=1e-5, abs=1e-3)
            assert row["margin"] == pytest.approx(revenue + bonus - penalty - labour, rel=1e-5, abs=1e-2)
            checked += 1
    assert checked >= 20
    summary = doc["summary"]
    total_labour = [sum(p[m]["salaries"] + p[m]["hiring_cost"] + p[m]["overtime_cost"] for p in pools.values())
                    for m in range(12)]
    assert [s["labour_cost"] for s in summary] == pytest.approx(total_labour, rel=1e-6)


def test_a_short_month_has_the_textbook_service_level(result):
    """The English pool cannot hire before March (two months' lead): Telco's February is short, its service
    level Erlang C's at the few staffed agents, hour by hour, weighted by calls."""
    english = next(q for q in result.queues if q.demand.queue == "telco-en")
    short = [m for m in range(12) if english.ratio[m] < 1 - 1e-6]
    assert 1 in short
    for m in short + [11]:
        d = english.demand
        calls = d.calls[m]
        levels = [textbook_service_level(english.agents[m, h], calls[h] * d.aht_s / 3600, d.aht_s, d.target_s)
                  for h in range(24)]
        expected = float(np.dot(levels, calls) / calls.sum()) if calls.sum() else math.nan
        assert english.service_level[m] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_seats_and_phases(result):
    doc = result.to_json()
    tower = doc["buildings"][0]
    agents = sum(q.agents for q in result.queues)
    trainees = sum(p.plan.trainees for p in result.pools)
    for m, row in enumerate(tower["months"]):
        assert row["seats_busiest_hour"] == math.ceil(round(agents[m].max() / 0.9 + trainees[m], 9))
        # the busiest week's schedule (tests/test_growth_week.py) holds at least the busiest hour's agents
        assert row["on_shift_peak"] >= math.ceil(round(agents[m].max(), 9)) - 1e-9
        assert row["seats_needed"] == math.ceil(round(row["on_shift_peak"] / 0.9 + trainees[m], 9))
        assert row["seats_needed"] >= row["seats_busiest_hour"]
        assert row["seats_open"] == (40 if m < 8 else 80)
        assert row["seats_short"] == max(0, row["seats_needed"] - row["seats_open"])
    need = [row["seats_needed"] for row in tower["months"]]
    p2 = tower["phases"][1]
    first_over = next((m for m, n in enumerate(need) if n > 40), None)
    assert p2["needed_by"] == (None if first_over is None else doc["months"][first_over])
    assert p2["late"] == (first_over is not None and first_over < 8)
