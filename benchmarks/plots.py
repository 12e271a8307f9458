"""Figures of benchmark runs: gap per instance, and mean gap against the time limit.

Usage::

    python benchmarks/plots.py results/dethloff.csv results/solomon.csv --out docs/img

reads the CSV files written by ``benchmarks/run.py --out`` and writes, per suite,
``gap-<suite>.png`` (each solver's gap on each instance, at the suite's longest time
rule) and, where a suite was run at several time limits, ``gap-vs-time-<suite>.png``
(mean gap of the feasible runs against the limit). Infeasible runs are drawn as
crosses at the top of the gap plot, never silently dropped.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

Row = dict[str, str]


def read_rows(paths: list[Path]) -> list[Row]:
    rows: list[Row] = []
    for path in paths:
        with path.open(newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def _rate(rule: str) -> float:
    return float(rule.rstrip("n"))


def gap_per_instance(rows: list[Row], suite: str, out: Path) -> Path:
    """Each solver's gap per instance of ``suite`` at its longest time rule."""
    rule = max({r["rule"] for r in rows}, key=_rate)
    rows = [r for r in rows if r["rule"] == rule]
    sizes = {r["instance"]: int(r["n"]) for r in rows}
    names = sorted(sizes, key=lambda name: (sizes[name], name))
    solvers = sorted({r["solver"] for r in rows}, key=lambda s: (s.startswith("peer"), s))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.22 * len(names) + 2), 4.0))
    top = max((float(r["gap_pct"]) for r in rows if r["feasible"] == "True"), default=1.0)
    # Hollow markers of decreasing size, so that solvers with equal gaps (the portfolio
    # and the member it kept) stay visible as rings around each other.
    for k, solver in enumerate(solvers):
        mine = {r["instance"]: r for r in rows if r["solver"] == solver}
        xs = [i for i, name in enumerate(names) if name in mine]
        ok = [i for i in xs if mine[names[i]]["feasible"] == "True"]
        bad = [i for i in xs if mine[names[i]]["feasible"] != "True"]
        (line,) = ax.plot(
            ok,
            [float(mine[names[i]]["gap_pct"]) for i in ok],
            "osD^v<>"[k % 7],
            ms=max(3.0, 9.0 - 1.2 * k),
            mfc="none",
            label=solver,
        )
        if bad:
            ax.plot(bad, [top * 1.05] * len(bad), "x", color=line.get_color(), ms=6)
    limit = f"{rule[:-1]} s per customer" if rule.endswith("n") else f"{rule} s"
    ax.set_title(f"{suite}: gap to best-known per instance\n({limit}; x = infeasible)")
    ax.set_ylabel("gap to BKS (%)")
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.axhline(0.0, color="grey", lw=0.5)
    ax.grid(axis="y", alpha=0.3)
    # Below the axes: inside, it hides whichever points fall under it.
    ax.legend(
        fontsize=8,
        ncol=min(4, len(solvers)),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3),
        frameon=False,
    )
    fig.tight_layout()
    path = out / f"gap-{suite}.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def gap_vs_time(rows: list[Row], suite: str, out: Path) -> Path | None:
    """Mean gap of feasible runs against the time rule, one line per solver."""
    rules = sorted({r["rule"] for r in rows}, key=_rate)
    if len(rules) < 2:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for solver in sorted({r["solver"] for r in rows}, key=lambda s: (s.startswith("peer"), s)):
        points = []
        for rule in rules:
            gaps = [
                float(r["gap_pct"])
                for r in rows
                if r["solver"] == solver and r["rule"] == rule and r["feasible"] == "True"
            ]
            if gaps:
                points.append((_rate(rule), sum(gaps) / len(gaps)))
        if points:
            ax.plot(*zip(*points, strict=True), "o-", label=solver)
    per_customer = rules[0].endswith("n")
    ax.set_xscale("log")
    ax.set_xlabel("time limit (s per customer)" if per_customer else "time limit (s)")
    ax.set_ylabel("mean gap to BKS (%)")
    ax.set_title(f"{suite}: mean gap against time limit")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / f"gap-vs-time-{suite}.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="+", type=Path, help="CSV files of benchmarks/run.py")
    parser.add_argument("--out", type=Path, default=Path("docs/img"), help="folder for PNGs")
    args = parser.parse_args(argv)
    rows = read_rows(args.csv)
    if not rows:
        print("no rows in the CSV files", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    by_suite: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_suite[row["suite"]].append(row)
    for suite, suite_rows in sorted(by_suite.items()):
        for path in (
            gap_per_instance(suite_rows, suite, args.out),
            gap_vs_time(suite_rows, suite, args.out),
        ):
            if path is not None:
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
