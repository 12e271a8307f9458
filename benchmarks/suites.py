"""Benchmark suites: which instance files, and each instance as a :class:`Case`.

A case carries the instance twice: as a :class:`~villageroute.problem.Problem` for our
solvers (``None`` where the problem does not fit it, as Li & Lim's paired requests) and
as a :class:`~peers.PeerInstance` of integers for the peers. Whoever solves it, routes
come back as customer numbers ``1..n`` in instance order and are checked and costed the
same way: through the validator on the problem, or the set's own checker.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peers import PeerInstance
from villageroute.instances import cvrp, lilim, solomon, vrpspd
from villageroute.plans import Plan, build_route
from villageroute.problem import Problem
from villageroute.validation import validate_plan

#: Twelve CVRPLIB X instances with n <= 300, evenly spaced through the 43 of that size
#: (every 3.8th by size), so the subset spans small/large routes and depot positions.
X_SUBSET = (
    "X-n101-k25",
    "X-n120-k6",
    "X-n139-k10",
    "X-n153-k22",
    "X-n172-k51",
    "X-n190-k8",
    "X-n209-k16",
    "X-n228-k23",
    "X-n247-k50",
    "X-n261-k13",
    "X-n280-k17",
    "X-n298-k31",
)

Routes = list[list[int]]


@dataclass(frozen=True)
class Case:
    """One benchmark instance, ready for any solver.

    Attributes
    ----------
    suite, name, n
        Suite, instance name and number of customers.
    bks
        Best-known cost under the set's rounding rule.
    problem
        The instance for our solvers, or ``None`` where it does not fit the model.
    peer
        The same instance as integers for the peers.
    check
        For cases without a problem: routes -> (cost, list of violations).
    """

    suite: str
    name: str
    n: int
    bks: float
    problem: Problem | None
    peer: PeerInstance
    check: Callable[[Routes], tuple[float, list[str]]] | None = None

    def evaluate(self, routes: Routes) -> tuple[float, list[str]]:
        """Cost and violations of routes (customers ``1..n``) under the set's rules."""
        if self.problem is None:
            assert self.check is not None
            return self.check(routes)
        plan = plan_of(self.problem, routes)
        return plan.total_cost, [str(v) for v in validate_plan(self.problem, plan)]


def plan_of(problem: Problem, routes: Routes) -> Plan:
    """Routes as a plan of ``problem`` (route k on vehicle k), for the validator."""
    built = tuple(build_route(problem, k, route) for k, route in enumerate(routes) if route)
    return Plan(problem=problem, solver="routes", routes=built, unserved=())


def routes_of(plan: Plan) -> Routes:
    """A plan's routes as customer numbers, trips of one vehicle as separate routes."""
    routes: Routes = []
    for route in plan.routes:
        trip: list[int] = []
        for stop in route.stops:
            if stop.node == 0:
                routes.append(trip)
                trip = []
            else:
                trip.append(stop.node)
        routes.append(trip)
    return [r for r in routes if r]


# --------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------


def _vrpspd_files(folder: str, pattern: str) -> Callable[[], list[Path]]:
    return lambda: sorted((vrpspd.vrpspd_dir() / folder).glob(pattern))


SUITES: dict[str, Callable[[], list[Path]]] = {
    "dethloff": _vrpspd_files("dethloff", "*.vrpspd"),
    "montane-galvao": _vrpspd_files("montane_galvao", "*.vrpspd"),
    "salhi-nagy": _vrpspd_files("salhi_nagy", "CMT*X.vrpmpd"),
    "cvrp-x": lambda: sorted(
        (cvrp.cvrp_dir() / "uchoa_x").glob("X-n*.vrp"),
        key=lambda p: int(p.stem.split("-")[1][1:]),
    ),
    "cvrp-x12": lambda: [cvrp.cvrp_dir() / "uchoa_x" / f"{name}.vrp" for name in X_SUBSET],
    "solomon": lambda: sorted(solomon.solomon_dir().glob("[CR]*.txt")),
    "li-lim": lambda: sorted(lilim.lilim_dir().glob("instances/*.txt")),
}


def load_case(suite: str, path: Path) -> Case:
    """Read one instance file of ``suite`` (raises ``InputError`` on a damaged file)."""
    if suite in ("dethloff", "montane-galvao", "salhi-nagy"):
        return _vrpspd_case(suite, path)
    if suite.startswith("cvrp-x"):
        return _cvrp_case(suite, path)
    if suite == "solomon":
        return _solomon_case(path)
    if suite == "li-lim":
        return _lilim_case(path)
    raise ValueError(f"unknown suite {suite!r}")


def _ints(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=float) * scale).astype(np.int64)


def _vrpspd_case(suite: str, path: Path) -> Case:
    instance = vrpspd.read_vrpspd(path)
    vehicles = min(vrpspd_fleet(suite, instance), instance.n_customers)
    s, q = instance.scale, instance.demand_scale
    limit = instance.max_route_length
    peer = PeerInstance(
        name=instance.name,
        distance=_ints(instance.distance, s),
        duration=None,
        delivery=_ints(instance.delivery, q),
        pickup=_ints(instance.pickup, q),
        capacity=round(instance.capacity * q),
        vehicles=vehicles,
        service=_ints(instance.service, s) if instance.service.any() else None,
        max_duration=None if limit is None else math.floor(limit * s + 1e-6),
    )
    return Case(
        suite=suite,
        name=instance.name,
        n=instance.n_customers,
        bks=vrpspd.load_bks()[instance.name],
        problem=instance.to_problem(vehicles=vehicles),
        peer=peer,
    )


def vrpspd_fleet(suite: str, instance: vrpspd.VrpspdInstance) -> int:
    """Vehicles offered on a VRPSPD instance: from lower bounds on the number of routes.

    The literature's fleet is unlimited, but idle vehicles only multiply OR-Tools'
    moves: on the tight Dethloff sets, the capacity bound + 1 gave 0.9 points less gap
    than bound + 2 or 3 at 10 s, and no best-known solution there uses more. The other
    sets get twice the bound + 2, where the bound also counts the route-length limit
    (service plus each customer's shortest way out, over the limit): bound + 1 left
    CMT10X's customers out by the dozen.
    """
    load = max(instance.delivery.sum(), instance.pickup.sum())
    bound = math.ceil(load / instance.capacity)
    if suite == "dethloff":
        return bound + 1
    if instance.max_route_length is not None:
        away = instance.distance + np.diag(np.full(instance.dimension, np.inf))
        work = instance.service[1:].sum() + away[1:].min(axis=1).sum()
        bound = max(bound, math.ceil(work / instance.max_route_length))
    return 2 * bound + 2


def _cvrp_case(suite: str, path: Path) -> Case:
    instance = cvrp.read_cvrp(path)
    bound = math.ceil(instance.delivery.sum() / instance.capacity)
    # X names give the fewest routes k; best-known solutions use up to k + 2 (X-n172-k51)
    # and bound + 4 (X-n247-k50: bound 47).
    vehicles = max(bound + 4, (instance.min_vehicles or 0) + 2)
    peer = PeerInstance(
        name=instance.name,
        distance=_ints(instance.distance),
        duration=None,
        delivery=_ints(instance.delivery),
        pickup=np.zeros(instance.dimension, dtype=np.int64),
        capacity=int(instance.capacity),
        vehicles=vehicles,
    )
    return Case(
        suite=suite,
        name=instance.name,
        n=instance.dimension - 1,
        bks=cvrp.load_bks_x()[instance.name].cost,
        problem=instance.to_problem(vehicles=vehicles),
        peer=peer,
    )


def _solomon_case(path: Path) -> Case:
    instance = solomon.read_solomon(path)
    # Distances are truncated to one decimal: x10 they are exact integers.
    peer = PeerInstance(
        name=instance.name,
        distance=_ints(instance.distance, 10),
        duration=_ints(instance.distance, 10),
        delivery=_ints(instance.demand),
        pickup=np.zeros(len(instance.demand), dtype=np.int64),
        capacity=int(instance.capacity),
        vehicles=instance.vehicles,
        service=_ints(instance.service, 10),
        tw_early=_ints(instance.ready, 10),
        tw_late=_ints(instance.due, 10),
    )
    return Case(
        suite="solomon",
        name=instance.name,
        n=len(instance.demand) - 1,
        bks=solomon.load_bks_solomon()[instance.name].cost,
        problem=instance.to_problem(),
        peer=peer,
    )


def _lilim_case(path: Path) -> Case:
    instance = lilim.read_lilim(path)
    scale = 1000.0
    exact = instance.distance * scale
    demand = np.asarray(instance.demand)
    peer = PeerInstance(
        name=instance.name,
        distance=np.rint(exact).astype(np.int64),
        # Rounded up: a schedule that fits with longer legs fits with the true ones.
        duration=np.ceil(exact - 1e-9).astype(np.int64),
        delivery=np.zeros(len(demand), dtype=np.int64),
        pickup=np.zeros(len(demand), dtype=np.int64),
        capacity=int(instance.capacity),
        vehicles=instance.vehicles,
        service=_ints(instance.service, scale),
        tw_early=np.ceil(np.asarray(instance.ready) * scale - 1e-9).astype(np.int64),
        tw_late=np.floor(np.asarray(instance.due) * scale + 1e-9).astype(np.int64),
        pairs=tuple((int(p), int(d), int(demand[p])) for p, d in instance.pairs),
    )

    def check(routes: Routes) -> tuple[float, list[str]]:
        return lilim.route_cost(instance, routes), lilim.check_solution(instance, routes)

    return Case(
        suite="li-lim",
        name=instance.name,
        n=len(demand) - 1,
        bks=lilim.load_bks_lilim()[instance.name].cost,
        problem=None,
        peer=peer,
        check=check,
    )
