"""One park scenario from contracts to margins: demand per queue, a hiring plan per operator and language, the
staffing it gives each queue, the contracts' months, the buildings' seats and the cable. ``GrowthResult`` holds
the tables every output (the CLI's tables, --json, the CSV files) reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from casashore.growth.calendar import MonthShrinkage, month_label, months, shrinkage_by_month
from casashore.growth.contracts import ContractMonths, contract_months
from casashore.growth.demand import QueueDemand, queue_demand
from casashore.growth.hiring import HiringPlan, plan_hiring
from casashore.growth.history import QueueActuals, TrendFit
from casashore.growth.scenario import GrowthScenario
from casashore.growth.simulated import SimulationOptions, simulate_queue
from casashore.growth.space import BuildingMonths, CableMonths, building_months, cable_months
from casashore.growth.staffed import StaffedQueue, staffed_queue
from casashore.growth.week import PoolSchedules, week_seats


@dataclass(frozen=True)
class Pool:
    """One operator's agents of one language and their hiring plan."""

    operator: str
    plan: HiringPlan


@dataclass(frozen=True)
class GrowthHistory:
    """What the workspace's records give a scenario (growth/history.py), by contract queue name."""

    trends: dict[str, TrendFit] = field(default_factory=dict)
    actuals: dict[str, QueueActuals] = field(default_factory=dict)
    today: str | None = None


@dataclass(frozen=True)
class GrowthResult:
    name: str
    currency: str
    months: list[str]
    shrinkage: MonthShrinkage
    queues: list[StaffedQueue]
    pools: list[Pool]
    contracts: list[ContractMonths]
    buildings: list[BuildingMonths]
    cable: CableMonths | None
    history: GrowthHistory = field(default_factory=GrowthHistory)
    simulation: SimulationOptions | None = None

    def summary(self) -> list[dict]:
        """The park month by month: what the scenarios are compared by."""
        contacts = sum(c.contacts for c in self.contracts)
        # the contracts' levels as their terms measure them (actual, simulated or Erlang's), weighted by contacts
        weighted = sum(np.nan_to_num(c.service_level) * c.contacts for c in self.contracts)
        level = np.divide(weighted, contacts, out=np.full(len(contacts), np.nan), where=contacts > 0)
        figures = {
            "contacts": contacts,
            "required_fte": sum(p.plan.required for p in self.pools),
            "headcount": sum(p.plan.headcount for p in self.pools),
            "hires": sum(p.plan.hires for p in self.pools),
            "trainees": sum(p.plan.trainees for p in self.pools),
            "productive_fte": sum(p.plan.productive for p in self.pools),
            "overtime_fte": sum(p.plan.overtime for p in self.pools),
            "short_fte": sum(p.plan.short for p in self.pools),
            "labour_cost": sum(p.plan.labour_cost for p in self.pools),
            "revenue": sum(c.revenue for c in self.contracts),
            "penalties": sum(c.penalty for c in self.contracts),
            "bonuses": sum(c.bonus for c in self.contracts),
            "margin": sum(c.revenue + c.bonus - c.penalty for c in self.contracts)
            - sum(p.plan.labour_cost for p in self.pools),
            "service_level": level,
            "seats_needed": sum(b.seats_needed for b in self.buildings),
            "seats_open": sum(b.seats_open for b in self.buildings),
        }
        return [{"month": m} | {k: _number(v[i]) for k, v in figures.items()} for i, m in enumerate(self.months)]

    def to_json(self) -> dict:
        return {
            "scenario": self.name,
            "currency": self.currency,
            "months": self.months,
            "summary": self.summary(),
            "shrinkage": [{"month": m, "total": _number(self.shrinkage.total[i]), "leave": _number(
                self.shrinkage.leave[i]), "holidays": _number(self.shrinkage.holidays[i]),
                "ramadan": _number(self.shrinkage.ramadan[i])} for i, m in enumerate(self.months)],
            "demand": [_rows(self.months, queue=q.demand.queue, client=q.demand.client, operator=q.demand.operator,
                             language=q.demand.language, contacts=q.demand.contacts, open_days=q.demand.open_days,
                             on_phone_hours=q.demand.on_phone_hours, fte=q.demand.fte,
                             peak_agents=q.demand.agents.max(axis=1), staffed_ratio=q.ratio,
                             service_level=q.service_level, **_simulated_columns(q.simulated))
                       for q in self.queues],
            "hiring": [{"operator": p.operator, "language": p.plan.language, "stopped_by": p.plan.stopped_by,
                        "objective": _number(p.plan.objective), "bound": _number(p.plan.bound),
                        "cost": _number(p.plan.cost),
                        "months": _rows(self.months, required_fte=p.plan.required, hires=p.plan.hires,
                                        classes=p.plan.classes, headcount=p.plan.headcount,
                                        trainees=p.plan.trainees, productive_fte=p.plan.productive,
                                        overtime_fte=p.plan.overtime, short_fte=p.plan.short,
                                        salaries=p.plan.salaries, hiring_cost=p.plan.hiring_cost,
                                        overtime_cost=p.plan.overtime_cost)} for p in self.pools],
            "contracts": [{"client": c.client, "operator": c.operator, "sector": c.sector, "goal": c.goal,
                           "months": [row | {"source": source} for row, source in zip(_rows(
                               self.months, contacts=c.contacts, handled=c.handled,
                               billable_hours=c.billable_hours, service_level=c.service_level,
                               erlang_service_level=c.erlang_service_level,
                               **_simulated_columns(c.simulated), revenue=c.revenue, bonus=c.bonus,
                               penalty=c.penalty, labour_cost=c.labour_cost, margin=c.margin), c.source,
                               strict=True)]} for c in self.contracts],
            "buildings": [{"building": b.building,
                           "phases": [vars(p) for p in b.phases],
                           "schedule_stopped_by": b.schedule_stopped_by,
                           "months": _rows(self.months, peak_on_phones=b.peak_on_phones,
                                           on_shift_peak=b.on_shift_peak, trainees=b.trainees,
                                           seats_busiest_hour=b.seats_busiest_hour,
                                           seats_needed=b.seats_needed, seats_open=b.seats_open,
                                           seats_short=b.seats_short, floor_m2_needed=b.floor_m2_needed)}
                          for b in self.buildings],
            "today": self.history.today,
            "trends": [vars(t) | {k: _number(getattr(t, k)) for k in ("slope_per_month", "slope_se", "trend_yearly",
                                                                       "trend_yearly_se")}
                       for t in self.history.trends.values()],
            "simulation": None if self.simulation is None else vars(self.simulation),
            "cable": None if self.cable is None else _rows(self.months, lines=self.cable.lines,
                                                           bandwidth_bps=self.cable.bandwidth_bps,
                                                           share=self.cable.share),
        }


def _number(value) -> float | int | None:
    """A JSON number: whole counts as integers, NaN as null, other values rounded to 6 decimals (the solver's
    last digits are noise)."""
    value = float(value)
    if np.isnan(value):
        return None
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def _simulated_columns(simulated) -> dict:
    """The simulated level's columns (mean, 95 % interval), none when not simulated."""
    if simulated is None:
        return {}
    mean, low, high = simulated if isinstance(simulated, tuple) else (simulated.mean, simulated.low, simulated.high)
    return {"simulated_service_level": mean, "simulated_low": low, "simulated_high": high}


def _rows(labels: list[str], **columns) -> list[dict] | dict:
    texts = {k: v for k, v in columns.items() if isinstance(v, str)}
    series = {k: v for k, v in columns.items() if not isinstance(v, str)}
    rows = [{"month": m} | {k: _number(v[i]) for k, v in series.items()} for i, m in enumerate(labels)]
    return texts | {"months": rows} if texts else rows


def run_growth(scenario: GrowthScenario, name: str, progress: Callable[[str], None] = lambda _: None,
               history: GrowthHistory | None = None, simulation: SimulationOptions | None = None) -> GrowthResult:
    """``history``: the trends and past months the workspace's records give (the use case reads them);
    ``simulation``: simulate each queue's typical day of each month as staffed (growth/simulated.py)."""
    history = history or GrowthHistory()
    firsts = months(scenario.park.start, scenario.park.months)
    labels = [month_label(f) for f in firsts]
    shrinkage = shrinkage_by_month(scenario.shrinkage, firsts)
    progress(f"{name}: demand of {sum(len(c.queues) for c in scenario.contracts)} queues over {len(labels)} months")
    demands: list[QueueDemand] = [queue_demand(c, q, firsts, shrinkage, scenario.park.time_zone,
                                               f"contracts[{i}].queues[{j}]", _trend(history, q))
                                  for i, c in enumerate(scenario.contracts) for j, q in enumerate(c.queues)]
    pools: list[Pool] = []
    plans: dict[tuple[str, str], HiringPlan] = {}
    for op in scenario.operators:
        for terms in op.languages:
            required = sum((d.fte for d in demands if d.operator == op.name and d.language == terms.language),
                           np.zeros(len(labels)))
            progress(f"{name}: hiring plan of {op.name} {terms.language}")
            plans[op.name, terms.language] = plan_hiring(terms, required)
            pools.append(Pool(op.name, plans[op.name, terms.language]))
    staffed = [staffed_queue(d, plans[d.operator, d.language]) for d in demands]
    if simulation is not None:
        progress(f"{name}: simulating a day of each month of {len(staffed)} queues, {simulation.replications} "
                 f"replications each")
        staffed = [replace(s, simulated=simulate_queue(s.demand.calls, s.agents, s.demand.aht_s, s.demand.target_s,
                                                       simulation, number))
                   for number, s in enumerate(staffed)]
    contracts = []
    for contract in scenario.contracts:
        own = [s for s in staffed if s.demand.client == contract.client]
        by_language = {lang: p for (o, lang), p in plans.items() if o == contract.operator}
        contracts.append(contract_months(contract, own, by_language, history.actuals))
    buildings = []
    schedules = PoolSchedules(scenario.shifts)
    for building in scenario.buildings:
        ops = {o.name for o in scenario.operators if o.building == building.name}
        agents = sum((s.agents for s in staffed if s.demand.operator in ops), np.zeros((len(labels), 24)))
        trainees = sum((p.plan.trainees for p in pools if p.operator in ops), np.zeros(len(labels)))
        progress(f"{name}: the busiest week's shifts of {building.name}, month by month")
        week = week_seats([[(s.agents, list(s.demand.weekdays)) for s in staffed
                            if (s.demand.operator, s.demand.language) == (p.operator, p.plan.language)]
                           for p in pools if p.operator in ops], len(labels), schedules)
        buildings.append(building_months(building, scenario.park.start, labels, agents, trainees, week))
    cable = None
    if scenario.link is not None:
        cable = cable_months(scenario.link, sum((s.line_erlangs for s in staffed), np.zeros((len(labels), 24))))
    return GrowthResult(name, scenario.park.currency, labels, shrinkage, staffed, pools, contracts, buildings, cable,
                        history, simulation)


def _trend(history: GrowthHistory, queue) -> float | None:
    if queue.trend != "history":
        return None
    return history.trends[queue.name].trend_yearly
