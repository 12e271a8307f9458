"""CVRP reader: hand-written files, malformed files, and the real CVRPLIB X set.

The real-data tests read ``../shared/data/instances/cvrp`` and skip when it is absent.
Every best-known X solution is validated through :meth:`CvrpInstance.to_problem` and
the one plan validator, and its cost must be exactly the published integer (``nint``
edge lengths): in ``bks_X.csv`` and on the ``.sol`` file's ``Cost`` line. ``vrplib``
serves as an independent parser of the same files.
"""

from __future__ import annotations

import functools
import math
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
    CvrpInstance,
    cvrp_dir,
    load_bks_x,
    read_cvrp,
    read_solution,
    write_solution,
)
from villageroute.instances.cvrp import route_cost
from villageroute.plans import Plan, build_route
from villageroute.validation import validate_plan

CVRP = SHARED / "data" / "instances" / "cvrp"
X_SET = CVRP / "uchoa_x"
needs_x = pytest.mark.skipif(
    not X_SET.is_dir(), reason=f"CVRPLIB X data not found at {X_SET} (../shared absent)"
)


def x_files() -> list[Path]:
    return sorted(X_SET.glob("X-n*.vrp")) if X_SET.is_dir() else []


@functools.cache
def x_bks() -> dict[str, BestKnown]:
    return load_bks_x(X_SET / "bks_X.csv")


def write(tmp_path: Path, text: str, name: str = "tiny-n5-k2.vrp") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def plan_of(instance: CvrpInstance, routes: list[list[int]]) -> tuple[Plan, list[str]]:
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

# Node 4 sits 2.5 from the depot: nint rounds the half up (TSPLIB (int)(d + 0.5)).
TINY = """NAME : tiny-n5-k2
COMMENT : four customers, hand-made
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 1 1
4 0 2.5
5 6 0
DEMAND_SECTION
1 0
2 4
3 3
4 5
5 2
DEPOT_SECTION
1
-1
EOF
"""


def test_tiny_instance_parses_with_nint_distances(tmp_path: Path) -> None:
    inst = read_cvrp(write(tmp_path, TINY))
    assert inst.name == "tiny-n5-k2" and inst.dimension == 5 and inst.n_customers == 4
    assert inst.capacity == 10 and inst.min_vehicles == 2
    np.testing.assert_array_equal(inst.delivery, [0, 4, 3, 5, 2])
    np.testing.assert_array_equal(inst.coords[3], [0, 2.5])
    d = inst.distance
    assert d[0, 1] == 5  # 3-4-5
    assert d[0, 2] == 1  # sqrt 2 = 1.41 -> 1
    assert d[0, 3] == 3  # 2.5 -> 3: halves round up
    assert d[1, 2] == 4  # sqrt 13 = 3.61 -> 4
    assert d[3, 4] == 7  # sqrt 42.25 = 6.5 -> 7
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(d, np.round(d))
    assert not inst.distance.flags.writeable


def test_route_cost_and_problem(tmp_path: Path) -> None:
    inst = read_cvrp(write(tmp_path, TINY))
    routes = [[1, 2], [3, 4]]  # loads 7 and 7 of 10
    d = inst.distance
    expected = d[0, 1] + d[1, 2] + d[2, 0] + d[0, 3] + d[3, 4] + d[4, 0]
    assert route_cost(inst, routes) == expected == 5 + 4 + 1 + 3 + 7 + 6

    problem = inst.to_problem()
    assert problem.n == 5 and problem.n_vehicles == 4  # unlimited fleet: one per customer
    assert inst.to_problem(vehicles=2).n_vehicles == 2
    vehicle = problem.vehicle(0)
    assert vehicle.capacity_kg == 10 and vehicle.capacity_parcels == 4
    assert vehicle.cost_per_km == 1000 and vehicle.cost_per_hour == vehicle.cost_per_day == 0
    assert not problem.split_visits
    np.testing.assert_array_equal(problem.distance_m, inst.distance)
    np.testing.assert_array_equal(problem.down_kg, inst.delivery)
    np.testing.assert_array_equal(problem.down_parcels, [0, 1, 1, 1, 1])
    np.testing.assert_array_equal(problem.up_parcels, 0)
    assert problem.ids == ("1", "2", "3", "4", "5")  # file node ids

    plan, violations = plan_of(inst, routes)
    assert violations == []
    assert plan.total_cost == pytest.approx(expected, rel=1e-12)
    # Capacity is what binds: all four customers on one vehicle carry 14 > 10.
    _, violations = plan_of(inst, [[1, 2, 3, 4]])
    assert any(v.startswith("capacity") for v in violations)


def test_explicit_matrix(tmp_path: Path) -> None:
    text = TINY.replace("EUC_2D", "EXPLICIT\nEDGE_WEIGHT_FORMAT : LOWER_ROW")
    start, end = text.index("NODE_COORD_SECTION"), text.index("DEMAND_SECTION")
    text = text[:start] + "EDGE_WEIGHT_SECTION\n1\n2 3\n4 5 6\n7 8 9 10\n" + text[end:]
    inst = read_cvrp(write(tmp_path, text))
    assert inst.coords is None
    assert inst.distance[0, 1] == 1 and inst.distance[4, 3] == inst.distance[3, 4] == 10


def test_solution_read_write_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.sol"
    write_solution(path, [[1, 2], [], [4, 3]], 30)
    assert path.read_text() == "Route #1: 1 2\nRoute #2: 4 3\nCost 30\n"
    assert read_solution(path) == ([[1, 2], [4, 3]], 30.0)
    write_solution(path, [[np.int64(3)]], 827.3)
    assert path.read_text() == "Route #1: 3\nCost 827.3\n"
    assert read_solution(path) == ([[3]], 827.3)
    # Other lines are ignored, empty routes dropped, no Cost line gives None.
    path.write_text("Route #1: 2 1\nRoute #2:\nTime 12.5\n")
    assert read_solution(path) == ([[2, 1]], None)


@pytest.mark.parametrize(
    ("routes", "cost", "message"),
    [
        ([[1, 2], [2]], 1.0, "customer 2 is listed twice"),
        ([[0, 1]], 1.0, "whole numbers >= 1"),
        ([[1.0]], 1.0, "whole numbers >= 1"),
        ([[1]], math.nan, "cost must be finite"),
    ],
)
def test_write_solution_rejects_bad_routes(
    tmp_path: Path, routes: list[list[int]], cost: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_solution(tmp_path / "bad.sol", routes, cost)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Route #1: 1 x\nCost 3\n", "line 1: 'x' is not a customer number"),
        ("Route #1: 1 2\nRoute #2: 3 0\n", "line 2: '0' is not a customer number"),
        ("Route #1: 1 2\nRoute #2: 3 1\n", "line 2: customer 1 listed twice (line 1)"),
        ("Route one: 1 2\n", "line 1: expected 'Route #k: customers...'"),
        ("Route #1: 1\nCost many\n", "line 2: expected 'Cost X'"),
        ("Route #1: 1\nCost 3\nCost 4\n", "line 3: Cost given twice"),
    ],
)
def test_malformed_solution(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.sol"
    path.write_text(body)
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_solution(path)
    assert info.value.file == str(path) and "\n" not in str(info.value)


def _replace(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new)


@pytest.mark.parametrize(
    ("edit", "message", "field"),
    [
        (_replace("3 1 1\n", "3 1 x\n"), "line 10: 'x' is not a number", "NODE_COORD_SECTION"),
        (_replace("5 2\n", ""), "4 lines, expected DIMENSION = 5", "DEMAND_SECTION"),
        (_replace("4 5\n", "4 5 1\n"), "line 17: 3 fields, expected 2", "DEMAND_SECTION"),
        (_replace("4 5\n", "2 5\n"), "line 17: node 2 repeated (line 15)", "DEMAND_SECTION"),
        (_replace("4 5\n", "4 11\n"), "line 17: demand 11 exceeds CAPACITY 10", "DEMAND_SECTION"),
        (_replace("1 0\n", "1 1\n"), "line 14: the depot (node 1) has a demand", "DEMAND_SECTION"),
        (_replace("4 5\n", "4 -5\n"), "line 17: demand -5 < 0", "DEMAND_SECTION"),
        (_replace("DEPOT_SECTION\n1", "DEPOT_SECTION\n2"), "single depot", "DEPOT_SECTION"),
        (_replace("CAPACITY : 10", "CAPACITY : ten"), "CAPACITY must be a number", "CAPACITY"),
        (_replace("TYPE : CVRP", "TYPE : VRPTW"), "TYPE 'VRPTW' is not CVRP", "TYPE"),
        (_replace("EUC_2D", "GEO"), "EDGE_WEIGHT_TYPE 'GEO'", "EDGE_WEIGHT_TYPE"),
        (_replace("DIMENSION : 5\n", ""), "DIMENSION must be given", "DIMENSION"),
        (_replace("CAPACITY : 10", "CAPACITY : 10\nDISTANCE : 50"), "not supported", "DISTANCE"),
        (_replace("DEMAND_SECTION", "DEMANDS_SECTION"), "line 13: unknown keyword", None),
        (_replace("DEMAND_SECTION", "DEMAND_SECTION\nDEMAND_SECTION"), "appears twice", None),
    ],
)
def test_malformed_instance_names_file_and_line(
    tmp_path: Path, edit: Callable[[str], str], message: str, field: str | None
) -> None:
    path = write(tmp_path, edit(TINY), "bad.vrp")
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_cvrp(path)
    assert info.value.file == str(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
    if field is not None:
        assert info.value.field == field


def test_missing_file() -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_cvrp("/nonexistent/x.vrp")


def test_load_bks_x_rejects_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_text("instance,bks,routes\nA,120,3\nB,lots,2\n")
    with pytest.raises(InputError, match="line 3"):
        load_bks_x(path)
    path.write_text("instance,bks,routes\nA,120,3\nA,121,3\n")
    with pytest.raises(InputError, match="listed twice"):
        load_bks_x(path)
    path.write_text("instance,bks,routes\nA,120,3\n")
    assert load_bks_x(path) == {"A": BestKnown(120.0, 3)}


def test_cvrp_dir_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "repo" / "src" / "villageroute" / "instances" / "shared.py"
    monkeypatch.setattr(instances.shared, "__file__", str(fake))
    with pytest.raises(FileNotFoundError, match=r"\.\./shared"):
        cvrp_dir()


# --------------------------------------------------------------------------------------
# Real benchmark sets
# --------------------------------------------------------------------------------------


@needs_x
def test_x_set_is_complete() -> None:
    assert cvrp_dir().resolve() == CVRP.resolve()
    assert len(x_files()) == 100
    assert {p.stem for p in x_files()} == {p.stem for p in X_SET.glob("*.sol")}
    assert set(load_bks_x()) == {p.stem for p in x_files()}


@needs_x
@pytest.mark.parametrize("path", x_files(), ids=lambda p: p.stem)
def test_x_best_known_solution(path: Path, tmp_path: Path) -> None:
    inst = read_cvrp(path)
    routes, file_cost = read_solution(path.with_suffix(".sol"))
    bks = x_bks()[inst.name]

    # An independent parse of the same files agrees.
    reference = vrplib.read_instance(path, compute_edge_weights=False)
    np.testing.assert_array_equal(inst.coords, reference["node_coord"])
    np.testing.assert_array_equal(inst.delivery, reference["demand"])
    assert inst.capacity == reference["capacity"] and inst.dimension == reference["dimension"]
    assert routes == vrplib.read_solution(path.with_suffix(".sol"))["routes"]

    # nint edge lengths: the cost is an exact integer, equal to both published values.
    cost = route_cost(inst, routes)
    assert cost == bks.cost == file_cost
    assert len(routes) == bks.routes
    assert inst.min_vehicles is not None
    assert math.ceil(inst.delivery.sum() / inst.capacity) <= inst.min_vehicles <= len(routes)

    plan, violations = plan_of(inst, routes)
    assert violations == []
    assert plan.total_cost == pytest.approx(cost, rel=1e-12)

    # Writing the solution back gives the file (up to trailing blanks).
    out = tmp_path / "out.sol"
    write_solution(out, routes, cost)
    original = [line.rstrip() for line in path.with_suffix(".sol").read_text().splitlines()]
    assert out.read_text().splitlines() == [line for line in original if line]


AUGERAT = CVRP / "augerat"


@pytest.mark.skipif(not AUGERAT.is_dir(), reason=f"Augerat data not found at {AUGERAT}")
def test_augerat_instances_parse() -> None:
    files = sorted(AUGERAT.glob("*/*.vrp"))
    assert len(files) == 74
    for path in files:
        inst = read_cvrp(path)
        match = re.fullmatch(r"[ABP]-n(\d+)-k(\d+)", path.stem)
        assert match is not None, path.name
        assert (inst.dimension, inst.min_vehicles) == (int(match[1]), int(match[2])), path.name
        assert (inst.delivery[1:] > 0).all() and inst.delivery[0] == 0
