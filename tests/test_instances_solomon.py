"""Solomon VRPTW reader: hand-written files, malformed files, and the 56 real instances.

The real-data tests read ``../shared/data/instances/vrptw/solomon`` and skip when it is
absent. Every best-known solution is validated through
:meth:`SolomonInstance.to_problem` and the one plan validator (capacity, time windows,
return by the depot's due date, the file's fleet), and its cost under the set's rule
(edges truncated to one decimal) must be the published one-decimal value, to float
summation error, in ``bks_solomon.csv`` and on the ``.sol`` file's ``Cost`` line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import vrplib

from tests.helpers import SHARED
from villageroute import instances
from villageroute.errors import InputError
from villageroute.instances import (
    BestKnown,
    SolomonInstance,
    load_bks_solomon,
    read_solomon,
    read_solution,
    solomon_dir,
    truncated_distance,
)
from villageroute.instances.solomon import route_cost
from villageroute.plans import Plan, build_route
from villageroute.validation import validate_plan

SOLOMON = SHARED / "data" / "instances" / "vrptw" / "solomon"
needs_solomon = pytest.mark.skipif(
    not SOLOMON.is_dir(), reason=f"Solomon data not found at {SOLOMON} (../shared absent)"
)


def solomon_files() -> list[Path]:
    return sorted(SOLOMON.glob("*.txt")) if SOLOMON.is_dir() else []


@functools.cache
def solomon_bks() -> dict[str, BestKnown]:
    return load_bks_solomon(SOLOMON / "bks_solomon.csv")


def plan_of(instance: SolomonInstance, routes: list[list[int]]) -> tuple[Plan, list[str]]:
    """The plan of ``routes`` on the instance's problem, and its violations."""
    problem = instance.to_problem()
    plan = Plan(
        problem,
        "bks",
        tuple(build_route(problem, k, route) for k, route in enumerate(routes)),
        (),
    )
    return plan, [str(v) for v in validate_plan(problem, plan)]


# --------------------------------------------------------------------------------------
# Hand-written files
# --------------------------------------------------------------------------------------

# Node 4 is sqrt(20) = 4.472 from the depot: 4.4 truncated, where rounding gives 4.5.
TINY = """TINY

VEHICLE
NUMBER     CAPACITY
   2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0         0          0          0        100          0
    1      3         4          4          0         50          5
    2      1         1          3         10         20          2
    3      0         3          5          0         60          1
    4      4         2          2         30         80          1
"""


def write(tmp_path: Path, text: str, name: str = "TINY.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tiny_instance_parses_with_truncated_distances(tmp_path: Path) -> None:
    inst = read_solomon(write(tmp_path, TINY.replace("\n", "\r\n")))  # the files are CRLF
    assert inst.name == "TINY" and inst.vehicles == 2 and inst.capacity == 10
    assert inst.dimension == 5 and inst.n_customers == 4
    np.testing.assert_array_equal(inst.demand, [0, 4, 3, 5, 2])
    np.testing.assert_array_equal(inst.ready, [0, 0, 10, 0, 30])
    np.testing.assert_array_equal(inst.due, [100, 50, 20, 60, 80])
    np.testing.assert_array_equal(inst.service, [0, 5, 2, 1, 1])
    d = inst.distance
    assert d[0, 1] == 5.0  # exact: no truncation below a whole number
    assert d[0, 2] == 1.4  # 1.414
    assert d[0, 4] == 4.4  # 4.472: truncated, not rounded
    assert d[1, 2] == 3.6  # 3.606
    assert d[3, 4] == 4.1  # 4.123
    np.testing.assert_array_equal(d, d.T)
    assert not inst.distance.flags.writeable


def test_truncation_matches_the_definition() -> None:
    coords = np.random.default_rng(7).integers(0, 100, size=(60, 2))
    diff = coords[:, None, :] - coords[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=2))
    expected = np.floor(10 * exact) / 10
    np.testing.assert_array_equal(truncated_distance(coords), expected)
    assert (truncated_distance(coords) <= exact).all()


def test_route_cost_and_problem(tmp_path: Path) -> None:
    inst = read_solomon(write(tmp_path, TINY))
    routes = [[2, 1], [3, 4]]
    assert route_cost(inst, routes) == pytest.approx((1.4 + 3.6 + 5.0) + (3.0 + 4.1 + 4.4))

    problem = inst.to_problem()
    assert problem.n_vehicles == 2  # the file's fleet
    vehicle = problem.vehicle(0)
    assert vehicle.capacity_kg == 10 and vehicle.cost_per_km == 1000
    # One time unit is 10 s, so one-decimal travel times are whole seconds.
    assert vehicle.max_shift_hours == pytest.approx(1000 / 3600)
    assert (problem.day_start_s, problem.day_end_s) == (0, 1000)
    np.testing.assert_array_equal(problem.time_s, inst.distance * 10)
    assert (problem.time_s == np.round(problem.time_s)).all()
    np.testing.assert_array_equal(problem.open_s, inst.ready * 10)
    np.testing.assert_array_equal(problem.close_s, inst.due * 10)
    np.testing.assert_array_equal(problem.service_s, inst.service * 10)
    np.testing.assert_array_equal(problem.down_kg, inst.demand)
    np.testing.assert_array_equal(problem.up_parcels, 0)
    assert problem.ids == ("0", "1", "2", "3", "4")  # the file's customer numbers

    plan, violations = plan_of(inst, routes)
    assert violations == []
    assert plan.total_cost == pytest.approx(21.5, rel=1e-12)
    # Waiting is allowed: the second route reaches customer 4 at 8.1 and serves it at 30.
    assert plan.routes[1].stops[1].arrival_s == 300
    # From customer 4 (served 30-31), customer 2 is reached at 34.1, after its due 20.
    _, violations = plan_of(inst, [[4, 2], [3, 1]])
    assert any(v.startswith("time_window") for v in violations)
    # The depot's due date ends the day: back at 35.4 is too late when it is 30.
    late = read_solomon(write(tmp_path, TINY.replace("0        100", "0         30"), "L.txt"))
    _, violations = plan_of(late, [[2, 1], [3, 4]])
    assert any(v.startswith("day") for v in violations)


def test_to_problem_needs_the_day_to_fit(tmp_path: Path) -> None:
    inst = read_solomon(write(tmp_path, TINY.replace("0        100", "0      90000")))
    with pytest.raises(InputError, match="within one day"):
        inst.to_problem()


def _replace(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new)


C2 = "    2      1         1          3         10         20          2"


@pytest.mark.parametrize(
    ("edit", "message", "field"),
    [
        (_replace("   2         10", "   2         x"), "line 5: 'x' is not a number", "VEHICLE"),
        (_replace("   2         10", "   0         10"), "line 5: NUMBER must be", "VEHICLE"),
        (_replace(C2, C2[:-11]), "line 12: 6 fields, expected 7", "CUSTOMER"),
        (_replace(C2, "    1" + C2[5:]), "line 12: customer 1 repeated (line 11)", "CUST NO."),
        (_replace(C2, "    7" + C2[5:]), "line 12: customer number 7 not in 0..4", "CUST NO."),
        (_replace("20          2", " 5          2"), "due date 5 before ready", "DUE DATE"),
        (_replace("3         10", "11        10"), "line 12: demand exceeds CAPACITY", "DEMAND"),
        (_replace("20          2", "20         -2"), "line 12: -2 < 0", "SERVICE TIME"),
        (_replace("CUSTOMER\n", "CUSTOMERS\n"), "expected one CUSTOMER line, found 0", "CUSTOMER"),
        (_replace("NUMBER     CAPACITY\n", ""), "followed by a column header", "VEHICLE"),
    ],
)
def test_malformed_file_names_file_and_line(
    tmp_path: Path, edit: Callable[[str], str], message: str, field: str
) -> None:
    path = write(tmp_path, edit(TINY), "bad.txt")
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_solomon(path)
    assert info.value.file == str(path) and info.value.field == field
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_solomon_dir_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "repo" / "src" / "villageroute" / "instances" / "shared.py"
    monkeypatch.setattr(instances.shared, "__file__", str(fake))
    with pytest.raises(FileNotFoundError, match=r"\.\./shared"):
        solomon_dir()


# --------------------------------------------------------------------------------------
# Real benchmark set
# --------------------------------------------------------------------------------------


@needs_solomon
def test_solomon_set_is_complete() -> None:
    assert solomon_dir().resolve() == SOLOMON.resolve()
    names = {p.stem for p in solomon_files()}
    assert len(names) == 56
    assert names == {p.stem for p in SOLOMON.glob("*.sol")} == set(load_bks_solomon())


@needs_solomon
def test_the_rule_is_truncation() -> None:
    """Full precision and rounding to nearest do not give C101's published 827.3."""
    inst = read_solomon(SOLOMON / "C101.txt")
    routes, _ = read_solution(SOLOMON / "C101.sol")
    diff = inst.coords[:, None, :] - inst.coords[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=2))
    assert round(route_cost(inst, routes), 1) == 827.3
    full = sum(exact[p[:-1], p[1:]].sum() for p in ([0, *r, 0] for r in routes))
    nearest = sum(np.round(exact, 1)[p[:-1], p[1:]].sum() for p in ([0, *r, 0] for r in routes))
    assert round(full, 1) == 828.9 and round(nearest, 1) == 828.7


@needs_solomon
@pytest.mark.parametrize("path", solomon_files(), ids=lambda p: p.stem)
def test_solomon_best_known_solution(path: Path) -> None:
    inst = read_solomon(path)
    routes, file_cost = read_solution(path.with_suffix(".sol"))
    bks = solomon_bks()[inst.name]

    # An independent parse of the same file agrees.
    reference = vrplib.read_instance(path, instance_format="solomon", compute_edge_weights=False)
    assert (inst.vehicles, inst.capacity) == (reference["vehicles"], reference["capacity"])
    np.testing.assert_array_equal(inst.coords, reference["node_coord"])
    np.testing.assert_array_equal(inst.demand, reference["demand"])
    np.testing.assert_array_equal(np.column_stack([inst.ready, inst.due]), reference["time_window"])
    np.testing.assert_array_equal(inst.service, reference["service_time"])

    assert sorted(c for route in routes for c in route) == list(range(1, inst.dimension))
    assert len(routes) == bks.routes <= inst.vehicles
    # Sums of one-decimal edges: the published value up to float summation error.
    cost = route_cost(inst, routes)
    assert abs(cost - bks.cost) <= 1e-9 * bks.cost
    assert round(cost, 1) == bks.cost == file_cost

    plan, violations = plan_of(inst, routes)
    assert violations == []
    assert plan.total_cost == pytest.approx(cost, rel=1e-12)
