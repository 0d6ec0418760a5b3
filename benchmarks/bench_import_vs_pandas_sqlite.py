"""Importing a call log: casashore's workspace import vs DuckDB's bare load, pandas and a csv → sqlite loop.

    pip install -e . pandas
    python benchmarks/bench_import_vs_pandas_sqlite.py [--calls 10000000]

A synthetic ACD export (id, queue, arrival timestamp, wait, outcome, talk time) of N calls is written once.
Then, in the same run: casashore import (timestamps parsed and validated, one transaction, into a workspace
file); DuckDB's bare CREATE TABLE AS SELECT * FROM read_csv into a file; pandas' C parser in memory (with
timestamps parsed); Python's csv.reader inserting into sqlite; and the 15-minute interval aggregation in the
workspace vs pandas. Rows per second; read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import time
from pathlib import Path

import duckdb

from casashore.history.measures import interval_history
from casashore.workspace.mapping import CallMapping
from casashore.workspace.store import Workspace

MAPPING = CallMapping.model_validate({
    "time_zone": "Europe/Paris", "timestamp_format": "%Y-%m-%d %H:%M:%S",
    "columns": {"call_id": "id", "queue": "queue", "arrival": "arrived", "wait_s": "wait", "outcome": "result",
                "handle_s": "talk"},
    "outcomes": {"answered": ["ANSWERED"], "abandoned": ["ABANDONED"]}})


def write_log(path: Path, calls: int) -> None:
    duckdb.sql(f"""COPY (
        SELECT i AS id, ['fr_bank', 'es_insurance', 'en_telecom'][1 + i % 3] AS queue,
               strftime(TIMESTAMP '2025-01-01 07:00:00' + INTERVAL (i * 3) SECOND, '%Y-%m-%d %H:%M:%S') AS arrived,
               (i * 7919) % 300 AS wait, CASE WHEN i % 9 = 0 THEN 'ABANDONED' ELSE 'ANSWERED' END AS result,
               60 + (i * 104729) % 600 AS talk
        FROM range({calls}) t(i)) TO '{path}' (HEADER)""")


def timed(label: str, rows: int, work) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"| {label} | {rows:,} | {seconds:.2f} | {rows / seconds / 1e6:.2f} M |")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000_000)
    calls = parser.parse_args().calls
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.csv"
        write_log(log, calls)
        print(f"{calls:,} calls, {log.stat().st_size / 1e6:.0f} MB\n")
        print("| import | rows | seconds | rows/s |")
        print("|---|---:|---:|---:|")
        workspace = Path(tmp) / "casashore.duckdb"

        def ours_import():
            opened = Workspace.open(workspace)
            opened.import_calls(log, mapping=MAPPING)
            opened.close()  # the checkpoint: the rows are in the file, not only in the write-ahead log

        def bare_load():
            bare_con = duckdb.connect(str(Path(tmp) / "bare.duckdb"))
            bare_con.execute(f"CREATE TABLE calls AS SELECT * FROM read_csv('{log}')")
            bare_con.close()

        ours = timed("casashore import (parsed, validated, one transaction, into the file)", calls, ours_import)
        bare = timed("DuckDB bare CREATE TABLE AS read_csv (into a file)", calls, bare_load)
        try:
            import pandas as pd

            frame = {}
            panda = timed("pandas read_csv, timestamps parsed (memory)", calls,
                          lambda: frame.setdefault("df", pd.read_csv(log, parse_dates=["arrived"])))
        except ImportError:
            panda, frame = None, {}
        sqlite_rows = min(calls, 2_000_000)

        def sqlite_loop():
            db = sqlite3.connect(str(Path(tmp) / "loop.sqlite"))
            db.execute("CREATE TABLE calls (id, queue, arrived, wait, result, talk)")
            with log.open(newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                batch = []
                for i, row in enumerate(reader):
                    if i == sqlite_rows:
                        break
                    batch.append(row)
                    if len(batch) == 10_000:
                        db.executemany("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?)", batch)
                        batch.clear()
                db.executemany("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?)", batch)
            db.commit()
            db.close()

        loop = timed("csv.reader → sqlite loop (first 2 M rows)", sqlite_rows, sqlite_loop)
        print("\n| 15-minute intervals | seconds |")
        print("|---|---:|")
        started = time.perf_counter()
        with Workspace.open(workspace) as opened:
            rows = interval_history(opened, interval_min=15)
        agg = time.perf_counter() - started
        print(f"| casashore history (workspace, {len(rows):,} queue-intervals, to Python dicts) | {agg:.2f} |")
        con = duckdb.connect(str(workspace))  # the same file, bare
        started = time.perf_counter()
        con.execute("""SELECT queue, time_bucket(INTERVAL '15 minutes', timezone('Europe/Paris', arrival_at)),
                       count(*), avg(handle_s), avg(wait_s) FROM calls GROUP BY ALL""").fetchall()
        print(f"| the same aggregation in DuckDB alone | {time.perf_counter() - started:.2f} |")
        if "df" in frame:
            df = frame["df"]
            started = time.perf_counter()
            df.groupby(["queue", df["arrived"].dt.floor("15min")]).agg(
                calls=("id", "size"), talk=("talk", "mean"), wait=("wait", "mean"))
            print(f"| pandas groupby (in memory) | {time.perf_counter() - started:.2f} |")
        print(f"\nours ÷ bare DuckDB load time: {ours / bare:.2f}; ours vs pandas rows/s: "
              f"{(panda / ours) if panda else float('nan'):.2f}×; ours vs sqlite loop: "
              f"{(loop / sqlite_rows) / (ours / calls):.1f}×")
        con.close()


if __name__ == "__main__":
    main()
