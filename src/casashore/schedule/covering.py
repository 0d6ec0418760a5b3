"""Shift scheduling: how many agents start each shift template on each day, and when they take their breaks, at
least cost, as a MILP (HiGHS).

Columns: one integer count per (template, day); per (group, break length, interval) an integer number of breaks
starting then; continuous under- and over-coverage per (group, interval). Rows: for each group and interval,
agents on shift - agents on break + under - over = required. Objective: shift costs + a penalty per agent-interval
uncovered (default: 100 times the dearest shift, so coverage comes first, and what cannot be covered is reported
instead of "infeasible") + an optional penalty per agent-interval over. With ``hard``, under-coverage is
forbidden and an impossible requirement is "infeasible", with the intervals no shift covers. ``cyclic`` wraps the
horizon: a shift running past its end covers its beginning (a night crossing midnight on a one-day horizon; Sunday
night into Monday on a week). Without it, the part past the end is simply not counted.

Breaks are implicit (after Bechtold & Jacobs 1990 and Aykin 1996): the model does not have a column per shift and
break placement, only counts of shifts and counts of breaks per start time, tied by continuous transportation
flows (each shift's agents send one unit per break rule into the break starts of its window, each break start
receives exactly its count). Given integer shift and break counts the transportation polytope is integral
(bipartite, totally unimodular), so a fractional flow exists exactly when an integer one does: every shift's
agents can then be given their breaks. After the MILP, the counts are fixed and the flows re-solved by simplex,
whose vertex is integral: the break placement per shift.

Multi-skilled agents (a template whose group is "fr+es+en") are one agent each: per interval, the agents of a
skill set on shift are split between their skills by continuous assignment variables (assignments = agents on
shift less those on break), and only assignments cover a requirement — a trilingual agent counts once, not
three times.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from casashore.schedule.deadline_work import DeadlineWork, extend
from casashore.schedule.inputs import Requirement, ShiftTemplate
from casashore.schedule.mip import (
    Problem,
    SolvedPart,
    branch_and_bound,
    neighbourhood,
    proven_optimal,
    relax_and_dive,
    relax_together,
)

NODE_LIMIT = 2_000
SEARCH_BATCH = 4
"""Parts searched by branch and bound at once, in threads: a constant, so that which parts are searched does not
depend on the machine's cores."""
PAYING_WINDOW = 8
"""The neighbourhood search's last this many searches (distinct parts, each with its copies) are judged together
by search_pays(): a count, so that where it stops does not depend on the machine."""
"""Branch-and-bound nodes per part, when the dive's answer is not within the gap asked for: a limit that
stops the search at the same place on any machine (a wall-clock limit would not)."""


@dataclass(frozen=True)
class ShiftSchedule:
    status: str
    """optimal (proven), feasible (a schedule within ``gap`` of ``bound``, or stopped by a limit), infeasible."""
    cost: float
    """Shift costs only."""
    objective: float
    gap: float | None
    counts: dict[tuple[str, int], int]
    """(template, day) -> agents starting it."""
    scheduled: dict[str, np.ndarray]
    """group -> agents on shift and not on break per interval."""
    uncoverable: list[tuple[str, int]]
    """(group, interval) with a requirement that no template covers."""
    breaks: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    """(template, day, break rule index, interval where the break starts) -> agents; the interval is -1 for a
    break past the end of a horizon that does not wrap."""
    size: dict[str, int] = field(default_factory=dict)
    """integer_variables, continuous_variables, rows: the model as solved."""
    at_work: dict[str, np.ndarray] = field(default_factory=dict)
    """skill set (a template's group) -> its agents on shift and not on break, per interval."""
    on_shift_total: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """All agents on shift per interval, breaks included: the seats taken."""
    bound: float = float("nan")
    """A proven lower bound on ``objective`` (the LP relaxation's, raised by branch and bound where it ran)."""
    stopped_by: str = ""
    """optimal, dive (the constructive answer was within the gap), gap, nodes (the deterministic node limit),
    time_safety (the wall-clock safety limit was hit: the answer may depend on the machine and its load)."""
    solver: dict[str, int] = field(default_factory=dict)
    """parts (independent sub-models), polished (parts the neighbourhood search reached), searched (by branch and
    bound), lps (LP solves in the dives), nodes (branch-and-bound nodes); unpaid (parts the neighbourhood search
    left when it stopped paying: search_pays), only when it did."""


@dataclass
class _Columns:
    keys: list[tuple[str, int]]
    """(template, day) per shift column."""
    on_shift: sparse.csc_matrix
    """[class-interval x shift column] 0/1."""
    break_keys: list[tuple[int, int, int]]
    """(class, break length in intervals, start interval or n for past the end) per break-count variable."""
    break_cover: sparse.csc_matrix
    """[class-interval x break-count variable] 0/1: the intervals a break takes its agent away."""
    flows: list[tuple[int, int, int]]
    """(supply row = a shift column's break rule, break-count variable, start interval) per flow variable."""
    supplies: list[tuple[int, int]]
    """(shift column, break rule index) per supply row."""


def _columns(requirement: Requirement, shifts: list[ShiftTemplate], cyclic: bool, classes: list[str],
             open_mask: np.ndarray | None = None, days: list[int] | None = None, origin: int = 0) -> _Columns:
    """The columns of ``shifts`` on ``days`` (default: every day), over the requirement's intervals, which start
    ``origin`` intervals into the horizon (a window of it, to rebuild one part: see _Cluster.part)."""
    n = len(requirement.starts)
    step = requirement.interval_min
    per_day = 1440 // step
    if days is None:
        days = list(range(1 if requirement.one_day else n // per_day))

    def at(t: int) -> int | None:
        """The interval t lands on, wrapped or None past a horizon that does not wrap."""
        return t % n if cyclic else (t if t < n else None)

    rows, cols, keys = [], [], []
    break_index: dict[tuple[int, int, int], int] = {}
    flows, supplies = [], []
    for shift in shifts:
        first = shift.start_min // step - origin
        c = classes.index(shift.group)
        lasting = np.arange(shift.length_min // step)
        for day in days:
            covered = day * per_day + first + lasting  # at() of each, as arrays: a cluster's week is ~10^4 of them
            covered = covered % n if cyclic else covered[covered < n]
            if open_mask is not None and not open_mask[covered].all():
                continue  # no one works while the site is closed
            col = len(keys)
            keys.append((shift.name, day))
            rows.extend((c * n + covered).tolist())
            cols.extend([col] * len(covered))
            for j, rule in enumerate(shift.breaks):
                supply = len(supplies)
                supplies.append((col, j))
                length = rule.length_min // step
                for offset in range(rule.earliest_min // step, rule.latest_min // step + 1):
                    t = at(day * per_day + first + offset)
                    start = n if t is None else t
                    var = break_index.setdefault((c, length, start), len(break_index))
                    flows.append((supply, var, start))
    on_shift = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n * len(classes), len(keys)))
    on_shift.sum_duplicates()
    b_rows, b_cols = [], []
    for (c, length, start), var in break_index.items():
        for k in range(length if start < n else 0):
            if (t := at(start + k)) is not None:
                b_rows.append(c * n + t)
                b_cols.append(var)
    break_cover = sparse.csc_matrix((np.ones(len(b_rows)), (b_rows, b_cols)), shape=(n * len(classes),
                                                                                      len(break_index)))
    return _Columns(keys, on_shift, list(break_index), break_cover, flows, supplies)


@dataclass
class _Model:
    """The covering model of some skills (a skill cluster, or a window of its days), whole: every part of it."""
    problem: Problem
    cols: _Columns
    n: int
    """its intervals"""
    origin: int
    """the horizon's interval its first interval is"""
    groups: list[str]
    classes: list[str]
    n_int: int
    n_flow: int
    n_assign: int
    cover_a: sparse.csc_matrix
    uncoverable: list[tuple[str, int]]
    size: dict[str, int]


def _model(requirement: Requirement, shifts: list[ShiftTemplate], classes: list[str], *, cyclic: bool, hard: bool,
           penalty: float, over_penalty: float, open_mask: np.ndarray | None, days: list[int] | None = None,
           origin: int = 0, work: dict[str, DeadlineWork] | None = None) -> _Model:
    """The MILP of the module's docstring for ``requirement``'s groups and the ``shifts`` of ``classes``; ``work``:
    groups given items with a deadline (schedule/deadline_work.py), their rows and columns appended."""
    n = len(requirement.starts)
    groups = requirement.groups
    cols = _columns(requirement, shifts, cyclic, classes, open_mask, days, origin)
    on_shift = cols.on_shift
    required = np.concatenate([np.asarray(requirement.required[g], float) for g in groups])
    rows = len(required)
    cost_of = {s.name: s.cost for s in shifts}
    shift_cost = np.array([cost_of[name] for name, _ in cols.keys])
    n_shift, n_break, n_flow, n_supply = on_shift.shape[1], len(cols.break_keys), len(cols.flows), len(cols.supplies)

    # Assignments: for each class, interval and skill of the class, agents of that class serving that skill (class
    # by class, each of its skills, every interval: the columns' order).
    pairs = np.array([(ci, groups.index(skill)) for ci, c in enumerate(classes) for skill in c.split("+")],
                     dtype=np.int64).reshape(-1, 2)
    times = np.tile(np.arange(n, dtype=np.int64), len(pairs))
    n_assign = len(times)
    cover_a = sparse.csc_matrix((np.ones(n_assign), (np.repeat(pairs[:, 1], n) * n + times, np.arange(n_assign))),
                                shape=(rows, n_assign))
    limit_a = sparse.csc_matrix((np.ones(n_assign), (np.repeat(pairs[:, 0], n) * n + times, np.arange(n_assign))),
                                shape=(len(classes) * n, n_assign))
    supply_of_flow = np.array([s for s, _, _ in cols.flows], dtype=np.int64)
    break_of_flow = np.array([b for _, b, _ in cols.flows], dtype=np.int64)
    flow_rows = sparse.csc_matrix((np.ones(n_flow), (supply_of_flow, np.arange(n_flow))), shape=(n_supply, n_flow))
    flow_into = sparse.csc_matrix((np.ones(n_flow), (break_of_flow, np.arange(n_flow))), shape=(n_break, n_flow))
    shift_supply = sparse.csc_matrix((np.ones(n_supply), ([s for s in range(n_supply)],
                                                          [col for col, _ in cols.supplies])),
                                     shape=(n_supply, n_shift))
    cap_rows = len(classes) * n
    identity = sparse.identity(rows, format="csc")
    empty = sparse.csc_matrix
    # Variables: shift counts | break counts | flows | assignments | under | over.
    # Rows: coverage (assignments + under - over = required); capacity (assignments = on shift - on break: every
    # agent at work serves one of its skills, so an agent too many shows as over-coverage somewhere); supply (a
    # shift column's flows for one break rule = its agents); demand (flows into a break start = breaks there).
    matrix = sparse.vstack([
        sparse.hstack([empty((rows, n_shift + n_break + n_flow)), cover_a, identity, -identity]),
        sparse.hstack([-on_shift, cols.break_cover, empty((cap_rows, n_flow)), limit_a, empty((cap_rows, 2 * rows))]),
        sparse.hstack([-shift_supply, empty((n_supply, n_break)), flow_rows, empty((n_supply, n_assign + 2 * rows))]),
        sparse.hstack([empty((n_break, n_shift)), -sparse.identity(n_break), flow_into,
                       empty((n_break, n_assign + 2 * rows))]),
    ], format="csc")
    served = np.asarray(cover_a @ np.asarray(limit_a.T @ np.asarray(on_shift.sum(axis=1)).ravel() > 0,
                                             float)).ravel() > 0
    uncoverable = [(groups[r // n], origin + r % n) for r in np.flatnonzero((required > 0) & ~served)]
    work = {g: w for g, w in (work or {}).items() if g in groups}
    for g, w in work.items():  # a work group's requirement is its floor: its items say what no shift can do
        if not served[groups.index(g) * n:(groups.index(g) + 1) * n].any():
            uncoverable += [(g, origin + int(t)) for t in np.flatnonzero(np.asarray(w.items, float) > 0)]

    n_int = n_shift + n_break
    costs = np.concatenate([shift_cost, np.zeros(n_break + n_flow + n_assign), np.full(rows, penalty),
                            np.full(rows, over_penalty)])
    upper = np.concatenate([np.full(n_int + n_flow + n_assign, np.inf),
                            np.zeros(rows) if hard else np.full(rows, np.inf), np.full(rows, np.inf)])
    row_bounds = np.concatenate([required, np.zeros(matrix.shape[0] - rows)])
    if work:  # work groups' coverage rows take their items' columns and rows (appended: continuous, last)
        matrix, costs, upper, row_bounds = extend(
            matrix, costs, upper, row_bounds, {groups.index(g) * n: w for g, w in work.items()}, n,
            requirement.interval_min * 60.0, np.ones(n, bool) if open_mask is None else np.asarray(open_mask, bool))
    n_cols = matrix.shape[1]
    integer = np.arange(n_cols) < n_int
    size = {"integer_variables": n_int, "continuous_variables": n_cols - n_int, "rows": matrix.shape[0]}
    return _Model(Problem(matrix, costs, upper, row_bounds, integer), cols, n, origin, groups, classes, n_int, n_flow,
                  n_assign, cover_a, uncoverable, size)


def _skill_clusters(groups: list[str], classes: list[str]) -> list[tuple[list[str], list[str]]]:
    """The groups and the classes (skill sets) that agents of several skills join, each cluster's in their order:
    no row or column of the model links two clusters, so each is built and solved alone (a BPO site's clients
    share no agents: a month of 100 clients is 100 models of a client each, not one of them all). In the order of
    their first group, the order of their parts in the whole model."""
    root = list(range(len(groups)))

    def find(g: int) -> int:
        while root[g] != g:
            root[g] = root[root[g]]
            g = root[g]
        return g

    skills_of = {c: [groups.index(skill) for skill in c.split("+")] for c in classes}
    for skills in skills_of.values():
        for other in skills[1:]:
            a, b = sorted((find(skills[0]), find(other)))
            root[b] = a  # the lowest group is its cluster's root
    clusters: dict[int, tuple[list[str], list[str]]] = {}
    for g, group in enumerate(groups):
        clusters.setdefault(find(g), ([], []))[0].append(group)
    for c in classes:
        clusters[find(skills_of[c][0])][1].append(c)
    return [clusters[r] for r in sorted(clusters)]


def _dearest_with_columns(requirement: Requirement, shifts: list[ShiftTemplate], cyclic: bool,
                          open_mask: np.ndarray | None) -> float:
    """The dearest shift that has a column (a day it may work), 1.0 when none: what the under-coverage penalty is
    priced from (the whole model's, the same for every cluster)."""
    n = len(requirement.starts)
    step = requirement.interval_min
    per_day = 1440 // step
    days = 1 if requirement.one_day else n // per_day
    for shift in sorted(shifts, key=lambda s: -s.cost):
        for day in range(days):
            starts = [day * per_day + shift.start_min // step + k for k in range(shift.length_min // step)]
            covered = [t % n for t in starts] if cyclic else [t for t in starts if t < n]
            if open_mask is None or open_mask[covered].all():
                return max(1.0, shift.cost)
    return 1.0


@dataclass
class _Cluster:
    """One skill cluster once its parts are dived: their keys and answers (the model itself is dropped: a month of a
    hundred clients held whole took GBs while built), how to build any one part again (for the search), and the
    cluster's share of the schedule, kept up to date as the search changes a part's answer."""
    requirement: Requirement
    """the cluster's groups only"""
    shifts: list[ShiftTemplate]
    classes: list[str]
    open_mask: np.ndarray | None
    settings: dict
    """cyclic, hard, penalty, over_penalty: as for the whole model"""
    keys: list[str] = field(default_factory=list)
    solved: list[SolvedPart] = field(default_factory=list)
    recipes: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    """per part: its first interval and the plan days of its shifts (none: a part without shifts)"""
    at_work: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """[class, interval] agents on shift and not on break"""
    on_shift: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """[class, interval] agents on shift, breaks included"""
    serving: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """[group, interval] agents serving the group"""
    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    breaks: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    shift_columns: list[tuple[str, int]] = field(default_factory=list)
    uncoverable: list[tuple[str, int]] = field(default_factory=list)
    size: dict[str, int] = field(default_factory=dict)

    def model(self, days: list[int] | None = None, window: tuple[int, int] | None = None) -> _Model:
        """The cluster's model, or the columns of ``days`` only over the intervals of ``window``."""
        requirement, mask = self.requirement, self.open_mask
        w0, w1 = window or (0, len(requirement.starts))
        if window is not None:
            requirement = Requirement(requirement.starts[w0:w1], requirement.interval_min, requirement.groups,
                                      {g: requirement.required[g][w0:w1] for g in requirement.groups},
                                      requirement.one_day)
            mask = None if mask is None else mask[w0:w1]
        return _model(requirement, self.shifts, self.classes, open_mask=mask, days=days, origin=w0, **self.settings)

    def dive(self, memo: dict, pool: ThreadPoolExecutor) -> bool:
        """Build the cluster's model, find its parts, dive the parts the memo does not know, and write the
        cluster's share of the schedule from the answers; False when a part is infeasible."""
        model = self.model()
        whole = model.problem
        self.uncoverable, self.size = model.uncoverable, model.size
        n = model.n
        self.at_work = np.zeros((len(self.classes), n))
        self.on_shift = np.zeros((len(self.classes), n))
        self.serving = np.zeros((len(self.requirement.groups), n))
        self.shift_columns = list(model.cols.keys)
        count, row_part, col_part = _components(whole.matrix)
        blocks = _blocks(whole.matrix, count, row_part, col_part)
        problems = [(cols, Problem(block, whole.costs[cols], whole.upper[cols], whole.row_bounds[rows],
                                   whole.integer[cols])) for rows, cols, block in blocks]
        n_shift = len(model.cols.keys)
        # A part's first row is its cluster's first group's at the part's first interval.
        self.recipes = [(int(rows[0]), tuple(sorted({model.cols.keys[c][1] for c in cols[cols < n_shift].tolist()})))
                        for rows, cols, _ in blocks]
        del blocks
        self.keys = [_fingerprint(problem) for _, problem in problems]
        # A part whose data another part shares (the same day of a client, the closed hours) is dived once, as the
        # last of them: the whole model's rule (clusters are dived last first).
        new = sorted({key: i for i, key in enumerate(self.keys) if key not in memo}.items())
        # Parts without shifts (a closed hour: its under-coverage and nothing else, ~95 % of the parts of a week of
        # hundreds of queues) are one LP together: one HiGHS call instead of thousands, the same unique answer.
        without_shifts = [(key, i) for key, i in new if not problems[i][1].integer.any()]
        if without_shifts:
            answers = relax_together([problems[i][1] for _, i in without_shifts])
            if answers is None:
                return False
            for (key, _), answer in zip(without_shifts, answers, strict=True):
                memo[key] = answer
        new = [(key, i) for key, i in new if problems[i][1].integer.any()]
        same_day = {i: ("part", self.requirement.groups[0], i, _fingerprint(problems[i][1], with_requirement=False))
                    for _, i in new}

        def dive(item: tuple[str, int]) -> SolvedPart | None:
            problem = problems[item[1]][1]
            earlier = memo.get(same_day[item[1]])
            at_least = None
            if earlier is not None and np.all(earlier[0] <= problem.row_bounds) and len(earlier[1].values):
                at_least = earlier[1].values[problem.integer]
            return relax_and_dive(problem, at_least)

        # Each part is solved on one thread, so the answers do not depend on how many run at once.
        for (key, i), dived in zip(new, list(pool.map(dive, new)), strict=True):
            if dived is None:
                return False
            memo[key] = dived
            # The same day (part) under another requirement, in a later round: (its requirement, its answer).
            memo[same_day[i]] = (problems[i][1].row_bounds, dived)
        self.solved = [memo[key] for key in self.keys]
        values = np.zeros(whole.matrix.shape[1])
        for (cols, _), answer in zip(problems, self.solved, strict=True):
            if len(answer.values):  # a part the dive left without an answer is written once searched
                values[cols] = answer.values
        self.write(model, values, np.arange(whole.matrix.shape[0]), np.arange(whole.matrix.shape[1]))
        return True

    def part(self, local: int) -> tuple[_Model, np.ndarray, np.ndarray, Problem]:
        """Part ``local`` built again: (a model holding it, its rows and columns there, its Problem), from the days
        of its shifts over those days and the next (a shift may end after midnight), not the whole cluster; the whole
        cluster's intervals when that window does not give the part back exactly (its data's hash is checked)."""
        first, days = self.recipes[local]
        n = len(self.requirement.starts)
        windows: list[tuple[int, int] | None] = [None]
        # A work group's backlog links every interval of the horizon (cyclic): its parts are built whole.
        worked = any(g in (self.settings.get("work") or {}) for g in self.requirement.groups)
        if days and not (self.settings["cyclic"] or self.requirement.one_day or worked):
            per_day = 1440 // self.requirement.interval_min
            window = (days[0] * per_day, min(n, (days[-1] + 2) * per_day))
            if window != (0, n):
                windows.insert(0, window)
        for window in windows:
            model = self.model(list(days), window)
            whole = model.problem
            count, row_part, col_part = _components(whole.matrix)
            label = row_part[first - model.origin]  # the part's first row: its first group's at its first interval
            ((rows, cols, block),) = _blocks(whole.matrix, count, row_part, col_part, [label])
            problem = Problem(block, whole.costs[cols], whole.upper[cols], whole.row_bounds[rows], whole.integer[cols])
            if _fingerprint(problem) == self.keys[local]:
                return model, rows, cols, problem
        raise RuntimeError(f"part {local} of the cluster of {self.requirement.groups} could not be built again")

    def write(self, model: _Model, values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
        """Write the schedule that ``values`` (one per column of ``model``) makes on ``rows`` and ``cols`` of
        ``model`` (the whole cluster's, or a part's) into the cluster's share."""
        n, origin = model.n, model.origin
        n_shift, n_int, n_flow = len(model.cols.keys), model.n_int, model.n_flow
        counts_int = np.rint(values[:n_int])
        x = counts_int[:n_shift].astype(int)
        on_shift = model.cols.on_shift @ x
        at_work = on_shift - model.cols.break_cover @ counts_int[n_shift:n_int]
        serving = model.cover_a @ values[n_int + n_flow:n_int + n_flow + model.n_assign]
        covered = len(model.groups) * n
        capacity = rows[(rows >= covered) & (rows < covered + len(model.classes) * n)] - covered
        self.at_work[capacity // n, origin + capacity % n] = at_work[capacity]
        self.on_shift[capacity // n, origin + capacity % n] = on_shift[capacity]
        coverage = rows[rows < covered]
        self.serving[coverage // n, origin + coverage % n] = serving[coverage]
        shift_cols = cols[cols < n_shift]
        keys = model.cols.keys
        for col, agents in zip(shift_cols.tolist(), x[shift_cols].tolist(), strict=True):
            if agents:
                self.counts[keys[col]] = agents
            else:
                self.counts.pop(keys[col], None)
        shift_days = {keys[col] for col in shift_cols.tolist()}
        if self.breaks and shift_days:
            for key in [key for key in self.breaks if key[:2] in shift_days]:
                del self.breaks[key]  # written again below, in the flows' order
        flows = cols[(cols >= n_int) & (cols < n_int + n_flow)] - n_int
        flow = np.rint(values[n_int:n_int + n_flow])
        for f, agents in zip(flows.tolist(), flow[flows].tolist(), strict=True):
            if agents:
                supply, _, start = model.cols.flows[f]
                col, j = model.cols.supplies[supply]
                name, day = keys[col]
                key = (name, day, j, origin + start if start < n else -1)
                self.breaks[key] = self.breaks.get(key, 0) + int(agents)


class _Parts:
    """Every cluster's parts in the whole model's order (clusters by their first group, then each cluster's parts):
    their keys and answers, and ``problems[part][1]``, the part's model, built again when the search asks."""

    def __init__(self, clusters: list[_Cluster]) -> None:
        self.clusters = clusters
        self.offsets = np.cumsum([0] + [len(c.keys) for c in clusters])
        self.keys = [key for c in clusters for key in c.keys]
        self.solved: list[SolvedPart] = [s for c in clusters for s in c.solved]
        self.with_shifts = [bool(days) for c in clusters for _, days in c.recipes]
        self.dived = list(self.solved)
        """each part's dive, whose answer its cluster's share of the schedule holds until rewrite()"""
        self.written: dict[int, SolvedPart] = {}
        """the answers rewrite() wrote since"""
        for cluster in clusters:
            cluster.solved = []  # held here only

    def __len__(self) -> int:
        return len(self.keys)

    def locate(self, part: int) -> tuple[_Cluster, int]:
        k = int(np.searchsorted(self.offsets, part, side="right")) - 1
        return self.clusters[k], part - int(self.offsets[k])

    def __getitem__(self, part: int) -> tuple[None, Problem]:
        cluster, local = self.locate(part)
        return None, cluster.part(local)[3]

    def search(self, part: int, step: Callable[[Problem], SolvedPart | None]
               ) -> tuple[SolvedPart | None, tuple[_Model, np.ndarray, np.ndarray] | None]:
        """``step`` on the part built again, and the build (model, rows, columns), which rewrite() takes so that a
        searched part is not built a second time to write its answer (each build costs about what the search
        does: at 300 queues, writing the searched parts' answers back was a third of the step outside its dives
        and searches)."""
        cluster, local = self.locate(part)
        model, rows, cols, problem = cluster.part(local)
        return step(problem), (model, rows, cols)

    def rewrite(self, part: int, built: tuple[_Model, np.ndarray, np.ndarray] | None = None) -> None:
        """Write the part's answer, when the search changed it, into its cluster's share of the schedule (from
        ``built``, the part's build by search(), else built again); a part whose answer is already written is
        not written again (a part's rows and columns are its own, so the order of the writes does not matter)."""
        answer = self.solved[part]
        if answer.values is self.written.get(part, self.dived[part]).values:
            return
        cluster, local = self.locate(part)
        model, rows, cols = built or cluster.part(local)[:3]
        values = np.zeros(model.problem.matrix.shape[1])
        values[cols] = answer.values
        cluster.write(model, values, rows, cols)
        self.written[part] = answer


def solve(requirement: Requirement, shifts: list[ShiftTemplate], *, cyclic: bool = False, hard: bool = False,
          under_penalty: float | None = None, over_penalty: float = 0.0, time_limit_s: float = 600.0,
          open_mask: np.ndarray | None = None, gap: float = 0.0, node_limit: int = NODE_LIMIT,
          parts_searched: int | None = None, search_share: float | None = None,
          work: dict[str, DeadlineWork] | None = None,
          memo: dict | None = None, progress: Callable[[int, int], None] | None = None) -> ShiftSchedule:
    """The cheapest shifts and breaks for ``requirement``; ``open_mask`` (one bool per interval) keeps shifts out
    of the hours the site is closed; ``gap``: a schedule within this relative gap of the proven bound is good
    enough (0: prove the optimum); ``node_limit``: branch-and-bound nodes per part; ``parts_searched``: parts
    branch and bound may search at most (None: ``search_share`` of the distinct parts with shifts, at least one,
    or, without a share, every part it needs), so the search's work is bounded by counts (parts x nodes), the same
    place on any machine and in proportion to the site when given as a share; ``time_limit_s``: a safety
    valve only — the result says when it was hit (``stopped_by == "time_safety"``); ``memo``: dives of earlier
    calls by a hash of their part's data (a part solved again gives the same answer: a day whose requirement did
    not change between rounds of the plan's goal loop is not solved again); ``progress(done, parts)``: called
    as each skill cluster's parts are solved (a memo's answer counts as solved), in the same order on any machine;
    ``parts`` is exact once every cluster is built, until then the clusters built so far's parts scaled to all;
    ``work``: groups given items with a deadline instead of agents per interval (schedule/deadline_work.py: the
    model chooses when they are worked; the group's ``requirement`` is then its floor, agents beyond the work).

    The model is built one skill cluster at a time (_skill_clusters), its parts dived, and only their answers kept:
    the result is the one model's of them all, part for part."""
    started = time.perf_counter()
    n = len(requirement.starts)
    groups = requirement.groups
    classes = sorted({s.group for s in shifts} | set(groups))
    penalty = (under_penalty if under_penalty is not None
               else 100.0 * _dearest_with_columns(requirement, shifts, cyclic, open_mask))
    settings = {"cyclic": cyclic, "hard": hard, "penalty": penalty, "over_penalty": over_penalty, "work": work}
    memo = {} if memo is None else memo
    progress = progress or (lambda done, parts: None)
    skill_clusters = _skill_clusters(groups, classes)
    clusters: list[_Cluster] = []
    feasible, seen = True, 0
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        for built, (cluster_groups, cluster_classes) in enumerate(reversed(skill_clusters), start=1):
            mine = set(cluster_classes)
            cluster = _Cluster(
                Requirement(requirement.starts, requirement.interval_min, cluster_groups,
                            {g: requirement.required[g] for g in cluster_groups}, requirement.one_day),
                [s for s in shifts if s.group in mine], cluster_classes, open_mask, settings)
            if feasible:
                feasible = cluster.dive(memo, pool)
            else:  # no schedule: only the cluster's size and uncoverable intervals, for the answer
                model = cluster.model()
                cluster.uncoverable, cluster.size = model.uncoverable, model.size
            clusters.insert(0, cluster)
            seen += len(cluster.keys)
            if feasible:
                progress(seen, max(seen, round(seen * len(skill_clusters) / built)))
    size = {key: sum(c.size[key] for c in clusters) for key in ("integer_variables", "continuous_variables", "rows")}
    rank = {g: i for i, g in enumerate(groups)}
    uncoverable = sorted((u for c in clusters for u in c.uncoverable), key=lambda u: (rank[u[0]], u[1]))
    if not feasible:
        return ShiftSchedule("infeasible", float("nan"), float("nan"), None, {}, {}, uncoverable, {}, size)
    parts = _Parts(clusters)
    if parts_searched is None and search_share is not None:
        parts_searched = search_budget(parts.keys, parts.with_shifts, search_share)
    solved = _solve_by_component(parts, gap, node_limit, parts_searched, time_limit_s, memo, started)
    if solved is None:
        return ShiftSchedule("infeasible", float("nan"), float("nan"), None, {}, {}, uncoverable, {}, size)
    label, objective, bound, stopped_by, stats = solved
    for part in range(len(parts)):  # the searched parts' copies (the searched ones are written as found)
        parts.rewrite(part)
    gap = 0.0 if label == "optimal" else max(0.0, objective - bound) / max(abs(objective), 1e-9)
    # The whole schedule, in the whole model's orders: classes sorted, shift columns by template then day.
    order = {s.name: i for i, s in enumerate(shifts)}
    cost_of = {s.name: s.cost for s in shifts}
    columns = sorted((key for c in clusters for key in c.shift_columns), key=lambda key: (order[key[0]], key[1]))
    found = {key: agents for c in clusters for key, agents in c.counts.items()}
    x = np.array([found.get(key, 0) for key in columns], dtype=int)
    shift_cost = np.array([cost_of[name] for name, _ in columns])
    counts = {key: int(v) for key, v in zip(columns, x, strict=True) if v}
    breaks = dict(sorted(((key, agents) for c in clusters for key, agents in c.breaks.items()),
                         key=lambda item: (order[item[0][0]], item[0][1], item[0][2])))
    rows_of = {name: (c, i) for c in clusters for i, name in enumerate(c.classes)}
    at_work_by_class = {name: rows_of[name][0].at_work[rows_of[name][1]] for name in classes}
    if all("+" not in c for c in classes):  # one skill per agent: every agent at work serves its group
        scheduled = {g: at_work_by_class[g] for g in groups}
    else:
        serving_of = {g: c.serving[i] for c in clusters for i, g in enumerate(c.requirement.groups)}
        scheduled = {g: serving_of[g] for g in groups}
    seats = (np.stack([rows_of[name][0].on_shift[rows_of[name][1]] for name in classes]) if classes
             else np.zeros((0, n))).sum(axis=0)
    return ShiftSchedule(label, float(shift_cost @ x), objective, gap, counts, scheduled, uncoverable, breaks,
                         size, at_work_by_class, seats, bound, stopped_by, stats)


def search_budget(keys: list[str], with_shifts: list[bool], share: float) -> int:
    """Parts branch and bound may search: ``share`` of the distinct parts with shifts (the same client's Tuesday
    and Wednesday count once, a closed hour not at all), at least one. A count, so the same on any machine, and in
    proportion to the site: a fixed count is a step (a site just above the gap pays the whole of it, minutes on
    its largest days, whatever its size)."""
    distinct = len({key for key, shifts in zip(keys, with_shifts, strict=True) if shifts})
    return max(1, math.ceil(share * distinct))


def search_pays(outcomes: list[tuple[float, float]], gap: float) -> bool:
    """Whether the neighbourhood search still pays, from its searches so far, in order (each: the cost of the parts
    it searched before, the cost it saved, copies included): its last PAYING_WINDOW searches took their parts' cost
    down by at least ``gap``, the share the whole must come within. The parts wait by their slack, largest first,
    so a window that saved less says the parts left would save less still: at 300 queues the last 60 of 280
    searches bought 0.06 % of the cost for ~20 of the step's 138 CPU s (docs/scheduling.md). Costs and counts
    only: the same stop on any machine."""
    if len(outcomes) < PAYING_WINDOW:
        return True
    before, saved = (sum(column) for column in zip(*outcomes[-PAYING_WINDOW:], strict=True))
    return saved >= gap * before


def _fingerprint(problem: Problem, with_requirement: bool = True) -> str:
    """A part's identity in the memo: all its data, or all but its right-hand side (the same day's model under
    another requirement)."""
    digest = hashlib.sha256(b"rhs" if with_requirement else b"model")
    arrays = [problem.matrix.indptr, problem.matrix.indices, problem.matrix.data, problem.costs, problem.upper,
              problem.integer] + ([problem.row_bounds] if with_requirement else [])
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(b"|")
    return digest.hexdigest()


def _components(matrix: sparse.csc_matrix) -> tuple[int, np.ndarray, np.ndarray]:
    """Independent sub-models: (count, component of each row, component of each column). A week of calendar days
    whose shifts end by midnight is seven of them; a wrapped week, one."""
    rows, cols = matrix.shape
    graph = sparse.bmat([[None, matrix], [matrix.T, None]], format="csr")
    count, labels = connected_components(graph, directed=False)
    return count, labels[:rows], labels[rows:]


def _blocks(matrix: sparse.csc_matrix, count: int, row_part: np.ndarray, col_part: np.ndarray,
            wanted: list[int] | None = None) -> list[tuple[np.ndarray, np.ndarray, sparse.csc_matrix]]:
    """Each part's rows, columns (ascending) and sub-matrix (only the ``wanted`` parts' when given). The matrix is
    permuted once so that every part is a contiguous block (a stable sort keeps each part's rows and columns in
    their order): slicing the whole matrix once per part would cost parts x its size (a month of 10 clients: 240
    parts)."""
    row_order = np.argsort(row_part, kind="stable")
    col_order = np.argsort(col_part, kind="stable")
    permuted = matrix[row_order][:, col_order].tocsc()
    row_ends = np.searchsorted(row_part[row_order], np.arange(count + 1))
    col_ends = np.searchsorted(col_part[col_order], np.arange(count + 1))
    indptr, indices, data = permuted.indptr, permuted.indices, permuted.data
    blocks = []
    for part in range(count) if wanted is None else wanted:
        r0, r1, c0, c1 = row_ends[part], row_ends[part + 1], col_ends[part], col_ends[part + 1]
        # A part's columns have entries in its own rows only: the block is a slice of the arrays (scipy's
        # slicing checks and copies cost more than the work on a part of a few rows).
        p0, p1 = indptr[c0], indptr[c1]
        block = sparse.csc_matrix((data[p0:p1], indices[p0:p1] - r0, indptr[c0:c1 + 1] - p0),
                                  shape=(r1 - r0, c1 - c0))
        blocks.append((row_order[r0:r1], col_order[c0:c1], block))
    return blocks


def _solve_by_component(problems: _Parts, gap: float, node_limit: int, parts_searched: int | None,
                        time_limit_s: float, memo: dict, started: float
                        ) -> tuple[str, float, float, str, dict[str, int]] | None:
    """The whole schedule from its independent sub-models (a MILP's search grows far faster than its size: a week
    of independent days is seven small models), each already dived (_Cluster.dive). Every part has its LP bound
    and its dive's answer; while the whole schedule is further from the summed bound than ``gap``, the part
    furthest from its own bound is searched by branch and bound (node-limited), the same parts in the same order
    on any machine. Returns (optimal | feasible, objective, bound, stopped_by, statistics), or None when
    infeasible; ``problems.solved`` holds each part's answer."""
    count, keys, solved = len(problems), problems.keys, problems.solved

    objective_sum, bound_sum = sum(s.objective for s in solved), sum(s.bound for s in solved)

    def within_gap() -> bool:
        return np.isfinite(objective_sum) and (objective_sum - bound_sum <= gap * abs(objective_sum) or
                                               proven_optimal(objective_sum, bound_sum))

    def without_answer(part: int) -> bool:
        return not len(solved[part].values)

    def within_reach(waiting: list[tuple[float, int]], budget: int) -> bool:
        """Whether the whole would be within the gap if the ``budget`` parts furthest from their bounds were
        brought down to them: branch and bound rarely raises a day's bound (its slack is mostly the dive's), so
        with hundreds of small days 2-4 % above their bounds, searching a few of them cannot reach the gap and
        only spends seconds to a minute each."""
        if not np.isfinite(objective_sum):
            return True  # parts without an answer are searched first; the whole is judged after them
        closable = sum(sorted((-slack for slack, _ in waiting), reverse=True)[:budget])
        remaining = objective_sum - closable
        return remaining - bound_sum <= gap * abs(remaining)

    # Two searches, each on the parts furthest from their own bounds first (a part's slack changes only when it
    # is searched, so one heap serves a whole search: a month of hundreds of queues has ~10^5 parts), a fixed
    # number of parts at once (the same ones on any machine whatever its cores), while the whole schedule is
    # further than the gap from its bound. First the neighbourhood of each part's LP optimum: a small sub-MIP per
    # part, so its work grows with the parts, and it finds what a search of the whole part finds on most small
    # days. Then branch and bound on the whole part, on at most ``parts_searched`` parts (its cost per part is
    # not bounded by the part's size: seconds to a minute on a 900-row day). A part the dive left without an
    # answer (it rounded breaks beyond their shifts) is searched whatever the budget: the schedule needs it.
    polished: set[int] = set()
    searched: set[int] = set()
    unpaid = 0
    with ThreadPoolExecutor(max_workers=max(1, min(SEARCH_BATCH, os.cpu_count() or 1))) as pool:

        def search(waiting: list[tuple[float, int]], budget: int,
                   step: Callable[[Problem, int, float], SolvedPart | None],
                   done: set[int], judged: bool = False) -> bool:
            """Parts with the same data (the same client's Tuesday and Wednesday) are searched once, their
            answer shared: the heap holds one part per distinct model, by the slack of all its copies. When
            ``judged``, the search also stops once it no longer pays (search_pays()); the parts it leaves are counted in
            ``unpaid``."""
            nonlocal objective_sum, bound_sum, unpaid
            copies: dict[str, list[int]] = defaultdict(list)
            for _, part in waiting:
                copies[keys[part]].append(part)
            waiting = [(-solved[same[0]].slack * len(same), same[0]) for same in copies.values()]
            heapq.heapify(waiting)
            outcomes: list[tuple[float, float]] = []  # per distinct search: (cost before, cost saved), copies included
            while waiting and not within_gap():
                if judged and not without_answer(waiting[0][1]) and not search_pays(outcomes, gap):
                    unpaid = sum(len(copies[keys[part]]) for _, part in waiting)
                    break
                batch: list[int] = []
                while waiting and len(batch) < SEARCH_BATCH and (len(done) + len(batch) < budget
                                                                 or without_answer(waiting[0][1])):
                    batch.append(heapq.heappop(waiting)[1])
                if not batch:
                    break
                safety_s = max(0.1, time_limit_s - (time.perf_counter() - started))
                found = pool.map(lambda part, limit=safety_s: problems.search(part, lambda p: step(p, part, limit)),
                                 batch)
                for first, (answer, built) in zip(batch, found, strict=True):
                    if answer is None:
                        return False
                    if np.isfinite(solved[first].objective):
                        outcomes.append((solved[first].objective * len(copies[keys[first]]),
                                         (solved[first].objective - answer.objective) * len(copies[keys[first]])))
                    for part in copies[keys[first]]:
                        done.add(part)
                        finite = np.isfinite(solved[part].objective)
                        objective_sum += answer.objective - solved[part].objective if finite else 0.0
                        bound_sum += answer.bound - solved[part].bound
                        solved[part] = answer
                    memo[keys[first]] = answer  # a later round's same part is not searched again
                    problems.rewrite(first, built)  # its copies are built again at the end
                    if not np.isfinite(objective_sum):  # a part without an answer had made the sum infinite
                        objective_sum = sum(s.objective for s in solved)
            return True

        # Only the parts further than the gap from their own bounds: a part within it is not what keeps the
        # whole above the gap, and searching it would cost as much as searching one that is.
        if not search([(-s.slack, i) for i, s in enumerate(solved)
                       if s.stopped_by == "dive" and (without_answer(i) or s.slack > gap * abs(s.objective))],
                      len(solved),
                      lambda problem, part, limit: neighbourhood(problem, solved[part], gap, node_limit, limit),
                      polished, judged=True):
            return None
        waiting = [(-s.slack, i) for i, s in enumerate(solved) if s.stopped_by in ("dive", "neighbourhood")]
        budget = len(waiting) if parts_searched is None else parts_searched
        if unpaid or not within_reach([item for item in waiting if not without_answer(item[1])], budget):
            # The budget's parts could not close the gap even if each reached its bound, or the neighbourhood
            # search stopped paying (branch and bound would search the same parts, furthest first, deeper and
            # dearer: at 99 queues it bought 0.03 % of the cost for 100 CPU s): only the parts without an answer
            # are searched (the schedule needs them).
            waiting = [item for item in waiting if without_answer(item[1])]
        if not search(waiting, budget,
                      lambda problem, part, limit: branch_and_bound(problem, solved[part], gap, node_limit, limit),
                      searched):
            return None
    objective, bound = sum(s.objective for s in solved), sum(s.bound for s in solved)
    objective_sum, bound_sum = objective, bound  # the sums in one order, as within_gap reads them below
    stops = {s.stopped_by for s in solved}
    if "time_safety" in stops:
        stopped_by = "time_safety"
    elif proven_optimal(objective, bound):
        stopped_by = "optimal"
    elif within_gap():
        stopped_by = "gap" if searched or polished else "dive"
    else:
        stopped_by = "nodes"
    label = "optimal" if stopped_by == "optimal" else "feasible"
    stats = {"parts": count, "polished": len(polished), "searched": len(searched), "lps": sum(s.lps for s in solved),
             "nodes": sum(s.nodes for s in solved)}
    if unpaid:  # only when the rule stopped the search, so that a schedule it did not touch reads as before
        stats["unpaid"] = unpaid
    return label, objective, min(bound, objective), stopped_by, stats
