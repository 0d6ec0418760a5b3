"""`casashore plan` keeps every run in its workspace, and `casashore plans list|show|compare|delete` read them
(thin, over the same use case as the API): --json on each, a user mistake one line and exit 2."""

import json

from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from small_plan import small_plan


def test_plan_runs_are_kept_and_the_plans_commands_list_show_compare_and_delete_them(tmp_path):
    runner = CliRunner()
    workspace = str(tmp_path / "ws.duckdb")
    for shrinkage in (0.1, 0.3):
        (tmp_path / f"small-{shrinkage}.toml").write_text(small_plan(shrinkage))
        done = runner.invoke(app, ["plan", str(tmp_path / f"small-{shrinkage}.toml"), "--workspace", workspace,
                                   "--report", str(tmp_path / "r.html")])
        assert done.exit_code == 0, done.output
        assert "kept as plan" in done.stdout
    listed = runner.invoke(app, ["plans", "list", "--workspace", workspace, "--json"])
    assert listed.exit_code == 0, listed.output
    kept = json.loads(listed.stdout)
    assert [p["scenario"] for p in kept] == ["small-0.3.toml", "small-0.1.toml"]
    assert all(p["status"] == "done" for p in kept)
    newest, oldest = kept[0]["id"], kept[1]["id"]
    human = runner.invoke(app, ["plans", "list", "--workspace", workspace])
    assert newest in human.stdout and "small-0.1.toml" in human.stdout
    shown = runner.invoke(app, ["plans", "show", oldest, "--workspace", workspace, "--json",
                                "--report", str(tmp_path / "again.html"), "--lang", "fr"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["scenario_toml"] == small_plan(0.1)
    assert "lang='fr'" in (tmp_path / "again.html").read_text()
    compared = runner.invoke(app, ["plans", "compare", oldest, newest, "--workspace", workspace, "--json"])
    rows = {row["name"]: row for row in json.loads(compared.stdout)["figures"]}
    assert rows["paid_hours"]["differences"][1] > 0
    table = runner.invoke(app, ["plans", "compare", oldest, newest, "--workspace", workspace])
    assert table.exit_code == 0 and "paid_hours" in table.stdout
    deleted = runner.invoke(app, ["plans", "delete", oldest, "--workspace", workspace, "--json"])
    assert json.loads(deleted.stdout) == {"deleted": oldest}
    again = runner.invoke(app, ["plans", "delete", oldest, "--workspace", workspace])
    assert again.exit_code == 2 and "plan" in again.stderr and "Traceback" not in again.output
    alone = runner.invoke(app, ["plans", "compare", newest, "--workspace", workspace])
    assert alone.exit_code == 2 and "ids" in alone.stderr
