"""Why a station cannot be served at all, even alone, by any vehicle of the fleet.

Solvers set such stations aside before they start (and list them as unserved with the
reason returned here), so that "left out" in a plan always means one of two things: the
station is impossible on its own (:func:`why_unservable` says why), or the fleet ran
out of room for it.

"Served alone" means one vehicle leaves the depot, makes one visit that delivers the
station's parcels and collects its produce, and comes back: the load on board is the
delivery on the way out and the produce on the way back, the vehicle leaves at the
start of the day (or later, to arrive exactly when the window opens), arrives at
``max(day_start + drive out, open)``, serves, and drives back.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from villageroute.plans import Unserved
from villageroute.problem import Problem
from villageroute.settings import VehicleType


def why_unservable(problem: Problem, node: int) -> str | None:
    """The reason station ``node`` cannot be served even alone, or ``None`` if it can.

    Checked for the fleet as given (vehicle types with ``count > 0``):

    * the out-and-back trip reaches the station before its window closes (leaving the
      depot at the start of the day) and is back before the day ends;
    * produce reaches the depot within the station's freshness limit (service plus the
      drive back);
    * cold-chain produce has a cold-chain vehicle in the fleet;
    * some vehicle type (cold-chain when the produce needs it) carries the delivery and
      the produce (kg and parcels) and has a shift as long as the trip; where the
      problem allows split visits, the delivery and the collection may each find a
      different vehicle type.

    Parameters
    ----------
    problem
        The day's problem.
    node
        A station index (``1..n-1``).

    Returns
    -------
    str or None
        One line naming the numbers, e.g. ``"needs 950 kg down, the largest vehicle
        carries 800 kg"``; several reasons are joined with ``"; "``.
    """
    p = problem
    node = int(node)
    if not 1 <= node < p.n:
        raise ValueError(f"node must be a station index in 1..{p.n - 1}, got {node}")
    down_kg, up_kg = float(p.down_kg[node]), float(p.up_kg[node])
    down_n, up_n = int(p.down_parcels[node]), int(p.up_parcels[node])
    t_out, t_back = float(p.time_s[0, node]), float(p.time_s[node, 0])
    service = float(p.service_s[node])
    open_s, close_s = float(p.open_s[node]), float(p.close_s[node])
    fresh = float(p.fresh_s[node])
    needs_cold = bool(p.cold_chain[node]) and up_n > 0

    reasons: list[str] = []
    # Time, whatever the vehicle: the earliest possible schedule of the lone trip.
    arrival = max(p.day_start_s + t_out, open_s)
    back = arrival + service + t_back
    if arrival > close_s:
        reasons.append(
            f"cannot arrive before its window closes at {_clock(close_s)}: leaving the depot "
            f"at {_clock(p.day_start_s)}, the {_minutes(t_out)} drive arrives at "
            f"{_clock(arrival)}"
        )
    elif back > p.day_end_s:
        reasons.append(
            f"an out-and-back trip cannot be back by the end of the day at "
            f"{_clock(p.day_end_s)}: served at {_clock(arrival)} at the earliest, back at "
            f"{_clock(back)}"
        )
    if up_n > 0 and service + t_back > fresh:
        reasons.append(
            f"its produce must reach the depot within {_minutes(fresh)} of collection, but "
            f"service and the drive back take {_minutes(service + t_back)}"
        )

    fleet = [v for v in p.vehicle_types if v.count > 0]
    if needs_cold and not any(v.cold_chain for v in fleet):
        reasons.append(
            f"its produce ({up_n} parcels) needs a cold-chain vehicle and the fleet has none"
        )
    if reasons:
        return "; ".join(reasons)

    start = max(p.day_start_s, open_s - t_out)
    duration = back - start
    limits = {
        "down": (("kg down", down_kg, "kg"), ("parcels down", down_n, "parcels")),
        "up": (("kg up", up_kg, "kg"), ("parcels up", up_n, "parcels")),
    }
    # With split visits the delivery and the collection may ride different vehicles.
    split = p.split_visits and down_n > 0 and up_n > 0
    for jobs in (("down",), ("up",)) if split else (("down", "up"),):
        cold = needs_cold and "up" in jobs
        able = [v for v in fleet if v.cold_chain] if cold else fleet
        checks = [limit for job in jobs for limit in limits[job]]
        label = {("down",): "its delivery", ("up",): "its collection"}.get(jobs, "it")
        reasons += _vehicle_reasons(able, checks, duration, cold, label, (t_out, service, t_back))
    return "; ".join(dict.fromkeys(reasons)) or None


def _vehicle_reasons(
    fleet: list[VehicleType],
    checks: list[tuple[str, float, str]],
    duration: float,
    cold: bool,
    job: str,
    legs: tuple[float, float, float],
) -> list[str]:
    """Why no vehicle of ``fleet`` carries these amounts on a trip of ``duration``."""
    t_out, service, t_back = legs

    def capacity(vehicle: VehicleType, unit: str) -> float:
        return vehicle.capacity_kg if unit == "kg" else vehicle.capacity_parcels

    failures: dict[str, list[str]] = {}
    for vehicle in fleet:
        failed = [
            f"{_amount(need)} {what} > {_amount(capacity(vehicle, unit))}"
            for what, need, unit in checks
            if need > capacity(vehicle, unit)
        ]
        if duration > _shift_s(vehicle):
            failed.append(f"{_hours(duration)} trip > {_hours(_shift_s(vehicle))} shift")
        if not failed:
            return []
        failures[vehicle.name] = failed

    largest = "the largest cold-chain vehicle" if cold else "the largest vehicle"
    reasons = []
    for what, need, unit in checks:
        most = max(capacity(v, unit) for v in fleet)
        if need > most:
            direction = what.split()[1]
            reasons.append(
                f"needs {_amount(need)} {unit} {direction}, {largest} carries {_amount(most)} "
                f"{unit}"
            )
    longest = max(_shift_s(v) for v in fleet)
    if duration > longest:
        reasons.append(
            f"an out-and-back trip takes {_hours(duration)} (drive {_minutes(t_out)} out, "
            f"{_minutes(service)} service, {_minutes(t_back)} back), the longest shift is "
            f"{_hours(longest)}"
        )
    if not reasons:  # each limit is met by some vehicle type, but never all by one
        reasons.append(
            f"no single vehicle type fits {job}: "
            + "; ".join(f"{name}: {', '.join(f)}" for name, f in failures.items())
        )
    return reasons


def _shift_s(vehicle: VehicleType) -> float:
    return vehicle.max_shift_hours * 3600.0


def _amount(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _clock(s: float) -> str:
    if not math.isfinite(s):
        return "never" if s > 0 else str(s)
    total = round(s)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}" + (
        f":{total % 60:02d}" if total % 60 else ""
    )


def _minutes(s: float) -> str:
    if not math.isfinite(s):
        return "unlimited time"
    return f"{s / 60:.1f} min".replace(".0 min", " min")


def _hours(s: float) -> str:
    return f"{s / 3600:.2f} h"


#: The rules the OR-Tools and nearest-neighbour solvers and the scarce-vehicle hand-over plan
#: within.
EVERY_LIMIT = "capacity, time windows, freshness, cold chain or shift"


def left_out_reason(job: str, half: bool, *, limits: str = EVERY_LIMIT) -> str:
    """Why a solver left a servable station out: its ``job`` (``"down"``, ``"up"`` or
    ``"both"``) found no room within ``limits`` (a solver that checks fewer rules names
    its own); ``half`` when the station's other job was placed and taken out again."""
    what = {"down": "delivery", "up": "collection"}.get(job, "visit")
    reason = (
        f"left out: its {what} found no room in any route of the fleet ({limits}) within "
        "the search time limit"
    )
    if half:
        reason += "; a station is served in full or not at all"
    return reason


def set_aside(
    problem: Problem, also: Callable[[Problem, int], str | None] | None = None
) -> tuple[list[int], list[Unserved]]:
    """Stations with demand a solver should plan, and those it cannot serve at all (with
    :func:`why_unservable`'s reason, or ``also``'s for a solver's own limits)."""
    candidates: list[int] = []
    unserved: list[Unserved] = []
    for node in problem.demand_nodes.tolist():
        reason = why_unservable(problem, node) or (also(problem, node) if also else None)
        if reason is None:
            candidates.append(node)
        else:
            unserved.append(Unserved(node, problem.ids[node], reason))
    return candidates, unserved
