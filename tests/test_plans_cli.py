"""`casashore plan` keeps every run in its workspace, and `casashore plans list|show|compare|delete` read them
(thin, over the same use case as the API): --json on each, a user mistake one line and exit 2."""

import json

from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from small_plan import small_plan


def assert_readable_compare(text: str, rows: dict) -> None:
    """The compare's table in the dashboard's words and each unit's format: the currency named, money with
    thousands separators, shares' differences in points, bit rates in Mbit/s, no exponent, no raw key."""
    for raw in ("paid_hours", "labour_cost", "busy_bandwidth_bps", "(currency)", "(bit/s)", "e+0", "e-0"):
        assert raw not in text
    for label in ("Paid hours", "Labour cost", "Busy bandwidth", "Share of the link", "Service level"):
        assert label in text
    cost = rows["labour_cost"]
    assert f"{cost['values'][0]:,.0f} MAD" in text
    assert f"{cost['differences'][1]:+,.0f} MAD ({cost['relative'][1]:+.1%})" in text
    assert " Mbit/s" in text and f"{rows['link_share']['values'][0]:.3%}" in text
    assert f"{rows['jobs']['values'][0]:,d}" in text and f"{rows['jobs']['values'][0]}.0" not in text


def test_plan_runs_are_kept_and_the_plans_commands_list_show_compare_and_delete_them(tmp_path):
    runner = CliRunner()
    workspace = str(tmp_path / "ws.duckdb")
    missing = runner.invoke(app, ["plans", "list", "--workspace", workspace])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr and missing.stdout == ""
    # Two copies of one file name in different folders: each run keeps its scenario's path, told apart.
    scenarios = []
    for shrinkage in (0.1, 0.3):
        (tmp_path / f"s{shrinkage}").mkdir()
        scenarios.append(tmp_path / f"s{shrinkage}" / "small.toml")
        scenarios[-1].write_text(small_plan(shrinkage))
    done = runner.invoke(app, ["plan", str(scenarios[0]), "--workspace", workspace, "--report",
                               str(tmp_path / "r.html"), "--xlsx", str(tmp_path / "run.xlsx")])
    assert done.exit_code == 0, done.output
    assert "kept as plan" in done.stdout and f"xlsx: {tmp_path / 'run.xlsx'}" in done.stdout
    # --json: the document alone on stdout, the kept plan's id on stderr for a script to follow.
    done = runner.invoke(app, ["plan", str(scenarios[1]), "--workspace", workspace, "--report",
                               str(tmp_path / "r.html"), "--json"])
    assert done.exit_code == 0, done.output
    assert "kept as plan" not in done.stdout and "kept_as" not in json.loads(done.stdout)
    json_run = done.stderr.split("kept as plan ")[1].split()[0]
    listed = runner.invoke(app, ["plans", "list", "--workspace", workspace, "--json"])
    assert listed.exit_code == 0, listed.output
    kept = json.loads(listed.stdout)
    assert kept[0]["id"] == json_run
    assert [p["scenario"] for p in kept] == [str(scenarios[1]), str(scenarios[0])]
    assert all(p["status"] == "done" for p in kept)
    newest, oldest = kept[0]["id"], kept[1]["id"]
    human = runner.invoke(app, ["plans", "list", "--workspace", workspace], env={"COLUMNS": "300"})
    assert newest in human.stdout and str(scenarios[0]) in human.stdout
    shown = runner.invoke(app, ["plans", "show", oldest, "--workspace", workspace, "--json",
                                "--report", str(tmp_path / "again.html"), "--lang", "fr"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["scenario_toml"] == small_plan(0.1)
    assert "lang='fr'" in (tmp_path / "again.html").read_text()
    # The kept plan's workbook: the file the run's --xlsx wrote, from the kept JSON.
    shown = runner.invoke(app, ["plans", "show", oldest, "--workspace", workspace, "--xlsx",
                                str(tmp_path / "again.xlsx")])
    assert shown.exit_code == 0, shown.output
    assert f"xlsx: {tmp_path / 'again.xlsx'}" in shown.stdout
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "run.xlsx").read_bytes()
    compared = runner.invoke(app, ["plans", "compare", oldest, newest, "--workspace", workspace, "--json"])
    rows = {row["name"]: row for row in json.loads(compared.stdout)["figures"]}
    assert rows["paid_hours"]["differences"][1] > 0
    table = runner.invoke(app, ["plans", "compare", oldest, newest, "--workspace", workspace],
                          env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert_readable_compare(table.stdout, rows)
    deleted = runner.invoke(app, ["plans", "delete", oldest, "--workspace", workspace, "--json"])
    assert json.loads(deleted.stdout) == {"deleted": oldest}
    again = runner.invoke(app, ["plans", "delete", oldest, "--workspace", workspace])
    assert again.exit_code == 2 and "plan" in again.stderr and "Traceback" not in again.output
    alone = runner.invoke(app, ["plans", "compare", newest, "--workspace", workspace])
    assert alone.exit_code == 2 and "ids" in alone.stderr
