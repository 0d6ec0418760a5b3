"""Chat and email engines vs the voice engine: contacts per second through the same replications, one core.

    python benchmarks/bench_channels.py

Each case runs 20 replications of 8 one-hour intervals (one more of warm-up) in this process (workers=1), after
a compiling run; contacts/s counts arrivals (calls, sessions or items) processed per second of engine time:
* voice: N agents at 95 % load (Erlang C, AHT 180 s), the voice engine (simulate/engine.py);
* chat, one session (k = 1): the same queue through the chat engine — the same model, so the ratio is the
  price of the chat engine's machinery alone;
* chat, k = 3 and c = 0.3, and k = 5 and c = 0.2: N agents at 95 % of their capacity N k / (AHT f(k));
* email: N agents working items whose capacity matches the arrivals (AHT 180 s, a 4-hour deadline);
* blended (simulate/blend_engine.py, one pool under the router's rule): voice alone through it (the price of its
  per-agent state), and voice at 70 % of the agents with chat (k = 3, c = 0.3) and email making up 95 %.
The issue's bound: chat within a factor 2 of voice-only calls per second. The machines are shared and noisy:
read the ratios of one run, not the absolute rates.
"""

from __future__ import annotations

import sys

from casashore.simulate.blend_engine import blend_centre
from casashore.simulate.centre import single_queue_centre
from casashore.simulate.channels import simulate_blend, simulate_chat, simulate_email
from casashore.simulate.chat_engine import chat_centre
from casashore.simulate.email_engine import email_centre
from casashore.simulate.single_queue import simulate_single_queue

AHT, HOUR, INTERVALS, REPLICATIONS = 180.0, 3600.0, 8, 20


def voice(agents: int) -> float:
    centre = single_queue_centre(0.95 * agents * HOUR / AHT, HOUR, AHT, agents, intervals=INTERVALS)
    simulate_single_queue(centre, 1, 0, workers=1)
    return simulate_single_queue(centre, REPLICATIONS, 1, workers=1)[1].calls_per_second


def chat(agents: int, k: int, c: float) -> float:
    per_hour = 0.95 * agents * k / (AHT * (1 + c * (k - 1))) * HOUR
    centre = chat_centre(per_hour, HOUR, AHT, agents, k, c, intervals=INTERVALS)
    simulate_chat(centre, 1, 0, workers=1)
    return simulate_chat(centre, REPLICATIONS, 1, workers=1)[1].calls_per_second


def email(agents: int) -> float:
    centre = email_centre([agents * HOUR / AHT] * INTERVALS, HOUR, AHT, agents, 4 * HOUR)
    simulate_email(centre, 1, 0, workers=1)
    return simulate_email(centre, REPLICATIONS, 1, workers=1)[1].calls_per_second


def blend(agents: int, mixed: bool) -> float:
    load = 0.7 if mixed else 0.95
    chat_per_hour = 0.15 * agents * 3 / (AHT * 1.6) * HOUR if mixed else 0.0
    email_per_hour = 0.1 * agents * HOUR / AHT if mixed else 0.0
    centre = blend_centre(load * agents * HOUR / AHT, AHT, email_per_hour, AHT, agents, HOUR, 4 * HOUR,
                          warmup_s=HOUR, sessions=chat_per_hour, chat_aht_s=AHT, max_sessions=3, concurrency=0.3)
    centre = centre._replace(rate_per_s=centre.rate_per_s.repeat(INTERVALS),
                             chat_rate_per_s=centre.chat_rate_per_s.repeat(INTERVALS),
                             email_rate_per_s=centre.email_rate_per_s.repeat(INTERVALS),
                             agents=centre.agents.repeat(INTERVALS))
    simulate_blend(centre, 1, 0, workers=1)
    return simulate_blend(centre, REPLICATIONS, 1, workers=1)[1].calls_per_second


def main() -> None:
    print(f"{'agents':>6} {'case':<22} {'contacts/s':>12} {'voice / case':>13}")
    for agents in (20, 100, 400):
        base = voice(agents)
        print(f"{agents:>6} {'voice':<22} {base:>12,.0f} {1.0:>13.2f}")
        for label, rate in ((("chat k=1 c=0", chat(agents, 1, 0.0)), ("chat k=3 c=0.3", chat(agents, 3, 0.3)),
                             ("chat k=5 c=0.2", chat(agents, 5, 0.2)), ("email 4 h deadline", email(agents)),
                             ("blend voice alone", blend(agents, False)),
                             ("blend voice+chat+email", blend(agents, True)))):
            print(f"{agents:>6} {label:<22} {rate:>12,.0f} {base / rate:>13.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
