"""A re-plan's question, checked, and its settings: light (no forecasting, no simulation imported), so the
router checks a question on its event loop and imports the re-plan itself only when it first computes one
(route/intraday_routes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from casashore.domain.as_of import as_of_time
from casashore.domain.units import day_interval_min, duration_s, share, whole
from casashore.errors import UserError
from casashore.forecast.timezones import zone
from casashore.schedule.rules import LabourRules, read_rules

MAX_REPLICATIONS = 2_000
"""A day's rest simulated 2,000 times is a few seconds; the proposals' simulations run as many each."""
MAX_ABSENT = 2_000


@dataclass(frozen=True)
class Settings:
    rules: LabourRules
    as_of: float
    site_zone: str
    replications: int = 200
    seed: int = 0
    simulate_top: int = 3
    max_proposals: int = 20


@dataclass(frozen=True)
class Asked:
    """A re-plan's question, checked: the as-of instant, the grid, each queue's goal, who is away."""
    at: datetime
    interval_min: int
    site_zone: str
    target_s: float
    goal: float
    patience_s: float | None
    absent: tuple[str, ...]
    settings: Settings


def asked(*, as_of: str | datetime, interval_min: int, site_zone: str = "Africa/Casablanca", target: str = "20s",
          service_level: str = "80%", patience: str | None = None, rules: Path | None = None,
          absent: list[str] | None = None, replications: str | int = 200, seed: str | int = 0,
          simulate_top: str | int = 3) -> Asked:
    """The re-plan's parameters as the CLI and the APIs give them, each checked (a UserError naming it); a naive
    ``as_of`` is on the site's clock, as the roster's."""
    minutes = day_interval_min("interval", interval_min)
    site = zone(site_zone, "site_zone")
    at = as_of if isinstance(as_of, datetime) else as_of_time(as_of, "the site's clock")
    at = at if at.tzinfo is not None else at.replace(tzinfo=site)
    settings = Settings(read_rules(rules), at.timestamp(), site_zone,
                        replications=whole("replications", replications, low=1), seed=whole("seed", seed),
                        simulate_top=whole("simulate_top", simulate_top))
    if settings.replications > MAX_REPLICATIONS:
        raise UserError("replications", settings.replications, f"at most {MAX_REPLICATIONS:,}")
    target_s = duration_s("target", target, allow_zero=True)
    goal = share("service_level", service_level, allow_zero=False, allow_one=False)
    patience_s = None if patience is None else duration_s("patience", patience)
    away = tuple(sorted(set(absent or ())))
    if len(away) > MAX_ABSENT:
        raise UserError("absent", f"{len(away)} agents", f"at most {MAX_ABSENT:,}")
    return Asked(at, minutes, site_zone, target_s, goal, patience_s, away, settings)


