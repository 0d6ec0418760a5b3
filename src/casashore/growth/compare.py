"""Scenarios side by side: each summary figure month by month, per scenario, with its difference from the first
scenario's (none where either lacks the month or the figure)."""

from __future__ import annotations

from casashore.growth.run import GrowthResult

FIGURES = ("headcount", "hires", "required_fte", "productive_fte", "short_fte", "labour_cost", "revenue", "margin",
           "service_level", "seats_needed", "seats_open")
"""The figures compared, in the order shown (docs/growth.md defines each)."""


def compare(results: list[GrowthResult]) -> dict:
    labels = sorted({m for r in results for m in r.months})
    by_month = [{row["month"]: row for row in r.summary()} for r in results]
    rows = []
    for figure in FIGURES:
        for month in labels:
            values = [s.get(month, {}).get(figure) for s in by_month]
            first = values[0]
            rows.append({"figure": figure, "month": month, "values": values,
                         "differences": [None if v is None or first is None else round(v - first, 6)
                                         for v in values]})
    totals = []
    for figure in ("hires", "labour_cost", "revenue", "margin", "short_fte"):
        values = [round(sum(row[figure] or 0 for row in r.summary()), 6) for r in results]
        totals.append({"figure": figure, "values": values, "differences": [round(v - values[0], 6) for v in values]})
    return {"scenarios": [r.name for r in results], "months": labels, "rows": rows, "totals": totals}
