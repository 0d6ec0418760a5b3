"""The B2BUA under load (issue 19): SIPp callers into one `casashore route serve` whose agents' phones are one
SIPp that answers every INVITE and echoes RTP (-rtp_echo), each caller playing sip-tester's G.711 A-law
recording to the phone's SDP address (direct media) for --talk-ms, then hanging up.

    python benchmarks/bench_route_b2bua.py                            # 100 calls/s for 30 s, 400 agents
    python benchmarks/bench_route_b2bua.py --rate 50 --seconds 10 --deaf 20 --json b2bua.json
    python benchmarks/bench_route_b2bua.py --media rtpengine --rate 50   # media anchored in a real rtpengine

--media rtpengine starts Debian's rtpengine (userspace, loopback, RTP ports 20000-29999, tests/rtpengine_server.py)
and points the router's [router.media] at it: each call's audio goes caller -> rtpengine -> phone and the echo
back the same way. The counter then reads the engine's whole port range and counts per call: the datagrams the
caller sent and those echoed back to it (min / median / max, how many calls got fewer back than they sent, and
none). A call is the caller's port and its engine port; rtpengine gives a freed port to a later call, so on one
pair a call starts where the RTP sequence number falls back to the recording's first (b2bua_centre.CallSegments).

--deaf N adds N agents, longest idle first, whose phone rings and is never picked up (ring-no-answer: each of
their offers is CANCELled after offer_timeout_s, 2 s, and the call goes on to an answering agent; after two
misses such an agent is not-responding).

Reported: calls placed, successful and failed (SIPp's counts), the router's answered/abandoned counts, RTP
datagrams the callers sent to the phone and the datagrams its echo sent back (read on the loopback interface:
needs root or CAP_NET_RAW; the counter's own drops are reported, a count that fell behind is not lost audio),
and the CPU seconds of the router and the phone. Everything shares this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import collections  # noqa: E402
import contextlib  # noqa: E402
import statistics  # noqa: E402

from b2bua_centre import Centre, audio_both_ways, rtp_counter  # noqa: E402
from rtpengine_server import running_rtpengine  # noqa: E402

ENGINE_PORTS = range(20_000, 30_000)
"""rtpengine's RTP ports for the run (four per call: RTP and RTCP on each side): below the tests' engines
(30000-54999, tests/rtpengine_server.py) and Linux's ephemeral ports (32768-60999, the free ports SIPp and the
router take)."""


def per_call(segments, phone_media: int) -> dict:
    """Per call — (the caller's port, its engine port, the n-th call on that pair: CallSegments' ``segments``) —
    the datagrams the caller sent, and those echoed back to it."""
    sent, back = collections.Counter(), collections.Counter()
    for (src, dst, n), count in segments.items():
        if dst in ENGINE_PORTS and src not in ENGINE_PORTS and src != phone_media:
            sent[(src, dst, n)] += count
        elif src in ENGINE_PORTS and dst not in ENGINE_PORTS and dst != phone_media:
            back[(dst, src, n)] += count
    calls = sorted(set(sent) | set(back))
    sent_each, back_each = [sent[call] for call in calls], [back[call] for call in calls]

    def spread(values):
        return {"min": min(values), "median": statistics.median(values), "max": max(values)} if values else None

    return {"calls_seen": len(calls), "engine_ports": len({engine for _, engine, _ in calls}),
            "rtp_sent_by_callers": sum(sent_each), "rtp_echoed_to_callers": sum(back_each),
            "sent_per_call": spread(sent_each), "echoed_per_call": spread(back_each),
            "calls_echoed_less_than_sent": sum(b < s for s, b in zip(sent_each, back_each, strict=True)),
            "calls_without_echo": sum(b == 0 for b in back_each)}


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="calls per second (default 100)")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of calls placed (default 30)")
    parser.add_argument("--agents", type=int, default=400, help="agents whose phone answers (default 400)")
    parser.add_argument("--deaf", type=int, default=0, help="agents whose phone never answers (default 0)")
    parser.add_argument("--talk-ms", type=int, default=2000, help="each call's talk time (default 2000 ms)")
    parser.add_argument("--media", choices=("direct", "rtpengine"), default="direct",
                        help="direct (the default: RTP between caller and phone) or anchored in rtpengine")
    parser.add_argument("--json", type=Path, help="write the result here too")
    args = parser.parse_args()
    calls = round(args.rate * args.seconds)
    phones = {"answers": ("agent_phone.xml", True, ()), "deaf": ("agent_phone_no_answer.xml", False, ())}
    agents = [(f"d{i:03d}", "deaf") for i in range(args.deaf)] + [(f"a{i:03d}", "answers")
                                                                   for i in range(args.agents)]
    with tempfile.TemporaryDirectory(prefix="bench-b2bua-") as directory, contextlib.ExitStack() as stack:
        media = None
        if args.media == "rtpengine":
            engine = Path(directory) / "rtpengine"
            engine.mkdir()
            ng_port, _, _ = stack.enter_context(running_rtpengine(engine, recording=False, ports=ENGINE_PORTS))
            media = {"engine": '"rtpengine"', "ng_address": f'"127.0.0.1:{ng_port}"'}
        centre = Centre(Path(directory), phones, {"bench": agents},
                        {"offer_timeout_s": 2, "wrap_up_s": 0.2, "max_missed": 2}, media)
        try:
            counter = (rtp_counter(ENGINE_PORTS.start, ENGINE_PORTS.stop - 1, by_call=True) if media
                       else rtp_counter(centre.media_ports["answers"]))
            if counter is not None:
                counter.start()
            started = time.monotonic()
            stats = centre.call("bench", "caller_audio.xml", "bench", calls, "-d", str(args.talk_ms), "-l", "5000",
                                "-buff_size", "4194304", rate=args.rate, check=False)
            took_s = time.monotonic() - started
            time.sleep(2)  # the last BYEs' echoes and the router's counts settle
            dropped = counter.dropped() if counter is not None else None
            rtp = counter.stop() if counter is not None else None
            sent, back = audio_both_ways(rtp, centre.media_ports["answers"]) if rtp else (None, None)
            calls_media = per_call(counter.calls.segments, centre.media_ports["answers"]) if rtp and media else None
            router = centre.stats()
            counts = centre.caller_counts("bench")  # caller_audio.xml: message 6 is the 200, 4 and 5 486 and 503
            result = {
                "media": args.media, "rate": args.rate, "seconds": args.seconds, "agents": args.agents,
                "deaf_agents": args.deaf,
                "talk_ms": args.talk_ms, "calls": calls, "sipp_successful": int(stats["SuccessfulCall(C)"]),
                "sipp_failed": int(stats["FailedCall(C)"]), "run_s": round(took_s, 1),
                "sipp_200": counts.get("6_200_Recv"), "sipp_486": counts.get("4_486_Recv"),
                "sipp_503": counts.get("5_503_Recv"),
                "router_answered": router["answered"], "router_abandoned": router["abandoned"],
                "router_rejected": router["rejected"], "rtp_to_phone": sent, "rtp_echoed": back,
                "rtp_counter_dropped": dropped, "router_cpu_s": round(cpu_s(centre.router.pid), 1),
                "phone_cpu_s": round(cpu_s(centre.phones[0].pid), 1),
                "deaf_rings_cancelled": centre.phone_counts("deaf").get("2_CANCEL_Recv", 0),
                "per_call": calls_media}
        finally:
            centre.close()
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
