"""Figures a planner would rather look at than read, as self-contained HTML files (plotly, works offline)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from casashore.domain.contacts import contacts_word
from casashore.errors import UserError

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def write_figure(figure: go.Figure, path: Path) -> None:
    """One HTML file with plotly.js inside: opens without a network."""
    try:
        figure.write_html(str(path), include_plotlyjs=True, full_html=True)
    except OSError as exc:
        raise UserError("plot", str(path), f"a file that can be written ({exc.strerror})") from None


def email_backlog_figure(boundaries: list[str], backlogs: dict[str, list[float]], y_title: str) -> go.Figure:
    """Each email queue's backlog at the interval boundaries (``boundaries``: one more than the intervals), a
    step line: the items waiting, which rise while items arrive faster than the agents take them up."""
    figure = go.Figure()
    for queue, backlog in backlogs.items():
        figure.add_trace(go.Scatter(x=boundaries, y=backlog, name=queue, mode="lines", line={"shape": "linear"}))
    figure.update_layout(yaxis_title=y_title)
    return figure


def weekly_heatmap(rows: list[dict], channels: Mapping[str, str | None] | None = None) -> go.Figure:
    """Mean offered contacts per weekday x time of day, one panel per queue (from ``interval_history`` rows), each
    in its channel's word (``channels``: queue -> channel, voice when not given): calls, chats, items."""
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["weekday"] = frame["start"].dt.dayofweek
    frame["time"] = frame["start"].dt.strftime("%H:%M")
    days = frame.groupby("queue")["start"].agg(lambda s: s.dt.normalize().nunique())
    queues = sorted(frame["queue"].unique())
    word = {q: contacts_word([(channels or {}).get(q)]) for q in queues}
    figure = make_subplots(rows=len(queues), cols=1, subplot_titles=[f"{q} — mean offered {word[q]} per interval"
                                                                     for q in queues], vertical_spacing=0.08)
    for i, queue in enumerate(queues, start=1):
        mine = frame[frame["queue"] == queue]
        grid = mine.pivot_table(index="weekday", columns="time", values="offered", aggfunc="sum", fill_value=0)
        weeks = max(1.0, days[queue] / 7)
        grid = (grid / weeks).reindex(range(7), fill_value=0)
        figure.add_trace(go.Heatmap(z=grid.to_numpy(), x=list(grid.columns), y=WEEKDAYS, coloraxis="coloraxis",
                                    hovertemplate="%{y} %{x}: %{z:.1f} " + word[queue] + "<extra>" + queue
                                    + "</extra>"),
                         row=i, col=1)
    figure.update_layout(height=260 * len(queues), coloraxis={"colorscale": "Viridis"},
                         title=f"When {contacts_word((channels or {}).get(q) for q in queues)} come "
                               "(local time of each queue's client)")
    return figure


def forecast_vs_actual(forecasts: dict[str, pd.DataFrame],
                       channels: Mapping[str, str | None] | None = None) -> go.Figure:
    """Backtest windows: the actual contacts and every model's forecast, one panel per queue, each in its channel's
    word (``channels``: queue -> channel, voice when not given)."""
    queues = sorted(forecasts)
    word = {q: contacts_word([(channels or {}).get(q)]) for q in queues}
    figure = make_subplots(rows=len(queues), cols=1, subplot_titles=[f"{q} ({word[q]})" for q in queues],
                           vertical_spacing=0.08)
    for i, queue in enumerate(queues, start=1):
        frame = forecasts[queue]
        figure.add_trace(go.Scatter(x=frame["ds"], y=frame["y"], name=f"{queue} actual",
                                    line={"color": "black", "width": 1}), row=i, col=1)
        for model in [c for c in frame.columns if c not in ("unique_id", "ds", "cutoff", "y")]:
            figure.add_trace(go.Scatter(x=frame["ds"], y=frame[model].clip(lower=0), name=f"{queue} {model}",
                                        line={"width": 1}), row=i, col=1)
    every = contacts_word((channels or {}).get(q) for q in queues)
    figure.update_layout(height=320 * len(queues), title=f"Backtest: forecast vs actual {every} per interval")
    return figure


def coverage_figure(coverage: list[dict]) -> go.Figure:
    """Requirement vs agents scheduled per interval (one panel per group)."""
    frame = pd.DataFrame(coverage)
    if "group" not in frame:
        frame["group"] = ""
    groups = sorted(frame["group"].unique())
    figure = make_subplots(rows=len(groups), cols=1, subplot_titles=[g or "all agents" for g in groups])
    for i, group in enumerate(groups, start=1):
        mine = frame[frame["group"] == group]
        figure.add_trace(go.Scatter(x=mine["start"], y=mine["required"], name=f"{group} required".strip(),
                                    line={"shape": "hv", "color": "black"}), row=i, col=1)
        figure.add_trace(go.Scatter(x=mine["start"], y=mine["scheduled"], name=f"{group} scheduled".strip(),
                                    line={"shape": "hv"}, fill="tonexty"), row=i, col=1)
    figure.update_layout(height=320 * len(groups), title="Coverage: agents required vs on shift")
    return figure
