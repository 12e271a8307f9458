"""Progress lines: new best objectives only, at most once a second."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from tests.test_naive import random_problem
from villageroute.solvers import reporting
from villageroute.solvers.ortools_routing import solve_ortools
from villageroute.solvers.pyvrp_backend import solve_pyvrp
from villageroute.solvers.reporting import BestReporter


def test_only_new_bests_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(float(t) for t in range(0, 100, 2))  # two seconds between calls
    monkeypatch.setattr(reporting.time, "perf_counter", lambda: next(clock))
    lines: list[str] = []
    report = BestReporter(lines.append)
    for objective in (10.0, 12.0, 9.5, 9.5, 8.0):
        report(objective, " x")
    assert lines == [
        "   2.0 s  objective 10.00 x",
        "   4.0 s  objective 9.50 x",
        "   6.0 s  objective 8.00 x",
    ]


def test_reports_wait_a_second_but_remember_the_best(monkeypatch: pytest.MonkeyPatch) -> None:
    """An improvement within the second is not shown but still counts: a later
    objective above it is no new best, even though it beats the last line shown."""
    clock = iter([0.0, 0.1, 0.5, 2.0])
    monkeypatch.setattr(reporting.time, "perf_counter", lambda: next(clock))
    lines: list[str] = []
    report = BestReporter(lines.append)
    for objective in (10.0, 8.0, 9.0, 7.0):
        report(objective)
    assert lines == ["   0.1 s  objective 10.00", "   2.0 s  objective 7.00"]


@pytest.mark.parametrize("solve", [solve_ortools, solve_pyvrp])
def test_a_search_reports_falling_objectives_about_once_a_second(solve) -> None:
    """OR-Tools' guided local search accepts worse solutions hundreds of times a second;
    the lines show only new bests, at most one a second (plus PyVRP's summary line)."""
    lines: list[str] = []
    solve(random_problem(20, 1), time_limit=2.5, progress=lines.append)
    objectives = [
        float(m.group(1).replace(",", ""))
        for line in lines
        if (m := re.search(r"\d s  objective ([\d,.]+)", line))
    ]
    assert objectives
    assert all(a > b for a, b in pairwise(objectives))
    assert len(objectives) <= 4
