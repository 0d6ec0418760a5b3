"""Bencode (BitTorrent BEP 3), the encoding of rtpengine's ng control protocol: byte strings ``4:spam``, integers
``i42e``, lists ``l…e`` and dictionaries ``d…e``.

Written here rather than taken from PyPI: it is forty lines, and the decoder reads what a network peer sends, so it
has to be strict and bounded (a length that runs past the data, leading zeros, ``i-0e``, trailing bytes and nesting
past ``MAX_DEPTH`` are refused) — properties the small PyPI codecs do not promise. Dictionary keys are not required
to be sorted on reading: rtpengine writes them in its own order.
"""

from __future__ import annotations

MAX_DEPTH = 32
"""Nesting of lists and dictionaries read at most (an ng reply nests five or six deep)."""


class BencodeError(ValueError):
    pass


Value = bytes | int | list | dict


def encode(value: object) -> bytes:
    """``str`` is written as UTF-8 bytes; dictionary keys are sorted, as BEP 3 asks."""
    if isinstance(value, bool):
        raise BencodeError("a boolean has no bencode form (rtpengine takes 'yes'/'no' strings)")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes | bytearray):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list | tuple):
        return b"l" + b"".join(encode(item) for item in value) + b"e"
    if isinstance(value, dict):
        keys = {(key.encode() if isinstance(key, str) else key): item for key, item in value.items()}
        if not all(isinstance(key, bytes) for key in keys):
            raise BencodeError("dictionary keys must be strings")
        return b"d" + b"".join(encode(key) + encode(keys[key]) for key in sorted(keys)) + b"e"
    raise BencodeError(f"cannot encode a {type(value).__name__}")


def decode(data: bytes) -> Value:
    """The one value ``data`` holds (strings stay bytes; dictionary keys become ``str``)."""
    value, end = _value(data, 0, 0)
    if end != len(data):
        raise BencodeError(f"{len(data) - end} bytes after the value")
    return value


def _value(data: bytes, at: int, depth: int) -> tuple[Value, int]:
    if depth > MAX_DEPTH:
        raise BencodeError(f"nested deeper than {MAX_DEPTH}")
    head = data[at:at + 1]
    if head == b"i":
        end = data.find(b"e", at)
        digits = data[at + 1:end] if end > 0 else b""
        if not _integer(digits):
            raise BencodeError(f"malformed integer at byte {at}")
        return int(digits), end + 1
    if head in (b"l", b"d"):
        items, at = [], at + 1
        while data[at:at + 1] != b"e":
            if at >= len(data):
                raise BencodeError("a list or dictionary without its end")
            item, at = _value(data, at, depth + 1)
            items.append(item)
        if head == b"l":
            return items, at + 1
        if len(items) % 2 or not all(isinstance(key, bytes) for key in items[::2]):
            raise BencodeError("a dictionary whose keys are not all strings")
        try:
            return {key.decode(): item for key, item in zip(items[::2], items[1::2], strict=True)}, at + 1
        except UnicodeDecodeError:
            raise BencodeError("a dictionary key that is not UTF-8") from None
    if head.isdigit():
        colon = data.find(b":", at, at + 12)
        if colon < 0 or not _integer(data[at:colon]) or data[at:colon].startswith(b"-"):
            raise BencodeError(f"malformed string length at byte {at}")
        end = colon + 1 + int(data[at:colon])
        if end > len(data):
            raise BencodeError(f"a string of {int(data[at:colon])} bytes runs past the data")
        return data[colon + 1:end], end
    raise BencodeError(f"unexpected {head!r} at byte {at}" if head else "data ends before a value")


def _integer(digits: bytes) -> bool:
    """BEP 3's integers: no leading zero (but 0 itself), no ``-0``."""
    body = digits[1:] if digits.startswith(b"-") else digits
    return body.isdigit() and (body == b"0" and digits == b"0" or not body.startswith(b"0")) and len(body) <= 20
