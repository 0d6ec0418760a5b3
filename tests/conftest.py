import csv
import sys
from datetime import datetime
from pathlib import Path

# The mpmath references live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

import os

from hypothesis import settings

# CI explores the same examples on every run (a flaky red build lands nothing); local runs keep exploring
# new random examples, which is where new edge cases are found and then pinned with @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


PARIS_HALF_HOURS = """
kind = "intervals"
time_zone = "Europe/Paris"
timestamp_format = "%Y-%m-%d %H:%M"
interval_min = 30
[columns]
queue = "queue"
start = "start"
offered = "offered"
answered = "answered"
aht_s = "aht_s"
"""
"""The import mapping of the intraday tests' interval reports: half-hours on Paris wall time."""


CHAT_ROUTER = "chat_min_interval_s = 0\n"
"""The chat tests' [router] line: a customer may write as fast as the test drives."""
CHAT_QUEUE = """
[[queues]]
name = "web_fr"
skill = "fr"
channel = "chat"
max_sessions = 2
concurrency = 0.3
aht_s = 300
"""
"""The chat tests' centre queue (tests/test_chat_browser.py, tests/test_route_chat_nodes.py): French web chats,
two at a time per agent."""


def write_half_hour_report(folder: Path, rows: list[list]) -> Path:
    """``folder``/report.csv of ``rows`` (queue, start, offered, answered, aht_s) beside its mapping report.toml."""
    report = write_csv(folder / "report.csv", ["queue", "start", "offered", "answered", "aht_s"], rows)
    (folder / "report.toml").write_text(PARIS_HALF_HOURS)
    return report


def shared_data(*parts: str) -> Path:
    """A file of the project's shared test data (../shared/data, read-only; never copied into the repo).

    Looked for in $CASASHORE_SHARED_DATA, beside the repository, and in /work/shared/data; tests that need it
    skip with the reason when it is in none of them.
    """
    candidates = [Path(os.environ["CASASHORE_SHARED_DATA"])] if os.environ.get("CASASHORE_SHARED_DATA") else []
    candidates += [Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]
    for base in candidates:
        if (base / Path(*parts)).exists():
            return base / Path(*parts)
    return candidates[0] / Path(*parts)


def workspace_file(path: Path, read_only: bool = True):
    """A plain DuckDB connection to a workspace file, in UTC as the Workspace opens it: for tests that look at
    what was stored, or store rows no Workspace method writes (src has no SQL outside casashore.workspace)."""
    import duckdb  # not every test needs it

    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    return con


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def anonymous_bank_calls(path: Path):
    """Each offered call of the raw Anonymous Bank log, read with plain Python, independently of the importer:
    (the moment it asked for an agent — q_start if it queued, else vru_exit — and its raw row); phantoms out."""
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["outcome"] == "PHANTOM":
                continue
            clock = row["q_start"] if row["q_start"] != "0:00:00" else row["vru_exit"]
            yield datetime.strptime(f"{row['date']} {clock}", "%y%m%d %H:%M:%S"), row
