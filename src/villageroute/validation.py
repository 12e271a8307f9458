"""The independent check of a plan against its problem.

:func:`validate_plan` shares no code with the solvers or with
:func:`villageroute.plans.build_route`: it re-derives loads, schedule, distance and cost
from the problem's raw arrays and, for each route, nothing but its vehicle, its start
and end times and, per stop, the location, the service start and departure times, and
*which* of the station's two jobs the visit does (read from whether ``down_parcels`` /
``up_parcels`` are non-zero). Every amount recorded in the plan is then compared with
the re-derived one.

Service model
-------------
A station has up to two jobs: deliver all of its ``down_parcels`` (``down_kg``) and
collect all of its ``up_parcels`` (``up_kg``). Each job is done whole, by exactly one
visit: usually one visit does both, but a plan may deliver on one visit and collect on
another (the separate-trip baselines do). A station with demand is either served (every
job it has, exactly once) or listed in ``plan.unserved`` (exactly once, with a reason),
never partly served. A station without demand may be visited once (harmless).

Loads follow trips: a trip runs from the depot to the next depot visit (a mid-day stop
at location 0, or the route end). It leaves the depot with all of its deliveries on
board; each stop changes the load by ``pickup - delivery``. Both kg and parcels must stay
within the vehicle's capacity at *every* point, departure included. (This is what the
single signed load dimension with a free start, or-tools issue #1907, gets wrong.)
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections import Counter
from dataclasses import dataclass

import numpy as np

from villageroute.plans import Plan, Route, Stop
from villageroute.problem import Problem
from villageroute.settings import VehicleType

#: Every kind of violation, in the order they are checked.
KINDS = (
    "vehicle",
    "accounting",
    "load_record",
    "capacity",
    "schedule",
    "day",
    "time_window",
    "shift",
    "freshness",
    "cold_chain",
    "cost",
)

#: Slack on capacity checks, relative to the capacity, for float sums of kg only.
_CAPACITY_RTOL = 1e-9
#: Absolute slack when comparing recorded kg with re-derived kg.
_KG_ATOL = 1e-6
#: Absolute slack when comparing recorded metres / money with re-derived ones.
_ABS_ATOL = 1e-6


@dataclass(frozen=True)
class Violation:
    """One way a plan breaks its problem.

    Attributes
    ----------
    kind
        One of :data:`KINDS`: ``"capacity"``, ``"time_window"``, ``"shift"``, ``"day"``,
        ``"freshness"``, ``"cold_chain"``, ``"schedule"``, ``"accounting"``, ``"cost"``,
        ``"vehicle"``, ``"load_record"``.
    route
        Index of the route in ``plan.routes`` (``None`` for plan-wide problems).
    node
        The location concerned, if any (0 = the depot).
    message
        One line, with the numbers.
    """

    kind: str
    route: int | None
    node: int | None
    message: str

    def __str__(self) -> str:
        where = "" if self.route is None else f"route {self.route}: "
        return f"{self.kind}: {where}{self.message}"


def validate_plan(
    problem: Problem, plan: Plan, *, rel_tol: float = 1e-6, time_tol_s: float = 1e-6
) -> list[Violation]:
    """Every violation of ``problem`` by ``plan``; an empty list means the plan is valid.

    Checks (see the module docstring for the service model):

    * **vehicle** -- each route's vehicle index is in the fleet; no vehicle has two routes.
    * **accounting** -- locations exist; every station with demand is served (each job
      exactly once) or listed unserved exactly once with a non-empty reason and its own
      id, never both; a station without demand is visited at most once and not listed.
    * **load_record** -- each stop's ``down_parcels``/``up_parcels`` are 0 or the
      station's whole amount; ``start_load_*`` and each stop's ``load_*`` equal the
      re-derived loads (kg within ``rel_tol``, parcels exactly).
    * **capacity** -- kg and parcels on board within the vehicle's capacity at every
      departure from the depot and after every stop.
    * **schedule** -- times are finite; each arrival is no earlier than the previous
      departure plus the drive; departure = arrival + service time at stations,
      departure >= arrival at mid-day depot stops; the end is no earlier than the last
      departure plus the drive back.
    * **day** -- the route starts no earlier than ``day_start_s`` and ends no later than
      ``day_end_s``.
    * **time_window** -- service at a station starts within ``[open_s, close_s]``.
    * **shift** -- ``end_s - start_s`` is within the vehicle's ``max_shift_hours``.
    * **freshness** -- produce collected at a station with a finite ``fresh_s`` reaches
      the depot (the next mid-day depot stop or the route end) within ``fresh_s``.
    * **cold_chain** -- cold-chain produce is collected by a cold-chain vehicle.
    * **cost** -- each route's ``distance_m`` (depot to depot) and ``cost``
      (``cost_per_km * km + cost_per_hour * hours away from the depot + cost_per_day``,
      where waits at mid-day depot stops are not charged) match within ``rel_tol``, and
      so does ``plan.total_cost``.

    Parameters
    ----------
    problem
        The problem the plan claims to solve.
    plan
        The plan.
    rel_tol
        Relative tolerance of the cost, distance and kg comparisons.
    time_tol_s
        Absolute tolerance, in seconds, of every time comparison.

    Returns
    -------
    list of Violation
        In route order, then plan-wide ones.
    """
    return _Check(problem, plan, rel_tol, time_tol_s).run()


@dataclass
class _Visit:
    route: int
    index: int
    down: bool
    up: bool


class _Check:
    def __init__(self, problem: Problem, plan: Plan, rel_tol: float, time_tol: float) -> None:
        self.p = problem
        self.plan = plan
        self.rel_tol = rel_tol
        self.tol = time_tol
        self.out: list[Violation] = []
        self.visits: dict[int, list[_Visit]] = {}
        self.recomputed_total = 0.0

    def add(self, kind: str, route: int | None, node: int | None, message: str) -> None:
        self.out.append(Violation(kind, route, node, " ".join(message.split())))

    def run(self) -> list[Violation]:
        owners: dict[int, int] = {}
        for r, route in enumerate(self.plan.routes):
            vehicle = self.vehicle(r, route, owners)
            self.route(r, route, vehicle)
        self.accounting()
        self.total_cost()
        return self.out

    # -- per route -----------------------------------------------------------------

    def vehicle(self, r: int, route: Route, owners: dict[int, int]) -> VehicleType | None:
        k = route.vehicle
        if not _is_int(k) or not 0 <= int(k) < self.p.n_vehicles:
            self.add(
                "vehicle",
                r,
                None,
                f"vehicle {k!r} is not in the fleet (vehicles 0..{self.p.n_vehicles - 1})",
            )
            return None
        k = int(k)
        if k in owners:
            self.add("vehicle", r, None, f"vehicle {k} already drives route {owners[k]}")
        else:
            owners[k] = r
        return self.p.vehicle(k)

    def route(self, r: int, route: Route, vehicle: VehicleType | None) -> None:
        p = self.p
        stops = list(route.stops)
        known = True
        for i, stop in enumerate(stops):
            if not _is_int(stop.node) or not 0 <= int(stop.node) < p.n:
                self.add(
                    "accounting",
                    r,
                    None,
                    f"stop {i} visits unknown location {stop.node!r} "
                    f"(the problem has locations 0..{p.n - 1})",
                )
                known = False
        if not known or vehicle is None:  # no cost to re-derive: take the record
            self.recomputed_total += float(route.cost)
        if not known:
            return
        nodes = [int(s.node) for s in stops]
        jobs = [
            self.jobs(r, i, node, stop)
            for i, (node, stop) in enumerate(zip(nodes, stops, strict=True))
        ]
        self.loads(r, route, vehicle, nodes, stops, jobs)
        timed = self.schedule(r, route, nodes, stops)
        if timed:
            self.windows(r, nodes, stops)
            self.freshness(r, route, nodes, stops, jobs)
            if vehicle is not None:
                self.shift(r, route, vehicle)
        if vehicle is not None:
            self.cold_chain(r, route, vehicle, nodes, jobs)
            self.cost(r, route, vehicle, nodes, stops)

    def jobs(self, r: int, i: int, node: int, stop: Stop) -> tuple[bool, bool]:
        """Which jobs stop ``i`` does (deliver, collect), checking the recorded counts."""
        p = self.p
        if node == 0:
            if stop.down_parcels or stop.up_parcels:
                self.add(
                    "load_record",
                    r,
                    0,
                    f"stop {i} (depot) records {stop.down_parcels} parcels down and "
                    f"{stop.up_parcels} up; a depot stop records none",
                )
            return False, False
        done = []
        for what, recorded, whole in (
            ("down", stop.down_parcels, int(p.down_parcels[node])),
            ("up", stop.up_parcels, int(p.up_parcels[node])),
        ):
            if recorded not in (0, whole):
                self.add(
                    "load_record",
                    r,
                    node,
                    f"stop {i} at {self.where(node)} records {recorded} parcels {what}; the "
                    f"station has {whole} (a visit does all of a job or none of it)",
                )
            done.append(bool(whole > 0 and recorded != 0))
        down, up = done
        self.visits.setdefault(node, []).append(_Visit(r, i, down, up))
        return down, up

    def loads(
        self,
        r: int,
        route: Route,
        vehicle: VehicleType | None,
        nodes: list[int],
        stops: list[Stop],
        jobs: list[tuple[bool, bool]],
    ) -> None:
        p = self.p
        # Each trip's departure load: everything it delivers.
        trip_loads: list[tuple[float, int]] = []
        kg, parcels = 0.0, 0
        for node, (down, _) in zip(nodes, jobs, strict=True):
            if node == 0:
                trip_loads.append((kg, parcels))
                kg, parcels = 0.0, 0
            elif down:
                kg += float(p.down_kg[node])
                parcels += int(p.down_parcels[node])
        trip_loads.append((kg, parcels))

        kg, parcels = trip_loads[0]
        self.record(r, 0, "start load", route.start_load_kg, route.start_load_parcels, kg, parcels)
        self.capacity(r, 0, "leaves the depot", kg, parcels, vehicle)
        trip = 0
        for i, (node, stop, (down, up)) in enumerate(zip(nodes, stops, jobs, strict=True)):
            if node == 0:
                trip += 1
                kg, parcels = trip_loads[trip]
                where = f"leaves the depot after stop {i} (trip {trip + 1})"
            else:
                if down:
                    kg -= float(p.down_kg[node])
                    parcels -= int(p.down_parcels[node])
                if up:
                    kg += float(p.up_kg[node])
                    parcels += int(p.up_parcels[node])
                where = f"leaves {self.where(node)} (stop {i})"
            self.record(r, node, f"stop {i} load", stop.load_kg, stop.load_parcels, kg, parcels)
            self.capacity(r, node, where, kg, parcels, vehicle)

    def record(
        self, r: int, node: int, what: str, kg: float, parcels: int, want_kg: float, want_n: int
    ) -> None:
        ok_kg = math.isclose(float(kg), want_kg, rel_tol=self.rel_tol, abs_tol=_KG_ATOL)
        if not ok_kg or parcels != want_n:
            self.add(
                "load_record",
                r,
                node,
                f"{what} is recorded as {_num(kg)} kg / {parcels} parcels, "
                f"re-derived {_num(want_kg)} kg / {want_n} parcels",
            )

    def capacity(
        self,
        r: int,
        node: int,
        where: str,
        kg: float,
        parcels: int,
        vehicle: VehicleType | None,
    ) -> None:
        if vehicle is None:
            return
        over = []
        if kg > vehicle.capacity_kg * (1 + _CAPACITY_RTOL):
            over.append(f"{_num(kg)} kg > {_num(vehicle.capacity_kg)} kg")
        if parcels > vehicle.capacity_parcels:
            over.append(f"{parcels} parcels > {vehicle.capacity_parcels} parcels")
        if parcels < 0 or kg < -_KG_ATOL:
            over.append(f"a negative load ({_num(kg)} kg, {parcels} parcels)")
        if over:
            self.add(
                "capacity",
                r,
                node,
                f"{vehicle.name} {where} with {' and '.join(over)} on board",
            )

    def schedule(self, r: int, route: Route, nodes: list[int], stops: list[Stop]) -> bool:
        """Check times; ``False`` if they are not all finite (later checks skipped)."""
        p, tol = self.p, self.tol
        times = [
            route.start_s,
            route.end_s,
            *(t for s in stops for t in (s.arrival_s, s.departure_s)),
        ]
        if not all(_is_finite(t) for t in times):
            self.add("schedule", r, None, "a start, end, arrival or departure time is not finite")
            return False
        if route.start_s < p.day_start_s - tol:
            self.add(
                "day",
                r,
                0,
                f"leaves the depot at {_clock(route.start_s)}, before the day starts at "
                f"{_clock(p.day_start_s)}",
            )
        prev, leave, prev_label = 0, float(route.start_s), "the depot (start)"
        for i, (node, stop) in enumerate(zip(nodes, stops, strict=True)):
            drive = float(p.time_s[prev, node])
            if stop.arrival_s < leave + drive - tol:
                self.add(
                    "schedule",
                    r,
                    node,
                    f"stop {i} at {self.where(node)} starts at {_clock(stop.arrival_s)}, but "
                    f"leaving {prev_label} at {_clock(leave)} with a {_secs(drive)} drive it "
                    f"cannot before {_clock(leave + drive)} "
                    f"({_secs(leave + drive - stop.arrival_s)} early)",
                )
            if node == 0:
                if stop.departure_s < stop.arrival_s - tol:
                    self.add(
                        "schedule",
                        r,
                        0,
                        f"stop {i} (depot) departs at {_clock(stop.departure_s)}, before it "
                        f"arrives at {_clock(stop.arrival_s)}",
                    )
                prev_label = f"the depot (stop {i})"
            else:
                service = float(p.service_s[node])
                if abs(stop.departure_s - (stop.arrival_s + service)) > tol:
                    self.add(
                        "schedule",
                        r,
                        node,
                        f"stop {i} at {self.where(node)} departs at {_clock(stop.departure_s)}; "
                        f"service from {_clock(stop.arrival_s)} takes {_secs(service)}, so "
                        f"{_clock(stop.arrival_s + service)}",
                    )
                prev_label = f"{self.where(node)} (stop {i})"
            prev, leave = node, float(stop.departure_s)
        drive = float(p.time_s[prev, 0])
        if route.end_s < leave + drive - tol:
            self.add(
                "schedule",
                r,
                0,
                f"ends at {_clock(route.end_s)}, but leaving {prev_label} at {_clock(leave)} "
                f"with a {_secs(drive)} drive back it cannot before {_clock(leave + drive)}",
            )
        if route.end_s > p.day_end_s + tol:
            self.add(
                "day",
                r,
                0,
                f"is back at the depot at {_clock(route.end_s)}, after the day ends at "
                f"{_clock(p.day_end_s)}",
            )
        return True

    def windows(self, r: int, nodes: list[int], stops: list[Stop]) -> None:
        p, tol = self.p, self.tol
        for i, (node, stop) in enumerate(zip(nodes, stops, strict=True)):
            if node == 0:
                continue
            lo, hi = float(p.open_s[node]), float(p.close_s[node])
            if not lo - tol <= stop.arrival_s <= hi + tol:
                self.add(
                    "time_window",
                    r,
                    node,
                    f"stop {i}: service at {self.where(node)} starts at "
                    f"{_clock(stop.arrival_s)}, outside its window "
                    f"{_clock(lo)}-{_clock(hi)}",
                )

    def shift(self, r: int, route: Route, vehicle: VehicleType) -> None:
        limit = vehicle.max_shift_hours * 3600.0
        length = route.end_s - route.start_s
        if length > limit + self.tol:
            self.add(
                "shift",
                r,
                None,
                f"{vehicle.name} is out {_hours(length)} ({_clock(route.start_s)}-"
                f"{_clock(route.end_s)}), longer than its {_hours(limit)} shift",
            )

    def freshness(
        self,
        r: int,
        route: Route,
        nodes: list[int],
        stops: list[Stop],
        jobs: list[tuple[bool, bool]],
    ) -> None:
        p = self.p
        back = float(route.end_s)
        # Walk backwards: the next arrival at the depot after each stop.
        for i in range(len(nodes) - 1, -1, -1):
            node, stop = nodes[i], stops[i]
            if node == 0:
                back = float(stop.arrival_s)
                continue
            limit = float(p.fresh_s[node])
            if not jobs[i][1] or not math.isfinite(limit):
                continue
            took = back - float(stop.arrival_s)
            if took > limit + self.tol:
                self.add(
                    "freshness",
                    r,
                    node,
                    f"produce collected at {self.where(node)} at {_clock(stop.arrival_s)} "
                    f"reaches the depot at {_clock(back)}, after {_hours(took)}; its limit is "
                    f"{_hours(limit)}",
                )

    def cold_chain(
        self,
        r: int,
        route: Route,
        vehicle: VehicleType,
        nodes: list[int],
        jobs: list[tuple[bool, bool]],
    ) -> None:
        if vehicle.cold_chain:
            return
        for i, (node, (_, up)) in enumerate(zip(nodes, jobs, strict=True)):
            if up and self.p.cold_chain[node]:
                self.add(
                    "cold_chain",
                    r,
                    node,
                    f"stop {i}: cold-chain produce ({int(self.p.up_parcels[node])} parcels) at "
                    f"{self.where(node)} collected by {vehicle.name}, which is not "
                    f"refrigerated",
                )

    def cost(
        self, r: int, route: Route, vehicle: VehicleType, nodes: list[int], stops: list[Stop]
    ) -> None:
        p = self.p
        path = [0, *nodes, 0]
        distance = float(sum(p.distance_m[a, b] for a, b in itertools.pairwise(path)))
        idle = sum(
            float(s.departure_s - s.arrival_s) for n, s in zip(nodes, stops, strict=True) if n == 0
        )
        hours = (route.end_s - route.start_s - idle) / 3600.0
        km = distance / 1000.0
        cost = vehicle.cost_per_km * km + vehicle.cost_per_hour * hours + vehicle.cost_per_day
        self.recomputed_total += cost
        if not self.close(route.distance_m, distance):
            self.add(
                "cost",
                r,
                None,
                f"records {_num(route.distance_m)} m driven, re-derived {_num(distance)} m",
            )
        if not self.close(route.cost, cost):
            self.add(
                "cost",
                r,
                None,
                f"records cost {route.cost:.4f}, re-derived {cost:.4f} = "
                f"{_num(vehicle.cost_per_km)}/km x {km:.3f} km + "
                f"{_num(vehicle.cost_per_hour)}/h x {hours:.4f} h + "
                f"{_num(vehicle.cost_per_day)}/day",
            )

    # -- plan-wide -----------------------------------------------------------------

    def accounting(self) -> None:
        p = self.p
        listed: Counter[int] = Counter()
        for j, entry in enumerate(self.plan.unserved):
            node = entry.node
            if not _is_int(node) or not 1 <= int(node) < p.n:
                self.add(
                    "accounting",
                    None,
                    None,
                    f"unserved entry {j} names unknown station {node!r} "
                    f"(stations are 1..{p.n - 1})",
                )
                continue
            node = int(node)
            listed[node] += 1
            if not isinstance(entry.reason, str) or not entry.reason.strip():
                self.add(
                    "accounting",
                    None,
                    node,
                    f"{self.where(node)} is listed unserved without a reason",
                )
            if entry.station_id != p.ids[node]:
                self.add(
                    "accounting",
                    None,
                    node,
                    f"unserved entry {j} for location {node} has id {entry.station_id!r}, "
                    f"the problem says {p.ids[node]!r}",
                )
        for node in range(1, p.n):
            down, up = int(p.down_parcels[node]), int(p.up_parcels[node])
            visits = self.visits.get(node, [])
            times = listed[node]
            at = ", ".join(f"route {v.route} stop {v.index}" for v in visits)
            if down == 0 and up == 0:
                if times:
                    self.add(
                        "accounting",
                        None,
                        node,
                        f"{self.where(node)} is listed unserved but has nothing to deliver or "
                        f"collect",
                    )
                if len(visits) > 1:
                    self.add(
                        "accounting",
                        None,
                        node,
                        f"{self.where(node)} has no demand but is visited {len(visits)} times "
                        f"({at})",
                    )
                continue
            if times > 1:
                self.add(
                    "accounting", None, node, f"{self.where(node)} is listed unserved {times} times"
                )
            if times and visits:
                self.add(
                    "accounting",
                    None,
                    node,
                    f"{self.where(node)} is listed unserved but also visited ({at})",
                )
            if times:
                continue
            for job, amount, count in (
                ("delivered", down, sum(v.down for v in visits)),
                ("collected", up, sum(v.up for v in visits)),
            ):
                if amount and count != 1:
                    self.add(
                        "accounting",
                        None,
                        node,
                        f"the {amount} parcels of {self.where(node)} are {job} {count} times "
                        f"({at or 'never visited'}), and it is not listed unserved",
                    )
            if not p.split_visits and down and up and len(visits) > 1:
                self.add(
                    "accounting",
                    None,
                    node,
                    f"{self.where(node)} is visited {len(visits)} times ({at}); this problem "
                    f"requires one visit that both delivers and collects",
                )
            for v in visits:
                if not v.down and not v.up:
                    self.add(
                        "accounting",
                        v.route,
                        node,
                        f"stop {v.index} visits {self.where(node)} without delivering or "
                        f"collecting anything",
                    )

    def total_cost(self) -> None:
        total = self.plan.total_cost
        if not self.close(total, self.recomputed_total):
            self.add(
                "cost",
                None,
                None,
                f"total cost {total:.4f} differs from the re-derived {self.recomputed_total:.4f}",
            )

    # -- helpers -------------------------------------------------------------------

    def close(self, recorded: float, derived: float) -> bool:
        return math.isclose(float(recorded), derived, rel_tol=self.rel_tol, abs_tol=_ABS_ATOL)

    def where(self, node: int) -> str:
        if node == 0:
            return "the depot"
        return f"station {self.p.ids[node]!r} (#{node})"


def _is_int(x: object) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_finite(x: object) -> bool:
    return isinstance(x, numbers.Real) and bool(np.isfinite(float(x)))


def _num(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _secs(s: float) -> str:
    return f"{_num(s)} s"


def _hours(s: float) -> str:
    return f"{s / 3600.0:.3f} h"


def _clock(s: float) -> str:
    """``HH:MM:SS`` (to the millisecond when not whole) after midnight."""
    s = float(s)
    if not math.isfinite(s):
        return str(s)
    sign = "-" if s < 0 else ""
    s = abs(s)
    whole = math.floor(s)
    h, rest = divmod(whole, 3600)
    m, sec = divmod(rest, 60)
    frac = s - whole
    tail = f"{frac:.3f}"[1:] if round(frac, 3) not in (0.0, 1.0) else ""
    return f"{sign}{h:02d}:{m:02d}:{sec:02d}{tail}"
