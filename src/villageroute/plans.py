"""Plans: routes with their schedules, loads and costs, plus the stations left unserved.

Solvers produce visit sequences and (optionally) service start times; :func:`build_route`
turns them into a :class:`Route` with everything derived in one place, from the
problem's floats: loads after each stop, distance, duration and cost. The independent
check of all of it is :func:`villageroute.validation.validate_plan`.

A route may come back to the depot mid-day (a stop at location 0) and leave again: that
ends one trip and starts the next. Produce is unloaded and the next trip's parcels are
loaded there.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from villageroute.problem import Problem


@dataclass(frozen=True)
class Stop:
    """One visit of a route.

    Attributes
    ----------
    node
        Location index in the problem (0 = a mid-day return to the depot).
    arrival_s
        Service start, seconds after midnight (any wait before it is spent arriving).
    departure_s
        ``arrival_s`` plus the service time.
    down_parcels, up_parcels
        Parcels dropped and collected here.
    load_kg, load_parcels
        On board when leaving.
    """

    node: int
    arrival_s: float
    departure_s: float
    down_parcels: int
    up_parcels: int
    load_kg: float
    load_parcels: int

    @property
    def job(self) -> str:
        """``"down"`` or ``"up"`` for a visit doing only that job, else ``"both"``."""
        if self.down_parcels and not self.up_parcels:
            return "down"
        if self.up_parcels and not self.down_parcels:
            return "up"
        return "both"


@dataclass(frozen=True)
class Route:
    """One vehicle's day.

    Attributes
    ----------
    vehicle
        Vehicle index in the problem's fleet.
    start_s, end_s
        Departure from and final return to the depot.
    start_load_kg, start_load_parcels
        Loaded at the depot for the first trip.
    stops
        Visits in order.
    distance_m
        Driven, depot to depot.
    cost
        ``cost_per_km * km + cost_per_hour * hours away from the depot + cost_per_day``;
        waiting at the depot between trips is not charged (the driver sorts parcels).
    """

    vehicle: int
    start_s: float
    end_s: float
    start_load_kg: float
    start_load_parcels: int
    stops: tuple[Stop, ...]
    distance_m: float
    cost: float

    @property
    def duration_s(self) -> float:
        """From leaving the depot in the morning to the final return."""
        return self.end_s - self.start_s

    @property
    def working_s(self) -> float:
        """Time away from the depot: the duration less waits at the depot between trips."""
        idle = sum(s.departure_s - s.arrival_s for s in self.stops if s.node == 0)
        return self.duration_s - idle

    @property
    def nodes(self) -> list[int]:
        return [s.node for s in self.stops]


@dataclass(frozen=True)
class Unserved:
    """A station the plan does not serve today, and why."""

    node: int
    station_id: str
    reason: str


@dataclass(frozen=True, eq=False)
class Plan:
    """A solver's answer for a problem.

    Attributes
    ----------
    problem
        What was solved.
    solver
        Name of the solver that made the plan.
    routes
        Routes of the vehicles used.
    unserved
        Stations with demand that no route serves, each with a reason.
    runtime_s
        Wall time the solver took.
    """

    problem: Problem
    solver: str
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    runtime_s: float = 0.0

    @property
    def total_cost(self) -> float:
        return float(sum(r.cost for r in self.routes))

    @property
    def distance_m(self) -> float:
        return float(sum(r.distance_m for r in self.routes))

    @property
    def duration_s(self) -> float:
        """Vehicle-hours on the road (time away from the depot), in seconds."""
        return float(sum(r.working_s for r in self.routes))

    def parcels_moved(self) -> tuple[int, int]:
        """Parcels delivered and collected."""
        down = sum(s.down_parcels for r in self.routes for s in r.stops)
        up = sum(s.up_parcels for r in self.routes for s in r.stops)
        return down, up

    @property
    def per_parcel_cost(self) -> float:
        """Total cost over the parcels moved both ways (0 where none are)."""
        moved = sum(self.parcels_moved())
        return self.total_cost / moved if moved else 0.0

    def served_nodes(self) -> list[int]:
        return [s.node for r in self.routes for s in r.stops if s.node != 0]

    def cost_breakdown(self) -> dict[str, float]:
        """Cost split into distance, time and fixed (per vehicle-day) parts."""
        km = hours = fixed = 0.0
        for route in self.routes:
            vehicle = self.problem.vehicle(route.vehicle)
            km += vehicle.cost_per_km * route.distance_m / 1000.0
            hours += vehicle.cost_per_hour * route.working_s / 3600.0
            fixed += vehicle.cost_per_day
        return {"distance": km, "time": hours, "fixed": fixed}

    def load_factor(self) -> float:
        """Share of capacity (kg or parcels, whichever binds) filled, weighted by km."""
        p = self.problem
        used = capacity = 0.0
        for route in self.routes:
            vehicle = p.vehicle(route.vehicle)
            prev, kg, parcels = 0, route.start_load_kg, route.start_load_parcels
            for stop in [*route.stops, None]:
                node = 0 if stop is None else stop.node
                leg = float(p.distance_m[prev, node])
                share = max(kg / vehicle.capacity_kg, parcels / vehicle.capacity_parcels)
                used += share * leg
                capacity += leg
                if stop is not None:
                    prev, kg, parcels = node, stop.load_kg, stop.load_parcels
        return used / capacity if capacity else 0.0

    def summary(self) -> dict[str, Any]:
        """Headline figures: cost per parcel moved, totals, and whether the plan is valid."""
        from villageroute.validation import validate_plan

        p = self.problem
        down, up = self.parcels_moved()
        lost = [u.node for u in self.unserved]
        return {
            "per_parcel_cost": self.per_parcel_cost,
            "total_cost": self.total_cost,
            "currency": p.currency,
            "distance_km": self.distance_m / 1000.0,
            "duration_h": self.duration_s / 3600.0,
            "vehicles_used": len(self.routes),
            "parcels_down": down,
            "parcels_up": up,
            "parcels_unserved": int(p.down_parcels[lost].sum() + p.up_parcels[lost].sum()),
            "stations_unserved": len(lost),
            "load_factor": self.load_factor(),
            "cost_breakdown": self.cost_breakdown(),
            "feasible": not validate_plan(p, self),
        }


def build_route(
    problem: Problem,
    vehicle: int,
    nodes: Sequence[int],
    *,
    start_s: float | None = None,
    arrivals_s: Sequence[float] | None = None,
    depot_departures_s: Sequence[float] | None = None,
    jobs: Sequence[str] | None = None,
) -> Route:
    """Derive a :class:`Route` from a visit sequence.

    Parameters
    ----------
    problem
        The problem.
    vehicle
        Vehicle index.
    nodes
        Locations in visiting order, without the depot at either end; a 0 inside is a
        mid-day return to the depot.
    start_s
        Departure from the depot. By default (with ``arrivals_s`` and
        ``depot_departures_s`` not given either) the cheapest schedule: the day starts
        as late as all its waits allow without ending later (:func:`latest_departure`),
        so the shift is least, and each later trip leaves as late as its own waits allow
        (waiting at the depot is not paid). With ``arrivals_s`` or
        ``depot_departures_s`` given, by default the latest departure that still meets
        the first stop at its opening time, and no earlier than the day start.
    arrivals_s
        Service start at each node; by default the earliest feasible schedule (arrive,
        wait for the window to open, serve, drive on).
    depot_departures_s
        When each later trip leaves the depot, one per 0 in ``nodes``; by default as in
        the cheapest schedule above, or at once where ``start_s`` is given.
    jobs
        What each visit does: ``"both"`` (deliver and collect, the default), ``"down"``
        or ``"up"``, when a station's two jobs are done on separate visits.

    Returns
    -------
    Route
    """
    p = problem
    nodes = [int(i) for i in nodes]
    if start_s is None and arrivals_s is None and depot_departures_s is None:
        # Leaving at the first stop's opening still waited for later windows: a route
        # re-timed without a station could then outrun its shift. The day starts as
        # late as all its waits allow (the shift is then least); each later trip then
        # leaves as late as its own allow (waiting at the depot is not paid).
        trips = split_trips(nodes)
        leave = [latest_departure(p, nodes, p.day_start_s)]
        for done, trip in pairwise(trips):
            leave.append(latest_departure(p, trip, return_time(p, done, leave[-1])))
        start_s, depot_departures_s = leave[0], leave[1:]
    elif start_s is None:
        first = nodes[0] if nodes else 0
        start_s = max(p.day_start_s, p.open_s[first] - p.time_s[0, first])
    jobs = ["both"] * len(nodes) if jobs is None else list(jobs)
    does_down = [j in ("both", "down") for j in jobs]
    does_up = [j in ("both", "up") for j in jobs]
    loads = [
        (float(sum(p.down_kg[n] for n in t)), int(sum(p.down_parcels[n] for n in t)))
        for t in split_trips(
            [n if n == 0 or d else -1 for n, d in zip(nodes, does_down, strict=True)]
        )
    ]
    kg, parcels = loads[0] if loads else (0.0, 0)
    start_kg, start_parcels = kg, parcels
    stops: list[Stop] = []
    clock, prev, trip = float(start_s), 0, 0
    distance = idle = 0.0
    for k, node in enumerate(nodes):
        distance += float(p.distance_m[prev, node])
        reach = clock + float(p.time_s[prev, node])
        if arrivals_s is not None:
            arrival = float(arrivals_s[k])
        elif node == 0:
            arrival = reach
        else:
            arrival = max(reach, float(p.open_s[node]))
        if node == 0:
            trip += 1
            kg, parcels = loads[trip]
            leave = arrival if depot_departures_s is None else float(depot_departures_s[trip - 1])
            stops.append(Stop(0, arrival, leave, 0, 0, kg, parcels))
            idle += leave - arrival
            clock = leave
        else:
            down = int(p.down_parcels[node]) if does_down[k] else 0
            up = int(p.up_parcels[node]) if does_up[k] else 0
            kg += (float(p.up_kg[node]) if does_up[k] else 0.0) - (
                float(p.down_kg[node]) if does_down[k] else 0.0
            )
            parcels += up - down
            departure = arrival + float(p.service_s[node])
            stops.append(Stop(node, arrival, departure, down, up, kg, parcels))
            clock = departure
        prev = node
    distance += float(p.distance_m[prev, 0])
    end = clock + float(p.time_s[prev, 0])
    vehicle_type = p.vehicle(vehicle)
    cost = (
        vehicle_type.cost_per_km * distance / 1000.0
        + vehicle_type.cost_per_hour * (end - start_s - idle) / 3600.0
        + vehicle_type.cost_per_day
    )
    return Route(
        vehicle=vehicle,
        start_s=float(start_s),
        end_s=end,
        start_load_kg=start_kg,
        start_load_parcels=start_parcels,
        stops=tuple(stops),
        distance_m=distance,
        cost=cost,
    )


def without_stations(plan: Plan, stations: Collection[int], reason: str) -> Plan:
    """``plan`` with ``stations`` taken out of their routes and listed unserved.

    A route that visits none of them is kept as it is. The others keep their order and
    jobs and are re-derived by :func:`build_route` with the default (earliest)
    schedule; a trip left empty, and a route left with no station, is dropped.

    Parameters
    ----------
    plan
        The plan.
    stations
        Locations to take out (stations the plan serves).
    reason
        The reason each of them is listed unserved with.

    Returns
    -------
    Plan
    """
    p = plan.problem
    routes = []
    for route in plan.routes:
        if not any(stop.node in stations for stop in route.stops):
            routes.append(route)
            continue
        kept = [stop for stop in route.stops if stop.node not in stations]
        nodes, jobs = drop_empty_trips([s.node for s in kept], [s.job for s in kept])
        if nodes:
            routes.append(build_route(p, route.vehicle, nodes, jobs=jobs))
    unserved = [*plan.unserved, *(Unserved(s, p.ids[s], reason) for s in stations)]
    return replace(
        plan,
        routes=tuple(routes),
        unserved=tuple(sorted(unserved, key=lambda u: u.node)),
    )


@dataclass(frozen=True)
class Saving:
    """How much less a plan costs per parcel than a baseline.

    Attributes
    ----------
    pct
        Per-parcel cost saving against the baseline, % (each plan over the parcels it
        moves).
    same_stations_pct
        The same, with both plans cut to the stations both serve (equal to ``pct`` where
        they serve the same ones). A station one plan leaves out moves none of its
        parcels there, so its cost per parcel, often far above the average, is counted
        on one side only.
    stations_compared
        Stations both plans serve.
    only_plan, only_baseline
        Ids of the stations only the plan, or only the baseline, serves.
    """

    pct: float
    same_stations_pct: float
    stations_compared: int
    only_plan: tuple[str, ...]
    only_baseline: tuple[str, ...]


def per_parcel_saving(plan: Plan, baseline: Plan) -> Saving:
    """Compare ``plan`` with ``baseline`` per parcel, over all and over the same stations.

    Parameters
    ----------
    plan, baseline
        Plans for the same problem.

    Returns
    -------
    Saving
        Both plans cut to the shared stations by :func:`without_stations` (each route
        re-timed to its cheapest schedule).
    """
    p = plan.problem
    out = {u.node for u in plan.unserved}
    out_base = {u.node for u in baseline.unserved}
    only_plan, only_base = sorted(out_base - out), sorted(out - out_base)
    reason = "not served by both plans"
    cut = without_stations(plan, only_plan, reason)
    cut_base = without_stations(baseline, only_base, reason)

    def pct(ours: Plan, theirs: Plan) -> float:
        ours_ppc, theirs_ppc = ours.per_parcel_cost, theirs.per_parcel_cost
        return 100.0 * (1.0 - ours_ppc / theirs_ppc) if theirs_ppc else 0.0

    return Saving(
        pct=pct(plan, baseline),
        same_stations_pct=pct(cut, cut_base),
        stations_compared=len(set(cut.served_nodes())),
        only_plan=tuple(p.ids[i] for i in only_plan),
        only_baseline=tuple(p.ids[i] for i in only_base),
    )


def drop_empty_trips(nodes: Sequence[int], jobs: Sequence[str]) -> tuple[list[int], list[str]]:
    """A visit sequence (and its jobs) without the depot stops that separate no two
    trips: leading, trailing and repeated ones."""
    out_nodes: list[int] = []
    out_jobs: list[str] = []
    for node, job in zip(nodes, jobs, strict=True):
        if node == 0 and (not out_nodes or out_nodes[-1] == 0):
            continue
        out_nodes.append(node)
        out_jobs.append(job)
    if out_nodes and out_nodes[-1] == 0:
        out_nodes.pop()
        out_jobs.pop()
    return out_nodes, out_jobs


def day_trips(problem: Problem, start: Plan | None = None) -> int:
    """Trips each vehicle may run by default: 2 when vehicles pay a day cost (a second
    trip is then worth having), else 1; or as many as ``start``, a plan a search starts
    from, runs, if more."""
    default = 2 if any(v.cost_per_day > 0 for v in problem.vehicle_types) else 1
    return max(default, most_trips(start))


def most_trips(plan: Plan | None) -> int:
    """The most trips (depot to depot, with a station) any vehicle of ``plan`` runs; 0
    for no routes or no plan."""
    if plan is None:
        return 0
    return max((sum(1 for t in split_trips(r.nodes) if t) for r in plan.routes), default=0)


#: Seconds a computed latest departure is kept early, so that float sums never push a
#: stop past its window.
_SLACK_S = 1e-7


def latest_departure(problem: Problem, trip: Sequence[int], leave: float) -> float:
    """The latest departure from the depot, no earlier than ``leave``, at which the
    trip's stops (served as early as possible) still start within their windows and
    the trip is back no later than when leaving at ``leave``. A 0 in ``trip`` is a
    return to the depot, left again at once.

    Leaving later by ``delta`` delays stop ``i`` by ``max(0, delta - waited_i)``, where
    ``waited_i`` is the waiting absorbed up to it; so ``delta`` may be at most the
    whole trip's waiting, and at most ``waited_i + close_i - start_i`` for each stop.
    """
    p = problem
    clock, prev, waited = leave, 0, 0.0
    delta = math.inf
    for node in trip:
        reach = clock + float(p.time_s[prev, node])
        if node == 0:
            clock, prev = reach, 0
            continue
        start = max(reach, float(p.open_s[node]))
        waited += start - reach
        delta = min(delta, waited + float(p.close_s[node]) - start)
        clock, prev = start + float(p.service_s[node]), node
    delta = min(delta, waited)
    return leave + max(0.0, delta - _SLACK_S)


def return_time(problem: Problem, trip: Sequence[int], leave: float) -> float:
    """When the trip, leaving the depot at ``leave``, is back (stops served early)."""
    p = problem
    clock, prev = leave, 0
    for node in trip:
        reach = clock + float(p.time_s[prev, node])
        clock, prev = max(reach, float(p.open_s[node])) + float(p.service_s[node]), node
    return clock + float(p.time_s[prev, 0])


def split_trips(nodes: list[int]) -> list[list[int]]:
    """Stations of each trip of a visit sequence (0 = back at the depot); ``-1`` entries
    (visits that deliver nothing) are dropped."""
    trips: list[list[int]] = [[]]
    for node in nodes:
        if node == 0:
            trips.append([])
        elif node > 0:
            trips[-1].append(node)
    return trips
