"""The plan report's channels section (issue 21): per queue of each channel its requirement, the schedule's
coverage of it and the simulated level against its own goal (voice and chat: answered within the target; email:
taken up within the deadline), and the email backlog curve. Shown only when the plan has a chat or email queue,
so that a voice plan's report is what it was. A blended pool's queues (two or three) show the pool's requirement and
hours, their channel marked as the pool's."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import plotly.graph_objects as go

from casashore.plan.channels import is_blended
from casashore.plan.result import PlanResult
from casashore.report.figures import email_backlog_figure
from casashore.report.i18n import label, number, percent
from casashore.report.markup import Cell, heading, paragraph, table


def has_channels(plan: PlanResult) -> bool:
    return any(q.channel is not None for q in plan.simulation.queues)


def channel_rows(plan: PlanResult, lang: str) -> list[list[Cell]]:
    """One row per queue: channel, agents required at peak (on the phones or the keyboard), agent hours required
    (with shrinkage) and scheduled, coverage, what is measured, the simulated level with its 95 % half-width, the
    goal."""
    t = lambda key: label(lang, key)  # noqa: E731
    hours = (datetime.fromisoformat(plan.staffing.starts[1]) - datetime.fromisoformat(plan.staffing.starts[0])
             ).total_seconds() / 3600 if len(plan.staffing.starts) > 1 else 0.25
    rows: list[list[Cell]] = []
    for q in plan.simulation.queues:
        required = np.asarray(plan.required_after_rounds[q.skill].with_shrinkage, float)
        scheduled = np.asarray(plan.schedule.scheduled[q.skill], float)
        # An email skill's requirement is work with a deadline, placed by the schedule: covered in all, not per
        # interval (plan/pipeline.py ``email_work``).
        placed = plan.required_after_rounds[q.skill].channel == "email"
        covered = (min(required.sum(), scheduled.sum()) if placed else np.minimum(required, scheduled).sum()) / \
            required.sum() if required.sum() > 0 else 1.0
        channel = q.channel or "voice"
        kind = t(channel)
        if is_blended(plan.required_after_rounds[q.skill].channel):
            kind = f"{kind}, {t('blended_pool')} {q.skill}"
        measure = t("share_within_deadline") if channel == "email" else t("sl_within")
        level = q.measures.service_level
        half = q.measures.service_level_ci95 or 0
        shown = "—" if level is None else f"{percent(level, lang)} ± {percent(half, lang)}"
        status = "none" if level is None else "met" if level >= q.service_level_goal else "not_met"
        peak = float(np.max(plan.required_after_rounds[q.skill].on_phone, initial=0))
        rows.append([q.queue, kind, (number(peak, lang), "num"), (number(required.sum() * hours, lang, 1), "num"),
                     (number(scheduled.sum() * hours, lang, 1), "num"), (percent(covered, lang), "num"), measure,
                     (shown, status), (percent(q.service_level_goal, lang), "num")])
    return rows


def channel_section(plan: PlanResult, lang: str) -> str:
    t = lambda key: label(lang, key)  # noqa: E731
    headers = [t("channel_queue"), t("channel"), t("peak_agents"), t("required_hours"), t("scheduled_hours"),
               t("channel_coverage"), t("channel_measure"), t("simulated_level"), t("channel_goal")]
    blended = any(is_blended(r.channel) for r in plan.required_after_rounds.values())
    note = t("channels_note_blended" if blended else "channels_note")
    return (heading(2, t("channels"), "channels") + paragraph(note, "channels-note")
            + table(headers, channel_rows(plan, lang), "channel-table") + slot_use_text(plan, lang)
            + pool_section(plan, lang))


def slot_use_text(plan: PlanResult, lang: str) -> str:
    """Per chat group simulated: the share of its chat slots in use (sessions held over agents x max_sessions)
    beside its occupancy (agents holding a chat), each named for what it is. Nothing for a plan stored before the
    simulation measured slot use."""
    out = ""
    for group in plan.simulation.groups:
        if group.slot_use is None or group.max_sessions is None or group.occupancy is None:
            continue
        out += paragraph(label(lang, "slot_use").format(
            group=group.group, slot_use=percent(group.slot_use, lang), max_sessions=group.max_sessions,
            occupancy=percent(group.occupancy, lang)), "slot-use")
    return out


def pool_rows(plan: PlanResult, lang: str) -> list[list[Cell]]:
    """One row per blended pool: its agent hours required per channel and in all, its queues' apart, and the
    saving (the staffing step's requirement, before shrinkage and the goal loop)."""
    starts = plan.staffing.starts
    hours = (datetime.fromisoformat(starts[1]) - datetime.fromisoformat(starts[0])).total_seconds() / 3600 \
        if len(starts) > 1 else 0.25
    rows: list[list[Cell]] = []
    for skill, r in plan.staffing.required.items():
        if not is_blended(r.channel) or r.by_channel is None or r.apart is None:
            continue
        pool, apart = sum(r.on_phone) * hours, sum(r.apart) * hours
        parts = ", ".join(f"{label(lang, name)} {number(sum(v) * hours, lang, 1)}" for name, v in r.by_channel.items())
        saving = apart - pool
        rows.append([skill, r.channel, (number(pool, lang, 1), "num"), parts, (number(apart, lang, 1), "num"),
                     (f"{number(saving, lang, 1)} ({percent(saving / apart if apart else 0.0, lang)})", "num")])
    return rows


def pool_section(plan: PlanResult, lang: str) -> str:
    rows = pool_rows(plan, lang)
    if not rows:
        return ""
    t = lambda key: label(lang, key)  # noqa: E731
    headers = [t("pool"), t("channel"), t("pool_required_hours"), t("pool_parts"), t("pool_apart_hours"),
               t("pool_saving")]
    return heading(3, t("pools"), "pools") + paragraph(t("pools_note"), "pools-note") + table(headers, rows,
                                                                                            "pool-table")


def backlog_figure(plan: PlanResult, lang: str) -> go.Figure | None:
    """The email queues' backlog curves over the site's interval boundaries, or None without an email queue."""
    backlogs = {q.queue: q.backlog for q in plan.simulation.queues if q.channel == "email" and q.backlog}
    if not backlogs:
        return None
    starts = plan.staffing.starts
    step = datetime.fromisoformat(starts[1]) - datetime.fromisoformat(starts[0]) if len(starts) > 1 else timedelta(
        minutes=15)
    boundaries = [*starts, (datetime.fromisoformat(starts[-1]) + step).isoformat()]
    return email_backlog_figure(boundaries, backlogs, label(lang, "items_waiting"))
