"""Putting stations back into a plan: cheapest insertion that keeps every route valid,
and room made on a full route by moving a few of its stations to other routes.

The portfolio uses it where PyVRP's plan breaks a rule PyVRP cannot model (a freshness
deadline): the stations that break it are taken out and put back here, where they fit,
before OR-Tools continues from the plan. Search for where to put a station is bounded:
candidate places are ranked by the detour's cost, and only the cheapest few are built
and checked.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from villageroute.plans import Plan, Route, build_route, drop_empty_trips, without_stations
from villageroute.problem import Problem

#: Places inside trips checked per station and search, cheapest detour first.
_CHECKS = 30
#: Vehicles in use, least busy first, on which a trip of its own is checked.
_TRIPS = 4
#: A search stops once this many places fit.
_FITS = 3
#: Cheapest places of a station on a route from which room is made on that route.
_ROOM_PLACES = 3
#: Routes, cheapest detour first, on which room is tried for a station.
_ROOM_ROUTES = 8

_Item = tuple[int, str]  # (station, job): job is "both", "down" or "up"


@dataclass(frozen=True)
class _Option:
    delta: float  # cost change of the whole plan
    routes: tuple[Route, ...]  # the routes it changes (a vehicle each)
    regret: float = math.inf  # how much more the best place on another vehicle costs


def insert_stations(
    plan: Plan,
    stations: Collection[int],
    *,
    max_moved: int = 8,
    time_limit: float | None = None,
) -> Plan:
    """Serve as many of ``stations`` (listed unserved in ``plan``) as fit.

    Each station goes where it adds least to the cost among the places that keep its
    route valid (capacity at every point, time windows, day and shift, freshness,
    cold chain): into a trip, as a new trip of a vehicle in use, or on an idle vehicle.
    A station with no such place gets room on a route by moving up to ``max_moved`` of
    that route's visits to other routes, the visits that save the most time first.
    Where a station's jobs may be split (``problem.split_visits``) and one visit doing
    both fits nowhere, its delivery and its collection are placed separately; one
    placed only in part is taken out again, and where that breaks a route, the
    insertion starts over without it. A station that cannot be placed stays unserved
    with its reason.

    Parameters
    ----------
    plan
        A valid plan.
    stations
        Stations listed in ``plan.unserved`` to put back.
    max_moved
        The most visits moved off a route to make room for one station.
    time_limit
        Seconds after which stations not yet placed stay unserved; by default none.

    Returns
    -------
    Plan
        Valid if ``plan`` is: every route changed is checked against the same rules.
    """
    p = plan.problem
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    kept = {route.vehicle: route for route in plan.routes}
    routes = dict(kept)
    pending: list[_Item] = [(int(s), "both") for s in sorted(stations)]
    placed: dict[int, list[_Item]] = {}
    failed: set[int] = set()
    while pending and time.perf_counter() < deadline:
        hard: list[_Item] = []
        options = {item: _best_place(p, routes, item) for item in pending}
        while options and time.perf_counter() < deadline:
            fitting = {item: o for item, o in options.items() if o is not None}
            hard.extend(item for item, o in options.items() if o is None)
            if not fitting:
                break
            # Greatest regret first: a station with one place left gets it before a
            # station with choices takes it.
            item = max(fitting, key=lambda i: (fitting[i].regret, -fitting[i].delta))
            changed = _apply(routes, fitting[item])
            placed.setdefault(item[0], []).append(item)
            # Options on a route just changed are searched again.
            options = {
                other: _best_place(p, routes, other) if changed & _vehicles(o) else o
                for other, o in fitting.items()
                if other != item
            }
        pending = []
        for item in hard:
            if time.perf_counter() >= deadline:
                break
            option = _make_room(p, routes, item, max_moved)
            if option is not None:
                _apply(routes, option)
                placed.setdefault(item[0], []).append(item)
            elif item[1] == "both" and _splittable(p, item[0]):
                pending += [(item[0], "down"), (item[0], "up")]
            else:
                failed.add(item[0])
    done = {s for s, items in placed.items() if s not in failed and _complete(items)}
    result = replace(plan, routes=tuple(routes[k] for k in sorted(routes)))
    partial = set(placed) - done
    if partial:
        result = without_stations(result, partial, "")
        # A route changed here and re-timed without a half-placed station can break a
        # rule (untouched routes are the input plan's own business): produce
        # collected earlier still waits for a later window, or, where times do not obey
        # the triangle inequality, the way back without it is slower. Place again,
        # from the start, without those stations.
        if not all(r is kept.get(r.vehicle) or route_fits(p, r) for r in result.routes):
            rest = [s for s in stations if s not in partial]
            left = None if time_limit is None else max(deadline - time.perf_counter(), 0.0)
            return insert_stations(plan, rest, max_moved=max_moved, time_limit=left)
    return replace(result, unserved=tuple(u for u in plan.unserved if u.node not in done))


def route_fits(problem: Problem, route: Route) -> bool:
    """Whether a route from :func:`~villageroute.plans.build_route` keeps every rule
    one route can break: capacity at every point, the day, time windows, the shift,
    freshness and the cold chain.

    The fast yes/no form, for search loops: it reads the loads and times
    :func:`~villageroute.plans.build_route` recorded, where
    :func:`~villageroute.validation.validate_plan` re-derives them independently.
    """
    p, vehicle = problem, problem.vehicle(route.vehicle)
    tol = 1e-6
    kg_cap = vehicle.capacity_kg * (1 + 1e-9)
    if (
        route.start_s < p.day_start_s - tol
        or route.end_s > p.day_end_s + tol
        or route.end_s - route.start_s > vehicle.max_shift_hours * 3600.0 + tol
        or route.start_load_kg > kg_cap
        or route.start_load_parcels > vehicle.capacity_parcels
    ):
        return False
    back = route.end_s
    for stop in reversed(route.stops):
        if stop.load_kg > kg_cap or stop.load_parcels > vehicle.capacity_parcels:
            return False
        node = stop.node
        if node == 0:
            back = stop.arrival_s
            continue
        if not p.open_s[node] - tol <= stop.arrival_s <= p.close_s[node] + tol:
            return False
        if stop.up_parcels and (
            back - stop.arrival_s > p.fresh_s[node] + tol
            or (p.cold_chain[node] and not vehicle.cold_chain)
        ):
            return False
    return True


def _best_place(
    p: Problem, routes: dict[int, Route], item: _Item, *, skip: int | None = None
) -> _Option | None:
    """The cheapest place found for ``item`` (not on vehicle ``skip``); ``None`` if no
    place checked fits."""
    found: list[_Option] = []
    for k, nodes, jobs, _ in _ranked_places(p, routes, item, skip=skip):
        option = _try(p, routes, k, nodes, jobs)
        if option is not None:
            found.append(option)
            if len(found) == _FITS:
                break
    if not found:
        return None
    found.sort(key=lambda o: o.delta)
    best = found[0]
    # The regret counts other vehicles only: a trip of its own first or last on one
    # vehicle is one choice.
    others = [o.delta for o in found if _vehicles(o) != _vehicles(best)]
    return replace(best, regret=others[0] - best.delta) if others else best


def _make_room(p: Problem, routes: dict[int, Route], item: _Item, max_moved: int) -> _Option | None:
    """The cheapest way found to place ``item`` on a route by moving up to ``max_moved``
    of that route's visits elsewhere."""
    best: _Option | None = None
    tried: dict[int, int] = {}  # places inside trips tried per route
    done: set[int] = set()  # routes on which room was made
    for k, nodes, jobs, own_trip in _ranked_places(p, routes, item, idle=False):
        if k in done or (k not in tried and len(tried) == _ROOM_ROUTES):
            continue
        if not own_trip:
            if tried.get(k, 0) == _ROOM_PLACES:
                continue
            tried[k] = tried.get(k, 0) + 1
        nodes, jobs, route = list(nodes), list(jobs), build_route(p, k, nodes, jobs=jobs)
        moved: list[_Item] = []
        while not route_fits(p, route) and len(moved) < max_moved:
            i = _costliest_visit(p, k, nodes, jobs, skip=item[0])
            if i is None:
                break
            moved.append((nodes.pop(i), jobs.pop(i)))
            nodes, jobs = drop_empty_trips(nodes, jobs)
            route = build_route(p, k, nodes, jobs=jobs)
        if not moved or not route_fits(p, route):
            continue
        trial = {**routes, k: route}
        delta = route.cost - routes[k].cost
        for other in moved:
            option = _best_place(p, trial, other, skip=k)
            if option is None:
                break
            delta += option.delta
            _apply(trial, option)
        else:
            if best is None or delta < best.delta:
                changed = tuple(trial[v] for v in trial if trial[v] is not routes.get(v))
                best = _Option(delta, changed)
            done.add(k)  # one way of making room per route
    return best


def _ranked_places(
    p: Problem,
    routes: dict[int, Route],
    item: _Item,
    *,
    skip: int | None = None,
    idle: bool = True,
) -> list[tuple[int, list[int], list[str], bool]]:
    """Places for ``item`` worth checking, likeliest first: (vehicle, nodes, jobs,
    whether it is a trip of its own).

    Places inside trips come cheapest detour first, at most :data:`_CHECKS` of them.
    Then a trip of its own, on an idle vehicle of each type and on the :data:`_TRIPS`
    vehicles in use that work least: its detour is the whole trip, so ranked by cost
    it would never be reached, yet it is the one place for produce whose deadline
    allows no other stop on the way back.
    """
    s, job = item
    collects = job in ("both", "up") and p.up_parcels[s] > 0

    def may_serve(k: int) -> bool:
        return k != skip and not (collects and p.cold_chain[s] and not p.vehicle(k).cold_chain)

    inside: list[tuple[float, int, int]] = []  # (detour cost, vehicle, position)
    in_use = sorted((k for k in routes if may_serve(k)), key=lambda k: routes[k].working_s)
    for k in in_use:
        vehicle = p.vehicle(k)
        seq = np.array([0, *routes[k].nodes, 0])
        a, b = seq[:-1], seq[1:]
        dm = p.distance_m[a, s] + p.distance_m[s, b] - p.distance_m[a, b]
        ds = p.time_s[a, s] + p.time_s[s, b] - p.time_s[a, b] + p.service_s[s]
        cost = vehicle.cost_per_km * dm / 1000.0 + vehicle.cost_per_hour * ds / 3600.0
        inside += [(c, k, i) for i, c in enumerate(cost.tolist())]
    # Only the places checked are built: building every one is quadratic in a route's
    # stops. nsmallest keeps sorted()'s order among equal detours.
    places: list[tuple[int, list[int], list[str], bool]] = []
    for _, k, i in heapq.nsmallest(_CHECKS, inside, key=lambda r: r[0]):
        nodes, jobs = routes[k].nodes, [stop.job for stop in routes[k].stops]
        places.append((k, [*nodes[:i], s, *nodes[i:]], [*jobs[:i], job, *jobs[i:]], False))
    if idle:
        places += [(k, [s], [job], True) for k in _idle_vehicles(p, routes) if may_serve(k)]
    for k in in_use[:_TRIPS]:
        nodes, jobs = routes[k].nodes, [stop.job for stop in routes[k].stops]
        places.append((k, [*nodes, 0, s], [*jobs, "both", job], True))
        places.append((k, [s, 0, *nodes], [job, "both", *jobs], True))
    return places


def _idle_vehicles(p: Problem, routes: dict[int, Route]) -> Iterator[int]:
    """The first idle vehicle of each type."""
    seen: set[int] = set()
    for k in range(p.n_vehicles):
        kind = int(p.vehicle_type[k])
        if k not in routes and kind not in seen:
            seen.add(kind)
            yield k


def _try(
    p: Problem, routes: dict[int, Route], k: int, nodes: Sequence[int], jobs: Sequence[str]
) -> _Option | None:
    route = build_route(p, k, nodes, jobs=jobs)
    if not route_fits(p, route):
        return None
    old = routes[k].cost if k in routes else 0.0
    return _Option(route.cost - old, (route,))


def _apply(routes: dict[int, Route], option: _Option) -> set[int]:
    for route in option.routes:
        routes[route.vehicle] = route
    return _vehicles(option)


def _vehicles(option: _Option) -> set[int]:
    return {route.vehicle for route in option.routes}


def _costliest_visit(
    p: Problem, k: int, nodes: list[int], jobs: list[str], *, skip: int
) -> int | None:
    """Index of the visit whose removal from vehicle ``k`` saves the most driving and
    service time, among those another kind of vehicle may take: moving cold-chain
    produce off a refrigerated van only makes the same want on another one."""
    best, best_saving = None, -math.inf
    cold = p.vehicle(k).cold_chain
    seq = [0, *nodes, 0]
    for i, (node, job) in enumerate(zip(nodes, jobs, strict=True)):
        if node == 0 or node == skip:
            continue
        if cold and p.cold_chain[node] and job != "down" and p.up_parcels[node]:
            continue
        a, b = seq[i], seq[i + 2]
        saving = p.time_s[a, node] + p.time_s[node, b] - p.time_s[a, b] + p.service_s[node]
        if saving > best_saving:
            best, best_saving = i, saving
    return best


def _splittable(p: Problem, station: int) -> bool:
    return bool(p.split_visits and p.down_parcels[station] and p.up_parcels[station])


def _complete(items: list[_Item]) -> bool:
    jobs = {job for _, job in items}
    return "both" in jobs or {"down", "up"} <= jobs
