"""PyVRP solver backend for two-way (deliver and collect) days.

This module is the only place that talks to PyVRP (0.14); everything else sees a
:class:`~villageroute.problem.Problem` in and a :class:`~villageroute.plans.Plan` out.
The semantics follow :mod:`villageroute.solvers.ortools_routing`, so that the two
backends' plans are comparable, and every plan is re-derived from the problem's floats
by :func:`~villageroute.plans.build_route` (PyVRP's integers never reach a plan).

Model
-----
* **Jobs.** Stations that no vehicle can serve even alone are set aside with
  :func:`~villageroute.feasibility.why_unservable`'s reason. Where the problem allows
  split visits, a station with parcels to deliver and produce to collect becomes two
  jobs, ``"down"`` and ``"up"``; otherwise one job, ``"both"``. Each job is a PyVRP
  client at a location of its own; a station's twin locations are zero distance and
  zero duration apart, so the two jobs may ride different vehicles (parcels on the
  morning round, produce with the cold van) or follow each other as one stop.
* **Time.** Service time is folded into the duration matrix, as in the OR-Tools time
  transit: ``duration[i][j] = ceil(travel(i, j) + service(i))`` whole seconds, 0 between
  twins, clients' own ``service_duration`` 0. Twin jobs back to back thus pay one
  service time, and rounding up keeps an integer schedule valid in the real numbers.
  Time windows become client windows on the service start; the day is the vehicles'
  and the depot's window; ``max_shift_hours`` is the vehicle type's
  ``shift_duration``.
* **Loads.** Two load dimensions, kg and parcels, both times :data:`QTY_SCALE` as in
  the OR-Tools backend (kg demands rounded up and capacities down, so the integer model
  is never looser than the floats), with each client's delivery and pickup. PyVRP
  tracks simultaneous pickup and delivery exactly: a trip leaves with all of its
  deliveries and the load peak may be mid-route. Scaling parcels too makes an excess
  parcel weigh as much in PyVRP's penalties (which are per unit of excess) as a kg.
* **Fleet and costs.** One PyVRP vehicle type per fleet type (``num_available =
  count``). Distances are integers at ``distance_scale`` units per metre: the smallest
  power of ten up to 10,000 that makes every distance a whole number, else the
  smallest that puts the median distance at 1,000 units or more (0.05 % rounding).
  Costs are integers at ``cost_scale`` units per currency unit: the least common
  multiple of the denominators of the per-unit rates (so 1.2 CNY/km, 30 CNY/h and
  120 CNY/day are exact) when it is at most :data:`MAX_COST_SCALE` and keeps the
  largest possible objective below 2**53 (exact in a double, far from int64
  overflow); else the rates are rounded at the largest power of ten within both.
* **Penalties.** PyVRP searches through infeasible solutions, charging each unit of
  excess load or time warp a penalty it adapts between bounds; with required jobs, its
  defaults. With optional jobs, its default bound (1e5 per unit) can be less than a
  job's prize, so that an overloaded route never pays to drop a job on an
  over-constrained day; the bound is then raised to the largest prize (as far as int64
  allows), and the search starts between PyVRP's default starting penalty and that
  bound (see :class:`_Penalties`).
* **Trips.** Like the OR-Tools backend, vehicles with a day cost may run two trips
  (``reload_depots = [depot]``, ``max_reloads = trips - 1``), others one; or as many as
  the caller says (``trips_per_vehicle``: :func:`villageroute.plan` allows the naive
  plan's too, the allowance OR-Tools gets from starting at that plan).
* **Cold chain.** Jobs collecting cold-chain produce are reachable only in the cold
  routing profile: in the profile of vehicles without cooling, every edge into them is
  longer than the whole day, so a route using it always breaks a time window.
* **Required, then optional jobs.** As in the OR-Tools backend, the search first
  requires every job. Only when it has found no feasible solution by half the time is
  every job made optional, with a prize equal to the OR-Tools backend's disjunction
  penalty (a hundred times the cost of serving the station alone, plus a thousand), so
  that a job is left out only when it cannot fit; the rest of the time goes to that
  search. A station half served is taken out of its route and reported unserved:
  served in full or not at all. Prizes cost the search where everyone fits (measured
  on CVRPLIB X, see ``docs/benchmarks.md``).

Not modelled
------------
* **Freshness deadlines.** PyVRP has no constraint on the time from a visit to the
  next depot return. :func:`unsupported` says when a deadline could bind; the solver
  still runs and its plans may break such deadlines (check with
  :func:`~villageroute.validation.validate_plan`, as the ``best`` portfolio does before
  it keeps one).
* **Uncharged depot waits.** The plan's cost does not charge waiting at the depot
  between trips; PyVRP charges the whole route duration, so it may wait at a station
  for its window where going home in between is cheaper. After the search, each
  route is re-timed in real numbers: every trip leaves as early as it can, then as
  much later as its waits allow without coming back later (waiting at stations
  becomes uncharged waiting at the depot); and where the vehicle has a trip to spare,
  a return to the depot is put in before a wait whenever that lowers the plan's cost.
  A plan's cost is therefore at most PyVRP's objective (up to the rounding of
  distances), and equal to it on whole metres and seconds without waits.

Search
------
PyVRP's iterated local search (:func:`pyvrp.solve`) from its own random start, until
the wall-clock time limit (the search with required jobs gives up at half of it when it
has no feasible solution yet); the best feasible solution found is converted back. Every
route is re-checked by PyVRP after half-served stations are taken out; a route that
breaks a limit (or an infeasible best, when none was found in time) is not planned,
and its stations are listed unserved.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
import pyvrp
from pyvrp import Activity, ActivityType
from pyvrp.exceptions import PenaltyBoundWarning

from villageroute.feasibility import left_out_reason, set_aside
from villageroute.plans import (
    Plan,
    Route,
    Unserved,
    build_route,
    day_trips,
    latest_departure,
    split_trips,
)
from villageroute.problem import Problem
from villageroute.solvers.reporting import BestReporter

#: Integer quantity units per kg or parcel, as in the OR-Tools backend: demands with up
#: to 4 decimals stay exact.
QTY_SCALE = 10_000
#: Integer distance units per metre tried, smallest first.
DISTANCE_SCALES = (1, 10, 100, 1_000, 10_000)
#: Integer units the median distance gets at least, when no scale makes them whole.
_MEDIAN_DISTANCE_INT = 1_000
#: Largest cost scale: beyond it PyVRP's penalties (per second of time warp) become
#: weak against costs, and exactness buys nothing measurable.
MAX_COST_SCALE = 1_000_000
#: Bound on the largest possible objective (every vehicle out all day, every prize
#: uncollected), in integer cost units: exact in a double, far below int64 overflow.
_COST_BUDGET = 2.0**53
#: Bound on the largest possible total penalty (largest penalty times all the excess
#: load and time warp there could be), leaving int64 room for the objective.
_PENALTY_BUDGET = 2.0**61
#: PyVRP's cost of an infeasible solution.
_INFEASIBLE = np.iinfo(np.int64).max


def unsupported(problem: Problem) -> str | None:
    """Why PyVRP cannot model ``problem`` exactly, or ``None`` when it can.

    The one feature PyVRP lacks is the freshness deadline (produce must reach the depot
    within ``fresh_s`` of its collection). A deadline can bind only when it is shorter
    than the longest the produce could possibly stay on board: from the earliest
    collection, ``max(open_s, day_start_s + drive out)``, to the end of the day.

    Parameters
    ----------
    problem
        The day's problem.

    Returns
    -------
    str or None
        One line naming the stations concerned, or ``None``.
    """
    p = problem
    collects = np.flatnonzero(p.up_parcels > 0)
    earliest = np.maximum(p.open_s[collects], p.day_start_s + p.time_s[0, collects])
    binding = collects[p.fresh_s[collects] < p.day_end_s - earliest]
    if not len(binding):
        return None
    first = int(binding[0])
    more = f" and {len(binding) - 1} more" if len(binding) > 1 else ""
    return (
        f"PyVRP cannot model freshness deadlines: produce of station {p.ids[first]!r}{more} "
        f"must reach the depot within {p.fresh_s[first] / 3600:.2f} h of collection, which "
        f"can bind within the day; its plans may break them"
    )


def solve_pyvrp(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    trips_per_vehicle: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan the day with PyVRP's iterated local search (see the module docstring).

    Freshness deadlines are ignored (:func:`unsupported` says when they matter): the
    plan is then not guaranteed to be valid, and the caller should validate it.

    Parameters
    ----------
    problem
        The day's problem.
    time_limit
        Seconds of search (model building included); must be positive.
    seed
        Seed of PyVRP's random number generator; the same seed gives the same search
        (up to where the time limit stops it).
    trips_per_vehicle
        Trips each vehicle may run in a day (as in :func:`solve_ortools`); by default 2
        when vehicles have a fixed day cost (so a second trip is worth having), else 1.
    progress
        Called with a short line now and then: at new best solutions (at most once a
        second) and once at the end with the iterations and the objective.

    Returns
    -------
    Plan
        Solver name ``"pyvrp"``; every station with demand is served in full or listed
        unserved with a reason.
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    started = time.perf_counter()
    p = problem
    candidates, unserved = set_aside(p, also=_window_too_narrow)

    routes: list[Route] = []
    if candidates:
        # The OR-Tools backend's rule, so that the two plan the same day.
        trips = max(trips_per_vehicle or day_trips(p), 1)
        deadline = started + time_limit
        model = _Model(p, candidates, trips, required=True)
        result = model.solve(deadline, seed, progress, give_up=(time.perf_counter() + deadline) / 2)
        if not result.best.is_feasible():
            model = _Model(p, candidates, trips, required=False)
            result = model.solve(deadline, seed, progress)
        routes, missing, objective = model.extract(result.best)
        unserved += missing
        if progress is not None:
            progress(
                f"{result.num_iterations} iterations, objective {objective:,.2f} "
                f"{p.currency}, plan cost {sum(r.cost for r in routes):,.2f} {p.currency}, "
                f"{len(missing)} left out"
            )
    elif progress is not None:
        progress("no station to serve")
    unserved.sort(key=lambda u: u.node)
    return Plan(
        problem=p,
        solver="pyvrp",
        routes=tuple(routes),
        unserved=tuple(unserved),
        runtime_s=time.perf_counter() - started,
    )


def _window_too_narrow(problem: Problem, node: int) -> str | None:
    """A window with no whole second in it, which the integer model cannot meet."""
    open_s, close_s = float(problem.open_s[node]), float(problem.close_s[node])
    if math.ceil(open_s) <= math.floor(min(close_s, problem.day_end_s)):
        return None
    return (
        f"its time window ({open_s:.3f}-{close_s:.3f} s) holds no whole second, which "
        f"PyVRP's integer schedule needs"
    )


class _Model:
    """The PyVRP data of one problem, and the way back from PyVRP's solutions.

    Attributes
    ----------
    stations, jobs
        Client ``c`` (PyVRP location ``c + 1``) does job ``jobs[c]`` at station
        ``stations[c]``.
    distance_scale, cost_scale
        Integer units per metre and per currency unit.
    types
        Fleet type index of each PyVRP vehicle type (fleet types with vehicles only).
    data
        The PyVRP problem data.
    """

    def __init__(
        self, problem: Problem, stations: list[int], trips: int, *, required: bool = False
    ) -> None:
        p = self.problem = problem
        self.trips = trips
        self.required = required
        self.stations: list[int] = []
        self.jobs: list[str] = []
        for station in stations:
            both = p.down_parcels[station] > 0 and p.up_parcels[station] > 0
            for job in ("down", "up") if both and p.split_visits else ("both",):
                self.stations.append(station)
                self.jobs.append(job)
        self.types = [t for t, v in enumerate(p.vehicle_types) if v.count > 0]
        # Location 0 is the depot, location c + 1 is client c.
        self.nodes = np.array([0, *self.stations])
        sub = np.ix_(self.nodes, self.nodes)
        self.twins = self.nodes[:, None] == self.nodes[None, :]
        self.distance_scale = _distance_scale(p.distance_m[sub])
        self.prizes = [0.0 if required else self._penalty(s) for s in self.stations]
        self.cost_scale = self._cost_scale()
        self.data = self._data()

    # -- scales --------------------------------------------------------------------

    def _penalty(self, station: int) -> float:
        """The OR-Tools backend's disjunction penalty of a station, in currency."""
        p = self.problem
        alone = max(
            v.cost_per_km * (p.distance_m[0, station] + p.distance_m[station, 0]) / 1000.0
            + v.cost_per_hour * (p.time_s[0, station] + p.time_s[station, 0]) / 3600.0
            + v.cost_per_day
            for v in (p.vehicle_types[t] for t in self.types)
        )
        # Far above serving it alone: a job is left out only when it cannot fit.
        return 100.0 * alone + 1000.0

    def _rates(self) -> list[float]:
        """Currency per integer distance unit, per second and per day, of each type."""
        rates = []
        for t in self.types:
            v = self.problem.vehicle_types[t]
            rates += [
                v.cost_per_km / (1000.0 * self.distance_scale),
                v.cost_per_hour / 3600.0,
                v.cost_per_day,
            ]
        return rates

    def _cost_scale(self) -> int:
        p = self.problem
        # The largest objective: every vehicle out all day on the longest route there
        # could be, and every prize uncollected.
        longest_m = (len(self.stations) + self.trips) * float(p.distance_m.max(initial=0.0))
        day_s = p.day_end_s - p.day_start_s
        worst = sum(self.prizes) + sum(
            v.count
            * (v.cost_per_day + v.cost_per_km * longest_m / 1000.0 + v.cost_per_hour * day_s / 3600)
            for v in (p.vehicle_types[t] for t in self.types)
        )
        most = max(1, min(MAX_COST_SCALE, math.floor(_COST_BUDGET / max(worst, 1.0))))
        scale = 1
        for rate in self._rates():
            if rate == 0:
                continue
            fraction = Fraction(rate).limit_denominator(10**12)
            if abs(float(fraction) - rate) > 1e-12 * rate:
                scale = most + 1  # no exact scale: take the finest one allowed
                break
            scale = math.lcm(scale, fraction.denominator)
            if scale > most:
                break
        if scale <= most:
            return scale
        # Rounded rates then, at a round number as large as allowed.
        return 10 ** math.floor(math.log10(most))

    def _int_cost(self, amount: float) -> int:
        value = round(amount * self.cost_scale)
        # A charge rounded to nothing would make its resource free in the search.
        return max(value, 1) if amount > 0 else 0

    # -- data ----------------------------------------------------------------------

    def _data(self) -> pyvrp.ProblemData:
        p, nodes = self.problem, self.nodes
        sub = np.ix_(nodes, nodes)
        distance = np.rint(p.distance_m[sub] * self.distance_scale).astype(np.int64)
        service = p.service_s[nodes].copy()
        service[0] = 0.0  # leaving the depot starts the trip; loading happened before
        duration = np.ceil(p.time_s[sub] + service[:, None] - 1e-9).astype(np.int64)
        # Twin jobs (and a location with itself) are one place: back to back they are
        # one stop and pay one service time, counted on the way out of the second.
        distance[self.twins] = 0
        duration[self.twins] = 0

        day_start, day_end = math.ceil(p.day_start_s), math.floor(p.day_end_s)
        cold_up = [
            c + 1
            for c, (s, job) in enumerate(zip(self.stations, self.jobs, strict=True))
            if job != "down" and p.cold_chain[s] and p.up_parcels[s] > 0
        ]
        warm_types = [t for t in self.types if not p.vehicle_types[t].cold_chain]
        distances, durations = [distance], [duration]
        if cold_up and warm_types:
            # Longer than the day: arriving there always breaks the client's window.
            # Twin edges too, or a warm van could slip in from the delivery job.
            warm = duration.copy()
            warm[:, cold_up] = day_end - day_start + 1
            np.fill_diagonal(warm, 0)
            distances.append(distance)
            durations.append(warm)

        locations = [pyvrp.Location(0, 0) for _ in nodes]
        depot = pyvrp.Depot(0, tw_early=day_start, tw_late=day_end, name=p.ids[0])
        clients = []
        for c, (s, job) in enumerate(zip(self.stations, self.jobs, strict=True)):
            down = job != "up"
            up = job != "down"
            clients.append(
                pyvrp.Client(
                    c + 1,
                    delivery=[
                        _kg(p.down_kg[s]) if down else 0,
                        int(p.down_parcels[s]) * QTY_SCALE if down else 0,
                    ],
                    pickup=[
                        _kg(p.up_kg[s]) if up else 0,
                        int(p.up_parcels[s]) * QTY_SCALE if up else 0,
                    ],
                    tw_early=math.ceil(p.open_s[s]),
                    tw_late=math.floor(min(p.close_s[s], p.day_end_s)),
                    prize=round(self.prizes[c] * self.cost_scale),
                    required=self.required,
                    name=f"{p.ids[s]}:{job}",
                )
            )
        vehicle_types = []
        for t in self.types:
            v = p.vehicle_types[t]
            reloads = {"reload_depots": [0], "max_reloads": self.trips - 1}
            vehicle_types.append(
                pyvrp.VehicleType(
                    num_available=v.count,
                    capacity=[
                        math.floor(v.capacity_kg * QTY_SCALE + 1e-6),
                        v.capacity_parcels * QTY_SCALE,
                    ],
                    fixed_cost=self._int_cost(v.cost_per_day),
                    tw_early=day_start,
                    tw_late=day_end,
                    shift_duration=math.floor(v.max_shift_hours * 3600 + 1e-9),
                    unit_distance_cost=self._int_cost(
                        v.cost_per_km / (1000.0 * self.distance_scale)
                    ),
                    unit_duration_cost=self._int_cost(v.cost_per_hour / 3600.0),
                    profile=1 if len(durations) > 1 and not v.cold_chain else 0,
                    name=v.name,
                    **(reloads if self.trips > 1 else {}),
                )
            )
        return pyvrp.ProblemData(locations, clients, [depot], vehicle_types, distances, durations)

    # -- search --------------------------------------------------------------------

    def solve(
        self,
        deadline: float,
        seed: int,
        progress: Callable[[str], None] | None,
        give_up: float | None = None,
    ) -> pyvrp.Result:
        """Run PyVRP's search until ``deadline`` (a :func:`time.perf_counter` time), or
        until ``give_up`` if no feasible solution has been found by then."""
        ils = pyvrp.IteratedLocalSearchParams()
        if progress is not None:
            ils = pyvrp.IteratedLocalSearchParams(callbacks=_Reporter(self, progress))
        # Without prizes PyVRP's own starting penalties serve (see _Penalties).
        kind = pyvrp.PenaltyParams if self.required else _Penalties
        params = pyvrp.SolveParams(ils=ils, penalty=kind(max_penalty=self.max_penalty()))
        with warnings.catch_warnings():
            # Over-constrained days are expected: jobs are dropped, and extract() checks
            # every route anyway.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            return pyvrp.solve(
                self.data,
                _Deadline(deadline, give_up),
                seed=seed,
                collect_stats=False,
                display=False,
                params=params,
            )

    def max_penalty(self) -> float:
        """Penalty bound per unit of excess: at least the largest prize, so that one
        unit of excess can outweigh keeping any job, within int64 for the worst case."""
        data = self.data
        excess = sum(
            sum(c.delivery[d] + c.pickup[d] for c in data.clients())
            for d in range(data.num_load_dimensions)
        )
        longest = max(int(m.max()) for m in data.duration_matrices())
        vehicles = sum(v.num_available for v in data.vehicle_types())
        warp = (len(self.stations) + vehicles * self.trips) * longest + longest
        wanted = max(_Penalties().max_penalty, float(max(c.prize for c in data.clients())))
        return max(_Penalties().min_penalty, min(wanted, _PENALTY_BUDGET / (excess + warp)))

    def objective(self, routes: Sequence[pyvrp.Route]) -> float:
        """PyVRP's cost of these routes (uncollected prizes aside), in currency."""
        total = sum(r.distance_cost() + r.duration_cost() + r.fixed_vehicle_cost() for r in routes)
        return total / self.cost_scale

    # -- back to a plan ------------------------------------------------------------

    def extract(self, solution: pyvrp.Solution) -> tuple[list[Route], list[Unserved], float]:
        """Plan routes of a PyVRP solution, the stations left out, and the objective.

        A station is kept only if all of its jobs are visited on routes PyVRP deems
        feasible. A half-served station's visited job is taken out of its route (never
        overloading it; with travel times obeying the triangle inequality, never making
        it late); should a route so shortened, or a route of an infeasible best
        solution, break a limit, all of its stations are taken out too, until every
        route left is feasible.
        """
        p = self.problem
        sequences = [
            (route.vehicle_type(), list(route.schedule()[1:-1])) for route in solution.routes()
        ]
        visited: dict[int, set[str]] = {}
        for _, activities in sequences:
            for a in activities:
                if a.is_client():
                    visited.setdefault(self.stations[a.idx], set()).add(self.jobs[a.idx])
        wanted: dict[int, set[str]] = {}
        for s, job in zip(self.stations, self.jobs, strict=True):
            wanted.setdefault(s, set()).add(job)
        reasons: dict[int, str] = {}
        for s, jobs in wanted.items():
            done = visited.get(s, set())
            if done != jobs:
                missing = sorted(jobs - done)
                job = missing[0] if len(missing) == 1 else "both"
                reasons[s] = _left_out_reason(job, half=bool(done))

        while True:
            kept: list[tuple[int, pyvrp.Route]] = []
            broken = False
            for vehicle_type, activities in sequences:
                route = self._route(vehicle_type, activities, set(reasons))
                if route is None:
                    continue
                if not route.is_feasible():
                    name = p.vehicle_types[self.types[vehicle_type]].name
                    for a in activities:
                        if a.is_client() and self.stations[a.idx] not in reasons:
                            reasons[self.stations[a.idx]] = _discarded_reason(name)
                    broken = True
                    break
                kept.append((vehicle_type, route))
            if not broken:
                break

        next_vehicle = {t: iter(np.flatnonzero(p.vehicle_type == t).tolist()) for t in self.types}
        routes = [self._plan_route(next(next_vehicle[self.types[vt]]), r) for vt, r in kept]
        unserved = [Unserved(s, p.ids[s], reason) for s, reason in reasons.items()]
        return routes, unserved, self.objective([r for _, r in kept])

    def _route(
        self, vehicle_type: int, activities: Sequence[Activity], dropped: set[int]
    ) -> pyvrp.Route | None:
        """The PyVRP route of ``activities`` without the dropped stations' jobs and
        without empty trips, or ``None`` if nothing is left."""
        out: list[Activity] = []
        for a in activities:
            if a.is_depot():
                if out and not out[-1].is_depot():
                    out.append(Activity(ActivityType.DEPOT, 0))
            elif self.stations[a.idx] not in dropped:
                out.append(Activity(ActivityType.CLIENT, a.idx))
        if out and out[-1].is_depot():
            out.pop()
        return pyvrp.Route(self.data, out, vehicle_type) if out else None

    def _plan_route(self, vehicle: int, route: pyvrp.Route) -> Route:
        """The plan's route of a feasible PyVRP route, re-timed in real numbers."""
        schedule = route.schedule()
        nodes: list[int] = []
        jobs: list[str] = []
        anchors = [float(schedule[0].start_time)]
        previous: int | None = None  # client index of the last visit in this trip
        for a in schedule[1:-1]:
            if a.is_depot():
                nodes.append(0)
                jobs.append("both")
                anchors.append(float(a.end_time))
                previous = None
                continue
            station, job = self.stations[a.idx], self.jobs[a.idx]
            if previous is not None and self.stations[previous] == station:
                jobs[-1] = "both"  # its twin job, back to back: one stop
            else:
                nodes.append(station)
                jobs.append(job)
            previous = a.idx
        timed = self._timed(vehicle, nodes, jobs)
        if timed is None:
            # PyVRP's own departures, each trip parked: never later back, so valid.
            trips = split_trips(nodes)
            leave = [
                latest_departure(self.problem, t, a) for t, a in zip(trips, anchors, strict=True)
            ]
            timed = build_route(
                self.problem,
                vehicle,
                nodes,
                start_s=leave[0],
                depot_departures_s=leave[1:],
                jobs=jobs,
            )
        return self._with_depot_returns(vehicle, nodes, jobs, timed)

    def _timed(self, vehicle: int, nodes: list[int], jobs: list[str]) -> Route | None:
        """The route with its cheapest schedule (:func:`~villageroute.plans.build_route`'s
        default: the day starts as late as all its waits allow, each later trip as late
        as its own), or ``None`` if that breaks a limit. For a sequence PyVRP found
        feasible only the shift can then break, when the day spreads around a long wait
        at the depot that no later start absorbs.
        """
        route = build_route(self.problem, vehicle, nodes, jobs=jobs)
        return route if _within_limits(self.problem, route) else None

    def _with_depot_returns(
        self, vehicle: int, nodes: list[int], jobs: list[str], route: Route
    ) -> Route:
        """The route with depot returns put in where the van would wait for a window.

        PyVRP charges waiting at the depot like time on the road; the plan does not. A
        return to the depot before a long wait may then cost less: added greedily,
        while the vehicle has trips to spare. Splitting a trip never overloads it: each
        part carries a subset of what the whole trip carried at the same point.
        """
        p = self.problem
        if self.trips <= 1 or p.vehicle(vehicle).cost_per_hour <= 0:
            return route
        while nodes.count(0) + 1 < self.trips:
            best: tuple[Route, list[int], list[str]] | None = None
            stops = route.stops
            for k in range(1, len(stops)):
                before, stop = stops[k - 1], stops[k]
                if before.node == 0 or stop.node == 0:
                    continue
                reach = before.departure_s + float(p.time_s[before.node, stop.node])
                if stop.arrival_s <= reach:
                    continue  # no wait to save
                with_return = [*nodes[:k], 0, *nodes[k:]]
                with_jobs = [*jobs[:k], "both", *jobs[k:]]
                candidate = self._timed(vehicle, with_return, with_jobs)
                cheapest = route if best is None else best[0]
                if candidate is not None and candidate.cost < cheapest.cost - 1e-9:
                    best = (candidate, with_return, with_jobs)
            if best is None:
                break
            route, nodes, jobs = best
        return route


class _Deadline:
    """Stops the search at a wall-clock time, or at ``give_up`` while no feasible
    solution is known. PyVRP's ``MaxRuntime`` starts counting only after its first local
    search, which takes seconds on large days."""

    def __init__(self, deadline: float, give_up: float | None = None) -> None:
        self.deadline = deadline
        self.give_up = deadline if give_up is None else give_up

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        # PyVRP's cost of an infeasible solution is the largest int64.
        return now >= self.deadline or (now >= self.give_up and best_cost >= _INFEASIBLE)


class _Penalties(pyvrp.PenaltyParams):
    """Penalty parameters whose search starts at the geometric mean of PyVRP's default
    starting penalty and the (raised) bound, not at the midpoint of the bounds.

    The midpoint of a bound raised to the largest prize would make every excess
    prohibitive from the start; PyVRP's default start makes a prize-heavy search climb
    for thousands of iterations before it gives up a job that cannot fit. In between,
    short runs left fewer stations out on over-constrained random days (12 against 26
    in 12 runs of 0.2 s) and came closer to the best known on Dethloff instances
    (mean gap 0.77 % against 0.97 %, 10 instances, 2 seeds, 1 s).
    """

    def midpoint_penalties(self, data: pyvrp.ProblemData) -> tuple[list[float], float, float]:
        default = pyvrp.PenaltyParams()
        usual = default.min_penalty + (default.max_penalty - default.min_penalty) / 2
        start = math.sqrt(usual * max(self.max_penalty, usual))
        return [start] * data.num_load_dimensions, start, start


class _Reporter(pyvrp.IteratedLocalSearchCallbacks):
    """Reports new best feasible solutions through a :class:`BestReporter`."""

    def __init__(self, model: _Model, progress: Callable[[str], None]) -> None:
        self.model = model
        self.report = BestReporter(progress)

    def on_best(self, best: pyvrp.Solution) -> None:
        if best.is_feasible():
            cost = self.model.objective(best.routes())
            self.report(cost, f", {best.num_missing_clients()} jobs left out")


def _distance_scale(distance: np.ndarray) -> int:
    """Integer units per metre: the smallest of :data:`DISTANCE_SCALES` at which every
    distance is whole, else the smallest giving the median distance 1,000 units."""
    for scale in DISTANCE_SCALES:
        scaled = distance * scale
        if np.all(np.abs(scaled - np.rint(scaled)) <= 1e-6):
            return scale
    positive = distance[distance > 0]
    median = float(np.median(positive)) if len(positive) else 1.0
    fitting = [s for s in DISTANCE_SCALES if median * s >= _MEDIAN_DISTANCE_INT]
    return fitting[0] if fitting else DISTANCE_SCALES[-1]


def _kg(kg: float) -> int:
    """Integer kg units, rounded up (beyond QTY_SCALE's 4 decimals) to stay safe."""
    return math.ceil(float(kg) * QTY_SCALE - 1e-6)


def _within_limits(problem: Problem, route: Route, tol: float = 1e-6) -> bool:
    """Whether a route built with default arrivals keeps windows, the day and the shift
    (its arrivals are never before a window opens nor before the van can be there)."""
    p = problem
    shift = p.vehicle(route.vehicle).max_shift_hours * 3600.0
    return (
        all(s.arrival_s <= p.close_s[s.node] + tol for s in route.stops if s.node)
        and route.end_s <= p.day_end_s + tol
        and route.end_s - route.start_s <= shift + tol
    )


def _left_out_reason(job: str, half: bool) -> str:
    return left_out_reason(job, half, limits="capacity, time windows or shift")


def _discarded_reason(vehicle: str) -> str:
    return (
        f"left out: the {vehicle} route PyVRP found for it breaks capacity, time windows "
        "or shift (as found, or once a half-served station was taken out) and was "
        "discarded; a station is served in full or not at all"
    )
