"""SIP over TLS on the trunk side, against a real `casashore route serve` process with a self-signed certificate
made here: OPTIONS and an INVITE answered on the connection they came on (Contact with transport=tls), messages
framed by Content-Length whether pipelined or cut in pieces, CRLF keep-alives answered; refused: plain TCP on the
TLS port, TLS 1.1, an oversized message, a message without Content-Length, connections beyond the limit; the
configuration's mistakes named (a missing certificate, TLS without its files, recording without rtpengine, an
rtpengine that does not answer)."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.route.config import load_center
from router_nodes import free_port, wait_for_port

CENTRE = """[router]
tls_listen = "127.0.0.1:{tls}"
tls_cert = "cert.pem"
tls_key = "key.pem"
tls_max_connections = 3
sip_digest_algorithms = ["MD5"]
[[queues]]
name = "fr"
skill = "fr"
numbers = ["3001"]
[[agents]]
id = "amina"
skills = {{ fr = 1 }}
token = "amina-token-0123456789abcdef"
ha1_md5 = "{ha1}"
"""
AGENT_TOKEN = "amina-token-0123456789abcdef"
PASSWORD = "pw-secret-1"
HA1 = hashlib.md5(f"amina:casashore:{PASSWORD}".encode()).hexdigest()


def self_signed(directory: Path) -> Path:
    """A certificate for 127.0.0.1 (an IP address SAN, as a client checking the name needs) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casashore test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (directory / "key.pem").chmod(0o600)
    return directory / "cert.pem"


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    cert = self_signed(directory)
    tls = free_port()
    (directory / "center.toml").write_text(CENTRE.format(tls=tls, ha1=HA1))
    log = (directory / "router.log").open("w")
    http = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "casashore", "route", "serve", "--config", "center.toml", "--sip",
         f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}", "--http", f"127.0.0.1:{http}", "--no-records"],
        cwd=directory, stdout=log, stderr=log, env=os.environ | {"NO_COLOR": "1"})
    try:
        wait_for_port(tls, process, directory / "router.log")
        yield tls, cert, http
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def client_context(cert: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))  # the name (127.0.0.1) and the chain are checked
    return context


def connect(port: int, cert: Path) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return client_context(cert).wrap_socket(raw, server_hostname="127.0.0.1")


class Reader:
    """Responses off a stream, framed by their Content-Length."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def _more(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def message(self) -> str:
        while b"\r\n\r\n" not in self.buffer:
            assert self._more(), f"the connection closed; buffered {self.buffer!r}"
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        while len(rest) < length:
            assert self._more()
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
        self.buffer = rest[length:]
        return (head + b"\r\n\r\n" + rest[:length]).decode()

    def closed(self) -> bool:
        """True when the router closes the connection (EOF or a reset), without a SIP response first."""
        try:
            while self._more():
                pass
        except (ConnectionResetError, ssl.SSLError):
            pass
        return b"SIP/2.0" not in self.buffer


def sip_request(method: str, port: int, *, call_id: str | None = None, branch: str | None = None,
                cseq: int = 1, body: bytes = b"", uri: str = "sip:3001@127.0.0.1", to_tag: str = "") -> bytes:
    call_id = call_id or uuid.uuid4().hex
    branch = branch or "z9hG4bK" + uuid.uuid4().hex[:12]
    lines = [f"{method} {uri};transport=tls SIP/2.0", f"Via: SIP/2.0/TLS 127.0.0.1:{port};branch={branch}",
             "Max-Forwards: 70", "From: <sip:trunk@127.0.0.1>;tag=trunk1", f"To: <{uri}>{to_tag}",
             f"Call-ID: {call_id}", f"CSeq: {cseq} {method}", "Contact: <sip:trunk@127.0.0.1;transport=tls>"]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


SDP = (b"v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n"
       b"a=rtpmap:8 PCMA/8000\r\n")


def test_options_and_an_invite_over_tls_are_answered_on_the_same_connection(router):
    port, cert, _ = router
    with connect(port, cert) as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        reader = Reader(tls)
        tls.sendall(sip_request("OPTIONS", port))
        options = reader.message()
        assert options.startswith("SIP/2.0 200 OK") and "Allow: INVITE" in options
        assert "Via: SIP/2.0/TLS 127.0.0.1" in options
        call_id, branch = uuid.uuid4().hex, "z9hG4bK" + uuid.uuid4().hex[:12]
        tls.sendall(sip_request("INVITE", port, call_id=call_id, branch=branch, body=SDP))
        ringing = reader.message()
        assert ringing.startswith("SIP/2.0 180 Ringing")
        assert re.search(r"Contact: <sip:router@127\.0\.0\.1:\d+;transport=tls>", ringing)
        tls.sendall(sip_request("CANCEL", port, call_id=call_id, branch=branch))
        answers = {reader.message().split("\r\n")[0] for _ in range(2)}
        assert answers == {"SIP/2.0 200 OK", "SIP/2.0 487 Request Terminated"}
        to_tag = re.search(r"To: .*(;tag=\w+)", ringing).group(1)
        tls.sendall(sip_request("ACK", port, call_id=call_id, branch=branch, to_tag=to_tag))
        tls.sendall(sip_request("OPTIONS", port))  # the ACK draws nothing; the connection goes on
        assert reader.message().startswith("SIP/2.0 200 OK")


def test_pipelined_and_cut_messages_are_framed_by_content_length(router):
    port, cert, _ = router
    with connect(port, cert) as tls:
        reader = Reader(tls)
        first, second = sip_request("OPTIONS", port, cseq=1), sip_request("INVITE", port, body=SDP,
                                                                          uri="sip:9999@127.0.0.1")
        tls.sendall(first + second)  # two messages in one write
        assert reader.message().startswith("SIP/2.0 200 OK")
        assert reader.message().startswith("SIP/2.0 404 Not Found")  # the second, body and all, read whole
        whole = sip_request("OPTIONS", port, cseq=2)
        for start in range(0, len(whole), 7):  # one message in pieces
            tls.sendall(whole[start:start + 7])
        assert "CSeq: 2 OPTIONS" in reader.message()
        tls.sendall(b"\r\n\r\n")  # RFC 5626 keep-alive: a CRLF back
        while len(reader.buffer) < 2:
            assert reader._more()
        assert reader.buffer == b"\r\n"


def test_plain_tcp_on_the_tls_port_gets_no_sip(router):
    port, _, _ = router
    with socket.create_connection(("127.0.0.1", port), timeout=15) as plain:
        plain.sendall(sip_request("OPTIONS", port))
        assert Reader(plain).closed()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TLS 1.0/1.1 named on purpose
def test_tls_1_1_is_refused(router, tmp_path):
    """Checked against a control: this machine's OpenSSL can speak TLS 1.1 to a server that allows it (else the
    refusal would prove nothing and the test skips)."""
    port, cert, _ = router
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    if not control_accepts_tls_1_1(old, tmp_path, cert):
        pytest.skip("this OpenSSL cannot speak TLS 1.1 at all: nothing to refuse")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, pytest.raises(ssl.SSLError):
        old.wrap_socket(raw, server_hostname="127.0.0.1")


def control_accepts_tls_1_1(client: ssl.SSLContext, directory: Path, cert: Path) -> bool:
    import threading

    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.set_ciphers("DEFAULT:@SECLEVEL=0")
    server.minimum_version = ssl.TLSVersion.TLSv1
    server.load_cert_chain(cert, cert.parent / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))

    def accept():
        connection, _ = listener.accept()
        try:
            server.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            client.wrap_socket(raw, server_hostname="127.0.0.1").close()
        return True
    except ssl.SSLError:
        return False
    finally:
        thread.join(10)
        listener.close()


@pytest.mark.parametrize("data", [
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKa\r\nX-Pad: " + b"a" * 9000,
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 9000\r\n\r\n"])
def test_an_oversized_message_closes_the_connection(router, data):
    port, cert, _ = router
    with connect(port, cert) as tls:
        tls.sendall(data)
        assert Reader(tls).closed()


def test_a_message_without_content_length_is_answered_400_and_the_connection_closed(router):
    port, cert, _ = router
    with connect(port, cert) as tls:
        tls.sendall(sip_request("OPTIONS", port).replace(b"Content-Length: 0\r\n", b""))
        reader = Reader(tls)
        assert reader.message().startswith("SIP/2.0 400 Bad Request")
        assert reader.closed()


def test_connections_beyond_the_limit_are_closed(router):
    port, cert, _ = router
    held = [connect(port, cert) for _ in range(3)]  # tls_max_connections = 3
    try:
        for tls in held:  # each is served (and counted open) before the next one
            tls.sendall(sip_request("OPTIONS", port))
            assert Reader(tls).message().startswith("SIP/2.0 200")
        with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
            extra = connect(port, cert)
            extra.sendall(sip_request("OPTIONS", port))
            assert Reader(extra).closed()
            raise ConnectionResetError("closed without an answer")
    finally:
        for tls in held:
            tls.close()


BARESIP = "/usr/bin/baresip"
BARESIP_CONFIG = """poll_method epoll
sip_listen 127.0.0.1:{port}
sip_verify_server no
module_path /usr/lib/baresip/modules
module g711.so
module_app account.so
audio_player aufile,/dev/null
audio_source ausine,440
"""


def registration(http: int) -> dict:
    import httpx

    return httpx.get(f"http://127.0.0.1:{http}/api/agents/amina/registration",
                     headers={"Authorization": f"Bearer {AGENT_TOKEN}"}, timeout=10).json()


def test_baresip_registers_over_tls(router, tmp_path):
    """A real softphone (baresip, Debian's) registers over TLS with digest authentication, and unregisters when
    it stops; each step waited for on the router's API, within a safety limit."""
    if not os.access(BARESIP, os.X_OK):
        pytest.skip("baresip is not installed (Debian package baresip)")
    port, _, http = router
    (tmp_path / "config").write_text(BARESIP_CONFIG.format(port=free_port()))
    (tmp_path / "accounts").write_text(f"<sip:amina@127.0.0.1:{port};transport=tls>;auth_pass={PASSWORD};"
                                       "regint=60\n")
    log = (tmp_path / "baresip.log").open("w")
    phone = subprocess.Popen([BARESIP, "-f", str(tmp_path)], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not registration(http)["bindings"]:
            assert phone.poll() is None and time.monotonic() < deadline, (tmp_path / "baresip.log").read_text()
            time.sleep(0.2)
        view = registration(http)
        assert view["contact"] and "transport=tls" in view["contact"].lower(), view
    finally:
        phone.terminate()  # baresip unregisters (Expires: 0) on its way out
        phone.wait(30)
        log.close()
    assert "{0/TLS/v4} 200 OK" in (tmp_path / "baresip.log").read_text()
    deadline = time.monotonic() + 30
    while registration(http)["bindings"]:
        assert time.monotonic() < deadline, "baresip's unregistration did not arrive"
        time.sleep(0.2)


# -- the configuration's mistakes ----------------------------------------------------------------------------

@pytest.mark.parametrize("router_toml, expected", [
    ('tls_listen = "127.0.0.1:5061"\ntls_cert = "missing.pem"\ntls_key = "missing.pem"\n',
     "router.tls_cert"),
    ('tls_listen = "127.0.0.1:5061"\n', "router.tls_cert: missing"),
    ('tls_listen = "127.0.0.1:99999"\ntls_cert = "c"\ntls_key = "k"\n', "router.tls_listen"),
    ('[router.media]\nrecord = true\n', "router.media.record"),
    ('[router.media]\nengine = "rtpengine"\nrecord = true\n', "router.media.recording_dir: missing"),
    ('[router.media]\nengine = "asterisk"\n', "router.media.engine"),
    ('[router.media]\nsrtp = "strip"\n', "router.media.srtp"),
    ('[router.media]\nng_address = "nowhere"\n', "router.media.ng_address"),
])
def test_route_serve_names_a_wrong_tls_or_media_setting(tmp_path, router_toml, expected):
    config = tmp_path / "center.toml"
    config.write_text('[router]\n' + router_toml + '[[queues]]\nname = "fr"\nskill = "fr"\n')
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records", "--sip",
                                      "127.0.0.1:5060"])
    assert result.exit_code == 2 and expected in " ".join(result.output.split()), result.output
    assert "router: " not in result.output  # refused before the banner


def test_an_unreadable_key_is_named(tmp_path):
    self_signed(tmp_path)
    (tmp_path / "key.pem").write_text("not a key")
    config = tmp_path / "center.toml"
    config.write_text(CENTRE.format(tls=5061, ha1=HA1))
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records", "--sip",
                                      "127.0.0.1:5060"])
    assert result.exit_code == 2 and "router.tls_cert" in result.output and "tls_key" in result.output


def test_tls_needs_the_sip_front(tmp_path):
    self_signed(tmp_path)
    config = tmp_path / "center.toml"
    config.write_text(CENTRE.format(tls=5061, ha1=HA1))
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records"])
    assert result.exit_code == 2 and "router.tls_listen" in result.output and "--sip" in result.output


def test_the_certificate_paths_are_relative_to_the_centre_file(tmp_path):
    self_signed(tmp_path)
    config = tmp_path / "center.toml"
    config.write_text(CENTRE.format(tls=5061, ha1=HA1))
    assert load_center(config).router.tls_cert == str(tmp_path / "cert.pem")


def test_a_router_whose_rtpengine_does_not_answer_does_not_start(tmp_path):
    config = tmp_path / "center.toml"
    config.write_text(f'[router.media]\nengine = "rtpengine"\nng_address = "127.0.0.1:{free_port(socket.SOCK_DGRAM)}"'
                      '\n[[queues]]\nname = "fr"\nskill = "fr"\n')
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "router.media.ng_address" in output and "no reply" in output, output
    with pytest.raises(UserError):  # (the same check, as the use case raises it)
        from casashore.route.config import MediaSettings
        from casashore.usecases.route import check_media_engine
        check_media_engine(MediaSettings(engine="rtpengine", ng_address=f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}"))


def test_a_private_key_others_can_read_is_refused(tmp_path):
    """The key must be its owner's only, as the agents' secrets file must (chmod 600)."""
    self_signed(tmp_path)
    (tmp_path / "key.pem").chmod(0o644)
    config = tmp_path / "center.toml"
    config.write_text(CENTRE.format(tls=5061, ha1=HA1))
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records", "--sip",
                                      "127.0.0.1:5060"])
    words = " ".join(result.output.split())
    assert result.exit_code == 2 and "router.tls_key" in words and "chmod 600" in words and "644" in words
    assert "router: " not in result.output  # refused before the banner
