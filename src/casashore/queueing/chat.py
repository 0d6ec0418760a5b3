"""Chat staffing with concurrency: agents holding up to k sessions, each slowed by the others, as one birth-death
chain per number of agents.

The model (docs/capacity.md, "Chat"): sessions arrive as a Poisson stream of rate lambda; a new session goes to
the least-loaded agent below k sessions, or waits in one FIFO line (and, with a finite patience, leaves at rate
1 / patience while it waits). An agent holding m sessions works each at 1 / f(m) of a lone session's speed,
f(m) = 1 + c (m - 1), and a session's work is exponential with mean ``aht_s``: the agent completes sessions at
rate g(m) = m / (aht_s f(m)).

The approximation: the state is the number j of sessions in the centre, and the s = min(j, N k) in service are
taken to be spread evenly over the N agents (s mod N of them hold ceil(s / N), the rest floor(s / N)), which is
what least-loaded routing keeps them near. The total completion rate is then

    mu(s) = (N - r) g(q) + r g(q + 1),  q = s // N, r = s mod N,

and j is a birth-death chain (birth lambda, death mu(min(j, N k)) + max(j - N k, 0) / patience), solved exactly
in log space. It is exact when c = 0 (every session is served at 1 / aht_s: M/M/(N k), Erlang C with N k
servers), when k = 1 (Erlang C or A with N servers) and in every state with all N k slots busy, where each agent
holds k. Elsewhere departures leave loads uneven, and since g is concave an even spread completes fastest: the
chain is slightly optimistic, which tests/test_chat_staffing.py bounds against the simulator (within one agent on
a grid of loads and concurrencies). The waiting part (j >= N k) has a constant service rate mu_max = N g(k), so
a waiting session's fate follows Erlang A's waiting part with N / aht_s replaced by mu_max (or Erlang C's
geometric tail without patience): P(W > t | wait) = exp(-(mu_max - lambda) t) without patience.

This is the state-dependent M/M/N·k queue of the "chat concurrency" literature (Tezcan & Zhang 2014, "Routing
and staffing in customer service chat systems with impatient customers", Operations Research 62(4); Long, Tezcan
and Zhang, "Customer service chat ... with concurrency", 2018, which model an agent's service rate as a function
of the number of chats it holds) with the even-spread closure made explicit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from casashore.errors import UserError
from casashore.queueing.domain import check, check_durations, check_servers
from casashore.queueing.erlang_a import answered_within_given_wait
from casashore.queueing.search import TOLERANCE, fewest_meeting

MAX_SESSIONS = 10
MAX_CHAT_RATE_PER_S = 1e3
"""Sessions per second offered to one chat queue: 3.6 million an hour, far past any centre."""
_TAIL_TERMS = 64
"""Waiting states summed past the point where the chain's ratio falls under 1/2: the rest is below 2^-64."""


@dataclass(frozen=True)
class ChatMeasures:
    """Steady-state measures of one chat queue staffed with ``agents`` (all rates per second, times in seconds)."""

    agents: int
    p_wait: float
    """Share of sessions that find every agent at ``max_sessions`` (they wait)."""
    service_level: float
    """Sessions answered within the target over sessions offered (those who leave count against)."""
    mean_wait_s: float
    """Mean wait of every session, answered or not (inf when the line grows without bound)."""
    p_abandon: float
    """Share of sessions that leave before an answer (0 without patience)."""
    occupancy: float
    """Mean share of agents holding at least one session."""
    sessions_per_agent: float
    """Mean sessions in service per agent (at most ``max_sessions``)."""


def concurrency_factor(sessions, concurrency):
    """f(m) = 1 + c (m - 1): the stretch of a session's handle time while its agent holds ``sessions`` (m >= 1)."""
    return 1.0 + concurrency * (np.maximum(sessions, 1) - 1)


def _agent_rate(m, aht_s, concurrency):
    """g(m) = m / (aht_s f(m)): sessions an agent holding m completes per second."""
    m = np.asarray(m, dtype=float)
    return m / (aht_s * concurrency_factor(m, concurrency))


def service_rates(agents: int, max_sessions: int, aht_s: float, concurrency: float) -> np.ndarray:
    """mu(s) for s = 0 .. N k: the total completion rate with s sessions spread evenly over N agents."""
    s = np.arange(agents * max_sessions + 1)
    q, r = np.divmod(s, max(agents, 1))
    return (agents - r) * _agent_rate(q, aht_s, concurrency) + r * _agent_rate(q + 1, aht_s, concurrency)


def _log_sum(log_terms: np.ndarray, weights: np.ndarray | None = None) -> float:
    """log of sum(weights e^log_terms), -inf for no terms (scipy's logsumexp costs more than the chain here)."""
    if log_terms.size == 0:
        return -math.inf
    top = float(log_terms.max())
    scaled = np.exp(log_terms - top)
    return top + math.log(float((scaled if weights is None else weights * scaled).sum()))


def chat_measures(agents: int, rate_per_s: float, aht_s: float, max_sessions: int, concurrency: float,
                  target_s: float, patience_s: float = math.inf) -> ChatMeasures:
    """The chain's measures for ``agents`` (whole, >= 0) offered ``rate_per_s`` sessions per second."""
    _check(int(agents), float(rate_per_s), aht_s, int(max_sessions), concurrency, target_s, patience_s)
    return _chain(int(agents), float(rate_per_s), aht_s, int(max_sessions), concurrency, target_s, patience_s)


def _chain(n: int, lam: float, aht_s: float, k: int, concurrency: float, target_s: float,
           patience_s: float) -> ChatMeasures:
    """chat_measures on inputs already checked."""
    patient = math.isinf(patience_s)
    if lam == 0.0:
        return ChatMeasures(n, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    if n == 0:
        return ChatMeasures(0, 1.0, 0.0, patience_s, 0.0 if patient else 1.0, 0.0, 0.0)
    mu = service_rates(n, k, aht_s, concurrency)
    mu_max = float(mu[-1])
    if patient and lam >= mu_max * (1.0 - TOLERANCE):
        return ChatMeasures(n, 1.0, 0.0, math.inf, 0.0, 1.0, float(k))  # the line grows without bound
    # log pi_s relative to pi_0 for the states with free slots or just full: s = 0 .. N k
    log_top = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(mu[1:]))))
    log_full = log_top[-1]
    if patient:  # pi_{Nk+i} = pi_{Nk} rho^i: the tail sums in closed form
        rho = lam / mu_max
        log_waiting = log_full + math.log(rho) - math.log1p(-rho)  # states with i >= 1 sessions waiting
        log_queue_len = log_full + math.log(rho) - 2.0 * math.log1p(-rho)  # sum of i pi_{Nk+i}
    else:
        theta = 1.0 / patience_s
        top = n * k + int(math.ceil(max(0.0, 2.0 * lam - mu_max) / theta)) + _TAIL_TERMS
        i = np.arange(1, top - n * k + 1)
        log_tail = log_full + np.cumsum(math.log(lam) - np.log(mu_max + i * theta))
        log_waiting = _log_sum(log_tail)
        log_queue_len = _log_sum(log_tail, i)
    log_total = float(np.logaddexp(_log_sum(log_top), log_waiting))
    p_top = np.exp(log_top - log_total)
    p_wait = float(math.exp(log_full - log_total) + math.exp(log_waiting - log_total))  # PASTA: found N k or more
    s = np.arange(n * k + 1)
    busy_agents = (p_top * np.minimum(s, n)).sum() + n * math.exp(log_waiting - log_total)
    in_service = (p_top * s).sum() + n * k * math.exp(log_waiting - log_total)
    queue_len = math.exp(log_queue_len - log_total)
    mean_wait = queue_len / lam  # Little's law over every session
    if patient:
        within = 1.0 - p_wait * math.exp(-(mu_max - lam) * target_s)
        p_abandon = 0.0
    else:
        within = (1.0 - p_wait) + p_wait * float(answered_within_given_wait(
            mu_max * patience_s, lam * patience_s, target_s / patience_s)[0])
        p_abandon = queue_len / (patience_s * lam)  # abandonment rate over arrival rate
    return ChatMeasures(n, min(p_wait, 1.0), min(max(within, 0.0), 1.0), mean_wait, min(p_abandon, 1.0),
                        min(float(busy_agents / n), 1.0), min(float(in_service / n), float(k)))


def _check(agents, rate_per_s, aht_s, max_sessions, concurrency, target_s, patience_s) -> None:
    check_servers(agents, "agents")
    check("rate", rate_per_s, high=MAX_CHAT_RATE_PER_S, what="sessions per second")
    check_durations(aht_s, target_s, patience_s)
    check("max_sessions", max_sessions, low=1, high=MAX_SESSIONS, what="sessions an agent holds")
    check("concurrency", concurrency, high=1.0, what="a concurrency factor c")


@dataclass(frozen=True)
class ChatRequirement:
    """Per interval: the fewest agents meeting the goals, and the chain's measures with them."""

    agents: np.ndarray
    """[I] whole agents"""
    measures: list[ChatMeasures]


def chat_required_agents(calls, interval_s: float, aht_s: float, max_sessions: int, concurrency: float, *,
                         target_s: float = 20.0, service_level: float | None = 0.8, mean_wait_s: float | None = None,
                         patience_s: float = math.inf, max_abandon: float | None = None) -> ChatRequirement:
    """Fewest agents per interval whose chain meets ``service_level`` (answered within ``target_s`` over offered),
    ``mean_wait_s`` (mean wait of every session) and ``max_abandon`` (the highest share of sessions leaving before
    an answer: needs a finite ``patience_s``), each when given; ``calls`` are sessions per interval.

    Exact for the chain: one agent fewer misses a goal. More agents never serve worse (mu(s) rises with N for
    every s, g being concave with g(0) = 0: the line, its wait and its abandonment shrink; tests/test_chat_staffing.py
    checks P(abandon) falls with N on a grid), so the search is a doubling and a bisection."""
    calls = np.atleast_1d(np.asarray(calls, dtype=float))
    check("calls", calls, high=MAX_CHAT_RATE_PER_S * interval_s, what="sessions per interval")
    rates = calls / interval_s
    if max_abandon is not None and math.isinf(patience_s):
        raise UserError("abandon", max_abandon, "a finite patience too: sessions that never leave never abandon")
    _check(0, float(rates.max(initial=0.0)), aht_s, max_sessions, concurrency, target_s, patience_s)
    f_k = 1.0 + concurrency * (max_sessions - 1)
    capacity = max_sessions / (aht_s * f_k)  # one agent's most sessions per second
    stable = np.floor(rates / capacity) + 1.0 if math.isinf(patience_s) else np.zeros_like(rates)
    lower = np.where(rates > 0, stable, 0.0)

    def meets(ns: np.ndarray) -> np.ndarray:
        ok = np.empty(ns.shape, dtype=bool)
        for j, (n, lam) in enumerate(zip(ns.tolist(), rates.tolist(), strict=True)):
            m = _chain(int(n), lam, aht_s, max_sessions, concurrency, target_s, patience_s)
            ok[j] = ((service_level is None or m.service_level >= service_level * (1 - TOLERANCE))
                     and (mean_wait_s is None or m.mean_wait_s <= mean_wait_s * (1 + TOLERANCE))
                     and (max_abandon is None or m.p_abandon <= max_abandon * (1 + TOLERANCE)))
        return ok | (rates == 0)

    guess = np.ceil(rates / capacity + 2.0 * np.sqrt(rates / capacity) + 2.0)
    agents = fewest_meeting(lower, np.maximum(guess, lower), meets)
    return ChatRequirement(agents, [chat_measures(int(n), lam, aht_s, max_sessions, concurrency, target_s,
                                                  patience_s) for n, lam in zip(agents, rates, strict=True)])
