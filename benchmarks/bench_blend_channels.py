"""Where the blended engine's time goes, by channel: each channel alone and in pairs through the blend, against the
voice engine, CPU seconds of the engine alone, one core.

    python benchmarks/bench_blend_channels.py [rounds] [agents]

The cases of bench_blend_alternate.py (20 replications of 8 one-hour intervals, one of warm-up, AHT 180 s, chat
k = 3, c = 0.3, email deadline 4 h) with the agents' capacity shared out as named (voice .7 chat .25: 70 % of the
agents' time on calls, 25 % on chats), each timed ``rounds`` times (default 3) in turn; medians and the voice
engine's median ÷ the case's. A profile by the work's kind, where numba's compiled loop gives no profile by line.
"""

from __future__ import annotations

import statistics
import sys

from bench_blend_alternate import AHT, HOUR, INTERVALS, alternating_rates, voice

from casashore.simulate.blend_engine import blend_centre, run_blend_replication
from casashore.simulate.engine import run_replication

SHARES = {"voice .95": (0.95, 0.0, 0.0), "chat .95": (0.0, 0.95, 0.0), "email .95": (0.0, 0.0, 0.95),
          "voice .7 chat .25": (0.7, 0.25, 0.0), "voice .85 email .1": (0.85, 0.0, 0.1),
          "voice .7 chat .15 email .1": (0.7, 0.15, 0.1)}


def shared(agents: int, voice_share: float, chat_share: float, email_share: float):
    """The blend with the agents' capacity shared out as given (chat's capacity: k sessions at AHT f(k))."""
    centre = blend_centre(voice_share * agents * HOUR / AHT, AHT, email_share * agents * HOUR / AHT, AHT, agents, HOUR,
                          4 * HOUR, warmup_s=HOUR, sessions=chat_share * agents * 3 / (AHT * 1.6) * HOUR,
                          chat_aht_s=AHT, max_sessions=3, concurrency=0.3)
    return centre._replace(rate_per_s=centre.rate_per_s.repeat(INTERVALS),
                           chat_rate_per_s=centre.chat_rate_per_s.repeat(INTERVALS),
                           email_rate_per_s=centre.email_rate_per_s.repeat(INTERVALS),
                           agents=centre.agents.repeat(INTERVALS))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    agents = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    cases = {"voice engine": (run_replication, voice(agents))}
    cases |= {name: (run_blend_replication, shared(agents, *s)) for name, s in SHARES.items()}
    rates = alternating_rates(cases, rounds)
    base = statistics.median(rates["voice engine"])
    for name, r in rates.items():
        print(f"{agents:>4} {name:<28} M/s median {statistics.median(r) / 1e6:.2f} best {max(r) / 1e6:.2f}"
              f"  voice/case median {base / statistics.median(r):.2f}")


if __name__ == "__main__":
    main()
