"""The report's list of what the plan assumes where its history cannot say (plan/reported.py): a queue planned
from interval reports has no waits to measure callers' patience from, and maybe no handle time."""

from __future__ import annotations

from casashore.plan.result import Assumption, PlanResult
from casashore.report.i18n import label, number
from casashore.report.markup import bullet_list, heading


def assumption_text(assumption: Assumption, lang: str) -> str:
    """One assumption in words (the queue, what is used and why)."""
    value = "" if assumption.value is None else number(assumption.value, lang)
    return label(lang, f"assumed_{assumption.field}_{assumption.source}").format(queue=assumption.queue, value=value)


def assumptions_section(plan: PlanResult, lang: str) -> str:
    """The assumptions as a list under its heading; nothing when the plan assumes nothing."""
    listed = plan.history.assumptions or []
    if not listed:
        return ""
    return (heading(2, label(lang, "assumptions"), "assumptions")
            + bullet_list([(assumption_text(a, lang), f"assumption {a.field}") for a in listed], "assumption-list"))
