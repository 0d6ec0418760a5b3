"""``casashore plan``: history -> forecast -> staffing -> schedule <-> simulation of the schedule -> site and link
sizing. Schedule and simulation form a loop: where the simulated service level misses a queue's goal beyond the
simultaneous 95 % intervals, that interval's requirement rises and the schedule is made again, for
``plan.goal_rounds`` rounds at most (plan/goals.py). Each step's result is stored in the workspace (table
plan_steps) under a hash of its inputs, so a step whose inputs did not change is read back instead of run again —
only when the result is a pure function of those inputs: a step that failed, or a schedule stopped by its
wall-clock safety limit, is not stored. ``fresh`` recomputes every step (and stores the new results).

Where the forecast's and the simulation's batches run (casashore/workers.py's Execution) is passed beside the
steps' inputs, never one of them: the figures are the same anywhere, so a plan made on a cluster and one made here
share stored steps."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np

from casashore.domain.json_reader import read_record
from casashore.domain.json_record import JsonRecord, json_chunks
from casashore.errors import Refused, UserError
from casashore.forecast.timezones import zone
from casashore.plan.channels import (
    channel_requirement,
    channel_seed,
    email_work_agents,
    is_blended,
    pool_requirement,
    pool_seed,
    simulate_channel,
    simulate_pool,
)
from casashore.plan.goals import missed_intervals, raise_requirement, verdict
from casashore.plan.reported import assumptions, check_lengths
from casashore.plan.result import (
    Forecast,
    GoalLoop,
    GoalRound,
    History,
    PlanResult,
    QueueVolume,
    Schedule,
    ShiftCount,
    Sizing,
    SkillRequirement,
    Staffing,
    UncoverableInterval,
)
from casashore.plan.scenario import PlanScenario
from casashore.plan.simulated import block_scenarios, joined
from casashore.plan.synthetic import synthetic_calls
from casashore.plan.synthetic_history import import_synthetic
from casashore.report.plan_report import write_report
from casashore.schedule.covering import solve
from casashore.schedule.deadline_work import DeadlineWork
from casashore.schedule.inputs import Requirement, shift_templates
from casashore.schedule.rules import open_intervals, staffed_while_open
from casashore.simulate.results import SimulatedCentre
from casashore.telecom.bandwidth import call_bandwidth
from casashore.workers import LOCAL, Execution, shared_workers
from casashore.workspace.store import Workspace

R = TypeVar("R", bound=JsonRecord)

STEPS = ("history", "forecast", "staffing", "schedule", "simulation", "sizing")

Progress = Callable[[str, str, float], None]
"""``progress(step, detail, share)``: called with a step's name (one of STEPS), "" and 0 as it starts, and on the
long steps with what it is at and the share of the step done (0..1): the queues imported (history) and forecast,
the goal loop's round with the parts of the schedule solved and the replications simulated. What a person follows
on stderr or the API's plan state; never part of the result. The callback may raise (casashore.errors.Cancelled,
to stop the plan): the step under way is then not stored."""


def _quiet(step: str, detail: str = "", share: float = 0.0) -> None:
    pass


def overall_share(step: str, share: float) -> float:
    """The whole plan's share done when ``step`` is ``share`` done: each step counted as one of STEPS."""
    return (STEPS.index(step) + min(max(share, 0.0), 1.0)) / len(STEPS)


def _key(step: str, *inputs) -> str:
    """The hash of a step's inputs: the settings' JSON, then each typed result's JSON as it is written, in pieces
    (a month of hundreds of queues: never its whole text)."""
    digest = hashlib.sha256(json.dumps([step, *(i for i in inputs if not isinstance(i, JsonRecord))],
                                       sort_keys=True, default=str).encode())
    for record in (i for i in inputs if isinstance(i, JsonRecord)):
        for chunk in json_chunks(record):
            digest.update(chunk.encode())
    return digest.hexdigest()


def _cached(workspace: Workspace, step: str, key: str, compute: Callable[[], R], kind: type[R], reused: list[str],
            fresh: bool = False, pure: Callable[[R], bool] = lambda result: True) -> R:
    """The step's stored result for ``key`` (read from its text in pieces), or ``compute()``'s, stored (its JSON
    written in pieces straight into the compressor) when ``pure(result)`` (an exception stores nothing)."""
    if not fresh:
        stored = workspace.plan_step_text(key)
        if stored is not None:
            reused.append(step)
            return read_record(kind, stored)  # its text in pieces, never its whole dict tree
    result = compute()
    if pure(result):
        workspace.store_plan_step(key, step, json_chunks(result))
    return result


def history_step(workspace: Workspace, scenario: PlanScenario, history_dir: Path,
                 progress: Progress = _quiet) -> History:
    """Make (once) and import each synthetic queue's history, replacing another scenario's synthetic history of a
    queue of the same name (plan/synthetic_history.py); check the workspace has the others (call records,
    interval reports or both), and name what the plan assumes where interval reports cannot say
    (plan/reported.py)."""
    imported, reported, assumed, regenerated = {}, {}, [], []
    history_dir.mkdir(parents=True, exist_ok=True)
    lengths = workspace.report_lengths()
    for i, queue in enumerate(scenario.queues):
        progress("history", f"queue {i + 1}/{len(scenario.queues)} {queue.name}", i / len(scenario.queues))
        if queue.history == "workspace":
            records = workspace.queue_records(queue.name)
            if not records.calls and not records.reported_rows:
                raise UserError(f"queues[{i}].history", "workspace", f"call records or interval reports of queue "
                                f"{queue.name!r} imported first (casashore import ...), or history = \"synthetic\"")
            if (recorded := workspace.queue_channel(queue.name)) != queue.channel:
                raise UserError(f"queues[{i}].channel", queue.channel, f"{recorded!r}: the workspace's records of "
                                f"queue {queue.name!r} are {recorded} (the import's channel column)")
            check_lengths(queue, f"queues[{i}]", lengths.get(queue.name, []), scenario.plan.interval_min)
            imported[queue.name] = records.calls
            if records.reported_rows:
                reported[queue.name] = records.reported
            assumed += assumptions(queue, records)
            continue
        spec = queue.synthetic.model_dump_json()
        # Names are data, never paths: the file is named by a hash of everything it holds, the name included.
        tag = hashlib.sha256(json.dumps([queue.name, spec, queue.aht_s, queue.patience_s, str(scenario.plan.start),
                                         scenario.plan.seed]).encode()).hexdigest()[:20]
        path = history_dir / f"synthetic-{tag}.csv"
        if not path.exists():
            partial = path.with_suffix(".partial")
            synthetic_calls(queue, scenario.plan.start, scenario.plan.seed, partial)
            partial.replace(path)
        if import_synthetic(workspace, queue, f"queues[{i}]", path):
            regenerated.append(queue.name)
        imported[queue.name] = workspace.call_count(queue.name)
    return History(calls=imported, reported=reported or None, assumptions=assumed or None,
                   regenerated=regenerated or None)


def forecast_step(workspace: Workspace, scenario: PlanScenario, note: Progress = _quiet,
                  execution: Execution = LOCAL) -> Forecast:
    """Each queue's calls and AHT per interval over the planned days (client's days), placed on the site clock:
    every queue in one forecast run (one insert), its batches of queues where ``execution`` says (default: every
    core from forecast/batch.py's LOCAL_QUEUES queues on), ``note`` hearing of the queues forecast so far."""
    # Lazy: statsforecast and its numba models (seconds to load), which a warm plan (forecast read back) never needs.
    from casashore.forecast.run import forecast_queues

    plan = scenario.plan
    horizons = {}
    for queue in scenario.queues:
        last = workspace.queue_records(queue.name).last  # its last call, or its last report interval
        last_day = last.astimezone(zone(queue.client_time_zone)).date()
        if last_day >= plan.start:
            raise UserError("plan.start", plan.start.isoformat(), f"a day after the history of {queue.name} "
                            f"(it ends {last_day})")
        horizons[queue.name] = (plan.start - last_day).days - 1 + plan.days
    done = 0

    def queues_done(count: int) -> None:
        nonlocal done
        done += count
        note("forecast", f"queues {done}/{len(horizons)}", done / len(horizons))

    run = forecast_queues(workspace, interval_min=plan.interval_min, horizons=horizons,
                          site_zone=scenario.site.time_zone, workers=execution.workers,
                          scheduler=execution.scheduler, progress=queues_done,
                          refuse_short=lambda short: _refuse_short(scenario, short))
    end = plan.start + timedelta(days=plan.days)
    order = {q.name: i for i, q in enumerate(scenario.queues)}  # the scenario's order, as before
    # The planned days' rows, queue by queue in the scenario's order (a stable sort: each queue's rows in time
    # order, as forecast), read per distinct queue and start, never per row.
    table = run.table
    queue_codes, queue_names = table.coded("queue")
    start_codes, start_texts = table.coded("start")
    rank = np.array([order[name] for name in queue_names], dtype=np.int64)[queue_codes]
    planned = np.array([plan.start <= date.fromisoformat(text[:10]) < end for text in start_texts],
                       dtype=bool)[start_codes]
    chosen = np.flatnonzero(planned)
    chosen = chosen[np.argsort(rank[chosen], kind="stable")]
    return Forecast(models={q.name: run.models[q.name] for q in scenario.queues},
                    intervals=table.take(chosen))


def _refuse_short(scenario: PlanScenario, short: list) -> None:
    """A queue the plan covers whose history is too short to forecast: refused, every short queue named with the
    days it has and needs and what to do. Not skipped as `casashore forecast` skips it (a plan without one of its
    queues' demand would staff none of it), nor forecast from a profile of the days it has (no backtest would have
    judged that forecast: the plan's figures would rest on an unchecked guess)."""
    index = {q.name: i for i, q in enumerate(scenario.queues)}
    first = short[0]
    also = "".join(f"; queue {s.queue!r} too: {s.why.split(';')[0]}" for s in short[1:])
    raise Refused(f"queues[{index[first.queue]}].history", first.queue,
                  f"queue {first.queue!r} has {first.why}{also}. A plan forecasts every queue it covers: import more "
                  "of its history (casashore import), give it history = \"synthetic\", or plan without it")


def site_grid(scenario: PlanScenario, forecast: Forecast) -> list[datetime]:
    """Site wall-clock interval starts: whole site days covering every forecast interval."""
    starts = [datetime.fromisoformat(s) for s in set(forecast.intervals.values("site_start"))]
    first = min(starts).replace(hour=0, minute=0)
    days = (max(starts).date() - first.date()).days + 1
    step = scenario.plan.interval_min
    return [first + timedelta(minutes=step * i) for i in range(days * 1440 // step)]


def staffing_step(scenario: PlanScenario, forecast: Forecast) -> Staffing:
    """Agents required per skill and site interval: each voice skill's queues pooled (their calls and mean AHT),
    Erlang A with the queue's patience (Erlang C without), the strictest goal of the pooled queues; a chat or email
    skill's one queue by its channel's staffing, a blended pool's voice queue by Erlang and its email queue in the
    time calls leave (plan/channels.py); then shrinkage."""
    # Lazy: the numba-compiled Erlang kernels (~2 s to load), which a warm plan (staffing read back) never needs.
    from casashore.queueing.staffing import agents_with_shrinkage, queue_measures, required_agents

    grid = site_grid(scenario, forecast)
    index = {s: i for i, s in enumerate(grid)}

    def where(queue) -> str:
        return f"queues[{scenario.queues.index(queue)}]"

    n = len(grid)
    step_s = scenario.plan.interval_min * 60
    by_queue = {q.name: q for q in scenario.queues}
    calls = {q.name: np.zeros(n) for q in scenario.queues}
    work = {q.name: np.zeros(n) for q in scenario.queues}
    rows, parsed = forecast.intervals, {}
    at = np.array([index[parsed.get(s) or parsed.setdefault(s, datetime.fromisoformat(s))]
                   for s in rows.values("site_start")], dtype=np.int64)
    names = np.array(rows.values("queue"), dtype=object)
    row_calls, row_aht = rows.column("calls"), rows.column("aht_s")
    for name in calls:  # each queue's rows in their order, added one by one (np.add.at): the same sums as before
        mine = names == name
        aht = row_aht[mine]
        aht = np.where(np.isnan(aht) | (aht == 0), by_queue[name].aht_s, aht)  # unknown (null) or 0: the queue's
        np.add.at(calls[name], at[mine], row_calls[mine])
        np.add.at(work[name], at[mine], row_calls[mine] * aht)
    # Each queue's own volume and mean handle time, for the simulation (the pools below are per skill).
    queues = {name: QueueVolume(calls=calls[name],
                                aht_s=float(work[name].sum() / calls[name].sum()) if calls[name].sum() > 0
                                else by_queue[name].aht_s) for name in calls}
    is_open = None
    required = {}
    pools = scenario.blended_pools
    for skill in scenario.skills:
        members = [q for q in scenario.queues if q.skill == skill]
        if skill in pools:
            members = [pools[skill].voice]  # its voice queue by Erlang, its chat and email queues added below
        offered = sum(calls[q.name] for q in members)
        seconds = sum(work[q.name] for q in members)
        aht = np.where(offered > 0, seconds / np.maximum(offered, 1e-12), members[0].aht_s)
        channel = members[0].channel  # a chat or email skill has its one queue (plan/scenario.py)
        if channel == "voice":
            patience = min((q.patience_s or np.inf) for q in members)
            target_s, goal = min(q.target_s for q in members), max(q.service_level for q in members)
            agents = required_agents(seconds / step_s, aht, target_s=target_s, service_level=goal,
                                     patience_s=patience)
        if is_open is None and (channel != "voice" or skill in pools):
            is_open = open_intervals(scenario.rules.opening_hours, grid, scenario.plan.interval_min, False)
        parts = {}
        if skill in pools:
            pool = pools[skill]
            chat, email = pool.chat, pool.email
            # Callers' P(wait) at the voice requirement: how often the pool has no idle agent (chats then stack).
            p_wait = np.zeros(n) if chat is None else queue_measures(agents, seconds / step_s, aht, target_s,
                                                                      patience)["p_wait"]
            requirement = pool_requirement(
                agents, seconds / step_s, p_wait, chat, None if chat is None else calls[chat.name],
                0.0 if chat is None else queues[chat.name].aht_s, email, None if email is None else calls[email.name],
                0.0 if email is None else queues[email.name].aht_s, scenario.plan.interval_min, is_open, where,
                grid[0].date())
            agents, channel = requirement.agents, pool.channel
            parts = {"by_channel": {q.channel: getattr(requirement, q.channel).astype(float).tolist()
                                    for q in pool.queues},
                     "apart": requirement.apart.astype(float).tolist()}
        elif channel != "voice":
            # Checks the deadline share is reachable in the open hours (a UserError naming the queue's field).
            agents = channel_requirement(members[0], offered, queues[members[0].name].aht_s,
                                         scenario.plan.interval_min, is_open, where(members[0]), grid[0].date())
        if channel == "email":
            # Work with a deadline (docs/plan.md "Channels"): the agents' worth of the items arriving in each
            # interval, the schedule choosing when they are worked (schedule/deadline_work.py).
            agents = email_work_agents(offered, queues[members[0].name].aht_s, scenario.plan.interval_min)
            with_shrinkage = agents / (1.0 - scenario.site.shrinkage)
        else:
            with_shrinkage = agents_with_shrinkage(agents, scenario.site.shrinkage).astype(float)
        required[skill] = SkillRequirement(
            on_phone=agents.astype(float), with_shrinkage=np.asarray(with_shrinkage, float), calls=offered, aht_s=aht,
            channel=None if channel == "voice" else channel, **parts)
    return Staffing(starts=[s.isoformat() for s in grid], required=required, queues=queues)


def schedule_step(scenario: PlanScenario, staffing: Staffing, memo: dict | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Schedule:
    """Shifts covering the requirement with shrinkage. Scheduled breaks are placed by the solver on top, so the
    site's shrinkage should count what breaks do not (absence, training, coaching). Deterministic: stopped by
    the gap asked for or a node limit, never by the clock unless its safety limit is hit (then said)."""
    starts = [datetime.fromisoformat(s) for s in staffing.starts]
    groups = scenario.skills
    work = email_work(scenario, staffing)
    requirement = Requirement(starts, scenario.plan.interval_min, groups,
                              {g: work[g].floor.tolist() if g in work else staffing.required[g].with_shrinkage
                               for g in groups}, one_day=False)
    rows = [(i, {k: str(v) for k, v in shift.model_dump().items()}) for i, shift in enumerate(scenario.shifts)]
    origins = scenario.shift_origins  # errors name the [[shifts]] table or the pattern the shift was written in
    templates = shift_templates(rows, requirement, scenario.rules.max_daily_hours, lambda i: origins[i][0])
    is_open = open_intervals(scenario.rules.opening_hours, starts, scenario.plan.interval_min, False)
    requirement, closed = staffed_while_open(requirement, is_open)  # the schedule command's rule, the same here
    result = solve(requirement, templates, cyclic=False, open_mask=is_open,
                   time_limit_s=scenario.plan.schedule_time_limit_s, gap=scenario.plan.schedule_gap,
                   node_limit=scenario.plan.schedule_nodes, parts_searched=scenario.plan.schedule_search_parts,
                   search_share=scenario.plan.schedule_search_share,
                   work=work, memo=memo, progress=progress)
    if result.status == "infeasible":
        raise UserError("shifts", f"{len(templates)} templates", "templates that can cover the requirement")
    # A requirement while closed is reported as before: no allowed shift can cover it.
    uncoverable = sorted({(g, starts[t].isoformat()) for g, t in [*result.uncoverable, *closed]})
    paid_min = {}  # the first template of each name, as a scan would find (a scan per count: quadratic in queues)
    for t in templates:
        paid_min.setdefault(t.name, t.paid_min)
    paid_h = sum(n * paid_min[name] / 60 for (name, _), n in result.counts.items())
    return Schedule(status=result.status, gap=result.gap, cost=result.cost, objective=result.objective,
                    bound=result.bound, stopped_by=result.stopped_by, solver=result.solver,
                    uncoverable=[UncoverableInterval(skill=g, start=s) for g, s in uncoverable],
                    counts=[ShiftCount(shift=name, day=day, agents=n)
                            for (name, day), n in sorted(result.counts.items())],
                    scheduled={g: np.asarray(result.scheduled[g], float) for g in groups},
                    at_work=dict(result.at_work), on_shift_total=result.on_shift_total, paid_hours=paid_h)


def email_work(scenario: PlanScenario, staffing: Staffing) -> dict[str, DeadlineWork]:
    """Each email skill's work for the schedule (not a blended pool's: its email is fed by the time calls leave):
    its queue's items per interval, handle time and deadline; the floor, agents beyond the work, is what the goal
    loop added to its requirement (``with_shrinkage`` above the work's own), in whole agents."""
    work = {}
    for skill, row in staffing.required.items():
        if row.channel != "email":
            continue
        queue = next(q for q in scenario.queues if q.skill == skill)
        volume = staffing.queues[queue.name]
        items = np.asarray(volume.calls, float)
        own = items * volume.aht_s / (scenario.plan.interval_min * 60.0) / (1.0 - scenario.site.shrinkage)
        floor = np.ceil(np.maximum(np.asarray(row.with_shrinkage, float) - own, 0.0) - 1e-9)
        work[skill] = DeadlineWork(items=items, aht_s=volume.aht_s, deadline_s=float(queue.deadline_s),
                                   shrinkage=scenario.site.shrinkage, floor=np.maximum(floor, 0.0))
    return work


def simulation_step(scenario: PlanScenario, staffing: Staffing, schedule: Schedule, memo: dict | None = None,
                    execution: Execution = LOCAL, progress: Callable[[int, int], None] | None = None
                    ) -> SimulatedCentre:
    """The schedule against random calls: one agent group per skill set on shift, the queues' forecast volumes,
    ``replications`` runs; service level per queue and interval with 95 % confidence half-widths. Blocks of
    skills no shift joins are simulated apart (plan/simulated.py); ``memo``: their results by their scenario, so
    that a block whose schedule did not change between rounds is not simulated again. The blocks' replications
    run in chunks where ``execution`` says (default: this process); ``progress(done, total)`` counts them."""
    # Lazy: the numba-compiled simulator (~2 s to load), which a warm plan (the goal loop read back) never needs.
    from casashore.simulate.many import simulate_scenarios

    memo = {} if memo is None else memo
    blocks = block_scenarios(scenario, {name: v.calls for name, v in staffing.queues.items()},
                             {name: v.aht_s for name, v in staffing.queues.items()}, schedule.at_work,
                             intervals=len(staffing.starts))
    keys = [hashlib.sha256(sim.model_dump_json().encode()).hexdigest() for sim in blocks]
    new = {key: sim for key, sim in zip(keys, blocks, strict=True) if key not in memo}
    channels = _channel_runs(scenario, staffing, schedule)
    channel_keys = [hashlib.sha256(json.dumps([run[0].model_dump(), *run[1:]]).encode()).hexdigest()
                    for run in channels]
    pools = _pool_runs(scenario, staffing, schedule)
    pool_keys = [hashlib.sha256(json.dumps([[q and q.model_dump() for q in run[:3]], *run[3:]]).encode()).hexdigest()
                 for run in pools]
    fresh = [(key, run) for key, run in zip(channel_keys, channels, strict=True) if key not in memo]
    fresh_pools = [(key, run) for key, run in zip(pool_keys, pools, strict=True) if key not in memo]
    replications = scenario.plan.replications
    total = (sum(sim.simulation.replications for sim in new.values())
             + replications * (len(fresh) + len(fresh_pools)))
    done = 0

    def replications_done(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    # Measures only, without the run's speed: a timing, not a result, and the plan must not depend on the machine.
    if new:
        memo.update(zip(new, simulate_scenarios(list(new.values()), execution, replications_done), strict=True))
    for key, (queue, group, agents, calls, aht_s) in fresh:
        memo[key] = simulate_channel(queue, group, calls, aht_s, agents, scenario.plan.interval_min, replications,
                                     channel_seed(scenario.plan.seed, queue.name), execution, replications_done)
    for key, (voice, chat, email, agents, calls, aht_s, sessions, chat_aht_s, items, email_aht_s) in fresh_pools:
        memo[key] = simulate_pool(voice, chat, email, calls, aht_s, sessions, chat_aht_s, items, email_aht_s, agents,
                                  scenario.plan.interval_min, replications, pool_seed(scenario.plan.seed, voice.skill),
                                  execution, replications_done)
    kept = [*keys, *channel_keys, *pool_keys]
    for stale in set(memo) - set(kept):
        del memo[stale]  # an earlier round's block: a month of 30 queues holds ~40 MB of rows per round
    return joined(scenario, [memo[key] for key in kept], schedule.at_work)


def _channel_runs(scenario: PlanScenario, staffing: Staffing, schedule: Schedule) -> list[tuple]:
    """Per chat or email queue: the queue, its group (its skill), the agents on it per interval (on shift, not on
    break, ``1 - shrinkage`` of them at work, as for voice), its sessions or items and mean handle time."""
    runs = []
    pools = scenario.blended_pools
    for queue in scenario.queues:
        if queue.channel == "voice" or queue.skill in pools:
            continue
        volume = staffing.queues[queue.name]
        runs.append((queue, queue.skill, _at_work(scenario, staffing, schedule, queue.skill),
                     [round(c, 6) for c in volume.calls], volume.aht_s))
    return runs


def _pool_runs(scenario: PlanScenario, staffing: Staffing, schedule: Schedule) -> list[tuple]:
    """Per blended pool: its voice, chat and email queues (None where it has none), the agents on its skill per
    interval (as _channel_runs), then each queue's contacts per interval and mean handle time (None and 0.0 for a
    queue it has not)."""
    def volume(queue) -> tuple:
        if queue is None:
            return None, 0.0
        v = staffing.queues[queue.name]
        return [round(c, 6) for c in v.calls], v.aht_s

    return [(pool.voice, pool.chat, pool.email, _at_work(scenario, staffing, schedule, skill), *volume(pool.voice),
             *volume(pool.chat), *volume(pool.email)) for skill, pool in scenario.blended_pools.items()]


def _at_work(scenario: PlanScenario, staffing: Staffing, schedule: Schedule, skill: str) -> list[int]:
    at_work = np.asarray(schedule.at_work.get(skill, np.zeros(len(staffing.starts))), float)
    return np.rint(at_work * (1 - scenario.site.shrinkage)).astype(int).tolist()


def goal_loop(scenario: PlanScenario, staffing: Staffing, progress: Progress = _quiet,
              execution: Execution = LOCAL) -> GoalLoop:
    """Schedule, simulate (where ``execution`` says), and where an interval misses its goal beyond the noise
    raise its requirement and schedule again, ``plan.goal_rounds`` rounds at most. Returns the last round's
    requirement, schedule and simulation, and what each round raised."""
    rounds: list[GoalRound] = []
    required = staffing
    memo: dict = {}  # a day whose requirement did not change is not solved again
    simulated: dict = {}  # nor a block of skills whose schedule did not change simulated again
    rounds_at_most = scenario.plan.goal_rounds + 1
    while True:
        at = f"round {len(rounds) + 1} of at most {rounds_at_most}"  # the loop may stop at any round
        progress("schedule", at, 0.0)
        schedule = schedule_step(scenario, required, memo, lambda done, parts, at=at: progress(
            "schedule", f"{at}: parts solved {done}/{parts}", done / max(parts, 1)))
        progress("simulation", at, 0.0)
        simulation = simulation_step(
            scenario, required, schedule, simulated, execution,
            lambda done, total, at=at: progress("simulation", f"{at}: replications {done}/{total}",
                                                done / max(total, 1)))
        missed = missed_intervals(simulation)
        rounds.append(GoalRound(cost=schedule.cost, gap=schedule.gap,
                                missed_intervals={skill: len(v) for skill, v in missed.items()}))
        if not missed or len(rounds) > scenario.plan.goal_rounds or schedule.stopped_by == "time_safety":
            break
        required = raise_requirement(required, missed, scenario.site.shrinkage)
    return GoalLoop(required=required.required, schedule=schedule, simulation=simulation, rounds=rounds)


def sizing_step(scenario: PlanScenario, staffing: Staffing, schedule: Schedule, simulation: SimulatedCentre) -> Sizing:
    """Seats at peak, floor area, FTE and jobs, phone lines by Erlang B at the busy interval, bandwidth."""
    # Lazy: the numba-compiled Erlang B (~2 s to load), which a warm plan (sizing read back) never needs.
    from casashore.queueing.erlang_b import erlang_b_servers

    link = scenario.link
    step_s = scenario.plan.interval_min * 60
    seats = int(max(schedule.on_shift_total, default=0))
    # Phone lines and the cable's voice bandwidth are the voice skills' (a chat or email holds no line).
    # A pool's calls are its voice queue's.
    voice = [r for r in staffing.required.values() if r.channel is None or is_blended(r.channel)]
    zeros = np.zeros(len(staffing.starts))
    calls = sum((np.asarray(r.calls) for r in voice), zeros)
    # A call holds a line while it waits and while it is handled.
    asa = np.zeros(len(calls))
    for q in simulation.queues:
        if q.channel is not None:
            continue
        at = np.asarray(q.intervals.values("interval"))
        asa[at] = np.maximum(asa[at], np.nan_to_num(q.intervals.column("asa"), nan=0.0))
    line_erlangs = sum((np.asarray(r.calls) * np.asarray(r.aht_s) for r in voice), zeros)
    line_erlangs = (line_erlangs + calls * asa) / step_s
    busy = int(np.argmax(line_erlangs)) if len(line_erlangs) else 0
    lines = int(erlang_b_servers(np.array([line_erlangs[busy]]), np.array([link.blocking]))[0])
    per_call = call_bandwidth(link.codec, layer=link.layer)
    bandwidth_bps = 2 * lines * per_call.bps_per_call  # both directions share the link's count
    usable_bps = link.capacity_bps * (1 - link.headroom)
    fte = schedule.paid_hours / (scenario.plan.days / 7) / scenario.rules.max_weekly_hours
    # People, not FTE: one shift a day each, and at most 7 - weekly_rest_days days a week, whatever their hours
    # (a part-time shift is still a person on that day).
    per_day: dict[int, int] = {}
    for row in schedule.counts:
        per_day[row.day] = per_day.get(row.day, 0) + row.agents
    work_days = (7 - scenario.rules.weekly_rest_days) * scenario.plan.days / 7
    people = max([int(np.ceil(fte)), max(per_day.values(), default=0),
                  int(np.ceil(sum(per_day.values()) / max(work_days, 1e-9)))])
    per_interval_bps = (line_erlangs * 2 * per_call.bps_per_call).tolist()
    return Sizing(seats_at_peak=seats, seats_available=scenario.site.seats, seats_ok=seats <= scenario.site.seats,
                  floor_m2=seats * scenario.site.floor_m2_per_seat, fte=fte, jobs=int(np.ceil(fte)),
                  people_at_least=people, paid_hours=schedule.paid_hours,
                  labour_cost=schedule.paid_hours * scenario.site.cost_per_agent_hour,
                  currency=scenario.site.currency, busy_interval=staffing.starts[busy],
                  busy_line_erlangs=float(line_erlangs[busy]), phone_lines=lines,
                  bps_per_call=per_call.bps_per_call, busy_bandwidth_bps=bandwidth_bps,
                  link_capacity_bps=link.capacity_bps, link_usable_bps=usable_bps,
                  link_share=bandwidth_bps / usable_bps, bandwidth_bps=per_interval_bps)


def run_plan(scenario: PlanScenario, workspace: Workspace, history_dir: Path,
             progress: Progress | None = None, fresh: bool = False, execution: Execution = LOCAL) -> PlanResult:
    """Every step, each read back from the workspace when its inputs are unchanged (unless ``fresh``); returns
    the plan: every step's result, the goal loop's rounds and the verdict (plan/goals.py). ``execution``: where
    the forecast's and the simulation's batches run, not an input of any step (see the module's docstring)."""
    with shared_workers():  # the forecast and every round of the simulation start the workers once
        return _steps(scenario, workspace, history_dir, progress, fresh, execution)


def _steps(scenario: PlanScenario, workspace: Workspace, history_dir: Path, progress: Progress | None,
           fresh: bool, execution: Execution) -> PlanResult:
    reused: list[str] = []
    note = progress or _quiet
    plan = scenario.plan
    queues = [q.model_dump() for q in scenario.queues]
    note("history", "", 0.0)
    history = history_step(workspace, scenario, history_dir, note)
    imports = [(sha,) for sha in workspace.import_fingerprints()]  # rows, as the stored keys were made
    note("forecast", "", 0.0)
    window = [str(plan.start), plan.days, plan.interval_min]
    # Each step is stored as its JSON and read back typed from it; its JSON is the same whether computed or read
    # back (the --json byte for byte), and the keys hash that JSON.
    forecast = _cached(workspace, "forecast", _key("forecast", imports, window, queues, scenario.site.time_zone),
                       lambda: forecast_step(workspace, scenario, note, execution), Forecast, reused, fresh)
    note("staffing", "", 0.0)
    staffing = _cached(workspace, "staffing", _key("staffing", forecast, scenario.site.model_dump(), queues),
                       lambda: staffing_step(scenario, forecast), Staffing, reused, fresh)
    note("schedule", "", 0.0)
    # The wall-clock safety limit is not an input: a result it did not stop is the same under any limit, and a
    # result it stopped is not stored.
    settings = plan.model_dump(exclude={"schedule_time_limit_s"})
    loop = _cached(
        workspace, "schedule",
        _key("schedule+simulation", staffing, [s.model_dump() for s in scenario.shifts],
             scenario.rules.model_dump(), settings, scenario.site.model_dump(), queues,
             # Email simulated from the cycle's backlog (plan/channels.py WARMUP_CYCLES): a result stored before,
             # from an empty backlog, is not read back as this one.
             *([{"email_start": "cycle"}] if any(q.channel == "email" for q in scenario.queues) else [])),
        lambda: goal_loop(scenario, staffing, note, execution), GoalLoop, reused, fresh,
        pure=lambda result: result.schedule.stopped_by != "time_safety")
    if reused[-1:] == ["schedule"]:
        reused.append("simulation")  # the loop's rounds are one stored result
    note("sizing", "", 0.0)
    sizing = _cached(
        workspace, "sizing", _key("sizing", loop, scenario.site.model_dump(), scenario.link.model_dump(),
                                  scenario.rules.model_dump(), window),
        lambda: sizing_step(scenario, staffing, loop.schedule, loop.simulation), Sizing, [], fresh,
        pure=lambda result: loop.schedule.stopped_by != "time_safety")
    # sizing is stored so that a warm plan need not import the numba kernels (not when the goal loop it sizes was
    # not stored: no part of a partial plan is); derived from the steps above, so not listed as reused
    return PlanResult(site=scenario.site, history=history, forecast=forecast, staffing=staffing,
                      required_after_rounds=loop.required, rounds=loop.rounds, schedule=loop.schedule,
                      simulation=loop.simulation, sizing=sizing,
                      verdict=verdict(staffing, loop.schedule, loop.simulation, loop.rounds), reused_steps=reused)


def plan_with_report(scenario: PlanScenario, workspace: Path, report: Path, lang: str,
                     progress: Progress | None = None, fresh: bool = False,
                     execution: Execution = LOCAL) -> PlanResult:
    """Run the plan over the workspace file and write its HTML report: what `casashore plan` and the server's
    background runs (always LOCAL) both do."""
    with Workspace.open(workspace) as opened:
        result = run_plan(scenario, opened, default_history_dir(workspace), progress, fresh, execution)
    write_report(result, report, lang, scenario.site.name, opening_hours=scenario.rules.opening_hours)
    return result


def default_history_dir(workspace: Path) -> Path:
    """Where synthetic history files are kept: next to the workspace file."""
    return workspace.parent / ".casashore-history" if workspace.name else Path(tempfile.gettempdir())
