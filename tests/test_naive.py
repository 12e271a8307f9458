"""Tests of the baselines (villageroute.solvers.naive) and villageroute.feasibility."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from villageroute.feasibility import why_unservable
from villageroute.plans import Plan, build_route
from villageroute.problem import Problem
from villageroute.settings import VehicleType
from villageroute.solvers.naive import solve_naive, solve_out_and_back
from villageroute.validation import validate_plan

DAY_START, DAY_END = 7 * 3600.0, 19 * 3600.0
SOLVERS = [solve_naive, solve_out_and_back]


def van(**changes: object) -> VehicleType:
    values: dict = dict(
        name="van",
        count=2,
        capacity_kg=800.0,
        capacity_parcels=100,
        cost_per_km=1.0,
        cost_per_hour=30.0,
        cost_per_day=100.0,
        max_shift_hours=10.0,
    )
    values.update(changes)
    return VehicleType(**values)


COLD_VAN = van(name="cold_van", count=1, capacity_kg=500.0, cold_chain=True, cost_per_km=1.5)


def line(n: int = 4, fleet: tuple[VehicleType, ...] = (van(), COLD_VAN), **arrays) -> Problem:
    """Depot at 0 km, stations every 10 km on one road, 10 m/s, 5 min service.

    Each station: 5 parcels (10 kg) down, 3 boxes (15 kg) up, unless overridden. Going
    out once and doing both jobs at every station is obviously cheapest.
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


def trips(route) -> list[list[int]]:
    out: list[list[int]] = [[]]
    for node in route.nodes:
        if node == 0:
            out.append([])
        else:
            out[-1].append(node)
    return out


def check_accounting(problem: Problem, plan: Plan) -> None:
    """Every station with demand: listed unserved once, or each job done exactly once."""
    listed = [u.node for u in plan.unserved]
    assert len(listed) == len(set(listed))
    assert all(u.reason.strip() for u in plan.unserved)
    down: dict[int, int] = {}
    up: dict[int, int] = {}
    for route in plan.routes:
        for stop in route.stops:
            if stop.down_parcels:
                down[stop.node] = down.get(stop.node, 0) + 1
            if stop.up_parcels:
                up[stop.node] = up.get(stop.node, 0) + 1
    for node in problem.demand_nodes.tolist():
        if node in listed:
            assert node not in down and node not in up
            continue
        assert down.get(node, 0) == (1 if problem.down_parcels[node] else 0)
        assert up.get(node, 0) == (1 if problem.up_parcels[node] else 0)


# -- the line: co-routing obviously matters -------------------------------------------


@pytest.mark.parametrize("solve", SOLVERS)
def test_line_plans_are_valid_and_serve_everything(solve) -> None:
    p = line()
    plan = solve(p)
    assert validate_plan(p, plan) == []
    assert plan.unserved == ()
    check_accounting(p, plan)


def test_naive_line_is_one_delivery_trip_then_one_collection_trip() -> None:
    plan = solve_naive(line())
    assert plan.solver == "naive"
    (route,) = plan.routes
    assert route.vehicle == 0
    assert route.nodes == [1, 2, 3, 4, 0, 1, 2, 3, 4]
    delivery, collection = route.stops[:4], route.stops[5:]
    assert all(s.down_parcels == 5 and s.up_parcels == 0 for s in delivery)
    assert all(s.down_parcels == 0 and s.up_parcels == 3 for s in collection)
    assert route.start_load_kg == 40.0 and route.stops[4].load_kg == 0.0
    assert route.stops[-1].load_kg == 60.0
    assert route.start_s == DAY_START
    # 2 x (80 km, 4 stops of 5 min): 160 km and 18 400 s.
    assert route.distance_m == 160_000.0
    assert route.end_s - route.start_s == pytest.approx(18_400.0)


def test_out_and_back_line_is_a_round_trip_per_station_and_job() -> None:
    plan = solve_out_and_back(line())
    assert plan.solver == "out-and-back"
    legs = [t for r in plan.routes for t in trips(r)]
    assert all(len(t) == 1 for t in legs)
    assert sorted(t[0] for t in legs) == [1, 1, 2, 2, 3, 3, 4, 4]
    # Round trips of 20, 40, 60 and 80 km, twice each.
    assert plan.distance_m == pytest.approx(400_000.0)


def test_line_costs_co_routing_below_naive_below_out_and_back() -> None:
    p = line()
    co_routed = build_route(p, 0, [1, 2, 3, 4])
    naive, oab = solve_naive(p), solve_out_and_back(p)
    assert co_routed.cost < naive.total_cost < oab.total_cost
    assert naive.total_cost == pytest.approx(160 + 30 * 18_400 / 3600 + 100)


@pytest.mark.parametrize("solve", SOLVERS)
def test_deterministic_and_seed_ignored(solve) -> None:
    p = line(6)
    a, b = solve(p), solve(p, seed=7, time_limit=0.1)
    assert [r.nodes for r in a.routes] == [r.nodes for r in b.routes]
    assert a.total_cost == b.total_cost


# -- stations that cannot be served ---------------------------------------------------


def test_station_too_heavy_for_every_vehicle_is_unserved_with_the_numbers() -> None:
    p = line(down_kg=[0, 10, 950, 10, 10])
    expected = "needs 950 kg down, the largest vehicle carries 800 kg"
    assert why_unservable(p, 2) == expected
    for solve in SOLVERS:
        plan = solve(p)
        assert validate_plan(p, plan) == []
        assert [(u.node, u.station_id, u.reason) for u in plan.unserved] == [(2, "2", expected)]
        assert 2 not in plan.served_nodes()


def test_tight_freshness_collects_the_station_on_its_own_trip() -> None:
    # Station 1's produce must be back within 40 min: collecting 2 after it takes 60.
    p = line(fresh_s=[math.inf, 2400.0, math.inf, math.inf, math.inf])
    plan = solve_naive(p)
    assert validate_plan(p, plan) == []
    (route,) = plan.routes
    assert trips(route) == [[1, 2, 3, 4], [1], [2, 3, 4]]


def test_freshness_impossible_even_alone() -> None:
    p = line(fresh_s=[math.inf, math.inf, math.inf, math.inf, 600.0])
    reason = why_unservable(p, 4)
    assert reason == (
        "its produce must reach the depot within 10 min of collection, but service and "
        "the drive back take 71.7 min"
    )
    for solve in SOLVERS:
        plan = solve(p)
        assert validate_plan(p, plan) == []
        assert [u.reason for u in plan.unserved] == [reason]


def test_cold_chain_collection_goes_on_the_cold_van() -> None:
    p = line(cold_chain=[False, False, True, False, False])
    for solve in SOLVERS:
        plan = solve(p)
        assert validate_plan(p, plan) == []
        assert plan.unserved == ()
        collector = [r for r in plan.routes for s in r.stops if s.node == 2 and s.up_parcels]
        assert [r.vehicle for r in collector] == [2]


def test_cold_chain_without_a_cold_vehicle() -> None:
    p = line(fleet=(van(),), cold_chain=[False, False, True, False, False])
    reason = why_unservable(p, 2)
    assert reason == "its produce (3 parcels) needs a cold-chain vehicle and the fleet has none"
    plan = solve_naive(p)
    assert validate_plan(p, plan) == []
    assert [(u.node, u.reason) for u in plan.unserved] == [(2, reason)]


def test_fleet_exhausted_drops_the_whole_station() -> None:
    # One van, 4 h shift: the delivery trip to all four takes 2.6 h, and the collection
    # trip then only has time for stations 1 and 2. Stations 3 and 4 are not served at
    # all (their deliveries come off the first trip), and the day is still valid.
    p = line(fleet=(van(count=1, max_shift_hours=4.0),))
    plan = solve_naive(p)
    assert validate_plan(p, plan) == []
    check_accounting(p, plan)
    assert [u.node for u in plan.unserved] == [3, 4]
    for u in plan.unserved:
        assert why_unservable(p, u.node) is None
        assert u.reason.startswith("fleet exhausted: no vehicle able to carry its collection")
        assert "served in full or not at all" in u.reason
    (route,) = plan.routes
    assert trips(route) == [[1, 2], [1, 2]]
    # The collection trip moved up: it leaves as soon as the van is back.
    depot, first = route.stops[2], route.stops[3]
    assert first.arrival_s == pytest.approx(depot.departure_s + 1000.0)


def test_fleet_exhausted_when_nothing_fits() -> None:
    p = line(8, fleet=(van(count=1, max_shift_hours=3.0),))
    for solve in SOLVERS:
        plan = solve(p)
        assert validate_plan(p, plan) == []
        check_accounting(p, plan)
        assert plan.unserved
        for u in plan.unserved:
            reason = why_unservable(p, u.node)
            assert u.reason == reason if reason else u.reason.startswith("fleet exhausted")
        assert any(u.reason.startswith("fleet exhausted") for u in plan.unserved)


def test_time_windows_are_met() -> None:
    hour = 3600.0
    p = line(
        open_s=[0, 10 * hour, 8 * hour, 0, 0],
        close_s=[DAY_END, 11 * hour, 8.5 * hour, DAY_END, DAY_END],
    )
    for solve in SOLVERS:
        plan = solve(p)
        assert validate_plan(p, plan) == []
        assert plan.unserved == ()


def test_unreachable_window() -> None:
    p = line(close_s=[DAY_END, DAY_END, DAY_END, DAY_END, DAY_START + 1800.0])
    assert why_unservable(p, 4) == (
        "cannot arrive before its window closes at 07:30: leaving the depot at 07:00, the "
        "66.7 min drive arrives at 08:06:40"
    )
    plan = solve_naive(p)
    assert validate_plan(p, plan) == []
    assert [u.node for u in plan.unserved] == [4]


# -- why_unservable ------------------------------------------------------------------


def test_why_unservable_none_when_some_vehicle_fits() -> None:
    p = line()
    assert [why_unservable(p, i) for i in range(1, 5)] == [None] * 4


def test_why_unservable_day_end() -> None:
    p = line(open_s=[0, 0, 0, 0, 18.5 * 3600])
    assert why_unservable(p, 4) == (
        "an out-and-back trip cannot be back by the end of the day at 19:00: served at "
        "18:30 at the earliest, back at 19:41:40"
    )


def test_why_unservable_shift_and_parcels() -> None:
    p = line(fleet=(van(max_shift_hours=2.0, capacity_parcels=4),))
    assert why_unservable(p, 4) == (
        "needs 5 parcels down, the largest vehicle carries 4 parcels; an out-and-back trip "
        "takes 2.31 h (drive 66.7 min out, 5 min service, 66.7 min back), the longest shift "
        "is 2.00 h"
    )


def test_why_unservable_no_single_type_fits() -> None:
    big_slow = van(name="truck", count=1, max_shift_hours=1.0)
    small_fast = van(name="bike", count=1, capacity_kg=5.0)
    p = line(fleet=(big_slow, small_fast))
    assert why_unservable(p, 1) is None  # 2 x 1000 s + 300 s fits the truck's hour
    # Split visits: the delivery and the collection are each checked on their own.
    assert why_unservable(p, 4) == (
        "no single vehicle type fits its delivery: truck: 2.31 h trip > 1.00 h shift; "
        "bike: 10 kg down > 5; no single vehicle type fits its collection: truck: 2.31 h "
        "trip > 1.00 h shift; bike: 15 kg up > 5"
    )
    one_visit = replace(p, split_visits=False)
    assert why_unservable(one_visit, 4) == (
        "no single vehicle type fits it: truck: 2.31 h trip > 1.00 h shift; "
        "bike: 10 kg down > 5, 15 kg up > 5"
    )


def test_why_unservable_lets_parcels_and_cold_produce_ride_different_vans() -> None:
    """73 parcels exceed the cold van (60) but not the ordinary van (100)."""
    fleet = (
        van(name="van", capacity_parcels=100, capacity_kg=1000.0),
        van(name="cold", capacity_parcels=60, capacity_kg=1000.0, cold_chain=True),
    )
    p = line(
        fleet=fleet, down_parcels=[0, 73, 5, 5, 5], cold_chain=[False, True, False, False, False]
    )
    assert why_unservable(p, 1) is None
    assert why_unservable(replace(p, split_visits=False), 1) == (
        "needs 73 parcels down, the largest cold-chain vehicle carries 60 parcels"
    )


def test_why_unservable_ignores_vehicle_types_with_no_vehicles() -> None:
    p = line(fleet=(van(count=0, capacity_kg=5000.0), van(name="small", capacity_kg=12.0)))
    assert why_unservable(p, 1) == "needs 15 kg up, the largest vehicle carries 12 kg"


def test_why_unservable_cold_chain_uses_the_cold_vehicles() -> None:
    p = line(cold_chain=[False, True, False, False, False], up_kg=[0, 600, 15, 15, 15])
    assert why_unservable(p, 1) == "needs 600 kg up, the largest cold-chain vehicle carries 500 kg"


def test_why_unservable_rejects_the_depot() -> None:
    with pytest.raises(ValueError):
        why_unservable(line(), 0)


# -- scale ----------------------------------------------------------------------------


def random_problem(n: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50_000, (n + 1, 2))
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    down = np.r_[0, rng.integers(0, 8, n)]
    up = np.r_[0, rng.integers(0, 5, n)]
    return Problem.from_arrays(
        distance,
        distance / 12.0,
        vehicle_types=[van(count=20), COLD_VAN],
        down_parcels=down,
        up_parcels=up,
        down_kg=down * 2.0,
        up_kg=up * 7.5,
        service_s=np.r_[0, np.full(n, 300.0)],
        fresh_s=np.r_[math.inf, rng.choice([math.inf, 3 * 3600.0], n)],
        cold_chain=np.r_[False, rng.random(n) < 0.1],
        day_start_s=DAY_START,
        day_end_s=DAY_END,
    )


@pytest.mark.parametrize("solve", SOLVERS)
def test_500_stations_in_under_a_second(solve) -> None:
    p = random_problem(500, seed=3)
    started = time.perf_counter()
    plan = solve(p)
    assert time.perf_counter() - started < 1.0
    assert validate_plan(p, plan) == []
    check_accounting(p, plan)


# -- properties -----------------------------------------------------------------------


@st.composite
def problems(draw: st.DrawFn, relaxed: bool = False) -> Problem:
    """Small random days; ``relaxed``: straight-line times, no windows or freshness, one
    vehicle type with room for everything alone."""
    n = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    xy = rng.uniform(0, 30_000, (n + 1, 2))
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    speed = rng.uniform(6, 20)
    time_s = distance / speed
    if not relaxed and draw(st.booleans()):  # any matrix, triangle inequality or not
        time_s = time_s * rng.uniform(0.3, 2.0, time_s.shape)
    down = np.r_[0, rng.integers(0, 12, n) * (rng.random(n) < 0.8)]
    up = np.r_[0, rng.integers(0, 8, n) * (rng.random(n) < 0.7)]
    day_start = float(rng.uniform(5, 8) * 3600)
    day_end = day_start + float(rng.uniform(4, 14) * 3600)
    open_s = np.zeros(n + 1)
    close_s = np.full(n + 1, 24 * 3600.0)
    fresh = np.full(n + 1, math.inf)
    if not relaxed:
        timed = rng.random(n) < 0.5
        open_s[1:] = np.where(timed, rng.uniform(day_start - 3600, day_end, n), 0.0)
        close_s[1:] = np.where(timed, open_s[1:] + rng.uniform(0, 6 * 3600, n), 24 * 3600.0)
        fresh[1:] = np.where(rng.random(n) < 0.4, rng.uniform(300, 4 * 3600, n), math.inf)
    types = []
    for i in range(1 if relaxed else draw(st.integers(1, 3))):
        types.append(
            VehicleType(
                name=f"v{i}",
                count=int(rng.integers(2, 6)) if relaxed else int(rng.integers(0, 3)),
                capacity_kg=1000.0 if relaxed else float(rng.uniform(10, 150)),
                capacity_parcels=100 if relaxed else int(rng.integers(3, 30)),
                cost_per_km=float(rng.uniform(0.5, 2)),
                cost_per_hour=float(rng.uniform(0, 40)),
                cost_per_day=float(rng.uniform(0, 200)),
                max_shift_hours=24.0 if relaxed else float(rng.uniform(1, 12)),
                cold_chain=bool(rng.random() < 0.4),
            )
        )
    if sum(t.count for t in types) == 0:
        types[0] = replace(types[0], count=1)
    return Problem.from_arrays(
        distance,
        time_s,
        vehicle_types=types,
        down_parcels=down,
        up_parcels=up,
        down_kg=down * rng.uniform(0.5, 5, n + 1),
        up_kg=up * rng.uniform(2, 10, n + 1),
        service_s=np.r_[0.0, rng.uniform(0, 900, n)],
        open_s=open_s,
        close_s=close_s,
        fresh_s=fresh,
        cold_chain=np.r_[False, rng.random(n) < (0 if relaxed else 0.3)],
        day_start_s=day_start,
        day_end_s=day_end,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_baselines_always_validate_and_account_for_every_station(p: Problem) -> None:
    for solve in SOLVERS:
        plan = solve(p)
        assert validate_plan(p, plan) == [], [str(v) for v in validate_plan(p, plan)]
        check_accounting(p, plan)
        for u in plan.unserved:
            reason = why_unservable(p, u.node)
            if reason is None:
                assert u.reason.startswith("fleet exhausted")
            else:
                assert u.reason == reason


@settings(max_examples=100, deadline=None)
@given(problems(relaxed=True))
def test_out_and_back_never_beats_naive_on_a_relaxed_day(p: Problem) -> None:
    # Straight-line times, no windows, no freshness, one vehicle type: every naive trip
    # is no longer than the round trips of its stations, so if naive needs no more vans,
    # it costs no more.
    naive, oab = solve_naive(p), solve_out_and_back(p)
    assume(naive.unserved == oab.unserved == ())
    assert naive.distance_m <= oab.distance_m * (1 + 1e-9)
    if len(naive.routes) <= len(oab.routes):
        assert naive.total_cost <= oab.total_cost * (1 + 1e-9)
