"""A constructive roster that keeps every rule, built before any search: CP-SAT starts from it, and it is the
answer if the search finds nothing better.

Each planned (day, template) goes, one agent at a time, to an eligible agent for whom every rule still holds with
all days not yet given left off (roster_rules.RosterState.reason), so the result is valid whatever comes after. A few
orders are tried — they are cheap (a fraction of a second on 180 agents x 4 weeks) and no single order wins on
every roster — and the best by the model's own objective is kept; ties go to the first, so the result is the same
on every run.
"""

from __future__ import annotations

from datetime import date, timedelta

from casashore.schedule.roster_rules import RosterState, static_reason

OPEN_WEIGHT = 1000
"""Per minute of a planned shift left open: far above a contract minute not given (10) or an hour off preference
(1 per whole hour)."""
SHORT_WEIGHT = 10


def objective(state: RosterState, open_left: dict[tuple[int, str], int]) -> int:
    """The CP-SAT model's objective for a roster, computed outside the model."""
    value = sum(OPEN_WEIGHT * state.by_name[name].paid_min * left for (_, name), left in open_left.items())
    value += SHORT_WEIGHT * sum(max(0, state.hours_left(a, w))
                                for a in range(len(state.agents)) for w in range(-(-state.days // 7)))
    for (a, _), name in state.worked.items():
        preferred = state.agents[a].preferred_start_min
        if preferred is not None:
            value += abs(state.by_name[name].start_min - preferred) // 60
    return value


def eligible(state: RosterState, options: dict[int, list[tuple[str, int]]]) -> dict[tuple[int, str], list[int]]:
    """(day, template) -> agents whose skills, availability and night work allow it, in agent order."""
    return {(d, name): [a for a, agent in enumerate(state.agents)
                        if static_reason(agent, state.first_day + timedelta(days=d), state.by_name[name],
                                         state.rules) is None]
            for d, planned in options.items() for name, _ in planned}


def _one_order(agents, by_name, options, able, first_day: date, days: int, rules, *, weekends_first: bool,
               by_share: bool) -> tuple[RosterState, dict[tuple[int, str], int]]:
    state = RosterState(agents, by_name, first_day, days, rules)
    day_order = sorted(range(days), key=lambda d: ((first_day + timedelta(days=d)).weekday() < 5 if weekends_first
                                                   else 0, d))
    left: dict[tuple[int, str], int] = {}
    for d in day_order:
        # Most constrained first: the template with fewest eligible agents per agent wanted.
        planned = sorted(options[d], key=lambda item: (len(able[d, item[0]]) / item[1], by_name[item[0]].start_min,
                                                       item[0]))
        for name, wanted in planned:
            shift = by_name[name]

            def rank(a: int, shift=shift, d=d) -> tuple:
                # An agent on the same start the day before or after keeps a stable week; then the agent with
                # the most contract time left (as a share of the contract when by_share), then the agent's order.
                same = any(state.worked.get((a, k)) is not None
                           and by_name[state.worked[a, k]].start_min == shift.start_min for k in (d - 1, d + 1))
                cap = max(state.cap(a, d // 7), 1)
                room = state.hours_left(a, d // 7)
                return (not same, -(room / cap) if by_share else -room, a)

            for a in sorted((a for a in able[d, name] if (a, d) not in state.worked), key=rank):
                if wanted == 0:
                    break
                if state.reason(a, d, name) is None:
                    state.add(a, d, name)
                    wanted -= 1
            left[d, name] = wanted
    return state, left


def greedy(agents, by_name, options, first_day: date, days: int, rules) -> tuple[RosterState, dict]:
    """The best of a few deterministic orders: (state, (day, template) -> agents left open)."""
    probe = RosterState(agents, by_name, first_day, days, rules)
    able = eligible(probe, options)
    best = None
    for weekends_first in (True, False):
        for by_share in (False, True):
            state, left = _one_order(agents, by_name, options, able, first_day, days, rules,
                                     weekends_first=weekends_first, by_share=by_share)
            value = objective(state, left)
            if best is None or value < best[0]:
                best = (value, state, left)
    return best[1], best[2]


def fill(state: RosterState, options: dict[int, list[tuple[str, int]]], left: dict[tuple[int, str], int]) -> None:
    """Give each shift still open to any agent who may take it (after a search stopped by its limit)."""
    for d in range(state.days):
        for name, _ in options[d]:
            for a in range(len(state.agents)):
                if left.get((d, name), 0) == 0:
                    break
                if state.reason(a, d, name) is None:
                    state.add(a, d, name)
                    left[d, name] -= 1
