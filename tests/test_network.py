"""Building the routable network from raw ways."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from tests.helpers import road
from villageroute.errors import InputError
from villageroute.network import build_network, pair_twins
from villageroute.roadfiles import ways_from_graph
from villageroute.ways import Way


@pytest.fixture
def crossroads() -> list[Way]:
    """Two roads crossing at (0, 0), a one-way spur and a footpath."""
    return [
        road([(-500, 0), (0, 0), (500, 0)]),
        road([(0, -500), (0, 0), (0, 500)]),
        road([(500, 0), (800, 0)], oneway="yes"),
        road([(0, 500), (-500, 0)], highway="footway"),
    ]


def test_ways_are_split_at_junctions_and_drivable_only(crossroads: list[Way]) -> None:
    net = build_network(crossroads)
    # 5 nodes: centre, four arm ends, plus the spur end; the footway adds none.
    assert net.n_nodes == 6
    # Four two-way arms (8 edges) and one one-way spur.
    assert net.n_edges == 9
    assert np.allclose(np.sort(net.edge_length_m), [300] + [500] * 8, atol=0.01)
    assert (net.edge_twin >= 0).sum() == 8
    assert np.all(
        net.edge_twin[net.edge_twin[net.edge_twin >= 0]] == np.flatnonzero(net.edge_twin >= 0)
    )


def test_twins_run_the_same_road_backwards(crossroads: list[Way]) -> None:
    net = build_network(crossroads)
    for e in np.flatnonzero(net.edge_twin >= 0):
        t = net.edge_twin[e]
        assert (net.edge_u[e], net.edge_v[e]) == (net.edge_v[t], net.edge_u[t])
        a, b = net.edge_vertices(e), net.edge_vertices(t)
        assert np.allclose(net.vertex_x[a], net.vertex_x[b][::-1])


def test_only_footpaths_is_a_clear_error() -> None:
    with pytest.raises(
        InputError, match=r"roads\.osm: field 'highway': no drivable roads.*footway"
    ):
        build_network([road([(0, 0), (100, 0)], highway="footway")], source="roads.osm")


def test_private_and_closed_roads_are_left_out() -> None:
    net = build_network(
        [
            road([(0, 0), (100, 0)]),
            road([(100, 0), (200, 0)], access="private"),
            road([(100, 0), (100, 100)], motor_vehicle="no"),
        ]
    )
    assert net.n_edges == 2


def test_z_values_and_dem_fill_elevations() -> None:
    net = build_network([road([(0, 0), (50, 0), (100, 0)], z=[1000, 1010, 1020])])
    assert np.allclose(np.sort(net.node_z), [1000, 1020])
    assert np.allclose(np.sort(net.vertex_z), [1000, 1000, 1010, 1010, 1020, 1020])


def test_graph_input_pairs_opposite_edges_as_twins() -> None:
    graph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_node(1, x=100.0, y=25.0)
    graph.add_node(2, x=100.01, y=25.0)
    graph.add_edge(1, 2, highway="residential")
    graph.add_edge(2, 1, highway="residential")
    net = pair_twins(build_network(ways_from_graph(graph)))
    assert net.n_edges == 2
    assert list(net.edge_twin) == [1, 0]


def test_to_networkx_round_trip_keeps_lengths(crossroads: list[Way]) -> None:
    net = build_network(crossroads)
    graph = net.to_networkx()
    assert graph.number_of_edges() == net.n_edges
    total = sum(d["length"] for *_, d in graph.edges(data=True))
    assert total == pytest.approx(net.edge_length_m.sum())
