"""`casashore growth A.toml [B.toml ...]`: each park scenario read, checked and run (demand, hiring plans,
contracts, space, cable), then compared side by side; the CSV files written when asked."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from casashore.domain.loading import parse_toml, read_toml, validated
from casashore.errors import UserError
from casashore.growth.calendar import month_label, months
from casashore.growth.compare import compare
from casashore.growth.history import MIN_HISTORY_MONTHS, fit_trend, month_records, queue_actuals
from casashore.growth.run import GrowthHistory, GrowthResult, run_growth
from casashore.growth.scenario import MAX_POOLS, TREND_HIGH, TREND_LOW, GrowthScenario
from casashore.growth.simulated import MAX_REPLICATIONS, SimulationOptions
from casashore.report.growth_workbook import growth_workbook

MAX_SCENARIOS = 8


def load_scenario(path: Path, field: str = "scenario") -> GrowthScenario:
    return validated(GrowthScenario, read_toml(path, field), where=str(path))


def simulation_options(replications: int, seed: int) -> SimulationOptions:
    if not 2 <= replications <= MAX_REPLICATIONS:
        raise UserError("--replications", replications, f"2 to {MAX_REPLICATIONS} (a 95 % interval needs two)")
    if not 0 <= seed < 2**63:
        raise UserError("--seed", seed, "a whole number from 0 to 2**63 - 1")
    return SimulationOptions(replications, seed)


def run_scenarios(paths: list[Path], progress: Callable[[str], None] = lambda _: None, *,
                  workspace: Path | None = None, simulation: SimulationOptions | None = None,
                  ) -> tuple[list[GrowthResult], dict]:
    """Every scenario checked before any runs (a mistake in the last is reported at once), then run in order;
    ``workspace``: the records a scenario's trend from history and past months read."""
    if not 1 <= len(paths) <= MAX_SCENARIOS:
        raise UserError("scenarios", f"{len(paths)} files", f"1 to {MAX_SCENARIOS} park scenario files")
    names = [p.stem for p in paths]
    if len(set(names)) != len(names):
        raise UserError("scenarios", ", ".join(str(p) for p in paths), "files of different names (a scenario is "
                                                                         "named by its file name)")
    scenarios = [load_scenario(p) for p in paths]
    histories = [read_history(s, workspace, str(p)) for s, p in zip(scenarios, paths, strict=True)]
    return _run(scenarios, names, [str(p) for p in paths], progress, histories, simulation)


def read_history(scenario: GrowthScenario, workspace: Path | None, where: str) -> GrowthHistory:
    """The trends and past months a scenario asks of the workspace's records (nothing when it asks none)."""
    if not scenario.needs_history():
        return GrowthHistory()
    from casashore.workspace.store import Workspace  # DuckDB: only when a scenario reads the records

    if workspace is None or not workspace.is_file():
        raise UserError("--workspace", str(workspace), "the workspace holding the records of the scenario's "
                        "history queues (made by casashore import or the router); the scenario asks for them "
                        "(trend = \"history\" or park.today)", where=where)
    labels = [month_label(f) for f in months(scenario.park.start, scenario.park.months)]
    today = scenario.park.today
    trends, actuals = {}, {}
    with Workspace.open(workspace, read_only=True) as opened:
        known = opened.queue_names()
        for i, contract in enumerate(scenario.contracts):
            for j, queue in enumerate(contract.queues):
                path = f"contracts[{i}].queues[{j}]"
                past = today is not None and queue.start < today
                if queue.trend != "history" and not past:
                    continue
                for name in queue.records():
                    if name not in known:
                        raise UserError(f"{path}.history_queues", name, "a queue of the workspace "
                                        f"({workspace}): " + (", ".join(known) or "none yet"), where=where)
                records = month_records(opened.monthly_totals(queue.records(), contract.target_s))
                if queue.trend == "history":
                    trends[queue.name] = _trend(queue, records, path, where)
                if past:
                    actuals[queue.name] = queue_actuals(records, labels, today)
    return GrowthHistory(trends, actuals, today)


def _trend(queue, records, path: str, where: str):
    fit = fit_trend(queue.name, queue.records(), records)
    if fit is None:
        held = [r.month for r in records if r.whole and r.offered > 0]
        raise UserError(f"{path}.trend", "history", f"at least {MIN_HISTORY_MONTHS} whole months with contacts in "
                        f"the records of {', '.join(queue.records())}; they hold {len(held)}"
                        + (f" ({held[0]} to {held[-1]})" if held else ""), where=where)
    if not TREND_LOW <= fit.trend_yearly <= TREND_HIGH:
        raise UserError(f"{path}.trend", "history", f"records whose trend a year is within {TREND_LOW} to "
                        f"{TREND_HIGH}; the months {fit.months_used[0]} to {fit.months_used[-1]} give "
                        f"{fit.trend_yearly:.3f} (give trend_yearly instead)", where=where)
    return fit


def _run(scenarios: list[GrowthScenario], names: list[str], wheres: list[str], progress: Callable[[str], None],
         histories: list[GrowthHistory] | None = None,
         simulation: SimulationOptions | None = None) -> tuple[list[GrowthResult], dict]:
    results = []
    histories = histories or [GrowthHistory()] * len(scenarios)
    for scenario, name, where, history in zip(scenarios, names, wheres, histories, strict=True):
        try:
            results.append(run_growth(scenario, name, progress, history, simulation))
        except UserError as exc:  # a volume beyond the formulas' domain: named in its file, as a field would be
            if exc.where is not None or type(exc) is not UserError:
                raise
            raise UserError(exc.field, exc.value, exc.expected, where=where) from None
    return results, compare(results)


def run_documents(named: list[tuple[str, dict]], max_pools: int = MAX_POOLS,
                  progress: Callable[[str], None] = lambda _: None) -> tuple[list[GrowthResult], dict]:
    """The API's way in: scenarios as (name, the TOML's tables as a dict), each checked (its errors named
    ``NAME: field``) before any runs, and all of them together at most ``max_pools`` hiring plans (one MILP each:
    a request costs at most what one scenario may)."""
    if not 1 <= len(named) <= MAX_SCENARIOS:
        raise UserError("scenarios", f"{len(named)} scenarios", f"1 to {MAX_SCENARIOS} park scenarios")
    names = [n for n, _ in named]
    if len(set(names)) != len(names):
        raise UserError("scenarios", ", ".join(names), "scenarios of different names")
    scenarios = [validated(GrowthScenario, data, where=name) for name, data in named]
    for scenario, name in zip(scenarios, names, strict=True):
        if scenario.needs_history():  # the API reads no workspace: a scenario's names are data, never a path
            raise UserError("park.today" if scenario.park.today else "trend", "history", "a scenario without the "
                            "workspace's records here (no trend = \"history\", no park.today): run it with "
                            "casashore growth --workspace", where=name)
    pools = sum(len(op.languages) for s in scenarios for op in s.operators)
    if pools > max_pools:
        raise UserError("scenarios", f"{pools} operator languages in all", f"at most {max_pools} (one hiring "
                        "plan each) over all the scenarios of one request")
    return _run(scenarios, names, names, progress)


def parse_scenario(text: str, name: str) -> dict:
    """A scenario's TOML text as its tables (malformed TOML: a UserError naming ``toml`` and the scenario)."""
    return parse_toml(text, "toml", name)


def workbook(results: list[GrowthResult], comparison: dict) -> bytes:
    """The scenarios and their comparison as an .xlsx file (report/growth_workbook.py)."""
    return growth_workbook(results, comparison)


def write_report(results: list[GrowthResult], comparison: dict, path: Path, lang: str) -> None:
    """The scenarios side by side as one HTML file (report/growth_report.py), from the --json documents."""
    from casashore.report.growth_report import write_growth_report  # plotly: only when a report is asked for

    try:
        write_growth_report([r.to_json() for r in results], comparison, path, lang)
    except OSError as exc:
        raise UserError("--report", str(path), f"a writable file ({exc.strerror})") from None


def check_csv_dir(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise UserError("--csv", str(directory), "a directory (made if absent)")


def write_csv_dir(directory: Path, results: list[GrowthResult], comparison: dict) -> list[Path]:
    """One file per table: SCENARIO-summary.csv, -hiring.csv, -contracts.csv, -space.csv, -demand.csv, and
    comparison.csv (one row per figure and month, a column per scenario and per difference)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError("--csv", str(directory), f"a directory that can be made ({exc.strerror})") from None
    written = []
    for result in results:
        doc = result.to_json()
        tables = {
            "summary": doc["summary"],
            "hiring": [{"operator": p["operator"], "language": p["language"]} | row
                       for p in doc["hiring"] for row in p["months"]],
            "contracts": [{"client": c["client"], "operator": c["operator"]} | row
                          for c in doc["contracts"] for row in c["months"]],
            "space": [{"building": b["building"]} | row for b in doc["buildings"] for row in b["months"]],
            "demand": [{k: v for k, v in q.items() if k != "months"} | row for q in doc["demand"]
                       for row in q["months"]],
        }
        for table, rows in tables.items():
            written.append(_write(directory / f"{result.name}-{table}.csv", rows))
    names = comparison["scenarios"]
    rows = [{"figure": r["figure"], "month": r["month"]} | dict(zip(names, r["values"], strict=True))
            | {f"{n} - {names[0]}": d for n, d in zip(names[1:], r["differences"][1:], strict=True)}
            for r in comparison["rows"]]
    written.append(_write(directory / "comparison.csv", rows))
    return written


def _write(path: Path, rows: list[dict]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise UserError("--csv", str(path), f"a writable file ({exc.strerror})") from None
    return path
