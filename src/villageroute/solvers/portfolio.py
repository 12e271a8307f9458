"""The ``best`` solver: every engine that fits the problem, side by side, cheapest valid plan.

OR-Tools models every rule of the county problem (freshness, cold chain, split visits,
several trips); PyVRP's iterated local search is far stronger on the plain structure
(capacity, time windows, mixed fleet, reloads) but cannot express a freshness deadline.
The portfolio runs both, each on its own core and for the whole time limit, checks
every plan with the independent validator, and keeps the one that serves the most
stations and then costs least. Where a freshness deadline could bind, PyVRP's plan is
one the validator may reject; it often keeps the deadlines anyway (on the Andorra
days, and then it is sometimes the cheapest), so it runs all the same and the
validator decides. Where its model is not the whole day (such a deadline, or vehicles
that may run several trips), PyVRP searches for half the time and OR-Tools spends the
rest improving PyVRP's plan, with any station whose deadline it broke taken out and
put back where it fits, as are those it left out (:mod:`villageroute.solvers.insertion`;
those only some vehicles may serve, by re-planning those vehicles:
:mod:`villageroute.solvers.scarce`): the improved plan is one more candidate. The naive
plan (when one visit need not do both jobs) is a free candidate; OR-Tools' own search
starts from co-routed nearest-neighbour trips (:mod:`villageroute.solvers.nearest`), or
from the naive plan where that serves more stations.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial

from villageroute.feasibility import set_aside
from villageroute.plans import Plan, day_trips, without_stations
from villageroute.problem import Problem
from villageroute.solvers.insertion import insert_stations
from villageroute.solvers.naive import solve_naive
from villageroute.solvers.ortools_routing import solve_ortools
from villageroute.solvers.pyvrp_backend import solve_pyvrp, unsupported
from villageroute.solvers.scarce import serve_on_scarce_vehicles
from villageroute.validation import validate_plan

#: Seconds kept back from each member's limit for forking, model building and returning
#: the plan, so that the portfolio as a whole stays within its time limit.
_OVERHEAD_S = 0.15

#: Share of PyVRP's time it searches alone where its model is not the whole day;
#: OR-Tools then improves (and repairs) its plan for the rest. On the medium sample
#: county this found a plan 3.6 % cheaper than either engine's own, at 0.3, 0.5 and 0.7
#: alike (docs/benchmarks.md).
PYVRP_SHARE = 0.5
#: The most of the budget the putting back of stations into PyVRP's plan may take. It
#: took 0.06-0.23 s on the 399-station sample county, and about 1 s for 30 stations on
#: a 200-station random day with full vans, where 5 % of 10 s put back only 8.
_INSERTION_SHARE = 0.2
#: The most of the budget re-planning the vehicles that stations still left out need
#: may take (:mod:`villageroute.solvers.scarce`): 0.75 s put back the last 5 of 33
#: cold-chain stations on a 200-station random day with one cold van; with 20 %,
#: `best` there came out dearer (3,562-3,631 against 3,407-3,427 CNY, one run each).
_SCARCE_SHARE = 0.1


@dataclass(frozen=True)
class PortfolioResult:
    """What each member of the portfolio found, and the plan chosen.

    Attributes
    ----------
    best
        The chosen plan; its ``solver`` is ``"best/<member>"``.
    members
        Each member's plan by name (``"ortools"``, ``"pyvrp"``, ``"naive"``, and
        ``"pyvrp+ortools"`` where PyVRP's plan was handed on to OR-Tools).
    violations
        Number of validator violations of each member's plan (0: valid).
    caveats
        Members whose model leaves out a rule that could bind on this problem, with
        the rule (PyVRP and freshness deadlines): their plans may be rejected.
    """

    best: Plan
    members: dict[str, Plan]
    violations: dict[str, int]
    caveats: dict[str, str]


def solve_best(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """The cheapest valid plan of the portfolio (see :func:`solve_portfolio`)."""
    return solve_portfolio(
        problem, time_limit=time_limit, seed=seed, workers=workers, progress=progress
    ).best


def solve_portfolio(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> PortfolioResult:
    """Run every solver that fits ``problem`` side by side and keep the best valid plan.

    Parameters
    ----------
    problem
        The day's problem.
    time_limit
        Wall-clock seconds for the whole portfolio; every member searches for about
        this long, in parallel.
    seed
        Passed to every member.
    workers
        CPU cores to use; by default all of them. PyVRP takes one, OR-Tools the rest (its
        side-by-side searches). With a single core the members run one after the other:
        PyVRP for half the time, then OR-Tools for the rest, from PyVRP's plan where it
        is handed on, else from its default start.
    progress
        Called with short messages, prefixed by the member's name.

    Returns
    -------
    PortfolioResult
        The chosen plan (fewest unserved stations, then lowest cost, among the plans
        the validator accepts) and each member's plan.
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    started = time.perf_counter()
    cores = max(1, workers if workers is not None else (os.cpu_count() or 1))
    members: dict[str, Plan] = {}
    caveats: dict[str, str] = {}
    # Where a station's two jobs may be split, the naive plan is valid and free; it is
    # also among OR-Tools' own default starts, which keeps it from returning anything
    # costlier.
    warm = solve_naive(problem) if problem.split_visits else None
    if warm is not None:
        members["naive"] = warm
    reason = unsupported(problem)
    if reason is not None:
        caveats["pyvrp"] = reason

    def say(name: str) -> Callable[[str], None] | None:
        return None if progress is None else (lambda message: progress(f"{name}: {message}"))

    parallel = cores > 1
    budget = max(time_limit - (time.perf_counter() - started) - _OVERHEAD_S, 0.05)
    trips = day_trips(problem, warm)  # as many as OR-Tools gets from its warm start
    pyvrp = partial(solve_pyvrp, problem, seed=seed, trips_per_vehicle=trips, progress=say("pyvrp"))
    ortools = partial(
        solve_ortools,
        problem,
        seed=seed,
        workers=max(1, min(2, cores - 1)),
        progress=say("ortools"),
    )
    # PyVRP's model is not the whole day where a freshness deadline could bind, or where
    # vehicles may run several trips (its reloads): there OR-Tools, continuing from
    # PyVRP's plan, made `best` up to 4.4 % cheaper on ten county days, and 43 % on the
    # 399-station one once the stations taken out are put back (docs/benchmarks.md).
    # Standard VRP instances have neither.
    handover = None
    if "pyvrp" in caveats or trips > 1:
        handover = partial(
            _pyvrp_then_ortools,
            problem,
            pyvrp,
            partial(
                solve_ortools,
                problem,
                seed=seed,
                trips_per_vehicle=trips,
                progress=say("pyvrp+ortools"),
            ),
            budget,
            # On one core OR-Tools runs once: from a start that leaves out stations the
            # naive plan serves it did not put them back (two of three 200-station
            # random days, while the insertion had 5 %), and `best` was the naive plan
            # itself. It then runs from its default start instead.
            most_unserved=None if parallel or warm is None else len(warm.unserved),
        )
    if parallel:
        runs: dict[str, Callable[[], dict[str, Plan]]] = {
            "pyvrp": handover or partial(_as_member, "pyvrp", partial(pyvrp, time_limit=budget)),
            "ortools": partial(_as_member, "ortools", partial(ortools, time_limit=budget)),
        }
        # Forked children inherit the runs (progress callbacks do not pickle) and the
        # problem; only the plans come back. Solver objects never cross processes.
        _PENDING.update(runs)
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=len(runs), mp_context=context) as pool:
                futures = [pool.submit(_run_pending, name) for name in runs]
                for future in futures:
                    for name, plan in future.result().items():
                        members[name] = replace(plan, problem=problem)
        finally:
            _PENDING.clear()
    else:
        # One after the other: PyVRP for half the time (then handing on), OR-Tools from
        # its default start for the rest only where nothing was handed on.
        if handover is not None:
            members.update(handover())
        else:
            members["pyvrp"] = pyvrp(time_limit=budget / 2)
        if "pyvrp+ortools" not in members:
            left = time_limit - (time.perf_counter() - started) - _OVERHEAD_S
            members["ortools"] = ortools(time_limit=max(left, 0.05))

    violations = {name: len(validate_plan(problem, plan)) for name, plan in members.items()}
    # A plan the validator rejects is a bug in its solver; it is never chosen while a
    # valid one exists, and the caller sees the count in ``violations``.
    name = min(
        members,
        key=lambda m: (violations[m] > 0, len(members[m].unserved), members[m].total_cost),
    )
    best = replace(members[name], solver=f"best/{name}", runtime_s=time.perf_counter() - started)
    return PortfolioResult(best=best, members=members, violations=violations, caveats=caveats)


def _pyvrp_then_ortools(
    problem: Problem,
    pyvrp: Callable[..., Plan],
    ortools: Callable[..., Plan],
    budget: float,
    most_unserved: int | None = None,
) -> dict[str, Plan]:
    """PyVRP for :data:`PYVRP_SHARE` of ``budget``, then OR-Tools from its plan.

    The stations where PyVRP's plan breaks a rule are taken out and, with those it left
    out that some vehicle could serve, put back where they fit
    (:func:`~villageroute.solvers.insertion.insert_stations`; those only some vehicles
    may serve, by re-planning those vehicles:
    :func:`~villageroute.solvers.scarce.serve_on_scarce_vehicles`), so that OR-Tools
    gets a valid start; any still missing are tried again after OR-Tools, whose plan may
    have room for them. A broken rule that names no station (a shift, say) leaves
    nothing to take out, and a start still breaking a rule, or leaving out more than
    ``most_unserved`` stations, is not handed on: PyVRP's plan is then all there is.
    """
    started = time.perf_counter()
    first = pyvrp(time_limit=budget * PYVRP_SHARE)
    plans = {"pyvrp": first}
    broken = {v.node for v in validate_plan(problem, first)}
    if None in broken or 0 in broken:
        return plans
    start = first
    if broken:
        start = without_stations(first, broken, "taken out of PyVRP's plan")
    # PyVRP leaves a station out where it found no room in its time (a cold-chain one
    # with a deadline, say); the insertion, which sees every rule, may find some.
    retry = {u.node for u in start.unserved} & set(set_aside(problem)[0])
    took = 0.0
    if retry:
        began = time.perf_counter()
        start = insert_stations(start, retry, time_limit=budget * _INSERTION_SHARE)
        left_out = retry & {u.node for u in start.unserved}
        if left_out:
            # Cold-chain produce the one cold van has no room for, say.
            start = serve_on_scarce_vehicles(start, left_out, time_limit=budget * _SCARCE_SHARE)
        took = time.perf_counter() - began
    # Taking stations out re-times their routes, which can break another rule (produce
    # collected earlier still waiting for a later window): OR-Tools could not read it.
    if broken and validate_plan(problem, start):
        return plans
    if most_unserved is not None and len(start.unserved) > most_unserved:
        return plans
    missing = retry & {u.node for u in start.unserved}
    # OR-Tools' limit covers its search, not building the plan after it, nor the second
    # insertion after that, which has no more stations to place than the first.
    left = budget - (time.perf_counter() - started) - _OVERHEAD_S - (took if missing else 0.0)
    left = max(left, 0.05)
    repaired = ortools(time_limit=left, warm_start=start)
    missing = retry & {u.node for u in repaired.unserved}
    if missing:
        left = max(budget - (time.perf_counter() - started) - _OVERHEAD_S, 0.0)
        repaired = insert_stations(repaired, missing, time_limit=left)
    plans["pyvrp+ortools"] = replace(repaired, solver="pyvrp+ortools")
    return plans


def _as_member(name: str, call: Callable[[], Plan]) -> dict[str, Plan]:
    return {name: call()}


#: The runs of a parallel portfolio, set just before its processes are forked.
_PENDING: dict[str, Callable[[], dict[str, Plan]]] = {}


def _run_pending(name: str) -> dict[str, Plan]:
    return _PENDING[name]()
