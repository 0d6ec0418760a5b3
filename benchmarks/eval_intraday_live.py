"""Issue 20's check with the router itself: a whole day driven through a live `casashore route serve`.

    python benchmarks/eval_intraday_live.py [--speed 240] [--seed 7] [--folder DIR] [--json]

tests/live_day.py does the work (tests/test_route_live_day.py runs a short version of it): a workspace with five
weeks of history of one queue (`fr`, Paris 08:00-18:00, site 07:00-17:00, each day's level drawn around the
profile); the day-ahead forecast of Monday 2 March 2026 (`casashore forecast --intraday` before its first call);
Erlang C's requirement of it and a roster by `casashore schedule --roster` (8-hour shifts with a break, a lunch
and a break placed by the schedule); then `casashore route serve --roster --clock-start --clock-speed` on that
workspace, driven over its HTTP API: calls per the day-ahead profile with Poisson noise, 1.35 times the forecast
from 10:00 (the afternoon busier than forecast), each agent logging in at her shift's start, accepting what she
is offered, hanging up after an exponential handle time (240 s), taking every break 10 minutes late and logging
off at her shift's end, one absent. With the router stopped:

(a) GET /api/adherence against the independent recount of the router's event log (tests/adherence_recount.py),
    every agent and the team;
(b) the reforecast at noon against the day-ahead, WAPE on the actual afternoon (12:00-17:00, the router's calls);
(c) the top re-plan proposal at noon (`casashore intraday replan`, the absent agent marked absent), applied to
    the roster, the day simulated again from another seed: its service level over the intervals the proposal
    changes against the 95 % interval it predicted, and the formula's calls below goal against the gain predicted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from live_day import DaySpec, live_day  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=240.0, help="site seconds per real second")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folder", type=Path, default=None, help="keep the workspace, roster and log here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spec = DaySpec(speed=args.speed, seed=args.seed)
    if args.folder is not None:
        args.folder.mkdir(parents=True, exist_ok=True)
        result = live_day(args.folder, spec)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = live_day(Path(folder), spec)
    adherence = result["adherence"]
    if args.json:
        adherence.pop("counted")
        print(json.dumps(result, indent=1, default=str))
        return
    a, b, c, facts = adherence, result["reforecast"], result["replan"], result["facts"]
    print(f"live day {spec.day} at {spec.speed:g}x: {facts['calls_posted']} calls, {facts['agents_rostered']} agents "
          f"rostered ({result['absent']} absent); router up in {facts['router_start_s']} s, the day in "
          f"{facts['real_s']} s; steps late by {facts['step_late_site_s_p95']} site s (p95)")
    print(f"{'check':<58} {'result':>30}")
    verdict = "equal" if a["equal"] else f"{len(a['mismatches'])} differ"
    print(f"{'(a) adherence = recount of the event log (agents, teams)':<58} "
          f"{verdict:>22} ({a['agents']}, {a['teams']})")
    for row in a["report"]["agents"] + a["report"]["teams"]:
        name = row.get("agent") or f"team {row['team']}"
        print(f"    {name:<12} adherence {row['adherence'] or 0:7.3f}  conformance {row['conformance'] or 0:6.3f}  "
              f"out {row['out_of_adherence_min']:7.1f} min of {row['scheduled_min']:6.1f}")
    print(f"{'(b) afternoon WAPE: reforecast at noon / day-ahead':<58} "
          f"{b['wape_reforecast']:>13.3f} / {b['wape_day_ahead']:.3f}")
    print(f"    calls 12:00-17:00: actual {b['actual']:.0f}, reforecast {b['reforecast']:.1f}, "
          f"day-ahead {b['day_ahead']:.1f}")
    p = result["presence"]
    verdict = "equal" if p["equal"] else "DIFFER"
    print(f"{'(p) not at work at noon (router re-plan) = recount':<58} {verdict:>30}")
    for agent, why in sorted(p["why"].items()):
        print(f"    {agent:<12} {p['seen'][agent][0]:<7} {why}")
    if c and c.get("proposal"):
        print(f"{'(c) top proposal: ' + c['proposal']:<58} {'within' if c['within'] else 'OUTSIDE':>30}")
        print(f"    simulated SL over its intervals: {c['predicted_before']:.3f} -> predicted "
              f"{c['predicted_after']:.3f} ± {c['predicted_ci95']:.3f}; applied (another seed) "
              f"{c['applied_simulated']:.3f}")
        print(f"    calls below goal: {c['calls_below_goal_before']:.2f} -> {c['calls_below_goal_after']:.2f} "
              f"(gain {c['gain_applied']:.2f}, predicted {c['gain_predicted']:.2f})")
    else:
        print("(c) no proposal at noon")


if __name__ == "__main__":
    main()
