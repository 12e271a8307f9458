"""Command line: ``python -m villageroute plan|validate|sample|stations``.

Exit codes: 0 success, 2 bad input (one line on stderr, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import villageroute as vr
from villageroute.outputs import write_outputs

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
# Seconds kept back from --time-limit for the naive baseline and writing the outputs.
_FINISHING_S = 0.3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="villageroute",
        description="Two-way logistics planning for rural counties: one route delivers "
        "parcels to villages and collects their produce.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def county_inputs(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("county", nargs="?", type=Path, help="county GeoJSON (roads + stations)")
        sub.add_argument(
            "--roads", type=Path, help="roads: .osm/.osm.gz/.osm.bz2/.osm.pbf/.graphml"
        )
        sub.add_argument("--stations", type=Path, help="stations GeoJSON (with --roads)")
        sub.add_argument("--dem", type=Path, help="elevation: SRTM .hgt/.hgt.zip or GeoTIFF")

    plan = commands.add_parser(
        "plan",
        help="plan a day and compare it with the naive baseline",
        description=(
            "Plan one day of deliveries and collections and compare it with the naive "
            "baseline (separate nearest-neighbour delivery and collection trips)."
        ),
    )
    county_inputs(plan)
    plan.add_argument(
        "--solver",
        choices=vr.SOLVERS,
        default="best",
        help="best (default: OR-Tools and PyVRP side by side, cheapest valid plan), "
        "ortools, pyvrp, or a baseline (naive, out-and-back)",
    )
    plan.add_argument(
        "--time-limit", type=float, default=10.0, help="seconds for the whole run (default 10)"
    )
    plan.add_argument("--seed", type=int, default=0)
    plan.add_argument(
        "--workers",
        type=int,
        default=None,
        help="CPU cores to use (default: up to two; best gives one to PyVRP, the rest to OR-Tools)",
    )
    plan.add_argument("--out", type=Path, help="write plan.json, plan.geojson and manifests here")
    plan.add_argument("--json", action="store_true", help="print one JSON object to stdout")

    check = commands.add_parser("validate", help="check a county's input without solving")
    county_inputs(check)
    check.add_argument("--json", action="store_true", help="print one JSON object to stdout")

    sample = commands.add_parser(
        "sample",
        help="regenerate the sample counties",
        description="Regenerate data/sample_counties/ from real township positions and "
        "county outlines (../shared/data/china_counties), byte for byte for a given seed.",
    )
    sample.add_argument("--shared", type=Path, default=None, help="the shared data folder")
    sample.add_argument("--out", type=Path, default=Path("data/sample_counties"))
    sample.add_argument("--seed", type=int, default=2026)

    places = commands.add_parser(
        "stations",
        help="make a stations file from OSM place points, with generated demand",
        description="Turn place points (GeoJSON with name and OSM place columns, such as an "
        "OSM extract's towns and villages) into village stations with daily demand drawn "
        "by villageroute.demand, for use with plan --roads ... --stations.",
    )
    places.add_argument("places", type=Path, help="GeoJSON of place points")
    places.add_argument("--depot", required=True, help="name of the place hosting the depot")
    places.add_argument("--seed", type=int, default=0, help="demand seed")
    places.add_argument("--out", type=Path, required=True, help="stations GeoJSON to write")
    return parser


def _load(args: argparse.Namespace, say: vr.county.Progress | None) -> vr.County:
    if args.county is not None:
        if args.roads or args.stations:
            raise vr.InputError("give a county file or --roads and --stations, not both")
        return vr.load_county(args.county, dem=args.dem, progress=say)
    if args.roads is None or args.stations is None:
        raise vr.InputError("give a county GeoJSON file, or both --roads and --stations")
    return vr.load_county(roads=args.roads, stations=args.stations, dem=args.dem, progress=say)


def _report(county: vr.County) -> dict[str, Any]:
    return {
        "county": county.name,
        "stations": len(county.stations),
        "unreachable": [u.__dict__ for u in county.unreachable],
        "far_snaps": county.far_snaps,
        "road_nodes": county.network.n_nodes,
        "road_edges": county.network.n_edges,
    }


def _plan(args: argparse.Namespace) -> int:
    say = None if args.json else (lambda message: print(f"  {message}", file=sys.stderr))
    if not args.time_limit > 0:
        raise vr.InputError(f"--time-limit must be positive, got {args.time_limit}")
    if args.workers is not None and args.workers < 1:
        raise vr.InputError(f"--workers must be at least 1, got {args.workers}")
    started = time.perf_counter()
    county = _load(args, say)
    problem = vr.Problem.from_county(county)
    # --time-limit bounds the whole command: the search gets what loading left, less a
    # little for the baseline and the files.
    search = max(args.time_limit - (time.perf_counter() - started) - _FINISHING_S, 0.1)
    if say:
        say(f"planning with {args.solver} for {search:.1f} s")
    result = vr.plan(
        problem,
        args.solver,
        time_limit=search,
        seed=args.seed,
        workers=args.workers,
        progress=say,
    )
    baseline = vr.plan(problem, "naive")
    summary = result.summary()
    base = baseline.summary()
    saving = vr.per_parcel_saving(result, baseline)
    report = {
        **summary,
        "solver": args.solver,
        "engine": result.solver,
        "stations": problem.n - 1,
        "runtime_s": time.perf_counter() - started,
        "baseline": {
            "solver": "naive",
            "per_parcel_cost": base["per_parcel_cost"],
            "total_cost": base["total_cost"],
            "distance_km": base["distance_km"],
            "duration_h": base["duration_h"],
            "vehicles_used": base["vehicles_used"],
            "parcels_unserved": base["parcels_unserved"],
        },
        "saving_pct": saving.pct,
        "same_stations": {
            "stations": saving.stations_compared,
            "saving_pct": saving.same_stations_pct,
            "served_only_by_plan": list(saving.only_plan),
            "served_only_by_baseline": list(saving.only_baseline),
        },
        "unserved": [u.__dict__ for u in result.unserved],
        "unreachable": [u.__dict__ for u in county.unreachable],
    }
    if args.out is not None:
        _write_atomically(args.out, lambda folder: write_outputs(county, result, report, folder))
    if args.json:
        print(json.dumps(report, default=float))
    else:
        _print_summary(county, report, args.out)
    return EXIT_OK


def _write_atomically(out: Path, write: Any) -> None:
    """Write into a fresh folder beside ``out`` and move it in place only when complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        write(staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _print_summary(county: vr.County, report: dict[str, Any], out: Path | None) -> None:
    base = report["baseline"]
    currency = report["currency"]
    rows = [
        (
            f"cost per parcel ({currency})",
            report["per_parcel_cost"],
            base["per_parcel_cost"],
            ".2f",
        ),
        (f"total cost ({currency})", report["total_cost"], base["total_cost"], ",.0f"),
        ("distance (km)", report["distance_km"], base["distance_km"], ",.1f"),
        ("vehicle-hours", report["duration_h"], base["duration_h"], ".1f"),
        ("vehicles", report["vehicles_used"], base["vehicles_used"], "d"),
        ("parcels unserved", report["parcels_unserved"], base["parcels_unserved"], "d"),
    ]
    print(
        f"{county.name}: {report['stations']} stations, {report['parcels_down']} parcels "
        f"down, {report['parcels_up']} up"
    )
    print(f"{'':26}{report['solver']:>12}{'naive':>12}")
    for label, ours, theirs, fmt in rows:
        print(f"{label:26}{ours:>12{fmt}}{theirs:>12{fmt}}")
    print(
        f"saving per parcel: {report['saving_pct']:.1f} %   "
        f"(valid plan: {'yes' if report['feasible'] else 'NO'})"
    )
    same = report["same_stations"]
    if same["served_only_by_plan"] or same["served_only_by_baseline"]:
        # A station one plan leaves out weighs on the other plan's cost per parcel only.
        only = "; ".join(
            f"only {who} serves {', '.join(ids)}"
            for who, ids in (
                (report["solver"], same["served_only_by_plan"]),
                ("naive", same["served_only_by_baseline"]),
            )
            if ids
        )
        print(
            f"saving per parcel on the {same['stations']} stations both serve: "
            f"{same['saving_pct']:.1f} %   ({only})"
        )
    for lost in report["unserved"]:
        print(f"unserved {lost['station_id']}: {lost['reason']}")
    _print_unreachable(report["unreachable"])
    if out is not None:
        print(f"written to {out}/")


def _sample(args: argparse.Namespace) -> int:
    from villageroute.samples import default_shared, write_sample_counties

    shared = args.shared or default_shared()
    if not (shared / "data" / "china_counties").exists():
        raise vr.InputError("county facts not found (data/china_counties)", file=shared)
    for path in write_sample_counties(shared, args.out, seed=args.seed):
        print(path)
    return EXIT_OK


def _stations(args: argparse.Namespace) -> int:
    import geopandas as gpd

    from villageroute.demand import stations_from_places
    from villageroute.stations import stations_to_geodataframe

    if not args.places.is_file():
        raise vr.InputError("file not found", file=args.places)
    try:
        places = gpd.read_file(args.places)
    except Exception as error:  # GDAL's many error types: report the file, not a traceback
        raise vr.InputError(f"cannot read place points: {error}", file=args.places) from error
    for column in ("name", "geometry"):
        if column not in places:
            raise vr.InputError("missing column", file=args.places, field=column)
    if args.depot not in set(places["name"]):
        raise vr.InputError(f"no place named {args.depot!r}", file=args.places, field="name")
    stations = stations_from_places(places, depot=args.depot, seed=args.seed)
    frame = stations_to_geodataframe(stations)
    staging = args.out.with_name(f".{args.out.name}.partial")
    frame.to_file(staging, driver="GeoJSON")
    staging.replace(args.out)
    print(
        f"{args.out}: {len(stations)} stations, {sum(s.down_parcels for s in stations)} "
        f"parcels down, {sum(s.up_parcels for s in stations)} up"
    )
    return EXIT_OK


def _print_unreachable(unreachable: list[dict[str, Any]]) -> None:
    for lost in unreachable:
        print(f"unreachable {lost['station_id']} ({lost['name']}): {lost['reason']}")


def _validate(args: argparse.Namespace) -> int:
    county = _load(args, None)
    report = _report(county)
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"{report['county']}: {report['stations']} routable stations on "
            f"{report['road_edges']} road edges"
        )
        _print_unreachable(report["unreachable"])
        for station in report["far_snaps"]:
            print(f"far from its road (over {county.settings.snap_warn_m:g} m): {station}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        command = {
            "plan": _plan,
            "validate": _validate,
            "sample": _sample,
            "stations": _stations,
        }[args.command]
        return command(args)
    except vr.InputError as error:
        print(f"villageroute: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("villageroute: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (head)
        sys.stderr.close()
        return EXIT_OK
