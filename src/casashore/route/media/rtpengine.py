"""Media anchored through rtpengine (Sipwise's media proxy, Debian package ``rtpengine-daemon``), driven over its
ng control protocol (ng_protocol.py). Implements the MediaAnchor of media/__init__.py: the B2BUA hands it the
caller's SDP offer (``offer``: what goes to the agent's phone), then the phone's answer (``answer``: what goes
back to the caller), and ``delete`` when the call ends. Each rewritten SDP names rtpengine's address and ports,
so RTP flows caller <-> rtpengine <-> phone: NAT on either side is handled there, and the call can be recorded.

Flags sent with every offer and answer: ICE removed (a trunk and desk phones on a LAN have no use for it, and a
stale candidate would bypass the anchor), origin and session-connection replaced (the SDP names rtpengine
only), DTLS off (SDES is the trunk side's SRTP). SRTP (``srtp``):

- ``terminate``: the agents' leg is plain RTP/AVP on the LAN; an SRTP (SDES, ``a=crypto``) offer from the trunk
  is decrypted by rtpengine and the answer to the trunk is SRTP with rtpengine's own key;
- ``pass``: each leg keeps the transport the caller offered: an SRTP offer reaches the phone as SRTP, the
  caller's crypto line first (a phone that takes it gets the packets as they were sent).

Failures: an engine that does not answer (after the ng client's retries) or answers an error raises MediaError
from ``offer``/``answer`` — the B2BUA fails that call cleanly instead of hanging; ``delete`` logs and counts a
failure and returns (the call is over either way; rtpengine frees a silent call's ports after its own
``--timeout``). ``connect`` pings the engine first: a router configured for rtpengine does not start without it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from casashore.route.media.ng_protocol import NgClient, NgError, NgUnreachable

log = logging.getLogger("casashore.media")
SrtpMode = Literal["pass", "terminate"]
COMMON_FLAGS = {"ICE": "remove", "DTLS": "off", "replace": ["origin", "session-connection"]}
RECORDING_NAME = re.compile(r"-[0-9a-f]{16}\.pcap")
"""rtpengine's pcap file: the URL-escaped Call-ID, '-', 16 hexadecimal digits, ``.pcap``."""
META_PREFIX = "rtpengine-meta-"
META_SUFFIX = re.compile(r"-[0-9a-f]{16}\.tmp")
"""A live call's metadata file in rtpengine's ``tmp/``: ``rtpengine-meta-``, the escaped Call-ID, this suffix."""


class MediaError(RuntimeError):
    """The media engine could not anchor the call (unreachable, or it refused: the reason is in the message)."""


@dataclass(frozen=True)
class MediaCounts:
    """Packets rtpengine received for a call: per party (SIP tag) on its RTP streams, and in all."""

    rtp_packets_by_tag: dict[str, int]
    rtp_packets: int
    rtp_errors: int


class RtpEngineMedia:
    def __init__(self, client: NgClient, *, srtp: SrtpMode = "terminate", record: bool = False,
                 recording_dir: Path | None = None) -> None:
        """``recording_dir``: rtpengine's ``--recording-dir`` as this host sees it (to find a call's file)."""
        self.client, self.srtp, self.record, self.recording_dir = client, srtp, record, recording_dir
        self.counters: Counter = Counter()

    @classmethod
    async def connect(cls, host: str, port: int, **options) -> RtpEngineMedia:
        """Open the control socket and ping the engine: MediaError when it does not answer."""
        client_options = {k: options.pop(k) for k in ("timeout_s", "retries") if k in options}
        client = await NgClient(host, port, **client_options).open()
        media = cls(client, **options)
        try:
            await media.ping()
        except MediaError:
            client.close()
            raise
        return media

    def close(self) -> None:
        self.client.close()

    async def _request(self, command: str, **arguments: object) -> dict:
        try:
            return await self.client.request(command, **arguments)
        except NgUnreachable as exc:
            self.counters[f"{command}_unreachable"] += 1
            raise MediaError(f"media engine unreachable: {exc}") from None
        except NgError as exc:
            self.counters[f"{command}_refused"] += 1
            raise MediaError(f"media engine refused: {exc}") from None

    async def ping(self) -> None:
        reply = await self._request("ping")
        if reply.get("result") != b"pong":
            raise MediaError(f"media engine: a ping answered {reply.get('result')!r}, not pong")

    # -- the MediaAnchor ------------------------------------------------------------------------------
    async def offer(self, call_id: str, from_tag: str, sdp: bytes) -> bytes:
        """The caller's (trunk's) offer -> the offer for the agent's phone, on rtpengine's ports."""
        flags = dict(COMMON_FLAGS)
        if self.srtp == "terminate":
            flags["transport-protocol"] = "RTP/AVP"
        return await self._sdp("offer", call_id=call_id, from_tag=from_tag, sdp=sdp, **self._record(), **flags)

    async def answer(self, call_id: str, from_tag: str, to_tag: str, sdp: bytes) -> bytes:
        """The phone's answer -> the answer for the caller (SRTP again when the caller offered SRTP)."""
        return await self._sdp("answer", call_id=call_id, from_tag=from_tag, to_tag=to_tag, sdp=sdp,
                               **self._record(), **COMMON_FLAGS)

    async def delete(self, call_id: str, from_tag: str) -> None:
        try:
            reply = await self._request("delete", call_id=call_id, from_tag=from_tag)
        except MediaError as exc:
            log.warning("call %s: media not freed (%s); rtpengine frees it after its --timeout", call_id[:64], exc)
            return
        if "warning" in reply:  # e.g. the call was never anchored, or rtpengine already timed it out
            log.info("call %s: rtpengine: %s", call_id[:64], reply["warning"].decode("utf-8", "replace")[:200])

    # -- beyond the anchor: counts and recording ------------------------------------------------------
    async def query(self, call_id: str) -> MediaCounts:
        reply = await self._request("query", call_id=call_id)
        by_tag: dict[str, int] = {}
        for tag, party in _dict(reply.get("tags")).items():
            by_tag[tag] = sum(_int(_dict(stream.get("stats")).get("packets"))
                              for media in _list(_dict(party).get("medias"))
                              for stream in _list(_dict(media).get("streams"))
                              if b"RTP" in _list(_dict(stream).get("flags")))
        totals = _dict(_dict(reply.get("totals")).get("RTP"))
        return MediaCounts(by_tag, _int(totals.get("packets")), _int(totals.get("errors")))

    async def start_recording(self, call_id: str) -> None:
        await self._request("start recording", call_id=call_id)

    async def stop_recording(self, call_id: str) -> None:
        await self._request("stop recording", call_id=call_id)

    async def recording(self, call_id: str) -> str | None:
        """The MediaAnchor's: the call's pcap file (``recording_path``, read off the event loop), as a string."""
        if not self.record or self.recording_dir is None:
            return None
        path = await asyncio.to_thread(self.recording_path, call_id)
        if path is None:
            self.counters["recording_not_found"] += 1
        return None if path is None else str(path)

    def recording_path(self, call_id: str) -> Path | None:
        """The pcap file rtpengine writes for the live call (``--recording-method=pcap``), when there is one.

        rtpengine keeps a live call's metadata in ``tmp/rtpengine-meta-<Call-ID escaped>-<16 hex>.tmp`` (moved
        to ``metadata/`` when the call ends) whose first line is the pcap file it writes: that file's name is
        taken, under ``recording_dir/pcaps`` (rtpengine's directory as this host sees it; rtpengine may name
        it otherwise in a container). The Call-ID is a peer's data: it only selects among the names rtpengine
        made (escaped as rtpengine does: every character but letters, digits, ``-._~``), never forms a path.
        ``tmp/`` holds only the calls being recorded now, so the look-up stays small however many recordings
        ``pcaps/`` keeps."""
        if self.recording_dir is None:
            return None
        prefix = urllib.parse.quote(call_id, safe="-._~")
        pcaps = self.recording_dir / "pcaps"
        found = []
        try:
            with os.scandir(self.recording_dir / "tmp") as entries:
                for entry in entries:
                    if not entry.name.startswith(META_PREFIX + prefix):
                        continue
                    suffix = entry.name[len(META_PREFIX + prefix):]
                    if META_SUFFIX.fullmatch(suffix):
                        found.append((entry.stat().st_mtime_ns, entry.path))
        except OSError:
            return None
        for _, meta in sorted(found, reverse=True):  # rtpengine has one live call per Call-ID: normally one
            try:
                with open(meta, "rb") as file:
                    written = file.readline(4096).decode("utf-8", "replace").strip()
            except OSError:
                continue
            name = PurePosixPath(written).name
            if name.startswith(prefix) and RECORDING_NAME.fullmatch(name[len(prefix):]) and (pcaps / name).is_file():
                return pcaps / name
        return None

    def _record(self) -> dict:
        return {"record call": "yes"} if self.record else {}

    async def _sdp(self, command: str, **arguments: object) -> bytes:
        reply = await self._request(command, **arguments)
        sdp = reply.get("sdp")
        if not isinstance(sdp, bytes) or not sdp:
            self.counters[f"{command}_refused"] += 1
            raise MediaError(f"media engine: its {command} reply has no SDP")
        return sdp


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
