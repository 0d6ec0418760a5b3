"""History measures and patience estimators against hand computations and known laws."""

import numpy as np
import pytest

from casashore.history.measures import interval_history, kaplan_meier, patience
from casashore.workspace.store import Workspace
from conftest import workspace_file


def test_kaplan_meier_by_hand():
    """Waits 1, 2, 2, 3, 5 s; hung up at 1, 2 and 3, answered at 2 and 5: S = 0.8, 0.6, 0.3."""
    times, survival = kaplan_meier(np.array([1.0, 2, 2, 3, 5]), np.array([1, 0, 1, 1, 0]))
    np.testing.assert_allclose(times, [1, 2, 3])
    np.testing.assert_allclose(survival, [0.8, 0.6, 0.3])


CALL_LOG = "(import_id, call_key, queue, arrival_at, outcome, wait_s, handle_s, agent)"


def fill(path, queue, waits, abandoned, handle_s=120.0, start="2026-03-02 08:00:00") -> Workspace:
    """A new workspace at ``path`` holding these calls, opened."""
    Workspace.open(path).close()
    con = workspace_file(path, read_only=False)
    con.execute("INSERT INTO queues (queue, time_zone, country) VALUES (?, 'Europe/Paris', 'FR')", [queue])
    n = len(waits)
    con.execute(f"""INSERT INTO calls {CALL_LOG}
                   SELECT 1, i::VARCHAR, ?, timezone('Europe/Paris', ?::TIMESTAMP + to_seconds(i * 7)),
                   CASE WHEN a THEN 'abandoned' ELSE 'answered' END, w, CASE WHEN a THEN NULL ELSE ? END, NULL
                   FROM (SELECT unnest(range(?)) AS i, unnest(?::DOUBLE[]) AS w, unnest(?::BOOLEAN[]) AS a)""",
                [queue, start, handle_s, n, list(map(float, waits)), list(map(bool, abandoned))])
    con.close()
    return Workspace.open(path)


def test_patience_estimators_on_the_hand_example(tmp_path):
    workspace = fill(tmp_path / "w.duckdb", "q", [1, 2, 2, 3, 5], [1, 0, 1, 1, 0])
    p = patience(workspace, "q")
    assert p.offered == 5 and p.abandoned == 3
    assert p.mean_s_exponential == pytest.approx(13 / 3)           # total wait / abandoned
    assert p.median_s_kaplan_meier == 3.0
    assert p.restricted_mean_s_kaplan_meier == pytest.approx(3.0)  # 1 + 0.8 + 0.6 + 0.3 x 2
    workspace.close()


def test_exponential_patience_is_recovered_under_censoring(tmp_path):
    """Patience ~ Exp(mean 200 s), answered after Exp(mean 60 s) if still there: both estimators find it."""
    rng = np.random.default_rng(4)
    patience_s, answer_s = rng.exponential(200.0, 40_000), rng.exponential(60.0, 40_000)
    workspace = fill(tmp_path / "w.duckdb", "q", np.minimum(patience_s, answer_s), patience_s < answer_s)
    p = patience(workspace, "q")
    assert p.mean_s_exponential == pytest.approx(200.0, rel=0.04)
    assert p.median_s_kaplan_meier == pytest.approx(200.0 * np.log(2), rel=0.08)
    workspace.close()


def test_interval_history_counts_in_the_queue_zone(tmp_path):
    """Calls 7 s apart from 08:00 Paris: the 08:00 quarter-hour holds 129 of them (0 to 896 s); SL and AHT."""
    waits = [10.0 if i % 2 else 30.0 for i in range(300)]
    workspace = fill(tmp_path / "w.duckdb", "q", waits, [i % 10 == 0 for i in range(300)], handle_s=150.0)
    rows = interval_history(workspace, interval_min=15, target_s=20.0)
    first = rows[0]
    assert first["start"] == "2026-03-02T08:00:00" and first["offered"] == 129
    abandoned = sum(1 for i in range(129) if i % 10 == 0)
    within = sum(1 for i in range(129) if i % 10 and i % 2)
    assert first["abandoned"] == abandoned and first["answered"] == 129 - abandoned
    assert first["service_level"] == pytest.approx(within / 129)
    assert first["aht_s"] == 150.0
    workspace.close()
