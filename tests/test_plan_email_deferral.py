"""An email group short of its items' work in some intervals (its agents on break, or not yet started) is covered
on its deadline, not per interval (issue 21, a new user's trial): the report and the CLI say so beside the
coverage figure and in the Channels section, and show the interval shortfall as deferred agent hours."""

from types import SimpleNamespace

import numpy as np

from casashore.plan.goals import coverage, email_deferred
from casashore.report.channels import deferral_text, deferred_hours
from casashore.report.verdict import facts

STARTS = ["2026-12-07T07:00:00", "2026-12-07T07:30:00", "2026-12-07T08:00:00", "2026-12-07T08:30:00"]


def plan(email_scheduled: list[float]):
    required = {"fr": SimpleNamespace(channel=None, with_shrinkage=[5.0, 5.0, 5.0, 5.0]),
                "fr-email": SimpleNamespace(channel="email", with_shrinkage=[7.3, 2.0, 1.0, 0.0])}
    schedule = SimpleNamespace(scheduled={"fr": np.array([5.0] * 4), "fr-email": np.array(email_scheduled)},
                               cost=10.0, bound=float("nan"), objective=float("nan"), gap=None, stopped_by="gap")
    staffing = SimpleNamespace(starts=STARTS, required=required)
    return SimpleNamespace(staffing=staffing, schedule=schedule,
                           verdict=SimpleNamespace(coverage=coverage(staffing, schedule), stopped_by=None))


def test_an_email_interval_short_is_deferred_work_not_under_coverage():
    short = plan([0.0, 4.0, 4.0, 3.0])  # on break at 07:00, the work done later
    assert short.verdict.coverage == 1.0
    assert email_deferred(short.staffing, short.schedule)["fr-email"].tolist() == [7.3, 0.0, 0.0, 0.0]
    assert deferred_hours(short) == {"fr-email": (1, 3.65)}
    text = deferral_text(short, "en")
    assert "judged on the deadline (the backlog), not interval by interval" in text
    assert "fr-email: 3.6 agent hours deferred to later intervals, over 1 intervals" in text
    assert "report" in deferral_text(short, "fr")
    covered = facts(short, "en")[0][1]
    assert covered.startswith("100.0 % (email judged on its deadline") and "3.6 agent hours deferred" in covered


def test_an_email_group_covered_interval_by_interval_defers_nothing():
    even = plan([7.3, 2.0, 1.0, 0.0])
    assert deferred_hours(even) == {}
    assert facts(even, "en")[0][1] == "100.0 %"
    assert "not interval by interval" in deferral_text(even, "en") and "deferred" not in deferral_text(even, "en")


def test_the_daily_summary_names_its_channels_and_a_short_wait():
    """Issue 21's trial: the contacts header named chat on a plan without any; an ASA under half a second read 0."""
    from casashore.report.plan_report import contacts_header, daily_section
    from casashore.report.tables import ChannelDay, DaySummary

    assert contacts_header(["voice", "email"], "en") == "Contacts, forecast (calls, emails)"
    assert contacts_header(["voice", "chat", "email"], "fr") == "Contacts prévus (appels, chats, courriels)"
    day = DaySummary(day=np.datetime64("2026-12-07").astype(object), calls=100.0, agents=3, paid_hours=20.0,
                     labour_cost=100.0, channels=(ChannelDay("voice", 60.0, 0.9, asa_s=12.0, p_abandon=0.01),
                                                  ChannelDay("chat", 40.0, 0.95, asa_s=0.3, p_abandon=0.0)))
    page = daily_section([day], ["voice", "chat"], "MAD", "en")
    assert "&lt; 1 s" in page and ">12<" in page and "Contacts, forecast (calls, chats)" in page
