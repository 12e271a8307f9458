"""Room for stations only some vehicles may serve, by re-planning those vehicles
(:mod:`villageroute.solvers.scarce`)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import villageroute as vr
from tests.test_insertion import COLD_VAN, LIGHT_VAN, VAN, four_stations, plan_of
from tests.test_naive import check_accounting, problems
from villageroute.plans import Plan, without_stations
from villageroute.solvers.insertion import insert_stations
from villageroute.solvers.naive import solve_naive
from villageroute.solvers.scarce import serve_on_scarce_vehicles

#: Refrigerated, on a 45 min shift: two out-and-back trips of 1,000 s fit, three
#: stations on one trip round the grid (2,000 s) too, but no two trips with three.
LONGER_COLD_VAN = replace(COLD_VAN, max_shift_hours=0.75)


def cold_van_on_two_trips() -> Plan:
    """Stations 1, 2 and 3 send cold-chain produce. The cold van serves 1 and 3 on two
    trips, the van serves 4, and 2 is left out: every place for it makes the cold van's
    day 2,707 s of a 2,700 s shift, and the cold van's own stations cannot move, so the
    insertion leaves it out. One trip 1-2-3 takes 2,000 s."""
    cold = [False, True, True, True, False]
    problem = four_stations([LONGER_COLD_VAN, VAN], cold_chain=cold)
    return plan_of(problem, {0: [1, 0, 3], 1: [4]}, [2])


def test_the_cold_vans_trips_are_planned_again_for_a_station_no_insertion_fits() -> None:
    plan = cold_van_on_two_trips()
    problem = plan.problem
    assert [u.node for u in insert_stations(plan, [2]).unserved] == [2]

    after = serve_on_scarce_vehicles(plan, [2], time_limit=2.0)

    assert vr.validate_plan(problem, after) == []
    check_accounting(problem, after)
    assert not after.unserved
    (route,) = [r for r in after.routes if r.vehicle == 0]
    assert sorted(route.nodes) == [1, 2, 3]  # one trip: no return to the depot


def test_the_cold_van_hands_over_what_any_van_can_take() -> None:
    # The cold van's 30 min shift is spent on stations 2 and 3; station 1's produce
    # needs the cold chain. They leave the cold van, and what fits comes back.
    problem = four_stations([COLD_VAN, LIGHT_VAN], cold_chain=[False, True, False, False, False])
    plan = plan_of(problem, {0: [2, 3], 1: [4]}, [1])

    after = serve_on_scarce_vehicles(plan, [1], time_limit=2.0)

    assert vr.validate_plan(problem, after) == []
    check_accounting(problem, after)
    assert not after.unserved
    cold = next(r for r in after.routes if r.vehicle == 0)
    assert 1 in cold.nodes


def test_stations_any_vehicle_may_serve_are_not_its_business() -> None:
    problem = four_stations([VAN, LIGHT_VAN])
    plan = plan_of(problem, {0: [1, 2, 3]}, [4])
    assert serve_on_scarce_vehicles(plan, [4], time_limit=1.0) is plan


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), data=st.data())
def test_replanning_never_loses_a_station_nor_breaks_a_rule(
    problem: vr.Problem, data: st.DataObject
) -> None:
    plan = solve_naive(problem)
    served = sorted(set(plan.served_nodes()))
    out = data.draw(st.lists(st.sampled_from(served), unique=True) if served else st.just([]))
    taken = without_stations(plan, out, "taken out")
    # As for the insertion (tests/test_insertion.py): where times do not obey the
    # triangle inequality, taking a station out can leave a plan that is not valid.
    assume(vr.validate_plan(problem, taken) == [])
    # As in the portfolio, after the insertion; or straight away, where more stations
    # are left to place.
    before = taken
    if data.draw(st.booleans()):
        before = insert_stations(taken, [u.node for u in taken.unserved])
    after = serve_on_scarce_vehicles(before, [u.node for u in before.unserved], time_limit=0.3)
    broken = vr.validate_plan(problem, after)
    assert broken == [], [str(v) for v in broken]
    check_accounting(problem, after)
    assert after is before or len(after.unserved) < len(before.unserved)
