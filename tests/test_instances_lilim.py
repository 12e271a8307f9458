"""Li & Lim PDPTW reader and feasibility check: hand-written files, malformed files, and
the 56 real 100-task instances with their best-known solutions.

The real-data tests read ``../shared/data/instances/pdptw/li_lim`` and skip when it is
absent. Every best-known solution must pass :func:`check_solution` (pairing, precedence,
each task once, capacity, time windows with waiting, return by the depot's due time,
fleet), use the vehicles in its file name and ``bks_lilim100.csv``, and cost, in full
precision, the 4-decimal distance published there (within half a unit of the 4th
decimal).
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import SHARED
from villageroute import instances
from villageroute.errors import InputError
from villageroute.instances import (
    BestKnown,
    LiLimSolution,
    check_solution,
    lilim_dir,
    load_bks_lilim,
    read_lilim,
    read_lilim_solution,
)
from villageroute.instances.lilim import route_cost

LILIM = SHARED / "data" / "instances" / "pdptw" / "li_lim"
needs_lilim = pytest.mark.skipif(
    not LILIM.is_dir(), reason=f"Li & Lim data not found at {LILIM} (../shared absent)"
)
#: Files whose header gives speed 0; the speed is documented as unused (travel time =
#: distance), and their best-known solutions are feasible under that reading.
SPEED_ZERO = {
    "lc104",
    "lc105",
    "lc107",
    "lc108",
    "lc204",
    "lc205",
    "lc206",
    "lc208",
    "lr107",
    "lr207",
}


def solution_files() -> list[Path]:
    return sorted((LILIM / "bks_solutions").glob("*.txt")) if LILIM.is_dir() else []


@functools.cache
def lilim_bks() -> dict[str, BestKnown]:
    return load_bks_lilim(LILIM / "bks_lilim100.csv")


# --------------------------------------------------------------------------------------
# Hand-written files
# --------------------------------------------------------------------------------------

# Requests 1 -> 3 (4 units) and 4 -> 2 (3 units); tab-separated like the real files.
ROWS = [
    "2 10 1",
    "0 0 0 0 0 100 0 0 0",
    "1 3 4 4 0 50 5 0 3",
    "2 1 1 -3 0 60 2 4 0",
    "3 0 3 -4 0 80 1 1 0",
    "4 4 2 3 0 40 1 0 2",
]
TINY = "\n".join("\t".join(row.split()) for row in ROWS) + "\n"
GOOD = [[1, 3], [4, 2]]


def write(tmp_path: Path, text: str, name: str = "tiny.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def edited(line: int, row: str) -> str:
    """TINY with file line ``line`` (1-based) replaced by ``row`` (space-separated)."""
    rows = list(ROWS)
    rows[line - 1] = row
    return "\n".join("\t".join(r.split()) for r in rows) + "\n"


def test_tiny_instance_parses(tmp_path: Path) -> None:
    inst = read_lilim(write(tmp_path, TINY))
    assert inst.name == "tiny" and inst.vehicles == 2 and inst.capacity == 10
    assert inst.speed == 1 and inst.dimension == 5 and inst.n_requests == 2
    assert inst.pairs == ((1, 3), (4, 2))
    np.testing.assert_array_equal(inst.demand, [0, 4, -3, -4, 3])
    np.testing.assert_array_equal(inst.ready, 0)
    np.testing.assert_array_equal(inst.due, [100, 50, 60, 80, 40])
    np.testing.assert_array_equal(inst.service, [0, 5, 2, 1, 1])
    # Full precision, no rounding.
    assert inst.distance[0, 1] == 5.0
    assert inst.distance[0, 4] == math.sqrt(20)
    assert inst.distance[1, 3] == math.sqrt(10)
    assert not inst.distance.flags.writeable


def test_route_cost_and_a_feasible_solution(tmp_path: Path) -> None:
    inst = read_lilim(write(tmp_path, TINY))
    assert check_solution(inst, GOOD) == []
    assert check_solution(inst, [[], *GOOD, []]) == []  # empty routes do not count
    expected = (5 + math.sqrt(10) + 3) + (math.sqrt(20) + math.sqrt(10) + math.sqrt(2))
    assert route_cost(inst, GOOD) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("routes", "messages"),
    [
        (
            [[3, 1], [4, 2]],
            ["route 1: delivery 3 comes before its pickup 1", "route 1: load -4 < 0 after task 3"],
        ),
        (
            [[1, 2], [4, 3]],
            [
                "request 1->3: pickup on route 1, delivery on route 2",
                "request 4->2: pickup on route 2, delivery on route 1",
                "route 2: load -1 < 0 after task 3",
            ],
        ),
        ([[1, 3]], ["2 task(s) never visited: [2, 4]"]),
        (
            [[1, 3], [4], [2]],
            [
                "3 routes, but the fleet has 2 vehicles",
                "request 4->2: pickup on route 2, delivery on route 3",
                "route 3: load -3 < 0 after task 2",
            ],
        ),
        ([[1, 3, 1], [4, 2]], ["task 1 visited twice (routes 1 and 1)"]),
        ([[1, 3, 9], [4, 2]], ["route 1: 9 is not a task (1..4)"]),
    ],
)
def test_check_solution_finds_violations(
    tmp_path: Path, routes: list[list[int]], messages: list[str]
) -> None:
    inst = read_lilim(write(tmp_path, TINY))
    assert check_solution(inst, routes) == messages


def test_check_solution_capacity_and_time(tmp_path: Path) -> None:
    small = read_lilim(write(tmp_path, edited(1, "2 6 1"), "small.txt"))
    assert check_solution(small, [[1, 4, 3, 2]]) == [
        "route 1: load 7 after task 4 exceeds the capacity 6"
    ]
    assert check_solution(small, [[1, 3, 4, 2]]) == []  # one request on board at a time
    # Task 3 is reached at 13.1623 (5 + 5 service + sqrt 10): too late for a due of 12.
    late = read_lilim(write(tmp_path, edited(5, "3 0 3 -4 0 12 1 1 0"), "late.txt"))
    assert check_solution(late, GOOD) == [
        "route 1: service at task 3 starts at 13.1623, after its due time 12"
    ]
    # Waiting counts: task 1 opens at 20, so route 1 is back at 32.16, after a due of 30.
    wait = edited(3, "1 3 4 4 20 50 5 0 3").replace("0\t100\t0", "0\t30\t0")
    waiting = read_lilim(write(tmp_path, wait, "wait.txt"))
    assert check_solution(waiting, GOOD) == [
        "route 1: back at the depot at 32.1623, after its due time 30"
    ]


def test_read_solution_file(tmp_path: Path) -> None:
    text = (
        "Instance name : tiny\nAuthors       : hand\nDate          : 2024\n"
        "Reference     : none\nSolution\nRoute 1 : 1 3\nRoute 2 : 4 2\n"
    )
    path = write(tmp_path, text, "tiny.2_20.5.txt")
    assert read_lilim_solution(path) == LiLimSolution("tiny", GOOD, 2, 20.5)
    plain = write(tmp_path, "Route 1 : 1 3\nRoute 2 : 4 2\n", "mine.txt")
    assert read_lilim_solution(plain) == LiLimSolution(None, GOOD, None, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Route 1 : 1 x\n", "line 1: 'x' is not a task number"),
        ("Route 1 : 1 3\nRoute 2 : 3\n", "line 2: task 3 listed twice (line 1)"),
        ("Route A : 1 3\n", "line 1: expected 'Route k : tasks...'"),
    ],
)
def test_malformed_solution_file(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body, "bad.1_2.txt")
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_lilim_solution(path)
    assert info.value.file == str(path) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message", "field"),
    [
        (edited(1, "2 10"), "line 1: 2 fields, expected 3", "header"),
        (edited(1, "0 10 1"), "line 1: expected 'vehicles capacity speed'", "header"),
        (edited(4, "2 1 1 -3 0 60 2 4"), "line 4: 8 fields, expected 9", "task"),
        (edited(4, "2 1 1 -3 0 sixty 2 4 0"), "line 4: 'sixty' is not a number", "task"),
        (edited(6, "3 4 2 3 0 40 1 0 2"), "line 6: task 3 repeated (line 5)", "TASK"),
        (edited(6, "7 4 2 3 0 40 1 0 2"), "line 6: task number 7 not in 0..4", "TASK"),
        (edited(3, "1 3 4 4 60 50 5 0 3"), "line 3: late 50 before early 60", "LATE"),
        (edited(3, "1 3 4 4 0 50 5 0 9"), "line 3: 9 is not a task number 0..4", "DELIVERY"),
        (edited(2, "0 0 0 5 0 100 0 0 0"), "line 2: the depot (task 0) has a demand", "DEMAND"),
        (edited(4, "2 1 1 -3 0 60 2 0 0"), "line 4: task 2 must have exactly one", "PICKUP"),
        (
            edited(5, "3 0 3 -4 0 80 1 2 0"),
            "line 3: pickup task 1 names delivery 3, whose PICKUP is 2",
            "DELIVERY",
        ),
        (edited(5, "3 0 3 -5 0 80 1 1 0"), "line 3: pickup demand 4 must be >= 0", "DEMAND"),
        (
            edited(3, "1 3 4 11 0 50 5 0 3").replace("-4\t", "-11\t"),
            "line 3: demand 11 exceeds the capacity",
            "DEMAND",
        ),
    ],
)
def test_malformed_instance_names_file_and_line(
    tmp_path: Path, text: str, message: str, field: str
) -> None:
    path = write(tmp_path, text, "bad.txt")
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_lilim(path)
    assert info.value.file == str(path) and info.value.field == field
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_load_bks_lilim_reads_vehicles_and_distance(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_text("benchmark,instance,routes,distance\nLiLim,lc101,10,828.9369\n")
    assert load_bks_lilim(path) == {"lc101": BestKnown(828.9369, 10)}
    path.write_text("benchmark,instance,routes,distance\nLiLim,lc101,ten,828.9369\n")
    with pytest.raises(InputError, match="line 2"):
        load_bks_lilim(path)


def test_lilim_dir_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "repo" / "src" / "villageroute" / "instances" / "shared.py"
    monkeypatch.setattr(instances.shared, "__file__", str(fake))
    with pytest.raises(FileNotFoundError, match=r"\.\./shared"):
        lilim_dir()


# --------------------------------------------------------------------------------------
# Real benchmark set
# --------------------------------------------------------------------------------------


@needs_lilim
def test_lilim_set_is_complete_and_speed_is_unused() -> None:
    assert lilim_dir().resolve() == LILIM.resolve()
    files = sorted((LILIM / "instances").glob("*.txt"))
    assert len(files) == 56 == len(solution_files())
    assert {p.stem for p in files} == set(lilim_bks())
    speeds = {p.stem: read_lilim(p).speed for p in files}
    assert {name for name, speed in speeds.items() if speed == 0} == SPEED_ZERO
    assert {speed for name, speed in speeds.items() if name not in SPEED_ZERO} == {1.0}


@needs_lilim
@pytest.mark.parametrize("path", solution_files(), ids=lambda p: p.name.split(".")[0])
def test_lilim_best_known_solution(path: Path) -> None:
    solution = read_lilim_solution(path)
    assert solution.instance is not None and solution.distance is not None
    assert path.name.startswith(solution.instance + ".")
    inst = read_lilim(LILIM / "instances" / f"{solution.instance}.txt")
    bks = lilim_bks()[inst.name]

    assert check_solution(inst, solution.routes) == []
    # Vehicles first: the count is part of the best-known value.
    assert len(solution.routes) == solution.vehicles == bks.routes
    assert solution.distance == bks.cost
    # Full precision, published to 4 decimals: within half a unit of the last one.
    cost = route_cost(inst, solution.routes)
    assert abs(cost - bks.cost) <= 0.5e-4 + 1e-9
