"""Putting stations back into a plan (:mod:`villageroute.solvers.insertion`)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import villageroute as vr
from tests.test_naive import check_accounting, problems
from villageroute.plans import Plan, Unserved, build_route, without_stations
from villageroute.settings import VehicleType
from villageroute.solvers.insertion import insert_stations, route_fits
from villageroute.solvers.naive import solve_naive

#: 100 kg / 10 parcels, 1 CNY/km, 20 CNY/h, 10 CNY/day, 10 h shift.
VAN = VehicleType("van", 2, 100.0, 10, 1.0, 20.0, 10.0, 10.0)
#: Refrigerated, but small and on a short shift (30 min).
COLD_VAN = VehicleType("cold van", 1, 50.0, 10, 1.0, 20.0, 10.0, 0.5, cold_chain=True)
LIGHT_VAN = VehicleType("light van", 1, 500.0, 40, 1.0, 20.0, 10.0, 10.0)


def four_stations(fleet: list[VehicleType] | None = None, **kwargs: object) -> vr.Problem:
    """Four stations on a 5 km grid (500 s apart at 10 m/s), each receiving two parcels
    (10 kg) and sending one (5 kg)."""
    xy = np.array([(0, 0), (5, 0), (5, 5), (0, 5), (-5, 0)], dtype=float) * 1000.0
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    arrays: dict[str, object] = {
        "down_parcels": [0, 2, 2, 2, 2],
        "up_parcels": [0, 1, 1, 1, 1],
        "down_kg": [0, 10, 10, 10, 10],
        "up_kg": [0, 5, 5, 5, 5],
    }
    arrays.update(kwargs)
    return vr.Problem.from_arrays(d, d / 10.0, vehicle_types=fleet or [VAN], **arrays)  # type: ignore[arg-type]


def plan_of(problem: vr.Problem, trips: dict[int, list[int]], out: list[int]) -> Plan:
    """Vehicle -> visit sequence (0 = back at the depot), and stations listed unserved."""
    routes = tuple(build_route(problem, k, nodes) for k, nodes in trips.items())
    unserved = tuple(Unserved(s, problem.ids[s], "taken out") for s in out)
    plan = Plan(problem=problem, solver="test", routes=routes, unserved=unserved)
    assert vr.validate_plan(problem, plan) == []
    return plan


def test_a_station_goes_back_where_it_adds_least() -> None:
    problem = four_stations()
    plan = plan_of(problem, {0: [1, 2, 3]}, [4])
    after = insert_stations(plan, [4])
    assert vr.validate_plan(problem, after) == []
    assert not after.unserved
    # Every place there is: each gap of the trip, a trip of its own first or last, the
    # idle van.
    nodes = [1, 2, 3]
    places = [(0, [*nodes[:i], 4, *nodes[i:]]) for i in range(4)]
    places += [(0, [*nodes, 0, 4]), (0, [4, 0, *nodes]), (1, [4])]
    costs = []
    for k, seq in places:
        route = build_route(problem, k, seq)
        if route_fits(problem, route):
            costs.append(route.cost - (plan.routes[0].cost if k == 0 else 0.0))
    assert after.total_cost == plan.total_cost + min(costs)


def test_produce_with_a_short_deadline_goes_last_on_its_way_back() -> None:
    # Station 4's produce must reach the depot 10 min after collection: 500 s away, it
    # has to be the last stop of a trip.
    fresh = [math.inf, math.inf, math.inf, math.inf, 600.0]
    problem = four_stations(fresh_s=fresh)
    plan = plan_of(problem, {0: [1, 2, 3]}, [4])
    after = insert_stations(plan, [4])
    assert vr.validate_plan(problem, after) == []
    assert not after.unserved
    (route,) = [r for r in after.routes if 4 in r.nodes]
    nodes = route.nodes
    assert nodes.index(4) == len(nodes) - 1 or nodes[nodes.index(4) + 1] == 0


def test_room_is_made_on_the_only_refrigerated_van() -> None:
    # The cold van's 30 min shift fits stations 2 and 3 (1,707 s) but not 2, 3 and 1
    # (2,000 s); station 1's produce needs the cold chain, so one of 2 and 3 moves to
    # the light van.
    problem = four_stations([COLD_VAN, LIGHT_VAN], cold_chain=[False, True, False, False, False])
    plan = plan_of(problem, {0: [2, 3], 1: [4]}, [1])
    after = insert_stations(plan, [1])
    assert vr.validate_plan(problem, after) == []
    assert not after.unserved
    cold = next(r for r in after.routes if r.vehicle == 0)
    assert 1 in cold.nodes
    check_accounting(problem, after)


def test_no_room_is_made_beyond_max_moved() -> None:
    problem = four_stations([COLD_VAN, LIGHT_VAN], cold_chain=[False, True, False, False, False])
    plan = plan_of(problem, {0: [2, 3], 1: [4]}, [1])
    after = insert_stations(plan, [1], max_moved=0)
    assert after.routes == plan.routes
    assert after.unserved == plan.unserved


def test_a_stations_jobs_go_separately_where_one_visit_fits_nowhere() -> None:
    # Station 1 receives 80 kg, more than the cold van carries, and sends cold-chain
    # produce, which only the cold van may collect.
    kwargs: dict[str, object] = {
        "down_kg": [0, 80, 10, 10, 10],
        "cold_chain": [False, True, False, False, False],
    }
    problem = four_stations([COLD_VAN, LIGHT_VAN], **kwargs)
    plan = plan_of(problem, {1: [2, 3]}, [1, 4])
    after = insert_stations(plan, [1, 4])
    assert vr.validate_plan(problem, after) == []
    assert not after.unserved
    jobs = {(r.vehicle, s.job) for r in after.routes for s in r.stops if s.node == 1}
    assert jobs == {(1, "down"), (0, "up")}

    whole = four_stations([COLD_VAN, LIGHT_VAN], split_visits=False, **kwargs)
    plan = plan_of(whole, {1: [2, 3]}, [1, 4])
    after = insert_stations(plan, [1, 4])
    assert vr.validate_plan(whole, after) == []
    assert [u.node for u in after.unserved] == [1]
    assert after.unserved[0].reason == "taken out"


def test_a_station_placed_only_in_part_is_taken_out_again() -> None:
    # No refrigerated van at all: station 1's delivery fits, its collection never does.
    problem = four_stations([LIGHT_VAN], cold_chain=[False, True, False, False, False])
    plan = plan_of(problem, {0: [2, 3, 4]}, [1])
    after = insert_stations(plan, [1])
    assert vr.validate_plan(problem, after) == []
    assert all(1 not in r.nodes for r in after.routes)
    assert after.unserved == plan.unserved


def test_no_time_leaves_the_plan_as_it_was() -> None:
    problem = four_stations()
    plan = plan_of(problem, {0: [1, 2]}, [3, 4])
    after = insert_stations(plan, [3, 4], time_limit=0.0)
    assert after.routes == plan.routes
    assert after.unserved == plan.unserved


def test_a_half_placed_station_taken_out_again_leaves_every_route_valid() -> None:
    """Station 1's produce reaches the depot in time only by way of station 2 (times
    without the triangle inequality: 1 -> 2 -> 0 takes 200 s, 1 -> 0 1,386 s). Station 2's
    collection is placed, then 1's right before it; 2's ten parcels fit no van, so 2 is
    taken out again, and 1's produce took the slow way back (found by
    `test_stations_put_back_keep_the_plan_valid` in CI). Station 1 now goes where it
    fits without 2."""
    t = np.array(
        [[0, 500, 100, 300], [1386, 0, 100, 600], [100, 100, 0, 200], [550, 300, 200, 0]],
        dtype=float,
    )
    van = VehicleType("van", 1, 100.0, 8, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        t * 10,
        t,
        vehicle_types=[van],
        down_parcels=[0, 8, 10, 1],
        up_parcels=[0, 1, 2, 0],
        service_s=[0, 77, 284, 100],
        fresh_s=[math.inf, 1377, math.inf, math.inf],
    )
    plan = solve_naive(problem)
    assert [u.node for u in plan.unserved] == [1, 2]
    after = insert_stations(plan, [1, 2])
    assert vr.validate_plan(problem, after) == []
    assert [u.node for u in after.unserved] == [2]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), data=st.data())
def test_stations_put_back_keep_the_plan_valid(problem: vr.Problem, data: st.DataObject) -> None:
    plan = solve_naive(problem)
    served = sorted(set(plan.served_nodes()))
    out = data.draw(st.lists(st.sampled_from(served), unique=True) if served else st.just([]))
    taken = without_stations(plan, out, "taken out")
    # The insertion keeps a valid plan valid. Where times do not obey the triangle
    # inequality, a station taken out may have been another's short cut, and the plan
    # left is not valid to begin with.
    assume(vr.validate_plan(problem, taken) == [])
    # With the stations the naive plan left out, places are scarce: room gets made and
    # jobs get split.
    after = insert_stations(taken, [u.node for u in taken.unserved])
    broken = vr.validate_plan(problem, after)
    assert broken == [], [str(v) for v in broken]
    check_accounting(problem, after)
    assert {u.node for u in after.unserved} <= {u.node for u in taken.unserved}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), data=st.data())
def test_route_fits_agrees_with_the_validator(problem: vr.Problem, data: st.DataObject) -> None:
    stations = problem.demand_nodes.tolist()
    if not stations:
        return
    visits = data.draw(st.lists(st.sampled_from(stations), min_size=1, max_size=6, unique=True))
    nodes: list[int] = []
    jobs: list[str] = []
    for s in visits:
        if nodes and data.draw(st.booleans()):
            nodes.append(0)
            jobs.append("both")
        nodes.append(s)
        jobs.append(data.draw(st.sampled_from(["both", "down", "up"])))
    vehicle = data.draw(st.integers(0, problem.n_vehicles - 1))
    route = build_route(problem, vehicle, nodes, jobs=jobs)
    plan = Plan(problem=problem, solver="test", routes=(route,), unserved=())
    # Stations left out are an accounting matter of the plan, not of the route.
    broken = [v for v in vr.validate_plan(problem, plan) if v.kind != "accounting"]
    assert route_fits(problem, route) == (not broken), [str(v) for v in broken]
