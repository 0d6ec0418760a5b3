"""A learning curve by week on the phones (learning_curve_weeks): a month's pace worked by hand, against a
numerical integration day by day (an independent formulation), in the hiring plan's productive FTE, and the
scenario refusing both curves at once."""

from __future__ import annotations

import numpy as np
import pytest

from casashore.growth.hiring import cohorts, plan_hiring, weekly_pace
from casashore.growth.scenario import LanguageTerms
from growth_scenarios import SMALL_PARK


def terms(**changes) -> LanguageTerms:
    base = dict(language="fr", salary_per_month=100.0, attrition_monthly=0.0, lead_months=0, class_min=1,
                class_max=20, training_weeks=2.0, trainers=5, class_cost=50.0, overtime_share=0.0)
    return LanguageTerms(**(base | changes))


def test_a_months_pace_by_hand():
    """Two weeks' training, then handle time x2 the first week on the phones and x1.25 the second.
    A month is 52/12 = 13/3 weeks. Month 0: weeks 0-2 training; 2-3 at pace 1/2, 3-4 at 4/5, 4-13/3 at 1:
    (1/2 + 4/5 + 1/3) / (13/3) = (49/30) / (13/3) = 49/130. Month 1 and after: all at pace 1.
    Six weeks' training: month 0 all training (0); month 1, weeks 13/3 to 26/3, on the phones from week 6:
    (1/2 + 4/5 + 2/3) / (13/3) = (59/30) / (13/3) = 59/130."""
    assert weekly_pace([2.0, 1.25], 2.0, 3).tolist() == pytest.approx([49 / 130, 1.0, 1.0])
    assert weekly_pace([2.0, 1.25], 6.0, 3).tolist() == pytest.approx([0.0, 59 / 130, 1.0])
    # No curve left to apply: the month's share out of training, as the monthly curve's (1 - f_k) / 1.
    flat = cohorts(terms(training_weeks=6.0, learning_curve=[]), 3)
    assert weekly_pace([1.0], 6.0, 3).tolist() == pytest.approx((1 - flat.training).tolist())


@pytest.mark.parametrize(("curve", "training"), [([1.6, 1.4, 1.3, 1.2, 1.1, 1.05], 3.0), ([3.0] * 10, 0.0),
                                                  ([1.5, 1.2], 9.5), ([2.0], 4.4)])
def test_the_pace_is_the_integral_day_by_day(curve, training):
    """Every minute of the first 12 months: off in training, else at 1 / curve[week on the phones] (a minute
    straddling the end of training or a week is off by at most a minute in a month: 2.3e-5)."""
    minutes = np.arange(12 * 52 / 12 * 7 * 24 * 60) + 0.5  # midpoints, in minutes since the class began
    weeks = minutes / (7 * 24 * 60)
    on_phones = weeks - training
    index = np.floor(on_phones).astype(int)
    rate = np.where(on_phones < 0, 0.0, 1.0)
    inside = (on_phones >= 0) & (index < len(curve))
    rate[inside] = 1 / np.array(curve)[index[inside]]
    month = (weeks // (52 / 12)).astype(int)
    expected = np.bincount(month, weights=rate)[:12] / (52 / 12 * 7 * 24 * 60)
    assert weekly_pace(curve, training, 12).tolist() == pytest.approx(expected.tolist(), abs=1e-4)


def test_the_hiring_plan_uses_the_weekly_curve():
    """No attrition: productive FTE is each class's hires times its tenure's pace, as the hand computation says."""
    t = terms(learning_curve_weeks=[2.0, 1.25])
    plan = plan_hiring(t, np.array([0.0, 3.0, 10.0, 10.0]))
    pace = cohorts(t, 4).productive
    assert pace.tolist() == pytest.approx([49 / 130, 1, 1, 1])
    hires = plan.hires.astype(float)
    by_hand = [sum(hires[s] * pace[m - s] for s in range(m + 1)) for m in range(4)]
    assert plan.productive.tolist() == pytest.approx(by_hand)
    assert plan.short.tolist() == pytest.approx([0, 0, 0, 0])


def test_one_learning_curve_at_a_time(tmp_path):
    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app

    path = tmp_path / "both.toml"
    path.write_text(SMALL_PARK.replace("class_cost = 20000", "class_cost = 20000\nlearning_curve = [1.2]\n"
                                       "learning_curve_weeks = [1.5, 1.2]"), encoding="utf-8")
    result = CliRunner().invoke(app, ["growth", str(path)])
    assert result.exit_code == 2
    assert "operators[0].languages[0].learning_curve_weeks" in result.stderr and "one learning curve" in result.stderr
    assert terms(learning_curve_weeks=[1.5]).learning_curve_weeks == [1.5]  # alone it is taken
