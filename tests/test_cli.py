"""The CLI contracts of docs/architecture.md: flags, JSON keys, batch CSV, one-line errors with exit 2."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app

runner = CliRunner()
EXAMPLE_WEEK = Path(__file__).parents[1] / "examples" / "week.csv"


def run(*args: str):
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def run_json(*args: str):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_answer_or_user_error(result):
    """Never a traceback: exit 0 with one JSON document, or exit 2 with one line on stderr."""
    assert not (result.exception and not isinstance(result.exception, SystemExit)), repr(result.exception)
    assert result.exit_code in (0, 2)
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert_user_error(result)


def assert_user_error(result, *words: str):
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0]


def test_staff_call_centre_helper():
    doc = run_json("staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "20",
                   "--service-level", "0.8", "--shrinkage", "30%")
    assert doc["agents"] == 14 and doc["agents_with_shrinkage"] == 20
    assert doc["traffic"] == 10.0
    assert {"p_wait", "service_level", "asa", "occupancy"} <= doc.keys()


def test_staff_erlang_a_keys():
    doc = run_json("staff", "--calls", "100", "--interval", "1800", "--aht", "180", "--agents", "14",
                   "--patience", "300")
    assert doc["model"] == "erlang_a" and 0 < doc["p_abandon"] < 0.02 and "asa_all" in doc


def test_trunks_any_two_give_the_third():
    assert run_json("trunks", "--traffic", "8.108", "--servers", "15")["blocking"] == pytest.approx(0.01, abs=1e-5)
    assert run_json("trunks", "--traffic", "8.108", "--blocking", "1%")["servers"] == 15
    assert run_json("trunks", "--servers", "15", "--blocking", "0.01")["traffic"] == pytest.approx(8.108, abs=1e-3)
    assert run_json("trunks", "--calls", "500", "--aht", "3m", "--blocking", "0.01")["traffic"] == 25.0


def test_link_cisco_and_capacity():
    doc = run_json("link", "--codec", "G.711", "--ptime", "20", "--layer", "ethernet")
    assert doc["kbps_per_call"] == pytest.approx(87.2)
    assert run_json("link", "--codec", "G.711", "--ptime", "20", "--layer", "ip",
                    "--capacity", "40Gbps")["max_calls"] == 500_000


def test_staff_batch_keeps_row_order_and_labels(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("start,calls,interval,aht,target,service_level\n08:00,0,900,180,20,0.8\n"
                    "08:15,100,1800,180,20,0.8\n08:30,0.3,900,300,20,0.8\n")
    docs = run_json("staff", "--input", str(path))
    assert [d["start"] for d in docs] == ["08:00", "08:15", "08:30"]
    assert [d["agents"] for d in docs] == [0, 14, 1]  # the last is 0.1 Erlang


def test_the_example_week_in_one_call(tmp_path):
    out = tmp_path / "week_staffing.csv"
    docs = run_json("staff", "--input", str(EXAMPLE_WEEK), "--output", str(out))
    assert len(docs) == 672
    assert all(d["agents"] == 0 for d in docs if d["traffic"] == 0)
    assert all(d["service_level"] >= 0.8 for d in docs)
    assert len(out.read_text().splitlines()) == 673
    human = run("staff", "--input", str(EXAMPLE_WEEK))
    assert human.exit_code == 0 and "672 intervals" in human.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["staff", "--calls", "-1", "--aht", "180", "--service-level", "0.8"], ["calls", "-1"]),
    (["staff", "--calls", "nan", "--aht", "180", "--service-level", "0.8"], ["calls", "nan"]),
    (["staff", "--calls", "inf", "--aht", "180", "--service-level", "0.8"], ["calls", "inf"]),
    (["staff", "--calls", "10", "--aht", "0", "--service-level", "0.8"], ["aht", "'0'"]),
    (["staff", "--calls", "10", "--aht", "180", "--service-level", "1.5"], ["service_level", "1.5"]),
    (["staff", "--calls", "10", "--aht", "180"], ["agents", "--service-level"]),
    (["staff", "--calls", "10", "--aht", "180", "--abandon", "0.1"], ["abandon", "--patience"]),
    (["trunks", "--traffic", "-1", "--servers", "3"], ["traffic", "-1"]),
    (["trunks", "--traffic", "1", "--servers", "3", "--blocking", "0.1"], ["exactly two"]),
    (["link", "--codec", "G.999", "--ptime", "20", "--layer", "ip"], ["codec", "G.999"]),
    (["link", "--codec", "G.711", "--layer", "cable"], ["layer", "cable"]),
    (["link", "--codec", "G.711", "--capacity", "lots"], ["capacity", "lots"]),
])
def test_bad_input_is_one_line_exit_2(args, words):
    assert_user_error(run(*args, "--json"), *words)


def test_malformed_csv_row_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("calls,interval,aht,target,service_level\n10,900,180,20,0.8\n10,900,abc,20,0.8\n")
    assert_user_error(run("staff", "--input", str(path), "--json"), "line 3", "aht", "abc")
    path.write_text("calls,interval,aht,target,service_level\n10,900,180,20\n")
    assert_user_error(run("staff", "--input", str(path), "--json"), "line 2")
    path.write_text("calls,intervall,aht\n10,900,180\n")
    assert_user_error(run("staff", "--input", str(path), "--json"), "line 1", "intervall")
    assert_user_error(run("staff", "--input", str(tmp_path / "missing.csv"), "--json"), "input")


def test_a_bad_row_writes_no_output(tmp_path):
    path, out = tmp_path / "bad.csv", tmp_path / "out.csv"
    path.write_text("calls,aht,service_level\n10,180,0.8\n10,-5,0.8\n")
    assert run("staff", "--input", str(path), "--output", str(out)).exit_code == 2
    assert not out.exists()


FIELD_TEXT = st.one_of(
    st.sampled_from(["0", "-1", "nan", "inf", "-inf", "1e400", "", " ", "20s", "30m", "1h", "80%", "1.5", "abc",
                     "0.8", "3", "1e-300", "100"]),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["--calls", "--interval", "--aht", "--target", "--agents",
                                        "--service-level", "--asa", "--patience", "--abandon", "--max-occupancy",
                                        "--shrinkage"]), FIELD_TEXT, max_size=7))
def test_fuzzed_staff_never_crashes(options):
    args = ["staff", *[x for kv in options.items() for x in kv], "--json"]
    assert_answer_or_user_error(runner.invoke(app, args))


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["--traffic", "--servers", "--blocking", "--calls", "--aht"]), FIELD_TEXT,
                       max_size=3))
def test_fuzzed_trunks_never_crashes(options):
    args = ["trunks", *[x for kv in options.items() for x in kv], "--json"]
    result = runner.invoke(app, args)
    assert not (result.exception and not isinstance(result.exception, SystemExit)), repr(result.exception)
    assert result.exit_code in (0, 2)


@pytest.mark.parametrize("args, words", [
    (["staff", "--bogus"], "No such option: --bogus"),  # click's usage mistakes, before any command runs
    (["forecast", "--interval"], "'--interval' requires an argument"),
    (["intraday", "replan"], "Missing option '--as-of'"),
    (["nope"], "No such command 'nope'"),
    (["trunks", "--traffic", "-1", "--servers", "3"], "traffic: '-1' is not valid"),  # a UserError
])
def test_every_error_line_starts_with_the_same_error_prefix(args, words):
    """One convention for every mistake, click's and ours: a last line `error: ...` and exit 2."""
    result = run(*args)
    last = result.stderr.strip().splitlines()[-1]
    assert result.exit_code == 2 and last.startswith("error: ") and words in last, result.stderr
    assert "Error:" not in result.stderr and result.stdout == ""


def test_installed_command_keeps_the_contracts():
    """The console script itself, as users and ../shared/tools/check-contracts call it."""
    exe = shutil.which("casashore")
    if exe is None:
        pytest.skip("casashore is not installed on PATH (pip install -e .)")
    p = subprocess.run([exe, "staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "20",
                        "--service-level", "0.8", "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and json.loads(p.stdout)["agents"] == 14
    p = subprocess.run([exe, "trunks", "--traffic", "-1", "--servers", "3", "--json"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == "" and len(p.stderr.strip().splitlines()) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["--calls", "--interval", "--aht", "--patience", "--agents", "--target",
                                        "--intervals", "--replications", "--seed", "--warmup", "--handle-cv"]),
                       FIELD_TEXT, max_size=8))
def test_fuzzed_simulate_never_crashes(options):
    options.setdefault("--replications", "3")
    args = ["simulate", *[x for kv in options.items() for x in kv], "--json"]
    assert_answer_or_user_error(runner.invoke(app, args))


EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("option", ["--report", "--output", "--workspace"])
def test_plan_refuses_an_unwritable_path_before_working(tmp_path, monkeypatch, option):
    """One line, exit 2, nothing written (no workspace, no report), and no planning done first."""
    import casashore.usecases.plan as pipeline  # where `casashore plan` calls the pipeline

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pipeline, "plan_with_report", lambda *a, **k: pytest.fail("planned before checking"))
    args = {"--report": "r.html", "--output": "o.csv", "--workspace": "w.duckdb"}
    args[option] = str(tmp_path / "no-such-dir" / "file")
    result = run("plan", str(EXAMPLES / "casablanca.toml"), *[x for kv in args.items() for x in kv], "--json")
    assert_user_error(result, option.lstrip("-"), "no-such-dir", "can be written")
    assert list(tmp_path.iterdir()) == []


def test_output_paths_are_checked_first(tmp_path):
    """A directory, or a file in /proc (writable-looking to root), is refused before the work."""
    assert_user_error(run("staff", "--calls", "100", "--aht", "180", "--agents", "14", "--output", str(tmp_path),
                          "--json"), "output", "not a directory")
    if Path("/proc/self").is_dir():
        assert_user_error(run("staff", "--calls", "100", "--aht", "180", "--agents", "14", "--output",
                              "/proc/report.csv", "--json"), "output", "/proc/report.csv")
    week = tmp_path / "week.csv"
    assert_user_error(run("schedule", "--requirements", str(week), "--shifts", str(week), "--roster-output",
                          str(tmp_path / "no" / "roster.csv"), "--json"), "roster_output")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_scenario_field_is_named_not_dumped(tmp_path):
    text = (EXAMPLES / "multiskill.toml").read_text().replace("aht_s = 240\n", "", 1)
    path = tmp_path / "missing.toml"
    path.write_text(text)
    result = run("simulate", str(path), "--json")
    assert_user_error(result, "queues[0].aht_s: missing", "required")
    assert "{" not in result.stderr  # not the queue's table as a Python dict


def test_a_plan_without_shifts_names_the_field(tmp_path):
    text = (EXAMPLES / "casablanca.toml").read_text()
    path = tmp_path / "no_shifts.toml"
    path.write_text(text[:text.index("[[shift_patterns]]")])
    result = run("plan", str(path), "--workspace", str(tmp_path / "w.duckdb"), "--json")
    assert_user_error(result, "shifts: missing")
    assert "{" not in result.stderr and "site" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--codec", "G.7299"], "codec: 'G.7299' is not valid; expected one of G.711, "),
    (["--codec", "G.729", "--ptime", "25"], "ptime: '25' is not valid; expected a whole number of G.729's 10 ms"),
    (["--layer", "ip", "--vlan"], "layer: 'ip' is not valid; expected ethernet or wire"),
])
def test_link_errors_read_as_sentences(args, message):
    result = run("link", *args, "--json")
    assert_user_error(result, message)
    assert result.stderr.count("expected") == 1


def test_serve_says_where_it_listens(monkeypatch, tmp_path):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    result = run("serve", "--port", "8123", "--workspace-dir", str(tmp_path))
    assert result.exit_code == 0 and result.stdout == ""
    assert "http://127.0.0.1:8123/" in result.stderr and "http://127.0.0.1:8123/docs" in result.stderr


def test_version_and_whole_command_summaries():
    from importlib.metadata import version

    assert run("--version").stdout.strip() == f"casashore {version('casashore')}"
    listing = run("--help").stdout.split("Commands:")[1]
    assert "..." not in listing and "…" not in listing
    assert "get the third" in " ".join(listing.split())


def test_tables_are_never_cut_when_piped():
    """Not a terminal (a pipe, a file, this runner): no 80-column limit, no ellipsis."""
    text = run("staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "20", "--agents", "12",
               "--patience", "5m").stdout
    assert "P(abandon)" in text and "…" not in text
    assert max(len(line) for line in text.splitlines()) > 80


def test_trunks_shows_the_blocking_the_lines_give():
    doc = run_json("trunks", "--traffic", "25", "--blocking", "1%")
    assert doc["servers"] == 36 and doc["blocking_target"] == 0.01
    assert doc["blocking"] == pytest.approx(0.0080225, abs=1e-6)
    assert "0.8022%" in run("trunks", "--traffic", "25", "--blocking", "1%").stdout


def test_link_prints_capacity_in_bit_rate_units():
    text = run("link", "--codec", "G.729", "--capacity", "40Gbps").stdout
    assert "40 Gbit/s" in text and "e+10" not in text


def test_simulate_without_agents_agrees_with_erlang_c():
    doc = run_json("simulate", "--calls", "100", "--interval", "30m", "--aht", "180", "--agents", "0",
                   "--replications", "3")
    assert doc["p_abandon"] == doc["formula"]["p_abandon"] == 0.0  # nobody hangs up: they wait


def test_the_command_imports_heavy_modules_only_when_a_command_needs_them():
    import sys

    code = ("import sys, casashore.interfaces.cli.app; print(' '.join(m for m in ('numba', 'scipy', 'pandas', "
            "'statsforecast', 'fastapi', 'duckdb', 'pydantic', 'casashore.queueing') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and loaded.stdout.strip() == ""


def test_history_takes_several_queues_and_says_which(tmp_path):
    from casashore.workspace.store import Workspace
    from conftest import workspace_file

    path = tmp_path / "w.duckdb"
    Workspace.open(path).close()
    con = workspace_file(path, read_only=False)
    for queue in ("PS", "NW", "TT"):
        con.execute("INSERT INTO queues (queue, time_zone, country) VALUES (?, 'Asia/Jerusalem', 'IL')", [queue])
        con.execute("""INSERT INTO calls (import_id, call_key, queue, arrival_at, outcome, wait_s, handle_s, agent)
                       SELECT 1, i::VARCHAR, ?,
                       TIMESTAMPTZ '2026-03-02 08:00:00+02' + to_seconds(i * 60), 'answered', 10.0, 120.0, NULL
                       FROM range(30) t(i)""", [queue])
    con.close()
    doc = run_json("history", "--workspace", str(path), "--queue", "PS", "--queue", "TT")
    assert sorted(q["queue"] for q in doc["queues"]) == ["PS", "TT"]
    assert {r["queue"] for r in doc["intervals"]} == {"PS", "TT"}
    shown = run("history", "--workspace", str(path)).stdout
    assert "queues used from" in shown and "NW, PS, TT" in shown
    assert_user_error(run("history", "--workspace", str(path), "--queue", "XX", "--json"),
                      "queue: 'XX'", "NW, PS, TT")


def test_the_router_starts_without_the_forecast_or_the_formulas():
    """`route serve` (and every test that starts it) pays for what routing needs: the reforecast and the re-plan
    it serves load statsforecast and the Erlang kernels on their first request, not at the router's start."""
    import sys

    code = ("import sys, casashore.route.server; print(' '.join(m for m in ('numba', 'statsforecast', "
            "'casashore.queueing', 'casashore.forecast.reforecast', 'casashore.intraday.replan') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "", loaded.stdout + loaded.stderr
