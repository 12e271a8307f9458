"""CVRP benchmark instances (CVRPLIB / TSPLIB form) and CVRPLIB solution files.

The capacitated VRP is the delivery-only half of this project's problem: each customer
receives a demand from the depot, one vehicle capacity, cost = distance. The CVRPLIB
sets (Uchoa et al. 2017 ``X``; Augerat ``A``/``B``/``P``) are read into
:class:`CvrpInstance` (plain arrays in natural units) and turned into a
:class:`~villageroute.problem.Problem` by :meth:`CvrpInstance.to_problem`, so that a
solver's plan and the published best-known solutions (BKS) are checked by the one
validator.

File conventions
----------------
* Instance files: TSPLIB keywords ``NAME``, ``TYPE : CVRP``, ``DIMENSION`` (nodes, depot
  included), ``CAPACITY``, ``EDGE_WEIGHT_TYPE``; sections ``NODE_COORD_SECTION``,
  ``DEMAND_SECTION`` and ``DEPOT_SECTION`` (node 1, terminated by -1).
* Rounding rule: ``EUC_2D`` edge lengths are TSPLIB's ``nint(euclid)`` =
  ``floor(euclid + 0.5)``; the X and Augerat BKS are sums of these integers, so a
  solution's cost recomputes exactly. ``EXPLICIT`` matrices are taken as they are.
* ``min_vehicles``: the ``k`` of names such as ``X-n101-k25`` (a lower bound on the
  number of routes; a BKS may use more), else ``VEHICLES``, else the Augerat comment's
  ``No of trucks``.
* Solution files (``.sol``): one line ``Route #k: i j ...`` per route, customers
  numbered ``1..n-1`` (file node id minus 1, the depot not listed), then ``Cost X``.
  :func:`read_solution` and :func:`write_solution` handle this form for any CVRPLIB set
  (the Solomon ``.sol`` files use it too).

``vrplib.read_instance`` is not used: it returns unrounded ``EUC_2D`` distances (the BKS
would not recompute), silently accepts a ``DEMAND_SECTION`` with a missing line, and
fails on a non-number with a bare numpy ``TypeError``; the reader here names file and
line. ``vrplib.write_solution`` writes ``cost: X`` rather than CVRPLIB's ``Cost X``. The
tests use ``vrplib`` as an independent check of the parsed coordinates, demands and
routes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from villageroute.errors import InputError
from villageroute.instances._common import (
    TSPLIB_KEYS,
    BestKnown,
    PathArg,
    check_single_depot,
    coord_weights,
    data_dir,
    dimension_and_capacity,
    distance_cost_problem,
    explicit_matrix,
    freeze_arrays,
    frozen,
    load_bks_csv,
    node_rows,
    parse_route_line,
    read_text,
    require,
    routes_length,
    seconds_per_unit,
    spec_number,
    split_sections,
    unsupported,
)
from villageroute.problem import Problem

__all__ = [
    "CvrpInstance",
    "cvrp_dir",
    "load_bks_x",
    "read_cvrp",
    "read_solution",
    "route_cost",
    "write_solution",
]

_SECTIONS = frozenset(
    {"NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION", "EDGE_WEIGHT_SECTION"}
)
_SPEC_KEYS = TSPLIB_KEYS
_K_IN_NAME = re.compile(r"-k(\d+)\b")
_TRUCKS_IN_COMMENT = re.compile(r"trucks\s*:\s*(\d+)", re.IGNORECASE)
_COST_LINE = re.compile(r"cost\s*:?\s*(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class CvrpInstance:
    """One CVRP instance in natural units; index 0 is the depot (file node 1).

    Attributes
    ----------
    name, dimension
        Instance name and number of nodes, depot included.
    capacity
        Vehicle capacity.
    distance
        ``(n, n)`` edge lengths under the set's rounding rule (``nint(euclid)`` for
        ``EUC_2D``), so that a solution's cost is exactly the published integer.
    delivery
        ``(n,)`` demand of each node (depot: 0).
    coords
        ``(n, 2)`` coordinates, or ``None`` for an explicit matrix without them.
    min_vehicles
        The ``k`` of the instance (from the name, ``VEHICLES`` or the comment), or
        ``None``. A lower bound on the number of routes, not a fleet limit.
    source
        The file read, for messages.
    """

    name: str
    dimension: int
    capacity: float
    distance: np.ndarray
    delivery: np.ndarray
    coords: np.ndarray | None = None
    min_vehicles: int | None = None
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        freeze_arrays(self, self.dimension, ("delivery",))
        if self.coords is not None:
            object.__setattr__(self, "coords", frozen(np.array(self.coords, dtype=float)))
        if not self.capacity > 0:
            raise InputError(f"capacity must be > 0, got {self.capacity}", file=self.source)

    @property
    def n_customers(self) -> int:
        return self.dimension - 1

    @property
    def seconds_per_unit(self) -> float:
        """Seconds of :meth:`to_problem` time per distance unit (unit speed).

        1 unless a route visiting every customer over the longest edge would not fit a
        24-hour shift; then the time axis is shrunk so that it does. Cost uses distance
        alone, so only the ratio to the shift matters.
        """
        return seconds_per_unit(self.dimension * float(self.distance.max()))

    def to_problem(self, vehicles: int | None = None) -> Problem:
        """This instance as a :class:`~villageroute.problem.Problem` whose cost is distance.

        * Fleet: ``vehicles`` identical vehicles, by default one per customer (unlimited,
          as in the literature); ``cost_per_km = 1000`` and no hourly or daily cost, so
          a route's cost equals its length (``distance_m`` holds natural units).
        * Capacity: ``capacity_kg = capacity`` with the demands in ``down_kg``; each
          customer is one parcel (so that it must be served even with zero demand) and
          the parcel capacity never binds. No pickups; ``split_visits=False``.
        * Time: unit speed, ``time_s = distance * seconds_per_unit``; no service times;
          stations open all day and a 24-hour shift that no route can exceed.

        Parameters
        ----------
        vehicles
            Fleet size; ``None`` for one vehicle per customer.

        Returns
        -------
        Problem
        """
        count = self.n_customers if vehicles is None else int(vehicles)
        parcels = np.ones(self.dimension, dtype=np.int64)
        parcels[0] = 0
        return distance_cost_problem(
            name=self.name,
            vehicle_name="cvrp",
            ids=[str(i) for i in range(1, self.dimension + 1)],
            distance=self.distance,
            time_s=self.distance * self.seconds_per_unit,
            count=count,
            capacity=self.capacity,
            down_kg=self.delivery,
            down_parcels=parcels,
            source=self.source,
        )


# --------------------------------------------------------------------------------------
# Instance files
# --------------------------------------------------------------------------------------


def read_cvrp(path: PathArg) -> CvrpInstance:
    """Read a CVRPLIB instance file (``TYPE : CVRP``, ``EUC_2D`` or ``EXPLICIT``).

    Parameters
    ----------
    path
        The ``.vrp`` file.

    Returns
    -------
    CvrpInstance

    Raises
    ------
    InputError
        One line naming the file and the line or field: unknown keywords, missing or
        repeated sections, wrong counts, bad or repeated node ids, non-numbers, a depot
        other than node 1, demand at the depot, a demand above the capacity (no feasible
        solution), route length limits or service times (``DISTANCE``,
        ``SERVICE_TIME``: not CVRP, not supported).
    """
    path = Path(path)
    spec, sections = split_sections(read_text(path), path, sections=_SECTIONS, keys=_SPEC_KEYS)
    kind = spec.get("TYPE", "").upper()
    if kind != "CVRP":
        raise InputError(f"TYPE {kind or '(missing)'!r} is not CVRP", file=path, field="TYPE")
    n, capacity = dimension_and_capacity(spec, path)
    for key in ("DISTANCE", "SERVICE_TIME"):
        if spec_number(spec, key, path):
            raise InputError(
                f"{key} (route length limits / service times) is not supported",
                file=path,
                field=key,
            )
    name = spec.get("NAME") or path.stem

    weight_type = spec.get("EDGE_WEIGHT_TYPE", "").upper()
    coords = None
    if "NODE_COORD_SECTION" in sections or weight_type == "EUC_2D":
        coords = node_rows(
            require(sections, "NODE_COORD_SECTION", path), n, 2, path, "NODE_COORD_SECTION"
        )
    if weight_type == "EUC_2D":
        assert coords is not None
        distance = coord_weights(coords, "EUC_2D", 1.0)
    elif weight_type == "EXPLICIT":
        distance = explicit_matrix(spec, sections, n, path)
    else:
        raise unsupported("EDGE_WEIGHT_TYPE", weight_type, "EUC_2D, EXPLICIT", path)

    demand_rows = require(sections, "DEMAND_SECTION", path)
    demand = node_rows(demand_rows, n, 1, path, "DEMAND_SECTION")[:, 0]
    line_of = {int(float(tokens[0])): line for line, tokens in demand_rows}
    for node, value in enumerate(demand, start=1):
        if node == 1 and value != 0:
            problem = "the depot (node 1) has a demand"
        elif value < 0:
            problem = f"demand {value:g} < 0"
        elif value > capacity:
            problem = f"demand {value:g} exceeds CAPACITY {capacity:g}: no vehicle can serve it"
        else:
            continue
        raise InputError(f"line {line_of[node]}: {problem}", file=path, field="DEMAND_SECTION")
    check_single_depot(sections, n, path)
    return CvrpInstance(
        name=name,
        dimension=n,
        capacity=float(capacity),
        distance=distance,
        delivery=demand,
        coords=coords,
        min_vehicles=_min_vehicles(name, spec, path),
        source=str(path),
    )


def _min_vehicles(name: str, spec: dict[str, str], path: Path) -> int | None:
    match = _K_IN_NAME.search(name)
    if match:
        return int(match[1])
    vehicles = spec_number(spec, "VEHICLES", path, integer=True)
    if vehicles is not None:
        return int(vehicles)
    match = _TRUCKS_IN_COMMENT.search(spec.get("COMMENT", ""))
    return int(match[1]) if match else None


# --------------------------------------------------------------------------------------
# Solutions and costs
# --------------------------------------------------------------------------------------


def read_solution(path: PathArg) -> tuple[list[list[int]], float | None]:
    """Routes and cost of a CVRPLIB solution file (``Route #k: i j ...``, ``Cost X``).

    Parameters
    ----------
    path
        The ``.sol`` file.

    Returns
    -------
    routes
        Non-empty routes in file order, customers numbered ``1..n-1`` (the problem's
        indices: file node id minus 1; the depot is not listed).
    cost
        The ``Cost`` line's value, or ``None`` when the file has none.

    Notes
    -----
    Other lines (``Time``, comments) are ignored; empty routes are dropped.

    Raises
    ------
    InputError
        Naming the file and line: a route line that does not parse, a customer that is
        not a whole number >= 1, a customer listed twice, a cost that is not a number or
        is given twice.
    """
    path = Path(path)
    routes: list[list[int]] = []
    cost: float | None = None
    seen: dict[int, int] = {}
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if line.lower().startswith("route"):
            route = parse_route_line(
                line, number, path, seen, what="customer", expected="Route #k: customers..."
            )
            if route:
                routes.append(route)
        elif line.lower().startswith("cost"):
            match = _COST_LINE.match(line)
            value = _to_float(match[1]) if match else None
            if value is None:
                raise InputError(
                    f"line {number}: expected 'Cost X', got {line[:40]!r}", file=path, field="Cost"
                )
            if cost is not None:
                raise InputError(f"line {number}: Cost given twice", file=path, field="Cost")
            cost = value
    return routes, cost


def _to_float(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def write_solution(path: PathArg, routes: Sequence[Sequence[int]], cost: float) -> None:
    """Write ``routes`` and ``cost`` in CVRPLIB form.

    One line ``Route #k: i j ...`` per non-empty route (``k`` counts them from 1),
    customers numbered ``1..n-1`` as in :func:`read_solution`, then ``Cost X``. A whole
    cost is written as an integer (``Cost 27591``), any other as Python's shortest
    round-trip form (``Cost 827.3``): round it first to the set's published precision.

    Raises
    ------
    ValueError
        A customer that is not a whole number >= 1, a customer listed twice, or a
        non-finite cost.
    """
    value = float(cost)
    if not math.isfinite(value):
        raise ValueError(f"cost must be finite, got {cost!r}")
    seen: set[int] = set()
    lines = []
    for route in routes:
        customers = [_customer(c) for c in route]
        if not customers:
            continue
        for customer in customers:
            if customer in seen:
                raise ValueError(f"customer {customer} is listed twice")
            seen.add(customer)
        lines.append(f"Route #{len(lines) + 1}: " + " ".join(str(c) for c in customers))
    text = int(value) if value.is_integer() and abs(value) < 2**53 else repr(value)
    lines.append(f"Cost {text}")
    Path(path).write_text("\n".join(lines) + "\n")


def _customer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"customers are whole numbers >= 1 (the depot is not listed): {value!r}")
    return int(value)


def route_cost(instance: CvrpInstance, routes: Sequence[Sequence[int]]) -> float:
    """Total length of ``routes`` (customers ``1..n-1``, depot -> ... -> depot each)."""
    return routes_length(instance.distance, routes)


# --------------------------------------------------------------------------------------
# Best-known solutions and data location
# --------------------------------------------------------------------------------------


def cvrp_dir() -> Path:
    """``../shared/data/instances/cvrp`` beside the project's root (``uchoa_x``, ``augerat``).

    Raises
    ------
    FileNotFoundError
        When the shared data folder is absent (e.g. a user's checkout without it).
    """
    return data_dir("cvrp", "CVRP")


def load_bks_x(path: PathArg | None = None) -> dict[str, BestKnown]:
    """Best-known cost and route count of the X set, by instance name.

    Reads ``bks_X.csv`` (columns ``instance,bks,routes``), by default
    ``cvrp_dir() / "uchoa_x" / "bks_X.csv"``. Costs are the integer sums of ``nint``
    edge lengths.
    """
    path = Path(path) if path is not None else cvrp_dir() / "uchoa_x" / "bks_X.csv"
    return load_bks_csv(path, cost="bks", routes="routes")
