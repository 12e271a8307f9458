"""Station-to-station matrices and path geometry."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import X0, Y0, road
from villageroute.network import build_network
from villageroute.routing import Router, decode_weights, encode_weights
from villageroute.snapping import nearest_edges, split_edges
from villageroute.synthetic import random_road_ways
from villageroute.traveltime import edge_travel_times


def test_weight_encoding_round_trips_exactly() -> None:
    w = encode_weights(np.array([12.34, 0.01, 86_400.0]), np.array([100.4, 0.2, 1_500_000.0]))
    time_s, metres = decode_weights(np.array([w[0] + w[1] + w[2], np.inf]))
    assert time_s[0] == pytest.approx(12.3 + 0.1 + 86_400.0)
    assert metres[0] == 100 + 0 + 1_500_000
    assert np.isinf(time_s[1]) and np.isinf(metres[1])


def test_matrix_prefers_time_and_reports_the_fast_path_length() -> None:
    """A: short slow track to C; a longer but faster road via B."""
    net = build_network(
        [
            road([(0, 0), (1000, 0)], highway="track"),  # 12 km/h: 300 s
            road([(0, 0), (0, 600)], highway="primary"),  # 50 km/h
            road([(0, 600), (1000, 600), (1000, 0)], highway="primary"),
        ]
    )
    times = edge_travel_times(net)
    a = int(np.argmin(np.hypot(net.node_x - net.node_x.min(), net.node_y - net.node_y.min())))
    c = int(np.argmin(np.hypot(net.node_x - net.node_x.max(), net.node_y - net.node_y.min())))
    matrix = Router(net, times, [a, c]).matrix([a, c])
    assert matrix.distance_m[0, 1] == pytest.approx(2200, abs=2)
    assert matrix.time_s[0, 1] == pytest.approx(2200 / (50 / 3.6), abs=0.5)
    assert matrix.time_s[0, 0] == 0


def test_one_way_loop_is_asymmetric() -> None:
    """On a one-way square loop, A at (500, 0) reaches B at (1000, 500) in 1 km, not back."""
    net = build_network(
        [
            road([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)], oneway="yes"),
            road([(0, 0), (-100, 0)]),
        ]
    )
    edge, _, along = nearest_edges(net, X0 + np.array([500.0, 1000.0]), Y0 + np.array([0.0, 500.0]))
    net, node = split_edges(net, edge, along)
    matrix = Router(net, edge_travel_times(net), node).matrix(node)
    assert matrix.distance_m[0, 1] == pytest.approx(1000, abs=2)
    assert matrix.distance_m[1, 0] == pytest.approx(3000, abs=2)
    assert matrix.time_s[1, 0] == pytest.approx(3 * matrix.time_s[0, 1], rel=0.01)


def random_county(n_junctions: int, n_stations: int, seed: int):
    net = build_network(random_road_ways(n_junctions, seed=seed, loop_share=0.3))
    rng = np.random.default_rng(seed)
    x = rng.uniform(net.node_x.min(), net.node_x.max(), n_stations)
    y = rng.uniform(net.node_y.min(), net.node_y.max(), n_stations)
    edge, _, along = nearest_edges(net, x, y)
    net, node = split_edges(net, edge, along)
    return net, node, edge_travel_times(net)


def networkx_times(net, times, node) -> np.ndarray:
    graph = nx.DiGraph()
    for u, v, t in zip(net.edge_u.tolist(), net.edge_v.tolist(), times.tolist(), strict=True):
        if u != v and (not graph.has_edge(u, v) or graph[u][v]["weight"] > t):
            graph.add_edge(u, v, weight=t)
    out = np.full((len(node), len(node)), np.inf)
    for i, s in enumerate(node.tolist()):
        reach = nx.single_source_dijkstra_path_length(graph, s)
        out[i] = [reach.get(t, np.inf) for t in node.tolist()]
    return out


@settings(max_examples=25, deadline=None)
@given(
    n_junctions=st.integers(3, 60),
    n_stations=st.integers(1, 12),
    seed=st.integers(0, 10_000),
)
def test_matrix_properties_on_random_networks(n_junctions: int, n_stations: int, seed: int) -> None:
    net, node, times = random_county(n_junctions, n_stations, seed)
    router = Router(net, times, node)
    matrix = router.matrix(node)
    t, d = matrix.time_s, matrix.distance_m
    # Two-way random networks are connected: every pair is reachable.
    assert np.isfinite(t).all() and np.isfinite(d).all()
    assert np.all(np.diag(t) == 0) and np.all(np.diag(d) == 0)
    # Shortest paths obey the triangle inequality (up to 0.1 s rounding per edge).
    slack = 0.05 * net.n_edges
    assert np.all(t[:, None, :] <= t[:, :, None] + t[None, :, :] + slack)
    # The contracted core finds the same times as networkx on the full network.
    reference = networkx_times(net, times, node)
    assert np.allclose(t, reference, atol=0.05 * 60 + 1e-9)
    # Any leg expands into connected road edges whose lengths sum to the matrix entry.
    i, j = 0, len(node) - 1
    edges = router.path_edges(int(node[i]), int(node[j]))
    if edges:
        assert net.edge_u[edges[0]] == node[i] and net.edge_v[edges[-1]] == node[j]
        assert np.all(net.edge_v[edges[:-1]] == net.edge_u[edges[1:]])
    assert abs(net.edge_length_m[edges].sum() - d[i, j]) <= 0.5 * len(edges) + 1e-9
    assert abs(times[edges].sum() - t[i, j]) <= 0.05 * len(edges) + 1e-9


def test_path_geometry_follows_the_roads() -> None:
    net, node, times = random_county(40, 5, seed=3)
    router = Router(net, times, node)
    edges = router.path_edges(int(node[0]), int(node[1]))
    line = net.path_lonlat(edges)
    assert line.shape[1] == 3
    assert line[0, 0] == pytest.approx(net.node_lon[node[0]])
    assert line[-1, 1] == pytest.approx(net.node_lat[node[1]])
