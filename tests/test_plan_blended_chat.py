"""A voice and a chat queue blended in the plan (issue 21): examples/casablanca-blended-chat.toml, one day and few
replications so the test stays cheap: staffed as one pool (plan/channels.py ``pool_requirement``), its
requirement per channel and apart in the JSON, simulated by the blended engine and judged queue by queue, the pool
against separate pools in the report."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from casashore.plan.pipeline import run_plan
from casashore.plan.result import PlanResult
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.workspace.store import Workspace

EXAMPLE = Path(__file__).parent.parent / "examples" / "casablanca-blended-chat.toml"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blended-chat")
    data = tomllib.loads(EXAMPLE.read_text())
    data["plan"] |= {"days": 1, "replications": 6}
    with Workspace.open(folder / "w.duckdb") as workspace:
        return run_plan(plan_scenario_from_dict(data), workspace, folder / "history")


def test_the_pool_is_staffed_per_channel(planned):
    pool = planned.staffing.required["fr"]
    assert list(planned.staffing.required) == ["fr"] and pool.channel == "voice+chat"
    assert set(pool.by_channel) == {"voice", "chat"}
    parts = np.asarray(pool.by_channel["voice"]) + np.asarray(pool.by_channel["chat"])
    assert parts.tolist() == pool.on_phone and np.asarray(pool.by_channel["chat"]).sum() > 0
    assert pool.calls == planned.staffing.queues["fr-banking"].calls  # phone lines count the calls only
    assert len(pool.apart) == len(pool.on_phone) and sum(pool.apart) > 0


def test_the_pool_is_simulated_and_judged_queue_by_queue(planned):
    queues = {q.queue: q for q in planned.simulation.queues}
    assert set(queues) == {"fr-banking", "fr-chat"} and [g.group for g in planned.simulation.groups] == ["fr"]
    assert queues["fr-banking"].channel is None and queues["fr-chat"].channel == "chat"
    assert queues["fr-chat"].offered > 0 and queues["fr-chat"].measures.service_level >= 0.8
    assert {(d.queue, d.channel) for d in planned.verdict.days} == {("fr-banking", None), ("fr-chat", "chat")}
    assert planned.verdict.status == "met"
    assert PlanResult.from_json(planned.to_json()) == planned


def test_the_report_compares_the_pool_with_separate_pools(planned):
    from casashore.report.channels import pool_rows
    from casashore.report.plan_report import render

    english, french = render(planned, "en", "Blended chat"), render(planned, "fr", "Chat mixte")
    assert "Blended pools against separate pools" in english and "Groupes mixtes face" in french
    (row,) = pool_rows(planned, "en")
    assert row[0] == "fr" and row[1] == "voice+chat" and row[3].startswith("voice ") and ", chat " in row[3]


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """The example with examples/casablanca-blended.toml's email queue on the pool's skill too: one pool taking
    calls, chats and emails, chat before email."""
    folder = tmp_path_factory.mktemp("blended-three")
    data = tomllib.loads(EXAMPLE.read_text())
    data["queues"].append(next(q for q in tomllib.loads(EXAMPLE.with_name("casablanca-blended.toml").read_text())
                               ["queues"] if q.get("channel") == "email"))
    data["plan"] |= {"days": 1, "replications": 4}
    with Workspace.open(folder / "w.duckdb") as workspace:
        return run_plan(plan_scenario_from_dict(data), workspace, folder / "history")


def test_a_pool_of_calls_chats_and_emails_is_staffed_simulated_and_judged_queue_by_queue(three):
    pool = three.staffing.required["fr"]
    assert list(three.staffing.required) == ["fr"] and pool.channel == "voice+chat+email"
    assert set(pool.by_channel) == {"voice", "chat", "email"}
    parts = sum(np.asarray(pool.by_channel[c]) for c in ("voice", "chat", "email"))
    assert parts.tolist() == pool.on_phone and all(np.asarray(pool.by_channel[c]).sum() > 0 for c in pool.by_channel)
    assert pool.calls == three.staffing.queues["fr-banking"].calls  # phone lines count the calls only
    queues = {q.queue: q for q in three.simulation.queues}
    assert [g.group for g in three.simulation.groups] == ["fr"]
    assert {name: q.channel for name, q in queues.items()} == {"fr-banking": None, "fr-chat": "chat",
                                                               "fr-email": "email"}
    assert all(q.offered > 0 for q in queues.values()) and queues["fr-email"].backlog
    assert queues["fr-chat"].measures.service_level >= 0.8  # chats are not starved by the email backlog
    assert {(d.queue, d.channel) for d in three.verdict.days} == {("fr-banking", None), ("fr-chat", "chat"),
                                                                 ("fr-email", "email")}
    assert three.verdict.status == "met"
    assert PlanResult.from_json(three.to_json()) == three


def test_the_report_shows_the_pool_of_three_channels(three):
    from casashore.report.channels import pool_rows
    from casashore.report.plan_report import render

    english, french = render(three, "en", "Blended three"), render(three, "fr", "Mixte à trois")
    assert "Blended pools against separate pools" in english and "Groupes mixtes face" in french
    (row,) = pool_rows(three, "en")
    assert row[0] == "fr" and row[1] == "voice+chat+email"
    assert row[3].startswith("voice ") and ", chat " in row[3] and ", email " in row[3]
