"""Co-routed nearest-neighbour trips (:mod:`villageroute.solvers.nearest`)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

import villageroute as vr
import villageroute.solvers.ortools_routing as ortools_routing
from tests.test_insertion import COLD_VAN, VAN, four_stations
from tests.test_naive import check_accounting, problems, random_problem
from villageroute.feasibility import why_unservable
from villageroute.plans import without_stations
from villageroute.settings import VehicleType
from villageroute.solvers.naive import solve_naive
from villageroute.solvers.nearest import solve_nearest

#: Refrigerated and small (50 kg) like COLD_VAN, but on a full 10 h shift.
LONG_COLD_VAN = VehicleType("cold van", 1, 50.0, 10, 1.0, 20.0, 10.0, 10.0, cold_chain=True)


def stops(plan: vr.Plan, node: int) -> list[tuple[int, int, int]]:
    """(vehicle, parcels down, parcels up) of each visit to ``node``."""
    return [
        (route.vehicle, stop.down_parcels, stop.up_parcels)
        for route in plan.routes
        for stop in route.stops
        if stop.node == node
    ]


def test_four_stations_are_one_trip_doing_both_jobs_nearest_first() -> None:
    problem = four_stations()
    plan = solve_nearest(problem)
    assert vr.validate_plan(problem, plan) == []
    # Stations 1 and 4 are both 500 s out: the lower index first; then 2, 3 and 4 are
    # each the nearest left.
    (route,) = plan.routes
    assert route.nodes == [1, 2, 3, 4]
    assert all(stops(plan, n) == [(0, 2, 1)] for n in range(1, 5))
    assert plan.total_cost < solve_naive(problem).total_cost
    assert plan.solver == "nearest"


def test_cold_produce_rides_the_cold_van_and_other_vans_leave_it() -> None:
    # The cold van goes first and takes station 4's cold produce before station 1, as
    # near but with a lower index; the other van never takes station 4.
    problem = four_stations([VAN, COLD_VAN], cold_chain=[False, False, False, False, True])
    cold = next(k for k in range(problem.n_vehicles) if problem.vehicle(k).cold_chain)
    plan = solve_nearest(problem)
    assert vr.validate_plan(problem, plan) == []
    assert not plan.unserved
    (route,) = [r for r in plan.routes if r.vehicle == cold]
    assert route.nodes[0] == 4
    assert stops(plan, 4) == [(cold, 2, 1)]


def test_a_station_no_single_visit_can_serve_is_split_by_the_insertion() -> None:
    # Station 4's 60 kg of parcels are too heavy for the only cold van (50 kg), which
    # must collect its cold produce: one visit cannot do both jobs, two can.
    problem = four_stations(
        [VAN, LONG_COLD_VAN],
        down_kg=[0, 10, 10, 10, 60],
        cold_chain=[False, False, False, False, True],
    )
    cold = next(k for k in range(problem.n_vehicles) if problem.vehicle(k).cold_chain)
    plan = solve_nearest(problem)
    assert vr.validate_plan(problem, plan) == []
    assert not plan.unserved
    visits = stops(plan, 4)
    assert len(visits) == 2
    assert {(k == cold, down > 0, up > 0) for k, down, up in visits} == {
        (False, True, False),
        (True, False, True),
    }


def test_stations_the_fleet_has_no_time_for_are_listed_with_the_reason() -> None:
    # One van on an 18 min shift: one station's round trip (1,000 s) and no more.
    short = VehicleType("van", 1, 100.0, 10, 1.0, 20.0, 10.0, 0.3)
    problem = four_stations([short])
    plan = solve_nearest(problem)
    assert vr.validate_plan(problem, plan) == []
    check_accounting(problem, plan)
    assert [r.nodes for r in plan.routes] == [[1]]
    # Station 2 (7 km out) is too far for the shift even alone; 3 and 4 find no room.
    assert [u.node for u in plan.unserved] == [2, 3, 4]
    assert plan.unserved[0].reason == why_unservable(problem, 2)
    assert all(u.reason.startswith("left out: its visit found no room") for u in plan.unserved[1:])


def test_deterministic_and_seed_ignored() -> None:
    problem = random_problem(60, seed=5)
    first = solve_nearest(problem)
    again = solve_nearest(problem, seed=7)
    assert [r.nodes for r in first.routes] == [r.nodes for r in again.routes]
    assert first.unserved == again.unserved


def test_a_larger_day_is_valid_and_cheaper_than_naive() -> None:
    problem = random_problem(300, seed=3)
    plan, naive = solve_nearest(problem), solve_naive(problem)
    assert vr.validate_plan(problem, plan) == []
    check_accounting(problem, plan)
    assert len(plan.unserved) <= len(naive.unserved)
    assert plan.total_cost < naive.total_cost


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_always_valid_and_every_station_accounted_for(problem: vr.Problem) -> None:
    plan = solve_nearest(problem)
    assert vr.validate_plan(problem, plan) == [], [str(v) for v in vr.validate_plan(problem, plan)]
    check_accounting(problem, plan)
    for u in plan.unserved:
        reason = why_unservable(problem, u.node)
        assert u.reason == reason if reason is not None else u.reason.startswith("left out")


# -- as OR-Tools' warm start ----------------------------------------------------------


def handed(
    monkeypatch, problem: vr.Problem, **kwargs: object
) -> tuple[dict[str, list[vr.Plan]], vr.Plan]:
    """What ``solve_ortools`` hands its search (``"starts"`` and ``"fallback"``, in
    order), and the plan it returns."""
    seen: dict[str, list[vr.Plan]] = {"starts": [], "fallback": []}
    search = ortools_routing._solve

    def spy(problem: vr.Problem, starts: list[vr.Plan], *args: object, **kw: object) -> vr.Plan:
        seen["starts"].extend(starts)
        seen["fallback"].extend(kw["fallback"])  # type: ignore[arg-type]
        return search(problem, starts, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ortools_routing, "_solve", spy)
    plan = ortools_routing.solve_ortools(problem, time_limit=0.5, workers=1, **kwargs)  # type: ignore[arg-type]
    return seen, plan


def starts_given(monkeypatch, problem: vr.Problem, **kwargs: object) -> list[vr.Plan]:
    """The warm starts ``solve_ortools`` hands its search, in order."""
    return handed(monkeypatch, problem, **kwargs)[0]["starts"]


def test_ortools_starts_from_the_nearest_plan_where_it_is_better(monkeypatch) -> None:
    problem = four_stations()
    nearest, naive = solve_nearest(problem), solve_naive(problem)
    assert nearest.total_cost < naive.total_cost
    first, *rest = starts_given(monkeypatch, problem)
    assert first.solver == "nearest"
    assert [r.nodes for r in first.routes] == [r.nodes for r in nearest.routes]
    # Then the same on whole seconds, and the naive starts.
    assert [s.solver for s in rest] == ["nearest", "naive", "naive"]


def test_ortools_starts_from_the_naive_plan_where_it_serves_more(monkeypatch) -> None:
    # As above, but the nearest-neighbour trips leave station 4 out.
    problem = four_stations(
        [VAN, LONG_COLD_VAN],
        down_kg=[0, 10, 10, 10, 60],
        cold_chain=[False, False, False, False, True],
    )
    monkeypatch.setattr(
        ortools_routing,
        "solve_nearest",
        lambda p, **kw: without_stations(solve_nearest(p), {4}, "test"),
    )
    starts = starts_given(monkeypatch, problem)
    assert [s.solver for s in starts] == ["naive", "naive", "nearest", "nearest"]


def test_ortools_takes_the_naive_start_on_request(monkeypatch) -> None:
    problem = four_stations()
    assert [s.solver for s in starts_given(monkeypatch, problem, warm_start="naive")] == [
        "naive",
        "naive",
    ]


def test_ortools_without_split_visits_starts_from_nearest_trips_where_vans_run_two(
    monkeypatch,
) -> None:
    # VAN pays a day cost, so it may run two trips: construction would build them
    # without their order.
    single = replace(four_stations(), split_visits=False)
    assert [s.solver for s in starts_given(monkeypatch, single)] == ["nearest", "nearest"]
    # The textbook case, one trip a van: construction, as the benchmark suites measured.
    daily = replace(VAN, cost_per_day=0.0)
    textbook = replace(four_stations([daily]), split_visits=False)
    assert starts_given(monkeypatch, textbook) == []
    assert starts_given(monkeypatch, single, trips_per_vehicle=1) == []


def test_ortools_without_split_visits_serves_a_150_station_day() -> None:
    # From construction, 2 s of search left 119 of these stations out.
    problem = replace(random_problem(150, seed=3), split_visits=False)
    plan = ortools_routing.solve_ortools(problem, time_limit=1.0, workers=1)
    assert vr.validate_plan(problem, plan) == []
    assert plan.unserved == ()


def test_ortools_textbook_day_has_the_nearest_trips_for_when_construction_fails(
    monkeypatch,
) -> None:
    textbook = replace(four_stations([replace(VAN, cost_per_day=0.0)]), split_visits=False)
    # Leaving every station out is no plan where each one is required: construction fails.
    seen, plan = handed(monkeypatch, textbook, first_solution="ALL_UNPERFORMED")
    assert [s.solver for s in seen["fallback"]] == ["nearest", "nearest"]
    assert vr.validate_plan(textbook, plan) == []
    assert plan.unserved == ()
