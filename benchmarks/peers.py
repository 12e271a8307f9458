"""Other people's solvers ("peers") for the benchmark runner to compare ours against.

Each peer gets the same instance as plain integer arrays (:class:`PeerInstance`), runs on
one core, and returns routes as lists of node indices (depot 0 excluded, empty routes
dropped). The runner validates and costs the routes itself, so a peer only has to model
the instance faithfully and report honestly: a peer that cannot serve every customer
raises :class:`PeerFailed` rather than returning a partial plan, and one that cannot
model the instance at all raises :class:`PeerUnsupported` before solving.

Problem kinds and how each peer maps them:

============  ====================  =======================  ==========================
kind          ``pyvrp``             ``vroom``                ``ortools-stock``
============  ====================  =======================  ==========================
CVRP          client ``delivery``   job ``delivery``         capacity dimension
VRPSPD        ``delivery`` +        job ``delivery`` +       not supported (no stock
              ``pickup``            ``pickup``               model): ``PeerUnsupported``
VRPTW         client windows,       job windows, vehicle     time dimension with
              vehicle window        window                   waiting as slack
PDPTW         ``add_shipment``      ``Shipment``             ``AddPickupAndDelivery``
max_duration  ``shift_duration``    ``max_travel_time`` with zero-slack duration
              (counts waiting)      service folded in        dimension
============  ====================  =======================  ==========================

``max_duration`` means travel plus service, waiting excluded. PyVRP's shift duration also
counts waiting, so on an instance with both time windows and a duration limit PyVRP is
held to a slightly stricter limit; on the literature's duration-limited sets (VRPSPD with
a DISTANCE limit, no windows) nobody waits and the two agree. VROOM and OR-Tools model the
definition exactly.

The solver packages are imported inside each peer so that the runner, and its other
solvers, work on a machine that lacks some of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

__all__ = [
    "PEERS",
    "PeerFailed",
    "PeerInstance",
    "PeerUnsupported",
    "solve_ortools_stock",
    "solve_pyvrp_direct",
    "solve_vroom",
]

# VROOM reads matrices and windows as unsigned 32-bit integers and would wrap larger ones.
_VROOM_MAX = 2**32 - 1


class PeerFailed(Exception):
    """A peer solver ran but produced no complete, feasible plan."""


class PeerUnsupported(PeerFailed):
    """A peer solver cannot model the instance, so it was not run."""


@dataclass(frozen=True)
class PeerInstance:
    """One benchmark instance as plain integer arrays, node 0 being the depot.

    Attributes
    ----------
    name
        Instance name, for messages.
    distance
        ``(N, N)`` int64 arc costs, already scaled to integers by the runner.
    duration
        ``(N, N)`` int64 travel times without service; ``None`` means equal to
        ``distance``.
    delivery
        ``(N,)`` amount brought from the depot to each node (0 for the depot).
    pickup
        ``(N,)`` amount collected at each node and brought back to the depot.
    capacity
        Vehicle capacity (one homogeneous fleet).
    vehicles
        Number of vehicles available.
    service
        ``(N,)`` service durations, or ``None`` for none. The depot entry is ignored.
    tw_early, tw_late
        ``(N,)`` windows on the start of service; the depot entries are the shift start
        and the latest return. ``None`` for no windows (both or neither).
    max_duration
        Limit on a route's travel plus service time (waiting excluded), or ``None``.
    pairs
        PDPTW requests ``(pickup node, delivery node, amount)``; when given, ``delivery``
        and ``pickup`` are all zero and those nodes appear only in pairs.
    """

    name: str
    distance: np.ndarray
    duration: np.ndarray | None
    delivery: np.ndarray
    pickup: np.ndarray
    capacity: int
    vehicles: int
    service: np.ndarray | None = None
    tw_early: np.ndarray | None = None
    tw_late: np.ndarray | None = None
    max_duration: int | None = None
    pairs: tuple[tuple[int, int, int], ...] = ()

    def __post_init__(self) -> None:
        # Catch a runner-side mapping slip here, with the instance's name, rather than as
        # an opaque error or a silently wrong model inside a solver's bindings.
        n = self.distance.shape[0]
        if self.distance.shape != (n, n):
            raise ValueError(f"{self.name}: distance must be square, got {self.distance.shape}")
        if self.duration is not None and self.duration.shape != (n, n):
            raise ValueError(f"{self.name}: duration shape {self.duration.shape} != {(n, n)}")
        for field in ("delivery", "pickup", "service", "tw_early", "tw_late"):
            values = getattr(self, field)
            if values is not None and values.shape != (n,):
                raise ValueError(f"{self.name}: {field} shape {values.shape} != {(n,)}")
        if (self.tw_early is None) != (self.tw_late is None):
            raise ValueError(f"{self.name}: give both tw_early and tw_late, or neither")
        paired = [node for p, d, _ in self.pairs for node in (p, d)]
        if len(set(paired)) != len(paired) or not all(0 < node < n for node in paired):
            raise ValueError(f"{self.name}: pair nodes must be distinct customers")

    @property
    def n(self) -> int:
        """Number of nodes, depot included."""
        return int(self.distance.shape[0])

    def travel(self) -> np.ndarray:
        """Travel-time matrix, falling back to ``distance``."""
        return self.distance if self.duration is None else self.duration

    def service_times(self) -> np.ndarray:
        """Service durations with the depot's set to zero (none means all zero)."""
        service = np.zeros(self.n, np.int64) if self.service is None else self.service.copy()
        service[0] = 0
        return service

    def singles(self) -> list[int]:
        """Customers that are not part of a pickup-delivery pair."""
        paired = {node for p, d, _ in self.pairs for node in (p, d)}
        return [i for i in range(1, self.n) if i not in paired]


def solve_pyvrp_direct(instance: PeerInstance, time_limit: float, seed: int) -> list[list[int]]:
    """Solve with PyVRP 0.14 through its ``Model`` interface and default parameters.

    Depot, clients (``delivery``/``pickup`` lists, service duration, window) and one
    vehicle type (``num_available``, capacity, the depot window as shift window,
    ``max_duration`` as ``shift_duration``) go through ``Model``; pairs go through
    ``Model.add_shipment``, whose pickup and delivery steps carry their own windows and
    service. The matrices are then set in one call with ``ProblemData.replace`` rather
    than by ``add_edge`` per arc: that builds the same ``ProblemData`` but ``add_edge``
    costs about 3 s of pure Python on a 1001-node X instance, time that would otherwise
    count against PyVRP. Distance is the objective (``unit_distance_cost=1``,
    ``unit_duration_cost=0``, the defaults); duration only feeds windows and the shift
    limit. Shift duration counts waiting, see the module notes.

    Parameters
    ----------
    instance
        The instance.
    time_limit
        Search time in seconds (``MaxRuntime``); model building is not counted by PyVRP.
    seed
        PyVRP's random seed.

    Returns
    -------
    list[list[int]]
        Routes as node indices, depot excluded.

    Raises
    ------
    PeerFailed
        When the best solution found is infeasible or leaves a customer or pair unserved.
    """
    from pyvrp import Model
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxRuntime

    service = instance.service_times()
    windows = instance.tw_early is not None and instance.tw_late is not None
    model = Model()
    # Zero coordinates: PyVRP only uses them for plotting and for its neighbourhood
    # granularity, which it computes from the matrices, not from coordinates.
    locations = [model.add_location(0, 0, name=str(i)) for i in range(instance.n)]
    model.add_depot(locations[0])

    client_node: list[int] = []
    for i in instance.singles():
        window = (
            {"tw_early": int(instance.tw_early[i]), "tw_late": int(instance.tw_late[i])}
            if windows
            else {}
        )
        model.add_client(
            locations[i],
            delivery=[int(instance.delivery[i])],
            pickup=[int(instance.pickup[i])],
            service_duration=int(service[i]),
            **window,
        )
        client_node.append(i)

    for p, d, amount in instance.pairs:
        steps: dict[str, int] = {
            "pickup_service_duration": int(service[p]),
            "delivery_service_duration": int(service[d]),
        }
        if windows:
            steps |= {
                "pickup_tw_early": int(instance.tw_early[p]),
                "pickup_tw_late": int(instance.tw_late[p]),
                "delivery_tw_early": int(instance.tw_early[d]),
                "delivery_tw_late": int(instance.tw_late[d]),
            }
        model.add_shipment(locations[p], locations[d], amount=[int(amount)], **steps)

    vehicle: dict[str, int] = {}
    if windows:
        vehicle |= {"tw_early": int(instance.tw_early[0]), "tw_late": int(instance.tw_late[0])}
    if instance.max_duration is not None:
        vehicle["shift_duration"] = int(instance.max_duration)
    model.add_vehicle_type(instance.vehicles, capacity=[int(instance.capacity)], **vehicle)

    data = model.data().replace(
        distance_matrices=[np.ascontiguousarray(instance.distance, dtype=np.int64)],
        duration_matrices=[np.ascontiguousarray(instance.travel(), dtype=np.int64)],
    )
    result = pyvrp_solve(
        data, stop=MaxRuntime(time_limit), seed=seed, collect_stats=False, display=False
    )
    best = result.best
    if not (best.is_feasible() and best.is_complete()):
        raise PeerFailed(
            f"pyvrp: {instance.name}: best solution infeasible "
            f"(excess load {best.excess_load()}, time warp {best.time_warp()}, "
            f"missing clients {best.num_missing_clients()}, "
            f"missing shipments {best.num_missing_shipments()})"
        )

    routes: list[list[int]] = []
    for route in best.routes():
        nodes: list[int] = []
        for activity in route:
            if activity.is_client():
                nodes.append(client_node[activity.idx])
            elif activity.is_pickup():
                nodes.append(instance.pairs[activity.idx][0])
            elif activity.is_delivery():
                nodes.append(instance.pairs[activity.idx][1])
        if nodes:
            routes.append(nodes)
    return routes


def solve_vroom(instance: PeerInstance, time_limit: float, seed: int) -> list[list[int]]:
    """Solve with VROOM through pyvroom: one thread, exploration level 5 (VROOM's default).

    Costs come from a custom cost matrix (``distance``), times from the duration matrix.
    Every vehicle starts and ends at node 0 with the depot window as its time window.
    Singles are ``Job`` s with ``delivery`` and ``pickup`` amounts, which is VROOM's own
    simultaneous pickup-and-delivery semantics (deliveries loaded at the depot, pickups
    carried back); pairs are ``Shipment`` s.

    VROOM's ``max_travel_time`` counts travel only, not service (checked on pyvroom
    1.15.2). To limit travel plus service, service is folded into the durations:
    ``duration[i, j] = travel[i, j] + service[i]`` with zero service on the jobs. That is
    exact: the vehicle leaves ``i`` and reaches ``j`` at the same moments as before, so
    windows on the start of service and the vehicle's return still mean what they did,
    while waiting stays out of the limit as the definition wants. Without a duration
    limit the service stays on the jobs, the model VROOM's users write.

    Parameters
    ----------
    instance
        The instance.
    time_limit
        Passed as VROOM's ``timeout``. Small instances finish well before it; at 150
        customers on one thread VROOM ran into it and overshot by about 0.5 s.
    seed
        Ignored: VROOM has no seed. Its search is deterministic until the timeout cuts
        it short, after which the result depends on how far it got.

    Returns
    -------
    list[list[int]]
        Routes as node indices, depot excluded.

    Raises
    ------
    PeerFailed
        When a job is left unassigned.
    PeerUnsupported
        When a value does not fit VROOM's 32-bit inputs.
    """
    del seed
    import vroom

    service = instance.service_times()
    durations = np.asarray(instance.travel(), dtype=np.int64)
    fold = instance.max_duration is not None and bool(service.any())
    if fold:
        durations = durations + service[:, None]
        np.fill_diagonal(durations, 0)
        service = np.zeros_like(service)
    windows = instance.tw_early is not None and instance.tw_late is not None
    for label, values in (
        ("distance", instance.distance),
        ("duration", durations),
        ("time window", instance.tw_late if windows else None),
    ):
        if values is not None and (values.min() < 0 or values.max() > _VROOM_MAX):
            raise PeerUnsupported(f"vroom: {instance.name}: {label} outside VROOM's 0..2^32-1")

    def window(i: int) -> list[vroom.TimeWindow]:
        if not windows:
            return []
        return [vroom.TimeWindow(int(instance.tw_early[i]), int(instance.tw_late[i]))]

    problem = vroom.Input()
    problem.set_durations_matrix("car", durations)
    problem.set_costs_matrix("car", np.asarray(instance.distance, dtype=np.int64))
    depot_window = window(0)
    problem.add_vehicle(
        [
            vroom.Vehicle(
                k,
                start=0,
                end=0,
                profile="car",
                capacity=vroom.Amount([int(instance.capacity)]),
                time_window=depot_window[0] if depot_window else None,
                max_travel_time=instance.max_duration,
            )
            for k in range(instance.vehicles)
        ]
    )
    for i in instance.singles():
        problem.add_job(
            vroom.Job(
                i,
                location=i,
                default_service=int(service[i]),
                delivery=vroom.Amount([int(instance.delivery[i])]),
                pickup=vroom.Amount([int(instance.pickup[i])]),
                time_windows=window(i),
            )
        )
    for p, d, amount in instance.pairs:
        problem.add_job(
            vroom.Shipment(
                vroom.ShipmentStep(
                    p, location=p, default_service=int(service[p]), time_windows=window(p)
                ),
                vroom.ShipmentStep(
                    d, location=d, default_service=int(service[d]), time_windows=window(d)
                ),
                amount=vroom.Amount([int(amount)]),
            )
        )

    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit)
    )
    if solution.summary.unassigned:
        raise PeerFailed(f"vroom: {instance.name}: {solution.summary.unassigned} job(s) unassigned")

    frame = solution.routes
    tasks = frame[frame["type"].isin(["job", "pickup", "delivery"])]
    routes = [
        [int(node) for node in group["location_index"]]
        for _, group in tasks.groupby("vehicle_id", sort=True, observed=True)
    ]
    return [route for route in routes if route]


def solve_ortools_stock(instance: PeerInstance, time_limit: float, seed: int) -> list[list[int]]:
    """Solve with OR-Tools routing as its documentation's examples model each kind.

    The model and parameters are those of the OR-Tools guide's CVRP, VRPTW and
    pickup-and-delivery examples: arc cost = ``distance`` for all vehicles; one
    capacity dimension (``AddDimensionWithVehicleCapacity``, cumul starting at zero) on
    the delivery amounts, or on the pair amounts (+ at the pickup, - at the delivery);
    with windows a ``"Time"`` dimension whose transit is service at the origin plus
    travel, waiting as slack, each node's cumul (its start of service) in its window and
    each vehicle's start and end in the depot's, minimised by the finaliser as in the
    VRPTW example; for pairs ``AddPickupAndDelivery`` plus same-vehicle and
    pickup-before-delivery constraints on the time (else a distance) dimension's cumul.
    The search is the examples' ``PATH_CHEAPEST_ARC`` first solution then
    ``GUIDED_LOCAL_SEARCH`` until the time limit, in one thread. Two departures, neither
    changing the model: matrices and demands are registered with
    ``RegisterTransitMatrix``/``RegisterUnaryTransitVector`` instead of Python callbacks,
    which would cost OR-Tools Python calls per arc evaluation; the pickup-and-delivery
    example's global span cost is left out because it would change the objective.
    ``max_duration`` is a zero-slack dimension on travel plus service, capped at the
    limit, like the guide's maximum-distance dimension.

    Parameters
    ----------
    instance
        The instance.
    time_limit
        Search time in seconds; guided local search runs until it.
    seed
        Ignored: OR-Tools' routing search has no seed and is deterministic.

    Returns
    -------
    list[list[int]]
        Routes as node indices, depot excluded.

    Raises
    ------
    PeerFailed
        When no solution is found.
    PeerUnsupported
        For simultaneous pickup and delivery (both deliveries and pickups in the
        instance), which no stock example models.
    """
    del seed
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if instance.pickup.any() and instance.delivery.any():
        raise PeerUnsupported("no stock OR-Tools model for simultaneous pickup and delivery")

    n, fleet = instance.n, instance.vehicles
    manager = pywrapcp.RoutingIndexManager(n, fleet, 0)
    routing = pywrapcp.RoutingModel(manager)

    def node_matrix(matrix: np.ndarray) -> list[list[int]]:
        return np.asarray(matrix, dtype=np.int64).tolist()

    cost = routing.RegisterTransitMatrix(node_matrix(instance.distance))
    routing.SetArcCostEvaluatorOfAllVehicles(cost)

    demand = np.zeros(n, np.int64)
    # A pickup-only instance loads up from an empty vehicle exactly as a delivery-only
    # one does from a full one, so the same stock dimension serves both.
    demand += instance.delivery if instance.delivery.any() else instance.pickup
    for p, d, amount in instance.pairs:
        demand[p] += amount
        demand[d] -= amount
    if demand.any():
        load = routing.RegisterUnaryTransitVector(demand.tolist())
        routing.AddDimensionWithVehicleCapacity(
            load, 0, [int(instance.capacity)] * fleet, True, "Capacity"
        )

    service = instance.service_times()
    busy = np.asarray(instance.travel(), dtype=np.int64) + service[:, None]
    np.fill_diagonal(busy, 0)
    busy_transit = routing.RegisterTransitMatrix(node_matrix(busy))

    windows = instance.tw_early is not None and instance.tw_late is not None
    time_dimension = None
    if windows:
        horizon = int(instance.tw_late[0])
        routing.AddDimension(busy_transit, horizon, horizon, False, "Time")
        time_dimension = routing.GetDimensionOrDie("Time")
        for i in range(1, n):
            time_dimension.CumulVar(manager.NodeToIndex(i)).SetRange(
                int(instance.tw_early[i]), int(instance.tw_late[i])
            )
        for v in range(fleet):
            for index in (routing.Start(v), routing.End(v)):
                time_dimension.CumulVar(index).SetRange(
                    int(instance.tw_early[0]), int(instance.tw_late[0])
                )
                routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(index))

    if instance.max_duration is not None:
        # Separate from "Time" so that waiting (its slack) stays outside the limit.
        routing.AddDimension(busy_transit, 0, int(instance.max_duration), True, "Duration")

    if instance.pairs:
        order_dimension = time_dimension
        if order_dimension is None:
            travel = routing.RegisterTransitMatrix(node_matrix(instance.distance))
            limit = int(np.asarray(instance.distance).sum())
            routing.AddDimension(travel, 0, limit, True, "Distance")
            order_dimension = routing.GetDimensionOrDie("Distance")
        solver = routing.solver()
        for p, d, _ in instance.pairs:
            p_index, d_index = manager.NodeToIndex(p), manager.NodeToIndex(d)
            routing.AddPickupAndDelivery(p_index, d_index)
            solver.Add(routing.VehicleVar(p_index) == routing.VehicleVar(d_index))
            solver.Add(order_dimension.CumulVar(p_index) <= order_dimension.CumulVar(d_index))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(int(time_limit * 1000), 1))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise PeerFailed(f"ortools-stock: {instance.name}: no solution found")

    routes: list[list[int]] = []
    for v in range(fleet):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route: list[int] = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


PEERS: dict[str, Callable[[PeerInstance, float, int], list[list[int]]]] = {
    "pyvrp": solve_pyvrp_direct,
    "vroom": solve_vroom,
    "ortools-stock": solve_ortools_stock,
}
