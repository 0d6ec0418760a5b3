"""A small plan scenario for the tests of kept plans: examples/casablanca.toml cut to one queue, two days, 30-minute
intervals and four replications (a cold plan in seconds once the kernels are compiled), as TOML text."""

SMALL_PLAN = """\
[site]
name = "Test site"
seats = 60
floor_m2_per_seat = 6
cost_per_agent_hour = 50
currency = "MAD"
shrinkage = 0.1

[link]
capacity = "100M"
codec = "G.729"

[plan]
start = 2026-03-02
days = 2
interval_min = 30
replications = 4
seed = 3

[rules]
opening_hours = "daily 07:00-22:00"

[[queues]]
name = "fr"
skill = "fr"
client_time_zone = "Europe/Paris"
country = "FR"
aht_s = 240
patience_s = 120
synthetic = { weekly_calls = 4000, weeks = 5 }

[[shifts]]
name = "early"
start = "07:00"
length = "8h"
cost = 8
group = "fr"
breaks = "1h@3h-4h"

[[shifts]]
name = "late"
start = "12:00"
length = "8h"
cost = 8
group = "fr"
breaks = "1h@3h-4h"
"""


def small_plan(shrinkage: float = 0.1) -> str:
    """The small scenario, its site's shrinkage changed to ``shrinkage`` (more paid hours for the same calls).
    Not the handle time: the history is synthetic, and a second history of the same queue in the same workspace
    repeats the first one's call ids, which the importer skips."""
    return SMALL_PLAN.replace("shrinkage = 0.1", f"shrinkage = {shrinkage}")
