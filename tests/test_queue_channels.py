"""The channel of a queue (domain/queue.py): voice by default, chat and email with their own fields, each refused
where it does not belong, in plain words naming the field's path; the plan, the router and simulation scenarios
take voice only so far and say so."""

from pathlib import Path

import pytest

from casashore.domain.loading import read_toml, validated
from casashore.domain.queue import Queue
from casashore.errors import UserError
from casashore.plan.scenario import PlanScenario
from casashore.route.config import CenterConfig, load_center
from casashore.route.state.core import agent_capacities
from casashore.simulate.inputs import Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CHAT = {"channel": "chat", "max_sessions": 3, "concurrency": 0.3}
EMAIL = {"channel": "email", "deadline_s": 86_400, "deadline_share": 0.95}


def queue(**fields) -> Queue:
    return Queue.model_validate({"name": "q", "skill": "fr", "aht_s": 300, **fields})


def scenario_error(**fields) -> str:
    data = {"queues": [{"name": "q", "skill": "fr", "aht_s": 300, "calls": 10, **fields}],
            "groups": [{"name": "g", "skills": {"fr": 1}, "agents": 3}]}
    with pytest.raises(UserError) as caught:
        validated(Scenario, data)
    return str(caught.value)


def test_every_queue_is_voice_unless_it_says_otherwise():
    assert queue().channel == "voice"
    assert load_scenario(EXAMPLES / "multiskill.toml").queues[0].channel == "voice"
    plan = validated(PlanScenario, read_toml(EXAMPLES / "casablanca.toml", "scenario"))
    assert {q.channel for q in plan.queues} == {"voice"}
    centre = validated(CenterConfig, read_toml(EXAMPLES / "center.toml", "center"))
    assert {q.channel for q in centre.queues} == {"voice"}



def test_the_channels_example_centre_loads_with_a_chat_and_an_email_queue_and_blended_agents():
    """examples/center-channels.toml, the router's example with chat and email (center.toml is voice only), read
    by the loader `route serve` uses: a voice, a chat and an email queue; agents whose capacities are the chat
    queue's max_sessions and the centre's email_capacity (tests/test_wallboard_browser.py serves it)."""
    centre = load_center(EXAMPLES / "center-channels.toml")
    queues = centre.router_queues()
    assert {name: q.channel for name, q in queues.items()} == {"fr_bank": "voice", "web_fr": "chat",
                                                              "mail_fr": "email"}
    assert queues["web_fr"].max_sessions == 3 and queues["mail_fr"].goal == ("answered_within_deadline", 86_400, 0.9)
    assert centre.router.email_capacity == 1  # as the plan and the simulator model email (issue 21)
    router = centre.build_router(0.0)
    assert {name: agent_capacities(agent, router.queues.values(), router.email_capacity)
            for name, agent in router.agents.items()} == {
        "amina": {"voice": 1, "chat": 3}, "youssef": {"voice": 1, "email": 1}, "salma": {"chat": 3, "email": 1}}

def test_chat_and_email_queues_hold_their_fields():
    chat = queue(**CHAT)
    assert (chat.max_sessions, chat.concurrency) == (3, 0.3)
    assert chat.concurrency_factor(1) == 1.0 and chat.concurrency_factor(3) == pytest.approx(1.6)
    email = queue(**EMAIL)
    assert (email.deadline_s, email.deadline_share) == (86_400, 0.95)


@pytest.mark.parametrize("fields, message", [
    ({"channel": "fax"}, "queues[0].channel: 'fax' is not valid; expected one of 'voice', 'chat' or 'email'"),
    ({"channel": "chat", "concurrency": 0.3}, "queues[0].max_sessions: missing; expected a value: a chat queue "
                                              "needs max_sessions and concurrency"),
    ({**CHAT, "max_sessions": 11}, "queues[0].max_sessions: 11 is not valid; expected a number of at most 10"),
    ({**CHAT, "concurrency": 1.5}, "queues[0].concurrency: 1.5 is not valid; expected a number of at most 1"),
    ({"max_sessions": 2}, "queues[0].max_sessions: 2 is not valid; expected no max_sessions on a voice queue "
                          "(it is for channel = \"chat\")"),
    ({**EMAIL, "deadline_s": 30}, "queues[0].deadline_s: 30 is not valid; expected a number of at least 60"),
    ({**EMAIL, "deadline_share": 1.0}, "queues[0].deadline_share: 1.0 is not valid; expected a number below 1"),
    ({"channel": "email", "deadline_s": 3600}, "queues[0].deadline_share: missing"),
    ({**EMAIL, "patience_s": 60}, "queues[0].patience_s: 60.0 is not valid; expected no such field on an email "
                                  "queue: items never abandon"),
    ({**CHAT, "deadline_s": 3600}, "queues[0].deadline_s: 3600.0 is not valid; expected no deadline_s on a chat "
                                   "queue"),
])
def test_a_wrong_channel_field_names_its_path_in_words(fields, message):
    assert message in scenario_error(**fields)


def test_uses_that_handle_voice_only_refuse_chat_and_email_by_name():
    # A simulation scenario takes a chat queue alone with one group, or a blended pool (one group, at most one
    # queue per channel, one skill: tests/test_simulate_channel_scenarios.py), not beside a second group; the plan
    # takes an email queue on a skill of its own, which no shift blends.
    data = {"queues": [{"name": "q", "skill": "fr", "aht_s": 300, "calls": 10, **CHAT},
                       {"name": "v", "skill": "fr", "aht_s": 300, "calls": 10}],
            "groups": [{"name": "g", "skills": {"fr": 1}, "agents": 3}]}
    validated(Scenario, data)  # a blended pool
    data["groups"].append({"name": "h", "skills": {"fr": 1}, "agents": 2})
    with pytest.raises(UserError, match=r"queues\[0\]\.channel: .* a blended pool: one agent group"):
        validated(Scenario, data)
    plan = read_toml(EXAMPLES / "casablanca.toml", "scenario")
    plan["queues"][1] |= EMAIL | {"service_level": None}
    del plan["queues"][1]["service_level"]
    plan["queues"][1].pop("target_s", None)
    plan["queues"][1].pop("patience_s", None)
    with pytest.raises(UserError, match=r"shift_patterns\[\d+\]\.group: 'fr\+es' .* es alone"):
        validated(PlanScenario, plan)
    centre = read_toml(EXAMPLES / "center.toml", "center")
    centre["queues"][0] |= CHAT  # the router takes chat queues (issue 21), reached through the API, not dialled
    with pytest.raises(UserError, match=r'queues\[0\]\.numbers: .* no dialled numbers on a chat queue'):
        validated(CenterConfig, centre)
    centre["queues"][0]["numbers"] = []
    routed = validated(CenterConfig, centre).router_queues()[centre["queues"][0]["name"]]
    assert (routed.channel, routed.max_sessions) == ("chat", CHAT["max_sessions"])
