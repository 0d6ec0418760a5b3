"""A blended pool planned by the plan (issue 21): examples/casablanca-blended.toml, a voice and an email queue on one
skill, staffed as one pool (plan/channels.py ``blended_requirement``), scheduled on its skill, simulated by the
blended engine, judged queue by queue; against the same demand in separate pools (the email queue on a skill and
shifts of its own, the same shift patterns), planned from the same forecast; and what the scenario still refuses."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from casashore.errors import UserError
from casashore.plan.channels import BLENDED, blended_requirement
from casashore.plan.goals import verdict
from casashore.plan.pipeline import goal_loop, run_plan, staffing_step
from casashore.plan.result import PlanResult
from casashore.plan.scenario import load_plan_scenario, plan_scenario_from_dict
from casashore.workspace.store import Workspace

EXAMPLE = Path(__file__).parent.parent / "examples" / "casablanca-blended.toml"


def scenario_data() -> dict:
    return tomllib.loads(EXAMPLE.read_text())


def apart() -> dict:
    """The example's demand in separate pools: the email queue on a skill of its own, given the voice pool's
    shift patterns (full and part time) on that skill."""
    data = scenario_data()
    data["queues"][1]["skill"] = "fr-email"
    data["shift_patterns"] += [pattern | {"name": f"email-{pattern['name']}", "group": "fr-email"}
                               for pattern in data["shift_patterns"]]
    return data


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blended")
    scenario = load_plan_scenario(EXAMPLE)
    with Workspace.open(folder / "w.duckdb") as workspace:
        result = run_plan(scenario, workspace, folder / "history")
    separate = plan_scenario_from_dict(apart())
    staffing = staffing_step(separate, result.forecast)  # the same forecast: the same demand
    loop = goal_loop(separate, staffing)
    return scenario, result, (staffing, loop, verdict(staffing, loop.schedule, loop.simulation, loop.rounds))


def test_the_pool_is_staffed_as_one(planned):
    from casashore.queueing.staffing import required_agents
    from casashore.schedule.rules import open_intervals

    scenario, result, _ = planned
    assert list(result.staffing.required) == ["fr"]
    pool = result.staffing.required["fr"]
    assert pool.channel == BLENDED
    voice = result.staffing.queues["fr-banking"]
    assert pool.calls == voice.calls  # the pool's calls are its voice queue's (phone lines count them)
    erlangs = np.asarray(pool.calls) * np.asarray(pool.aht_s) / 1800
    voice_agents = required_agents(erlangs, np.asarray(pool.aht_s), target_s=20, service_level=0.8, patience_s=150)
    starts = [np.datetime64(s).astype(object) for s in result.staffing.starts]
    is_open = open_intervals(scenario.rules.opening_hours, starts, 30, False)
    email = scenario.queues[1]
    expected = blended_requirement(voice_agents, erlangs, email, np.asarray(result.staffing.queues["fr-email"].calls),
                                   result.staffing.queues["fr-email"].aht_s, 30, is_open, "queues[1]")
    assert pool.on_phone == expected.tolist()
    on_phone = np.asarray(pool.on_phone)
    assert (on_phone >= voice_agents).all() and (on_phone > voice_agents).any()  # agents added for email


def test_the_pool_is_simulated_by_the_blended_engine_and_meets_its_goals(planned):
    _, result, _ = planned
    queues = {q.queue: q for q in result.simulation.queues}
    assert set(queues) == {"fr-banking", "fr-email"} and [g.group for g in result.simulation.groups] == ["fr"]
    voice, email = queues["fr-banking"], queues["fr-email"]
    assert voice.channel is None and voice.skill == "fr" and voice.measures.p_abandon is not None
    assert email.channel == "email" and email.skill == "fr" and email.measures.p_abandon is None
    # The backlog is the blended run's: items waiting at each boundary, at first what a warm-up copy of the planned
    # days left (their last evening's, as at the end, within the noise), some overnight.
    assert len(email.backlog) == len(result.staffing.starts) + 1 and email.backlog[0] > 0
    assert email.backlog[0] == pytest.approx(email.backlog[-1], abs=5)
    assert max(email.backlog) > 0 and min(email.backlog) >= 0
    assert email.offered == pytest.approx(sum(result.staffing.queues["fr-email"].calls), rel=0.1)
    assert result.verdict.status == "met"
    assert {(d.queue, d.channel) for d in result.verdict.days} == {("fr-banking", None), ("fr-email", "email")}
    assert 0 < result.simulation.groups[0].occupancy < 1


def test_phone_lines_count_the_pool_s_calls(planned):
    _, result, _ = planned
    pool = result.staffing.required["fr"]
    erlangs = np.asarray(pool.calls) * np.asarray(pool.aht_s) / 1800
    busy = result.staffing.starts.index(result.sizing.busy_interval)
    assert result.sizing.busy_line_erlangs >= erlangs[busy] > 0 and result.sizing.phone_lines > 0


def test_blending_staffs_fewer_agent_hours_than_separate_pools(planned):
    """The same demand apart meets its goals too, with more agents: docs/plan.md "Blended pools" quotes these
    figures."""
    _, result, (staffing, loop, separate_verdict) = planned
    assert separate_verdict.status == "met" and result.verdict.status == "met"
    required = {skill: sum(r.on_phone) / 2 for skill, r in staffing.required.items()}
    blended = sum(result.staffing.required["fr"].on_phone) / 2
    assert blended < required["fr"] + required["fr-email"]
    assert result.schedule.paid_hours < loop.schedule.paid_hours
    print(f"required agent hours: blended {blended}, apart {required}; paid hours: blended "
          f"{result.schedule.paid_hours}, apart {loop.schedule.paid_hours}")


def test_the_report_shows_the_pool(planned):
    from casashore.report.channels import channel_rows
    from casashore.report.plan_report import render

    _, result, _ = planned
    english, french = render(result, "en", "Blended"), render(result, "fr", "Mixte")
    assert "A blended pool (a voice queue with a chat queue, an email queue or both on one skill)" in english
    assert "groupe mixte" in french
    assert "are not modelled" not in english
    rows = {row[0]: row for row in channel_rows(result, "en")}
    assert rows["fr-banking"][1] == "voice, blended pool fr" and rows["fr-email"][1] == "email, blended pool fr"
    # Each queue's row its channel's part, the pool's totals once, on its own row (tests/test_plan_pool_report.py)
    assert list(rows) == ["fr-banking", "fr-email", "fr (pool)"]
    assert rows["fr-banking"][4] == rows["fr-email"][4] == ("—", "num") and rows["fr (pool)"][4][0] != "—"


def test_the_interval_table_gives_the_pool_its_calls_level(planned):
    """The pool's rows show its calls, so their service level is the voice queue's, not mixed with the email
    queue's share within the deadline."""
    from casashore.report.tables import interval_rows

    _, result, _ = planned
    voice = next(q for q in result.simulation.queues if q.queue == "fr-banking")
    levels = {r.interval: r.measures.service_level for r in voice.intervals if r.offered > 0}
    rows = {result.staffing.starts.index(row["start"]): row for row in interval_rows(result)}
    busy = [i for i in rows if i in levels and levels[i] is not None]
    assert busy and all(rows[i]["service_level"] == pytest.approx(levels[i]) for i in busy)
    assert all(rows[i]["calls"] == result.staffing.queues["fr-banking"].calls[i] for i in rows)


def test_the_plan_s_json_comes_back_whole(planned):
    _, result, _ = planned
    assert PlanResult.from_json(result.to_json()) == result


def test_chat_and_email_in_one_pool_are_one_blended_pool():
    """Chat before email in the router and the engine (docs/routing.md) lets a pool take both; it is planned in
    tests/test_plan_blended_chat.py."""
    data = scenario_data()
    data["queues"].insert(1, {k: v for k, v in data["queues"][1].items() if k not in ("deadline_s", "deadline_share")}
                          | {"name": "fr-chat", "channel": "chat", "max_sessions": 2, "concurrency": 0.3})
    pool = plan_scenario_from_dict(data).blended_pools["fr"]
    assert pool.channel == "voice+chat+email" and [q.name for q in pool.queues] == ["fr-banking", "fr-chat", "fr-email"]


def test_a_second_chat_queue_in_a_pool_with_chat_and_email_is_refused_naming_both():
    data = scenario_data()
    chat = {k: v for k, v in data["queues"][1].items() if k not in ("deadline_s", "deadline_share")} | {
        "name": "fr-chat", "channel": "chat", "max_sessions": 2, "concurrency": 0.3}
    data["queues"] += [chat, chat | {"name": "fr-chat-cards"}]
    with pytest.raises(UserError) as error:
        plan_scenario_from_dict(data)
    assert error.value.field == "queues[3].skill" and "'fr-chat' is already this pool's chat queue" in \
        error.value.expected and "'fr-chat-cards'" in error.value.expected


def test_two_email_queues_in_a_pool_are_refused():
    data = scenario_data()
    data["queues"].append(data["queues"][1] | {"name": "fr-email-2"})
    with pytest.raises(UserError) as error:
        plan_scenario_from_dict(data)
    assert error.value.field == "queues[2].skill" and "one queue per channel" in error.value.expected
    assert "'fr-email' is already this pool's email queue" in error.value.expected


def test_a_pool_of_two_voice_queues_is_refused():
    data = scenario_data()
    data["queues"].append(data["queues"][0] | {"name": "fr-cards"})
    with pytest.raises(UserError) as error:
        plan_scenario_from_dict(data)
    assert error.value.field == "queues[2].skill" and "'fr-banking' is already this pool's voice queue" in \
        error.value.expected and "each judged by its own goal" in error.value.expected


def test_a_shift_joining_the_pool_to_another_skill_is_refused():
    data = scenario_data()
    data["queues"].append(data["queues"][0] | {"name": "es-banking", "skill": "es"})
    data["shift_patterns"].append(data["shift_patterns"][0] | {"name": "both", "group": "fr+es"})
    with pytest.raises(UserError) as error:
        plan_scenario_from_dict(data)
    assert error.value.field.startswith("shift_patterns[2]") and "blended pool of 'fr-banking'" in error.value.expected


def test_a_deadline_the_pool_s_open_hours_cannot_meet_names_the_email_queue():
    """Items arriving all night with a one-hour deadline and the site open two hours a day: no pool meets it."""
    from casashore.domain.queue import Queue

    is_open = np.zeros(48, bool)
    is_open[20:24] = True
    email = Queue(name="mail", skill="fr", channel="email", aht_s=300, deadline_s=3600, deadline_share=0.9,
                  client_time_zone="Europe/Paris")
    with pytest.raises(UserError) as error:
        blended_requirement(np.where(is_open, 5.0, 0.0), np.where(is_open, 3.0, 0.0), email, np.full(48, 4.0), 300,
                            30, is_open, "queues[1]")
    assert error.value.field == "queues[1].deadline_share" and "opening_hours" in error.value.expected
