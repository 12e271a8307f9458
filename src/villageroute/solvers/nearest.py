"""Co-routed nearest-neighbour trips: a fast first plan for the searches.

The naive baseline (:mod:`villageroute.solvers.naive`) runs deliveries and collections
on separate trips. That is the comparison every saving is measured against, but a poor
place for a search to start: OR-Tools improves it one station at a time, and at county
scale each accepted move costs it tens of milliseconds (about 10 a second on the
399-station sample county), far too few to merge the naive plan's trips in a 10 s
limit (``docs/benchmarks.md``). The plan built here visits each station once for both
jobs, so trips carry parcels out and produce back, as the searches' plans do.

``solve_nearest`` ("nearest"), exactly:

1. A station that no vehicle can serve even alone
   (:func:`~villageroute.feasibility.why_unservable`) is left out with that reason.
2. Cold-chain vehicles go first, then the others, each in fleet order. A vehicle builds
   its day trip by trip: from where it is, it takes the nearest remaining station, by
   travel time (ties: lower index), among the :data:`NEAREST` nearest, whose visit
   (delivery and collection together) keeps its day valid: capacity at every point,
   time windows, the day and the shift, freshness and the cold chain
   (:func:`~villageroute.solvers.insertion.route_fits`). A cold-chain vehicle tries the
   stations with cold-chain produce first; other vehicles never take them. When no
   station fits, the vehicle returns to the depot and starts another trip; when a new
   trip takes no station, the next vehicle goes.
3. Stations still left (one visit for both jobs fits no vehicle, or the fleet had no
   time left) are put in by :func:`~villageroute.solvers.insertion.insert_stations`,
   which may split a station's jobs where the problem allows it; those it cannot place
   are listed unserved with the reason.

It is deterministic, and on the 399-station sample county it takes about 0.2 s.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from villageroute.feasibility import left_out_reason, set_aside
from villageroute.plans import Plan, Route, Unserved, build_route
from villageroute.problem import Problem
from villageroute.solvers.insertion import insert_stations, route_fits

#: Stations tried at each step, nearest first. A farther one is taken once the nearer
#: are gone; trying all would make the construction quadratic in route checks.
NEAREST = 10


def solve_nearest(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    max_trips: int | None = None,
) -> Plan:
    """Co-routed nearest-neighbour trips (see the module docstring).

    Parameters
    ----------
    problem
        The day's problem.
    time_limit
        Seconds the insertion of the stations left after the nearest-neighbour trips
        may take (step 3); by default no limit.
    seed
        Unused: the construction is deterministic.
    max_trips
        The most trips a vehicle runs; by default no limit. A search that may run as
        many trips a day as its start needs grows with them: OR-Tools models each trip
        of each vehicle as a route of its own.

    Returns
    -------
    Plan
        Valid; solver name ``"nearest"``.
    """
    started = time.perf_counter()
    p = problem
    stations, unserved = set_aside(p)
    left = set(stations)
    cold_produce = {n for n in left if p.cold_chain[n] and p.up_parcels[n] > 0}
    routes: list[Route] = []
    for vehicle in sorted(range(p.n_vehicles), key=lambda k: not p.vehicle(k).cold_chain):
        if not left:
            break
        route = _day(p, vehicle, left, cold_produce, max_trips or math.inf)
        if route is not None:
            routes.append(route)
    reason = left_out_reason("both", False)
    plan = Plan(
        problem=p,
        solver="nearest",
        routes=tuple(routes),
        unserved=tuple(
            sorted(
                [*unserved, *(Unserved(n, p.ids[n], reason) for n in left)], key=lambda u: u.node
            )
        ),
        runtime_s=0.0,
    )
    if left:
        plan = insert_stations(plan, left, time_limit=time_limit)
    return replace(plan, runtime_s=time.perf_counter() - started)


def _day(
    p: Problem, vehicle: int, left: set[int], cold_produce: set[int], max_trips: float
) -> Route | None:
    """Vehicle ``vehicle``'s day of at most ``max_trips`` nearest-neighbour trips; takes
    its stations out of ``left``. ``None`` if no station fits it."""
    cold = p.vehicle(vehicle).cold_chain
    nodes: list[int] = []  # a 0 inside ends a trip
    here = 0
    route = None
    while left:
        pools = [left & cold_produce, left - cold_produce] if cold else [left - cold_produce]
        taken = None
        for pool in pools:
            for node in _nearest(p, here, pool):
                candidate = build_route(p, vehicle, [*nodes, node])
                if route_fits(p, candidate):
                    taken, route = node, candidate
                    break
            if taken is not None:
                break
        if taken is not None:
            nodes.append(taken)
            left.discard(taken)
            here = taken
        elif here != 0 and nodes.count(0) + 1 < max_trips:
            nodes.append(0)  # back to the depot, then another trip
            here = 0
        else:
            break
    return route


def _nearest(p: Problem, here: int, pool: set[int]) -> list[int]:
    if not pool:
        return []
    nodes = np.fromiter(sorted(pool), dtype=np.int64, count=len(pool))
    # A stable sort on nodes in index order breaks ties by the lower index.
    order = np.argsort(p.time_s[here, nodes], kind="stable")[:NEAREST]
    return nodes[order].tolist()
