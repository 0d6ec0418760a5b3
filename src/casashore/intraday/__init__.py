"""The intraday re-plan: the rest of a day's gap per queue and interval, its service level if nothing changes,
and ranked changes to the roster that keep the labour rules (docs/intraday.md)."""
