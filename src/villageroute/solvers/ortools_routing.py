"""OR-Tools routing solver for two-way (deliver and collect) days.

This module is the only place that talks to OR-Tools' routing library, whose API is
still moving; everything else sees a :class:`~villageroute.problem.Problem` in and a
:class:`~villageroute.plans.Plan` out.

Model
-----
* **Simultaneous pickup and delivery, done right.** For each capacity measure (kg,
  parcels) two dimensions: ``delivered`` counts parcels dropped so far (starts at 0), and
  ``load`` is what is on board, changing by ``pickup - delivery`` at each stop, with its
  start *tied* to the trip's total deliveries (``load[start] == delivered[end]``). The
  common shortcut, one signed load dimension with a free start, lets produce collected
  early "fund" a later delivery and overloads the van (or-tools issue #1907).
* **Jobs.** Where the problem allows split visits, a station with parcels to deliver
  and produce to collect becomes two nodes at the same place, a delivery and a
  collection, each with its penalty; a station left half served is taken out of its
  route afterwards (served in full or not at all). Back to back they are one stop (service time
  counted once); apart, parcels can go on the morning round and produce with the cold
  van. Plans built by the baselines (separate trips) are thereby valid warm starts.
* **Trips.** Each vehicle may run ``trips_per_vehicle`` trips a day (say, deliver in the
  morning and collect in the afternoon): each trip is a routing vehicle, chained in time
  (trip ``t + 1`` leaves after trip ``t`` is back), used in order, paying the day's fixed
  cost once, and the whole day fits the vehicle's shift.
* **Costs.** Per-vehicle-type arc costs (per km), span costs (per hour away from the
  depot) and fixed costs, all scaled to integers by :data:`COST_SCALE`. Reported plan
  costs are recomputed from the problem's floats, so this scaling never shows in them.
* **Time.** Travel plus service times are rounded *up* to whole seconds, so a schedule
  that fits in integers also fits in the real numbers.
* **Freshness.** The end time of the trip that collects produce at a station, minus
  the collection time, must be within the station's limit (an element constraint on the
  station's vehicle).
* **Required, then optional stations.** The search first requires every station (from
  a warm start that serves them all, or from construction alone on up to half the
  time, a tenth on one-trip days with one visit for both jobs, where nearest-neighbour
  trips take over if it fails). Only if that finds no plan is every station put in a
  disjunction with a penalty far above the cost of serving it alone, so an
  over-constrained day still yields a plan, with the stations left out listed and
  explained. Optional stations cost the search dearly where everyone fits (measured on
  CVRPLIB X, see ``docs/benchmarks.md``).
* **Search.** Optionally several independent searches side by side (one per core),
  keeping the best plan. Each starts from a warm start (another valid plan; by default,
  where split visits are allowed, co-routed nearest-neighbour trips, else the naive
  baseline's plan) or a construction heuristic
  (parallel cheapest insertion by default, which copes with the tied load dimensions),
  then runs guided local search until the time limit. With several trips a day,
  construction runs on a copy of the model that lets a van's second trip run without
  its first, and each van's trips then move up: construction cannot see that rule and,
  breaking it, failed outright.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Literal

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2
from ortools.util import optional_boolean_pb2

from villageroute.feasibility import left_out_reason, set_aside
from villageroute.plans import Plan, Unserved, build_route, day_trips, most_trips
from villageroute.problem import Problem
from villageroute.solvers.naive import solve_naive
from villageroute.solvers.nearest import solve_nearest
from villageroute.solvers.reporting import BestReporter

#: Integer cost units per currency unit (1e-5 CNY): per-second hourly costs stay exact
#: to 0.05 %.
COST_SCALE = 100_000
#: Integer quantity units per kg or parcel: demands with up to 4 decimals stay exact.
QTY_SCALE = 10_000

#: Share of the time limit the default warm start may spend placing the stations its
#: nearest-neighbour trips left out (:func:`~villageroute.solvers.nearest.solve_nearest`).
_NEAREST_SHARE = 0.1

#: Share of the time left that construction of one trip a vehicle gets where
#: nearest-neighbour trips can take over. On the standard sets it either succeeds in
#: well under a second or not at all (in 3 s: 6 of 39 Dethloff, 12 of 12
#: Montané–Galvão), and half the time spent failing was half the search lost.
_CONSTRUCTION_SHARE = 0.1

#: Arcs the relocate-expensive-chain operator cuts between (see _search_parameters).
_EXPENSIVE_ARCS = 2

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
_OFF = optional_boolean_pb2.BOOL_FALSE
_ON = optional_boolean_pb2.BOOL_TRUE


def solve_ortools(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    trips_per_vehicle: int | None = None,
    warm_start: Plan | Literal["nearest", "naive"] | None = "nearest",
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION",
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    gls_lambda: float = 0.1,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan the day with OR-Tools.

    Parameters
    ----------
    problem
        The day's problem.
    time_limit
        Seconds of search (construction included); must be positive.
    seed
        Other than 0: shuffles the order in which stations enter the model (which only
        changes how ties break) and scales ``gls_lambda`` (each worker's) by a factor
        between 0.84 and 1.19, which sends the search another way. The same seed gives
        the same search, up to where the (wall-clock) time limit stops it.
    trips_per_vehicle
        Trips each vehicle may run in a day; by default 2 when vehicles have a fixed
        day cost (so a second trip is worth having), else 1. Raised to as many as a
        ``warm_start`` plan runs; a default start that would need more than a value set
        here is not used.
    warm_start
        A valid plan to start the search from: the result never serves fewer stations
        nor, serving as many, costs more (where the model cannot read the start, the
        search begins from construction, and the start itself is returned if that ends
        worse). ``"naive"``: the naive baseline's plan where the problem allows split
        visits (its separate delivery and collection trips are then valid), or, where
        the model's whole seconds cannot hold that plan, the naive plan of the day on
        whole seconds; else construction. ``"nearest"`` (the default): where split
        visits are allowed or vehicles may run more than one trip, the co-routed
        nearest-neighbour plan (:func:`~villageroute.solvers.nearest.solve_nearest`,
        given a tenth of the time limit to place stations its trips left out, and no
        more trips a vehicle than the naive plan runs) and the same on whole seconds,
        tried first where it serves more stations than the naive plan (if any) or as
        many for less; else (one visit for both jobs, one trip a vehicle: the textbook
        sets) construction, and that plan on the problem and on whole seconds where
        construction finds nothing in a tenth of the time. ``None``: construction.
    first_solution, metaheuristic
        OR-Tools ``FirstSolutionStrategy`` and ``LocalSearchMetaheuristic`` names.
    gls_lambda
        Guided local search's penalty coefficient (OR-Tools' default, 0.1).
    workers
        Independent searches run side by side in forked processes, each with its own
        ``gls_lambda`` and neighbourhoods from :data:`WORKER_SEARCHES` (``gls_lambda``
        is then not used), all stopping at the same wall-clock limit; the plan serving
        the most stations, then the cheapest, is returned. Progress is reported only
        when ``workers`` is 1, whose one search runs without TSP-opt.
    progress
        Called with a short message at new best solutions (at most once a second, see
        :class:`~villageroute.solvers.reporting.BestReporter`).

    Returns
    -------
    Plan
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    started = time.perf_counter()
    fallback: list[Plan] = []
    if isinstance(warm_start, str):
        if warm_start not in ("nearest", "naive"):
            raise ValueError(
                f'warm_start must be a Plan, "nearest", "naive" or None, got {warm_start!r}'
            )
        starts = _naive_starts(problem)
        # No more trips than the naive plan needs: each trip a route of the model.
        trips = trips_per_vehicle or max(
            (day_trips(problem, s) for s in starts), default=day_trips(problem)
        )
        # Construction builds several trips a van only without their order (see
        # _solve), and on the 399-station sample county left most stations out.
        if warm_start == "nearest" and (starts or trips > 1):
            nearest = _nearest_starts(problem, time_limit, trips)
            # The better start first: more stations served, then cheaper.
            first = min([nearest[0], *starts[:1]], key=lambda q: (len(q.unserved), q.total_cost))
            starts = [*nearest, *starts] if first is nearest[0] else [*starts, *nearest]
        elif warm_start == "nearest":
            # One trip a van, one visit for both jobs (the textbook sets): construction
            # starts better, but where it finds nothing quickly these trips take over.
            fallback = _nearest_starts(problem, time_limit, trips)
        if trips_per_vehicle is not None:
            # The caller's allowance stands: a default plan needing more trips is no start.
            starts = [s for s in starts if most_trips(s) <= trips_per_vehicle]
    else:
        starts = [] if warm_start is None else [warm_start]
    search = partial(
        _solve,
        problem,
        starts,
        started + time_limit,
        fallback=fallback,
        seed=seed,
        trips_per_vehicle=trips_per_vehicle,
        first_solution=first_solution,
        metaheuristic=metaheuristic,
    )
    if workers > 1:
        plan = _solve_side_by_side(search, workers)
    else:
        plan = search(gls_lambda=gls_lambda, tsp_opt=False, progress=progress)
    # A start the model cannot read (feasible only to a fraction of a second, say) left
    # the search to construction, which can end worse than that start: keep the start.
    given = [start for start in starts if start.problem is problem]
    plan = min([plan, *given], key=lambda q: (-len(set(q.served_nodes())), q.total_cost))
    return replace(plan, solver="ortools", runtime_s=time.perf_counter() - started)


def _naive_starts(problem: Problem) -> list[Plan]:
    """Warm starts for ``warm_start="naive"``, to be tried in order (with
    ``"nearest"``, after or before :func:`_nearest_starts`).

    Construction cannot see every rule of a county day (shift, freshness, cold chain)
    and from about 200 stations left most of them out; the naive plan keeps them all,
    where split visits make it valid. It fills shifts to the second, though, and the
    model's times, rounded up, may then overrun: the naive plan of the day on the
    model's whole seconds (:func:`_on_whole_seconds`) always fits it.
    """
    if not problem.split_visits:
        return []
    return [solve_naive(problem), solve_naive(_on_whole_seconds(problem))]


def _nearest_starts(problem: Problem, time_limit: float, max_trips: int) -> list[Plan]:
    """Warm starts for ``warm_start="nearest"``, to be tried in order: the co-routed
    nearest-neighbour plan and, as that plan too can fill a shift or a deadline to the
    second (on the 399-station sample county the model could not read it), the same
    construction on the model's whole seconds."""
    budget = _NEAREST_SHARE * time_limit / 2
    return [
        solve_nearest(p, time_limit=budget, max_trips=max_trips)
        for p in (problem, _on_whole_seconds(problem))
    ]


def _on_whole_seconds(problem: Problem) -> Problem:
    """``problem`` with its times rounded as the model rounds them, against the plan.

    Travel and service round up, windows, deadlines and shifts in: a plan that fits
    this problem fits the model, whose travel plus service, ``ceil(travel + service)``,
    is at most ``ceil(travel) + ceil(service)``.
    """
    p = problem
    close = np.floor(p.close_s)
    return replace(
        p,
        time_s=np.ceil(p.time_s),
        service_s=np.ceil(p.service_s),
        open_s=np.minimum(np.ceil(p.open_s), close),
        close_s=close,
        fresh_s=np.floor(p.fresh_s),
        day_start_s=float(math.ceil(p.day_start_s)),
        day_end_s=float(math.floor(p.day_end_s)),
        vehicle_types=tuple(
            replace(v, max_shift_hours=max(math.floor(v.max_shift_hours * 3600), 1) / 3600)
            for v in p.vehicle_types
        ),
    )


def _solve(
    problem: Problem,
    starts: list[Plan],
    deadline: float,
    *,
    fallback: list[Plan],
    seed: int,
    trips_per_vehicle: int | None,
    first_solution: str,
    metaheuristic: str,
    gls_lambda: float,
    tsp_opt: bool,
    progress: Callable[[str], None] | None,
) -> Plan:
    """One search until ``deadline`` (a ``time.perf_counter`` value), from the first of
    ``starts`` the model can read, else from construction; where construction of one
    trip a vehicle finds no plan serving everyone within :data:`_CONSTRUCTION_SHARE` of
    the time left, from the first of ``fallback`` the model can read."""
    p = problem
    candidates, unserved = set_aside(p)
    if seed:
        rng = np.random.default_rng(seed)
        candidates = rng.permutation(candidates).tolist()
        # The stations' order changes only how ties break: on the 20 tight Dethloff
        # instances seeds 0 and 1 searched alike on 14. A coefficient a little off
        # sends guided local search another way.
        gls_lambda *= 2 ** rng.uniform(-0.25, 0.25)

    warm = [_trips_by_vehicle(start) for start in starts]
    after = [_trips_by_vehicle(start) for start in fallback]
    trips = trips_per_vehicle or day_trips(p)
    trips = max(trips, *(most_trips(start) for start in [*starts, *fallback]), 1)

    def read(
        model: _Model, plans: list[dict[int, list[list[_Visit]]]], required: bool
    ) -> pywrapcp.Assignment | None:
        for start in plans:
            if required and not _serves_all(p, start, candidates):
                continue
            initial = model.routing.ReadAssignmentFromRoutes(model.warm_routes(start), True)
            if initial is not None:
                return initial
        return None

    def new_model(required: bool) -> _Model:
        model = _Model(p, candidates, trips, required=required)
        if progress is not None:
            model.on_solution(progress)
        return model

    def search(required: bool) -> tuple[_Model, pywrapcp.Assignment | None]:
        model = new_model(required)
        params = _search_parameters(
            first_solution, metaheuristic, gls_lambda, required, tsp_opt=tsp_opt
        )
        initial = read(model, warm, required)
        if initial is None and (required or trips > 1):
            # Construction alone first, on half the time left (a tenth where the
            # fallback can take over), so that a day that does not fit leaves the
            # optional model time to find whom to leave out.
            construct = routing_parameters_pb2.RoutingSearchParameters()
            construct.CopyFrom(params)
            construct.solution_limit = 1
            now = time.perf_counter()
            share = _CONSTRUCTION_SHARE if after and trips == 1 else 0.5
            _set_time_limit(construct, now + share * (deadline - now))
            if trips == 1:
                initial = model.routing.SolveWithParameters(construct)
                if initial is None and after:
                    # OR-Tools reads no routes into a model whose search failed.
                    model = new_model(required)
                    initial = read(model, after, required)
            else:
                # Construction heuristics fill any trip, and a van's second trip with
                # its first empty fails only when the whole first solution is checked,
                # so construction failed outright from about 30 stations. It builds
                # without that rule; each van's trips then move up into this model.
                free = _Model(p, candidates, trips, required=required, ordered=False)
                first = free.routing.SolveWithParameters(construct)
                if first is not None:
                    routes = free.routes_filled_first(first)
                    initial = model.routing.ReadAssignmentFromRoutes(routes, True)
            if initial is None and required:
                return model, None
        _set_time_limit(params, deadline)
        if initial is None:
            return model, model.routing.SolveWithParameters(params)
        return model, model.routing.SolveFromAssignmentWithParameters(initial, params) or initial

    # Required stations search far better where everyone fits; optional ones are the
    # fallback that still gives an over-full day a plan.
    solution = None
    if not warm or any(_serves_all(p, start, candidates) for start in warm):
        model, solution = search(required=True)
    if solution is None:
        model, solution = search(required=False)
    if solution is None:
        # Every station is optional, so the empty plan is always a solution.
        params = pywrapcp.DefaultRoutingSearchParameters()
        _set_time_limit(params, deadline)
        empty = model.routing.ReadAssignmentFromRoutes([[] for _ in range(model.n_routes)], True)
        solution = model.routing.SolveFromAssignmentWithParameters(empty, params) or empty

    routes, missing = model.extract(solution)
    for node, (job, half) in missing.items():
        unserved.append(Unserved(node, p.ids[node], left_out_reason(job, half)))
    unserved.sort(key=lambda u: u.node)
    return Plan(
        problem=p,
        solver="ortools",
        routes=tuple(routes),
        unserved=tuple(unserved),
        runtime_s=0.0,  # the caller's clock: it started before the warm starts were made
    )


def _search_parameters(
    first_solution: str,
    metaheuristic: str,
    gls_lambda: float,
    required: bool,
    *,
    tsp_opt: bool = False,
) -> routing_parameters_pb2.RoutingSearchParameters:
    """OR-Tools' defaults with our strategies, less the neighbourhoods that cannot
    move anything in our models yet still take their turn (about 7 % of a Dethloff
    search): relocating by visit type (the model sets no visit types) and, where every
    station is required, inserting stations left out (none are).

    The relocate-expensive-chain operator cuts chains between the
    :data:`_EXPENSIVE_ARCS` dearest arcs of a route (OR-Tools' default 4, so 6 chains a
    route); with 4 it generated 44 % of a Dethloff search's neighbours for 8 % of its
    moves. ``tsp_opt`` adds OR-Tools' exact re-ordering of chains of a route."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(_FIRST, first_solution)
    params.local_search_metaheuristic = getattr(_META, metaheuristic)
    params.guided_local_search_lambda_coefficient = gls_lambda
    params.relocate_expensive_chain_num_arcs_to_consider = _EXPENSIVE_ARCS
    operators = params.local_search_operators
    operators.use_global_cheapest_insertion_visit_types_lns = _OFF
    operators.use_local_cheapest_insertion_visit_types_lns = _OFF
    if required:
        operators.use_relocate_path_global_cheapest_insertion_insert_unperformed = _OFF
    if tsp_opt:
        operators.use_tsp_opt = _ON
    return params


def _set_time_limit(
    params: routing_parameters_pb2.RoutingSearchParameters, deadline: float
) -> None:
    remaining = max(deadline - time.perf_counter(), 0.05)
    params.time_limit.FromMilliseconds(int(remaining * 1000))


def _serves_all(
    problem: Problem, trips: dict[int, list[list[_Visit]]], stations: list[int]
) -> bool:
    """Whether ``trips`` do every job (delivery, collection) of every one of ``stations``."""
    done = {visit for vehicle in trips.values() for trip in vehicle for visit in trip}
    return all(
        (s, "both") in done
        or (
            (problem.down_parcels[s] == 0 or (s, "down") in done)
            and (problem.up_parcels[s] == 0 or (s, "up") in done)
        )
        for s in stations
    )


#: The side-by-side searches: guided local search's coefficient, and whether OR-Tools'
#: exact re-ordering of route chains (TSP-opt) is on. On the tight Dethloff sets 0.1
#: and 0.2 win on different instances; TSP-opt makes the 0.1 search better and the 0.2
#: search worse, and the better of the two better (``docs/benchmarks.md``).
WORKER_SEARCHES = ((0.1, True), (0.2, False), (0.05, False), (0.3, False))


def _solve_side_by_side(search: Callable[..., Plan], workers: int) -> Plan:
    searches = [WORKER_SEARCHES[k % len(WORKER_SEARCHES)] for k in range(workers)]
    # Fork: OR-Tools objects never cross a process boundary (each child builds its own
    # model from the problem it is sent).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        plans = list(pool.map(partial(_one_search, search), searches))
    return min(plans, key=lambda plan: (len(plan.unserved), plan.total_cost))


def _one_search(search: Callable[..., Plan], setting: tuple[float, bool]) -> Plan:
    gls_lambda, tsp_opt = setting
    return search(gls_lambda=gls_lambda, tsp_opt=tsp_opt, progress=None)


_Visit = tuple[int, str]  # (station, job): job is "both", "down" or "up"


def _trips_by_vehicle(plan: Plan) -> dict[int, list[list[_Visit]]]:
    """Each vehicle's trips (visits between depot returns) in a plan."""
    out: dict[int, list[list[_Visit]]] = {}
    for route in plan.routes:
        trips: list[list[_Visit]] = [[]]
        for stop in route.stops:
            if stop.node == 0:
                trips.append([])
            else:
                trips[-1].append((stop.node, stop.job))
        out[route.vehicle] = [t for t in trips if t]
    return out


class _Model:
    """The OR-Tools routing model of one problem (private: OR-Tools types inside)."""

    def __init__(
        self,
        problem: Problem,
        stations: list[int],
        trips: int,
        *,
        required: bool = False,
        ordered: bool = True,
    ) -> None:
        p = self.problem = problem
        self.ordered = ordered  # a van's trips used in order (see _add_trip_order)
        # Model node i visits station nodes[i] for job jobs[i]; model node 0 is the depot.
        self.nodes = [0]
        self.jobs = ["both"]
        for station in stations:
            both = p.down_parcels[station] > 0 and p.up_parcels[station] > 0
            for job in ("down", "up") if both and p.split_visits else ("both",):
                self.nodes.append(station)
                self.jobs.append(job)
        nodes = self.nodes
        self.down = np.array([j != "up" for j in self.jobs]) & (p.down_parcels[nodes] > 0)
        self.up = np.array([j != "down" for j in self.jobs]) & (p.up_parcels[nodes] > 0)
        self.trips = trips
        self.n_routes = p.n_vehicles * trips
        self.model_index: dict[_Visit, int] = {}
        for i, (node, job) in enumerate(zip(nodes, self.jobs, strict=True)):
            for served in ("both", "down", "up") if job == "both" else (job,):
                self.model_index[(node, served)] = i
        self.manager = pywrapcp.RoutingIndexManager(len(nodes), self.n_routes, 0)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.solver = self.routing.solver()
        sub = np.ix_(nodes, nodes)
        self.distance = p.distance_m[sub]
        self.travel = p.time_s[sub]
        self._types = [int(p.vehicle_type[r // trips]) for r in range(self.n_routes)]
        self._add_costs()
        self._add_capacities()
        self.time = self._add_time()
        self._add_trip_order()
        self._add_freshness()
        self._add_cold_chain()
        if not required:
            self._add_disjunctions()

    # -- model ---------------------------------------------------------------------

    def _add_costs(self) -> None:
        p, routing = self.problem, self.routing
        callbacks: dict[int, int] = {}
        for type_index, vehicle in enumerate(p.vehicle_types):
            if vehicle.count == 0:
                continue
            costs = np.rint(self.distance * vehicle.cost_per_km / 1000.0 * COST_SCALE)
            callbacks[type_index] = routing.RegisterTransitMatrix(costs.astype(np.int64).tolist())
        for r, type_index in enumerate(self._types):
            routing.SetArcCostEvaluatorOfVehicle(callbacks[type_index], r)
            if r % self.trips == 0:
                cost = p.vehicle_types[type_index].cost_per_day * COST_SCALE
                routing.SetFixedCostOfVehicle(round(cost), r)

    def _add_capacities(self) -> None:
        p, routing = self.problem, self.routing
        for unit, down, up, capacity_of in (
            ("kg", p.down_kg, p.up_kg, lambda v: v.capacity_kg),
            ("parcels", p.down_parcels, p.up_parcels, lambda v: v.capacity_parcels),
        ):
            capacities = [
                math.floor(capacity_of(p.vehicle_types[t]) * QTY_SCALE + 1e-6) for t in self._types
            ]
            down_q = np.rint(np.asarray(down, float)[self.nodes] * self.down * QTY_SCALE)
            up_q = np.rint(np.asarray(up, float)[self.nodes] * self.up * QTY_SCALE)
            down_q, up_q = down_q.astype(np.int64), up_q.astype(np.int64)
            # A measure no trip can fill needs no dimensions. Each model node adds to what
            # is on board either its delivery (not yet dropped) or its pickup (collected),
            # never both, as one node does one job or both at once: on board there is
            # never more than the sum of each node's larger quantity.
            if np.maximum(down_q, up_q).sum() <= min(capacities):
                continue
            if not (down_q.any() and up_q.any()):
                # Goods move one way only (CVRP, VRPTW, a day without produce): the load
                # peaks at the trip's start (all deliveries) or end (all pickups), which
                # one cumulative dimension bounds exactly, without the second dimension
                # and the tie between them.
                one_way = routing.RegisterUnaryTransitVector((down_q + up_q).tolist())
                routing.AddDimensionWithVehicleCapacity(one_way, 0, capacities, True, unit)
                continue
            delivered = routing.RegisterUnaryTransitVector(down_q.tolist())
            routing.AddDimensionWithVehicleCapacity(
                delivered, 0, capacities, True, f"delivered_{unit}"
            )
            change = routing.RegisterUnaryTransitVector((up_q - down_q).tolist())
            routing.AddDimensionWithVehicleCapacity(change, 0, capacities, False, f"load_{unit}")
            done = routing.GetDimensionOrDie(f"delivered_{unit}")
            load = routing.GetDimensionOrDie(f"load_{unit}")
            for r in range(self.n_routes):
                self.solver.Add(load.CumulVar(routing.Start(r)) == done.CumulVar(routing.End(r)))

    def _needs_time(self) -> bool:
        p = self.problem
        day = p.day_end_s - p.day_start_s
        sub = self.nodes
        return bool(
            any(v.cost_per_hour > 0 or v.max_shift_hours * 3600 < day for v in p.vehicle_types)
            or np.isfinite(p.fresh_s[sub]).any()
            or (p.open_s[sub] > p.day_start_s).any()
            or (p.close_s[sub] < p.day_end_s).any()
            or self.trips > 1
        )

    def _add_time(self) -> pywrapcp.RoutingDimension | None:
        if not self._needs_time():
            return None
        p, routing, manager = self.problem, self.routing, self.manager
        service = p.service_s[self.nodes]
        service[0] = 0.0  # leaving the depot starts the trip; loading happened before
        transit = np.ceil(self.travel + service[:, None] - 1e-9).astype(np.int64)
        # The two jobs of a station back to back are one stop: one service time.
        same = np.asarray(self.nodes)[:, None] == np.asarray(self.nodes)[None, :]
        transit[same] = 0
        callback = routing.RegisterTransitMatrix(transit.tolist())
        start, end = math.ceil(p.day_start_s), math.floor(p.day_end_s)
        routing.AddDimension(callback, end, end, False, "time")
        dim = routing.GetDimensionOrDie("time")
        for i, node in enumerate(self.nodes[1:], start=1):
            dim.CumulVar(manager.NodeToIndex(i)).SetRange(
                math.ceil(p.open_s[node]), math.floor(p.close_s[node])
            )
        for r, type_index in enumerate(self._types):
            vehicle = p.vehicle_types[type_index]
            dim.CumulVar(routing.Start(r)).SetRange(start, end)
            dim.CumulVar(routing.End(r)).SetRange(start, end)
            per_second = vehicle.cost_per_hour * COST_SCALE / 3600.0
            dim.SetSpanCostCoefficientForVehicle(round(per_second), r)
            routing.AddVariableMaximizedByFinalizer(dim.CumulVar(routing.Start(r)))
            routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(r)))
        return dim

    def _add_trip_order(self) -> None:
        routing, dim, p = self.routing, self.time, self.problem
        for k in range(p.n_vehicles):
            first, last = k * self.trips, (k + 1) * self.trips - 1
            for r in range(first, last):
                if self.ordered:  # the day cost sits on the first trip: no skipping it
                    self.solver.Add(routing.ActiveVehicleVar(r + 1) <= routing.ActiveVehicleVar(r))
                if dim is not None:
                    self.solver.Add(
                        dim.CumulVar(routing.Start(r + 1)) >= dim.CumulVar(routing.End(r))
                    )
            if dim is not None:
                shift = math.floor(p.vehicle(k).max_shift_hours * 3600)
                self.solver.Add(
                    dim.CumulVar(routing.End(last)) - dim.CumulVar(routing.Start(first)) <= shift
                )

    def _add_freshness(self) -> None:
        p, routing, dim = self.problem, self.routing, self.time
        if dim is None:
            return
        # Index 0 stands for "not served": the station's vehicle variable is then -1.
        ends = [self.solver.IntVar(0, 0, "unserved")]
        ends += [dim.CumulVar(routing.End(r)) for r in range(self.n_routes)]
        for i, node in enumerate(self.nodes[1:], start=1):
            if not self.up[i] or not np.isfinite(p.fresh_s[node]):
                continue
            index = self.manager.NodeToIndex(i)
            back = self.solver.Element(ends, (routing.VehicleVar(index) + 1).Var())
            self.solver.Add(back - dim.CumulVar(index) <= math.floor(p.fresh_s[node]))

    def _add_cold_chain(self) -> None:
        p = self.problem
        warm = [r for r, t in enumerate(self._types) if not p.vehicle_types[t].cold_chain]
        for i, node in enumerate(self.nodes[1:], start=1):
            if p.cold_chain[node] and self.up[i] and warm:
                # SetAllowedVehiclesForIndex does not take a Python list in OR-Tools 9.15's
                # bindings; narrowing the vehicle variable is equivalent (-1, "unserved",
                # stays allowed). why_unservable has already set aside cold produce with no
                # cold vehicle in the fleet.
                self.routing.VehicleVar(self.manager.NodeToIndex(i)).RemoveValues(warm)

    def _add_disjunctions(self) -> None:
        p = self.problem
        for i, node in enumerate(self.nodes[1:], start=1):
            alone = max(
                v.cost_per_km * (p.distance_m[0, node] + p.distance_m[node, 0]) / 1000.0
                + v.cost_per_hour * (p.time_s[0, node] + p.time_s[node, 0]) / 3600.0
                + v.cost_per_day
                for v in p.vehicle_types
            )
            # Far above serving it alone: a station is left out only when it cannot fit.
            penalty = round((100.0 * alone + 1000.0) * COST_SCALE)
            # Each job on its own: tying the two jobs' active variables together would stop
            # local search from ever inserting a dropped station again (it inserts one
            # node at a time). A station half served is taken out in extract().
            self.routing.AddDisjunction([self.manager.NodeToIndex(i)], penalty)

    # -- search --------------------------------------------------------------------

    def on_solution(self, progress: Callable[[str], None]) -> None:
        routing, report = self.routing, BestReporter(progress)
        routing.AddAtSolutionCallback(lambda: report(routing.CostVar().Value() / COST_SCALE))

    def warm_routes(self, trips: dict[int, list[list[_Visit]]]) -> list[list[int]]:
        """Model routes (node indices per routing vehicle) of a plan's trips."""
        routes: list[list[int]] = [[] for _ in range(self.n_routes)]
        for vehicle, vehicle_trips in trips.items():
            for t, trip in enumerate(vehicle_trips):
                route: list[int] = []
                for visit in trip:
                    if visit[1] == "both" and (visit[0], "down") in self.model_index:
                        wanted = [(visit[0], "down"), (visit[0], "up")]
                    else:
                        wanted = [visit]
                    route += [self.model_index[v] for v in wanted if v in self.model_index]
                routes[vehicle * self.trips + t] = list(dict.fromkeys(route))
        return routes

    def _sequences(self, solution: pywrapcp.Assignment) -> list[tuple[list[int], int]]:
        """Each routing vehicle's visited indices and its end index."""
        routing = self.routing
        sequences = []
        for r in range(self.n_routes):
            index = solution.Value(routing.NextVar(routing.Start(r)))
            visits = []
            while not routing.IsEnd(index):
                visits.append(index)
                index = solution.Value(routing.NextVar(index))
            sequences.append((visits, index))
        return sequences

    def routes_filled_first(self, solution: pywrapcp.Assignment) -> list[list[int]]:
        """Model routes (node indices per routing vehicle) of a solution, each van's
        trips with stations first: valid where trips must be used in order."""
        to_node = self.manager.IndexToNode
        routes = [[to_node(i) for i in visits] for visits, _ in self._sequences(solution)]
        out: list[list[int]] = []
        for k in range(self.problem.n_vehicles):
            filled = [r for r in routes[k * self.trips : (k + 1) * self.trips] if r]
            out += filled + [[] for _ in range(self.trips - len(filled))]
        return out

    def extract(self, solution: pywrapcp.Assignment) -> tuple[list, dict[int, tuple[str, bool]]]:
        """Plan routes of a solution, and the stations left out: the job that found no
        room, and whether the station was half served (its other job then dropped).

        A half-served station's served job is dropped: removing a visit never overloads
        a vehicle, and with travel times obeying the triangle inequality (plus the
        whole second each transit was rounded up by) every later time stays valid.
        """
        p, routing, manager, dim = self.problem, self.routing, self.manager, self.time
        sequences = self._sequences(solution)
        active = {manager.IndexToNode(i) for visits, _ in sequences for i in visits}
        served = {self.nodes[i] for i in active}
        missing: dict[int, tuple[str, bool]] = {}
        for i in range(1, len(self.nodes)):
            if i not in active and self.nodes[i] not in missing:
                missing[self.nodes[i]] = (self.jobs[i], self.nodes[i] in served)
        half = {node for node, (_, partly) in missing.items() if partly}

        def when(index: int) -> float:
            return float(solution.Value(dim.CumulVar(index))) if dim else 0.0

        routes = []
        for k in range(p.n_vehicles):
            nodes: list[int] = []
            jobs: list[str] = []
            arrivals: list[float] = []
            departures: list[float] = []
            start_s: float | None = None
            back = 0.0
            for r in range(k * self.trips, (k + 1) * self.trips):
                visits, end = sequences[r]
                visits = [i for i in visits if self.nodes[manager.IndexToNode(i)] not in half]
                if not visits:
                    continue
                if nodes:  # a later trip: the van came back to the depot in between
                    nodes.append(0)
                    jobs.append("both")
                    arrivals.append(back)
                    departures.append(when(routing.Start(r)))
                else:
                    start_s = when(routing.Start(r))
                for index in visits:
                    i = manager.IndexToNode(index)
                    node, job = self.nodes[i], self.jobs[i]
                    if nodes and nodes[-1] == node and jobs[-1] != "both":
                        # Its other job, back to back: one stop, timed by the later node,
                        # whose time the model checked freshness and the next leg from.
                        jobs[-1] = "both"
                        arrivals[-1] = when(index)
                    else:
                        nodes.append(node)
                        jobs.append(job)
                        arrivals.append(when(index))
                back = when(end)
            if not nodes:
                continue
            routes.append(
                build_route(
                    p,
                    k,
                    nodes,
                    start_s=start_s if dim else None,
                    arrivals_s=arrivals if dim else None,
                    depot_departures_s=departures if dim else None,
                    jobs=jobs,
                )
            )
        return routes, missing
