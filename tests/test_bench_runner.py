"""The benchmark runner on a tiny suite: rows, tables, solution files and figures.

The full runs live in ``docs/benchmarks.md``; here each suite gets one small instance
and a short time limit, so that the runner itself (reading, solving, checking, costing,
writing) is exercised in CI in about a minute.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SHARED

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = SHARED / "data" / "instances"
needs_instances = pytest.mark.skipif(
    not INSTANCES.exists(),
    reason=f"benchmark instances not found at {INSTANCES} (../shared absent)",
)
sys.path.insert(0, str(ROOT / "benchmarks"))

import plots  # noqa: E402
import run  # noqa: E402
from peers import PeerFailed, PeerUnsupported  # noqa: E402
from villageroute.instances.cvrp import read_solution  # noqa: E402


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *args],
        capture_output=True,
        text=True,
        check=True,
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_time_rules_are_seconds_or_seconds_per_customer() -> None:
    assert run.seconds_for(run.parse_time_rule("10"), 50) == 10.0
    assert run.seconds_for(run.parse_time_rule("1n"), 50) == 50.0
    assert run.seconds_for(run.parse_time_rule("2.4n"), 100) == pytest.approx(240.0)
    for bad in ("0", "n", "-1", "1s", "0n"):
        with pytest.raises(Exception, match="not seconds"):
            run.parse_time_rule(bad)


@pytest.mark.parametrize(
    ("suite", "instance", "group"),
    [
        ("solomon", "C101", "solomon C1"),
        ("solomon", "RC208", "solomon RC2"),
        ("li-lim", "lrc104", "li-lim lrc1"),
        ("dethloff", "SCA8-3", "dethloff"),
    ],
)
def test_solomon_and_li_lim_runs_are_grouped_by_class(
    suite: str, instance: str, group: str
) -> None:
    row = run.Run(suite, instance, 100, "best", 0, "1", 1.0, 1.0, 1.0, 0.0, 1.0, True, 0, 1)
    assert run.group_of(row) == group


@needs_instances
def test_vrpspd_run_reports_members_peers_solutions_and_damaged_files(tmp_path: Path) -> None:
    out, solutions = tmp_path / "runs.csv", tmp_path / "sol"
    result = bench(
        "--suite", "dethloff",
        "--instances", "SCA3-0,CON3-0",
        "--solver", "best,peer-vroom,peer-ortools",
        "--time-limit", "1",
        "--out", str(out),
        "--solutions", str(solutions),
    )  # fmt: skip
    by_solver = {r["solver"]: r for r in rows(out)}
    assert set(by_solver) == {"best", "best[ortools]", "best[pyvrp]", "peer-vroom"}
    for row in by_solver.values():
        assert row["instance"] == "SCA3-0" and row["feasible"] == "True", row
        assert -1e-6 <= float(row["gap_pct"]) < 10
    # The portfolio keeps the cheaper of its members, and says which.
    members = [float(by_solver[m]["cost"]) for m in ("best[ortools]", "best[pyvrp]")]
    assert float(by_solver["best"]["cost"]) == pytest.approx(min(members))
    assert by_solver["best"]["note"].startswith("best/")
    # Solution files in CVRPLIB form recompute to the reported cost.
    for solver in ("best", "peer-vroom"):
        routes, cost = read_solution(solutions / solver / "SCA3-0.sol")
        assert sorted(c for r in routes for c in r) == list(range(1, 51))
        assert cost == pytest.approx(float(by_solver[solver]["cost"]), abs=1e-3)
    assert "| dethloff | best | 1 s | 1 | 1 |" in result.stdout
    assert "| dethloff | peer-vroom | 1 s | 1 | 1 |" in result.stdout
    # Stock OR-Tools has no simultaneous pickup-and-delivery model: said, not hidden.
    assert "SCA3-0 peer-ortools:" in result.stdout
    # The damaged CON3-0 file in ../shared is reported, not a crash.
    assert "CON3-0: skipped, unreadable" in result.stdout
    assert "[1/6" in result.stderr  # progress


@needs_instances
def test_a_peer_that_finds_no_plan_is_an_infeasible_row_and_one_that_cannot_model_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_plan(instance: object, limit: float, seed: int) -> list[list[int]]:
        raise PeerFailed("peer: no solution found")

    def no_model(instance: object, limit: float, seed: int) -> list[list[int]]:
        raise PeerUnsupported("peer: cannot model this")

    monkeypatch.setitem(run.PEER_SOLVERS, "peer-fails", no_plan)
    monkeypatch.setitem(run.PEER_SOLVERS, "peer-cannot", no_model)
    path = INSTANCES / "vrpspd" / "dethloff" / "SCA3-0.vrpspd"
    failed = run.run_task(run.Task("dethloff", path, "peer-fails", 0, "1", None))
    assert isinstance(failed, list) and len(failed) == 1
    (row,) = failed
    assert (row.instance, row.feasible, row.routes) == ("SCA3-0", False, 0)
    assert math.isnan(row.cost) and math.isnan(row.gap_pct)
    assert row.note == "peer: no solution found"
    # Counted among the instances, not the feasible ones, and kept out of the means.
    ok = run.Run("dethloff", "SCA3-1", 50, "peer-fails", 0, "1", 1, 2.0, 1, 1.5, 1, True, 0, 3)
    assert "| dethloff | peer-fails | 1 s | 2 | 1 | 1.50 | 1.50 |" in run.table([row, ok])
    assert "| dethloff | peer-fails | 1 s | 1 | 0 | — | — |" in run.table([row])
    skipped = run.run_task(run.Task("dethloff", path, "peer-cannot", 0, "1", None))
    assert skipped == "dethloff SCA3-0 peer-cannot: peer: cannot model this"


@needs_instances
def test_cvrp_solomon_and_li_lim_suites_run_report_and_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "runs.csv"
    result = bench(
        "--suite", "cvrp-x,solomon,li-lim",
        "--max-n", "100",
        "--instances", "X-n101-k25,C101,lc101",
        "--solver", "pyvrp,peer-vroom",
        "--time-limit", "0.01n,0.02n",
        "--out", str(out),
    )  # fmt: skip
    runs = rows(out)
    assert {(r["instance"], r["solver"]) for r in runs} == {
        (name, solver) for name in ("X-n101-k25", "C101") for solver in ("pyvrp", "peer-vroom")
    } | {("lc101", "peer-vroom")}
    assert len(runs) == 10  # two time rules each
    assert all(r["feasible"] == "True" for r in runs), runs
    assert {float(r["time_limit"]) for r in runs if r["instance"] == "C101"} == {1.0, 2.0}
    assert "lc101 pyvrp: our problem model has no paired requests" in result.stdout
    assert "| solomon C1 | pyvrp | 0.02 s/customer | 1 | 1 |" in result.stdout
    assert "| li-lim lc1 | peer-vroom |" in result.stdout

    # The tables again from the CSV alone, as for runs made with different --jobs.
    assert run.main(["--report", str(out)]) == 0
    assert capsys.readouterr().out.strip() == result.stdout.split("\n- ")[0].strip()

    figures = tmp_path / "img"
    assert plots.main([str(out), "--out", str(figures)]) == 0
    made = {p.name for p in figures.glob("*.png")}
    assert {"gap-cvrp-x.png", "gap-solomon.png", "gap-vs-time-solomon.png"} <= made


def test_unknown_suite_or_solver_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--suite", "nope"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown suite or solver: nope" in result.stderr
