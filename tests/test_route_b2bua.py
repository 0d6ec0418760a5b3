"""The B2BUA (sip/b2bua.py) over real UDP sockets on loopback: the SIP front, the router in memory, a caller's
socket and agents' phones as sockets this test answers for. Each test is one call's story: answered and hung
up by either side, busy, unreachable, ringing past the offer timeout, the caller cancelling, and the races (a
200 crossing a CANCEL, a 200 after the offer was withdrawn, the desktop accepting while the phone rings).

Time: the router's clock is driven (the offer timeout is reached by setting it, not by waiting); SIP timers run
on the loop with T1 = 50 ms, so Timer B's 64·T1 takes 3.2 s in the one test that needs it."""

from __future__ import annotations

import asyncio

from b2bua_harness import (
    PHONE_SDP,
    AgentPhone,
    Anchor,
    Clock,
    acknowledge,
    answered,
    final,
    hang_up,
    ring,
    ringing,
    run,
)
from casashore.route.service import RouterService
from casashore.route.sip.front import start_sip
from casashore.route.sip.message import param
from casashore.route.state.core import RoutingQueue
from casashore.route.state.registrations import Registrations
from redis_server import needs_redis, redis_server
from test_route_sip import OFFER, Call, Phone, header, status, until


def test_the_phone_answers_the_caller_hears_its_sdp_and_a_bye_from_the_caller_ends_both_legs():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        phone = ctx.phones["ana"]
        # A dialog of its own: another Call-ID, our From tag, CSeq 1, a branch with the magic cookie, the
        # caller's SDP as the offer
        assert invite.call_id != call.call_id and param(invite.get("From"), "tag")
        assert invite.cseq == (1, "INVITE") and invite.branch.startswith("z9hG4bK")
        assert invite.uri == f"sip:ana@127.0.0.1:{phone.port}" and invite.body == OFFER
        assert ctx.router.calls[call.id].state == "offered"
        phone.reply(invite, 180)
        phone.reply(invite, 200, PHONE_SDP)
        ack = await phone.next("ACK")
        assert ack.get("To").endswith(";tag=phonetag1") and ack.cseq == (1, "ACK")
        assert ack.branch != invite.branch  # the ACK of a 2xx is a transaction of its own
        ok = await final(ctx.caller)
        assert status(ok) == 200 and PHONE_SDP.decode() in ok  # the phone's SDP: media flows caller <-> phone
        assert ctx.router.calls[call.id].state == "connected" and ctx.router.agents["ana"].state == "busy"
        acknowledge(ctx, call, ok)
        hang_up(ctx, call, ok)
        assert status(await ctx.caller.next()) == 200
        bye = await phone.next("BYE")
        assert bye.call_id == invite.call_id and bye.cseq == (2, "BYE")
        assert bye.uri == f"sip:phone@127.0.0.1:{phone.port}"  # the phone's Contact: the dialog's remote target
        phone.reply(bye, 200)
        assert ctx.router.calls[call.id].outcome == "answered" and ctx.router.calls[call.id].state == "ended"

    run(scenario)


def test_a_bye_from_the_phone_ends_the_call_and_the_caller_gets_a_bye():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        phone = ctx.phones["ana"]
        acknowledge(ctx, call, await answered(ctx, invite))
        phone.send_request("BYE", invite, cseq=1)
        assert (await phone.next_response()).status == 200
        bye = await ctx.caller.next()
        assert bye.startswith("BYE ") and header(bye, "Call-ID") == call.call_id
        assert ctx.router.calls[call.id].state == "ended" and ctx.router.calls[call.id].outcome == "answered"

    run(scenario)


def test_busy_phone_the_call_goes_to_the_next_agent_and_the_caller_hears_no_failure():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ctx.available("ben")  # ben is free too, ana was idle longer and got the offer
        ctx.clock.now += 1.0  # ana, idle again when withdrawn, is then idle for less time than ben
        ctx.phones["ana"].reply(invite, 180)
        ctx.phones["ana"].reply(invite, 486)
        ack = await ctx.phones["ana"].next("ACK")
        assert ack.branch == invite.branch  # the ACK of a non-2xx: in the INVITE's transaction
        ben_invite = await ctx.phones["ben"].next("INVITE")
        assert ctx.router.calls[call.id].agent_id == "ben"
        assert ctx.router.agents["ana"].missed == 1 and ctx.router.agents["ana"].missed_call == call.id
        assert ("withdrawn", call.id, "ana:busy") in ctx.events
        await answered(ctx, ben_invite, "ben")  # nothing but ringing, then the answer

    run(scenario)


def test_ringing_past_the_offer_timeout_cancels_the_phone_and_rings_the_next_agent():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        await ringing(ctx, call, invite)
        ctx.available("ben")
        ctx.clock.now += 15.0  # the agent's offer_timeout_s (ben, available before it, is longer idle)
        ctx.service.tick()
        cancel = await ana.next("CANCEL")
        assert cancel.branch == invite.branch and cancel.cseq == (1, "CANCEL") and cancel.uri == invite.uri
        ana.reply(cancel, 200)
        ana.reply(invite, 487)
        assert (await ana.next("ACK")).branch == invite.branch
        assert (await ctx.phones["ben"].next("INVITE")).body == OFFER
        assert ctx.router.agents["ana"].missed == 1 and ("withdrawn", call.id, "ana:timeout") in ctx.events
        while not ctx.caller.inbox.empty():  # the caller heard nothing but ringing
            assert status(ctx.caller.inbox.get_nowait()) == 180

    run(scenario)


def test_an_unreachable_phone_times_out_and_two_in_a_row_pause_the_agent():
    """Timer B (64·T1, 3.2 s here): a phone that never answers is unreachable, a missed offer; the call goes on
    to ben; with max_missed 1 ana is set not-responding at once."""
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ctx.available("ben")
        ctx.clock.now += 1.0
        ben_invite = await ctx.phones["ben"].next("INVITE", timeout=10)
        assert ctx.router.agents["ana"].state == "not_responding"
        assert ("withdrawn", call.id, "ana:unreachable") in ctx.events
        assert ("not_responding", "ana", f"1:{call.id}") in ctx.events
        ctx.phones["ana"].reply(invite, 200, PHONE_SDP)  # ana's phone wakes up: too late, ACKed and hung up
        await ctx.phones["ana"].next("ACK")
        ctx.phones["ana"].reply(await ctx.phones["ana"].next("BYE"), 200)
        assert ctx.router.calls[call.id].agent_id == "ben"
        await answered(ctx, ben_invite, "ben")

    run(scenario, max_missed=1)


def test_the_callers_cancel_cancels_the_ringing_phone():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        await ringing(ctx, call, invite)
        ctx.send(call.request("CANCEL", 1))
        cancel = await ana.next("CANCEL")
        ana.reply(cancel, 200)
        ana.reply(invite, 487)
        await ana.next("ACK")
        answers = sorted([status(await ctx.caller.next()), status(await ctx.caller.next())])
        assert answers == [200, 487]
        assert ctx.router.calls[call.id].outcome == "abandoned"
        assert ctx.router.agents["ana"].missed == 0  # the caller left: not the agent's miss

    run(scenario)


def test_a_200_crossing_the_callers_cancel_is_acknowledged_then_hung_up():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        await ringing(ctx, call, invite)
        ctx.send(call.request("CANCEL", 1))
        cancel = await ana.next("CANCEL")
        ana.reply(invite, 200, PHONE_SDP)  # the phone answered before it saw the CANCEL
        ana.reply(cancel, 200)
        ack = await ana.next("ACK")
        assert ack.branch != invite.branch
        bye = await ana.next("BYE")
        ana.reply(bye, 200)
        assert ctx.router.calls[call.id].outcome == "abandoned"
        assert ctx.front.counters["agent_late_2xx"] == 1

    run(scenario)


def test_a_200_after_the_offer_was_withdrawn_before_any_ringing_is_hung_up():
    """The offer is withdrawn (the agent goes on break) before the phone sent anything: no CANCEL may be sent
    yet (§9.1); the phone's 200 then gets an ACK and a BYE, and the call waits for another agent."""
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        ctx.router.set_status("ana", "break", ctx.clock.now)
        ctx.service.publish()
        assert ctx.router.calls[call.id].state == "waiting"
        ana.reply(invite, 200, PHONE_SDP)
        await ana.next("ACK")
        bye = await ana.next("BYE")
        ana.reply(bye, 200)
        assert ctx.router.calls[call.id].state == "waiting" and ctx.caller.inbox.empty()

    run(scenario)


def test_a_desktop_accept_while_the_phone_rings_cancels_the_phone():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        await ringing(ctx, call, invite)
        assert ctx.router.accept("ana", call.id, ctx.clock.now)
        ctx.service.publish()
        ok = await final(ctx.caller)
        assert status(ok) == 200 and "casashore" in ok  # the front's own answer, as without a phone
        cancel = await ana.next("CANCEL")
        ana.reply(cancel, 200)
        ana.reply(invite, 487)
        await ana.next("ACK")

    run(scenario)


def test_every_sdp_passes_through_the_media_anchor_keyed_by_the_callers_leg():
    anchor = Anchor()

    async def scenario(ctx):
        call, invite = await ring(ctx)
        assert b"s=anchored-offer" in invite.body
        ana = ctx.phones["ana"]
        ana.reply(invite, 183, PHONE_SDP)  # early media: the caller hears the phone (anchored) before the 200
        early = await ctx.caller.next()
        assert status(early) == 183 and "s=anchored-answer" in early
        ok = await answered(ctx, invite)
        assert "s=anchored-answer" in ok
        to_tag = param(header(ok, "To"), "tag")
        acknowledge(ctx, call, ok)
        hang_up(ctx, call, ok)
        ana.reply(await ana.next("BYE"), 200)
        await until(lambda: anchor.calls and anchor.calls[-1][0] == "delete")
        assert anchor.calls == [("offer", call.call_id, "caller1"), ("answer", call.call_id, "caller1", to_tag),
                                ("answer", call.call_id, "caller1", to_tag), ("delete", call.call_id, "caller1")]

    run(scenario, media=anchor)


def test_requests_in_a_phones_dialog_from_elsewhere_or_with_other_tags_change_nothing():
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        acknowledge(ctx, call, await answered(ctx, invite))
        ana.tag = "not-the-dialogs"
        ana.send_request("BYE", invite, cseq=5)
        assert (await ana.next_response()).status == 481 and ctx.router.calls[call.id].state == "connected"

    run(scenario)


def test_a_200_answering_the_caller_before_its_cancel_leaves_the_call_connected_until_the_bye():
    """The other crossing: the phone's 200 answered the caller before the caller's CANCEL arrived. The CANCEL gets
    200 and no 487 (the INVITE has its final answer); the caller ACKs and BYEs (RFC 3261 §9.1), ending both legs."""
    async def scenario(ctx):
        call, invite = await ring(ctx)
        ana = ctx.phones["ana"]
        ok = await answered(ctx, invite)
        ctx.send(call.request("CANCEL", 1))
        assert status(await ctx.caller.next()) == 200 and header(ok, "CSeq") == "1 INVITE"
        acknowledge(ctx, call, ok)
        hang_up(ctx, call, ok)
        while status(await ctx.caller.next()) != 200:  # (a repeated 200 of the INVITE may come first)
            pass
        ana.reply(await ana.next("BYE"), 200)
        assert ctx.router.calls[call.id].outcome == "answered" and ctx.router.calls[call.id].state == "ended"
        assert ctx.front.counters["out_487"] == 0

    run(scenario)


@needs_redis
def test_with_two_nodes_only_the_callers_node_rings_the_phone(tmp_path):
    """Two nodes on one Redis: the agent becomes available through node 2, whose router makes the offer; the
    `offered` event reaches both nodes, but only node 1, which holds the caller's leg, rings the phone; the
    phone's 200 runs the accept in Redis and node 1 answers the caller."""
    import redis

    from casashore.route.state.shared_router import SharedRouter

    async def main(port: int):
        loop = asyncio.get_running_loop()
        _, phone = await loop.create_datagram_endpoint(AgentPhone, local_addr=("127.0.0.1", 0))
        clock = Clock()
        nodes = []
        for name in ("n1", "n2"):
            shared = SharedRouter(redis.Redis(port=port, decode_responses=True), "two",
                                  {"fr": RoutingQueue("fr", "fr")}, node=name)
            shared.configure(shared.queues, offer_timeout_s=15.0, wrap_up_s=0.0, reset=name == "n1")
            if name == "n1":
                shared.add_agent("ana", {"fr": 1}, clock.now)
            shared.skip_past_events()
            service = RouterService(shared, clock=clock,
                                    registrations=Registrations({"ana": f"sip:ana@127.0.0.1:{phone.port}"}))
            transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr"}, t1_s=0.05, t2_s=0.2)
            front.port = transport.get_extra_info("sockname")[1]
            nodes.append((service, front, transport))
        (one, front1, _), (two, front2, _) = nodes
        caller_transport, caller = await loop.create_datagram_endpoint(Phone, local_addr=("127.0.0.1", 0))
        try:
            call = Call(front1.port)
            caller_transport.sendto(call.request("INVITE", 1, body=OFFER), ("127.0.0.1", front1.port))
            assert status(await caller.next()) == 180
            two.router.set_status("ana", "available", clock.now)  # the offer is made by node 2's operation
            two.publish()
            one.publish()
            invite = await phone.next("INVITE")
            assert invite.sent_by == f"127.0.0.1:{front1.port}"  # rung by the caller's node
            phone.reply(invite, 200, PHONE_SDP)
            ok = await final(caller)
            assert status(ok) == 200 and PHONE_SDP.decode() in ok
            two.publish()  # node 2 sees the answer too, and rings nothing
            assert one.router.calls[call.id].state == "connected"
            assert front2.counters["out_agent_INVITE"] == 0 and front1.counters["out_agent_INVITE"] == 1
        finally:
            caller_transport.close()
            phone.transport.close()
            for _, _, transport in nodes:
                transport.close()

    with redis_server(tmp_path) as port:
        asyncio.run(main(port))


def test_where_an_offer_rings_a_registered_phone_where_it_registered_from_else_the_fixed_contact():
    from casashore.route.sip.b2bua import B2bua
    from casashore.route.state.registrations import Binding

    registrations = Registrations({"ana": "sip:ana@10.0.0.7", "ben": "sip:ben@[::1]:5070;transport=udp"},
                                  clock=lambda: 100.0)
    registrations.replace("ana", [Binding("sip:ana@192.168.1.20:5062", 200.0, "c", 1, "203.0.113.9:40001", 90.0)])
    assert registrations.target_of("ana") == ("sip:ana@192.168.1.20:5062", "203.0.113.9:40001")  # behind a NAT
    assert registrations.target_of("ana", now=250.0) == ("sip:ana@10.0.0.7", None)  # expired: the fixed one
    assert registrations.target_of("nobody") is None
    assert asyncio.run(B2bua._address("sip:ana@192.168.1.20:5062", "203.0.113.9:40001")) == ("203.0.113.9", 40001)
    assert asyncio.run(B2bua._address("sip:ana@10.0.0.7", None)) == ("10.0.0.7", 5060)
    assert asyncio.run(B2bua._address("sip:ben@[::1]:5070;transport=udp", None)) == ("::1", 5070)
    assert asyncio.run(B2bua._address("sip:carla@localhost:5071", None)) == ("127.0.0.1", 5071)


def test_a_spoofed_answer_or_bye_from_another_host_changes_nothing():
    """Whoever learns a leg's branch and tags (a sniffer on the path) but sends from another address: its 486 for
    the INVITE is ignored (the phone still connects the call), its BYE in the dialog gets 403."""
    async def scenario(ctx):
        loop = asyncio.get_running_loop()
        _, intruder = await loop.create_datagram_endpoint(AgentPhone, local_addr=("127.0.0.2", 0))
        try:
            call, invite = await ring(ctx)
            ana = ctx.phones["ana"]
            intruder.router = ana.router
            intruder.reply(invite, 486)
            await asyncio.sleep(0.05)
            assert ctx.router.calls[call.id].state == "offered"
            await answered(ctx, invite)
            intruder.tag = ana.tag
            intruder.send_request("BYE", invite, cseq=7)
            answer, _ = await asyncio.wait_for(intruder.inbox.get(), 5)
            assert answer.status == 403 and ctx.router.calls[call.id].state == "connected"
            assert ctx.front.counters["agent_foreign_response"] == 1
        finally:
            intruder.transport.close()

    run(scenario)


class BrokenAnchor(Anchor):
    """An anchor whose engine is down (offer) or refuses the phone's answer (answer)."""

    def __init__(self, fails: str) -> None:
        super().__init__()
        self.fails = fails

    async def offer(self, call_id, from_tag, sdp):
        if self.fails == "offer":
            raise RuntimeError("media engine unreachable")
        return await super().offer(call_id, from_tag, sdp)

    async def answer(self, call_id, from_tag, to_tag, sdp):
        raise RuntimeError("media engine refused")


def test_a_failed_media_anchor_ends_the_call_with_480_and_leaves_the_agent_free():
    """Not a missed offer: with the engine down every agent would be paused in turn. The call is cleared (the
    caller's final answer is 480 at once), the agent stays available and idle with no miss counted."""
    for fails in ("offer", "answer"):
        async def scenario(ctx, fails=fails):
            call = Call(ctx.front.port)
            ctx.send(call.request("INVITE", 1, body=OFFER))
            assert status(await ctx.caller.next()) == 180
            ctx.available("ana")
            if fails == "answer":
                invite = await ctx.phones["ana"].next("INVITE")
                ctx.phones["ana"].reply(invite, 200, PHONE_SDP)
                await ctx.phones["ana"].next("ACK")
                ctx.phones["ana"].reply(await ctx.phones["ana"].next("BYE"), 200)  # the phone is hung up
            assert status(await final(ctx.caller)) == 480
            assert ctx.router.calls[call.id].outcome == "cleared"
            ana = ctx.router.agents["ana"]
            assert ana.state == "idle" and ana.missed == 0 and ctx.front.counters["media_failed"] == 1
            if fails == "offer":
                assert ctx.phones["ana"].empty()  # never rung

        run(scenario, media=BrokenAnchor(fails))
