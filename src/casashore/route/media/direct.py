"""Direct media: the SDP passes unchanged, RTP flows between the caller (the trunk) and the agent's phone."""

from __future__ import annotations


class DirectMedia:
    async def offer(self, call_id: str, from_tag: str, sdp: bytes) -> bytes:
        return sdp

    async def answer(self, call_id: str, from_tag: str, to_tag: str, sdp: bytes) -> bytes:
        return sdp

    async def delete(self, call_id: str, from_tag: str) -> None:
        return None

    async def recording(self, call_id: str) -> str | None:
        return None
