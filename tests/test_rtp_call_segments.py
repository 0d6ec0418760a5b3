"""The benchmark's count of RTP per call (tests/b2bua_centre.py, CallSegments): rtpengine gives a freed port to
a later call, and every SIPp caller replays the same recording from its first sequence number, so on one port
pair a call starts where the sequence number falls far back; a datagram reordered by a few is the same call."""

from b2bua_centre import CallSegments


def test_calls_on_one_port_pair_are_told_apart_by_the_sequence_number_falling_back():
    calls = CallSegments()
    pair, other = (40000, 20002), (40000, 20004)
    first = [*range(59133, 59150), 59151, 59150, *range(59152, 59200)]  # one call, one datagram reordered
    for seq in first:
        calls.add(pair, seq)
    for seq in range(59133, 59136):  # the next call on the same pair: the recording again from its start
        calls.add(pair, seq)
    calls.add(other, 59133)
    for seq in (65534, 65535, 0, 1):  # a call whose sequence numbers wrap: still one call
        calls.add((1, 2), seq)
    assert calls.segments == {(40000, 20002, 0): 67, (40000, 20002, 1): 3, (40000, 20004, 0): 1, (1, 2, 0): 4}
