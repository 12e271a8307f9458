"""Plans on real data: VRPSPD benchmark instances and a county on Andorra's roads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import villageroute as vr
from tests.helpers import SHARED, needs_andorra
from villageroute.instances import load_bks, read_vrpspd

ROOT = Path(__file__).resolve().parents[1]
DETHLOFF = SHARED / "data" / "instances" / "vrpspd" / "dethloff"
needs_vrpspd = pytest.mark.skipif(
    not DETHLOFF.exists(), reason=f"VRPSPD instances not found at {DETHLOFF} (../shared absent)"
)


@needs_vrpspd
@pytest.mark.parametrize("name", ["SCA3-0", "CON8-5"])
def test_dethloff_plans_validate_and_come_close_to_the_best_known(name: str) -> None:
    instance = read_vrpspd(DETHLOFF / f"{name}.vrpspd")
    problem = instance.to_problem(vehicles=12)
    plan = vr.plan(problem, "ortools", time_limit=2.0)
    assert vr.validate_plan(problem, plan) == []
    assert not plan.unserved
    # Never below the best known (that would be a costing or validation bug); quality
    # under a short, possibly shared CPU budget is the benchmarks' business, so only a
    # gross failure is caught here.
    gap = plan.total_cost / load_bks()[name] - 1
    assert -1e-6 < gap < 0.15


@needs_andorra
def test_co_routing_cuts_per_parcel_cost_on_andorra_by_30_percent() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from county_savings import andorra_problem

    problem = andorra_problem(demand_seed=0)
    naive = vr.plan(problem, "naive")
    plan = vr.plan(problem, "ortools", time_limit=5.0)
    for result in (naive, plan):
        assert vr.validate_plan(problem, result) == []
        assert not result.unserved
    saving = 1 - plan.summary()["per_parcel_cost"] / naive.summary()["per_parcel_cost"]
    assert saving >= 0.30
