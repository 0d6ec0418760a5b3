"""A small plan scenario for the tests of kept plans: examples/casablanca.toml cut to one queue, two days, 30-minute
intervals and four replications (a cold plan in seconds once the kernels are compiled), as TOML text."""

from test_plan import SCENARIO

# test_plan's scenario, in the site's currency and without its 10 s safety valve (the kept plans must be whole).
SMALL_PLAN = (SCENARIO.format(seats=60).lstrip().replace("schedule_time_limit_s = 10\n", "")
              .replace("shrinkage = 0.1", 'currency = "MAD"\nshrinkage = 0.1'))


def small_plan(shrinkage: float = 0.1) -> str:
    """The small scenario, its site's shrinkage changed to ``shrinkage`` (more paid hours for the same calls):
    the same synthetic history, so that plans in one workspace share it (another handle time would make another
    history, which replaces the first: plan/synthetic_history.py)."""
    return SMALL_PLAN.replace("shrinkage = 0.1", f"shrinkage = {shrinkage}")
