"""`casashore plan --output X.csv` is the report's per-interval download (issue 21, a new user's trial): the same
rows and columns, written by one function, with a channel column saying what `calls` counts."""

import base64
import csv
import io
import re

from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from small_plan import small_plan


def test_plan_output_is_the_report_s_download(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(small_plan())
    done = CliRunner().invoke(app, ["plan", str(scenario), "--workspace", str(tmp_path / "w.duckdb"), "--report",
                                    str(tmp_path / "r.html"), "--output", str(tmp_path / "o.csv")])
    assert done.exit_code == 0, done.output
    page = (tmp_path / "r.html").read_text()
    embedded = re.search(r"href='data:text/csv;charset=utf-8;base64,([^']*)'", page).group(1)
    written = (tmp_path / "o.csv").read_text(encoding="utf-8")
    assert written == base64.b64decode(embedded).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(written)))
    assert rows and {"channel", "required_after_shrinkage_and_rounds", "service_level", "p_abandon"} <= set(rows[0])
    assert {row["channel"] for row in rows} == {"voice"}
