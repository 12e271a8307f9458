"""The two baselines every saving is measured against.

Both plan the day the way it is run without co-routing: parcels go out on *delivery
trips* and produce comes in on separate *collection trips*, so a station with both is
visited twice (once per job; see :mod:`villageroute.validation` for the service model).
They differ only in how many stations a trip may take.

``solve_naive`` ("naive")
    Trips are built nearest-neighbour: from the depot, repeatedly add the unserved
    station nearest by travel time from the current position (ties: lower index) whose
    addition keeps the trip feasible, then return to the depot. Feasible means: the
    vehicle carries the trip's load at every point, kg and parcels (a delivery trip
    leaves with all of its parcels, a collection trip comes back with all of its
    produce); service starts within the station's window (arriving early waits for it
    to open); for collections, every station's produce reaches the depot within its
    freshness limit; and the return to the depot is within the end of the day and the
    vehicle's shift.

``solve_out_and_back`` ("out-and-back")
    The same with one station per trip: a round trip per station and job, the nearest
    remaining station to the depot first.

Common rules, exactly:

1. A station that no vehicle can serve even alone
   (:func:`~villageroute.feasibility.why_unservable`) is left out with that reason.
2. Vehicles keep the fleet order. Five passes, each running through its vehicles in
   order; a vehicle makes trip after trip, each leaving the depot as soon as the
   previous one is back, until no remaining station of the pass fits its next trip;
   then the next vehicle takes over:

   a. deliveries, on non-cold vehicles;
   b. collections without cold-chain need, on non-cold vehicles;
   c. cold-chain collections, on cold-chain vehicles;
   d. deliveries still left, on cold-chain vehicles;
   e. collections without cold-chain need still left, on cold-chain vehicles.

3. A vehicle's day starts with its first trip, which leaves at the start of the day or
   later, to reach its first station when the window opens; the shift runs from then to
   the last return. Mid-day returns to the depot are stops at location 0.
4. A station is served in full or not at all: if some job of a station finds no vehicle
   (the fleet has no time left for it), the station is listed unserved ("fleet
   exhausted: ...") and its other job, if done, is taken out of its trip with every
   other time left as it was (the vehicle just arrives early and waits). When travel
   times obey the triangle inequality, as road and straight-line times do, that never
   makes a later stop or a return late. Otherwise (some time would have to move) the
   passes are run again from scratch without those stations, until every remaining
   station is served in full.

Both are deterministic (``seed`` and ``time_limit`` are accepted for a common solver
signature and unused) and take O(stations x trips) vectorised steps: well under a second
for 500 stations.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from villageroute.feasibility import why_unservable
from villageroute.plans import Plan, Route, Unserved, build_route
from villageroute.problem import Problem


def solve_naive(problem: Problem, *, time_limit: float | None = None, seed: int = 0) -> Plan:
    """Separate nearest-neighbour delivery and collection trips (see the module docstring).

    Parameters
    ----------
    problem
        The day's problem.
    time_limit, seed
        Unused: the baseline is deterministic and fast.

    Returns
    -------
    Plan
        Solver name ``"naive"``.
    """
    return _solve(problem, "naive", max_stops=None)


def solve_out_and_back(problem: Problem, *, time_limit: float | None = None, seed: int = 0) -> Plan:
    """One round trip per station and job (see the module docstring).

    Parameters
    ----------
    problem
        The day's problem.
    time_limit, seed
        Unused: the baseline is deterministic and fast.

    Returns
    -------
    Plan
        Solver name ``"out-and-back"``.
    """
    return _solve(problem, "out-and-back", max_stops=1)


_DELIVERY, _COLLECTION = "delivery", "collection"


@dataclass
class _Trip:
    collect: bool
    depart_s: float
    nodes: list[int]
    arrivals: list[float]
    back_s: float


@dataclass
class _Vehicle:
    index: int
    free_s: float
    start_s: float | None = None
    trips: list[_Trip] = field(default_factory=list)


def _solve(problem: Problem, solver: str, *, max_stops: int | None) -> Plan:
    started = time.perf_counter()
    p = problem
    reasons: dict[int, str] = {}
    for node in p.demand_nodes.tolist():
        reason = why_unservable(p, node)
        if reason is not None:
            reasons[node] = reason
    while True:
        stations = [n for n in p.demand_nodes.tolist() if n not in reasons]
        vehicles, failed = _construct(p, stations, max_stops)
        for node, jobs in failed.items():
            reasons[node] = _exhausted(p, node, jobs)
        if not failed or _drop(p, vehicles, set(failed)):
            break
    routes = tuple(_route(p, v) for v in vehicles if v.trips)
    unserved = tuple(Unserved(n, p.ids[n], reasons[n]) for n in sorted(reasons))
    return Plan(
        problem=p,
        solver=solver,
        routes=routes,
        unserved=unserved,
        runtime_s=time.perf_counter() - started,
    )


def _construct(
    p: Problem, stations: list[int], max_stops: int | None
) -> tuple[list[_Vehicle], dict[int, list[str]]]:
    """Run the five passes; return the vehicles and the jobs no vehicle took."""
    vehicles = [_Vehicle(k, free_s=p.day_start_s) for k in range(p.n_vehicles)]
    normal = [v for v in vehicles if not p.vehicle(v.index).cold_chain]
    cold = [v for v in vehicles if p.vehicle(v.index).cold_chain]
    down = {n for n in stations if p.down_parcels[n] > 0}
    up = {n for n in stations if p.up_parcels[n] > 0 and not p.cold_chain[n]}
    up_cold = {n for n in stations if p.up_parcels[n] > 0 and p.cold_chain[n]}
    passes = (
        (down, False, normal),
        (up, True, normal),
        (up_cold, True, cold),
        (down, False, cold),
        (up, True, cold),
    )
    for jobs, collect, pool in passes:
        for vehicle in pool:
            if not jobs:
                break
            while jobs:
                trip = _nearest_neighbour_trip(p, vehicle, jobs, collect, max_stops)
                if trip is None:
                    break
                vehicle.trips.append(trip)
                jobs.difference_update(trip.nodes)
    failed: dict[int, list[str]] = {}
    for node in sorted(down):
        failed.setdefault(node, []).append(_DELIVERY)
    for node in sorted(up | up_cold):
        failed.setdefault(node, []).append(_COLLECTION)
    return vehicles, failed


def _nearest_neighbour_trip(
    p: Problem, vehicle: _Vehicle, jobs: set[int], collect: bool, max_stops: int | None
) -> _Trip | None:
    """The vehicle's next trip from the depot, or ``None`` if no station fits it."""
    vt = p.vehicle(vehicle.index)
    cand = np.array(sorted(jobs), dtype=np.int64)
    kg = (p.up_kg if collect else p.down_kg)[cand]
    parcels = (p.up_parcels if collect else p.down_parcels)[cand]
    fits = (kg <= vt.capacity_kg) & (parcels <= vt.capacity_parcels)
    cand, kg, parcels = cand[fits], kg[fits], parcels[fits]
    if not len(cand):
        return None
    open_s, close_s = p.open_s[cand], p.close_s[cand]
    service, fresh, drive_back = p.service_s[cand], p.fresh_s[cand], p.time_s[cand, 0]
    shift = vt.max_shift_hours * 3600.0
    start = vehicle.start_s
    # An unused vehicle leaves as late as still meets its first station's opening.
    first_start = np.maximum(p.day_start_s, open_s - p.time_s[0, cand])
    free = np.ones(len(cand), dtype=bool)
    here, clock = 0, vehicle.free_s
    load_kg, load_parcels, deadline = 0.0, 0, math.inf
    nodes: list[int] = []
    arrivals: list[float] = []
    back = clock
    while max_stops is None or len(nodes) < max_stops:
        drive = p.time_s[here, cand]
        arrival = np.maximum(clock + drive, open_s)
        ret = arrival + service + drive_back
        ok = (
            free
            & (arrival <= close_s)
            & (ret <= p.day_end_s)
            & (ret - (first_start if start is None else start) <= shift)
            & (load_kg + kg <= vt.capacity_kg)
            & (load_parcels + parcels <= vt.capacity_parcels)
        )
        if collect:
            ok &= (ret <= deadline) & (ret - arrival <= fresh)
        if not ok.any():
            break
        idx = np.flatnonzero(ok)
        j = int(idx[np.lexsort((cand[idx], drive[idx]))[0]])
        node = int(cand[j])
        if start is None:
            start = float(first_start[j])
        nodes.append(node)
        arrivals.append(float(arrival[j]))
        clock = float(arrival[j]) + float(service[j])
        back = float(ret[j])
        here = node
        free[j] = False
        load_kg += float(kg[j])
        load_parcels += int(parcels[j])
        if collect:
            deadline = min(deadline, float(arrival[j]) + float(fresh[j]))
    if not nodes:
        return None
    depart = vehicle.free_s if vehicle.start_s is not None else start
    vehicle.start_s = start
    vehicle.free_s = back
    return _Trip(collect, depart, nodes, arrivals, back)


def _drop(p: Problem, vehicles: list[_Vehicle], stations: set[int]) -> bool:
    """Take the jobs done for ``stations`` out of the trips, keeping the rest in place.

    Each remaining stop keeps its time, except that a later trip moves earlier as a
    block (every stop by the same amount, so freshness is unchanged) when its vehicle is
    now back sooner, as far as its first drive and the opening times allow. With travel
    times that obey the triangle inequality (road networks, straight lines), leaving a
    stop out never makes the next arrival or the return later, so every constraint still
    holds. Returns ``False`` (vehicles then half-edited: rebuild them) otherwise.
    """
    tol = 1e-7  # (open - drive) + drive may exceed open by a rounding error
    for vehicle in vehicles:
        kept: list[_Trip] = []
        for trip in vehicle.trips:
            pairs = [(n, a) for n, a in zip(trip.nodes, trip.arrivals, strict=True)]
            pairs = [(n, a) for n, a in pairs if n not in stations]
            if not pairs:
                continue
            nodes = [n for n, _ in pairs]
            arrivals = [a for _, a in pairs]
            leave = kept[-1].back_s if kept else trip.depart_s
            shift = 0.0
            if kept:
                shift = min(
                    arrivals[0] - (leave + float(p.time_s[0, nodes[0]])),
                    *(a - float(p.open_s[n]) for n, a in pairs),
                )
                shift = max(shift, 0.0)
                arrivals = [a - shift for a in arrivals]
            here, clock = 0, leave
            for node, arrival in zip(nodes, arrivals, strict=True):
                if arrival < clock + float(p.time_s[here, node]) - tol:
                    return False
                here, clock = node, arrival + float(p.service_s[node])
            back = clock + float(p.time_s[here, 0])
            if back + shift > trip.back_s + tol:
                return False
            kept.append(_Trip(trip.collect, leave, nodes, arrivals, back))
        vehicle.trips = kept
        vehicle.start_s = kept[0].depart_s if kept else None
    return True


def _route(p: Problem, vehicle: _Vehicle) -> Route:
    """The vehicle's route; each visit does its trip's job only."""
    nodes: list[int] = []
    arrivals: list[float] = []
    for t, trip in enumerate(vehicle.trips):
        if t:
            nodes.append(0)
            arrivals.append(vehicle.trips[t - 1].back_s)
        nodes += trip.nodes
        arrivals += trip.arrivals
    jobs = [
        job
        for t, trip in enumerate(vehicle.trips)
        for job in ([] if t == 0 else ["both"])
        + ["up" if trip.collect else "down"] * len(trip.nodes)
    ]
    return build_route(
        p, vehicle.index, nodes, start_s=vehicle.start_s, arrivals_s=arrivals, jobs=jobs
    )


def _exhausted(p: Problem, node: int, jobs: list[str]) -> str:
    text = (
        f"fleet exhausted: no vehicle able to carry its {' and '.join(jobs)} had time left "
        f"in its shift or the working day"
    )
    has = [
        job
        for job, amount in ((_DELIVERY, p.down_parcels[node]), (_COLLECTION, p.up_parcels[node]))
        if amount > 0
    ]
    rest = [job for job in has if job not in jobs]
    if rest:
        text += (
            f" (its {' and '.join(rest)} would fit, but a station is served in full or not at all)"
        )
    return text
