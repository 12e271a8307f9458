"""Li & Lim PDPTW benchmark instances (100 tasks) and their best-known solutions.

In the pickup-and-delivery problem with time windows (PDPTW) each request is a pair of
tasks: goods picked up at one node must be delivered to another node by the same
vehicle, later on the same route. This is the village-to-village form of two-way
routing (produce carried from a village to a buyer or to another village), where our
:class:`~villageroute.problem.Problem` knows only depot-based deliveries and pickups.
There is therefore **no** ``to_problem`` here: a Li & Lim plan cannot be expressed as a
:class:`~villageroute.problem.Problem` plan, and :func:`check_solution` is an
independent PDPTW feasibility check in its place.

File conventions
----------------
* Instance files (tab-separated): first line ``K Q S`` (fleet size, capacity, speed);
  then one line per task, ``task x y demand early late service pickup delivery``. Task
  0 is the depot, whose ``late`` is the end of the day. A pickup task has a positive
  demand, ``pickup = 0`` and ``delivery`` = its delivery task; that delivery task has
  the opposite demand, ``pickup`` = the pickup task and ``delivery = 0``.
* ``S`` is documented as "not used" by the benchmark's maintainers (SINTEF): travel
  time equals distance. Ten of the shared files have ``S = 0`` (``lc104``, ``lc105``,
  ``lc107``, ``lc108``, ``lc204``, ``lc205``, ``lc206``, ``lc208``, ``lr107``,
  ``lr207``); it is kept in :attr:`LiLimInstance.speed` and ignored.
* Distances and times are full-precision Euclidean; the best-known solutions minimise
  the number of vehicles first, then the distance, reported to 4 decimals.
* Solution files: a few header lines (``Instance name : lc101``, ``Authors``, ...), a
  ``Solution`` line, then ``Route k : t1 t2 ...`` with task numbers (depot not listed).
  Their file name carries the vehicles and the distance: ``lc101.10_828.9369.txt``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from villageroute.errors import InputError
from villageroute.instances._common import (
    BestKnown,
    PathArg,
    checked_coords,
    data_dir,
    euclid,
    fixed_numbers,
    freeze_arrays,
    load_bks_csv,
    node_number,
    nonblank_lines,
    parse_route_line,
    read_text,
    routes_length,
)

__all__ = [
    "LiLimInstance",
    "LiLimSolution",
    "check_solution",
    "lilim_dir",
    "load_bks_lilim",
    "read_lilim",
    "read_lilim_solution",
    "route_cost",
]

_COLUMNS = ("TASK", "X", "Y", "DEMAND", "EARLY", "LATE", "SERVICE", "PICKUP", "DELIVERY")
_SOLUTION_NAME = re.compile(r"(?P<name>.+)\.(?P<vehicles>\d+)_(?P<distance>\d+(?:\.\d+)?)$")


@dataclass(frozen=True, eq=False)
class LiLimInstance:
    """One Li & Lim PDPTW instance; index ``i`` is task ``i`` of the file (0 = depot).

    Attributes
    ----------
    name
        Instance name (the file's stem, e.g. ``lc101``).
    vehicles, capacity
        Fleet size and vehicle capacity.
    coords
        ``(n, 2)`` coordinates.
    distance
        ``(n, n)`` full-precision Euclidean distances; travel times equal them.
    demand
        ``(n,)`` load change at each task: ``+q`` at a pickup, ``-q`` at its delivery.
    ready, due
        ``(n,)`` service must start within ``[ready, due]`` (waiting allowed); the
        depot's ``due`` is when every vehicle must be back.
    service
        ``(n,)`` service time.
    pairs
        ``(pickup, delivery)`` task pairs, one per request, by pickup task.
    speed
        The file's third header value, unused (travel time = distance).
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
    pairs: tuple[tuple[int, int], ...]
    speed: float = 1.0
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        where = {"file": self.source}
        coords = checked_coords(self.coords, self.source, min_nodes=3)
        object.__setattr__(self, "coords", coords)
        n = len(coords)
        freeze_arrays(self, n, ("demand", "ready", "due", "service"), nonnegative=False)
        pairs = tuple((int(p), int(d)) for p, d in self.pairs)
        tasks = sorted(t for pair in pairs for t in pair)
        if tasks != list(range(1, n)):
            raise InputError("pairs must cover tasks 1..n-1 exactly once", **where)
        object.__setattr__(self, "pairs", pairs)
        if self.vehicles < 1 or not self.capacity > 0:
            raise InputError("vehicles must be >= 1 and capacity > 0", **where)

    @property
    def dimension(self) -> int:
        """Number of nodes, depot included."""
        return len(self.coords)

    @property
    def n_requests(self) -> int:
        return len(self.pairs)


class LiLimSolution(NamedTuple):
    """A Li & Lim solution file.

    Attributes
    ----------
    instance
        The ``Instance name`` header, else the file name's instance part, else ``None``.
    routes
        Non-empty routes in file order, as task numbers (depot not listed).
    vehicles, distance
        The number of vehicles and the distance in the file name
        (``lc101.10_828.9369.txt``), or ``None`` when the name does not carry them.
    """

    instance: str | None
    routes: list[list[int]]
    vehicles: int | None
    distance: float | None


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def read_lilim(path: PathArg) -> LiLimInstance:
    """Read a Li & Lim PDPTW instance file.

    Parameters
    ----------
    path
        The ``.txt`` file; its stem is the instance name.

    Returns
    -------
    LiLimInstance

    Raises
    ------
    InputError
        One line naming the file, the line and the column: a header that is not ``K Q S``,
        a task line without 9 numbers, task numbers that are not 0..n-1 once each, a
        window that closes before it opens, a negative service time, a depot with a
        demand or a sibling, a task that is neither a pickup nor a delivery, a sibling
        that does not point back or whose demand is not the opposite, a pickup above the
        capacity.
    """
    path = Path(path)
    lines = nonblank_lines(path)
    line, tokens = lines[0]
    vehicles, capacity, speed = fixed_numbers(line, tokens, 3, path, "header")
    if not vehicles.is_integer() or vehicles < 1 or capacity <= 0:
        raise InputError(
            f"line {line}: expected 'vehicles capacity speed' with vehicles a whole number "
            f">= 1 and capacity > 0",
            file=path,
            field="header",
        )
    rows = lines[1:]
    n = len(rows)
    if n < 3:
        raise InputError("fewer than three tasks (the depot and one request)", file=path)
    data = np.zeros((n, 9))
    line_of: dict[int, int] = {}
    for line, tokens in rows:
        values = fixed_numbers(line, tokens, 9, path, "task")
        task = node_number(values[0], line, n, line_of, path, what="task", field="TASK")
        for column, value in zip(_COLUMNS[7:], values[7:], strict=True):
            if not value.is_integer() or not 0 <= value < n:
                raise InputError(
                    f"line {line}: {value:g} is not a task number 0..{n - 1}",
                    file=path,
                    field=column,
                )
        if values[5] < values[4]:
            raise InputError(
                f"line {line}: late {values[5]:g} before early {values[4]:g}",
                file=path,
                field="LATE",
            )
        if values[6] < 0:
            raise InputError(f"line {line}: service {values[6]:g} < 0", file=path, field="SERVICE")
        data[task] = values
    _, x, y, demand, ready, due, service, pickup, delivery = data.T
    pairs = _pairs(demand, pickup.astype(int), delivery.astype(int), capacity, line_of, path)
    coords = np.column_stack([x, y])
    return LiLimInstance(
        name=path.stem,
        vehicles=int(vehicles),
        capacity=float(capacity),
        coords=coords,
        distance=euclid(coords),
        demand=demand,
        ready=ready,
        due=due,
        service=service,
        pairs=tuple(pairs),
        speed=float(speed),
        source=str(path),
    )


def _pairs(
    demand: np.ndarray,
    pickup: np.ndarray,
    delivery: np.ndarray,
    capacity: float,
    line_of: dict[int, int],
    path: Path,
) -> list[tuple[int, int]]:
    """The (pickup, delivery) pairs, after checking that siblings point at each other."""

    def fail(task: int, message: str, column: str) -> InputError:
        return InputError(f"line {line_of[task]}: {message}", file=path, field=column)

    if demand[0] != 0 or pickup[0] != 0 or delivery[0] != 0:
        raise fail(0, "the depot (task 0) has a demand or a sibling", "DEMAND")
    pairs = []
    for task in range(1, len(demand)):
        p, d = int(pickup[task]), int(delivery[task])
        if (p == 0) == (d == 0):
            raise fail(
                task,
                f"task {task} must have exactly one sibling (PICKUP {p}, DELIVERY {d})",
                "PICKUP",
            )
        if p:  # a delivery: its pickup must name it
            if int(delivery[p]) != task:
                raise fail(
                    task,
                    f"delivery task {task} names pickup {p}, whose DELIVERY is {int(delivery[p])}",
                    "PICKUP",
                )
            continue
        if int(pickup[d]) != task:
            raise fail(
                task,
                f"pickup task {task} names delivery {d}, whose PICKUP is {int(pickup[d])}",
                "DELIVERY",
            )
        if demand[task] < 0 or demand[d] != -demand[task]:
            raise fail(
                task,
                f"pickup demand {demand[task]:g} must be >= 0 and its delivery's "
                f"({demand[d]:g}) the opposite",
                "DEMAND",
            )
        if demand[task] > capacity:
            raise fail(task, f"demand {demand[task]:g} exceeds the capacity", "DEMAND")
        pairs.append((task, d))
    return pairs


def read_lilim_solution(path: PathArg) -> LiLimSolution:
    """Read a Li & Lim solution file (``Route k : tasks ...``).

    Parameters
    ----------
    path
        The solution file, ideally named ``<instance>.<vehicles>_<distance>.txt``.

    Returns
    -------
    LiLimSolution

    Raises
    ------
    InputError
        Naming the file and line: a route line that does not parse, a task that is not a
        whole number >= 1, a task listed twice.
    """
    path = Path(path)
    routes: list[list[int]] = []
    instance: str | None = None
    seen: dict[int, int] = {}
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if line.lower().startswith("instance name") and ":" in line:
            instance = line.split(":", 1)[1].strip() or None
            continue
        if not line.lower().startswith("route"):
            continue  # header lines (authors, date, reference) and "Solution"
        route = parse_route_line(
            line, number, path, seen, what="task", expected="Route k : tasks..."
        )
        if route:
            routes.append(route)
    stem = path.name.removesuffix(".txt")
    named = _SOLUTION_NAME.fullmatch(stem)
    if named is None:
        return LiLimSolution(instance, routes, None, None)
    return LiLimSolution(
        instance or named["name"], routes, int(named["vehicles"]), float(named["distance"])
    )


# --------------------------------------------------------------------------------------
# Costs and feasibility
# --------------------------------------------------------------------------------------


def route_cost(instance: LiLimInstance, routes: Sequence[Sequence[int]]) -> float:
    """Total full-precision length of ``routes`` (task numbers, depot not listed)."""
    return routes_length(instance.distance, routes)


def check_solution(
    instance: LiLimInstance, routes: Sequence[Sequence[int]], *, tol: float = 1e-6
) -> list[str]:
    """Every way ``routes`` break the PDPTW rules; an empty list means feasible.

    Independent of any solver: it re-derives loads and the earliest schedule (leave the
    depot at its ready time, wait for a window to open, serve, drive on) from the
    instance's arrays. Checks: the number of non-empty routes is within the fleet; every
    task 1..n-1 is visited exactly once and nothing else is; each request's pickup and
    delivery are on the same route, pickup first; the load never exceeds the capacity
    nor goes below zero; service starts no later than each task's ``due``; each vehicle
    is back at the depot by the depot's ``due``.

    Parameters
    ----------
    instance
        The instance.
    routes
        Task numbers per route (depot not listed); empty routes are ignored.
    tol
        Slack on time and load comparisons (float sums).

    Returns
    -------
    list of str
        One line per violation; routes are numbered from 1 as in solution files.
    """
    out: list[str] = []
    n = instance.dimension
    routes = [list(r) for r in routes if len(r)]
    if len(routes) > instance.vehicles:
        out.append(f"{len(routes)} routes, but the fleet has {instance.vehicles} vehicles")
    where: dict[int, tuple[int, int]] = {}  # task -> (route, position)
    valid: list[bool] = []
    for r, route in enumerate(routes, start=1):
        ok = True
        for pos, task in enumerate(route):
            if isinstance(task, bool) or not isinstance(task, int | np.integer):
                ok = False
                out.append(f"route {r}: {task!r} is not a task number")
                continue
            task = int(task)
            if not 1 <= task < n:
                ok = False
                out.append(f"route {r}: {task} is not a task (1..{n - 1})")
            elif task in where:
                out.append(f"task {task} visited twice (routes {where[task][0]} and {r})")
            else:
                where[task] = (r, pos)
        valid.append(ok)
    missing = sorted(set(range(1, n)) - set(where))
    if missing:
        out.append(f"{len(missing)} task(s) never visited: {missing[:10]}")
    for p, d in instance.pairs:
        if p not in where or d not in where:
            continue
        (rp, ip), (rd, id_) = where[p], where[d]
        if rp != rd:
            out.append(f"request {p}->{d}: pickup on route {rp}, delivery on route {rd}")
        elif ip > id_:
            out.append(f"route {rp}: delivery {d} comes before its pickup {p}")
    for r, (route, ok) in enumerate(zip(routes, valid, strict=True), start=1):
        if ok:
            out.extend(_route_problems(instance, r, [int(t) for t in route], tol))
    return out


def _route_problems(instance: LiLimInstance, r: int, route: list[int], tol: float) -> list[str]:
    out = []
    d = instance.distance
    clock, prev, load = float(instance.ready[0]), 0, 0.0
    for task in route:
        clock = max(clock + float(d[prev, task]), float(instance.ready[task]))
        if clock > instance.due[task] + tol:
            out.append(
                f"route {r}: service at task {task} starts at {clock:.4f}, after its due "
                f"time {instance.due[task]:g}"
            )
        load += float(instance.demand[task])
        if load > instance.capacity + tol:
            out.append(
                f"route {r}: load {load:g} after task {task} exceeds the capacity "
                f"{instance.capacity:g}"
            )
        elif load < -tol:
            out.append(f"route {r}: load {load:g} < 0 after task {task}")
        clock += float(instance.service[task])
        prev = task
    back = clock + float(d[prev, 0])
    if back > instance.due[0] + tol:
        out.append(
            f"route {r}: back at the depot at {back:.4f}, after its due time {instance.due[0]:g}"
        )
    return out


# --------------------------------------------------------------------------------------
# Best-known solutions and data location
# --------------------------------------------------------------------------------------


def lilim_dir() -> Path:
    """``../shared/data/instances/pdptw/li_lim`` beside the project's root.

    Holds ``instances/``, ``bks_solutions/`` and ``bks_lilim100.csv``.

    Raises
    ------
    FileNotFoundError
        When the shared data folder is absent (e.g. a user's checkout without it).
    """
    return data_dir("pdptw/li_lim", "Li & Lim PDPTW")


def load_bks_lilim(path: PathArg | None = None) -> dict[str, BestKnown]:
    """Best-known distance (4 decimals) and vehicles, by instance name.

    The set's objective is vehicles first, then distance. Reads ``bks_lilim100.csv``
    (columns ``instance``, ``routes``, ``distance``, ...), by default from
    :func:`lilim_dir`.
    """
    path = Path(path) if path is not None else lilim_dir() / "bks_lilim100.csv"
    return load_bks_csv(path, cost="distance", routes="routes")
