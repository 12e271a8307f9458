"""VRPSPD benchmark reader: hand-written files, malformed files, and the real LKH-3 sets.

The real-data tests read ``../shared/data/instances/vrpspd`` and skip when it is absent.
Every best-known LKH-3 tour there is checked for feasibility (each customer once, load
never above capacity, route length within ``DISTANCE``) and for its cost, which must
equal the number in the tour's file name (integer file units) and ``bks.csv``.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest

from villageroute import instances
from villageroute.errors import InputError
from villageroute.instances import (
    VrpspdInstance,
    load_bks,
    read_tour,
    read_vrpspd,
    route_duration,
    tour_cost,
    tour_file_cost,
    vrpspd_dir,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
VRPSPD = SHARED / "data" / "instances" / "vrpspd"
needs_vrpspd = pytest.mark.skipif(
    not VRPSPD.is_dir(), reason=f"VRPSPD benchmark data not found at {VRPSPD} (../shared absent)"
)

#: Instance files of the shared copy that are damaged; the reader must reject them.
#: CON3-0: the line of node 2 reads "2 0 0 10000000 0 VRPSPD" (pickup and delivery
#: replaced by a word). CMT11T: "CAPACITY : 20" where CMT11H/Q and the original CMT11
#: have 200 (customers demand up to 35; with 200 the LKH-3 tour is feasible and costs
#: exactly 998.793 = bks.csv).
KNOWN_BAD = {
    "CON3-0": r"line 63: 'VRPSPD' is not a number",
    "CMT11T": r"exceeds CAPACITY 20",
}
SET_SIZES = {"dethloff": 40, "montane_galvao": 12, "salhi_nagy": 56}


def instance_files() -> list[Path]:
    return sorted(VRPSPD.glob("*/*.vrp*")) if VRPSPD.is_dir() else []


def tour_files() -> list[Path]:
    return sorted(VRPSPD.glob("tours/*/*.tour")) if VRPSPD.is_dir() else []


_cache: dict[Path, VrpspdInstance] = {}
_bks: dict[str, float] = {}


def load(path: Path) -> VrpspdInstance:
    if path not in _cache:
        _cache[path] = read_vrpspd(path)
    return _cache[path]


# --------------------------------------------------------------------------------------
# Hand-written files
# --------------------------------------------------------------------------------------

# 4 customers on a 3-4-5 grid, SCALE 10: edge weights round(10 * euclid).
TINY = """NAME : tiny
COMMENT : four customers, hand-made
TYPE : VRPSPD
DIMENSION : 5
VEHICLES : 2
CAPACITY : 10
DISTANCE : 25
SCALE : 10
EDGE_WEIGHT_TYPE : EXACT_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3\t0 4
4 -3 0
5 1.5 0
PICKUP_AND_DELIVERY_SECTION
1 0 0 10000000 0 0 0
3 0 0 10000000 2 0 6
2 0 0 10000000 2 4 3
4 0 0 10000000 2.5 7 0
5 0 0 10000000 2 1 1
DEPOT_SECTION
1
-1
EOF
"""


def write(tmp_path: Path, text: str, name: str = "tiny.vrpspd") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tiny_file_parses_exactly(tmp_path: Path) -> None:
    inst = read_vrpspd(write(tmp_path, TINY))
    assert inst.name == "tiny"
    assert inst.dimension == 5 and inst.n_customers == 4
    assert inst.scale == 10.0 and inst.demand_scale == 1.0
    assert inst.capacity == 10.0
    assert inst.vehicles == 2
    # DISTANCE and service are in natural units in a SCALE file (LKH-3 multiplies them).
    assert inst.max_route_length == 25.0
    np.testing.assert_array_equal(inst.service, [0, 2, 2, 2.5, 2])
    np.testing.assert_array_equal(inst.pickup, [0, 4, 0, 7, 1])
    np.testing.assert_array_equal(inst.delivery, [0, 3, 6, 0, 1])
    np.testing.assert_array_equal(inst.coords, [[0, 0], [3, 4], [0, 4], [-3, 0], [1.5, 0]])
    assert inst.distance[0, 1] == 5.0  # round(10 * 5) / 10
    assert inst.distance[1, 2] == 3.0 and inst.distance[2, 3] == 5.0
    assert inst.distance[1, 3] == 7.2  # round(10 * sqrt(52)) / 10
    assert inst.distance[1, 4] == 4.3  # round(10 * sqrt(18.25)) / 10
    assert inst.distance[0, 4] == 1.5
    np.testing.assert_array_equal(np.diag(inst.distance), 0)
    np.testing.assert_array_equal(inst.distance, inst.distance.T)
    assert not inst.distance.flags.writeable


def test_whitespace_case_and_missing_eof(tmp_path: Path) -> None:
    text = TINY.replace("NAME : tiny", "name:tiny").replace("CAPACITY : 10", "CAPACITY:   10")
    text = (
        text.replace("EOF\n", "").replace("\n", "\r\n").replace("1 0 0\r\n", "  1   0 0 \r\n\r\n")
    )
    inst = read_vrpspd(write(tmp_path, text))
    reference = read_vrpspd(write(tmp_path, TINY, "ref.vrpspd"))
    assert inst.name == "tiny" and inst.capacity == 10
    np.testing.assert_array_equal(inst.distance, reference.distance)
    np.testing.assert_array_equal(inst.pickup, reference.pickup)


EXPLICIT = """NAME : tinyx
TYPE : VRPSPD
DIMENSION : 4
CAPACITY : 50000
DISTANCE : 0
EDGE_WEIGHT_TYPE : EXPLICIT
EDGE_WEIGHT_FORMAT : {fmt}
EDGE_WEIGHT_SECTION
{weights}
PICKUP_AND_DELIVERY_SECTION
1 0 0 10000000 0 0 0
2 0 0 10000000 0 12345 20000
3 0 0 10000000 0 1 2
4 0 0 10000000 0 30000 0
DEPOT_SECTION
1
-1
EOF
"""
MATRIX = np.array(
    [
        [0, 10000, 25000, 31000],
        [10000, 0, 17000, 20500],
        [25000, 17000, 0, 9000],
        [31000, 20500, 9000, 0],
    ]
)


@pytest.mark.parametrize(
    ("fmt", "weights"),
    [
        ("FULL_MATRIX", "\n".join(" ".join(str(v) for v in row) for row in MATRIX)),
        ("UPPER_ROW", "10000 25000 31000\n17000 20500\n9000"),
        ("LOWER_DIAG_ROW", "0\n10000 0\n25000 17000 0 31000\n20500 9000 0"),
    ],
)
def test_explicit_matrix_is_scaled_like_dethloff(tmp_path: Path, fmt: str, weights: str) -> None:
    inst = read_vrpspd(write(tmp_path, EXPLICIT.format(fmt=fmt, weights=weights)))
    # Explicit matrices without SCALE: distances and demands pre-scaled by 10,000.
    assert inst.scale == 10_000 and inst.demand_scale == 10_000
    np.testing.assert_array_equal(inst.distance, MATRIX / 10_000)
    assert inst.capacity == 5.0
    np.testing.assert_array_equal(inst.pickup, [0, 1.2345, 0.0001, 3.0])
    np.testing.assert_array_equal(inst.delivery, [0, 2.0, 0.0002, 0])
    assert inst.max_route_length is None  # DISTANCE : 0 means no limit (LKH-3)
    assert inst.coords is None


def test_read_tour_splits_at_depot_copies(tmp_path: Path) -> None:
    tour = tmp_path / "tiny.250.tour"
    # Starts mid-route (rotated), node 6 is a depot copy for DIMENSION 5, 7 makes an
    # empty route.
    header = "NAME : tiny.250.tour\nTYPE : TOUR\nDIMENSION : 7\n"
    tour.write_text(header + "TOUR_SECTION\n4\n1 2\n3 6 7\n5\n-1\nEOF\n")
    assert read_tour(tour, 5) == [[1, 2], [4, 3]]
    assert tour_file_cost(tour) == ("tiny", 250)


def test_tour_cost_duration_and_problem(tmp_path: Path) -> None:
    inst = read_vrpspd(write(tmp_path, TINY))
    routes = [[1, 2], [4, 3]]  # 0-1-2-0 and 0-4-3-0
    d = inst.distance
    expected = d[0, 1] + d[1, 2] + d[2, 0] + d[0, 4] + d[4, 3] + d[3, 0]
    assert tour_cost(inst, routes) == pytest.approx(expected)
    assert tour_cost(inst, routes) == pytest.approx(5 + 3 + 4 + 1.5 + 4.5 + 3)
    assert route_duration(inst, [1, 2]) == pytest.approx(12 + 2 + 2)

    problem = inst.to_problem()
    assert problem.n == 5 and problem.n_vehicles == 4  # unlimited fleet: one per customer
    assert inst.to_problem(vehicles=2).n_vehicles == 2
    vehicle = problem.vehicle(0)
    # Capacity binds in kg; each job is one parcel and the parcel capacity never binds.
    assert vehicle.capacity_kg == 10 and vehicle.capacity_parcels == 4
    assert not problem.split_visits
    assert vehicle.cost_per_km == 1000 and vehicle.cost_per_hour == vehicle.cost_per_day == 0
    # The limit of 25 takes half the day: a shift of its own, in fine seconds.
    assert inst.seconds_per_unit == 86_400 / 50
    assert vehicle.max_shift_hours == pytest.approx(12.0)
    np.testing.assert_array_equal(problem.distance_m, inst.distance)
    np.testing.assert_array_equal(problem.time_s, inst.distance * 1728)
    np.testing.assert_array_equal(problem.down_kg, inst.delivery)
    np.testing.assert_array_equal(problem.up_kg, inst.pickup)
    np.testing.assert_array_equal(problem.up_parcels, [0, 1, 0, 1, 1])
    np.testing.assert_array_equal(problem.service_s, np.array([0, 2, 2, 2.5, 2]) * 1728)
    assert problem.day_end_s > vehicle.max_shift_hours * 3600


def test_to_problem_shrinks_time_when_routes_exceed_a_day(tmp_path: Path) -> None:
    inst = read_vrpspd(write(tmp_path, TINY.replace("DISTANCE : 25", "DISTANCE : 172800")))
    problem = inst.to_problem()
    assert inst.seconds_per_unit == 0.25
    assert problem.vehicle(0).max_shift_hours == 12.0
    np.testing.assert_array_equal(problem.time_s, inst.distance * 0.25)
    # Without a limit: a bound on any route (5 legs of at most 5, plus service) fits a
    # day at one second per unit.
    unlimited = read_vrpspd(write(tmp_path, TINY.replace("DISTANCE : 25", "DISTANCE : 0")))
    assert unlimited.max_route_length is None
    assert unlimited.seconds_per_unit == 1.0
    assert unlimited.to_problem().vehicle(0).max_shift_hours == 24.0


@needs_vrpspd
def test_rounding_each_leg_to_whole_seconds_keeps_best_known_routes_within_the_limit() -> None:
    """Both engines round each leg up to a whole second; at one second per unit that
    made 15 of CMT10X's 18 best-known routes too long for the limit of 200."""
    inst = read_vrpspd(VRPSPD / "salhi_nagy" / "CMT10X.vrpmpd")
    (tour,) = (VRPSPD / "tours" / "salhi_nagy").glob("CMT10X.*")
    problem = inst.to_problem()
    shift = problem.vehicle(0).max_shift_hours * 3600
    for route in read_tour(tour, inst.dimension):
        legs = [0, *route, 0]
        seconds = sum(
            math.ceil(problem.time_s[a, b] + problem.service_s[a] - 1e-9)
            for a, b in itertools.pairwise(legs)
        )
        assert seconds <= shift


# --------------------------------------------------------------------------------------
# Malformed files
# --------------------------------------------------------------------------------------


def _without_section(text: str, key: str) -> str:
    lines = text.splitlines()
    start = lines.index(key)
    end = start + 1
    while end < len(lines) and not lines[end][:1].isalpha():
        end += 1
    return "\n".join(lines[:start] + lines[end:]) + "\n"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: _without_section(t, "PICKUP_AND_DELIVERY_SECTION"), "is missing"),
        (lambda t: _without_section(t, "NODE_COORD_SECTION"), "NODE_COORD_SECTION is missing"),
        (lambda t: t.replace("5 0 0 10000000 2 1 1\n", ""), "4 lines, expected DIMENSION = 5"),
        (lambda t: t.replace("5 1.5 0\n", ""), "4 lines, expected DIMENSION = 5"),
        (lambda t: t.replace("2 0 0 10000000 2 4 3", "2 0 0 10000000 2 4"), "6 fields"),
        (lambda t: t.replace("2 0 0 10000000 2 4 3", "2 0 0 10000000 2 4 x"), "'x' is not"),
        (lambda t: t.replace("5 0 0 10000000 2 1 1", "3 0 0 10000000 2 1 1"), "repeated"),
        (lambda t: t.replace("5 0 0 10000000 2 1 1", "9 0 0 10000000 2 1 1"), "not in 1..5"),
        (lambda t: t.replace("5 0 0 10000000 2 1 1", "5 0 0 10000000 2 1.5 1"), "whole"),
        (lambda t: t.replace("2 0 0 10000000 2 4 3", "2 0 0 10000000 2 11 3"), "exceeds"),
        (lambda t: t.replace("1 0 0 10000000 0 0 0", "1 0 0 10000000 0 1 0"), "depot"),
        (lambda t: t.replace("5 0 0 10000000 2 1 1", "5 0 50 10000000 2 1 1"), "time windows"),
        (lambda t: t.replace("SCALE : 10", "SCALE : 10\nFOO : 3"), "unknown keyword 'FOO'"),
        (lambda t: t.replace("DIMENSION : 5\n", ""), "DIMENSION must be given"),
        (lambda t: t.replace("CAPACITY : 10", "CAPACITY : ten"), "CAPACITY must be a number"),
        (lambda t: t.replace("TYPE : VRPSPD", "TYPE : CVRP"), "not a VRPSPD type"),
        (lambda t: t.replace("EXACT_2D", "GEO"), "EDGE_WEIGHT_TYPE 'GEO'"),
        (lambda t: t.replace("DEPOT_SECTION\n1", "DEPOT_SECTION\n2"), "single depot"),
    ],
)
def test_malformed_file_names_the_file(tmp_path: Path, edit, message: str) -> None:
    path = write(tmp_path, edit(TINY), "bad.vrpspd")
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_vrpspd(path)
    assert str(path) in str(info.value)
    assert info.value.file == str(path)


def test_wrong_matrix_count(tmp_path: Path) -> None:
    path = write(tmp_path, EXPLICIT.format(fmt="UPPER_ROW", weights="1 2 3 4 5"), "bad.vrpspd")
    with pytest.raises(InputError, match="5 edge weights, expected 6") as info:
        read_vrpspd(path)
    assert info.value.file == str(path)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_vrpspd("/nonexistent/x.vrpspd")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("DIMENSION : 5\nEOF\n", "TOUR_SECTION is missing"),
        ("DIMENSION : 5\nTOUR_SECTION\n1 2 3 2 5\n-1\n", "node 2 listed twice"),
        ("DIMENSION : 5\nTOUR_SECTION\n1 2 3 4 9\n-1\n", "node 9 not in 1..5"),
        ("DIMENSION : 5\nTOUR_SECTION\n1 2 3 4\n-1\n", "1 node(s) missing"),
        ("TOUR_SECTION\n1 2 x\n-1\n", "'x' is not a node id"),
    ],
)
def test_malformed_tour(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.tour"
    path.write_text("NAME : bad\nTYPE : TOUR\n" + body)
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_tour(path, 5)
    assert info.value.file == str(path)


def test_load_bks_rejects_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_text("set,instance,bks,scale,source\nx,A,12.5,1,s\nx,B,lots,1,s\n")
    with pytest.raises(InputError, match="line 3"):
        load_bks(path)
    path.write_text("set,instance,bks,scale,source\nx,A,12.5,1,s\n")
    assert load_bks(path) == {"A": 12.5}


def test_vrpspd_dir_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "repo" / "src" / "villageroute" / "instances" / "shared.py"
    monkeypatch.setattr(instances.shared, "__file__", str(fake))
    with pytest.raises(FileNotFoundError, match=r"\.\./shared"):
        vrpspd_dir()


# --------------------------------------------------------------------------------------
# Real benchmark sets
# --------------------------------------------------------------------------------------


@needs_vrpspd
def test_vrpspd_dir_and_set_sizes() -> None:
    assert vrpspd_dir().resolve() == VRPSPD.resolve()
    for folder, size in SET_SIZES.items():
        assert len(list((VRPSPD / folder).glob("*.vrp*"))) == size, folder
    assert len(tour_files()) == sum(SET_SIZES.values())
    assert len(load_bks()) == sum(SET_SIZES.values())


@needs_vrpspd
def test_every_dethloff_instance_parses() -> None:
    files = sorted((VRPSPD / "dethloff").glob("*.vrpspd"))
    assert len(files) == 40
    parsed = 0
    for path in files:
        if path.stem in KNOWN_BAD:
            continue
        inst = load(path)
        parsed += 1
        assert inst.dimension == 51
        assert inst.scale == inst.demand_scale == 10_000
        assert inst.capacity > 0
        assert (inst.delivery[1:] > 0).all() and (inst.pickup[1:] > 0).all(), path.name
        assert inst.distance.shape == (51, 51)
        np.testing.assert_array_equal(np.diag(inst.distance), 0)
        np.testing.assert_allclose(inst.distance, inst.distance.T)
        assert inst.max_route_length is None
    assert parsed == 40 - sum(name.startswith(("CON", "SCA")) for name in KNOWN_BAD)


@needs_vrpspd
@pytest.mark.parametrize("name", sorted(KNOWN_BAD))
def test_known_damaged_files_are_rejected(name: str) -> None:
    (path,) = VRPSPD.glob(f"*/{name}.vrp*")
    with pytest.raises(InputError, match=re.escape(KNOWN_BAD[name])):
        read_vrpspd(path)


@needs_vrpspd
def test_other_sets_parse_with_their_conventions() -> None:
    for path in instance_files():
        if path.stem in KNOWN_BAD or path.parent.name == "dethloff":
            continue
        inst = load(path)
        assert inst.scale == 1000, path.name
        mixed = re.fullmatch(r"CMT\d\d[HQT]", inst.name) is not None
        if mixed:  # each customer only picks up or only receives
            assert ((inst.pickup[1:] > 0) != (inst.delivery[1:] > 0)).all(), path.name
        assert inst.demand_scale == (100 if re.fullmatch(r"CMT\d+X", inst.name) else 1)
        assert (inst.delivery[1:] <= inst.capacity).all()


@needs_vrpspd
@pytest.mark.parametrize("tour", tour_files(), ids=lambda p: p.name)
def test_best_known_tour(tour: Path) -> None:
    name, file_cost = tour_file_cost(tour)
    candidates = list((VRPSPD / tour.parent.name).glob(f"{name}.vrp*"))
    if not candidates:
        pytest.skip(f"no instance file for {tour.name}")
    if name in KNOWN_BAD:
        pytest.skip(f"instance file {name} is damaged in ../shared ({KNOWN_BAD[name]})")
    inst = load(candidates[0])
    routes = read_tour(tour, inst.dimension)

    visited = sorted(c for route in routes for c in route)
    assert visited == list(range(1, inst.dimension)), "each customer exactly once"
    if inst.vehicles is not None:
        assert len(routes) <= inst.vehicles
    for route in routes:
        load_ = inst.delivery[route].sum()  # all deliveries leave the depot on board
        assert load_ <= inst.capacity + 1e-9
        for c in route:
            load_ += inst.pickup[c] - inst.delivery[c]
            assert load_ <= inst.capacity + 1e-9, f"capacity exceeded after {c}"
        if inst.max_route_length is not None:
            assert route_duration(inst, route) <= inst.max_route_length + 1e-9

    # Edge weights are integers in file units, so the cost is exact up to float sums.
    cost = tour_cost(inst, routes)
    assert round(cost * inst.scale) == file_cost
    assert cost == pytest.approx(file_cost / inst.scale, rel=1e-12)
    if not _bks:
        _bks.update(load_bks(VRPSPD / "bks.csv"))
    assert cost == pytest.approx(_bks[name], rel=1e-12)

    # The Problem built from the instance prices and times the tour the same way.
    problem = inst.to_problem()
    vehicle = problem.vehicle(0)
    total = 0.0
    for route in routes:
        path = [0, *route, 0]
        legs = problem.distance_m[path[:-1], path[1:]]
        total += vehicle.cost_per_km * legs.sum() / 1000.0
        duration = problem.time_s[path[:-1], path[1:]].sum() + problem.service_s[route].sum()
        assert duration <= vehicle.max_shift_hours * 3600 * (1 + 1e-12)
        assert problem.down_parcels[route].sum() <= vehicle.capacity_parcels
    assert total == pytest.approx(cost, rel=1e-12)
