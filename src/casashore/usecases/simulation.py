"""What `casashore simulate` does: a single queue from its options, or a scenario file's centre, simulated
replication after replication (with the Erlang formulas beside a Markovian single queue); or, with --staff,
the cheapest agents per group and interval that meet every queue's goal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from casashore.domain.units import whole
from casashore.errors import UserError
from casashore.simulate import scenario as scenario_sim
from casashore.simulate import single_queue
from casashore.simulate.channel_results import BlendRun, ChatRun, EmailRun
from casashore.simulate.channel_scenario import is_channel_scenario, simulate_channel_scenario
from casashore.simulate.compiling import compile_notice as compile_notice  # for the CLI: simulate and plan
from casashore.simulate.inputs import Scenario, load_scenario
from casashore.simulate.multiskill import group_staffing, staff_scenario
from casashore.simulate.results import CentreRun, GroupStaffing, SingleQueueRun
from casashore.simulate.trace import write_trace

Progress = Callable[[int], None]
"""Called with the replications (or intervals) just done."""


def run_options(replications: str | None, seed: str | None) -> dict[str, int]:
    """The replications and seed given (as text), validated; those not given are left to the scenario."""
    options = {"replications": replications, "seed": seed}
    return {k: whole(k, v, low=1 if k == "replications" else 0) for k, v in options.items() if v is not None}


def scenario_for(path: Path, single_queue_options: dict[str, str]) -> Scenario:
    """The scenario file's centre; a single-queue option beside it is a mistake (the file sets them)."""
    if single_queue_options:
        name, value = next(iter(single_queue_options.items()))
        raise UserError(name, value, "no single-queue option with a scenario file (the file sets them)")
    return load_scenario(path)


def replications_of(model: Scenario, runs: dict[str, int]) -> int:
    return runs.get("replications", model.simulation.replications)


def simulate_centre(model: Scenario, runs: dict[str, int], *, workers: int | None, scheduler: str | None,
                    progress: Progress, trace: Path | None) -> CentreRun | ChatRun | EmailRun | BlendRun:
    """Every queue and group of the scenario, per interval, with 95 % half-widths; ``trace`` also gets the calls.
    A scenario of one chat or email queue runs on its channel's engine, a blended pool on the blended engine (no
    trace there)."""
    if is_channel_scenario(model):
        if trace is not None:
            kind = "blended" if model.is_blended else model.queues[0].channel
            raise UserError("trace", str(trace), f"no --trace with a {kind} scenario (the voice engine's calls "
                            "only)")
        return simulate_channel_scenario(model, workers=workers, scheduler=scheduler, progress=progress, **runs)
    batch, result = scenario_sim.simulate_scenario(model, workers=workers, scheduler=scheduler, progress=progress,
                                                   trace=trace is not None, **runs)
    if trace is not None:
        result = replace(result, trace_calls=write_trace(trace, batch, [q.name for q in model.queues],
                                                         [g.name for g in model.groups]))
    return result


def simulate_one_queue(case: dict, *, workers: int | None, scheduler: str | None, progress: Progress,
                       trace: Path | None) -> SingleQueueRun:
    """One queue (``single_queue.single_queue_case``), beside Erlang's formulas when its laws are Markovian."""
    batch, result = single_queue.simulate_single_queue(
        single_queue.centre_for_case(case), case["replications"], case["seed"], workers=workers,
        scheduler=scheduler, progress=progress, trace=trace is not None)
    if single_queue.is_markovian(case):
        result = replace(result, formula=single_queue.formula_reference(
            case["calls"], case["interval_s"], case["aht_s"], case["agents"], case["patience_s"], case["target_s"]))
    if trace is not None:
        result = replace(result, trace_calls=write_trace(trace, batch, ["queue"], ["agents"]))
    return result


def one_queue_case(options: dict[str, str]) -> dict:
    """The single queue's options (text, as given) validated into the simulator's case."""
    return single_queue.single_queue_case(options)


def interval_rows(result: CentreRun | ChatRun | EmailRun | BlendRun) -> list[dict]:
    """A scenario's result as CSV rows: one per queue and interval (a chat run pooled: one row of its measures; a
    blended run pooled: one row per channel with contacts)."""
    if isinstance(result, BlendRun):
        return blend_rows(result)
    if isinstance(result, ChatRun):
        return [{k: v for k, v in result.to_json().items() if k != "formula"}]
    if isinstance(result, EmailRun):
        return [row.to_json() for row in result.intervals]
    return [{"queue": q.queue, **row.to_json()} for q in result.centre.queues for row in q.intervals]


def blend_rows(result: BlendRun) -> list[dict]:
    """A blended run as one row per channel with contacts, intervals pooled: voice and chat their call measures,
    email its share within the deadline, each with its 95 % half-width, and the agents' time on the channel."""
    names = result.queues or {}
    rows = []
    for channel in result.channels:
        row: dict = {"channel": channel, "queue": names.get(channel)}
        if channel == "email":
            row |= {"share_within_deadline": result.email_share_within_deadline,
                    "share_within_deadline_ci95": result.email_share_within_deadline_ci95,
                    "asa": result.email_asa, "asa_ci95": result.email_asa_ci95,
                    "open_at_end": result.email_open_at_end}
        else:
            row |= getattr(result, channel).to_json()
            if channel == "chat":
                row |= {"sessions_per_agent": result.chat_sessions_per_agent,
                        "sessions_per_agent_ci95": result.chat_sessions_per_agent_ci95}
        row["time_share"] = getattr(result, f"{channel}_time_share")
        rows.append(row)
    return rows


def staff_groups(model: Scenario, runs: dict[str, int], progress: Progress) -> GroupStaffing:
    """The cheapest agents per group and interval meeting every queue's goal, by simulation, with the Erlang
    bounds (each queue alone, one pool of every skill) beside them. Voice only (`casashore staff --channel`
    staffs a chat or email queue)."""
    model.voice_only("--staff")
    found = staff_scenario(model, replications=runs.get("replications", 40), seed=runs.get("seed", 0),
                           progress=progress)
    return group_staffing(model, found)


def staff_group_rows(result: GroupStaffing) -> list[dict]:
    """``staff_groups``'s result as CSV rows: one per interval, a column per group and per queue's service."""
    return [interval.row() for interval in result.intervals]


def goal_of(model: Scenario, queue: str) -> float:
    return next(q.service_level for q in model.queues if q.name == queue)
