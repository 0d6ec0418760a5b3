"""Agents' phones' bindings shared through a real redis-server by the nodes of one centre
(state/shared_registrations.py): a phone registered through one node is seen, refreshed, expired and removed the
same way from every node, on the same expiry rule as one node's bindings (gone from every answer the instant
they expire, on a driven clock); a stored value that is not a binding is dropped, never trusted; and a phone
registered through node 2 is rung by node 1, which holds the caller."""

from __future__ import annotations

import asyncio

import pytest

from b2bua_harness import PHONE_SDP, AgentPhone, final
from casashore.route.service import RouterService
from casashore.route.sip.front import start_sip
from casashore.route.sip.registrar import Account, Registrar
from casashore.route.state.core import RoutingQueue
from redis_server import needs_redis, redis_server
from test_route_registrar import LIMITS, PASSWORDS, REALM, Clock, Phone, md5, sha256
from test_route_sip import OFFER, Call, status
from test_route_sip import Phone as Caller

pytestmark = needs_redis
redis = pytest.importorskip("redis")
PREFIX = "cs:{shared-reg}:"


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


def node_registrar(port: int, clock) -> Registrar:
    """One node's registrar: its own nonces (a secret per start), the centre's bindings in Redis."""
    from casashore.route.state.shared_registrations import SharedRegistrations

    registrations = SharedRegistrations(redis.Redis(port=port, decode_responses=True), PREFIX,
                                        {"youssef": "sip:youssef@10.0.0.9"}, clock=clock)
    accounts = {user: Account(user, {"MD5": md5(f"{user}:{REALM}:{pw}"), "SHA-256": sha256(f"{user}:{REALM}:{pw}")})
                for user, pw in PASSWORDS.items()}
    return Registrar(accounts, registrations, realm=REALM, limits=LIMITS)


def seen(reg: Registrar, agent: str = "amina") -> dict[str, float]:
    now = reg.registrations.clock()
    return {b.contact: b.expires_at - now for b in reg.registrations.current(agent)}


def test_a_phone_registered_through_one_node_is_seen_refreshed_expired_and_removed_by_every_node(redis_port):
    client = redis.Redis(port=redis_port, decode_responses=True)
    client.flushall()
    clock = Clock()
    one, two = node_registrar(redis_port, clock), node_registrar(redis_port, clock)
    phone = Phone(source=("192.0.2.7", 5070))
    assert phone.login(one)[0] == 200
    assert seen(one) == seen(two) == {phone.contact: 300}
    assert two.registrations.target_of("amina") == (phone.contact, "192.0.2.7:5070")  # where it registered from
    assert 300_000 < client.pttl(PREFIX + "reg:amina") <= 360_000  # Redis forgets it a minute after its expiry

    clock.t += 200  # the refresh reaches node 2, which does not know node 1's nonce: stale, answered at once
    status_code, headers = phone.send(two, phone.register())
    assert status_code == 401 and "stale=true" in headers["WWW-Authenticate"][0]
    assert phone.send(two, phone.register())[0] == 200
    assert seen(one) == seen(two) == {phone.contact: 300}  # 300 s from the refresh, on both

    clock.t += 299.9
    assert seen(one) == {phone.contact: pytest.approx(0.1)}
    clock.t += 0.1  # on time, to the tick of the driven clock, on every node
    assert seen(two) == seen(one) == {} and two.registrations.contact_of("amina") is None
    assert client.hlen(PREFIX + "reg:amina") == 0  # dropped as it was read

    assert phone.login(one)[0] == 200 and seen(two) == {phone.contact: 300}
    assert phone.send(one, phone.register(expires="0"))[0] == 200  # un-REGISTER through node 1
    assert seen(two) == {} and not client.exists(PREFIX + "reg:amina")
    assert two.registrations.target_of("youssef") == ("sip:youssef@10.0.0.9", None)  # fixed contacts unchanged
    view = one.registrations.view("amina")
    assert view == {"agent": "amina", "contact": None, "fixed_contact": None, "bindings": []}


def test_a_stored_value_that_is_no_binding_is_dropped_not_trusted(redis_port):
    client = redis.Redis(port=redis_port, decode_responses=True)
    client.flushall()
    clock = Clock()
    one = node_registrar(redis_port, clock)
    phone = Phone()
    assert phone.login(one)[0] == 200
    key = PREFIX + "reg:amina"
    client.hset(key, mapping={"sip:evil@203.0.113.1": "not json", "sip:big@203.0.113.2": "[" + "1," * 5000 + "1]",
                              "sip:short@203.0.113.3": "[1, 2]"})
    assert seen(one) == {phone.contact: 300}
    assert set(client.hkeys(key)) == {phone.contact}


def test_a_phone_registered_through_node_two_is_rung_by_the_callers_node(redis_port):
    """No fixed contact: only the binding made through node 2 tells node 1 where ana's phone is."""
    from casashore.route.state.shared_registrations import SharedRegistrations
    from casashore.route.state.shared_router import SharedRouter

    redis.Redis(port=redis_port).flushall()

    async def main():
        loop = asyncio.get_running_loop()
        _, ana = await loop.create_datagram_endpoint(AgentPhone, local_addr=("127.0.0.1", 0))
        clock = Clock()
        nodes = []
        for name in ("n1", "n2"):
            client = redis.Redis(port=redis_port, decode_responses=True)
            shared = SharedRouter(client, "shared-reg", {"fr": RoutingQueue("fr", "fr")}, node=name)
            shared.configure(shared.queues, offer_timeout_s=15.0, wrap_up_s=0.0, reset=name == "n1")
            if name == "n1":
                shared.add_agent("amina", {"fr": 1}, clock.t)
            shared.skip_past_events()
            service = RouterService(shared, clock=clock,
                                    registrations=SharedRegistrations(client, shared.prefix, {}, clock=clock))
            transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr"}, t1_s=0.05, t2_s=0.2)
            front.port = transport.get_extra_info("sockname")[1]
            nodes.append((service, front, transport))
        (one, front1, _), (two, front2, _) = nodes
        accounts = {"amina": Account("amina", {"SHA-256": sha256(f"amina:{REALM}:{PASSWORDS['amina']}")})}
        registrar2 = Registrar(accounts, two.registrations, realm=REALM, algorithms=("SHA-256",), limits=LIMITS)
        phone = Phone(contact=f"sip:amina@127.0.0.1:{ana.port}", source=("127.0.0.1", ana.port))
        assert phone.login(registrar2)[0] == 200
        caller_transport, caller = await loop.create_datagram_endpoint(Caller, local_addr=("127.0.0.1", 0))
        try:
            call = Call(front1.port)
            caller_transport.sendto(call.request("INVITE", 1, body=OFFER), ("127.0.0.1", front1.port))
            assert status(await caller.next()) == 180
            two.router.set_status("amina", "available", clock.t)
            two.publish()
            one.publish()
            invite = await ana.next("INVITE")
            assert invite.sent_by == f"127.0.0.1:{front1.port}"  # rung by the caller's node
            ana.reply(invite, 200, PHONE_SDP)
            ok = await final(caller)
            assert status(ok) == 200 and PHONE_SDP.decode() in ok
            assert front1.counters["out_agent_INVITE"] == 1 and front2.counters["out_agent_INVITE"] == 0
        finally:
            caller_transport.close()
            ana.transport.close()
            for _, _, transport in nodes:
                transport.close()

    asyncio.run(main())
