"""The PyVRP backend: one small instance per feature, every plan checked by the validator."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import pyvrp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import villageroute as vr
from tests.helpers import SHARED, euclid
from villageroute.instances import load_bks, read_vrpspd
from villageroute.plans import most_trips
from villageroute.settings import VehicleType
from villageroute.solvers import pyvrp_backend as backend
from villageroute.solvers.ortools_routing import solve_ortools
from villageroute.solvers.pyvrp_backend import _Model, solve_pyvrp, unsupported

VRPSPD = SHARED / "data" / "instances" / "vrpspd"

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


def solve(problem: vr.Problem, time_limit: float = 0.5, **kwargs: object) -> vr.Plan:
    plan = solve_pyvrp(problem, time_limit=time_limit, **kwargs)  # type: ignore[arg-type]
    assert plan.solver == "pyvrp"
    assert vr.validate_plan(problem, plan) == []
    return plan


def peak_parcels(route: vr.Route) -> int:
    return max(route.start_load_parcels, *(s.load_parcels for s in route.stops))


@pytest.fixture
def four_on_a_line() -> vr.Problem:
    """Four stations along a road, each receiving parcels and sending produce."""
    d, t = euclid([(0, 0), (5, 0), (10, 0), (15, 0), (20, 0)])
    return vr.Problem.from_arrays(
        d, t, vehicle_types=[VAN], down_parcels=[0, 2, 2, 2, 2], up_parcels=[0, 1, 1, 1, 1]
    )


def test_single_visit_load_peaks_mid_route() -> None:
    """VRPSPD: one visit per station does both jobs. Capacity 10: A sends 6, B receives 6
    and sends 4. Collecting at A first would carry 6 + 6 = 12 on the way to B; B first
    carries 6 out, 4 after B and 10 after A."""
    d, t = euclid([(0, 0), (5, 2), (10, -1)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=[0, 0, 6],
        up_parcels=[0, 6, 4],
        split_visits=False,
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert route.nodes == [2, 1]
    assert [s.load_parcels for s in route.stops] == [4, 10]
    assert peak_parcels(route) == 10
    assert not plan.unserved


def test_split_jobs_back_to_back_are_one_stop(four_on_a_line: vr.Problem) -> None:
    """With split visits each station is two jobs; one van does both at each station,
    as one stop paying one service time."""
    p = four_on_a_line
    van = VehicleType("van", 2, 100.0, 10, 1.0, 36.0, 10.0, 10.0)
    problem = vr.Problem.from_arrays(
        p.distance_m,
        p.time_s,
        vehicle_types=[van],
        down_parcels=p.down_parcels,
        up_parcels=p.up_parcels,
        service_s=600.0,
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert sorted(route.nodes) == [1, 2, 3, 4]
    assert all(s.down_parcels and s.up_parcels for s in route.stops)
    # 40 km at 36 km/h is 4000 s, plus 4 services of 600 s: 6400 s at 0.01 CNY/s.
    assert plan.total_cost == pytest.approx(40 + 64 + 10)


def test_time_windows_force_the_order() -> None:
    """East in the morning, west in the afternoon, though west first is just as short."""
    d, t = euclid([(0, 0), (10, 0), (-10, 0)])
    van = VehicleType("van", 1, 1000.0, 100, 1.0, 30.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=[0, 1, 1],
        open_s=[0, 14 * 3600, 9 * 3600],
        close_s=[86400, 15 * 3600, 10 * 3600],
        service_s=600.0,
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert route.nodes == [2, 1]
    # The van leaves in time for the 09:00 window, not at midnight (hourly cost).
    assert 9 * 3600 - 1000 <= route.start_s <= 10 * 3600 - 1000


def test_heterogeneous_fleet_sends_the_big_truck_where_the_van_is_too_small() -> None:
    """The cheap van takes 5 parcels: it serves A (4 parcels) and the dear truck B (12)."""
    d, t = euclid([(0, 0), (-5, 0), (10, 0)])
    van = VehicleType("van", 1, 1000.0, 5, 1.0, 0.0, 0.0, 10.0)
    truck = VehicleType("truck", 1, 1000.0, 20, 2.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(d, t, vehicle_types=[van, truck], down_parcels=[0, 4, 12])
    plan = solve(problem)
    by_node = {r.nodes[0]: problem.vehicle(r.vehicle).name for r in plan.routes}
    assert by_node == {1: "van", 2: "truck"}
    # Van 10 km at 1/km, truck 20 km at 2/km; the truck doing both would cost 60.
    assert plan.total_cost == pytest.approx(50)


def test_second_trip_when_one_load_cannot_cover_the_day() -> None:
    """One van of 10 parcels, 16 parcels to deliver: two trips, one fixed cost."""
    d, t = euclid([(0, 0), (2, 0), (0, 2), (-2, 0), (0, -2)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 100.0, 10.0)
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[van], down_parcels=[0, 4, 4, 4, 4], service_s=300.0
    )
    plan = solve(problem)
    assert not plan.unserved
    (route,) = plan.routes
    assert route.nodes.count(0) == 1
    assert route.start_load_parcels == 8
    # Two out-and-back pairs of neighbours: 2 + 2.83 + 2 km each, plus the day.
    assert plan.total_cost == pytest.approx(2 * (4 + 2 * math.sqrt(2)) + 100)


def test_long_wait_for_a_window_is_spent_at_the_depot() -> None:
    """A (09:00-11:00) and its neighbour B (13:00-14:00): rather than wait at B for
    hours on the clock, the van drives home between them (waits at the depot are not
    charged), though PyVRP itself charges them like driving. Its day starts as late as
    A's window allows, so the shift is least."""
    d, t = euclid([(0, 0), (5, 0), (5, 1)])
    van = VehicleType("van", 2, 750.0, 100, 1.2, 30.0, 120.0, 10.0)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van],
        down_parcels=[0, 3, 3],
        open_s=[0, 9 * 3600, 13 * 3600],
        close_s=[86400, 11 * 3600, 14 * 3600],
        service_s=600.0,
        day_start_s=7 * 3600.0,
        day_end_s=19 * 3600.0,
    )
    plan = solve(problem)
    (route,) = plan.routes
    assert route.nodes == [1, 0, 2]
    assert route.start_s == pytest.approx(11 * 3600 - 500, abs=1e-3)
    assert route.duration_s - route.working_s > 3600  # idle at the depot
    assert route.working_s == pytest.approx(2 * 500 + 2 * math.hypot(5, 1) * 100 + 1200, abs=1e-6)


def test_cold_produce_rides_the_cold_van_and_its_parcels_split_off() -> None:
    """Station 1 sends cold-chain produce; the cold van (4 parcels) cannot also bring
    its 5 parcels, so the warm van delivers them: one station, two vehicles."""
    d, t = euclid([(0, 0), (10, 0), (10, 2)])
    van = VehicleType("van", 1, 1000.0, 100, 1.0, 0.0, 0.0, 10.0)
    cold = VehicleType("cold", 1, 1000.0, 4, 2.0, 0.0, 0.0, 10.0, cold_chain=True)
    problem = vr.Problem.from_arrays(
        d,
        t,
        vehicle_types=[van, cold],
        down_parcels=[0, 5, 5],
        up_parcels=[0, 4, 0],
        cold_chain=[False, True, False],
    )
    plan = solve(problem)
    assert not plan.unserved
    for route in plan.routes:
        vehicle = problem.vehicle(route.vehicle)
        for stop in route.stops:
            if stop.up_parcels:
                assert vehicle.cold_chain
            if stop.down_parcels:
                assert not vehicle.cold_chain
    assert sorted(problem.vehicle(r.vehicle).name for r in plan.routes) == ["cold", "van"]


def test_cold_produce_without_a_cold_van_is_unserved() -> None:
    d, t = euclid([(0, 0), (10, 0), (10, 2)])
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[VAN], up_parcels=[0, 4, 3], cold_chain=[False, True, False]
    )
    plan = solve(problem)
    (lost,) = plan.unserved
    assert lost.node == 1 and "cold-chain" in lost.reason
    assert plan.served_nodes() == [2]


def test_station_too_big_for_every_vehicle_is_unserved_with_reason(
    four_on_a_line: vr.Problem,
) -> None:
    d, t = four_on_a_line.distance_m, four_on_a_line.time_s
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[VAN], down_parcels=[0, 2, 50, 2, 2], up_parcels=[0, 1, 1, 1, 1]
    )
    plan = solve(problem)
    (lost,) = plan.unserved
    assert lost.node == 2 and lost.station_id == "2"
    assert "parcels" in lost.reason and "10" in lost.reason
    assert sorted(plan.served_nodes()) == [1, 3, 4]


def test_station_with_no_room_left_is_left_out_with_reason() -> None:
    """One van, one trip (no day cost), 10 parcels: only one of two 6-parcel stations."""
    d, t = euclid([(0, 0), (5, 0), (-5, 0)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(d, t, vehicle_types=[van], down_parcels=[0, 6, 6])
    plan = solve(problem)
    (lost,) = plan.unserved
    assert lost.reason.startswith("left out: its visit found no room")
    assert len(plan.served_nodes()) == 1


def test_jobs_are_required_unless_the_day_does_not_fit(
    four_on_a_line: vr.Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Required jobs first; prizes (optional jobs) only when no feasible plan was found."""
    built: list[bool] = []

    class Recording(backend._Model):
        def __init__(self, *args: object, required: bool = False, **kwargs: object) -> None:
            built.append(required)
            super().__init__(*args, required=required, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backend, "_Model", Recording)
    solve(four_on_a_line)
    assert built == [True]

    built.clear()
    d, t = euclid([(0, 0), (5, 0), (-5, 0)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    too_full = vr.Problem.from_arrays(d, t, vehicle_types=[van], down_parcels=[0, 6, 6])
    plan = solve(too_full)
    assert built == [True, False]
    assert len(plan.unserved) == 1 and len(plan.served_nodes()) == 1


def test_required_model_has_no_prizes(four_on_a_line: vr.Problem) -> None:
    required = _Model(four_on_a_line, [1, 2], trips=1, required=True).data.clients()
    optional = _Model(four_on_a_line, [1, 2], trips=1).data.clients()
    assert all(c.required and c.prize == 0 for c in required)
    assert all(not c.required and c.prize > 0 for c in optional)


def test_search_gives_up_early_only_without_a_feasible_solution() -> None:
    now = time.perf_counter()
    giving_up = backend._Deadline(now + 100, give_up=now - 1)
    assert giving_up(backend._INFEASIBLE)
    assert not giving_up(12_345)
    assert backend._Deadline(now - 1)(12_345)
    assert not backend._Deadline(now + 100)(backend._INFEASIBLE)


def test_half_served_station_is_taken_out(four_on_a_line: vr.Problem) -> None:
    """A solution delivering at station 1 but never collecting there: the delivery is
    taken out of its route and the station reported unserved."""
    p = four_on_a_line
    model = _Model(p, [1, 2], trips=1)
    assert model.jobs == ["down", "up", "down", "up"]
    visits = [pyvrp.Activity(pyvrp.ActivityType.CLIENT, c) for c in (0, 2, 3)]
    solution = pyvrp.Solution(model.data, [pyvrp.Route(model.data, visits, 0)])
    routes, unserved, _ = model.extract(solution)
    (lost,) = unserved
    assert lost.node == 1
    assert "collection" in lost.reason and "in full or not at all" in lost.reason
    (route,) = routes
    assert route.nodes == [2]
    assert route.stops[0].down_parcels == 2 and route.stops[0].up_parcels == 1


def test_route_breaking_a_limit_is_discarded_and_its_stations_reported() -> None:
    """Should PyVRP's best solution be infeasible (no feasible one found in time), its
    overloaded route is not planned: its stations are listed unserved."""
    d, t = euclid([(0, 0), (5, 0), (-5, 0)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 10.0)
    problem = vr.Problem.from_arrays(d, t, vehicle_types=[van], down_parcels=[0, 6, 6])
    model = _Model(problem, [1, 2], trips=1)
    visits = [pyvrp.Activity(pyvrp.ActivityType.CLIENT, c) for c in (0, 1)]
    solution = pyvrp.Solution(model.data, [pyvrp.Route(model.data, visits, 0)])
    assert not solution.is_feasible()
    routes, unserved, objective = model.extract(solution)
    assert routes == [] and objective == 0
    assert sorted(u.node for u in unserved) == [1, 2]
    assert all("discarded" in u.reason for u in unserved)


def test_objective_over_the_scale_is_the_plan_cost() -> None:
    """Whole seconds and metres, no waits and no freshness: PyVRP's objective, divided
    by the cost scale, is the plan's cost."""
    rng = np.random.default_rng(7)
    points = [(0.0, 0.0), *rng.uniform(-15, 15, (8, 2)).round(1).tolist()]
    d, _ = euclid(points)
    d = np.rint(d)
    van = VehicleType("van", 2, 750.0, 10, 1.2, 30.0, 120.0, 10.0)
    cold = VehicleType("cold", 1, 500.0, 8, 1.8, 35.0, 200.0, 10.0, cold_chain=True)
    problem = vr.Problem.from_arrays(
        d,
        np.rint(d / 10.0),
        vehicle_types=[van, cold],
        down_parcels=[0, 3, 2, 4, 1, 3, 2, 2, 3],
        up_parcels=[0, 2, 3, 1, 2, 0, 4, 1, 2],
        cold_chain=[False, True, False, False, False, False, True, False, False],
        service_s=300.0,
    )
    model = _Model(problem, list(range(1, problem.n)), trips=2)
    assert model.distance_scale == 1
    result = model.solve(time.perf_counter() + 0.5, 0, None)
    routes, unserved, objective = model.extract(result.best)
    plan = vr.Plan(problem, "pyvrp", tuple(routes), tuple(unserved))
    assert vr.validate_plan(problem, plan) == []
    assert not unserved
    assert result.cost() / model.cost_scale == pytest.approx(plan.total_cost, rel=1e-12)
    assert objective == pytest.approx(plan.total_cost, rel=1e-12)


def test_scales_keep_usual_rates_exact() -> None:
    van = VehicleType("van", 4, 750.0, 100, 1.2, 30.0, 120.0, 10.0)
    cold = VehicleType("cold", 1, 500.0, 60, 1.8, 35.0, 200.0, 10.0, cold_chain=True)
    d, t = euclid([(0, 0), (3, 4), (6, 8)])
    problem = vr.Problem.from_arrays(d, t, vehicle_types=[van, cold], down_parcels=[0, 1, 1])
    model = _Model(problem, [1, 2], trips=2)
    scale = model.cost_scale
    for pyvrp_type, fleet_type in zip(model.data.vehicle_types(), [van, cold], strict=True):
        per_m = fleet_type.cost_per_km / 1000 / model.distance_scale
        assert pyvrp_type.unit_distance_cost == pytest.approx(per_m * scale, rel=1e-12)
        assert pyvrp_type.unit_duration_cost == pytest.approx(
            fleet_type.cost_per_hour / 3600 * scale, rel=1e-12
        )
        assert pyvrp_type.fixed_cost == pytest.approx(fleet_type.cost_per_day * scale, rel=1e-12)
    # Benchmark units: distances with 4 decimals at 1000 per "km" are exact at 1e4.
    bench = VehicleType("vrpspd", 3, 100.0, 10, 1000.0, 0.0, 0.0, 24.0)
    d = np.array([[0.0, 12.3456, 7.0001], [12.3456, 0.0, 5.4321], [7.0001, 5.4321, 0.0]])
    problem = vr.Problem.from_arrays(d, d, vehicle_types=[bench], down_parcels=[0, 1, 1])
    model = _Model(problem, [1, 2], trips=1)
    assert model.distance_scale == 10_000
    (pyvrp_type,) = model.data.vehicle_types()
    assert pyvrp_type.unit_distance_cost * 10_000 == model.cost_scale
    assert model.data.distance_matrix(0)[1, 2] == 54_321


def test_unsupported_names_binding_freshness_only(four_on_a_line: vr.Problem) -> None:
    assert unsupported(four_on_a_line) is None
    p = four_on_a_line

    def with_fresh(fresh: list[float]) -> vr.Problem:
        return vr.Problem.from_arrays(
            p.distance_m,
            p.time_s,
            vehicle_types=[VAN],
            down_parcels=p.down_parcels,
            up_parcels=p.up_parcels,
            fresh_s=fresh,
        )

    # Longer than the day: it can never bind.
    assert unsupported(with_fresh([np.inf, 2 * 86400.0, np.inf, np.inf, np.inf])) is None
    tight = with_fresh([np.inf, np.inf, 1800.0, np.inf, 3600.0])
    reason = unsupported(tight)
    assert reason is not None and "freshness" in reason and "'2'" in reason
    assert "1 more" in reason
    # Still solved; only freshness may be broken, and every station is accounted for.
    plan = solve_pyvrp(tight, time_limit=0.3)
    assert {v.kind for v in vr.validate_plan(tight, plan)} <= {"freshness"}
    assert sorted(plan.served_nodes()) == [1, 2, 3, 4]


def test_progress_is_reported(four_on_a_line: vr.Problem) -> None:
    lines: list[str] = []
    solve(four_on_a_line, time_limit=0.2, progress=lines.append)
    assert lines and " iterations, objective " in lines[-1]


def test_a_time_limit_that_is_not_positive_is_refused(four_on_a_line: vr.Problem) -> None:
    with pytest.raises(ValueError, match="positive"):
        solve_pyvrp(four_on_a_line, time_limit=0.0)


@st.composite
def small_problems(draw: st.DrawFn) -> vr.Problem:
    n = draw(st.integers(1, 7))
    points = draw(
        st.lists(st.tuples(st.floats(-20, 20), st.floats(-20, 20)), min_size=n + 1, max_size=n + 1)
    )
    d, t = euclid(points, kmh=draw(st.floats(15, 60)))
    down = [0, *draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))]
    up = [0, *draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))]
    fresh = [np.inf] + [draw(st.sampled_from([np.inf, np.inf, np.inf, 5400.0])) for _ in range(n)]
    cold = [False, *draw(st.lists(st.booleans(), min_size=n, max_size=n))]
    opens = [7 * 3600.0] + [draw(st.sampled_from([7, 7, 9, 13])) * 3600.0 for _ in range(n)]
    closes = [o + draw(st.sampled_from([2, 4, 12])) * 3600.0 for o in opens]
    fleet = [
        VehicleType(
            "van",
            draw(st.integers(1, 3)),
            1000.0,
            draw(st.integers(6, 20)),
            1.2,
            30.0,
            draw(st.sampled_from([0.0, 120.0])),
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
        service_s=draw(st.sampled_from([0.0, 300.0, 412.5])),
        day_start_s=7 * 3600.0,
        day_end_s=19 * 3600.0,
        open_s=opens,
        close_s=closes,
        split_visits=draw(st.booleans()),
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # Each example searches for a fifth of a second: shrinking must not take minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(problem=small_problems(), seed=st.integers(0, 3))
def test_random_days_validate_and_account_for_every_station(problem: vr.Problem, seed: int) -> None:
    plan = solve_pyvrp(problem, time_limit=0.2, seed=seed)
    kinds = {v.kind for v in vr.validate_plan(problem, plan)}
    # Freshness is the one thing PyVRP does not model, and unsupported() says so.
    assert kinds <= ({"freshness"} if unsupported(problem) else set())
    served = set(plan.served_nodes())
    lost = {u.node for u in plan.unserved}
    assert served | lost == set(problem.demand_nodes.tolist()) and not served & lost
    assert all(u.reason for u in plan.unserved)


@pytest.mark.skipif(
    not VRPSPD.is_dir(), reason=f"VRPSPD benchmark data not found at {VRPSPD} (../shared absent)"
)
def test_dethloff_instance_within_three_percent_of_the_best_known() -> None:
    inst = read_vrpspd(VRPSPD / "dethloff" / "SCA3-0.vrpspd")
    bks = load_bks(VRPSPD / "bks.csv")["SCA3-0"]
    problem = inst.to_problem(vehicles=inst.vehicles)
    plan = solve_pyvrp(problem, time_limit=2.0)
    assert vr.validate_plan(problem, plan) == []
    assert not plan.unserved
    assert plan.total_cost <= bks * 1.03


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_an_explicit_trip_allowance_holds_where_vans_pay_a_day_cost(engine: str) -> None:
    """By default a van with a day cost may run two trips; ``trips_per_vehicle=1``
    means one in both backends (drivers who do one round a day), so of three full
    stations two are left out."""
    d, t = euclid([(0, 0), (5, 0), (0, 5), (-5, 0)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 10.0, 10.0)
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[van], down_parcels=[0, 10, 10, 10], up_parcels=[0, 0, 0, 0]
    )
    backend_solve = solve if engine == "pyvrp" else solve_ortools
    plan = backend_solve(problem, time_limit=0.5, trips_per_vehicle=1)
    assert vr.validate_plan(problem, plan) == []
    assert most_trips(plan) == 1
    assert len(plan.unserved) == 2


def test_a_van_may_run_as_many_trips_as_the_naive_plan() -> None:
    """One van of 10 parcels and three stations of 10 each: three trips. By default a
    van with a day cost runs two, so one station is left out; :func:`villageroute.plan`
    allows as many as the naive plan runs (three), as OR-Tools gets from its warm start."""
    d, t = euclid([(0, 0), (5, 0), (0, 5), (-5, 0)])
    van = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 10.0, 10.0)
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[van], down_parcels=[0, 10, 10, 10], up_parcels=[0, 0, 0, 0]
    )
    assert len(solve(problem).unserved) == 1
    plan = solve(problem, trips_per_vehicle=3)
    assert not plan.unserved
    assert most_trips(plan) == 3
    chosen = vr.plan(problem, "pyvrp", time_limit=0.5)
    assert vr.validate_plan(problem, chosen) == []
    assert not chosen.unserved
