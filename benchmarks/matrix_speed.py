"""Station-to-station matrix speed: villageroute's core-graph Dijkstra vs networkx.

Builds the travel-time and distance matrix for N stations on a road network and, in the
same run on the same network and edge times, the networkx baseline (one
``single_source_dijkstra_path_length`` per station). Prints one JSON line per network
with ``stations``, ``edges``, ``seconds``, ``networkx_seconds``, ``speedup`` and the
largest difference between the two time matrices.

``seconds`` covers what the matrix costs from a snapped network: edge travel times,
graph contraction and the Dijkstra runs. Snapping and network building are reported
apart (``snap_seconds``, ``build_seconds``).

Usage::

    python benchmarks/matrix_speed.py                       # synthetic 100k edges + Andorra
    python benchmarks/matrix_speed.py --network synthetic --junctions 45000 --stations 1000
    python benchmarks/matrix_speed.py --network andorra
    python benchmarks/matrix_speed.py --baseline-sources 100  # time networkx on 100 sources
                                                              # and scale to all of them
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

from villageroute import load_county
from villageroute.network import RoadNetwork, build_network
from villageroute.routing import Router
from villageroute.snapping import nearest_edges, split_edges
from villageroute.synthetic import random_road_ways
from villageroute.traveltime import edge_travel_times

ANDORRA = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadnets" / "andorra"


def networkx_matrix(
    net: RoadNetwork, times: np.ndarray, nodes: np.ndarray, sources: int
) -> tuple[np.ndarray, float]:
    """Time matrix rows for the first ``sources`` stations and the seconds it took."""
    graph = nx.DiGraph()
    best: dict[tuple[int, int], float] = {}
    for u, v, t in zip(net.edge_u.tolist(), net.edge_v.tolist(), times.tolist(), strict=True):
        if u != v and t < best.get((u, v), np.inf):
            best[(u, v)] = t
    graph.add_weighted_edges_from((u, v, t) for (u, v), t in best.items())
    rows = np.full((sources, len(nodes)), np.inf)
    start = time.perf_counter()
    for i in range(sources):
        reach = nx.single_source_dijkstra_path_length(graph, int(nodes[i]), weight="weight")
        rows[i] = [reach.get(int(n), np.inf) for n in nodes]
    return rows, time.perf_counter() - start


def measure(name: str, net: RoadNetwork, nodes: np.ndarray, baseline_sources: int) -> dict:
    start = time.perf_counter()
    times = edge_travel_times(net)
    router = Router(net, times, nodes)
    matrix = router.matrix(nodes)
    seconds = time.perf_counter() - start

    sources = min(baseline_sources or len(nodes), len(nodes))
    print(f"{name}: networkx baseline on {sources} sources ...", file=sys.stderr)
    reference, nx_seconds = networkx_matrix(net, times, nodes, sources)
    nx_total = nx_seconds * len(nodes) / sources
    finite = np.isfinite(reference)
    return {
        "network": name,
        "stations": len(nodes),
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "core_nodes": router.core_size[0],
        "core_arcs": router.core_size[1],
        "seconds": round(seconds, 3),
        "networkx_seconds": round(nx_total, 2),
        "networkx_sources_timed": sources,
        "speedup": round(nx_total / seconds, 1),
        "max_abs_diff_s": float(
            np.max(np.abs(matrix.time_s[:sources][finite] - reference[finite]))
        ),
        "same_reachability": bool(np.array_equal(np.isfinite(matrix.time_s[:sources]), finite)),
    }


def synthetic(junctions: int, stations: int, seed: int, baseline_sources: int) -> dict:
    start = time.perf_counter()
    net = build_network(random_road_ways(junctions, seed=seed))
    build = time.perf_counter() - start
    rng = np.random.default_rng(seed + 1)
    x = rng.uniform(net.node_x.min(), net.node_x.max(), stations)
    y = rng.uniform(net.node_y.min(), net.node_y.max(), stations)
    start = time.perf_counter()
    edge, _, along = nearest_edges(net, x, y)
    net, nodes = split_edges(net, edge, along)
    snap = time.perf_counter() - start
    result = measure(f"synthetic-{junctions}-seed{seed}", net, nodes, baseline_sources)
    return result | {"build_seconds": round(build, 3), "snap_seconds": round(snap, 3)}


def andorra(baseline_sources: int) -> dict:
    import json as _json

    places = _json.loads((ANDORRA / "andorra_places.geojson").read_text())["features"]
    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features(places, crs="EPSG:4326")
    frame["id"] = frame["osm_id"].astype(str)
    frame["kind"] = np.where(frame["name"] == "Andorra la Vella", "depot", "station")
    start = time.perf_counter()
    county = load_county(
        roads=ANDORRA / "andorra.osm.pbf",
        stations=frame[["id", "kind", "name", "geometry"]],
        dem=ANDORRA / "N42E001.hgt.zip",
    )
    load = time.perf_counter() - start
    result = measure("andorra", county.network, county.station_node, baseline_sources)
    return result | {
        "load_snap_matrix_seconds": round(load, 3),
        "places": len(places),
        "unreachable": len(county.unreachable),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", choices=["all", "synthetic", "andorra"], default="all")
    parser.add_argument("--junctions", type=int, default=45_000, help="synthetic junctions")
    parser.add_argument("--stations", type=int, default=1000, help="synthetic stations")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--baseline-sources",
        type=int,
        default=0,
        help="time networkx on this many sources and scale linearly (0 = all)",
    )
    args = parser.parse_args(argv)
    if args.network in ("all", "synthetic"):
        print(
            json.dumps(synthetic(args.junctions, args.stations, args.seed, args.baseline_sources))
        )
    if args.network in ("all", "andorra"):
        if not ANDORRA.exists():
            print(f"skipping Andorra: {ANDORRA} not found", file=sys.stderr)
        else:
            print(json.dumps(andorra(args.baseline_sources)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
