"""Plan operations: taking stations out of a plan, comparing two plans per parcel."""

from __future__ import annotations

import pytest

from tests.test_validation import line, plan_of, van
from villageroute.plans import Plan, build_route, per_parcel_saving, without_stations
from villageroute.problem import Problem
from villageroute.solvers.naive import solve_naive
from villageroute.validation import validate_plan


@pytest.fixture
def problem() -> Problem:
    return line()


def test_taken_out_stations_are_listed_unserved_and_the_rest_keep_their_jobs(
    problem: Problem,
) -> None:
    # The naive plan delivers on one trip and collects on another: split jobs.
    plan = solve_naive(problem)
    jobs = {(r.vehicle, s.node, s.job) for r in plan.routes for s in r.stops if s.node}
    assert {job for _, _, job in jobs} == {"down", "up"}
    out = without_stations(plan, {1, 3}, "no room")
    assert validate_plan(problem, out) == []
    assert [(u.node, u.reason) for u in out.unserved] == [(1, "no room"), (3, "no room")]
    kept = {(r.vehicle, s.node, s.job) for r in out.routes for s in r.stops if s.node}
    assert kept == {job for job in jobs if job[1] not in (1, 3)}
    assert out.total_cost < plan.total_cost


@pytest.mark.parametrize(
    ("taken", "left"), [({3, 4}, [1, 2]), ({1, 2}, [3, 4]), ({2, 3}, [1, 0, 4])]
)
def test_a_trip_left_empty_is_dropped(problem: Problem, taken: set[int], left: list[int]) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2, 0, 3, 4]))
    out = without_stations(plan, taken, "no room")
    assert [r.nodes for r in out.routes] == [left]
    assert validate_plan(problem, out) == []


def test_a_route_left_with_no_station_is_dropped(problem: Problem) -> None:
    plan = plan_of(problem, build_route(problem, 0, [1, 2]), build_route(problem, 1, [3, 4]))
    out = without_stations(plan, {1, 2}, "no room")
    assert [r.vehicle for r in out.routes] == [1]
    assert validate_plan(problem, out) == []


def test_a_route_without_the_stations_keeps_its_schedule(problem: Problem) -> None:
    # Leaving at 09:00 is not the default schedule, which build_route would re-derive.
    late = build_route(problem, 1, [3, 4], start_s=9 * 3600.0)
    plan = plan_of(problem, build_route(problem, 0, [1, 2]), late)
    out = without_stations(plan, {1}, "no room")
    assert out.routes[1] is late
    assert out.routes[0].nodes == [2]
    assert validate_plan(problem, out) == []


def test_the_default_schedule_leaves_as_late_as_the_waits_allow() -> None:
    """Station 2 opens at 10:00. Leaving at the day start (07:00), as station 1 (always
    open) would allow, the van waited there 1 h 42 min; it now leaves at 09:21:40 and
    waits nowhere. On the second trip it leaves the depot at once: no wait to absorb."""
    ten = 10 * 3600.0
    problem = line(open_s=[0.0, 0.0, ten, 0.0, 0.0])
    route = build_route(problem, 0, [1, 2, 0, 3])
    assert route.start_s == pytest.approx(ten - 2 * 1000 - 300, abs=1e-6)
    assert route.stops[1].arrival_s == pytest.approx(ten, abs=1e-6)
    assert route.stops[2].departure_s == route.stops[2].arrival_s
    assert route.working_s == route.duration_s


def test_a_station_taken_out_does_not_stretch_the_day_past_the_shift() -> None:
    """Station 1 opens at 09:00 and set the day's start; station 3 opens at 10:00. With
    1 taken out, leaving at 07:00 for station 2 (always open) waited at 3 for 2 h and
    broke the 2 h shift; the day now starts as late as station 3 allows."""
    problem = line(3, fleet=(van(max_shift_hours=2.0),), open_s=[0.0, 9 * 3600.0, 0.0, 10 * 3600.0])
    plan = plan_of(problem, build_route(problem, 0, [1, 2, 3]))
    assert validate_plan(problem, plan) == []
    out = without_stations(plan, {1}, "no room")
    assert validate_plan(problem, out) == []


def _per_parcel(plan: Plan) -> float:
    stops = [s for r in plan.routes for s in r.stops]
    return plan.total_cost / sum(s.down_parcels + s.up_parcels for s in stops)


def test_plans_serving_the_same_stations_compare_once(problem: Problem) -> None:
    one_trip = plan_of(problem, build_route(problem, 0, [1, 2, 3, 4]))
    naive = solve_naive(problem)
    saving = per_parcel_saving(one_trip, naive)
    assert saving.pct == pytest.approx(100 * (1 - _per_parcel(one_trip) / _per_parcel(naive)))
    assert saving.pct > 0
    assert saving.same_stations_pct == pytest.approx(saving.pct)
    assert saving.stations_compared == 4
    assert saving.only_plan == saving.only_baseline == ()


def test_a_far_station_only_the_plan_serves_is_left_out_of_the_like_for_like_saving() -> None:
    # Station 4, the farthest, sends and receives one parcel: served by the plan alone,
    # its cost per parcel lowers the plain saving.
    problem = line(
        down_parcels=[0, 5, 5, 5, 1], up_parcels=[0, 3, 3, 3, 0], up_kg=[0.0, 15, 15, 15, 0]
    )
    one_trip = plan_of(problem, build_route(problem, 0, [1, 2, 3, 4]))
    naive = without_stations(solve_naive(problem), {4}, "no room")
    saving = per_parcel_saving(one_trip, naive)
    alike = plan_of(problem, build_route(problem, 0, [1, 2, 3]))
    assert saving.same_stations_pct == pytest.approx(
        100 * (1 - _per_parcel(alike) / _per_parcel(naive))
    )
    assert saving.same_stations_pct > saving.pct
    assert saving.stations_compared == 3
    assert saving.only_plan == (problem.ids[4],)
    assert saving.only_baseline == ()


def test_stations_each_plan_leaves_out_are_taken_out_of_the_other(problem: Problem) -> None:
    ours = without_stations(plan_of(problem, build_route(problem, 0, [1, 2, 3, 4])), {1}, "x")
    naive = solve_naive(problem)
    theirs = without_stations(naive, {4}, "y")
    saving = per_parcel_saving(ours, theirs)
    both = without_stations(naive, {1, 4}, "z")
    alike = plan_of(problem, build_route(problem, 0, [2, 3]))
    assert saving.same_stations_pct == pytest.approx(
        100 * (1 - _per_parcel(alike) / _per_parcel(both))
    )
    assert saving.stations_compared == 2
    assert (saving.only_plan, saving.only_baseline) == ((problem.ids[4],), (problem.ids[1],))
