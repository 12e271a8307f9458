"""The OR-Tools solver: one small instance per constraint, checked against brute force."""

from __future__ import annotations

import itertools
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from ortools.constraint_solver import routing_parameters_pb2
from ortools.util import optional_boolean_pb2

import villageroute as vr
from tests.helpers import euclid
from tests.test_naive import random_problem
from villageroute.feasibility import set_aside
from villageroute.plans import build_route, day_trips
from villageroute.settings import VehicleType
from villageroute.solvers import ortools_routing
from villageroute.solvers.naive import solve_naive
from villageroute.solvers.ortools_routing import (
    _Model,
    _naive_starts,
    _search_parameters,
    _serves_all,
    _trips_by_vehicle,
    solve_ortools,
)

VAN = VehicleType(
    name="van",
    count=2,
    capacity_kg=100.0,
    capacity_parcels=10,
    cost_per_km=1.0,
    cost_per_hour=0.0,
    cost_per_day=10.0,
    max_shift_hours=10.0,
)


def brute_force_one_vehicle(problem: vr.Problem) -> float:
    """Cheapest valid single-trip route of vehicle 0 through every station."""
    best = np.inf
    for order in itertools.permutations(range(1, problem.n)):
        route = build_route(problem, 0, order)
        plan = vr.Plan(problem, "brute", (route,), ())
        if not vr.validate_plan(problem, plan):
            best = min(best, route.cost)
    return best


def solve(problem: vr.Problem, **kwargs: object) -> vr.Plan:
    plan = solve_ortools(problem, time_limit=kwargs.pop("time_limit", 1.0), **kwargs)
    assert vr.validate_plan(problem, plan) == []
    return plan


@pytest.fixture
def four_on_a_line() -> vr.Problem:
    """Four stations along a road, each receiving parcels and sending produce."""
    d, t = euclid([(0, 0), (5, 0), (10, 0), (15, 0), (20, 0)])
    return vr.Problem.from_arrays(
        d, t, vehicle_types=[VAN], down_parcels=[0, 2, 2, 2, 2], up_parcels=[0, 1, 1, 1, 1]
    )


def test_co_routing_beats_separate_trips(four_on_a_line: vr.Problem) -> None:
    plan = solve(four_on_a_line)
    naive = solve_naive(four_on_a_line)
    # One 40 km round trip delivers and collects; naive drives it twice (down, then up).
    assert plan.total_cost == pytest.approx(40 + 10)
    assert naive.total_cost == pytest.approx(80 + 10)
    assert plan.summary()["per_parcel_cost"] < naive.summary()["per_parcel_cost"]
    assert plan.total_cost == pytest.approx(brute_force_one_vehicle(four_on_a_line))


def test_load_peak_mid_route_forbids_collecting_first() -> None:
    """Capacity 10: A sends 6, B receives 6. Both orders drive the same triangle, but
    collecting at A first would carry 6 + 6 = 12 between A and B (the peak is mid-route,
    the trap of a signed load with a free start, or-tools #1907); B first never exceeds 6.
    """
    d, t = euclid([(0, 0), (5, 2), (10, -1)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[van], down_parcels=[0, 0, 6], up_parcels=[0, 6, 0]
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert route.nodes == [2, 1]
    assert max(route.start_load_parcels, *(s.load_parcels for s in route.stops)) == 6
    assert plan.total_cost == pytest.approx(brute_force_one_vehicle(problem))


def test_freshness_forces_the_collection_last() -> None:
    """Mushrooms at F (far side) must reach the depot within 40 minutes of collection:
    the van must collect them last, not first, even though F first is shorter."""
    d, t = euclid([(0, 0), (10, 0), (20, 0), (20, 5)])
    van = VehicleType("van", 1, 1000.0, 100, 1.0, 0.0, 0.0, 10.0)
    fresh = [np.inf, 40 * 60.0, np.inf, np.inf]
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=[0, 1, 5, 5],
        up_parcels=[0, 3, 0, 0],
        fresh_s=fresh,
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert route.nodes[-1] == 1
    assert plan.total_cost == pytest.approx(brute_force_one_vehicle(problem))


def test_station_too_big_for_every_vehicle_is_unserved_with_reason(
    four_on_a_line: vr.Problem,
) -> None:
    d, t = four_on_a_line.distance_m, four_on_a_line.time_s
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[VAN], down_parcels=[0, 2, 50, 2, 2], up_parcels=[0, 1, 1, 1, 1]
    )
    plan = solve(problem)
    (lost,) = plan.unserved
    assert lost.node == 2
    assert "parcels" in lost.reason and "10" in lost.reason
    # Station 1's two jobs may be done on the way out and back, at the same cost.
    assert sorted(set(plan.served_nodes())) == [1, 3, 4]


def test_a_day_too_full_for_the_fleet_still_gets_a_plan() -> None:
    """Each station fits the van alone, not both: the search that requires every
    station finds nothing, and the one with optional stations leaves one out. Leaving a
    station out costs more the dearer it is to serve alone, so the nearer one waits."""
    d, t = euclid([(0, 0), (3, 0), (9, 0)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[van], down_parcels=[0, 6, 6], up_parcels=[0, 0, 0]
    )
    plan = solve(problem, trips_per_vehicle=1)
    (lost,) = plan.unserved
    assert lost.node == 1
    assert sorted(plan.served_nodes()) == [2]
    assert "capacity" in lost.reason


def test_two_trip_vans_get_a_first_solution_without_a_warm_start() -> None:
    """40 stations, vans with a day cost (two trips each), no warm start. Construction
    put stations on second trips of vans whose first was empty, which the model forbids
    (the day cost is on the first trip); it failed outright, and from every station
    optional it got nowhere either: all 38 stations were left out."""
    problem = random_problem(40, 3)
    plan = solve(problem, time_limit=2.0, warm_start=None)
    assert not plan.unserved


def test_200_stations_are_all_served_by_default() -> None:
    """No warm start given: construction cannot see the shift, freshness and cold-chain
    rules and left out over half of a 200-station day, and the naive plan, which fills
    a shift to the second, did not fit the model's whole seconds: `plan` left 191 of 200
    out. The default start, the naive plan on whole seconds, serves them all."""
    problem = random_problem(200, 1)
    plan = solve(problem, time_limit=2.0)
    assert not plan.unserved


def test_a_warm_start_the_model_cannot_read_is_never_lost() -> None:
    """The naive plan of this 200-station day, given as the warm start, fills a shift to
    the second and does not fit the model's whole seconds; construction then left most
    stations out (191 at 2 s). The search never returns worse than its start."""
    problem = random_problem(200, 1)
    naive = solve_naive(problem)
    plan = solve(problem, time_limit=2.0, warm_start=naive)
    assert not plan.unserved
    assert plan.total_cost <= naive.total_cost


@pytest.fixture
def shift_filled_to_the_second() -> vr.Problem:
    """Six stations 300.3 s apart on a line and vans with a 3,604 s shift: the naive
    delivery trip out to the last station and back takes 3,603.6 s (in), 3,608 s on the
    model's whole seconds (out)."""
    x = np.arange(7) * 300.3
    t = np.abs(x[:, None] - x[None, :])
    van = VehicleType("van", 4, 1000.0, 100, 1.0, 0.0, 0.0, 3604 / 3600)
    return vr.Problem.from_arrays(
        t * 10, t, vehicle_types=[van], down_parcels=[0] + [1] * 6, up_parcels=[0] + [1] * 6
    )


def fits_model(problem: vr.Problem, start: vr.Plan) -> bool:
    """Whether the OR-Tools model reads ``start`` as a solution."""
    stations, _ = set_aside(problem)
    trips = _trips_by_vehicle(start)
    model = _Model(
        problem,
        stations,
        day_trips(problem, start),
        required=_serves_all(problem, trips, stations),
    )
    return model.routing.ReadAssignmentFromRoutes(model.warm_routes(trips), True) is not None


def test_the_naive_plan_on_whole_seconds_starts_the_search_where_the_naive_plan_cannot(
    shift_filled_to_the_second: vr.Problem,
) -> None:
    problem = shift_filled_to_the_second
    naive, whole_seconds = _naive_starts(problem)
    assert vr.validate_plan(problem, naive) == []
    assert not fits_model(problem, naive)
    assert fits_model(problem, whole_seconds)
    assert not whole_seconds.unserved
    assert not solve(problem).unserved


@st.composite
def days_filled_to_the_second(draw: st.DrawFn) -> vr.Problem:
    """Small days whose shifts, windows and deadlines the naive plan fills to within two
    seconds: drawn loose, then tightened to that plan's own times (the naive plan of the
    tightened day is then often the same plan). Times fall between whole seconds."""
    n = draw(st.integers(1, 8))
    points = draw(
        st.lists(st.tuples(st.floats(-9, 9), st.floats(-9, 9)), min_size=n + 1, max_size=n + 1)
    )
    d, t = euclid(points, kmh=draw(st.floats(20, 50)))
    within = st.floats(0, 2)
    fleet = [
        VehicleType(
            "van",
            draw(st.integers(1, 4)),
            1000.0,
            draw(st.integers(4, 12)),
            1.0,
            20.0,
            draw(st.sampled_from([0.0, 50.0])),
            3.0,
        ),
        VehicleType("cold", draw(st.integers(0, 1)), 500.0, 8, 1.5, 25.0, 80.0, 3.0, True),
    ]
    loose = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=fleet,
        down_parcels=[0, *draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))],
        up_parcels=[0, *draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))],
        fresh_s=[
            np.inf,
            *draw(st.lists(st.sampled_from([np.inf, 5400.0]), min_size=n, max_size=n)),
        ],
        cold_chain=[False, *draw(st.lists(st.booleans(), min_size=n, max_size=n))],
        service_s=[0.0, *draw(st.lists(st.floats(0, 600), min_size=n, max_size=n))],
        day_start_s=7 * 3600.0 + 0.5,
        day_end_s=19 * 3600.0 - 0.5,
    )
    naive = solve_naive(loose)
    close, fresh = loose.close_s.copy(), loose.fresh_s.copy()
    longest = max((r.duration_s for r in naive.routes), default=3 * 3600.0)
    for route in naive.routes:
        back = route.end_s
        for stop in reversed(route.stops):
            if stop.node == 0:
                back = stop.arrival_s
            elif draw(st.booleans()):
                close[stop.node] = stop.arrival_s + draw(within)
                if np.isfinite(fresh[stop.node]):
                    fresh[stop.node] = back - stop.arrival_s + draw(within)
    shift = max(longest + draw(within), 1.0) / 3600
    return replace(
        loose,
        close_s=close,
        fresh_s=fresh,
        vehicle_types=tuple(replace(v, max_shift_hours=shift) for v in fleet),
    )


@settings(max_examples=150, deadline=None)
@given(problem=days_filled_to_the_second())
def test_the_naive_plan_on_whole_seconds_always_fits_the_model(problem: vr.Problem) -> None:
    *_, whole_seconds = _naive_starts(problem)
    assert fits_model(problem, whole_seconds)


def test_a_warm_start_that_leaves_a_station_out_does_not_lose_it(
    four_on_a_line: vr.Problem,
) -> None:
    """The warm start serves stations 1 and 2 only; the search (with optional stations,
    since the warm start proves nothing about the rest) still serves all four."""
    partial = vr.Plan(four_on_a_line, "partial", (build_route(four_on_a_line, 0, [1, 2]),), ())
    plan = solve(four_on_a_line, warm_start=partial)
    assert set(plan.served_nodes()) == {1, 2, 3, 4}
    assert not plan.unserved


def test_a_warm_start_serving_every_job_counts_as_serving_everyone() -> None:
    """Stations with one job or two, served by the naive plan's separate trips: the
    search may then require every station. Without station 3, it may not."""
    d, t = euclid([(0, 0), (5, 0), (10, 0), (15, 0)])
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[VAN], down_parcels=[0, 2, 0, 2], up_parcels=[0, 1, 1, 0]
    )
    trips = _trips_by_vehicle(solve_naive(problem))
    assert _serves_all(problem, trips, [1, 2, 3])
    without_3 = {v: [[s for s in trip if s[0] != 3] for trip in ts] for v, ts in trips.items()}
    assert not _serves_all(problem, without_3, [1, 2, 3])


def test_cold_produce_rides_the_cold_van_and_parcels_may_split_off() -> None:
    """Station 1 sends cold-chain produce; only the small cold van may carry it."""
    d, t = euclid([(0, 0), (10, 0), (10, 2)])
    van = VehicleType("van", 1, 1000.0, 100, 1.0, 0.0, 0.0, 10.0)
    cold = VehicleType("cold", 1, 1000.0, 100, 2.0, 0.0, 0.0, 10.0, cold_chain=True)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van, cold],
        down_parcels=[0, 5, 5],
        up_parcels=[0, 4, 0],
        cold_chain=[False, True, False],
    )
    plan = solve(problem)
    for route in plan.routes:
        for stop in route.stops:
            if stop.up_parcels:
                assert problem.vehicle(route.vehicle).cold_chain


def test_second_trip_when_one_load_cannot_cover_the_day() -> None:
    """One van of 10 parcels, 16 parcels to deliver: two trips, one fixed cost."""
    d, t = euclid([(0, 0), (2, 0), (0, 2), (-2, 0), (0, -2)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 100.0, 10.0)
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[van], down_parcels=[0, 4, 4, 4, 4], service_s=300.0
    )
    plan = solve(problem, time_limit=2.0)
    assert not plan.unserved
    (route,) = plan.routes
    assert route.nodes.count(0) == 1
    assert route.cost == pytest.approx(plan.total_cost)


def test_time_windows_are_met() -> None:
    d, t = euclid([(0, 0), (10, 0), (-10, 0)])
    van = VehicleType("van", 1, 1000.0, 100, 1.0, 30.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=[0, 1, 1],
        open_s=[0, 9 * 3600, 14 * 3600],
        close_s=[86400, 10 * 3600, 15 * 3600],
        service_s=600.0,
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert route.nodes == [1, 2]
    # Hourly cost counts time on the road, so the van does not leave at midnight: it
    # leaves in time for the 09:00-10:00 window and no earlier.
    assert 9 * 3600 - 1000 <= route.start_s <= 10 * 3600 - 1000


@pytest.mark.parametrize("limit", [0.0, -1.0])
def test_a_time_limit_that_is_not_positive_is_refused(
    four_on_a_line: vr.Problem, limit: float
) -> None:
    with pytest.raises(vr.InputError, match="time limit must be positive"):
        vr.plan(four_on_a_line, time_limit=limit)


def test_bad_problems_are_refused() -> None:
    d, t = euclid([(0, 0), (1, 0)])
    with pytest.raises(vr.InputError, match="no vehicles"):
        vr.Problem.from_arrays(d, t, vehicle_types=[VehicleType("v", 0, 1, 1, 1, 0, 0, 1)])
    with pytest.raises(vr.InputError, match="down_parcels"):
        vr.Problem.from_arrays(d, t, vehicle_types=[VAN], down_parcels=[0, -1])
    with pytest.raises(vr.InputError, match="closes before it opens"):
        vr.Problem.from_arrays(d, t, vehicle_types=[VAN], open_s=[0, 5000], close_s=[86400, 10])
    with pytest.raises(vr.InputError, match="unknown solver"):
        vr.plan(vr.Problem.from_arrays(d, t, vehicle_types=[VAN]), "magic")


@st.composite
def small_problems(draw: st.DrawFn) -> vr.Problem:
    n = draw(st.integers(2, 7))
    points = draw(
        st.lists(st.tuples(st.floats(-20, 20), st.floats(-20, 20)), min_size=n + 1, max_size=n + 1)
    )
    d, t = euclid(points, kmh=draw(st.floats(15, 60)))
    down = [0, *draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))]
    up = [0, *draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))]
    fresh = [np.inf] + [
        draw(st.sampled_from([np.inf, np.inf, 2 * 3600.0, 5400.0])) for _ in range(n)
    ]
    cold = [False, *draw(st.lists(st.booleans(), min_size=n, max_size=n))]
    fleet = [
        VehicleType(
            "van",
            draw(st.integers(1, 3)),
            1000.0,
            draw(st.integers(6, 20)),
            1.2,
            30.0,
            120.0,
            draw(st.sampled_from([4.0, 10.0])),
        ),
        VehicleType("cold", draw(st.integers(0, 1)), 500.0, 8, 1.8, 35.0, 200.0, 10.0, True),
    ]
    return vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=fleet,
        down_parcels=down,
        up_parcels=up,
        fresh_s=fresh,
        cold_chain=cold,
        service_s=300.0,
        day_start_s=7 * 3600.0,
        day_end_s=19 * 3600.0,
        open_s=7 * 3600.0,
        close_s=19 * 3600.0,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # Each example solves for half a second: shrinking a failure must not take minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(problem=small_problems(), seed=st.integers(0, 3))
def test_random_days_validate_and_never_cost_more_than_naive(
    problem: vr.Problem, seed: int
) -> None:
    plan = vr.plan(problem, "ortools", time_limit=0.5, seed=seed)
    assert vr.validate_plan(problem, plan) == []
    served = set(plan.served_nodes())
    lost = {u.node for u in plan.unserved}
    assert served | lost == set(problem.demand_nodes.tolist()) and not served & lost
    assert plan.total_cost == pytest.approx(sum(r.cost for r in plan.routes))
    naive = vr.plan(problem, "naive")
    # Started from the naive plan, the search only accepts improvements of its integer
    # objective; 0.1 % covers the scaling of hourly costs to whole cost units. (Where
    # either leaves stations out, serving more may rightly cost more.)
    if not plan.unserved and not naive.unserved:
        assert plan.total_cost <= naive.total_cost * 1.001 + 1e-9


def _record_settings(folder: Path, **kwargs: object) -> vr.Plan:
    """A search that leaves a file named after its settings and returns the naive plan."""
    (folder / f"{kwargs['gls_lambda']} {kwargs['tsp_opt']}").touch()
    return solve_naive(random_problem(4, 0))


def test_side_by_side_searches_differ(tmp_path: Path) -> None:
    """Each worker searches with its own coefficient; only the first with TSP-opt, which
    made the 0.1 search better on the tight Dethloff sets and the 0.2 search worse."""
    ortools_routing._solve_side_by_side(partial(_record_settings, tmp_path), 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.05 False", "0.1 True", "0.2 False"]
    params = _search_parameters("SAVINGS", "GUIDED_LOCAL_SEARCH", 0.1, True, tsp_opt=True)
    assert params.local_search_operators.use_tsp_opt == optional_boolean_pb2.BOOL_TRUE


def test_side_by_side_searches_share_the_wall_clock(four_on_a_line: vr.Problem) -> None:
    plan = solve_ortools(four_on_a_line, time_limit=1.0, workers=2)
    assert vr.validate_plan(four_on_a_line, plan) == []
    assert plan.total_cost == pytest.approx(brute_force_one_vehicle(four_on_a_line))
    # Two searches of 1 s each, run at the same time: about 1 s, not 2.
    assert plan.runtime_s < 1.8


@pytest.mark.parametrize("direction", ["down", "up"])
def test_one_way_goods_fill_vans_exactly_to_capacity(direction: str) -> None:
    """Deliveries only (CVRP) or collections only: one cumulative dimension bounds the
    load. Capacity 10 and demands 6, 4, 6, 4 fit two full vans only as {6, 4} + {6, 4},
    never as 6 + 6."""
    d, t = euclid([(0, 0), (5, 1), (5, -1), (-5, 1), (-5, -1)])
    amounts = [0, 6, 4, 6, 4]
    van = VehicleType("van", 2, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=amounts if direction == "down" else None,
        up_parcels=amounts if direction == "up" else None,
        split_visits=False,
    )
    plan = solve(problem)
    assert not plan.unserved
    assert sorted(sorted(r.nodes) for r in plan.routes) == [[1, 2], [3, 4]]
    for route in plan.routes:
        loads = [route.start_load_parcels, *(s.load_parcels for s in route.stops)]
        assert max(loads) == 10


@pytest.mark.parametrize("split_visits", [False, True])
def test_a_measure_no_trip_can_fill_gets_no_dimensions(split_visits: bool) -> None:
    """Four stations each receive and send one parcel, vans hold four: with one visit
    for both jobs a van never carries more than four (each station's parcel is either
    still to drop or its produce on board), so parcels need no dimensions; with split
    visits a van could hold all eight. Kilograms bind either way (6 and 4 a station,
    capacity 14), and the plan fills the van to exactly four parcels."""
    d, t = euclid([(0, 0), (5, 0), (10, 0), (15, 0), (20, 0)])
    van = VehicleType("van", 2, 14.0, 4, 1.0, 0.0, 10.0, 10.0)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=[0, 1, 1, 1, 1],
        up_parcels=[0, 1, 1, 1, 1],
        down_kg=[0, 6, 0, 0, 6],
        up_kg=[0, 0, 4, 4, 0],
        split_visits=split_visits,
    )
    model = _Model(problem, [1, 2, 3, 4], trips=1, required=True)
    dimensions = set(model.routing.GetAllDimensionNames())
    assert "load_kg" in dimensions
    assert ("load_parcels" in dimensions) is split_visits
    plan = solve(problem)
    assert not plan.unserved
    if not split_visits:
        (route,) = plan.routes
        assert max(route.start_load_parcels, *(s.load_parcels for s in route.stops)) == 4


def test_neighbourhoods_that_waste_the_search_are_trimmed() -> None:
    """No visit types in the model; no station left out where every one is required;
    expensive chains cut between the two dearest arcs of a route only."""
    off = optional_boolean_pb2.BOOL_FALSE
    required = _search_parameters("SAVINGS", "GUIDED_LOCAL_SEARCH", 0.2, True)
    optional = _search_parameters("SAVINGS", "GUIDED_LOCAL_SEARCH", 0.2, False)
    for params in (required, optional):
        operators = params.local_search_operators
        assert operators.use_global_cheapest_insertion_visit_types_lns == off
        assert operators.use_local_cheapest_insertion_visit_types_lns == off
        assert operators.use_relocate_expensive_chain != off
        assert params.relocate_expensive_chain_num_arcs_to_consider == 2
        assert params.guided_local_search_lambda_coefficient == 0.2
        assert operators.use_tsp_opt != optional_boolean_pb2.BOOL_TRUE
    insert_left_out = "use_relocate_path_global_cheapest_insertion_insert_unperformed"
    assert getattr(required.local_search_operators, insert_left_out) == off
    assert getattr(optional.local_search_operators, insert_left_out) != off


def test_a_seed_changes_the_search_coefficient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed 0 searches with the coefficient given; another seed with one a little off
    (the stations' order alone rarely changes the search), the same for the same seed."""
    used: list[float] = []

    def recording(
        first: str, meta: str, gls_lambda: float, required: bool, *, tsp_opt: bool
    ) -> routing_parameters_pb2.RoutingSearchParameters:
        used.append(gls_lambda)
        return _search_parameters(first, meta, gls_lambda, required, tsp_opt=tsp_opt)

    monkeypatch.setattr(ortools_routing, "_search_parameters", recording)
    problem = random_problem(8, 0)
    coefficients = []
    for seed in (0, 1, 1, 2):
        used.clear()
        solve_ortools(problem, time_limit=0.2, seed=seed, gls_lambda=0.1)
        assert len(set(used)) == 1
        coefficients.append(used[0])
    assert coefficients[0] == 0.1
    assert coefficients[1] == coefficients[2] != coefficients[3]
    assert all(0.1 / 2**0.25 <= c <= 0.1 * 2**0.25 and c != 0.1 for c in coefficients[1:])
