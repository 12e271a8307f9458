"""Room for stations only some vehicles may serve: those vehicles re-planned alone.

A station whose produce needs the cold chain can ride only a cold-chain van. Where
such vans are few and full, putting a station back one place at a time
(:mod:`villageroute.solvers.insertion`) finds no room: the van's day is spent on
stations any van could serve, and its trips were built around stations it no longer
has. Here the scarce vehicles hand every station another vehicle could serve to the
rest of the fleet, and their routes are planned again by OR-Tools as a small problem
of their own (their stations and the ones to place); the stations handed over are
then put back wherever they fit.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import replace

import numpy as np

from villageroute.feasibility import left_out_reason
from villageroute.plans import Plan, Route, Unserved, build_route, day_trips, without_stations
from villageroute.problem import Problem
from villageroute.solvers.insertion import insert_stations, route_fits
from villageroute.solvers.ortools_routing import solve_ortools

#: Share of the time limit for re-planning the scarce vehicles; the rest puts back the
#: stations they handed over. 0.5 s re-planned one cold van's 20 stations on a
#: 200-station random day (docs/benchmarks.md).
_REPLAN_SHARE = 0.5
#: Why a station handed over stays unserved where the plan is kept for serving more.
_LEFT_OUT = left_out_reason("both", False)


def serve_on_scarce_vehicles(plan: Plan, stations: Collection[int], *, time_limit: float) -> Plan:
    """Serve ``stations`` (unserved in ``plan``) that only some vehicle types may serve.

    The vehicles of the types on which any of them fits alone keep only the stations
    no other type may serve, are re-planned with ``stations`` added, and the stations
    they gave up are put back where they fit (any vehicle, these included).

    Parameters
    ----------
    plan
        A valid plan.
    stations
        Stations listed in ``plan.unserved`` to serve; those every vehicle type (or
        none) could serve alone are not this function's business and stay as they are.
    time_limit
        Seconds for the whole.

    Returns
    -------
    Plan
        The re-planned plan if it serves more stations than ``plan``, else ``plan``
        itself.
    """
    p = plan.problem
    deadline = time.perf_counter() + time_limit
    types = {int(t) for t in p.vehicle_type}
    scarce = {s: kinds for s in sorted(stations) if (kinds := _scarce_types(p, s, types))}
    if not scarce:
        return plan
    kinds = set().union(*scarce.values())
    vehicles = [k for k in range(p.n_vehicles) if int(p.vehicle_type[k]) in kinds]
    # A station any other type may serve leaves the scarce vehicles (all its visits).
    handed = {
        stop.node
        for route in plan.routes
        if route.vehicle in vehicles
        for stop in route.stops
        if stop.node and not _types_fitting(p, stop.node, stop.job) <= kinds
    }
    rest = without_stations(plan, handed, _LEFT_OUT)
    own = {route.vehicle: route for route in rest.routes if route.vehicle in vehicles}
    replanned = _replan(p, own, vehicles, list(scarce), time_limit * _REPLAN_SHARE)
    if replanned is None:
        return plan
    routes, missing = replanned
    candidate = replace(
        rest,
        routes=tuple(
            sorted(
                [r for r in rest.routes if r.vehicle not in own] + routes, key=lambda r: r.vehicle
            )
        ),
        unserved=tuple(u for u in rest.unserved if u.node not in set(scarce) - missing),
    )
    # A station of their own the re-planned vehicles left out for one of ``stations``
    # leaves the plan whole (another vehicle may do its other job) and is put back.
    dropped = missing - set(scarce)
    if dropped:
        candidate = without_stations(candidate, dropped, _LEFT_OUT)
    left = max(deadline - time.perf_counter(), 0.0)
    candidate = insert_stations(candidate, handed | dropped, time_limit=left)
    # Serving as many for less is no reason to change the plan: on the 399-station
    # sample county OR-Tools, continuing from such a plan, ended dearer (15,599 CNY in
    # two runs, against 14,859-15,461 in four without this step).
    return candidate if len(candidate.unserved) < len(plan.unserved) else plan


def _scarce_types(p: Problem, station: int, types: set[int]) -> set[int]:
    """The types on which ``station`` (or, where its jobs may be split, one of them)
    fits as a trip alone, where that is some of ``types`` but not all."""
    both = p.split_visits and p.down_parcels[station] and p.up_parcels[station]
    scarce: set[int] = set()
    for job in ("down", "up") if both else ("both",):
        fits = _types_fitting(p, station, job)
        if fits != types:
            scarce |= fits
    return scarce


def _types_fitting(p: Problem, station: int, job: str) -> set[int]:
    """Vehicle types on which ``station``'s visit doing ``job`` fits as a trip alone."""
    first: dict[int, int] = {}  # type -> its first vehicle
    for k in range(p.n_vehicles):
        first.setdefault(int(p.vehicle_type[k]), k)
    return {t for t, k in first.items() if route_fits(p, build_route(p, k, [station], jobs=[job]))}


def _replan(
    p: Problem,
    own: dict[int, Route],
    vehicles: list[int],
    stations: list[int],
    time_limit: float,
) -> tuple[list[Route], set[int]] | None:
    """``vehicles``' routes (``own``) planned again with ``stations`` added, as a problem
    of their own: the routes and the stations they leave out, or ``None`` where a route
    planned there does not fit the whole problem."""
    # Each location keeps only the jobs these vehicles do there: a station's delivery
    # may ride another vehicle while a cold van collects its produce.
    down = np.zeros(p.n, dtype=bool)
    up = np.zeros(p.n, dtype=bool)
    down[stations] = up[stations] = True
    for route in own.values():
        for stop in route.stops:
            if stop.node:
                down[stop.node] |= stop.job in ("both", "down")
                up[stop.node] |= stop.job in ("both", "up")
    nodes = [0, *sorted({*stations, *(n for r in own.values() for n in r.nodes if n)})]
    sub, order = _restricted(p, nodes, vehicles, down, up)
    index = {node: i for i, node in enumerate(nodes)}
    sub_vehicle = {k: j for j, k in enumerate(order)}
    start = Plan(
        problem=sub,
        solver="start",
        routes=tuple(
            build_route(sub, sub_vehicle[k], [index[n] for n in r.nodes], jobs=_jobs(r))
            for k, r in own.items()
        ),
        unserved=tuple(Unserved(index[s], p.ids[s], "") for s in stations),
    )
    # One trip more than they may run by default: a far station may need its own.
    trips = day_trips(sub, start) + 1
    result = solve_ortools(
        sub, time_limit=max(time_limit, 0.05), warm_start=start, trips_per_vehicle=trips
    )
    routes = [
        build_route(
            p,
            order[r.vehicle],
            [nodes[i] for i in r.nodes],
            jobs=_jobs(r),
            start_s=r.start_s,
            arrivals_s=[stop.arrival_s for stop in r.stops],
            depot_departures_s=[stop.departure_s for stop in r.stops if stop.node == 0],
        )
        for r in result.routes
    ]
    if not all(route_fits(p, r) for r in routes):
        return None
    return routes, {nodes[u.node] for u in result.unserved}


def _restricted(
    p: Problem, nodes: list[int], vehicles: list[int], down: np.ndarray, up: np.ndarray
) -> tuple[Problem, list[int]]:
    """The problem of locations ``nodes`` (depot first) and ``vehicles`` alone, with
    deliveries where ``down`` and collections where ``up``; and the original vehicle of
    each of its vehicles (they come type by type)."""
    kinds = [int(p.vehicle_type[k]) for k in vehicles]
    fleet = tuple(replace(v, count=kinds.count(t)) for t, v in enumerate(p.vehicle_types))
    at = np.ix_(nodes, nodes)
    sub = Problem(
        ids=tuple(p.ids[i] for i in nodes),
        names=tuple(p.names[i] for i in nodes),
        distance_m=p.distance_m[at],
        time_s=p.time_s[at],
        down_parcels=p.down_parcels[nodes] * down[nodes],
        up_parcels=p.up_parcels[nodes] * up[nodes],
        down_kg=p.down_kg[nodes] * down[nodes],
        up_kg=p.up_kg[nodes] * up[nodes],
        service_s=p.service_s[nodes],
        open_s=p.open_s[nodes],
        close_s=p.close_s[nodes],
        fresh_s=p.fresh_s[nodes],
        cold_chain=p.cold_chain[nodes],
        vehicle_types=fleet,
        day_start_s=p.day_start_s,
        day_end_s=p.day_end_s,
        split_visits=p.split_visits,
        name=p.name,
        currency=p.currency,
    )
    return sub, sorted(vehicles, key=lambda k: (int(p.vehicle_type[k]), k))


def _jobs(route: Route) -> list[str]:
    return [stop.job for stop in route.stops]
