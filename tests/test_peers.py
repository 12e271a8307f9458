"""The benchmark peers (PyVRP, VROOM, stock OR-Tools) on tiny instances of each kind.

Routes are judged by a checker written here from the instance's definition, not by any
solver's own report, and PyVRP's and VROOM's costs are compared with the optimum found by
brute force.
"""

from __future__ import annotations

import itertools
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from peers import PEERS, PeerFailed, PeerInstance  # noqa: E402

# Solver time limits stay tiny: benchmarks share this 2-core machine.
TIME_LIMIT = {"pyvrp": 0.3, "vroom": 1.0, "ortools-stock": 0.3}
# The package each peer needs: CI installs only the project's own dependencies.
MODULE = {"pyvrp": "pyvrp", "vroom": "vroom", "ortools-stock": "ortools"}


def euclid(points: list[tuple[int, int]]) -> np.ndarray:
    xy = np.asarray(points, float)
    return np.rint(np.linalg.norm(xy[:, None] - xy[None], axis=-1)).astype(np.int64)


def ints(values: list[int]) -> np.ndarray:
    return np.asarray(values, np.int64)


# --- an independent checker -------------------------------------------------------------


def route_problems(inst: PeerInstance, route: list[int]) -> list[str]:
    """Violations of one route, straight from the definitions in ``PeerInstance``."""
    problems: list[str] = []
    position = {node: k for k, node in enumerate(route)}
    for p, d, _ in inst.pairs:
        if (p in position) != (d in position):
            problems.append(f"pair {p}->{d} split across routes")
        elif p in position and position[p] > position[d]:
            problems.append(f"pair {p}->{d} delivered before picked up")

    amount = {p: a for p, _, a in inst.pairs} | {d: -a for _, d, a in inst.pairs}
    load = int(sum(inst.delivery[i] for i in route))
    if load > inst.capacity:
        problems.append(f"leaves the depot with {load} > {inst.capacity}")
    for i in route:
        load += int(inst.pickup[i] - inst.delivery[i]) + amount.get(i, 0)
        if load > inst.capacity:
            problems.append(f"load {load} > {inst.capacity} after node {i}")

    travel = inst.distance if inst.duration is None else inst.duration
    service = np.zeros(inst.n, np.int64) if inst.service is None else inst.service
    windows = inst.tw_early is not None and inst.tw_late is not None
    clock = int(inst.tw_early[0]) if windows else 0
    busy = 0  # travel + service, waiting excluded
    previous = 0
    for i in route:
        clock += int(travel[previous, i])
        busy += int(travel[previous, i]) + int(service[i])
        if windows:
            clock = max(clock, int(inst.tw_early[i]))  # waiting is allowed
            if clock > inst.tw_late[i]:
                problems.append(f"node {i} served at {clock} > {inst.tw_late[i]}")
        clock += int(service[i])
        previous = i
    clock += int(travel[previous, 0])
    busy += int(travel[previous, 0])
    if windows and clock > inst.tw_late[0]:
        problems.append(f"back at {clock} > {inst.tw_late[0]}")
    if inst.max_duration is not None and busy > inst.max_duration:
        problems.append(f"duration {busy} > {inst.max_duration}")
    return problems


def plan_problems(inst: PeerInstance, routes: list[list[int]]) -> list[str]:
    visits = sorted(node for route in routes for node in route)
    problems = [
        f"route {k}: {p}" for k, route in enumerate(routes) for p in route_problems(inst, route)
    ]
    if visits != list(range(1, inst.n)):
        problems.append(f"customers not visited exactly once: {visits}")
    if len(routes) > inst.vehicles:
        problems.append(f"{len(routes)} routes for {inst.vehicles} vehicles")
    if any(not route for route in routes):
        problems.append("empty route returned")
    return problems


def route_cost(inst: PeerInstance, route: list[int]) -> int:
    tour = [0, *route, 0]
    return int(sum(inst.distance[a, b] for a, b in itertools.pairwise(tour)))


def plan_cost(inst: PeerInstance, routes: list[list[int]]) -> int:
    return sum(route_cost(inst, route) for route in routes)


def optimum(inst: PeerInstance) -> int:
    """Least cost over all plans: best order per customer subset, then best partition."""
    customers = list(range(1, inst.n))
    full = (1 << len(customers)) - 1
    best_route = [math.inf] * (full + 1)
    for mask in range(1, full + 1):
        members = [c for k, c in enumerate(customers) if mask >> k & 1]
        for order in itertools.permutations(members):
            if not route_problems(inst, list(order)):
                best_route[mask] = min(best_route[mask], route_cost(inst, list(order)))
    # plans[k][mask]: cheapest way to serve mask with at most k routes.
    plans = [[0.0] + [math.inf] * full]
    for _ in range(inst.vehicles):
        previous, current = plans[-1], list(plans[-1])
        for mask in range(1, full + 1):
            low = mask & -mask
            sub = mask
            while sub:
                if sub & low:
                    current[mask] = min(current[mask], best_route[sub] + previous[mask ^ sub])
                sub = (sub - 1) & mask
        plans.append(current)
    assert plans[-1][full] < math.inf, "test instance has no feasible plan"
    return int(plans[-1][full])


# --- tiny instances ---------------------------------------------------------------------


def cvrp() -> PeerInstance:
    points = [(0, 0), (30, 10), (40, -20), (-20, 35), (-35, -10), (10, -40), (25, 30)]
    n = len(points)
    return PeerInstance(
        name="cvrp",
        distance=euclid(points),
        duration=None,
        delivery=ints([0, 4, 3, 5, 2, 6, 3]),
        pickup=np.zeros(n, np.int64),
        capacity=10,
        vehicles=4,
    )


def vrpspd() -> PeerInstance:
    """A full van out and a full van back, with the two collections nearest the depot.

    The cheapest tour, in either direction, collects first and overflows at its first
    stop although it leaves and returns within capacity: only a check at every point of
    the route catches that. Nodes 1, 2 deliver 5; nodes 3, 4 collect 5.
    """
    points = [(0, 0), (-20, 60), (20, 60), (-10, 10), (10, 10)]
    return PeerInstance(
        name="vrpspd-peak",
        distance=euclid(points),
        duration=None,
        delivery=ints([0, 5, 5, 0, 0]),
        pickup=ints([0, 0, 0, 5, 5]),
        capacity=10,
        vehicles=2,
    )


def vrptw() -> PeerInstance:
    """Customers along a road; the far one closes early, the near one opens late.

    Travel takes half the distance, so solvers must use ``duration`` for time and
    ``distance`` for cost.
    """
    points = [(0, 0), (10, 0), (20, 5), (30, 0), (40, 5), (20, -10)]
    distance = euclid(points)
    return PeerInstance(
        name="vrptw",
        distance=distance,
        duration=distance // 2,
        delivery=ints([0, 1, 1, 1, 1, 1]),
        pickup=np.zeros(6, np.int64),
        capacity=10,
        vehicles=3,
        service=ints([0, 5, 5, 5, 5, 5]),
        tw_early=ints([0, 60, 0, 0, 0, 0]),
        tw_late=ints([200, 90, 200, 200, 25, 200]),
    )


def pdptw() -> PeerInstance:
    """Two requests of 5 in a van of 7: they cannot ride together.

    The second request's pickup closes early, so it has to be carried first.
    """
    points = [(0, 0), (10, 10), (30, 10), (12, 14), (32, 14)]
    distance = euclid(points)
    return PeerInstance(
        name="pdptw",
        distance=distance,
        duration=distance,
        delivery=np.zeros(5, np.int64),
        pickup=np.zeros(5, np.int64),
        capacity=7,
        vehicles=2,
        service=ints([0, 3, 3, 3, 3]),
        tw_early=ints([0, 0, 0, 0, 0]),
        tw_late=ints([300, 300, 300, 25, 300]),
        pairs=((1, 2, 5), (3, 4, 5)),
    )


def max_duration() -> PeerInstance:
    """Service-heavy stops whose travel alone fits one route, travel plus service not."""
    points = [(0, 0), (20, 0), (20, 20), (0, 20), (-20, 10), (-10, -15)]
    n = len(points)
    return PeerInstance(
        name="max-duration",
        distance=euclid(points),
        duration=None,
        delivery=ints([0, 1, 1, 1, 1, 1]),
        pickup=np.zeros(n, np.int64),
        capacity=10,
        vehicles=3,
        service=ints([0, 15, 15, 15, 15, 15]),
        max_duration=140,
    )


INSTANCES = {f.__name__: f for f in (cvrp, vrpspd, vrptw, pdptw, max_duration)}


def relaxed(inst: PeerInstance) -> PeerInstance:
    """The instance without the constraint it is meant to exercise."""
    if inst.name in ("vrpspd-peak", "pdptw"):
        return replace(inst, capacity=100)
    if inst.name == "vrptw":
        return replace(inst, tw_early=None, tw_late=None)
    assert inst.name == "max-duration"
    return replace(inst, max_duration=None)


# --- the checker and the instances themselves ---------------------------------------------


def test_checker_catches_a_mid_route_overload_that_start_and_end_loads_hide() -> None:
    inst = vrpspd()
    cheapest = [3, 1, 2, 4]  # leaves with 10, collects 5 first, returns with 10
    assert route_problems(inst, cheapest) == ["load 15 > 10 after node 3"]
    assert route_problems(inst, [1, 2, 4, 3]) == []


def test_checker_catches_windows_pairs_and_duration() -> None:
    assert any("served at" in p for p in route_problems(vrptw(), [1, 2, 3, 4, 5]))
    assert any("before picked up" in p for p in route_problems(pdptw(), [2, 1]))
    assert any("split" in p for p in route_problems(pdptw(), [1]))
    assert any("load 10" in p for p in route_problems(pdptw(), [1, 3, 2, 4]))
    assert any("duration" in p for p in route_problems(max_duration(), [1, 2, 3, 4, 5]))


@pytest.mark.parametrize("kind", [k for k in INSTANCES if k != "cvrp"])
def test_each_instance_constraint_changes_the_optimum(kind: str) -> None:
    # Otherwise a solver ignoring the constraint would pass the optimality tests.
    inst = INSTANCES[kind]()
    assert optimum(relaxed(inst)) < optimum(inst)


# --- the peers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def optima() -> dict[str, int]:
    return {kind: optimum(make()) for kind, make in INSTANCES.items()}


@pytest.mark.parametrize("kind", list(INSTANCES))
@pytest.mark.parametrize("peer", list(PEERS))
def test_peer_routes_are_valid_and_pyvrp_vroom_are_optimal(
    peer: str, kind: str, optima: dict[str, int]
) -> None:
    pytest.importorskip(MODULE[peer])
    inst = INSTANCES[kind]()
    if peer == "ortools-stock" and kind == "vrpspd":
        with pytest.raises(PeerFailed, match="no stock OR-Tools model"):
            PEERS[peer](inst, TIME_LIMIT[peer], 1)
        return
    routes = PEERS[peer](inst, TIME_LIMIT[peer], 1)
    assert plan_problems(inst, routes) == []
    cost = plan_cost(inst, routes)
    assert cost >= optima[kind]
    if peer != "ortools-stock":
        assert cost == optima[kind]


# PyVRP warns that its penalties hit their bound: expected, the instance is infeasible.
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("peer", list(PEERS))
def test_peer_without_enough_vehicles_raises_peer_failed(peer: str) -> None:
    pytest.importorskip(MODULE[peer])
    inst = replace(cvrp(), vehicles=1)  # 23 units of demand, vans of 10
    with pytest.raises(PeerFailed):
        PEERS[peer](inst, TIME_LIMIT[peer], 1)


def test_ortools_stock_serves_pickup_only_as_a_cvrp() -> None:
    pytest.importorskip("ortools")
    base = cvrp()
    inst = replace(base, delivery=base.pickup, pickup=base.delivery)
    routes = PEERS["ortools-stock"](inst, 0.3, 1)
    assert plan_problems(inst, routes) == []


def test_peer_instance_rejects_inconsistent_arrays() -> None:
    base = cvrp()
    with pytest.raises(ValueError, match="delivery shape"):
        replace(base, delivery=base.delivery[:-1])
    with pytest.raises(ValueError, match="both tw_early and tw_late"):
        replace(base, tw_early=np.zeros(base.n, np.int64))
    with pytest.raises(ValueError, match="pair nodes"):
        replace(base, pairs=((1, 1, 3),))


def test_registry_names() -> None:
    assert set(PEERS) == {"pyvrp", "vroom", "ortools-stock"}
