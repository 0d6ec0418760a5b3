"""`casashore growth`: scenarios side by side (--json, tables, --csv), the same plan twice, the park example,
and bad input as one line naming the field, exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from growth_scenarios import SMALL_PARK

runner = CliRunner()
EXAMPLE = Path(__file__).parents[1] / "examples" / "park.toml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_user_error(result, *words: str) -> None:
    assert not (result.exception and not isinstance(result.exception, SystemExit)), repr(result.exception)
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ")
    for word in words:
        assert word in line, line


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    folder = tmp_path_factory.mktemp("growth")
    base = write(folder, "base", SMALL_PARK)
    churn = write(folder, "churn", SMALL_PARK.replace("attrition_monthly = 0.04", "attrition_monthly = 0.08"))
    result = runner.invoke(app, ["growth", str(base), str(churn), "--json", "--csv", str(folder / "out"),
                                 "--xlsx", str(folder / "park.xlsx")])
    assert result.exit_code == 0, result.output
    return folder, result


def test_json_compares_scenarios_month_by_month(two):
    folder, result = two
    doc = json.loads(result.stdout)  # the document alone on stdout
    assert "hiring plan of Op fr" in result.stderr  # progress notes on stderr
    assert [s["scenario"] for s in doc["scenarios"]] == ["base", "churn"]
    base, churn = doc["scenarios"]
    assert base["months"][0] == "2027-01" and len(base["months"]) == 12
    rows = {(r["figure"], r["month"]): r for r in doc["comparison"]["rows"]}
    for figure in ("headcount", "hires", "margin", "labour_cost", "service_level", "seats_needed"):
        for m, month in enumerate(base["months"]):
            row = rows[figure, month]
            assert row["values"] == [base["summary"][m][figure], churn["summary"][m][figure]]
            if None not in row["values"]:
                assert row["differences"][1] == pytest.approx(row["values"][1] - row["values"][0], abs=1e-5)
    totals = {t["figure"]: t for t in doc["comparison"]["totals"]}
    assert totals["hires"]["differences"][1] > 0  # twice the attrition: more French hires
    fr = [p for p in churn["hiring"] if p["language"] == "fr"][0]
    assert {"hires", "classes", "headcount", "trainees", "productive_fte", "overtime_fte", "short_fte"} <= set(
        fr["months"][0])
    assert fr["stopped_by"] in ("optimal", "gap")
    assert base["cable"][0]["share"] > 0


def test_csv_files_hold_the_tables(two):
    folder, result = two
    written = json.loads(result.stdout)["csv"]
    assert sorted(Path(p).name for p in written) == sorted(
        [f"{s}-{t}.csv" for s in ("base", "churn") for t in ("summary", "hiring", "contracts", "space", "demand")]
        + ["comparison.csv"])
    with (folder / "out" / "comparison.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"figure", "month", "base", "churn", "churn - base"}
    with (folder / "out" / "base-hiring.csv").open() as handle:
        hiring = list(csv.DictReader(handle))
    assert len(hiring) == 24 and {r["language"] for r in hiring} == {"fr", "en"}


def test_the_workbook_holds_the_comparison_and_each_scenarios_tables(two):
    folder, result = two
    doc = json.loads(result.stdout)
    book = openpyxl.load_workbook(folder / "park.xlsx", read_only=True)
    assert book.sheetnames == ["Scenarios", "Comparison", *[f"{i} {t}" for i in (1, 2)
                                                            for t in ("summary", "hiring", "contracts", "space")]]
    index = list(book["Scenarios"].values)
    assert [r[1] for r in index[1:]] == ["base", "churn"]
    compared = list(book["Comparison"].values)
    assert compared[0] == ("figure", "month", "base", "churn", "churn - base")
    first = doc["comparison"]["rows"][0]
    assert compared[1] == (first["figure"], first["month"], *first["values"], first["differences"][1])
    hiring = list(book["2 hiring"].values)
    churn_fr = [p for p in doc["scenarios"][1]["hiring"] if p["language"] == "fr"][0]["months"]
    header = hiring[0]
    assert [row[header.index("hires")] for row in hiring[1:] if row[1] == "fr"] == [r["hires"] for r in churn_fr]


def test_tables_and_the_same_plan_twice(two):
    folder, result = two
    again = runner.invoke(app, ["growth", str(folder / "base.toml"), str(folder / "churn.toml"), "--json",
                                "--quiet"])
    assert again.exit_code == 0 and again.stderr == ""
    first = json.loads(result.stdout)
    first.pop("csv")
    assert first.pop("xlsx") == str(folder / "park.xlsx")
    assert json.loads(again.stdout) == first  # deterministic: HiGHS on one thread, node limits
    shown = runner.invoke(app, ["growth", str(folder / "base.toml"), str(folder / "churn.toml"), "--quiet",
                                "--xlsx", str(folder / "again.xlsx")])
    assert shown.exit_code == 0, shown.output
    assert (folder / "again.xlsx").read_bytes() == (folder / "park.xlsx").read_bytes()  # the same bytes
    for words in ("base: the park month by month", "hiring plans", "contracts over the horizon",
                  "buildings' phases", "LATE: must open earlier", "differences against base", "churn - base"):
        assert words in shown.stdout


def test_the_park_example_is_valid_and_runs_its_first_year(tmp_path):
    """The whole example (36 months) is documented to run in under a minute; here its first year."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "months = 36" in text
    year = write(tmp_path, "park", text.replace("months = 36", "months = 12"))
    result = runner.invoke(app, ["growth", str(year), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["scenarios"][0]
    assert {c["sector"] for c in doc["contracts"]} == {"banking", "insurance", "telecom"}
    assert {(p["operator"], p["language"]) for p in doc["hiring"]} == {
        ("AtlasCall", "fr"), ("AtlasCall", "es"), ("AtlasCall", "en"), ("SahelConnect", "fr"),
        ("SahelConnect", "ar")}
    assert all(row["headcount"] > 0 for row in doc["summary"])


BAD = [
    ('start = "2027-01"\nmonths = 12', 'start = "2027-13"\nmonths = 12', "park.start", "YYYY-MM"),
    ("months = 12", "months = 0", "park.months", "at least 1"),
    ('building = "Tower"', 'building = "Tower C"', "operators[0].building", "one of ['Tower']"),
    ("class_min = 5", "class_min = 50", "operators[0].languages[0].class_min", "at most class_max"),
    ('name = "telco-en"\nlanguage = "en"', 'name = "telco-en"\nlanguage = "ar"',
     "contracts[1].queues[0].language", "a language operator Op hires for"),
    ("aht_s = 300", "aht_s = -3", "contracts[0].queues[0].aht_s", "above 0"),
    ("attrition_monthly = 0.04", "attrition_monthly = 1.5", "operators[0].languages[0].attrition_monthly",
     "below 1"),
    ('billing = "hour"', 'billing = "day"', "contracts[0].billing", "one of"),
    ('country = "FR"', 'country = "XX"', "contracts[0].country", "holidays package"),
    ('time_zone = "Europe/Paris"', 'time_zone = "Mars/Olympus"', "contracts[0].time_zone", "IANA"),
    ('capacity = "1G"', 'capacity = "lots"', "link.capacity", "capacity"),
    ("contacts_per_month = 20000\nramp_months = 0\ntrend_yearly = 0.1\naht_s = 300",
     "contacts_per_month = 100000000\nramp_months = 0\ntrend_yearly = 5\naht_s = 86400",
     "contracts[0].queues[0].contacts_per_month", "within 1,000,000 Erlangs"),
]


@pytest.mark.parametrize(("old", "new", "field", "words"), BAD)
def test_bad_input_names_the_field(tmp_path, old, new, field, words):
    assert old in SMALL_PARK
    path = write(tmp_path, "bad", SMALL_PARK.replace(old, new, 1))
    assert_user_error(runner.invoke(app, ["growth", str(path), "--json"]), field, words)


def test_bad_files_and_arguments(tmp_path):
    assert_user_error(runner.invoke(app, ["growth", str(tmp_path / "absent.toml")]), "a readable TOML file")
    broken = write(tmp_path, "broken", "[park\n")
    assert_user_error(runner.invoke(app, ["growth", str(broken)]), "valid TOML")
    a = write(tmp_path, "a", SMALL_PARK)
    (tmp_path / "b").mkdir()
    twin = write(tmp_path / "b", "a", SMALL_PARK)
    assert_user_error(runner.invoke(app, ["growth", str(a), str(twin)]), "files of different names")
    assert_user_error(runner.invoke(app, ["growth", *[str(a)] * 9]), "1 to 8 park scenario files")
    assert_user_error(runner.invoke(app, ["growth", str(a), "--csv", str(a)]), "--csv", "a directory")
    assert_user_error(runner.invoke(app, ["growth", str(a), "--xlsx", str(tmp_path)]), "xlsx", "not a directory")
    late = write(tmp_path, "late", SMALL_PARK.replace('start = "2027-01"\nmonths = 12',
                                                      'start = "2030-06"\nmonths = 12'))
    assert_user_error(runner.invoke(app, ["growth", str(late)]), "park.start", "[[shrinkage.ramadan]]")
