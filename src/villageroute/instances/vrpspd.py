"""VRPSPD benchmark instances (LKH-3 / TSPLIB dialect) and their best-known tours.

The vehicle routing problem with simultaneous pickup and delivery (VRPSPD) is the
textbook form of this project's two-way routing: every customer receives goods from
the depot and hands goods back, in one visit, within one vehicle capacity. The public
benchmark sets (Dethloff 2001; Montané & Galvão 2006; Salhi & Nagy 1999) as distributed
with LKH-3 are read here into :class:`VrpspdInstance` (plain arrays in *natural units*)
and turned into a :class:`~villageroute.problem.Problem` by
:meth:`VrpspdInstance.to_problem`, so that solvers can be checked against best-known
solutions (BKS).

File conventions (LKH-3 dialect of TSPLIB; see ``ReadProblem.c`` and
``Penalty_VRPPD.c`` of LKH-3)
------------------------------------------------------------------------------------------
* ``PICKUP_AND_DELIVERY_SECTION``: one line per node,
  ``node demand(ignored) ready due service PICKUP DELIVERY``; pickup and delivery are
  integers. Customer time windows are not supported: every node must have ready time 0
  and one common due time (all benchmark files have ``0 10000000``), which is not
  applied (it never binds: LKH-3 would read it as a route duration limit of 10^7 file
  units, far above any route of these sets).
* ``TYPE`` ``VRPSPD``, ``VRPMPD`` and ``MVRPB`` are one problem for LKH-3 (``VRPPD``);
  a mixed instance (VRPMPD: each customer only picks up or only receives) is a VRPSPD
  instance with one of the two demands zero.
* Scales. Edge weights are integers in *file units*; ``scale`` is file units per
  natural unit. For coordinate files LKH-3 computes ``round(SCALE * euclid)``
  (``EXACT_2D``), and multiplies ``DISTANCE``, service and ready/due times by ``SCALE``
  as it reads them, so those are already in natural units in the file. The
  Salhi-Nagy files carry no ``SCALE`` keyword: LKH-3 was run with ``SCALE = 1000`` in its
  parameter file, which is therefore the default for ``EXACT_2D``. Dethloff files are
  explicit matrices that were pre-multiplied by 10,000 (distances *and* demands) and read
  by LKH-3 with ``SCALE = 1``; their ``DISTANCE``/service values are in file units.
* Demand scale. Demands are in file units too: ``demand_scale`` is file demand units per
  natural unit; 10,000 for Dethloff and 100 for the Salhi-Nagy ``CMTnX`` files (their
  fractional pickup/delivery split of the CMT demands is stored x100, e.g.
  ``CAPACITY : 16000`` for CMT1's 160), 1 otherwise.
* ``DISTANCE`` (maximum route length): LKH-3 bounds a route's *duration*, travel plus the
  service times of its customers (the depot's service time is never counted), and
  ``DISTANCE : 0`` or no ``DISTANCE`` means no limit. :attr:`VrpspdInstance.max_route_length`
  follows exactly that rule, in natural units.
* Tour files: one cycle through nodes ``1..D`` where node 1 is the depot and nodes above
  the instance's ``DIMENSION`` are further copies of the depot (one per extra vehicle);
  the number in the file name (``CMT01H.465021.tour``) is the cost in file units.

``vrplib.read_instance`` parses these files but is not used: it drops the node-id column
of ``PICKUP_AND_DELIVERY_SECTION`` (rows are taken in file order), silently keeps ragged
rows, ignores ``SCALE`` when it computes ``EXACT_2D`` weights, and does not read LKH-3 tour
files. The reader here checks ids, counts and types and reports the file and line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from villageroute.errors import InputError
from villageroute.instances._common import (
    DAY_S,
    TSPLIB_KEYS,
    PathArg,
    Rows,
    check_single_depot,
    coord_weights,
    csv_rows,
    data_dir,
    dimension_and_capacity,
    distance_cost_problem,
    explicit_matrix,
    freeze_arrays,
    frozen,
    node_rows,
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
    "VrpspdInstance",
    "load_bks",
    "read_tour",
    "read_vrpspd",
    "route_duration",
    "tour_cost",
    "tour_file_cost",
    "vrpspd_dir",
]

#: LKH-3 problem types that are the VRPSPD (``VRPPD`` inside LKH-3) without time windows.
_TYPES = frozenset({"VRPSPD", "VRPMPD", "MVRPB"})
#: Coordinate edge-weight types, as LKH-3 computes them from ``SCALE * euclid``.
_COORD_TYPES = frozenset({"EXACT_2D", "EUC_2D", "CEIL_2D", "FLOOR_2D"})
#: Default SCALE of coordinate types without a ``SCALE`` keyword (see the module notes).
_DEFAULT_COORD_SCALE = {"EXACT_2D": 1000.0}
#: Default pre-scaling of explicit matrices without ``SCALE`` (the Dethloff convention).
_DEFAULT_EXPLICIT_SCALE = 10_000.0
#: Salhi-Nagy VRPSPD files (``CMT1X`` ... ``CMT14X``) store demands x100.
_SALHI_NAGY_X = re.compile(r"CMT\d+X")
_SECTIONS = frozenset(
    {"NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "PICKUP_AND_DELIVERY_SECTION", "DEPOT_SECTION"}
)
#: LKH-3 adds ``SALESMEN`` (its name for ``VEHICLES``) and ``SCALE`` to TSPLIB's keywords.
_SPEC_KEYS = TSPLIB_KEYS | {"SALESMEN", "SCALE"}


# --------------------------------------------------------------------------------------
# The instance
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VrpspdInstance:
    """One VRPSPD instance in natural units; index 0 is the depot.

    Attributes
    ----------
    name, dimension
        Instance name and number of nodes, depot included.
    capacity
        Vehicle capacity (natural units: file ``CAPACITY / demand_scale``).
    distance
        ``(n, n)`` edge lengths: the file's integer edge weights (LKH-3's
        ``round(SCALE * euclid)`` for coordinate files) divided by ``scale``, so that a
        tour's cost times ``scale`` is exactly the integer LKH-3 reports.
    delivery, pickup
        ``(n,)`` goods delivered to / collected from each node (depot: 0).
    service
        ``(n,)`` service time per node, in distance units (0 when the file has none). A
        depot service time given in the file is kept here but never counted, as in
        LKH-3.
    max_route_length
        Bound on travel plus customer service time of every route (``DISTANCE``), or
        ``None`` when absent or 0 (no limit).
    scale
        File distance units per natural unit (10,000 Dethloff, 1,000 the others).
    coords
        ``(n, 2)`` coordinates for coordinate files, else ``None``.
    demand_scale
        File demand units per natural unit (10,000 Dethloff, 100 Salhi-Nagy ``X``,
        else 1); ``delivery * demand_scale`` are the file's integers.
    vehicles
        ``VEHICLES`` of the file (the fleet LKH-3 was given), or ``None``. The literature
        treats the fleet as unlimited; :meth:`to_problem` does the same by default.
    source
        The file read, for messages.
    """

    name: str
    dimension: int
    capacity: float
    distance: np.ndarray
    delivery: np.ndarray
    pickup: np.ndarray
    service: np.ndarray
    max_route_length: float | None
    scale: float
    coords: np.ndarray | None = None
    demand_scale: float = 1.0
    vehicles: int | None = None
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        where = {"file": self.source}
        freeze_arrays(self, self.dimension, ("delivery", "pickup", "service"))
        if self.coords is not None:
            object.__setattr__(self, "coords", frozen(np.array(self.coords, dtype=float)))
        if not self.capacity > 0:
            raise InputError(f"capacity must be > 0, got {self.capacity}", **where)
        if self.max_route_length is not None and not self.max_route_length > 0:
            raise InputError("max_route_length must be > 0 or None", **where)
        if not (self.scale > 0 and self.demand_scale > 0):
            raise InputError("scale and demand_scale must be > 0", **where)

    @property
    def n_customers(self) -> int:
        return self.dimension - 1

    @property
    def seconds_per_unit(self) -> float:
        """Seconds of :meth:`to_problem` time per natural distance unit (unit speed).

        With a route-length limit, the limit is half a day (``DAY_S / (2 *
        max_route_length)``): a shift shorter than the day, so it stays a constraint of
        its own, on a time axis fine enough that rounding each leg up to a whole second,
        as both engines do, lengthens it by at most ``max_route_length / 43,200`` units.
        Without a limit, 1, unless a bound on any route's length would not fit a 24-hour
        shift; then the time axis is shrunk so that it does. Only the ratio to the shift
        length matters: route cost uses distance alone.
        """
        if self.max_route_length is not None:
            # At one second per unit, the rounding made 15 of the 18 best-known routes of
            # CMT10X too long for its limit of 200 (by up to 6 units).
            return DAY_S / (2 * self.max_route_length)
        # A route visits each customer at most once: n edges of at most max(distance).
        horizon = self.dimension * float(self.distance.max()) + float(self.service[1:].sum())
        return seconds_per_unit(horizon)

    def to_problem(self, vehicles: int | None = None) -> Problem:
        """This instance as a :class:`~villageroute.problem.Problem` whose cost is distance.

        * Fleet: ``vehicles`` identical vehicles, by default one per customer (unlimited
          fleet, as in the literature); ``cost_per_km = 1000`` and no hourly or daily
          cost, so a route's cost equals its length in natural units
          (``distance_m`` holds natural units).
        * Capacity: ``capacity_kg = capacity`` with the natural demands in
          ``down_kg``/``up_kg`` (at most 4 decimals, exact for integer solvers that scale
          by 10,000); each delivery and each pickup is one parcel, and the parcel
          capacity (one per customer) never binds.
        * One visit per customer does both jobs (``split_visits=False``), as VRPSPD
          requires.
        * Time: unit speed, ``time_s = distance * seconds_per_unit`` and
          ``service_s = service * seconds_per_unit`` (0 at the depot). A route's duration
          is then (travel + customer service) * ``seconds_per_unit``, the quantity
          ``max_route_length`` bounds, and ``max_shift_hours`` is set to
          ``max_route_length * seconds_per_unit / 3600`` (12 h; 24 h when there is no
          limit, with ``seconds_per_unit`` chosen so that no route can exceed it). All
          stations are open 0..24 h and the day is 0..24 h.
        """
        count = self.n_customers if vehicles is None else int(vehicles)
        k = self.seconds_per_unit
        if self.max_route_length is None:
            shift_hours = 24.0
        else:
            shift_hours = min(24.0, self.max_route_length * k / 3600.0)
        service = self.service * k
        service[0] = 0.0
        return distance_cost_problem(
            name=self.name,
            vehicle_name="vrpspd",
            ids=[str(i) for i in range(1, self.dimension + 1)],
            distance=self.distance,
            time_s=self.distance * k,
            count=count,
            capacity=self.capacity,
            down_kg=self.delivery,
            down_parcels=(self.delivery > 0).astype(np.int64),
            up_kg=self.pickup,
            up_parcels=(self.pickup > 0).astype(np.int64),
            service_s=service,
            shift_hours=shift_hours,
            source=self.source,
        )


# --------------------------------------------------------------------------------------
# Instance files
# --------------------------------------------------------------------------------------


def read_vrpspd(
    path: PathArg, *, scale: float | None = None, demand_scale: float | None = None
) -> VrpspdInstance:
    """Read a VRPSPD / VRPMPD instance file of the LKH-3 distribution.

    Parameters
    ----------
    path
        The ``.vrpspd`` / ``.vrpmpd`` file.
    scale, demand_scale
        Override the file-unit conventions described in the module notes (by default
        ``SCALE`` if given, else 1000 for ``EXACT_2D``, 10,000 for explicit matrices, 1
        otherwise; demands 10,000 for explicit matrices, 100 for ``CMTnX``, else 1).

    Raises
    ------
    InputError
        Naming the file (and line) for: unknown keywords, missing or repeated sections,
        wrong counts, bad or repeated node ids, non-numbers, demand at the depot, a
        customer whose pickup or delivery alone exceeds the capacity (no feasible
        solution), customer-specific time windows (not supported).
    """
    path = Path(path)
    spec, sections = split_sections(read_text(path), path, sections=_SECTIONS, keys=_SPEC_KEYS)

    def get(key: str) -> str | None:
        return spec.get(key)

    def number(key: str, *, integer: bool = False) -> float | None:
        return spec_number(spec, key, path, integer=integer)

    kind = (get("TYPE") or "").upper()
    if kind not in _TYPES:
        raise InputError(
            f"TYPE {kind or '(missing)'!r} is not a VRPSPD type "
            f"(expected one of {', '.join(sorted(_TYPES))})",
            file=path,
            field="TYPE",
        )
    n, file_capacity = dimension_and_capacity(spec, path)
    name = get("NAME") or path.stem
    weight_type = (get("EDGE_WEIGHT_TYPE") or "").upper()
    keyword_scale = number("SCALE")
    if keyword_scale is not None and keyword_scale < 1:
        raise InputError("SCALE must be >= 1", file=path, field="SCALE")

    coords = None
    if weight_type == "EXPLICIT":
        weights = explicit_matrix(spec, sections, n, path)
        file_scale = scale if scale is not None else (keyword_scale or _DEFAULT_EXPLICIT_SCALE)
        # LKH-3 multiplies DISTANCE and service times by its SCALE (1 when the keyword is
        # absent: the matrix was pre-scaled), converting them to edge-weight units.
        lkh_scale = keyword_scale or 1.0
        default_demand_scale = _DEFAULT_EXPLICIT_SCALE if keyword_scale is None else 1.0
    elif weight_type in _COORD_TYPES:
        coords = _coords(require(sections, "NODE_COORD_SECTION", path), n, path)
        file_scale = (
            scale
            if scale is not None
            else keyword_scale or _DEFAULT_COORD_SCALE.get(weight_type, 1.0)
        )
        lkh_scale = file_scale
        weights = coord_weights(coords, weight_type, file_scale)
        default_demand_scale = 100.0 if _SALHI_NAGY_X.fullmatch(name) else 1.0
    else:
        supported = f"EXPLICIT, {', '.join(sorted(_COORD_TYPES))}"
        raise unsupported("EDGE_WEIGHT_TYPE", weight_type, supported, path)
    dscale = demand_scale if demand_scale is not None else default_demand_scale
    to_natural = lkh_scale / file_scale  # time-like file values -> natural units

    rows = _pickup_delivery(require(sections, "PICKUP_AND_DELIVERY_SECTION", path), n, path)
    ready, due, service, pickup, delivery = rows.T
    check_single_depot(sections, n, path)
    global_service = number("SERVICE_TIME")
    if global_service is not None:
        if global_service < 0:
            raise InputError("SERVICE_TIME must be >= 0", file=path, field="SERVICE_TIME")
        if global_service:
            service = np.full(n, global_service)
            service[0] = 0.0
    if pickup[0] or delivery[0]:
        raise InputError(
            "the depot (node 1) has a pickup or delivery of its own",
            file=path,
            field="PICKUP_AND_DELIVERY_SECTION",
        )
    if (ready != ready[0]).any() or (due != due[0]).any() or ready[0] != 0:
        bad = int(np.flatnonzero((ready != ready[0]) | (due != due[0]) | (ready != 0))[0])
        raise InputError(
            "time windows are not supported: every node must have ready time 0 and the "
            "same due time",
            file=path,
            feature=f"node {bad + 1}",
            field="PICKUP_AND_DELIVERY_SECTION",
        )
    too_big = np.flatnonzero((pickup > file_capacity) | (delivery > file_capacity))
    if len(too_big):
        i = int(too_big[0])
        raise InputError(
            f"pickup {pickup[i]:g} / delivery {delivery[i]:g} exceeds CAPACITY "
            f"{file_capacity:g}: no vehicle can serve this customer",
            file=path,
            feature=f"node {i + 1}",
            field="CAPACITY",
        )
    limit = number("DISTANCE")
    if limit is not None and limit < 0:
        raise InputError("DISTANCE must be >= 0", file=path, field="DISTANCE")
    max_route_length = limit * to_natural if limit else None
    vehicles = number("VEHICLES", integer=True) or number("SALESMEN", integer=True)
    return VrpspdInstance(
        name=name,
        dimension=n,
        capacity=file_capacity / dscale,
        distance=weights / file_scale,
        delivery=delivery / dscale,
        pickup=pickup / dscale,
        service=service * to_natural,
        max_route_length=max_route_length,
        scale=float(file_scale),
        coords=coords,
        demand_scale=float(dscale),
        vehicles=None if vehicles is None else int(vehicles),
        source=str(path),
    )


def _coords(rows: Rows, n: int, path: Path) -> np.ndarray:
    return node_rows(rows, n, 2, path, "NODE_COORD_SECTION")


def _pickup_delivery(rows: Rows, n: int, path: Path) -> np.ndarray:
    """Columns ready, due, service, pickup, delivery (file units), by node."""
    field_name = "PICKUP_AND_DELIVERY_SECTION"
    data = node_rows(rows, n, 6, path, field_name)
    _, ready, due, service, pickup, delivery = data.T
    for name, values in (("pickup", pickup), ("delivery", delivery)):
        bad = np.flatnonzero((values < 0) | (values != np.round(values)))
        if len(bad):
            raise InputError(
                f"{name} must be a whole number >= 0, got {values[bad[0]]:g}",
                file=path,
                feature=f"node {int(bad[0]) + 1}",
                field=field_name,
            )
    bad = np.flatnonzero((service < 0) | (due < ready))
    if len(bad):
        raise InputError(
            "service time < 0 or due time before ready time",
            file=path,
            feature=f"node {int(bad[0]) + 1}",
            field=field_name,
        )
    return np.column_stack([ready, due, service, pickup, delivery])


# --------------------------------------------------------------------------------------
# Tours and costs
# --------------------------------------------------------------------------------------


def read_tour(path: PathArg, dimension: int) -> list[list[int]]:
    """The routes of an LKH-3 tour file for an instance with ``dimension`` nodes.

    Returns the routes in tour order as lists of 0-based problem indices ``1..n-1``
    (depot = 0, not listed), splitting the cycle at node 1 and at the depot copies (ids
    above ``dimension``); empty routes are dropped.

    Raises
    ------
    InputError
        Naming the file: no ``TOUR_SECTION``, ids out of range, a node listed twice, or
        (when the file gives ``DIMENSION``) a node missing.
    """
    path = Path(path)
    text = read_text(path)
    tour_dim: int | None = None
    ids: list[int] | None = None
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        key = re.match(r"([A-Za-z_]+)\s*:?\s*(.*)$", line)
        if key is None:
            continue
        word = key[1].upper()
        if word == "DIMENSION":
            try:
                tour_dim = int(key[2])
            except ValueError:
                raise InputError(
                    f"line {number}: DIMENSION must be an integer", file=path
                ) from None
        elif word == "EOF":
            break
        elif word == "TOUR_SECTION":
            ids = _tour_ids(lines[number:], number, path)
            break
    if ids is None:
        raise InputError("TOUR_SECTION is missing", file=path, field="TOUR_SECTION")
    upper = tour_dim if tour_dim is not None else max([dimension, *ids])
    if tour_dim is not None and tour_dim < dimension:
        raise InputError(
            f"tour DIMENSION {tour_dim} is smaller than the instance's {dimension}", file=path
        )
    seen: set[int] = set()
    for node in ids:
        if not 1 <= node <= upper:
            raise InputError(f"node {node} not in 1..{upper}", file=path, field="TOUR_SECTION")
        if node in seen:
            raise InputError(f"node {node} listed twice", file=path, field="TOUR_SECTION")
        seen.add(node)
    if tour_dim is not None and len(seen) != tour_dim:
        missing = sorted(set(range(1, tour_dim + 1)) - seen)
        raise InputError(
            f"{len(missing)} node(s) missing, e.g. {missing[:5]}", file=path, field="TOUR_SECTION"
        )
    if not ids:
        return []
    # Rotate the cycle to start at a depot node, then split at every depot node.
    starts = [k for k, node in enumerate(ids) if node == 1 or node > dimension]
    if not starts:
        raise InputError("the tour never visits the depot (node 1)", file=path)
    cycle = ids[starts[0] :] + ids[: starts[0]]
    routes: list[list[int]] = []
    for node in cycle:
        if node == 1 or node > dimension:
            routes.append([])
        else:
            routes[-1].append(node - 1)
    return [r for r in routes if r]


def _tour_ids(lines: list[str], offset: int, path: Path) -> list[int]:
    ids: list[int] = []
    for number, raw in enumerate(lines, start=offset + 1):
        for token in raw.split():
            if token.upper() == "EOF":
                return ids
            try:
                value = int(token)
            except ValueError:
                raise InputError(
                    f"line {number}: {token!r} is not a node id", file=path, field="TOUR_SECTION"
                ) from None
            if value == -1:
                return ids
            ids.append(value)
    return ids


def tour_cost(instance: VrpspdInstance, routes: list[list[int]]) -> float:
    """Total length of ``routes`` (depot -> customers -> depot each), natural units."""
    return routes_length(instance.distance, routes)


def route_duration(instance: VrpspdInstance, route: list[int]) -> float:
    """Travel plus customer service time of one route: what ``max_route_length`` bounds."""
    path = [0, *route, 0]
    return float(instance.distance[path[:-1], path[1:]].sum() + instance.service[route].sum())


def tour_file_cost(path: PathArg) -> tuple[str, int]:
    """Instance name and cost in file units from a tour file name (``CMT01H.465021.tour``)."""
    parts = Path(path).name.rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        raise InputError("tour file name must be NAME.COST.tour", file=path)
    return parts[0], int(parts[1])


# --------------------------------------------------------------------------------------
# Best-known solutions and data location
# --------------------------------------------------------------------------------------


def vrpspd_dir() -> Path:
    """``../shared/data/instances/vrpspd`` beside the project's root.

    Raises
    ------
    FileNotFoundError
        When the shared data folder is absent (e.g. a user's checkout without it).
    """
    return data_dir("vrpspd", "VRPSPD")


def load_bks(path: PathArg | None = None) -> dict[str, float]:
    """Best-known solution values by instance name, natural units, from ``bks.csv``.

    The file has columns ``set,instance,bks,scale,source``; ``bks`` is already in
    natural units. By default reads ``vrpspd_dir() / "bks.csv"``.
    """
    path = Path(path) if path is not None else vrpspd_dir() / "bks.csv"
    out: dict[str, float] = {}
    for line, row in csv_rows(path, ("instance", "bks")):
        name = (row["instance"] or "").strip()
        try:
            value = float(row["bks"])
        except (TypeError, ValueError):
            raise InputError(
                f"line {line}: bks {row['bks']!r} is not a number", file=path, field="bks"
            ) from None
        if not name or not math.isfinite(value) or value <= 0:
            raise InputError(f"line {line}: bad instance or bks", file=path)
        if name in out and out[name] != value:
            raise InputError(
                f"line {line}: instance {name!r} listed twice with different BKS", file=path
            )
        out[name] = value
    return out
