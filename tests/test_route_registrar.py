"""Agents' phones registering with the router: digest authentication against RFC 7616's published examples and
a computation by hand, the registrar's state machine on a driven clock (register, refresh, expire, remove), each
attack on it refused with nothing changed, the front dispatching REGISTER over real UDP, the API's view of the
bindings, and the centre file's credentials (HA1 only; a secrets file readable by its owner only)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid

import hypothesis.strategies as st
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings

from casashore.errors import UserError
from casashore.route.config import load_center
from casashore.route.http import create_router_app
from casashore.route.service import RouterService
from casashore.route.sip.digest import (
    DigestError,
    Nonces,
    expected_response,
    make_ha1,
    parse_credentials,
)
from casashore.route.sip.front import start_sip
from casashore.route.sip.message import SipParseError, parse
from casashore.route.sip.registrar import MAX_FAILURES, Account, FailureLimit, Limits, Registrar
from casashore.route.state.core import Router, RoutingQueue
from casashore.route.state.registrations import Registrations

REALM = "casashore"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- digest ------------------------------------------------------------------------------------------------

RFC7616 = dict(method="GET", uri="/dir/index.html", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
               nc="00000001", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")


@pytest.mark.parametrize("algorithm, published", [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")])
def test_digest_gives_rfc_7616s_published_responses(algorithm, published):
    """RFC 7616 §3.9.1: Mufasa, "Circle of Life", realm http-auth@example.org."""
    ha1 = make_ha1(algorithm, "Mufasa", "http-auth@example.org", "Circle of Life")
    assert expected_response(algorithm, ha1, **RFC7616) == published


@pytest.mark.parametrize("algorithm, h", [("MD5", md5), ("SHA-256", sha256)])
def test_digest_equals_a_computation_by_hand(algorithm, h):
    ha1 = h("amina:casashore:s3cret é")
    assert make_ha1(algorithm, "amina", "casashore", "s3cret é") == ha1
    by_hand = h(f"{ha1}:n1:0000000a:c1:auth:{h('REGISTER:sip:127.0.0.1:5060')}")
    assert expected_response(algorithm, ha1, method="REGISTER", uri="sip:127.0.0.1:5060", nonce="n1",
                             nc="0000000a", cnonce="c1") == by_hand


def test_credentials_are_parsed_strictly():
    creds = parse_credentials('Digest username="a\\"b", realm="r", nc=00000001, qop=auth, uri="sip:x,y"')
    assert creds == {"username": 'a"b', "realm": "r", "nc": "00000001", "qop": "auth", "uri": "sip:x,y"}
    for bad in ('Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Digest username="a", username="b"', 'Digest =x',
                'Digest username="unterminated'):
        with pytest.raises(DigestError):
            parse_credentials(bad)


def test_nonces_are_fresh_once_per_count_then_replayed_or_stale():
    nonces = Nonces(lifetime_s=300, capacity=2)
    first = nonces.issue(10.0)
    assert nonces.use(first, "00000001", 11.0) == "fresh"
    assert nonces.use(first, "00000001", 12.0) == "replayed"
    assert nonces.use(first, "00000002", 12.0) == "fresh"
    assert nonces.use(first, "00000003", 311.0) == "stale"  # past its lifetime
    forged = first.rsplit(".", 1)[0] + "." + "0" * 32
    assert nonces.use(forged, "00000001", 12.0) == "stale"
    assert Nonces().use(nonces.issue(12.0), "00000001", 12.0) == "stale"  # another start's secret
    assert nonces.use(first.rsplit(".", 1)[0] + ".é", "00000001", 12.0) == "stale"  # not ASCII: not ours
    # a nonce let go early (capacity 2) is never taken for a new one: its count may have been used
    second, third, fourth = (nonces.issue(20.0 + k) for k in range(3))
    for nonce in (second, third, fourth):
        assert nonces.use(nonce, "00000001", 30.0) == "fresh"
    assert nonces.use(second, "00000001", 30.0) == "stale"
    assert nonces.use(fourth, "00000002", 30.0) == "fresh"


# -- the registrar on a driven clock -----------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


PASSWORDS = {"amina": "amina-pass", "youssef": "youssef-pass"}


LIMITS = Limits(min_expires_s=60, max_expires_s=3600, default_expires_s=600, max_contacts=2)


def registrar(limits: Limits = LIMITS, algorithms=("SHA-256", "MD5")):
    clock = Clock()
    registrations = Registrations({"youssef": "sip:youssef@10.0.0.9"}, clock=clock)
    accounts = {user: Account(user, {"MD5": md5(f"{user}:{REALM}:{pw}"), "SHA-256": sha256(f"{user}:{REALM}:{pw}")})
                for user, pw in PASSWORDS.items()}
    return Registrar(accounts, registrations, realm=REALM, algorithms=algorithms, limits=limits), clock


class Phone:
    """A phone registering: it reads the challenge and answers it as RFC 7616 says (hashlib, by hand)."""

    def __init__(self, user: str = "amina", password: str | None = None, *, contact: str | None = None,
                 source=("127.0.0.1", 5070)) -> None:
        self.user, self.password = user, PASSWORDS.get(user, "x") if password is None else password
        self.contact = contact or f"sip:{user}@127.0.0.1:5070"
        self.call_id, self.cseq, self.nc, self.source = uuid.uuid4().hex, 0, 0, source
        self.challenge: dict[str, str] | None = None

    def register(self, *, expires: str | None = "300", contacts: list[str] | None = None, to_user: str | None = None,
                 authorization: str | None = None, auth: bool = True, algorithm: str = "SHA-256") -> bytes:
        self.cseq += 1
        lines = ["REGISTER sip:127.0.0.1:5060 SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK{uuid.uuid4().hex[:12]}", "Max-Forwards: 70",
                 f"From: <sip:{self.user}@127.0.0.1>;tag=p1", f"To: <sip:{to_user or self.user}@127.0.0.1>",
                 f"Call-ID: {self.call_id}", f"CSeq: {self.cseq} REGISTER"]
        lines += [f"Contact: {c}" for c in (contacts if contacts is not None else [f"<{self.contact}>"])]
        if expires is not None:
            lines.append(f"Expires: {expires}")
        if authorization is not None:
            lines.append(f"Authorization: {authorization}")
        elif auth and self.challenge is not None:
            lines.append(f"Authorization: {self.answer(algorithm)}")
        return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()

    def answer(self, algorithm: str, nc: int | None = None) -> str:
        h = md5 if algorithm == "MD5" else sha256
        self.nc = self.nc + 1 if nc is None else nc
        nonce, nc_text = self.challenge["nonce"], f"{self.nc:08x}"
        ha1 = h(f"{self.user}:{REALM}:{self.password}")
        response = h(f"{ha1}:{nonce}:{nc_text}:c0ffee:auth:{h('REGISTER:sip:127.0.0.1:5060')}")
        return (f'Digest username="{self.user}", realm="{REALM}", nonce="{nonce}", uri="sip:127.0.0.1:5060", '
                f'response="{response}", algorithm={algorithm}, cnonce="c0ffee", qop=auth, nc={nc_text}')

    def send(self, reg: Registrar, data: bytes) -> tuple[int, dict[str, list[str]]]:
        status, extra = reg.handle(parse(data), self.source)
        headers: dict[str, list[str]] = {}
        for name, value in extra:
            headers.setdefault(name, []).append(value)
        if status == 401:
            self.challenge, self.nc = parse_credentials(headers["WWW-Authenticate"][0]), 0
        return status, headers

    def login(self, reg: Registrar, **options) -> tuple[int, dict[str, list[str]]]:
        """Challenged, then answering the challenge."""
        assert self.send(reg, self.register(auth=False, **options))[0] == 401
        return self.send(reg, self.register(**options))


def contacts(reg: Registrar, agent: str = "amina") -> dict[str, float]:
    now = reg.registrations.clock()
    return {b.contact: b.expires_at - now for b in reg.registrations.current(agent)}


def test_a_phone_is_challenged_then_registers_refreshes_expires_and_unregisters():
    reg, clock = registrar()
    phone = Phone()
    status, headers = phone.send(reg, phone.register())
    assert status == 401 and contacts(reg) == {}
    offered = [parse_credentials(v) for v in headers["WWW-Authenticate"]]
    assert [c["algorithm"] for c in offered] == ["SHA-256", "MD5"] and {c["qop"] for c in offered} == {"auth"}
    assert {c["realm"] for c in offered} == {REALM}

    status, headers = phone.send(reg, phone.register())
    assert status == 200 and contacts(reg) == {phone.contact: 300}
    assert headers["Contact"] == [f"<{phone.contact}>;expires=300"]
    assert reg.registrations.contact_of("amina") == phone.contact

    clock.t += 200  # a refresh before expiry: the same binding, 300 s from now
    assert phone.send(reg, phone.register(algorithm="MD5"))[0] == 200
    assert contacts(reg) == {phone.contact: 300}

    clock.t += 299.9
    assert contacts(reg) == {phone.contact: pytest.approx(0.1)}
    clock.t += 0.1  # on time, to the tick of the driven clock
    assert contacts(reg) == {} and reg.registrations.contact_of("amina") is None

    assert phone.login(reg)[0] == 200 and contacts(reg) == {phone.contact: 300}
    status, headers = phone.send(reg, phone.register(expires="0"))  # un-REGISTER
    assert status == 200 and contacts(reg) == {} and "Contact" not in headers


def test_contacts_expires_and_star_removal():
    reg, clock = registrar()
    phone = Phone()
    desk, soft = "sip:amina@10.0.0.5:5060", "sip:amina@10.0.0.6:5062;transport=udp"
    assert phone.login(reg, contacts=[f"<{desk}>;expires=120", f'"Soft, phone" <{soft}>'], expires="900")[0] == 200
    assert contacts(reg) == {desk: 120, soft: 900}
    assert phone.send(reg, phone.register(contacts=[desk], expires=None))[0] == 200  # no Expires: the default
    assert contacts(reg) == {desk: 600, soft: 900}
    assert phone.send(reg, phone.register(contacts=[], expires=None))[1]["Contact"]  # a query lists them
    assert contacts(reg) == {desk: 600, soft: 900}
    assert phone.send(reg, phone.register(contacts=["*"], expires="60"))[0] == 400  # * needs Expires: 0
    assert phone.send(reg, phone.register(contacts=["*", f"<{desk}>"], expires="0"))[0] == 400
    assert len(contacts(reg)) == 2
    assert phone.send(reg, phone.register(contacts=["*"], expires="0"))[0] == 200
    assert contacts(reg) == {}


def test_brief_huge_and_malformed_intervals():
    reg, clock = registrar()
    phone = Phone()
    status, headers = phone.login(reg, expires="59")
    assert status == 423 and headers["Min-Expires"] == ["60"] and contacts(reg) == {}
    assert phone.send(reg, phone.register(expires="99999999999999999999"))[0] == 200  # cut to the maximum
    assert contacts(reg) == {phone.contact: 3600}
    for bad in ("-5", "1e3", "١٢٠"):  # (Arabic-Indic digits are digits to Python, not to SIP)
        assert phone.send(reg, phone.register(expires=bad))[0] == 400
    assert contacts(reg) == {phone.contact: 3600}


def test_more_contacts_than_allowed_change_nothing():
    reg, _ = registrar()
    phone = Phone()
    assert phone.login(reg, contacts=["<sip:a@10.0.0.1>", "<sip:a@10.0.0.2>"])[0] == 200
    status, headers = phone.send(reg, phone.register(contacts=["<sip:a@10.0.0.3>"]))
    assert status == 403 and "at most 2" in headers["Warning"][0]
    assert set(contacts(reg)) == {"sip:a@10.0.0.1", "sip:a@10.0.0.2"}
    many = [f"<sip:a@10.0.1.{k}>;expires=0" for k in range(11)]
    assert phone.send(reg, phone.register(contacts=many))[0] == 400
    for bad in ("<http://evil.example/>", "<sip:" + "a" * 300 + "@h>", "<sip:a b@h>"):
        assert phone.send(reg, phone.register(contacts=[bad]))[0] == 400
    assert set(contacts(reg)) == {"sip:a@10.0.0.1", "sip:a@10.0.0.2"}


def test_wrong_password_and_unknown_user_get_the_same_refusal():
    reg, _ = registrar()
    answers = []
    for phone in (Phone(password="guess"), Phone(user="nobody")):
        status, headers = phone.login(reg)
        answers.append((status, headers))
    assert answers[0] == answers[1] == (403, {})
    assert contacts(reg) == {} and reg.counters["register_failures"] == 2


def test_a_replayed_register_changes_nothing():
    """An eavesdropper re-sends a phone's REGISTER (a new branch, another contact: qop=auth covers neither)."""
    reg, _ = registrar()
    phone = Phone()
    phone.send(reg, phone.register())
    authorization = phone.answer("SHA-256")
    assert phone.send(reg, phone.register(authorization=authorization))[0] == 200
    phone.cseq += 5
    status, headers = phone.send(reg, phone.register(authorization=authorization, contacts=["<sip:evil@6.6.6.6>"]))
    assert status == 401 and "stale" not in headers["WWW-Authenticate"][0]
    assert contacts(reg) == {phone.contact: 300}


def test_a_stale_nonce_gets_a_new_one_without_a_failure():
    reg, clock = registrar()
    phone = Phone()
    phone.send(reg, phone.register())
    clock.t += 301  # the nonce is past its lifetime; the phone's answer is right
    status, headers = phone.send(reg, phone.register())
    assert status == 401 and all(v.endswith("stale=true") for v in headers["WWW-Authenticate"])
    assert reg.counters["register_failures"] == 0
    assert phone.send(reg, phone.register())[0] == 200


def test_an_agent_cannot_register_another_agents_phone():
    reg, _ = registrar()
    phone = Phone()  # amina's own credentials, youssef's To
    assert phone.login(reg, to_user="youssef")[0] == 403
    assert contacts(reg, "youssef") == {} and contacts(reg) == {}
    assert reg.registrations.contact_of("youssef") == "sip:youssef@10.0.0.9"  # the fixed contact stays


def test_an_older_cseq_of_the_same_call_id_is_refused():
    reg, _ = registrar()
    phone = Phone()
    assert phone.login(reg)[0] == 200
    phone.cseq -= 1  # the same CSeq again (not a retransmission: a new branch), then an older one
    assert phone.send(reg, phone.register(expires="0"))[0] == 400
    phone.cseq -= 2
    assert phone.send(reg, phone.register(expires="0"))[0] == 400
    assert contacts(reg) == {phone.contact: 300}


def test_unreadable_or_mismatched_credentials_are_400_and_change_nothing():
    reg, _ = registrar()
    phone = Phone()
    phone.send(reg, phone.register())
    good = phone.answer("SHA-256")
    for bad in (good.replace("nc=", "nc=0"), good.replace(', cnonce="c0ffee"', ""),
                good.replace('uri="sip:127.0.0.1:5060"', 'uri="sip:other"'), good + ', nc=00000009'):
        assert phone.send(reg, phone.register(authorization=bad))[0] == 400
    assert phone.send(reg, phone.register(authorization=good.replace("auth", "auth-int")))[0] == 401
    response = good.split('response="')[1].split('"')[0]
    assert phone.send(reg, phone.register(authorization=good.replace(response, "é" * 64)))[0] == 403
    nonce = good.split('nonce="')[1].split('"')[0]
    assert phone.send(reg, phone.register(authorization=good.replace(nonce, nonce[:-3] + "é\\\"")))[0] == 403
    status, headers = phone.send(reg, phone.register(authorization='Basic "quoted\\"'))
    assert status == 400 and headers["Warning"][0].count('"') == 2
    assert contacts(reg) == {} and reg.counters["register_failures"] == 2


def test_failed_attempts_are_limited_per_source_address():
    reg, clock = registrar()
    attacker, phone = Phone(password="guess", source=("203.0.113.9", 5060)), Phone()
    for _ in range(MAX_FAILURES):
        assert attacker.login(reg)[0] == 403
    status, headers = attacker.send(reg, attacker.register())
    assert status == 503 and 1 <= int(headers["Retry-After"][0]) <= 60
    right = Phone(source=("203.0.113.9", 5061))  # the right password from that address waits too
    assert right.send(reg, right.register())[0] == 503
    assert phone.login(reg)[0] == 200  # another address is not held back
    clock.t += 60
    assert right.login(reg)[0] == 200
    limit = FailureLimit(max_failures=1, capacity=2)  # addresses remembered are bounded
    for k in range(5):
        limit.failed(f"10.0.0.{k}", 0.0)
    assert len(limit._failures) == 2


def test_a_peers_text_is_escaped_in_the_log(caplog):
    reg, _ = registrar()
    phone = Phone(user="evil\x1b[31mred")
    with caplog.at_level(logging.WARNING, logger="casashore.sip.registrar"):
        phone.login(reg)
    assert "\x1b" not in caplog.text and "\\x1b" in caplog.text


def test_only_the_offered_algorithms_are_accepted():
    reg, _ = registrar(algorithms=("SHA-256",))
    phone = Phone()
    phone.send(reg, phone.register())
    assert phone.send(reg, phone.register(algorithm="MD5"))[0] == 401
    assert phone.send(reg, phone.register())[0] == 200


def authenticated(phone: Phone, reg: Registrar, make) -> int:
    """Send ``make()`` (a new REGISTER each time), answering a challenge or a stale nonce as a phone does."""
    for _ in range(3):
        status, _ = phone.send(reg, make())
        if status != 401:
            return status
    raise AssertionError("challenged three times in a row")


OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("bind"), st.integers(0, 3), st.sampled_from([0, 1, 59, 60, 61, 600, 3600, 3601, 10**12])),
    st.tuples(st.just("star"), st.just(0), st.just(0)),
    st.tuples(st.just("wait"), st.just(0), st.sampled_from([0.5, 59, 60, 299, 301, 600, 3600]))), max_size=30)


@settings(max_examples=80, deadline=None)
@given(OPERATIONS)
def test_random_registrations_follow_a_model_of_rfc_3261_section_10(operations):
    """Random REGISTERs (bind, refresh, remove, *) and waits: the answers and the bindings equal a model's
    (min 60 s -> 423, max 3600 s, two contacts at most -> 403, expiry at the instant on the driven clock)."""
    reg, clock = registrar()
    phone, model = Phone(), {}
    for kind, k, value in operations:
        if kind == "wait":
            clock.t += value
        elif kind == "star":
            assert authenticated(phone, reg, lambda: phone.register(contacts=["*"], expires="0")) == 200
            model = {}
        else:
            contact = f"sip:amina@10.0.0.{k}"
            status = authenticated(phone, reg, lambda c=contact, v=value: phone.register(contacts=[f"<{c}>"],
                                                                                         expires=str(v)))
            model = {c: t for c, t in model.items() if t > clock.t}
            after = dict(model)
            if value == 0:
                after.pop(contact, None)
            else:
                after[contact] = clock.t + min(value, 3600)
            expected = 423 if 0 < value < 60 else 403 if len(after) > 2 else 200
            assert status == expected
            model = after if expected == 200 else model
        model = {c: t for c, t in model.items() if t > clock.t}
        assert {b.contact: b.expires_at for b in reg.registrations.current("amina")} == model


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=3)), min_size=1, max_size=6))
def test_mutated_registers_get_an_answer_and_never_raise(mutations):
    """Random byte changes of a phone's authenticated REGISTER: the registrar answers each one it can read with
    a SIP status (nothing escapes to the front's catch-all), and binds nothing unless it answers 200."""
    reg, _ = registrar()
    phone = Phone()
    phone.send(reg, phone.register())
    data = bytearray(phone.register())
    for at, replacement in mutations:
        at %= len(data)
        data[at:at + len(replacement)] = replacement
    try:
        message = parse(bytes(data))
    except SipParseError:
        return
    status, _ = reg.handle(message, ("127.0.0.1", 5070))
    assert status in (200, 400, 401, 403, 423, 503)
    if status != 200:
        assert contacts(reg) == {}


def test_an_oversized_authorization_is_unreadable():
    phone = Phone()
    huge = 'Digest username="' + "a" * 1100 + '"'
    with pytest.raises(SipParseError, match="1,024|1024"):
        parse(phone.register(authorization=huge))


# -- through the front, over UDP, and the API --------------------------------------------------------------

class Socket(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()

    def datagram_received(self, data, addr) -> None:
        self.inbox.put_nowait(data)


def test_the_front_answers_register_and_a_retransmission_gets_the_same_answer():
    async def scenario():
        reg, _ = registrar()
        service = RouterService(Router({"fr": RoutingQueue("fr", "fr")}), registrations=reg.registrations)
        transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr"}, registrar=reg)
        port = transport.get_extra_info("sockname")[1]
        client, inbox = await asyncio.get_running_loop().create_datagram_endpoint(Socket, local_addr=("127.0.0.1", 0))
        try:
            phone = Phone(source=None)

            async def exchange(data: bytes):
                client.sendto(data, ("127.0.0.1", port))
                answer = parse(await asyncio.wait_for(inbox.inbox.get(), 5))
                if answer.status == 401:
                    phone.challenge, phone.nc = parse_credentials(answer.get("WWW-Authenticate")), 0
                return answer

            assert (await exchange(phone.register())).status == 401
            data = phone.register()
            first = await exchange(data)
            again = await exchange(data)  # the same datagram: the remembered answer, not a replay
            assert first.status == again.status == 200 and first.all("Contact") == again.all("Contact")
            assert reg.registrations.contact_of("amina") == phone.contact
            assert "REGISTER" in (await exchange(data.replace(b"REGISTER sip", b"OPTIONS sip").replace(
                b"REGISTER\r\n", b"OPTIONS\r\n"))).get("Allow")
        finally:
            client.close()
            transport.close()

    asyncio.run(scenario())


def test_the_api_shows_an_agents_bindings_to_the_agent_and_supervisors():
    reg, clock = registrar()
    assert Phone().login(reg)[0] == 200
    router = Router({"fr": RoutingQueue("fr", "fr")})
    for agent in ("amina", "youssef"):
        router.add_agent(agent, {"fr": 1}, 0.0)
    tokens = {"sup-token-0123456789": "supervisor", "amina-token-0123456": "amina", "yous-token-01234567": "youssef"}
    from casashore.route.auth import Principal
    principals = {t: Principal("supervisor") if who == "supervisor" else Principal("agent", who)
                  for t, who in tokens.items()}
    app = create_router_app(RouterService(router, registrations=reg.registrations), principals, tick_s=60)
    with TestClient(app) as client:
        def get(agent: str, token: str):
            return client.get(f"/api/agents/{agent}/registration", headers={"Authorization": f"Bearer {token}"})

        seen = get("amina", "sup-token-0123456789")
        assert seen.status_code == 200
        body = seen.json()
        assert body["contact"] == "sip:amina@127.0.0.1:5070" and body["fixed_contact"] is None
        assert body["bindings"][0]["expires_in_s"] == 300 and body["bindings"][0]["source"] == "127.0.0.1:5070"
        assert get("amina", "amina-token-0123456").status_code == 200
        assert get("amina", "yous-token-01234567").status_code == 403
        assert get("youssef", "yous-token-01234567").json()["contact"] == "sip:youssef@10.0.0.9"
        assert get("nobody", "sup-token-0123456789").status_code == 404
        clock.t += 300
        assert get("amina", "sup-token-0123456789").json()["bindings"] == []


# -- the centre file -----------------------------------------------------------------------------------------

CENTRE = """
[router]
sip_realm = "casashore"
{extra}
[[queues]]
name = "fr"
skill = "fr"
[[agents]]
id = "amina"
skills = {{ fr = 1 }}
{amina}
[[agents]]
id = "youssef"
skills = {{ fr = 1 }}
contact = "sip:youssef@10.0.0.9:5060"
"""


MD5_ONLY = 'sip_digest_algorithms = ["MD5"]'
WITH_SECRETS = MD5_ONLY + '\nsip_secrets = "secrets.toml"'


def write(tmp_path, amina: str = "", extra: str = MD5_ONLY, secrets: str | None = None, mode: int = 0o600):
    (tmp_path / "center.toml").write_text(CENTRE.format(amina=amina, extra=extra))
    if secrets is not None:
        (tmp_path / "secrets.toml").write_text(secrets)
        os.chmod(tmp_path / "secrets.toml", mode)
    return tmp_path / "center.toml"


def test_credentials_are_ha1s_in_the_centre_file_or_a_private_secrets_file(tmp_path):
    ha1 = md5("amina:casashore:pw")
    center = load_center(write(tmp_path, amina=f'sip_user = "amina"\nha1_md5 = "{ha1}"'))
    assert center.sip_accounts() == {"amina": Account("amina", {"MD5": ha1})}
    assert center.fixed_contacts() == {"youssef": "sip:youssef@10.0.0.9:5060"}

    secrets = f'[agents.amina]\nsip_user = "amina7"\nha1_md5 = "{ha1}"\n'
    center = load_center(write(tmp_path, extra=WITH_SECRETS, secrets=secrets))
    assert center.sip_accounts() == {"amina7": Account("amina", {"MD5": ha1})}

    with pytest.raises(UserError, match="owner only"):
        load_center(write(tmp_path, extra=WITH_SECRETS, secrets=secrets, mode=0o644))
    with pytest.raises(UserError, match="agents.nobody"):
        load_center(write(tmp_path, extra=WITH_SECRETS, secrets=secrets.replace("amina]", "nobody]")))
    with pytest.raises(UserError, match="password"):  # a plain password has no field to go in
        load_center(write(tmp_path, amina='password = "pw"'))
    with pytest.raises(UserError, match="ha1_md5"):
        load_center(write(tmp_path, amina='ha1_md5 = "Not-a-hash"'))
    for contact in ('sip:a\\"b@h', "sip:a<b@h", "http://h", "sip:a b@h"):  # what a header could not carry
        with pytest.raises(UserError, match="contact"):
            load_center(write(tmp_path, amina=f"contact = '{contact}'"))
    with pytest.raises(UserError, match="ha1_sha256"):  # every algorithm offered needs its HA1
        load_center(write(tmp_path, amina=f'ha1_md5 = "{ha1}"',
                          extra='sip_digest_algorithms = ["SHA-256", "MD5"]'))
    with pytest.raises(UserError, match="register_default_expires_s"):
        load_center(write(tmp_path, extra="register_min_expires_s = 60\nregister_default_expires_s = 10"))


def test_the_examples_demo_credentials_are_the_ha1s_of_its_documented_password():
    from pathlib import Path

    center = load_center(Path(__file__).resolve().parents[1] / "examples" / "center.toml")
    text = "amina:casashore:amina-demo-sip-password"
    assert center.sip_accounts()["amina"] == Account("amina", {"MD5": md5(text), "SHA-256": sha256(text)})
