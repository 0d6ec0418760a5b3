"""`casashore simulate`: a single queue or a scenario's centre through the simulator, as tables or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from casashore.interfaces.cli.calculators import given
from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import JsonOpt, OutputOpt, workers_option
from casashore.interfaces.cli.rendering import fmt, out, print_json, progress, say_compiling, wait_text, write_csv
from casashore.usecases.execution import worker_count
from casashore.usecases.output_paths import check_all_writable

if TYPE_CHECKING:
    from casashore.simulate.inputs import Scenario
    from casashore.simulate.results import CentreRun, SingleQueueRun


@exits_on_user_error
def simulate(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario TOML (queues, agent groups, staffing). "
                                                         "Without it: single-queue mode.")] = None,
    calls: Annotated[str | None, typer.Option(help="Single queue: calls offered per interval.")] = None,
    interval: Annotated[str | None, typer.Option(help="Single queue: the interval's length, any duration: 15m, "
                                                      "20m, 1h [default: 15m].")] = None,
    aht: Annotated[str | None, typer.Option(help="Single queue: mean handle time.")] = None,
    patience: Annotated[str | None, typer.Option(help="Single queue: mean caller patience [default: none, "
                                                      "callers never hang up].")] = None,
    agents: Annotated[str | None, typer.Option(help="Single queue: agents on seat.")] = None,
    target: Annotated[str | None, typer.Option(help="Single queue: service-level answer time [default: 20s].")] = None,
    intervals: Annotated[str | None, typer.Option(help="Single queue: intervals simulated [default: 1].")] = None,
    warmup: Annotated[str | None, typer.Option(help="Single queue: time simulated first and not counted "
                                                    "[default: one interval].")] = None,
    handle: Annotated[str | None, typer.Option(help="Single queue: handle-time law: exponential, lognormal, "
                                                    "gamma.")] = None,
    handle_cv: Annotated[str | None, typer.Option(help="Single queue: handle-time std/mean for lognormal, "
                                                       "gamma.")] = None,
    patience_law: Annotated[str | None, typer.Option(help="Single queue: patience law: exponential, lognormal, "
                                                          "gamma.")] = None,
    patience_cv: Annotated[str | None, typer.Option(help="Single queue: patience std/mean.")] = None,
    replications: Annotated[str | None, typer.Option(help="Independent replications [default: 100, or the "
                                                          "scenario's].")] = None,
    seed: Annotated[str | None, typer.Option(help="Seed: the same seed gives the same results anywhere.")] = None,
    workers: Annotated[str | None, workers_option("Local processes [default: all cores for long runs].")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address (tcp://host:8786): "
                                                       "batches of 100 replications per task.")] = None,
    staff_groups: Annotated[bool, typer.Option("--staff", help="With a scenario: find the cheapest agents per "
                                                               "group and interval meeting every queue's "
                                                               "service_level, by simulation.")] = False,
    trace: Annotated[Path | None, typer.Option(help="Also write every counted call (replication, queue, "
                                                    "arrival_s, answered, wait_s, agent_group, handle_s) to this "
                                                    "Parquet file.")] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate calls, agents and hang-ups, replication after replication: service with 95 % intervals.

    Single queue: `casashore simulate --calls 720 --interval 1h --aht 180 --patience 120 --agents 40
    --replications 100` prints P(wait), P(abandon), service level and ASA with their 95 % half-widths, next to
    Erlang A's values when handle times and patience are exponential. A multi-skill centre:
    `casashore simulate examples/multiskill.toml` (queues per skill, agent groups with skills, priorities,
    overflow delays and staffing per interval); `--output per_interval.csv` writes every queue x interval.
    `--staff` replaces the scenario's staffing by the cheapest group sizes that meet every queue's goal: a
    trilingual agent counts once, not once per language. Its `split` column is Erlang's answer with each queue
    staffed alone (specialists only), `pooled` Erlang's answer for one pool of agents with every skill: the
    simulated total lies between the two.

    A scenario of one chat or email queue (`channel = "chat"` with max_sessions and concurrency, or "email" with
    deadline_s and deadline_share) and one group runs on its channel's engine, beside the chat chain's or the
    email fluid's answer (docs/simulation.md, "Chat and email"): `casashore simulate examples/simulate-chat.toml`,
    `casashore simulate examples/simulate-email.toml`. A blended pool (one group, at most one voice, one
    chat and one email queue, all on one skill) runs on the blended engine: the router's rule, each channel's
    measures with their 95 % intervals.
    """
    from casashore.usecases import simulation  # numba and pydantic: only when the command runs

    check_all_writable(output=output, trace=trace)
    runs = simulation.run_options(replications, seed)
    n_workers = worker_count(workers)
    # the first run on a machine compiles the engines (minutes): said on stderr, --json's stdout untouched
    with simulation.compile_notice(say_compiling):
        if scenario is not None:
            model = simulation.scenario_for(scenario, given(
                calls=calls, interval=interval, aht=aht, patience=patience, agents=agents, target=target,
                intervals=intervals, warmup=warmup, handle=handle))
            if staff_groups:
                _staff_groups(model, runs, as_json, output)
                return
            with progress(simulation.replications_of(model, runs), as_json) as advance:
                result = simulation.simulate_centre(model, runs, workers=n_workers, scheduler=scheduler,
                                                    progress=advance, trace=trace)
            rows = simulation.interval_rows(result)
        else:
            case = simulation.one_queue_case(given(
                calls=calls, interval=interval, aht=aht, patience=patience, agents=agents, target=target,
                intervals=intervals, warmup=warmup, handle=handle, handle_cv=handle_cv, patience_law=patience_law,
                patience_cv=patience_cv, replications=replications, seed=seed))
            with progress(case["replications"], as_json) as advance:
                result = simulation.simulate_one_queue(case, workers=n_workers, scheduler=scheduler, progress=advance,
                                                       trace=trace)
            rows = [result.row()]
    if output is not None:
        write_csv(output, rows)
    if as_json:
        print_json(result.to_json())
    elif scenario is not None and hasattr(result, "channels"):
        _show_blend_result(result)
    elif scenario is not None and hasattr(result, "channel"):
        _show_channel_result(result, model.simulation.warmup_min)
    elif scenario is not None:
        _show_scenario_result(result)
    else:
        _show_single_queue_result(result)


STAFF_CAPTION = ("Erlang bounds for comparison: split = each queue staffed alone (specialists only), pooled = all "
                 "calls to one pool of agents with every skill. The simulated total lies between them.")


def _staff_groups(model: Scenario, runs: dict[str, int], as_json: bool, output: Path | None) -> None:
    from casashore.usecases import simulation  # numba: only when the command runs

    with progress(model.interval_count, as_json, "intervals") as advance:
        result = simulation.staff_groups(model, runs, advance)
    if output is not None:
        write_csv(output, simulation.staff_group_rows(result))
    if as_json:
        print_json(result.to_json())
        return
    shown = Table(title="Cheapest agents per group meeting every queue's goal (simulated)", caption=STAFF_CAPTION)
    for header in ("start (min)", *(g.name for g in model.groups), "total", "split", "pooled",
                   "lowest SL (goal)"):
        shown.add_column(header, justify="right")
    for r in result.intervals:
        low = min(r.service_level, key=lambda k: r.service_level[k] - simulation.goal_of(model, k))
        shown.add_row(f"{r.start_min:g}", *(str(n) for n in r.agents.values()), str(sum(r.agents.values())),
                      str(r.split_agents), str(r.pooled_agents),
                      f"{low} {r.service_level[low]:.3f} ({simulation.goal_of(model, low):g})")
    out.print(shown)


def _show_single_queue_result(result: SingleQueueRun) -> None:
    formula = result.formula
    shown = Table(title=f"{result.replications} replications, {result.calls_simulated:,} calls simulated "
                        f"({result.calls_per_second or 0:,.0f} calls/s)")
    reference = "formula" if formula is None else formula.model.replace("_", " ").title()
    for header in ("measure", "simulated", "± 95 %", reference):
        shown.add_column(header, justify="right")
    measures = result.measures
    for label, simulated, ci95, exact in (
            ("P(wait)", measures.p_wait, measures.p_wait_ci95, formula and formula.p_wait),
            ("P(abandon)", measures.p_abandon, measures.p_abandon_ci95, formula and formula.p_abandon),
            ("service level", measures.service_level, measures.service_level_ci95,
             formula and formula.service_level),
            ("ASA of answered (s)", measures.asa, measures.asa_ci95, formula and formula.asa),
            ("time to abandon (s)", measures.mean_time_to_abandon, measures.mean_time_to_abandon_ci95, None),
            ("occupancy", result.occupancy, result.occupancy_ci95, formula and formula.occupancy)):
        shown.add_row(label, fmt(simulated), fmt(ci95), "—" if exact is None else f"{exact:.4f}")
    out.print(shown)


CHAT_NOTE = ("formula: the chat chain's steady state, a centre that has run at this load for ever. The simulation "
             "counts from a centre opening empty after warmup_min (here {warmup}): near full occupancy it takes hours "
             "to fill, so its first intervals serve better than the chain says. To compare with the chain, set "
             "[simulation] warmup_min long enough (120 at 28 agents x 3 sessions, 150 sessions in 15 minutes).")
ADVISED_WARMUP_MIN = 120.0  # the warm-up CHAT_NOTE advises: the note is said only under a shorter one


def _show_channel_result(result, warmup_min: float) -> None:
    """A chat run (its call measures and the sessions held) or an email run (its share within the deadline), each
    beside its formula when there is one; a chat run's chain is the steady state, which a centre opening empty
    reaches only after a long warm-up: said under the table."""
    shown = Table(title=f"{result.channel}: {result.replications} replications, {result.calls_simulated:,} "
                        f"{'sessions' if result.channel == 'chat' else 'items'} simulated")
    for header in ("measure", "simulated", "± 95 %", "formula"):
        shown.add_column(header, justify="right")
    if result.channel == "chat":
        formula = result.formula
        m = result.measures
        for name, value, half, model, spec in (  # shares to 4 decimals, seconds to 0.1 s, sessions to 0.01
                ("service level", m.service_level, m.service_level_ci95, formula and formula.service_level, ".4f"),
                ("P(wait)", m.p_wait, m.p_wait_ci95, formula and formula.p_wait, ".4f"),
                ("P(abandon)", m.p_abandon, m.p_abandon_ci95, formula and formula.p_abandon, ".4f"),
                ("ASA (s)", m.asa, m.asa_ci95, formula and formula.asa, ".1f"),
                ("agents holding a chat", result.occupancy, result.occupancy_ci95, formula and formula.occupancy,
                 ".4f"),
                ("slot use (sessions / agents x max)", result.slot_use, result.slot_use_ci95,
                 formula and formula.slot_use, ".4f"),
                ("sessions per agent", result.sessions_per_agent, result.sessions_per_agent_ci95,
                 formula and formula.sessions_per_agent, ".2f")):
            shown.add_row(name, fmt(value, spec), fmt(half, spec), fmt(model, spec))
        note = formula is not None and warmup_min < ADVISED_WARMUP_MIN
    else:
        formula = result.fluid
        shown.add_row("share within the deadline", fmt(result.share_within_deadline),
                      fmt(result.share_within_deadline_ci95), fmt(formula and formula.share_within_deadline))
        shown.add_row("mean wait", wait_text(result.asa), wait_text(result.asa_ci95), "")  # hours, not seconds
        shown.add_row("occupancy", fmt(result.occupancy), fmt(result.occupancy_ci95), "")
        shown.add_row("open at the end", f"{result.open_at_end:,.1f}", "",
                      fmt(formula and formula.open_at_end, ",.1f"))
        note = False
    out.print(shown)
    if note:
        out.print(Text(CHAT_NOTE.format(warmup=f"{warmup_min:g} minutes" if warmup_min else "none")))  # no markup


def _show_blend_result(result) -> None:
    """A blended pool: a row per channel with contacts (voice and chat their service level, P(abandon) and ASA;
    email its share within the deadline and mean wait), each with its 95 % half-width, and the agents' time."""
    from casashore.usecases.simulation import blend_rows

    shown = Table(title=f"blended pool: {result.replications} replications, {result.calls_simulated:,} contacts "
                        "simulated", caption="service: voice and chat answered within target_s, email taken up "
                        "within deadline_s (judged items: open ones at the end apart)")
    for header in ("queue", "channel", "service", "± 95 %", "ASA", "± 95 %", "P(abandon)", "± 95 %",
                   "chat sessions per agent (whole pool)", "open at the end", "agents' time"):
        shown.add_column(header, justify="right")
    for row in blend_rows(result):
        email = row["channel"] == "email"
        shown.add_row(
            row["queue"] or "—", row["channel"],
            fmt(row["share_within_deadline" if email else "service_level"]),
            fmt(row["share_within_deadline_ci95" if email else "service_level_ci95"]),
            wait_text(row["asa"]), wait_text(row["asa_ci95"]),  # each in its unit: a call's seconds, an email's hours
            "—" if email else fmt(row["p_abandon"]), "—" if email else fmt(row["p_abandon_ci95"]),
            fmt(row.get("sessions_per_agent"), ".2f"), f"{row['open_at_end']:,.1f}" if email else "—",
            fmt(row["time_share"]))
    out.print(shown)
    out.print(f"occupancy of the pool: {fmt(result.occupancy)} ± {fmt(result.occupancy_ci95)}")


def _show_scenario_result(result: CentreRun) -> None:
    centre = result.centre
    shown = Table(title=f"{centre.replications} replications, {centre.calls_simulated:,} calls simulated")
    for header in ("queue", "offered", "service level (goal)", "± 95 %", "ASA (s)", "P(abandon)", "worst interval"):
        shown.add_column(header, justify="right")
    for q in centre.queues:
        worst = min((i for i in q.intervals if i.measures.service_level is not None),
                    key=lambda i: i.measures.service_level, default=None)
        shown_worst = "—" if worst is None else f"{worst.start_min:g} min: {worst.measures.service_level:.3f}"
        shown.add_row(q.queue, f"{q.offered:,.0f}", f"{fmt(q.measures.service_level)} ({q.service_level_goal:g})",
                      fmt(q.measures.service_level_ci95), fmt(q.measures.asa, ".1f"), fmt(q.measures.p_abandon),
                      shown_worst)
    out.print(shown)
    groups = Table(title="Agent groups")
    for header in ("group", "occupancy", "± 95 %"):
        groups.add_column(header, justify="right")
    for g in centre.groups:
        groups.add_row(g.group, fmt(g.occupancy), fmt(g.occupancy_ci95))
    out.print(groups)
