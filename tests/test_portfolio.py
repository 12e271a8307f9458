"""The ``best`` portfolio: members side by side, the cheapest valid plan kept."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

import villageroute as vr
from tests.test_scarce import cold_van_on_two_trips
from villageroute.plans import without_stations
from villageroute.settings import VehicleType
from villageroute.solvers import portfolio
from villageroute.solvers.portfolio import solve_portfolio

VAN = VehicleType("van", 2, 100.0, 10, 1.0, 20.0, 10.0, 10.0)
#: Without a day cost, and with one visit doing both jobs (no naive plan of separate
#: trips), a van runs one trip a day: a model both engines have in full.
ONE_TRIP_VAN = replace(VAN, cost_per_day=0.0)


def four_stations(van: VehicleType = VAN, **kwargs: object) -> vr.Problem:
    """Four stations on a 5 km grid, each receiving two parcels and sending one."""
    xy = np.array([(0, 0), (5, 0), (5, 5), (0, 5), (-5, 0)], dtype=float) * 1000.0
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return vr.Problem.from_arrays(
        d,
        d / 10.0,
        vehicle_types=[van],
        down_parcels=[0, 2, 2, 2, 2],
        up_parcels=[0, 1, 1, 1, 1],
        **kwargs,  # type: ignore[arg-type]
    )


#: Station 1's produce must be back within 20 min of collection.
FRESH_1 = [np.inf, 1200.0, np.inf, np.inf, np.inf]


def free_naive_plan(problem: vr.Problem, **kwargs: object) -> vr.Plan:
    """A plan that claims everything for free: cheapest, and invalid."""
    plan = portfolio.solve_naive(problem)
    routes = tuple(replace(r, cost=0.0) for r in plan.routes)
    return replace(plan, solver="pyvrp", routes=routes)


@pytest.mark.parametrize("workers", [1, 2])
def test_members_run_and_the_cheapest_valid_plan_is_kept(workers: int) -> None:
    problem = four_stations(ONE_TRIP_VAN, split_visits=False)
    started = time.perf_counter()
    result = solve_portfolio(problem, time_limit=1.0, workers=workers)
    assert time.perf_counter() - started < 1.6
    assert set(result.members) == {"ortools", "pyvrp"}
    assert result.violations == {"ortools": 0, "pyvrp": 0}
    assert not result.caveats
    cheapest = min(result.members.values(), key=lambda plan: plan.total_cost)
    assert result.best.total_cost == pytest.approx(cheapest.total_cost)
    assert result.best.solver == f"best/{cheapest.solver}"
    assert result.best.problem is problem
    assert vr.validate_plan(problem, result.best) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_pyvrp_hands_its_plan_on_where_vans_may_run_several_trips(workers: int) -> None:
    problem = four_stations()  # a day cost: two trips a van
    started = time.perf_counter()
    result = solve_portfolio(problem, time_limit=1.0, workers=workers)
    assert time.perf_counter() - started < 1.6
    # On one core OR-Tools' time all goes to continuing from PyVRP's plan.
    alone = {"ortools"} if workers > 1 else set()
    assert set(result.members) == {"naive", "pyvrp", "pyvrp+ortools"} | alone
    assert not result.caveats
    assert set(result.violations.values()) == {0}
    # OR-Tools started from PyVRP's plan: never costlier in its integer model, which
    # rounds each leg's time up to a whole second (at most ten legs here).
    chained = result.members["pyvrp+ortools"]
    rounding = 10 * VAN.cost_per_hour / 3600
    assert chained.total_cost <= result.members["pyvrp"].total_cost + rounding
    assert not chained.unserved


@pytest.mark.parametrize("workers", [1, 2])
def test_pyvrp_runs_with_a_caveat_when_a_freshness_deadline_can_bind(workers: int) -> None:
    # One loop through all four takes about 45 min, so station 1 must come last.
    problem = four_stations(fresh_s=FRESH_1)
    started = time.perf_counter()
    result = solve_portfolio(problem, time_limit=0.5, workers=workers)
    assert time.perf_counter() - started < 1.1
    alone = {"ortools"} if workers > 1 else set()
    assert set(result.members) == {"naive", "pyvrp", "pyvrp+ortools"} | alone
    assert "freshness" in result.caveats["pyvrp"]
    # Ignoring the deadline, PyVRP (seed 0) drives the loop the other way round: that
    # plan is rejected, and the best plan keeps the deadline.
    assert result.violations["pyvrp"] > 0
    assert result.best.solver != "best/pyvrp"
    assert vr.validate_plan(problem, result.best) == []
    # OR-Tools got PyVRP's loop without station 1 and put it back in time.
    assert result.violations["pyvrp+ortools"] == 0
    assert not result.members["pyvrp+ortools"].unserved


def hand_over_starts(monkeypatch: pytest.MonkeyPatch) -> list[vr.Plan]:
    """The warm starts the hand-over gives OR-Tools, as the portfolio runs."""
    starts: list[vr.Plan] = []
    solve_ortools = portfolio.solve_ortools

    def spy(problem: vr.Problem, **kwargs: object) -> vr.Plan:
        if kwargs.get("trips_per_vehicle") is not None:  # the hand-over's call
            starts.append(kwargs["warm_start"])  # type: ignore[arg-type]
        return solve_ortools(problem, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(portfolio, "solve_ortools", spy)
    return starts


def test_stations_taken_out_of_pyvrps_plan_are_put_back_before_ortools_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = four_stations(fresh_s=FRESH_1)
    starts = hand_over_starts(monkeypatch)
    result = solve_portfolio(problem, time_limit=0.5, workers=1)
    assert result.violations["pyvrp"] > 0
    (start,) = starts
    assert not start.unserved
    assert vr.validate_plan(problem, start) == []


def test_a_station_pyvrp_left_out_is_put_back_before_ortools_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyVRP (here, the naive plan without station 1) leaves out a station there is
    room for: the insertion puts it back, and OR-Tools starts from a plan serving all
    four. Before, only the stations whose rules PyVRP broke were put back."""
    problem = four_stations(fresh_s=FRESH_1)

    def without_1(problem: vr.Problem, **kwargs: object) -> vr.Plan:
        naive = portfolio.solve_naive(problem)
        return replace(without_stations(naive, {1}, "no room found"), solver="pyvrp")

    monkeypatch.setattr(portfolio, "solve_pyvrp", without_1)
    starts = hand_over_starts(monkeypatch)
    result = solve_portfolio(problem, time_limit=0.5, workers=1)
    assert [u.node for u in result.members["pyvrp"].unserved] == [1]
    (start,) = starts
    assert not start.unserved
    assert vr.validate_plan(problem, start) == []


def test_a_station_only_the_cold_van_may_serve_gets_room_before_ortools_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyVRP's plan (:func:`tests.test_scarce.cold_van_on_two_trips`) leaves out a
    station whose produce only the full cold van may take, and no place for it fits:
    re-planning the cold van serves it, and OR-Tools starts from a plan serving all."""
    plan = replace(cold_van_on_two_trips(), solver="pyvrp")
    problem = plan.problem
    monkeypatch.setattr(portfolio, "solve_pyvrp", lambda problem, **kwargs: plan)
    starts = hand_over_starts(monkeypatch)
    result = solve_portfolio(problem, time_limit=1.0, workers=1)
    (start,) = starts
    assert not start.unserved
    assert vr.validate_plan(problem, start) == []
    assert not result.best.unserved


def test_a_start_that_taking_stations_out_broke_is_not_handed_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Taking PyVRP's late station out re-times its route; where that breaks another
    rule (here: the routes' recorded costs are made wrong, and the station is not put
    back), the plan is not handed on: OR-Tools could not read it. Its own search from
    the naive plan runs beside."""
    problem = four_stations(fresh_s=FRESH_1)
    take_out = portfolio.without_stations

    def breaking(plan: vr.Plan, stations: object, reason: str) -> vr.Plan:
        out = take_out(plan, stations, reason)  # type: ignore[arg-type]
        return replace(out, routes=tuple(replace(r, cost=r.cost + 1.0) for r in out.routes))

    monkeypatch.setattr(portfolio, "without_stations", breaking)
    monkeypatch.setattr(portfolio, "insert_stations", lambda plan, stations, time_limit: plan)
    result = solve_portfolio(problem, time_limit=0.5, workers=2)
    assert result.violations["pyvrp"] > 0
    assert set(result.members) == {"naive", "pyvrp", "ortools"}
    assert vr.validate_plan(problem, result.best) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_start_short_of_the_naive_plans_stations_is_handed_on_only_beside_ortools(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The station PyVRP's plan keeps too late is taken out and, here, not put back. On
    two cores OR-Tools still continues from that plan (its own search from the naive
    plan runs beside it); on one core, where that would be its only run, it starts from
    the naive plan, which serves every station."""
    problem = four_stations(fresh_s=FRESH_1)
    monkeypatch.setattr(portfolio, "insert_stations", lambda plan, stations, time_limit: plan)
    result = solve_portfolio(problem, time_limit=0.5, workers=workers)
    assert result.violations["pyvrp"] > 0
    expected = {"naive", "pyvrp", "ortools"} | ({"pyvrp+ortools"} if workers > 1 else set())
    assert set(result.members) == expected
    assert not result.members["ortools"].unserved
    assert not result.best.unserved


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pyvrp_plan_broken_beyond_its_stations_is_not_handed_on(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    problem = four_stations(fresh_s=FRESH_1)
    monkeypatch.setattr(portfolio, "solve_pyvrp", free_naive_plan)
    result = solve_portfolio(problem, time_limit=0.5, workers=workers)
    # Its costs are wrong route by route: taking stations out cannot mend that, so
    # OR-Tools searches from the naive plan instead (on one core, for the time left).
    assert result.violations["pyvrp"] > 0
    assert set(result.members) == {"naive", "ortools", "pyvrp"}
    assert result.violations["ortools"] == 0
    assert vr.validate_plan(problem, result.best) == []


def test_a_plan_the_validator_rejects_is_never_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = four_stations()
    monkeypatch.setattr(portfolio, "solve_pyvrp", free_naive_plan)
    result = solve_portfolio(problem, time_limit=0.5, workers=1)
    assert result.members["pyvrp"].total_cost == 0.0
    assert result.violations["pyvrp"] > 0
    assert result.best.solver in ("best/ortools", "best/naive")
    assert vr.validate_plan(problem, result.best) == []


def test_best_is_the_default_of_plan() -> None:
    problem = four_stations(split_visits=False)
    plan = vr.plan(problem, time_limit=0.5)
    assert plan.solver.startswith("best/")
    assert vr.validate_plan(problem, plan) == []
    assert not plan.unserved
