"""Tests of villageroute.validation: each violation kind caught on a hand-broken plan."""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import replace

import numpy as np
import pytest

from villageroute import validation
from villageroute.plans import Plan, Route, Unserved, build_route
from villageroute.problem import Problem
from villageroute.settings import VehicleType
from villageroute.solvers.naive import solve_naive
from villageroute.validation import KINDS, Violation, validate_plan

DAY_START, DAY_END = 7 * 3600.0, 19 * 3600.0


def van(**changes: object) -> VehicleType:
    values: dict = dict(
        name="van",
        count=2,
        capacity_kg=100.0,
        capacity_parcels=40,
        cost_per_km=1.0,
        cost_per_hour=30.0,
        cost_per_day=100.0,
        max_shift_hours=10.0,
    )
    values.update(changes)
    return VehicleType(**values)


COLD_VAN = van(name="cold_van", count=1, cold_chain=True, cost_per_km=1.5)


def line(n: int = 4, fleet: tuple[VehicleType, ...] = (van(), COLD_VAN), **arrays) -> Problem:
    """Depot at 0 km, stations every 10 km on a straight road, 10 m/s, 5 min service.

    Each station: 5 parcels (10 kg) down, 3 boxes (15 kg) up, unless overridden.
    """
    x = np.arange(n + 1) * 10_000.0
    distance = np.abs(x[:, None] - x[None, :])
    defaults: dict = dict(
        down_parcels=[0] + [5] * n,
        up_parcels=[0] + [3] * n,
        down_kg=[0.0] + [10.0] * n,
        up_kg=[0.0] + [15.0] * n,
        service_s=[0.0] + [300.0] * n,
        day_start_s=DAY_START,
        day_end_s=DAY_END,
    )
    defaults.update(arrays)
    return Problem.from_arrays(distance, distance / 10.0, vehicle_types=fleet, **defaults)


def plan_of(problem: Problem, *routes: Route, unserved: tuple[Unserved, ...] = ()) -> Plan:
    return Plan(problem=problem, solver="hand", routes=tuple(routes), unserved=unserved)


def kinds(violations: list[Violation]) -> set[str]:
    return {v.kind for v in violations}


@pytest.fixture
def problem() -> Problem:
    return line()


@pytest.fixture
def good(problem: Problem) -> Plan:
    """Vehicle 0 serves all four stations in one co-routed trip."""
    return plan_of(problem, build_route(problem, 0, [1, 2, 3, 4]))


def with_stop(plan: Plan, route: int, stop: int, **changes: object) -> Plan:
    r = plan.routes[route]
    stops = list(r.stops)
    stops[stop] = replace(stops[stop], **changes)
    routes = list(plan.routes)
    routes[route] = replace(r, stops=tuple(stops))
    return replace(plan, routes=tuple(routes))


def with_route(plan: Plan, route: int, **changes: object) -> Plan:
    routes = list(plan.routes)
    routes[route] = replace(routes[route], **changes)
    return replace(plan, routes=tuple(routes))


# -- valid plans -------------------------------------------------------------------


def test_valid_plan_reports_nothing(problem: Problem, good: Plan) -> None:
    assert validate_plan(problem, good) == []


def test_valid_multi_trip_plan_reports_nothing(problem: Problem) -> None:
    route = build_route(problem, 0, [1, 2, 0, 3, 4])
    assert validate_plan(problem, plan_of(problem, route)) == []


def test_empty_plan_with_everything_listed_unserved_is_valid(problem: Problem) -> None:
    unserved = tuple(Unserved(i, problem.ids[i], "no time today") for i in range(1, 5))
    assert validate_plan(problem, plan_of(problem, unserved=unserved)) == []


def test_split_service_plan_is_valid(problem: Problem) -> None:
    # The baselines deliver on one trip and collect on another.
    plan = solve_naive(problem)
    assert any(r.nodes.count(1) == 2 for r in plan.routes)
    assert validate_plan(problem, plan) == []


def test_waiting_at_the_depot_between_trips_is_allowed_and_not_charged(problem: Problem) -> None:
    route = build_route(problem, 0, [1, 2, 0, 3, 4])
    wait = 1800.0
    stops = list(route.stops)
    depot = stops[2]
    stops[2] = replace(depot, departure_s=depot.departure_s + wait)
    stops[3:] = [
        replace(s, arrival_s=s.arrival_s + wait, departure_s=s.departure_s + wait)
        for s in stops[3:]
    ]
    route = replace(route, stops=tuple(stops), end_s=route.end_s + wait)
    # Same cost: the hour waited at the depot is not charged.
    assert validate_plan(problem, plan_of(problem, route)) == []


def test_kinds_are_the_documented_ones() -> None:
    assert set(KINDS) == {
        "capacity",
        "time_window",
        "shift",
        "day",
        "freshness",
        "cold_chain",
        "schedule",
        "accounting",
        "cost",
        "vehicle",
        "load_record",
    }


def test_validator_shares_no_code_with_solvers_or_build_route() -> None:
    tree = ast.parse(inspect.getsource(validation))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
    assert not any("solvers" in name or "feasibility" in name for name in imported)
    assert "villageroute.plans.build_route" not in imported


# -- capacity ----------------------------------------------------------------------


@pytest.fixture
def funded() -> Problem:
    """Capacity 10: station 1 has 10 to collect, station 2 has 10 to receive."""
    distance = np.array([[0, 1000, 1000], [1000, 0, 1000], [1000, 1000, 0]], float)
    small = van(capacity_kg=10.0, capacity_parcels=10)
    return Problem.from_arrays(
        distance,
        distance / 10.0,
        vehicle_types=[small],
        down_parcels=[0, 0, 10],
        up_parcels=[0, 10, 0],
        day_start_s=DAY_START,
        day_end_s=DAY_END,
    )


def test_capacity_pickup_cannot_fund_a_later_delivery(funded: Problem) -> None:
    # One signed load dimension with a free start (or-tools #1907) sees this route as
    # starting at -10 + 10 = 0 after station 1 and 0 after station 2: "feasible". In
    # reality the van leaves with station 2's 10 parcels and picks 10 more at station 1.
    route = build_route(funded, 0, [1, 2])
    assert route.start_load_kg == 10.0
    violations = validate_plan(funded, plan_of(funded, route))
    assert kinds(violations) == {"capacity"}
    (v,) = violations
    assert v.node == 1 and v.route == 0
    assert "20 kg > 10 kg" in v.message and "20 parcels > 10 parcels" in v.message


def test_capacity_the_other_order_fits(funded: Problem) -> None:
    assert validate_plan(funded, plan_of(funded, build_route(funded, 0, [2, 1]))) == []


def test_capacity_checked_at_departure(problem: Problem) -> None:
    tight = line(fleet=(van(capacity_kg=30.0),))
    route = build_route(tight, 0, [1, 2, 3, 4])  # leaves with 40 kg
    violations = validate_plan(tight, plan_of(tight, route))
    assert kinds(violations) == {"capacity"}
    assert violations[0].node == 0 and "40 kg > 30 kg" in violations[0].message


def test_capacity_per_trip(problem: Problem) -> None:
    tight = line(fleet=(van(capacity_kg=30.0),))
    route = build_route(tight, 0, [1, 2, 0, 3, 4])  # 20 kg out each trip, 30 kg back
    assert validate_plan(tight, plan_of(tight, route)) == []


# -- load records ------------------------------------------------------------------


def test_load_record_stop_load(good: Plan, problem: Problem) -> None:
    broken = with_stop(good, 0, 1, load_kg=good.routes[0].stops[1].load_kg - 5.0)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"load_record"}
    assert violations[0].node == 2


def test_load_record_start_load(good: Plan, problem: Problem) -> None:
    broken = with_route(good, 0, start_load_parcels=3)
    assert kinds(validate_plan(problem, broken)) == {"load_record"}


def test_load_record_partial_job(good: Plan, problem: Problem) -> None:
    broken = with_stop(good, 0, 0, down_parcels=2)  # the station has 5
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"load_record"}
    assert "records 2 parcels down" in violations[0].message


def test_load_record_parcels_at_a_depot_stop(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2, 0, 3, 4]))
    broken = with_stop(plan, 0, 2, up_parcels=4)
    assert kinds(validate_plan(problem, broken)) == {"load_record"}


# -- schedule, day, windows, shift -------------------------------------------------


def test_schedule_arrival_too_early(good: Plan, problem: Problem) -> None:
    stop = good.routes[0].stops[1]
    broken = with_stop(good, 0, 1, arrival_s=stop.arrival_s - 60, departure_s=stop.departure_s - 60)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"schedule"}
    assert "60 s early" in violations[0].message


def test_schedule_departure_is_not_arrival_plus_service(good: Plan, problem: Problem) -> None:
    stop = good.routes[0].stops[0]
    broken = with_stop(good, 0, 0, departure_s=stop.departure_s - 100)
    assert kinds(validate_plan(problem, broken)) == {"schedule"}


def test_schedule_end_before_the_drive_back(good: Plan, problem: Problem) -> None:
    # Shift the whole day: the end moves with the cost kept consistent except the end.
    route = good.routes[0]
    broken = with_route(good, 0, end_s=route.end_s - 10, cost=route.cost - 30.0 * 10 / 3600)
    assert kinds(validate_plan(problem, broken)) == {"schedule"}


def test_schedule_non_finite_time(good: Plan, problem: Problem) -> None:
    broken = with_stop(good, 0, 2, arrival_s=math.nan)
    assert kinds(validate_plan(problem, broken)) == {"schedule"}


def test_schedule_depot_departure_before_arrival(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 0, 2]))
    depot = plan.routes[0].stops[1]
    broken = with_stop(plan, 0, 1, departure_s=depot.arrival_s - 1)
    assert "schedule" in kinds(validate_plan(problem, broken))


def test_day_end(problem: Problem) -> None:
    route = build_route(problem, 0, [4], start_s=DAY_END - 3600)
    violations = validate_plan(problem, plan_of(problem, route, unserved=_rest(problem, [4])))
    assert kinds(violations) == {"day"}
    assert "19:00:00" in violations[0].message


def test_day_start(problem: Problem) -> None:
    route = build_route(problem, 0, [1], start_s=DAY_START - 600)
    plan = plan_of(problem, route, unserved=_rest(problem, [1]))
    assert kinds(validate_plan(problem, plan)) == {"day"}


def test_time_window_too_early() -> None:
    p = line(open_s=[0.0, 9 * 3600.0, 0.0, 0.0, 0.0])
    reach = DAY_START + 1000.0
    route = build_route(p, 0, [1], start_s=DAY_START, arrivals_s=[reach])
    violations = validate_plan(p, plan_of(p, route, unserved=_rest(p, [1])))
    assert kinds(violations) == {"time_window"}
    assert "09:00:00" in violations[0].message


def test_time_window_too_late() -> None:
    p = line(close_s=[DAY_END, 8 * 3600.0, DAY_END, DAY_END, DAY_END])
    route = build_route(p, 0, [1], start_s=DAY_START, arrivals_s=[8 * 3600.0 + 1])
    violations = validate_plan(p, plan_of(p, route, unserved=_rest(p, [1])))
    assert kinds(violations) == {"time_window"}
    assert violations[0].node == 1


def test_shift() -> None:
    p = line(fleet=(van(max_shift_hours=2.0),))
    route = build_route(p, 0, [4])  # 4000 s out, 300 s service, 4000 s back: 2.3 h
    violations = validate_plan(p, plan_of(p, route, unserved=_rest(p, [4])))
    assert kinds(violations) == {"shift"}
    assert "2.306 h" in violations[0].message and "2.000 h" in violations[0].message


# -- freshness, cold chain -----------------------------------------------------------


def test_freshness() -> None:
    p = line(fresh_s=[math.inf, 1800.0, math.inf, math.inf, math.inf])
    bad = build_route(p, 0, [1, 4])  # 300 s service + 3000 s on + 300 s + 4000 s back
    violations = validate_plan(p, plan_of(p, bad, unserved=_rest(p, [1, 4])))
    assert kinds(violations) == {"freshness"}
    assert violations[0].node == 1
    ok = build_route(p, 0, [4, 1])  # collected at 1 last: 300 s + 1000 s back
    assert validate_plan(p, plan_of(p, ok, unserved=_rest(p, [1, 4]))) == []


def test_freshness_counts_until_the_mid_day_depot_stop() -> None:
    p = line(fresh_s=[math.inf, 1800.0, math.inf, math.inf, math.inf])
    route = build_route(p, 0, [1, 0, 4])  # back at the depot 1300 s after collecting
    assert validate_plan(p, plan_of(p, route, unserved=_rest(p, [1, 4]))) == []


def test_cold_chain() -> None:
    p = line(cold_chain=[False, False, True, False, False])
    normal = build_route(p, 0, [1, 2, 3, 4])
    violations = validate_plan(p, plan_of(p, normal))
    assert kinds(violations) == {"cold_chain"}
    assert violations[0].node == 2
    cold = build_route(p, 2, [1, 2, 3, 4])  # vehicle 2 is the cold van
    assert validate_plan(p, plan_of(p, cold)) == []


# -- cost --------------------------------------------------------------------------


def test_cost_recorded_wrong(good: Plan, problem: Problem) -> None:
    broken = with_route(good, 0, cost=good.routes[0].cost + 1.0)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"cost"}
    assert {v.route for v in violations} == {0, None}  # the route and the plan total


def test_cost_distance_recorded_wrong(good: Plan, problem: Problem) -> None:
    broken = with_route(good, 0, distance_m=good.routes[0].distance_m - 500.0)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"cost"}
    assert "79500 m driven, re-derived 80000 m" in violations[0].message


def test_cost_matches_formula(good: Plan, problem: Problem) -> None:
    route = good.routes[0]
    hours = (route.end_s - route.start_s) / 3600
    assert route.cost == pytest.approx(1.0 * 80 + 30.0 * hours + 100.0)


def test_cost_within_rel_tol_is_accepted(good: Plan, problem: Problem) -> None:
    broken = with_route(good, 0, cost=good.routes[0].cost * (1 + 1e-8))
    assert validate_plan(problem, broken) == []
    assert validate_plan(problem, broken, rel_tol=1e-12) != []


# -- vehicle -----------------------------------------------------------------------


def test_vehicle_used_twice(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2]), build_route(problem, 0, [3, 4]))
    violations = validate_plan(problem, plan)
    assert kinds(violations) == {"vehicle"}
    assert violations[0].route == 1


def test_vehicle_out_of_range(good: Plan, problem: Problem) -> None:
    broken = with_route(good, 0, vehicle=7)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"vehicle"}
    assert "0..2" in violations[0].message


# -- accounting --------------------------------------------------------------------


def _rest(p: Problem, served: list[int]) -> tuple[Unserved, ...]:
    return tuple(
        Unserved(i, p.ids[i], "not in this test")
        for i in p.demand_nodes.tolist()
        if i not in served
    )


def test_accounting_station_missing(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2, 3]))
    violations = validate_plan(problem, plan)
    assert kinds(violations) == {"accounting"}
    assert {v.node for v in violations} == {4}
    assert "never visited" in violations[0].message


def test_accounting_served_and_listed(problem: Problem, good: Plan) -> None:
    plan = replace(good, unserved=(Unserved(3, "3", "too far"),))
    violations = validate_plan(problem, plan)
    assert kinds(violations) == {"accounting"}
    assert "also visited" in violations[0].message


def test_accounting_listed_twice(problem: Problem) -> None:
    route = build_route(problem, 0, [1, 2, 3])
    twice = (Unserved(4, "4", "too far"), Unserved(4, "4", "too far"))
    assert kinds(validate_plan(problem, plan_of(problem, route, unserved=twice))) == {"accounting"}


def test_accounting_empty_reason(problem: Problem) -> None:
    route = build_route(problem, 0, [1, 2, 3])
    unserved = (Unserved(4, "4", "  "),)
    violations = validate_plan(problem, plan_of(problem, route, unserved=unserved))
    assert kinds(violations) == {"accounting"}
    assert "without a reason" in violations[0].message


def test_accounting_wrong_station_id(problem: Problem) -> None:
    route = build_route(problem, 0, [1, 2, 3])
    unserved = (Unserved(4, "3", "too far"),)
    assert kinds(validate_plan(problem, plan_of(problem, route, unserved=unserved))) == {
        "accounting"
    }


def test_accounting_unknown_unserved_station(problem: Problem, good: Plan) -> None:
    plan = replace(good, unserved=(Unserved(0, "0", "depot"), Unserved(9, "9", "gone")))
    violations = validate_plan(problem, plan)
    assert kinds(violations) == {"accounting"}
    assert len(violations) == 2


def test_accounting_served_twice(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2, 3, 4]), build_route(problem, 1, [4]))
    violations = validate_plan(problem, plan)
    assert kinds(violations) == {"accounting"}
    assert "delivered 2 times" in violations[0].message


def test_accounting_unknown_node(good: Plan, problem: Problem) -> None:
    broken = with_stop(good, 0, 3, node=99)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"accounting"}
    assert any("unknown location 99" in v.message for v in violations)


def test_accounting_station_without_demand() -> None:
    p = line(
        down_parcels=[0, 5, 0, 5, 5],
        up_parcels=[0, 3, 0, 3, 3],
        down_kg=[0, 10, 0, 10, 10],
        up_kg=[0, 15, 0, 15, 15],
    )
    once = build_route(p, 0, [1, 2, 3, 4])
    assert validate_plan(p, plan_of(p, once)) == []
    twice = build_route(p, 0, [1, 2, 3, 2, 4])
    violations = validate_plan(p, plan_of(p, twice))
    assert kinds(violations) == {"accounting"}
    assert violations[0].node == 2
    listed = plan_of(p, build_route(p, 0, [1, 3, 4]), unserved=(Unserved(2, "2", "closed"),))
    assert kinds(validate_plan(p, listed)) == {"accounting"}


def test_accounting_visit_doing_nothing(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2, 3, 4, 0, 2]))
    broken = with_stop(plan, 0, 5, down_parcels=0, up_parcels=0, load_kg=0.0, load_parcels=0)
    broken = with_stop(broken, 0, 4, load_kg=0.0, load_parcels=0)
    violations = validate_plan(problem, broken)
    assert kinds(violations) == {"accounting"}
    assert "without delivering or collecting anything" in violations[0].message


def test_messages_are_one_line(problem: Problem) -> None:
    weird = line(ids=["depot", "a\nb", "c", "d", "e"])
    route = build_route(weird, 0, [1, 2, 3])
    violations = validate_plan(weird, plan_of(weird, route, unserved=(Unserved(4, "x", ""),)))
    assert violations
    assert all("\n" not in v.message for v in violations)
    assert all(str(v).startswith(v.kind) for v in violations)
