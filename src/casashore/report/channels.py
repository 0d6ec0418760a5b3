"""The plan report's channels section (issue 21): per queue of each channel its requirement, the schedule's
coverage of it and the simulated level against its own goal (voice and chat: answered within the target; email:
taken up within the deadline), and the email backlog curve. Shown only when the plan has a chat or email queue,
so that a voice plan's report is what it was. A blended pool's queues (two or three) show their channel's part of
the pool's requirement, and one row the pool's totals (``channel_rows``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import plotly.graph_objects as go

from casashore.plan.channels import is_blended
from casashore.plan.goals import email_deferred
from casashore.plan.result import PlanResult
from casashore.report.figures import email_backlog_figure
from casashore.report.i18n import label, number, percent
from casashore.report.markup import Cell, heading, paragraph, table


def has_channels(plan: PlanResult) -> bool:
    return any(q.channel is not None for q in plan.simulation.queues)


def _interval_hours(plan: PlanResult) -> float:
    starts = plan.staffing.starts
    return (datetime.fromisoformat(starts[1]) - datetime.fromisoformat(starts[0])).total_seconds() / 3600 \
        if len(starts) > 1 else 0.25


def _peak(agents: np.ndarray) -> float:
    """Agents at peak, whole: a requirement of 6.19 agents' work needs 7 agents."""
    return float(np.ceil(np.max(agents, initial=0) - 1e-9))


def channel_shares(plan: PlanResult, skill: str) -> dict[str, np.ndarray]:
    """A blended pool's requirement after shrinkage and the goal loop (the pool's rostered requirement) split per
    channel, interval by interval, in the staffing step's ``by_channel`` proportions: each channel's own part, the
    parts adding up to the pool's. An interval the staffing step gave no agent goes to voice."""
    by_channel = {c: np.asarray(v, float) for c, v in plan.staffing.required[skill].by_channel.items()}
    total = sum(by_channel.values())
    pool = np.asarray(plan.required_after_rounds[skill].with_shrinkage, float)
    shares = {}
    for c, part in by_channel.items():
        fallback = 1.0 if c == "voice" else 0.0
        shares[c] = pool * np.divide(part, total, out=np.full(pool.shape, fallback), where=total > 0)
    return shares


def channel_rows(plan: PlanResult, lang: str) -> list[list[Cell]]:
    """One row per queue: channel, agents required at peak (on the phones or the keyboard, whole), agent hours
    required (with shrinkage) and scheduled, coverage, what is measured, the simulated level with its 95 %
    half-width, the goal.

    A blended pool's queues share its agents: each queue's row gives its channel's own part (``by_channel``: its
    peak, its share of the pool's hours, ``channel_shares``) and no scheduled hours or coverage of its own; one
    row for the pool, after its queues', gives the pool's peak, hours, scheduled hours and coverage, once. So no
    figure is counted twice: a pool's queue rows add up to its pool row."""
    t = lambda key: label(lang, key)  # noqa: E731
    hours = _interval_hours(plan)
    rows: list[list[Cell]] = []
    queues = list(plan.simulation.queues)
    for i, q in enumerate(queues):
        requirement = plan.required_after_rounds[q.skill]
        required = np.asarray(requirement.with_shrinkage, float)
        scheduled = np.asarray(plan.schedule.scheduled[q.skill], float)
        channel = q.channel or "voice"
        kind = t(channel)
        measure = t("share_within_deadline") if channel == "email" else t("sl_within")
        level = q.measures.service_level
        half = q.measures.service_level_ci95 or 0
        shown = "—" if level is None else f"{percent(level, lang)} ± {percent(half, lang)}"
        status = "none" if level is None else "met" if level >= q.service_level_goal else "not_met"
        goal = (percent(q.service_level_goal, lang), "num")
        pooled = is_blended(requirement.channel) and plan.staffing.required[q.skill].by_channel is not None
        if not pooled:
            rows.append([q.queue, kind, (number(_peak(requirement.on_phone), lang), "num"),
                         (number(required.sum() * hours, lang, 1), "num"),
                         (number(scheduled.sum() * hours, lang, 1), "num"),
                         (percent(_coverage(requirement.channel, required, scheduled), lang), "num"), measure,
                         (shown, status), goal])
            continue
        part = plan.staffing.required[q.skill].by_channel.get(channel, [])
        share = channel_shares(plan, q.skill).get(channel, np.zeros_like(required))
        rows.append([q.queue, f"{kind}, {t('blended_pool')} {q.skill}",
                     (number(_peak(np.asarray(part, float)), lang), "num"),
                     (number(share.sum() * hours, lang, 1), "num"), ("—", "num"), ("—", "num"), measure,
                     (shown, status), goal])
        if not any(later.skill == q.skill for later in queues[i + 1:]):  # the pool's last queue: its row
            rows.append([f"{q.skill} ({t('pool')})",
                         f"{t('blended_pool')} {q.skill}: {t('pool_row')}",
                         (number(_peak(requirement.on_phone), lang), "num"),
                         (number(required.sum() * hours, lang, 1), "num"),
                         (number(scheduled.sum() * hours, lang, 1), "num"),
                         (percent(_coverage(requirement.channel, required, scheduled), lang), "num"), "—", "—",
                         "—"])
    return rows


def _coverage(channel: str | None, required: np.ndarray, scheduled: np.ndarray) -> float:
    """The share of the requirement the schedule covers: an email skill's requirement is work with a deadline,
    placed by the schedule, so covered in all, not per interval (plan/pipeline.py ``email_work``)."""
    if required.sum() <= 0:
        return 1.0
    covered = min(required.sum(), scheduled.sum()) if channel == "email" else np.minimum(required, scheduled).sum()
    return float(covered / required.sum())


def channel_section(plan: PlanResult, lang: str) -> str:
    t = lambda key: label(lang, key)  # noqa: E731
    headers = [t("channel_queue"), t("channel"), t("peak_agents"), t("required_hours"), t("scheduled_hours"),
               t("channel_coverage"), t("channel_measure"), t("simulated_level"), t("channel_goal")]
    blended = any(is_blended(r.channel) for r in plan.required_after_rounds.values())
    note = t("channels_note_blended" if blended else "channels_note")
    return (heading(2, t("channels"), "channels") + paragraph(note, "channels-note")
            + table(headers, channel_rows(plan, lang), "channel-table")
            + (paragraph(text, "email-deferral") if (text := deferral_text(plan, lang)) else "")
            + slot_use_text(plan, lang)
            + pool_section(plan, lang))


def deferred_hours(plan: PlanResult) -> dict[str, tuple[int, float]]:
    """Per email skill whose schedule leaves some interval short of its items' work: the intervals short and the
    agent hours deferred (after shrinkage) to later intervals."""
    hours = _interval_hours(plan)
    return {skill: (int((short > 1e-9).sum()), float(short.sum() * hours))
            for skill, short in email_deferred(plan.staffing, plan.schedule).items() if short.sum() > 1e-9}


def deferral_text(plan: PlanResult, lang: str) -> str:
    """Why an email skill short in some intervals is still covered: judged on the deadline, its interval
    shortfall deferred work (empty without email skills)."""
    if not any(r.channel == "email" for r in plan.staffing.required.values()):
        return ""
    deferred = deferred_hours(plan)
    parts = "; ".join(label(lang, "email_deferred").format(skill=skill, intervals=number(n, lang),
                                                            hours=number(h, lang, 1))
                      for skill, (n, h) in deferred.items())
    return label(lang, "email_coverage_rule") + (" " + parts + "." if parts else "")


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
    hours = _interval_hours(plan)
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
