"""How the CLI words a kept plan's figures: the dashboard's labels (static/plans.js), each value and each difference
in its unit at the precision `casashore plans show` uses (money with thousands separators and its currency, shares
in percent and their differences in points, bit rates in Mbit/s, counts as integers)."""

from __future__ import annotations

LABELS = {"fte": "FTE", "jobs": "Jobs", "paid_hours": "Paid hours", "labour_cost": "Labour cost",
          "seats_at_peak": "Seats at peak", "phone_lines": "Phone lines", "busy_bandwidth_bps": "Busy bandwidth",
          "link_share": "Share of the link", "coverage": "Requirement covered"}
"""The plan-wide figures' labels (plan/compare.py's COMPARED names), as the dashboard's compare says them."""

DECIMALS = {"fte": 1, "paid_hours": 0, "labour_cost": 0, "busy_bandwidth_bps": 2, "link_share": 3}
"""Decimals per figure where they are not the unit's default: a share of the link is small (0.074 %)."""


def value_text(name: str, unit: str, value: float, currency: str) -> str:
    digits = DECIMALS.get(name, 1 if unit == "share" else 0)
    if unit == "share":
        return f"{value:.{digits}%}"
    if unit == "bit/s":
        return f"{value / 1e6:,.{digits}f} Mbit/s"
    if unit == "currency":
        return f"{value:,.{digits}f} {currency}"
    return f"{value:,.{digits}f}" + (" h" if unit == "h" else "")


def difference_text(name: str, unit: str, difference: float, relative: float | None, currency: str) -> str:
    """``difference`` from the first plan in the row's unit (a share's in points), then ``relative`` in brackets:
    "+39,293 MAD (+3.3%)", "-0.8 pt"."""
    digits = DECIMALS.get(name, 1 if unit == "share" else 0)
    shown = value_text(name, unit, difference, currency) if unit != "share" else f"{100 * difference:.{digits}f} pt"
    if round(difference * (100 if unit == "share" else 1) / (1e6 if unit == "bit/s" else 1), digits) == 0:
        shown = "±" + shown.lstrip("-")  # a difference below the shown precision: neither up nor down
    elif difference > 0:
        shown = "+" + shown
    return shown + (f" ({relative:+.1%})" if relative is not None else "")
