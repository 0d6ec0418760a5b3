"""The plan's per-group rows (report CSV, `plan --output`) carry each group's own voice bandwidth: a chat or email
group holds no trunk and no RTP stream (0), and the voice groups' rows of an interval add up to the site's figure
(sizing.bandwidth_bps), which counts the voice queues only."""

from types import SimpleNamespace

import pytest

from casashore.report.tables import voice_bandwidth_by_group

BPS_PER_CALL = 87_200.0
STEP_S = 1800


def group(channel, calls, aht_s):
    return SimpleNamespace(channel=channel, calls=calls, aht_s=aht_s)


def plan_with(required: dict, asa_s: list[float]):
    """A plan's staffing and sizing as sizing_step makes them: line traffic (calls x (AHT + ASA)) of the voice groups
    (a blended pool's calls are its voice queue's), both directions."""
    voice = [r for r in required.values() if r.channel is None or "+" in r.channel]
    bandwidth = [sum(r.calls[i] * (r.aht_s[i] + asa_s[i]) for r in voice) / STEP_S * 2 * BPS_PER_CALL
                 for i in range(len(asa_s))]
    return SimpleNamespace(staffing=SimpleNamespace(starts=["2026-12-07T08:00:00", "2026-12-07T08:30:00"],
                                                    required=required),
                           sizing=SimpleNamespace(bandwidth_bps=bandwidth, bps_per_call=BPS_PER_CALL))


def test_chat_and_email_rows_carry_no_voice_bandwidth_and_voice_rows_add_up_to_the_site():
    required = {"fr": group(None, [40.0, 10.0], [300.0, 240.0]),
                "es": group("voice+email", [20.0, 0.0], [200.0, 200.0]),
                "fr-chat": group("chat", [90.0, 60.0], [480.0, 480.0]),
                "fr-email": group("email", [30.0, 30.0], [420.0, 420.0])}
    asa = [12.0, 3.0]
    plan = plan_with(required, asa)
    rows = voice_bandwidth_by_group(plan)
    assert rows["fr-chat"] == [0.0, 0.0] and rows["fr-email"] == [0.0, 0.0]
    for i in range(2):
        for name in ("fr", "es"):
            r = required[name]
            assert rows[name][i] == pytest.approx(r.calls[i] * (r.aht_s[i] + asa[i]) / STEP_S * 2 * BPS_PER_CALL)
        assert sum(rows[g][i] for g in required) == pytest.approx(plan.sizing.bandwidth_bps[i])
    assert rows["es"][1] == 0.0  # no call in that interval, no line


def test_one_voice_group_carries_the_site_s_figure_exactly():
    required = {"fr": group(None, [40.0, 10.0], [300.0, 240.0]), "fr-chat": group("chat", [9.0, 6.0], [480.0, 480.0])}
    plan = plan_with(required, [12.0, 3.0])
    rows = voice_bandwidth_by_group(plan)
    assert rows["fr"] == plan.sizing.bandwidth_bps and rows["fr-chat"] == [0.0, 0.0]
