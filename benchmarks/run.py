"""Run solvers and peers on standard VRP instances and compare with best-known solutions.

Every solution, ours or a peer's, is checked the same way: through the independent
validator on the instance's :class:`~villageroute.problem.Problem` (VRPSPD, CVRP,
VRPTW), or the set's own checker (Li & Lim). A run that does not validate, leaves a
customer out, or finds no plan at all is reported infeasible (a row all the same) and
its gap is not counted in the means. A peer that cannot model an instance is not run
and says so in a note.

Usage::

    python benchmarks/run.py --suite dethloff --solver best,ortools,peer-pyvrp,peer-vroom \\
        --time-limit 10 --out dethloff.csv
    python benchmarks/run.py --suite cvrp-x12 --solver best,peer-ortools --time-limit 1n
    python benchmarks/run.py --suite cvrp-x --max-n 150 --solver peer-vroom --solutions sol/

Suites: dethloff, montane-galvao, salhi-nagy (CMTnX), cvrp-x (all of X; filter with
``--min-n``/``--max-n``), cvrp-x12 (the fixed subset of :data:`suites.X_SUBSET`),
solomon, li-lim. Solvers: ours (``best``, ``ortools``, ``pyvrp``, ``naive``) through
:func:`villageroute.plan`, and the peers of :mod:`peers` (``peer-pyvrp``: PyVRP used
directly; ``peer-vroom``; ``peer-ortools``: stock OR-Tools as in its documentation). A
``best`` run also reports each portfolio member's plan from the same run, as
``best[ortools]`` and ``best[pyvrp]``.

``--time-limit`` takes seconds (``10``) or seconds per customer (``1n``, ``2.4n``), or a
comma list of them (for gap-vs-time curves). ``best`` and ``ortools`` use two cores,
everything else one: run those with ``--jobs 1``, single-core solvers with ``--jobs``
up to the number of cores.

Prints progress to stderr, then markdown tables of mean and worst gap per suite (and
per class for Solomon and Li & Lim) and solver. ``--out`` writes one CSV row per run, as
runs finish; ``--report A.csv B.csv`` prints the tables of earlier runs together (say,
ours and the peers, run with different ``--jobs``). ``--solutions DIR`` writes each
solution in CVRPLIB form, ``DIR/<instance>.sol`` (in ``DIR/<solver>/`` when several
solvers run; ``.s<seed>`` before ``.sol`` for seeds above 0).
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from peers import PEERS, PeerFailed, PeerUnsupported
from suites import SUITES, Case, Routes, load_case, routes_of
from villageroute.errors import InputError
from villageroute.instances.cvrp import write_solution
from villageroute.planning import SOLVERS, plan
from villageroute.plans import Plan
from villageroute.solvers.portfolio import solve_portfolio
from villageroute.validation import validate_plan

OURS = tuple(s for s in SOLVERS if s != "out-and-back")
#: Peers by runner name; ``peer-ortools`` is stock OR-Tools (its documentation's model).
PEER_SOLVERS = {f"peer-{name.removesuffix('-stock')}": solve for name, solve in PEERS.items()}


@dataclass(frozen=True)
class Run:
    suite: str
    instance: str
    n: int
    solver: str
    seed: int
    rule: str
    time_limit: float
    cost: float
    bks: float
    gap_pct: float
    seconds: float
    feasible: bool
    violations: int
    routes: int
    note: str = ""


@dataclass(frozen=True)
class Task:
    suite: str
    path: Path
    solver: str
    seed: int
    time_rule: str
    solutions: Path | None
    workers: int | None = None


def parse_time_rule(rule: str) -> str:
    """Check a ``--time-limit`` entry: seconds (``10``) or seconds per customer (``1n``)."""
    if not re.fullmatch(r"\d+(\.\d*)?n?|\.\d+n?", rule) or float(rule.rstrip("n")) <= 0:
        raise argparse.ArgumentTypeError(f"{rule!r} is not seconds (10) or per customer (1n)")
    return rule


def seconds_for(rule: str, n: int) -> float:
    """Time limit of a run on an ``n``-customer instance under ``rule``."""
    return float(rule[:-1]) * n if rule.endswith("n") else float(rule)


def run_task(task: Task) -> list[Run] | str:
    """Solve one instance with one solver; rows (more than one for ``best``) or a note."""
    try:
        case = load_case(task.suite, task.path)
    except InputError as error:
        return f"{task.suite} {task.path.stem}: skipped, unreadable: {error}"
    limit = seconds_for(task.time_rule, case.n)
    row = {"suite": case.suite, "instance": case.name, "n": case.n, "seed": task.seed}
    row |= {"rule": task.time_rule, "time_limit": limit, "bks": case.bks}
    # Peers' routes are checked through a plan built from them; our solvers' own plans
    # (times and loads as recorded) go to the validator as they are.
    found: dict[str, tuple[Routes, float, str, Plan | None]] = {}
    if task.solver in PEER_SOLVERS:
        start = time.perf_counter()
        try:
            routes = PEER_SOLVERS[task.solver](case.peer, limit, task.seed)
        except PeerUnsupported as error:
            return f"{case.suite} {case.name} {task.solver}: {error}"
        except PeerFailed as error:
            # A run all the same: the tables count it among the instances, not the feasible.
            failed = Run(
                **row,
                solver=task.solver,
                cost=math.nan,
                gap_pct=math.nan,
                seconds=round(time.perf_counter() - start, 2),
                feasible=False,
                violations=0,
                routes=0,
                note=str(error),
            )
            return [failed]
        found[task.solver] = (routes, time.perf_counter() - start, "", None)
    elif case.problem is None:
        return f"{case.suite} {case.name} {task.solver}: our problem model has no paired requests"
    elif task.solver == "best":
        result = solve_portfolio(
            case.problem, time_limit=limit, seed=task.seed, workers=task.workers
        )
        best = result.best
        found["best"] = (routes_of(best), best.runtime_s, best.solver, best)
        for name, member in result.members.items():
            found[f"best[{name}]"] = (routes_of(member), best.runtime_s, "", member)
    else:
        mine = plan(
            case.problem, task.solver, time_limit=limit, seed=task.seed, workers=task.workers
        )
        found[task.solver] = (routes_of(mine), mine.runtime_s, "", mine)

    runs = []
    for solver, (routes, seconds, note, own) in found.items():
        if own is None:
            cost, problems = case.evaluate(routes)
        else:
            problems = [str(v) for v in validate_plan(own.problem, own)]
            problems += [f"{u.station_id} unserved: {u.reason}" for u in own.unserved]
            cost = own.total_cost
        served = sum(len(r) for r in routes)
        if served != case.n and not problems:
            problems = [f"{case.n - served} customers not served"]
        runs.append(
            Run(
                **row,
                solver=solver,
                cost=round(cost, 4),
                gap_pct=round(100.0 * (cost - case.bks) / case.bks, 3),
                seconds=round(seconds, 2),
                feasible=not problems,
                violations=len(problems),
                routes=len(routes),
                note=note or (problems[0] if problems else ""),
            )
        )
    if task.solutions is not None:
        routes = found[task.solver][0]
        write_solution(solution_path(task, case), routes, runs[0].cost)
    return runs


def solution_path(task: Task, case: Case) -> Path:
    assert task.solutions is not None
    suffix = f".s{task.seed}.sol" if task.seed else ".sol"
    return task.solutions / f"{case.name}{suffix}"


def group_of(run: Run) -> str:
    """Table group: the suite, or the suite and class for Solomon and Li & Lim."""
    if run.suite in ("solomon", "li-lim"):
        # C101 -> C1, RC208 -> RC2, lrc104 -> lrc1: the class is letters and first digit.
        return f"{run.suite} {run.instance.rstrip('0123456789')}{run.instance.lstrip('CRlcr')[0]}"
    return run.suite


def table(runs: list[Run], by_class: bool = False) -> str:
    """Markdown: instances, feasible, mean and worst gap (feasible runs), mean seconds."""
    lines = [
        "| suite | solver | time limit | instances | feasible | mean gap % | worst gap % "
        "| mean s |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]

    groups: dict[tuple[str, str, str], list[Run]] = {}
    for run in runs:
        group = group_of(run) if by_class else run.suite
        groups.setdefault((group, run.rule, run.solver), []).append(run)
    for (group, rule, solver), members in sorted(groups.items(), key=_order):
        gaps = [r.gap_pct for r in members if r.feasible]
        # A group with no feasible run has no gap to report.
        mean = f"{sum(gaps) / len(gaps):.2f}" if gaps else "—"
        worst = f"{max(gaps):.2f}" if gaps else "—"
        secs = sum(r.seconds for r in members) / len(members)
        limit = f"{rule[:-1]} s/customer" if rule.endswith("n") else f"{rule} s"
        lines.append(
            f"| {group} | {solver} | {limit} | {len(members)} | {len(gaps)} | {mean} | "
            f"{worst} | {secs:.1f} |"
        )
    return "\n".join(lines)


def _order(item: tuple[tuple[str, str, str], list[Run]]) -> tuple[str, float, int, str]:
    (group, rule, solver), _ = item
    return (group, float(rule.rstrip("n")), solver.startswith("peer"), solver)


def print_tables(runs: list[Run]) -> None:
    print(table(runs))
    if any(r.suite in ("solomon", "li-lim") for r in runs):
        print()
        print(table([r for r in runs if r.suite in ("solomon", "li-lim")], by_class=True))


def read_runs(path: Path) -> list[Run]:
    """Rows of an ``--out`` CSV file."""
    types = {f.name: f.type for f in fields(Run)}
    convert = {"int": int, "float": float, "bool": lambda v: v == "True", "str": str}
    with path.open(newline="") as f:
        return [
            Run(**{k: convert[types[k]](v) for k, v in row.items()}) for row in csv.DictReader(f)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="dethloff", help=f"comma list of {', '.join(SUITES)}")
    parser.add_argument(
        "--solver",
        default="best",
        help=f"comma list of {', '.join((*OURS, *PEER_SOLVERS))}",
    )
    parser.add_argument(
        "--time-limit",
        default="10",
        help="seconds (10) or seconds per customer (1n); a comma list runs each",
    )
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per instance")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes)")
    parser.add_argument(
        "--workers",
        type=int,
        help="cores each of our runs may use (default: up to 2); 1 with --jobs 2 compares "
        "single-core runs of ours with the single-core peers",
    )
    parser.add_argument("--instances", default="", help="comma list of instance names")
    parser.add_argument("--min-n", type=int, default=0, help="only instances with >= N customers")
    parser.add_argument("--max-n", type=int, default=0, help="only instances with <= N customers")
    parser.add_argument("--out", type=Path, help="CSV file, one row per run")
    parser.add_argument("--solutions", type=Path, help="write CVRPLIB .sol files here")
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        help="print the tables of earlier --out CSV files together, and run nothing",
    )
    args = parser.parse_args(argv)
    if args.report:
        print_tables([run for path in args.report for run in read_runs(path)])
        return 0

    suites = args.suite.split(",")
    solvers = args.solver.split(",")
    unknown = [s for s in suites if s not in SUITES] + [
        s for s in solvers if s not in (*OURS, *PEER_SOLVERS)
    ]
    try:
        rules = [parse_time_rule(r) for r in args.time_limit.split(",")]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if unknown:
        parser.error(f"unknown suite or solver: {', '.join(unknown)}")
    names = set(args.instances.split(",")) if args.instances else None

    paths: list[tuple[str, Path]] = []
    for suite in suites:
        try:
            files = SUITES[suite]()
        except FileNotFoundError as error:
            print(f"{suite}: {error}", file=sys.stderr)
            return 2
        for path in files:
            n = _customers(path)
            if names is not None and path.stem not in names:
                continue
            if n is not None and (n < args.min_n or (args.max_n and n > args.max_n)):
                continue
            paths.append((suite, path))
    several = len(solvers) > 1
    tasks = [
        Task(
            suite,
            path,
            solver,
            seed,
            rule,
            None if args.solutions is None else args.solutions / (solver if several else ""),
            args.workers,
        )
        for suite, path in paths
        for rule in rules
        for solver in solvers
        for seed in range(args.seeds)
    ]
    if not tasks:
        print("no instances matched", file=sys.stderr)
        return 2
    for task in tasks:
        if task.solutions is not None:
            task.solutions.mkdir(parents=True, exist_ok=True)

    runs: list[Run] = []
    notes: list[str] = []
    started = time.perf_counter()
    # Rows go to the CSV as runs finish, so an interrupted long run keeps what it did.
    writer = None
    sink = args.out.open("w", newline="") if args.out else None
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_task, task) for task in tasks]
        for k, future in enumerate(futures, start=1):
            result = future.result()
            elapsed = time.perf_counter() - started
            eta = elapsed / k * (len(tasks) - k)
            head = f"[{k}/{len(tasks)} {elapsed / 60:.1f} min, ~{eta / 60:.0f} min left]"
            if isinstance(result, str):
                notes.append(result)
                print(f"{head} {result}", file=sys.stderr)
                continue
            runs.extend(result)
            for run in result:
                flag = "" if run.feasible else f"  INFEASIBLE: {run.note}"
                found = (
                    "no plan"
                    if math.isnan(run.cost)
                    else f"{run.cost:.2f} vs {run.bks:.2f} ({run.gap_pct:+.2f} %)"
                )
                print(
                    f"{head} {run.suite} {run.instance} {run.solver} seed {run.seed}: "
                    f"{found} in {run.seconds:.1f} s{flag}",
                    file=sys.stderr,
                )
                if sink is not None:
                    if writer is None:
                        writer = csv.DictWriter(sink, fieldnames=list(asdict(run)))
                        writer.writeheader()
                    writer.writerow(asdict(run))
                    sink.flush()
    if sink is not None:
        sink.close()
    print_tables(runs)
    for line in dict.fromkeys(notes):
        print(f"- {line}")
    return 0


def _customers(path: Path) -> int | None:
    """Customers from a CVRPLIB X name (``X-n101-k25``: 100), else unknown (no filter)."""
    match = re.match(r"X-n(\d+)-", path.stem)
    return int(match.group(1)) - 1 if match else None


if __name__ == "__main__":
    sys.exit(main())
