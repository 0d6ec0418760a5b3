"""The plan as one self-contained HTML file: plotly charts (the library inlined once, so it opens offline), a
summary table, in English or French."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go

from casashore.report.i18n import bits, label, number, percent


def figures(plan: dict, lang: str) -> list[tuple[str, go.Figure]]:
    """(title, figure) for every chart of the plan."""
    t = lambda key: label(lang, key)  # noqa: E731
    out = []
    forecast = go.Figure()
    for queue in sorted({r["queue"] for r in plan["forecast"]["intervals"]}):
        rows = [r for r in plan["forecast"]["intervals"] if r["queue"] == queue]
        x = [r["start"] for r in rows]
        forecast.add_trace(go.Scatter(x=x + x[::-1], y=[r["calls_hi_80"] for r in rows]
                                      + [r["calls_lo_80"] for r in rows][::-1], fill="toself", opacity=0.2,
                                      line={"width": 0}, showlegend=False, hoverinfo="skip"))
        forecast.add_trace(go.Scatter(x=x, y=[r["calls"] for r in rows], name=queue, mode="lines"))
    forecast.update_layout(yaxis_title=t("calls"))
    out.append((t("forecast"), forecast))
    staffing, schedule = plan["staffing"], plan["schedule"]
    coverage = go.Figure()
    for group, req in staffing["required"].items():
        coverage.add_trace(go.Scatter(x=staffing["starts"], y=req["with_shrinkage"], name=f"{group} {t('required')}",
                                      mode="lines", line={"dash": "dot"}))
        coverage.add_trace(go.Scatter(x=staffing["starts"], y=schedule["scheduled"][group],
                                      name=f"{group} {t('scheduled')}", mode="lines", line={"shape": "hv"}))
    out.append((t("coverage"), coverage))
    service = go.Figure()
    x_all = staffing["starts"]
    for queue in plan["simulation"]["queues"]:
        # None where no call is offered, so the line breaks over closed hours instead of joining them.
        sl, half = [None] * len(x_all), [None] * len(x_all)
        for r in queue["intervals"]:
            if r["offered"] > 0.5 and r["service_level"] is not None:
                sl[r["interval"]], half[r["interval"]] = r["service_level"], r["service_level_ci95"] or 0.0
        service.add_trace(go.Scatter(x=x_all, y=sl, name=queue["queue"], mode="lines",
                                     error_y={"type": "data", "array": half, "thickness": 0.6, "width": 0}))
        service.add_hline(y=queue["service_level_goal"], line_dash="dot", annotation_text=t("goal"))
    service.update_layout(yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    out.append((t("service"), service))
    occupancy = go.Figure()
    for group in plan["simulation"]["groups"]:
        values = [None] * len(x_all)
        for r in group["intervals"]:
            values[r["interval"]] = r["occupancy"]
        occupancy.add_trace(go.Scatter(x=x_all, y=values, name=group["group"], mode="lines"))
    occupancy.update_layout(yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    out.append((t("occupancy"), occupancy))
    sizing = plan["sizing"]
    link = go.Figure(go.Scatter(x=staffing["starts"], y=sizing["bandwidth_bps"], mode="lines", name="voice"))
    link.update_layout(yaxis_title="bit/s")
    out.append((t("bandwidth"), link))
    return out


def summary_rows(plan: dict, lang: str) -> list[tuple[str, str]]:
    s = plan["sizing"]
    t = lambda key: label(lang, key)  # noqa: E731
    rows = [(t("seats_at_peak"), f"{number(s['seats_at_peak'], lang)} / {number(s['seats_available'], lang)}"),
            (t("floor_m2"), number(s["floor_m2"], lang)), (t("fte"), number(s["fte"], lang, 1)),
            (t("jobs"), number(s["jobs"], lang)), (t("paid_hours"), number(s["paid_hours"], lang, 1)),
            (t("labour_cost"), f"{number(s['labour_cost'], lang)} {s['currency']}"),
            (t("phone_lines"), number(s["phone_lines"], lang)),
            (t("busy_bandwidth"), bits(s["busy_bandwidth_bps"], lang)),
            (t("link_share"), percent(s["link_share"], lang, 3)),
            (t("schedule_status"),
             f"{plan['schedule']['status']}, gap {percent(plan['schedule']['gap'] or 0, lang, 2)}"),
            (t("models"), ", ".join(f"{q}: {m}" for q, m in plan["forecast"]["models"].items()))]
    for q in plan["simulation"]["queues"]:
        rows.append((f"{t('queue')} {q['queue']}", f"{t('service_level')} {percent(q['service_level'] or 0, lang)}"
                     f" ± {percent(q['service_level_ci95'] or 0, lang)}, {t('p_abandon')} "
                     f"{percent(q['p_abandon'] or 0, lang)}, {t('asa')} {number(q['asa'] or 0, lang, 1)}"))
    return rows


def write_report(plan: dict, path: Path, lang: str = "en", title: str = "") -> None:
    """One HTML file that opens offline; written atomically (a partial file never replaces a good one)."""
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}"
             "</style></head><body>",
             f"<h1>{html.escape(label(lang, 'title'))} — {html.escape(title)}</h1>",
             f"<p>{datetime.now().astimezone().isoformat(timespec='minutes')}</p>",
             f"<h2>{label(lang, 'summary')}</h2><table id='summary'>"]
    parts += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary_rows(plan, lang)]
    parts.append("</table>")
    for i, (heading, figure) in enumerate(figures(plan, lang)):
        figure.update_layout(height=380, margin={"l": 50, "r": 20, "t": 30, "b": 40},
                             separators=", " if lang == "fr" else ".,")
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(figure.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False,
                                    config={"displaylogo": False}))
    parts.append("</body></html>")
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(parts), encoding="utf-8")
    partial.replace(path)
