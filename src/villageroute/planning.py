"""``villageroute.plan``: one call from a county (or a problem) to a plan."""

from __future__ import annotations

import os
from collections.abc import Callable

from villageroute.county import County
from villageroute.errors import InputError
from villageroute.plans import Plan, day_trips
from villageroute.problem import Problem
from villageroute.solvers.naive import solve_naive, solve_out_and_back
from villageroute.solvers.ortools_routing import solve_ortools
from villageroute.solvers.portfolio import solve_best
from villageroute.solvers.pyvrp_backend import solve_pyvrp

SOLVERS = ("best", "ortools", "pyvrp", "naive", "out-and-back")


def plan(
    county: County | Problem,
    solver: str = "best",
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan one day of deliveries and collections.

    Parameters
    ----------
    county
        A loaded county (see :func:`villageroute.load_county`) or a :class:`Problem`.
    solver
        ``"best"`` (the portfolio: OR-Tools and PyVRP side by side; the cheapest
        plan the validator accepts wins), ``"ortools"`` (co-routing with guided local
        search; models every rule), ``"pyvrp"`` (iterated local search; no freshness
        deadlines, so its plans may break them), or a baseline: ``"naive"`` (separate
        nearest-neighbour delivery and collection trips) or ``"out-and-back"`` (a round
        trip per station and direction).
    time_limit
        Seconds the solver may search; must be positive.
    seed
        Random seed; the same seed gives the same searches, but the time limit is wall
        clock: where they still improve when it stops, plans differ from run to run.
        The baselines are deterministic.
    workers
        CPU cores to use: ``"best"`` gives one to PyVRP and the rest to OR-Tools;
        ``"ortools"`` runs that many searches side by side (keeping the best plan). By
        default one per CPU core, at most two.
    progress
        Called with short progress messages during the search.

    Returns
    -------
    Plan
        Routes, unserved stations with reasons, and the cost summary.
    """
    if solver not in SOLVERS:
        raise InputError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    if not time_limit > 0:
        raise InputError(f"the time limit must be positive, got {time_limit}", field="time_limit")
    problem = county if isinstance(county, Problem) else Problem.from_county(county)
    if solver == "naive":
        return solve_naive(problem)
    if solver == "out-and-back":
        return solve_out_and_back(problem)
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    if solver == "best":
        return solve_best(
            problem, time_limit=time_limit, seed=seed, workers=workers, progress=progress
        )
    if solver == "pyvrp":
        # Both engines may run as many trips a day as the naive plan does; OR-Tools also
        # starts from that plan (by default, where it is valid) and so never returns
        # anything costlier in its objective.
        baseline = solve_naive(problem) if problem.split_visits else None
        return solve_pyvrp(
            problem,
            time_limit=time_limit,
            seed=seed,
            trips_per_vehicle=day_trips(problem, baseline),
            progress=progress,
        )
    return solve_ortools(
        problem,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        progress=progress,
    )
