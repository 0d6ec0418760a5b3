"""The router rings agents' phones with real SIP clients on loopback: SIPp as the trunk (a caller that plays
Debian sip-tester's G.711 A-law recording once answered) and SIPp as agents' phones (fixed contacts in the
centre file), one SIPp per kind of phone: one that answers and echoes the RTP it gets (-rtp_echo), one that
answers and hangs up, two that ring and are never picked up, one that is busy. One router serves every test;
each queue's agents have the phone the test is about, so the tests do not disturb one another.

Checked: SIPp's own verdict (0 failed calls: every caller answered, or cancelled as written), the router's
counts through its API, the agents' states (missed offers), and — where the machine lets a test read the
loopback interface (root or CAP_NET_RAW) — the audio: every RTP packet the caller sent to the phone's SDP
address came back from the phone's echo (direct media: the caller talks to the phone, not to the router).
No assertion depends on the machine's speed; waits are on conditions, with a safety limit."""

from __future__ import annotations

import shutil

import pytest

from b2bua_centre import Centre, audio_both_ways, rtp_counter
from router_nodes import wait_until

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None,
                                reason="SIPp is not installed (Debian package sip-tester; .ci/run installs it)")
PHONES = {  # kind -> (scenario, echoes RTP, extra SIPp options)
    "answers": ("agent_phone.xml", True, ()),
    "hangs_up": ("agent_phone_hangs_up.xml", True, ("-d", "1500")),
    "deaf": ("agent_phone_no_answer.xml", False, ()),
    "deaf_too": ("agent_phone_no_answer.xml", False, ()),
    "busy": ("agent_phone_busy.xml", False, ()),
}
QUEUES = {  # queue (its number) -> its agents, each with its phone's kind, in the order they become available
    "talk": [("t0", "answers"), ("t1", "answers")],
    "agent_bye": [("h0", "hangs_up")],
    "no_answer": [("d0", "deaf"), ("r1", "answers")],
    "busy": [("b0", "busy"), ("b1", "answers")],
    "cancel": [("c0", "deaf_too")],
}


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    centre = Centre(tmp_path_factory.mktemp("b2bua"), PHONES, QUEUES,
                    {"offer_timeout_s": 2, "wrap_up_s": 0.2, "max_missed": 2})
    try:
        yield centre
    finally:
        centre.close()
    assert "Traceback" not in (centre.directory / "router.log").read_text()


def test_answered_calls_hung_up_by_the_caller_carry_audio_both_ways(centre):
    before = centre.stats()
    counter = rtp_counter(centre.media_ports["answers"])
    if counter is not None:
        counter.start()
    stats = centre.call("talk", "caller_audio.xml", "talk", 4, "-d", "2000")
    assert int(stats["SuccessfulCall(C)"]) == 4 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 4, "4 calls answered")
    wait_until(lambda: centre.phone_counts("answers").get("4_BYE_Recv", 0) >= 4, "the phone's 4 BYEs")
    if counter is None:
        pytest.skip("RTP not counted: reading the loopback interface needs root or CAP_NET_RAW (SIP checked)")
    dropped = counter.dropped()
    sent, back = audio_both_ways(counter.stop(), centre.media_ports["answers"])
    assert dropped == 0, f"the counter fell behind: {dropped} datagrams not counted"
    # 2 s of a 7 s recording per call, 30 ms packets: about 66 per call; the echo returns each one
    assert sent >= 4 * 30, sent
    assert back >= sent - 4, (sent, back)  # at most the packet in flight at each hang-up


def test_the_agents_phone_hangs_up_and_the_caller_gets_the_bye(centre):
    before = centre.stats()
    counter = rtp_counter(centre.media_ports["hangs_up"])
    if counter is not None:
        counter.start()
    stats = centre.call("agent_bye", "caller_waits_bye.xml", "agent_bye", 3)
    assert int(stats["SuccessfulCall(C)"]) == 3 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 3, "3 calls answered")
    if counter is not None:
        sent, back = audio_both_ways(counter.stop(), centre.media_ports["hangs_up"])
        assert sent > 0 and back >= sent - 3, (sent, back)


def test_a_phone_never_answered_is_cancelled_and_the_call_goes_to_the_next_agent(centre):
    before = centre.stats()
    stats = centre.call("no_answer", "caller_audio.xml", "no_answer", 3, "-d", "500")
    assert int(stats["SuccessfulCall(C)"]) == 3 and int(stats["FailedCall(C)"]) == 0  # no caller heard a failure
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 3, "3 calls answered")
    d0 = centre.agent("d0")
    assert d0["missed_call"] is not None  # its phone rang past offer_timeout_s: a missed offer, kept
    assert centre.agent("r1")["calls_handled"] == 3
    def rings_ended():
        counts = centre.phone_counts("deaf")
        rang = counts.get("0_INVITE_Recv", 0)
        return rang >= 1 and rang == counts.get("5_ACK_Recv") and counts

    counts = wait_until(rings_ended, "each ring of the deaf phone CANCELled, its 487 ACKed")
    assert counts["2_CANCEL_Recv"] == counts["0_INVITE_Recv"]


def test_a_busy_phone_sends_the_call_to_the_next_agent(centre):
    before = centre.stats()
    stats = centre.call("busy", "caller_audio.xml", "busy", 3, "-d", "500")
    assert int(stats["SuccessfulCall(C)"]) == 3 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 3, "3 calls answered")
    assert centre.agent("b1")["calls_handled"] == 3
    b0 = centre.agent("b0")
    assert b0["missed_call"] is not None and b0["calls_handled"] == 0
    wait_until(lambda: centre.phone_counts("busy").get("2_ACK_Recv", 0) >= 1, "the busy phone's 486 ACKed")


def test_the_caller_cancels_while_the_phone_rings(centre):
    before = centre.stats()
    stats = centre.call("cancel", "caller_cancel.xml", "cancel", 2, "-d", "800")
    assert int(stats["SuccessfulCall(C)"]) == 2 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["abandoned"] - before["abandoned"] == 2, "2 calls abandoned")
    wait_until(lambda: centre.phone_counts("deaf_too").get("5_ACK_Recv", 0) == 2, "both rings cancelled")
    assert centre.phone_counts("deaf_too")["2_CANCEL_Recv"] == 2
    assert centre.agent("c0")["missed_call"] is None  # the caller left: not the agent's miss
