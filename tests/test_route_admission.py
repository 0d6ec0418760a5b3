"""Overload refused early (issue 19, item 5): the SIP front measures how long datagrams wait in its socket's
queue (a probe sent to itself) and, past the centre's threshold, answers new INVITEs 503 with Retry-After (or
486 for a queue that says so) at once, without touching the routing state. The measure is driven through the
front's API (probing off) or by blocking the loop a known time behind a probe — never by a slow machine."""

from __future__ import annotations

import asyncio
import time

from casashore.route.config import CenterConfig
from casashore.route.service import RouterService
from casashore.route.sip.admission import MAX_OUTSTANDING, TRIPS_KEPT, Admission
from casashore.route.sip.front import start_sip
from casashore.route.state.core import Router, RoutingQueue
from test_route_sip import OFFER, Call, Phone, header, status, until


def test_the_delay_is_the_last_trip_or_the_oldest_probe_still_out():
    admission = Admission(max_delay_s=0.5)
    assert not admission.overloaded(0.0)
    first = admission.probe(10.0)
    assert abs(admission.delay_s(10.3) - 0.3) < 1e-9  # the probe's age while it is out
    assert admission.overloaded(10.6)  # the probe is not back after 0.6 s: overloaded without waiting for it
    second = admission.probe(10.6)
    assert admission.returned(second, 10.7)  # the first was dropped (a full buffer): let go, counted
    second_trip = admission.trips[-1]
    assert admission.lost == 1 and abs(second_trip - 0.1) < 1e-9 and not admission.overloaded(10.7)
    assert admission.returned(first, 10.8) and admission.trips[-1] == second_trip  # late: ignored
    assert not admission.returned(b"INVITE sip:fr@x SIP/2.0\r\n", 11.0)
    forged = first.replace(first.split(b" ")[1], b"0123456789abcdef")
    assert not admission.returned(forged, 11.0)  # a peer cannot move the measure
    admission.measured(0.5)
    assert admission.overloaded(11.0)
    never = Admission(max_delay_s=0)
    never.measured(100.0)
    assert not never.overloaded(0.0)  # 0: every call admitted


def test_one_pause_is_not_a_queue_but_every_probe_delayed_is():
    admission = Admission(max_delay_s=0.5)
    at = 0.0
    for trip in (0.01, 0.9, 0.01):  # one pause of the loop (a collection): one probe late, the next ones not
        probe = admission.probe(at)
        admission.returned(probe, at + trip)
        at += trip + 0.1
    assert not admission.overloaded(at)
    for _ in range(3):  # a backlog: every probe waits behind it
        probe = admission.probe(at)
        admission.returned(probe, at + 0.7)
        at += 0.8
    assert admission.overloaded(at) and abs(admission.delay_s(at) - 0.7) < 1e-9
    probe = admission.probe(at)
    admission.returned(probe, at + 0.02)  # the queue drained: admitted again at once
    assert not admission.overloaded(at + 0.02)


def test_probes_not_back_are_bounded():
    admission = Admission(max_delay_s=0.5)
    for i in range(MAX_OUTSTANDING + 5):
        admission.probe(float(i))
    assert len(admission.outstanding) == MAX_OUTSTANDING and admission.lost == 5
    assert admission.overloaded(float(MAX_OUTSTANDING + 5))


def front_run(scenario, *, overload_delay_s: float, probe_every_s: float = 0.0):
    async def main():
        router = Router({"fr": RoutingQueue("fr", "fr"), "es": RoutingQueue("es", "es")}, wrap_up_s=0.0)
        service = RouterService(router)
        transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr", "es": "es"}, t1_s=0.05, t2_s=0.2,
                                           overload_delay_s=overload_delay_s, overload_answers={"es": 486},
                                           probe_every_s=probe_every_s)
        front.port = transport.get_extra_info("sockname")[1]
        phone_transport, phone = await asyncio.get_running_loop().create_datagram_endpoint(
            Phone, local_addr=("127.0.0.1", 0))
        try:
            await scenario(service, front, phone, lambda data: phone_transport.sendto(data, ("127.0.0.1", front.port)))
        finally:
            phone_transport.close()
            transport.close()
        assert front.counters["internal_errors"] == 0

    asyncio.run(main())


def test_an_overloaded_front_answers_503_or_the_queues_486_without_touching_the_router():
    async def scenario(service, front, phone, send):
        front.admission.measured(0.8)  # datagrams waited 0.8 s: past the threshold
        refused, busy = Call(front.port), Call(front.port, user="es")
        send(refused.request("INVITE", 1, body=OFFER))
        unavailable = await phone.next()
        assert status(unavailable) == 503 and header(unavailable, "Retry-After") == "5"
        send(refused.request("ACK", 1))
        send(busy.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 486  # the es queue's policy
        send(busy.request("ACK", 1))
        assert service.router.calls == {} and service.router.events == []  # the routing state untouched
        assert front.counters["overload_503"] == 1 and front.counters["overload_486"] == 1
        send(Call(front.port, user="nobody").request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 404  # an unknown number is still told so
        front.admission.measured(0.1)  # the queue drained
        admitted = Call(front.port)
        send(admitted.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180  # the provisional answer at once, the call queued
        assert service.router.calls[admitted.id].state == "waiting"

    front_run(scenario, overload_delay_s=0.5)


def test_probes_stuck_behind_a_blocked_loop_refuse_the_invite_queued_behind_them():
    """The real measure: probes enter the socket's queue, the loop is blocked 0.4 s (as a starved CPU would),
    an INVITE arrives behind them; when the loop reads them each probe's trip was at least 0.4 s (a queue, as
    many probes as the measure keeps), so the INVITE gets 503. Once a probe comes back quickly, calls are
    admitted again. Each step waits on a condition; a slower machine only lengthens the trips (the blocking is
    a lower bound), so the outcome does not depend on its speed."""
    async def scenario(service, front, phone, send):
        for _ in range(TRIPS_KEPT):
            front.send_probe()
        time.sleep(0.4)  # the loop blocked: nothing is read meanwhile
        send(Call(front.port).request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 503
        assert front.counters["overload_503"] == 1 and service.router.calls == {}
        await until(lambda: front.admission.delay_s(front.transport.now()) < 0.3)  # later probes come back fast
        admitted = Call(front.port)
        send(admitted.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180

    front_run(scenario, overload_delay_s=0.3, probe_every_s=0.02)


def test_the_threshold_and_the_queues_answer_come_from_the_centre_file():
    config = CenterConfig.model_validate({"router": {"overload_delay_s": 0.25},
                                          "queues": [{"name": "fr", "skill": "fr", "overload_answer": 486},
                                                     {"name": "es", "skill": "es"}]})
    assert config.router.overload_delay_s == 0.25
    assert config.overload_answers() == {"fr": 486, "es": 503}
    assert CenterConfig.model_validate({"queues": [{"name": "fr", "skill": "fr"}]}).router.overload_delay_s == 0.5
    for bad in ({"router": {"overload_delay_s": -1}}, {"router": {"overload_delay_s": 31}},
                {"queues": [{"name": "fr", "skill": "fr", "overload_answer": 500}]}):
        try:
            CenterConfig.model_validate({"queues": [{"name": "fr", "skill": "fr"}]} | bad)
        except ValueError as error:
            assert "overload" in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")
