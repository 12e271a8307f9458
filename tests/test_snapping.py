"""Snapping stations onto edges and splitting the edges there."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import X0, Y0, road
from villageroute.network import build_network
from villageroute.snapping import MERGE_M, nearest_edges, split_edges


@pytest.fixture
def long_road():
    """One 2 km two-way road from (0, 0) to (2000, 0), and a short side road."""
    return build_network([road([(0, 0), (2000, 0)]), road([(2000, 0), (2000, 300)])])


def test_station_beside_a_long_edge_snaps_to_its_middle(long_road) -> None:
    edge, dist, along = nearest_edges(long_road, np.array([X0 + 1000]), np.array([Y0 + 50]))
    assert dist[0] == pytest.approx(50, abs=1e-6)
    assert long_road.edge_length_m[edge[0]] == pytest.approx(2000)
    assert along[0] == pytest.approx(1000)

    net, node = split_edges(long_road, edge, along)
    assert net.n_nodes == long_road.n_nodes + 1
    assert net.node_x[node[0]] == pytest.approx(X0 + 1000, abs=1e-6)
    # Both directions of the long road are cut: four 1 km edges plus the side road.
    assert net.n_edges == long_road.n_edges + 2
    at_station = (net.edge_u == node[0]) | (net.edge_v == node[0])
    assert np.allclose(net.edge_length_m[at_station], 1000)
    assert (net.edge_twin[at_station] >= 0).all()
    assert np.isclose(net.edge_length_m.sum(), long_road.edge_length_m.sum())


def test_many_stations_on_one_edge_cut_it_in_order(long_road) -> None:
    xs = X0 + np.array([1500.0, 500.0, 500.4, 1999.5])
    edge, _, along = nearest_edges(long_road, xs, np.full(4, Y0 - 5))
    net, node = split_edges(long_road, edge, along)
    # 500 and 500.4 share a node; 1999.5 is within MERGE_M of the junction at 2000.
    assert node[1] == node[2]
    assert net.node_x[node[3]] == pytest.approx(X0 + 2000, abs=MERGE_M)
    assert node[3] < long_road.n_nodes
    assert net.n_nodes == long_road.n_nodes + 2
    lengths = np.sort(net.edge_length_m[net.edge_way == 0])
    assert np.allclose(lengths, [500] * 2 + [500.2] * 2 + [999.8] * 2, atol=0.01)
    # Every new edge keeps a twin that runs it backwards.
    for e in range(net.n_edges):
        t = net.edge_twin[e]
        assert net.edge_twin[t] == e
        assert (net.edge_u[e], net.edge_v[e]) == (net.edge_v[t], net.edge_u[t])


def test_one_way_edge_is_split_alone() -> None:
    net0 = build_network([road([(0, 0), (1000, 0)], oneway="yes")])
    edge, _, along = nearest_edges(net0, np.array([X0 + 250]), np.array([Y0 - 5]))
    net, _ = split_edges(net0, edge, along)
    assert net.n_edges == 2
    assert list(net.edge_twin) == [-1, -1]
    assert sorted(net.edge_length_m.round(6)) == [250, 750]


def test_split_interpolates_elevation() -> None:
    net0 = build_network([road([(0, 0), (1000, 0)], z=[100, 200])])
    edge, _, along = nearest_edges(net0, np.array([X0 + 250]), np.array([Y0]))
    net, node = split_edges(net0, edge, along)
    assert net.node_z[node[0]] == pytest.approx(125)
