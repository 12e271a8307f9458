"""Plan operations: taking stations out of a plan."""

from __future__ import annotations

import pytest

from tests.test_validation import line, plan_of
from villageroute.plans import build_route, without_stations
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
