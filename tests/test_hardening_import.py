"""Issue 16's probes of `casashore import` and the workspace, as regression tests: an import adding nothing
says so, names in call logs are data, wrong mappings and unusable workspaces are one line, and reading
commands open the workspace read-only."""

import multiprocessing
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.workspace.store import Workspace
from conftest import workspace_file

MAPPING = """
time_zone = "Europe/Paris"
delimiter = "{delimiter}"
[columns]
call_id = "id"
queue = "queue"
arrival = "arrived"
wait_s = "wait"
outcome = "result"
[outcomes]
answered = ["ANSWERED"]
abandoned = ["ABANDONED"]
"""
HEADER = "id,queue,arrived,wait,result\n"
ROWS = ["1,fr,2026-03-02 09:00:00,12,ANSWERED\n", "2,fr,2026-03-02 09:01:00,40,ABANDONED\n",
        "3,es,2026-03-02 09:02:00,5,ANSWERED\n"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def files(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.format(delimiter=","))
    return tmp_path, mapping, tmp_path / "w.duckdb"


def calls(workspace):
    if not workspace.exists():  # a refused first import leaves no workspace: nothing was imported
        return 0
    Workspace.open(workspace, read_only=True).close()  # the file opens as a workspace
    con = workspace_file(workspace)
    try:
        return con.execute("SELECT count(*) FROM calls").fetchall()[0][0]
    finally:
        con.close()


def test_an_export_whose_calls_are_all_present_adds_zero(files):
    tmp, mapping, workspace = files
    (tmp / "a.csv").write_text(HEADER + "".join(ROWS))
    (tmp / "b.csv").write_text(HEADER + "".join(reversed(ROWS)))  # the same calls, another hash
    assert run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace).exit_code == 0
    again = run("import", tmp / "b.csv", "--mapping", mapping, "--workspace", workspace)
    assert again.exit_code == 0 and "0 calls added" in again.stdout, again.output
    assert calls(workspace) == 3


def test_a_header_only_file_adds_zero(files):
    tmp, mapping, workspace = files
    (tmp / "h.csv").write_text(HEADER)
    result = run("import", tmp / "h.csv", "--mapping", mapping, "--workspace", workspace)
    assert result.exit_code == 0 and "0 calls added" in result.stdout, result.output
    assert calls(workspace) == 0


@pytest.mark.parametrize("queue", ["../../etc/x", "a/b", ".hidden", "x" * 65])
def test_queue_names_in_a_call_log_are_checked(files, queue):
    tmp, mapping, workspace = files
    (tmp / "a.csv").write_text(HEADER + ROWS[0] + f"9,{queue},2026-03-02 09:00:00,1,ANSWERED\n")
    result = run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace)
    assert result.exit_code == 2 and "line 3" in result.stderr and "queue" in result.stderr
    assert "Traceback" not in result.output
    assert calls(workspace) == 0


@pytest.mark.parametrize("delimiter", ["", ";;", '\\"'])
def test_a_wrong_delimiter_is_one_line(files, delimiter):
    tmp, mapping, workspace = files
    mapping.write_text(MAPPING.format(delimiter=delimiter))
    (tmp / "a.csv").write_text(HEADER + ROWS[0])
    result = run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace)
    assert result.exit_code == 2 and "delimiter" in result.stderr and "Traceback" not in result.output
    assert not workspace.exists()


def _hold(path, ready, release):
    workspace = Workspace.open(Path(path))
    ready.set()
    release.wait(60)
    workspace.close()


def test_a_held_workspace_is_named_as_held(files):
    tmp, mapping, workspace = files
    (tmp / "a.csv").write_text(HEADER + "".join(ROWS))
    assert run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace).exit_code == 0
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(str(workspace), ready, release))
    holder.start()
    try:
        assert ready.wait(120)
        result = run("history", "--workspace", workspace)
        assert result.exit_code == 2 and "holds it" in result.stderr and "Traceback" not in result.output
    finally:
        release.set()
        holder.join(60)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes whatever the permissions say")
def test_reading_commands_read_a_read_only_workspace(files):
    tmp, mapping, workspace = files
    (tmp / "a.csv").write_text(HEADER + "".join(ROWS))
    assert run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace).exit_code == 0
    workspace.chmod(0o444)
    try:
        result = run("history", "--workspace", workspace, "--json")
        assert result.exit_code == 0, result.output
        refused = run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace)
        assert refused.exit_code == 2 and "Traceback" not in refused.output
    finally:
        workspace.chmod(0o644)


def test_history_opens_the_workspace_read_only(files, monkeypatch):
    tmp, mapping, workspace = files
    (tmp / "a.csv").write_text(HEADER + "".join(ROWS))
    assert run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace).exit_code == 0
    opened = []
    real = Workspace.open
    monkeypatch.setattr(Workspace, "open", lambda *a, **k: opened.append(k) or real(*a, **k))
    assert run("history", "--workspace", workspace, "--json").exit_code == 0
    assert opened and all(k.get("read_only") for k in opened)


def test_a_damaged_workspace_is_one_line(files):
    tmp, mapping, workspace = files
    (tmp / "a.csv").write_text(HEADER + "".join(ROWS))
    assert run("import", tmp / "a.csv", "--mapping", mapping, "--workspace", workspace).exit_code == 0
    data = bytearray(workspace.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset + 64:offset + 128] = b"\xff" * 64
    workspace.write_bytes(bytes(data))
    for command in (["history"], ["import", tmp / "a.csv", "--mapping", mapping]):
        result = run(*command, "--workspace", workspace)
        assert result.exit_code == 2 and "workspace" in result.stderr and "Traceback" not in result.output


def test_a_refused_first_import_leaves_no_workspace_behind(tmp_path):
    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app

    workspace = tmp_path / "x.duckdb"
    wrong = tmp_path / "notes.txt"
    wrong.write_text("this is not a call log\n")
    result = CliRunner().invoke(app, ["import", str(wrong), "--format", "anonymous-bank", "--workspace",
                                      str(workspace)])
    assert result.exit_code == 2 and "error: " in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no empty workspace to mistake for one
    history = CliRunner().invoke(app, ["history", "--workspace", str(workspace)])
    assert history.exit_code == 2 and "import" in history.output
