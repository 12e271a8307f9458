"""Solomon VRPTW benchmark instances (100 customers) and their best-known solutions.

The VRP with time windows is the delivery-only half of this project's problem with the
stations' opening hours: each customer receives a demand, service must start within its
window (a vehicle that arrives early waits), and every vehicle is back at the depot by
the end of the day. The 56 Solomon instances are read into :class:`SolomonInstance` and
turned into a :class:`~villageroute.problem.Problem` by
:meth:`SolomonInstance.to_problem`.

File conventions
----------------
* Text file: the instance name; ``VEHICLE`` with a ``NUMBER CAPACITY`` header and one
  line ``K Q`` (fleet size and capacity); ``CUSTOMER`` with a header and one line per
  node, ``CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME``; customer 0
  is the depot, whose due date is the end of the day.
* Rounding rule of the best-known solutions (``bks_solomon.csv``, the ``.sol`` files):
  every edge length is the Euclidean distance *truncated* to one decimal,
  ``floor(10 * euclid) / 10``; travel time equals that distance; the objective is
  distance only (not the number of vehicles). Under this rule every published BKS
  recomputes to its one-decimal value (up to float summation) and is feasible; under
  full precision or rounding to nearest it costs 1-5 units more, and some BKS (R102,
  R105, R107, R108, R112, R211, RC101, RC105) even miss a time window by up to 0.4.
* Solution files (``.sol``) are CVRPLIB form, read by
  :func:`villageroute.instances.cvrp.read_solution`; customers are numbered as in the
  file (1..100).

``vrplib.read_instance(..., instance_format="solomon")`` parses these files but returns
full-precision distances and reports bad lines without a line number; the reader here
applies the set's rule and names file and line. The tests use ``vrplib`` as an
independent check of the parsed values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from villageroute.errors import InputError
from villageroute.instances._common import (
    DAY_S,
    BestKnown,
    PathArg,
    checked_coords,
    data_dir,
    distance_cost_problem,
    fixed_numbers,
    freeze_arrays,
    is_number,
    load_bks_csv,
    node_number,
    nonblank_lines,
    routes_length,
)
from villageroute.problem import Problem

__all__ = [
    "SolomonInstance",
    "load_bks_solomon",
    "read_solomon",
    "route_cost",
    "solomon_dir",
    "truncated_distance",
]

#: Seconds of :meth:`SolomonInstance.to_problem` time per time unit of the file: travel
#: times have one decimal (truncated distances), so x10 they are whole seconds.
SECONDS_PER_UNIT = 10.0

_COLUMNS = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME")


def truncated_distance(coords: np.ndarray) -> np.ndarray:
    """``(n, n)`` Euclidean distances truncated to one decimal, ``floor(10 * d) / 10``.

    Computed as ``floor(sqrt(100 * d**2)) / 10``: for integer coordinates ``100 * d**2``
    is an exact integer and its correctly rounded square root never crosses an integer,
    so no ``10 * d`` that is a hair below a whole number is rounded up to it first.
    """
    coords = np.asarray(coords, dtype=float)
    diff = coords[:, None, :] - coords[None, :, :]
    return np.floor(np.sqrt(100.0 * (diff**2).sum(axis=2))) / 10.0


@dataclass(frozen=True, eq=False)
class SolomonInstance:
    """One Solomon VRPTW instance; index ``i`` is customer ``i`` of the file (0 = depot).

    Attributes
    ----------
    name
        Instance name (``C101``, ...).
    vehicles
        Fleet size of the file.
    capacity
        Vehicle capacity.
    coords
        ``(n, 2)`` coordinates.
    distance
        ``(n, n)`` edge lengths truncated to one decimal (see the module notes); travel
        times are equal to them.
    demand
        ``(n,)`` demand of each node (depot: 0).
    ready, due
        ``(n,)`` service must start within ``[ready, due]``; the depot's window is the
        day (vehicles leave no earlier than its ready time and are back by its due date).
    service
        ``(n,)`` service time.
    source
        The file read, for messages.
    """

    name: str
    vehicles: int
    capacity: float
    coords: np.ndarray
    distance: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        coords = checked_coords(self.coords, self.source, min_nodes=2)
        object.__setattr__(self, "coords", coords)
        freeze_arrays(self, len(coords), ("demand", "ready", "due", "service"))
        if self.vehicles < 1 or not self.capacity > 0:
            raise InputError("vehicles must be >= 1 and capacity > 0", file=self.source)

    @property
    def dimension(self) -> int:
        """Number of nodes, depot included."""
        return len(self.coords)

    @property
    def n_customers(self) -> int:
        return self.dimension - 1

    def to_problem(self) -> Problem:
        """This instance as a :class:`~villageroute.problem.Problem` whose cost is distance.

        * Time: one time unit is :data:`SECONDS_PER_UNIT` (10) seconds, so that travel
          times (the truncated distances, the set's rule: one decimal) are whole seconds
          and solvers that schedule in integer seconds (both of ours) lose nothing to
          rounding; ``time_s = distance * 10``, ``service_s``, ``open_s``/``close_s`` the
          service, ready and due times * 10; the day runs from the depot's ready time to
          its due date, which is also the shift length.
        * Fleet: the file's ``vehicles``, ``capacity_kg = capacity`` with the demands in
          ``down_kg``, one parcel per customer (the parcel capacity never binds), no
          pickups; ``cost_per_km = 1000`` and no other cost, so cost = distance.

        Raises
        ------
        InputError
            When the depot's due date is beyond 24 h (8,640 time units).
        """
        k = SECONDS_PER_UNIT
        start, end = float(self.ready[0]) * k, float(self.due[0]) * k
        if end > DAY_S or end <= start:
            raise InputError(
                f"the depot's window {start / k:g}..{end / k:g} must lie within one day "
                f"(0..{DAY_S / k:g} time units of {k:g} s)",
                file=self.source,
                field="DUE DATE",
            )
        parcels = np.ones(self.dimension, dtype=np.int64)
        parcels[0] = 0
        return distance_cost_problem(
            name=self.name,
            vehicle_name="vrptw",
            ids=[str(i) for i in range(self.dimension)],
            distance=self.distance,
            time_s=self.distance * k,
            count=self.vehicles,
            capacity=self.capacity,
            down_kg=self.demand,
            down_parcels=parcels,
            service_s=self.service * k,
            open_s=self.ready * k,
            close_s=self.due * k,
            day_start_s=start,
            day_end_s=end,
            shift_hours=(end - start) / 3600.0,
            source=self.source,
        )


# --------------------------------------------------------------------------------------
# Instance files
# --------------------------------------------------------------------------------------


def read_solomon(path: PathArg) -> SolomonInstance:
    """Read a Solomon VRPTW instance file.

    Parameters
    ----------
    path
        The ``.txt`` file.

    Returns
    -------
    SolomonInstance

    Raises
    ------
    InputError
        One line naming the file, the line and the section or column: a missing
        ``VEHICLE`` or ``CUSTOMER`` block, a line with the wrong number of fields,
        non-numbers, customer numbers that are not 0..n-1 once each, a negative value,
        a window that closes before it opens, demand at the depot or above the capacity.
    """
    path = Path(path)
    lines = nonblank_lines(path)
    words = [" ".join(tokens).upper() for _, tokens in lines]
    vehicle_at = _block(words, "VEHICLE", path)
    name = " ".join(lines[0][1]) if vehicle_at > 0 else path.stem
    customer_at = _block(words, "CUSTOMER", path)
    if not vehicle_at < customer_at:
        raise InputError("the VEHICLE block must come before CUSTOMER", file=path)
    # Each block is its keyword, a header line, then the data lines.
    vehicle_rows = lines[vehicle_at + 2 : customer_at]
    if len(vehicle_rows) != 1:
        line = vehicle_rows[1][0] if vehicle_rows else lines[vehicle_at][0]
        raise InputError(
            f"line {line}: expected one line 'NUMBER CAPACITY' after the VEHICLE header",
            file=path,
            field="VEHICLE",
        )
    (line, tokens) = vehicle_rows[0]
    values = fixed_numbers(line, tokens, 2, path, "VEHICLE")
    vehicles, capacity = values
    if not vehicles.is_integer() or vehicles < 1 or capacity <= 0:
        raise InputError(
            f"line {line}: NUMBER must be a whole number >= 1 and CAPACITY > 0",
            file=path,
            field="VEHICLE",
        )

    rows = lines[customer_at + 2 :]
    if len(rows) < 2:
        raise InputError("fewer than two nodes (the depot and a customer)", file=path)
    n = len(rows)
    data = np.zeros((n, 7))
    seen: dict[int, int] = {}
    for line, tokens in rows:
        values = fixed_numbers(line, tokens, 7, path, "CUSTOMER")
        node = node_number(values[0], line, n, seen, path, what="customer", field="CUST NO.")
        for column, value in zip(_COLUMNS[3:], values[3:], strict=True):
            if value < 0:
                raise InputError(f"line {line}: {value:g} < 0", file=path, field=column)
        if values[5] < values[4]:
            raise InputError(
                f"line {line}: due date {values[5]:g} before ready time {values[4]:g}",
                file=path,
                field="DUE DATE",
            )
        if values[3] > capacity or (node == 0 and values[3] != 0):
            problem = "the depot has a demand" if node == 0 else "demand exceeds CAPACITY"
            raise InputError(f"line {line}: {problem}", file=path, field="DEMAND")
        data[node] = values
    _, x, y, demand, ready, due, service = data.T
    coords = np.column_stack([x, y])
    return SolomonInstance(
        name=name,
        vehicles=int(vehicles),
        capacity=float(capacity),
        coords=coords,
        distance=truncated_distance(coords),
        demand=demand,
        ready=ready,
        due=due,
        service=service,
        source=str(path),
    )


def _block(words: list[str], keyword: str, path: Path) -> int:
    """Index of the line that is ``keyword`` alone, followed by a header line."""
    hits = [i for i, w in enumerate(words) if w == keyword]
    if len(hits) != 1:
        raise InputError(
            f"expected one {keyword} line, found {len(hits)}", file=path, field=keyword
        )
    at = hits[0]
    if at + 1 >= len(words) or is_number(words[at + 1].split()[0]):
        raise InputError(
            f"the {keyword} line must be followed by a column header", file=path, field=keyword
        )
    return at


# --------------------------------------------------------------------------------------
# Costs, best-known solutions and data location
# --------------------------------------------------------------------------------------


def route_cost(instance: SolomonInstance, routes: Sequence[Sequence[int]]) -> float:
    """Total truncated length of ``routes`` (customer numbers 1..n-1, depot not listed).

    The sum of one-decimal values in floating point; ``round(cost, 1)`` is the
    published figure.
    """
    return routes_length(instance.distance, routes)


def solomon_dir() -> Path:
    """``../shared/data/instances/vrptw/solomon`` beside the project's root.

    Raises
    ------
    FileNotFoundError
        When the shared data folder is absent (e.g. a user's checkout without it).
    """
    return data_dir("vrptw/solomon", "Solomon VRPTW")


def load_bks_solomon(path: PathArg | None = None) -> dict[str, BestKnown]:
    """Best-known distance (one decimal, truncated rule) and route count, by instance.

    Reads ``bks_solomon.csv`` (columns ``instance,bks,routes``), by default from
    :func:`solomon_dir`.
    """
    path = Path(path) if path is not None else solomon_dir() / "bks_solomon.csv"
    return load_bks_csv(path, cost="bks", routes="routes")
