"""Tests of the road readers in villageroute.roadfiles."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from villageroute.errors import InputError
from villageroute.roadfiles import (
    read_graphml_ways,
    read_osm_ways,
    read_road_ways,
    ways_from_graph,
)
from villageroute.ways import Way

ANDORRA = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadnets" / "andorra"

# Four nodes; node 5 is referenced by way 102 but absent, as at an extract border.
TINY_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="42.50" lon="1.50"/>
  <node id="2" version="1" lat="42.51" lon="1.51"/>
  <node id="3" version="1" lat="42.52" lon="1.50"/>
  <node id="4" version="1" lat="42.53" lon="1.52"/>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="name" v="Carrer Major"/>
    <tag k="maxspeed" v="30"/>
  </way>
  <way id="101" version="1">
    <nd ref="2"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="footway"/>
  </way>
  <way id="102" version="1">
    <nd ref="3"/><nd ref="5"/><nd ref="4"/>
    <tag k="highway" v="track"/><tag k="tracktype" v="grade3"/>
  </way>
  <way id="103" version="1">
    <nd ref="1"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="yes"/>
  </way>
  <way id="104" version="1">
    <nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="service"/>
  </way>
</osm>
"""

NO_ROADS_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="42.50" lon="1.50"/>
  <node id="2" version="1" lat="42.51" lon="1.51"/>
  <way id="7" version="1"><nd ref="1"/><nd ref="2"/><tag k="waterway" v="river"/></way>
</osm>
"""


@pytest.fixture
def tiny_osm_text() -> str:
    return TINY_OSM


@pytest.fixture(params=[".osm", ".osm.gz", ".osm.bz2"])
def tiny_osm_file(request: pytest.FixtureRequest, tmp_path: Path, tiny_osm_text: str) -> Path:
    data = tiny_osm_text.encode()
    suffix = request.param
    if suffix == ".osm.gz":
        data = gzip.compress(data)
    elif suffix == ".osm.bz2":
        data = bz2.compress(data)
    path = tmp_path / f"tiny{suffix}"
    path.write_bytes(data)
    return path


def _by_source(ways: list[Way]) -> dict[str, Way]:
    return {w.source: w for w in ways}


def test_read_osm_ways_tiny(tiny_osm_file: Path) -> None:
    ways = _by_source(read_osm_ways(tiny_osm_file))
    # 103 has no highway tag; 104 keeps a single located node and is skipped.
    assert set(ways) == {"way 100", "way 101", "way 102"}

    w100 = ways["way 100"]
    assert w100.node_ids.dtype == np.int64
    np.testing.assert_array_equal(w100.node_ids, [1, 2])
    np.testing.assert_allclose(w100.lon, [1.50, 1.51])
    np.testing.assert_allclose(w100.lat, [42.50, 42.51])
    assert w100.tags == {"highway": "residential", "name": "Carrer Major", "maxspeed": "30"}
    assert w100.z is None

    # Footways are kept: drivability is decided later.
    w101 = ways["way 101"]
    np.testing.assert_array_equal(w101.node_ids, [2, 3, 4])
    assert w101.tags["highway"] == "footway"
    # Ways 100 and 101 connect through the shared node id 2.
    assert w100.node_ids[-1] == w101.node_ids[0]

    # The missing node 5 is dropped, the rest of the way survives.
    w102 = ways["way 102"]
    np.testing.assert_array_equal(w102.node_ids, [3, 4])
    np.testing.assert_allclose(w102.lon, [1.50, 1.52])
    np.testing.assert_allclose(w102.lat, [42.52, 42.53])
    assert w102.tags == {"highway": "track", "tracktype": "grade3"}


def test_read_road_ways_dispatches_osm_and_xml(tmp_path: Path, tiny_osm_text: str) -> None:
    for name in ("tiny.xml", "TINY.OSM"):
        path = tmp_path / name
        path.write_text(tiny_osm_text)
        assert {w.source for w in read_road_ways(path)} == {"way 100", "way 101", "way 102"}


def test_read_osm_ways_no_roads(tmp_path: Path) -> None:
    path = tmp_path / "rivers.osm"
    path.write_text(NO_ROADS_OSM)
    with pytest.raises(InputError, match=r"no roads \(ways with a highway tag\)") as info:
        read_osm_ways(path)
    assert "rivers.osm" in str(info.value)


# --------------------------------------------------------------------------------------
# Andorra
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def andorra_ways() -> dict[str, list[Way]]:
    if not (ANDORRA / "andorra.osm.pbf").is_file() or not (ANDORRA / "andorra.osm.gz").is_file():
        pytest.skip(f"Andorra road data not found in {ANDORRA}")
    return {
        "pbf": read_osm_ways(ANDORRA / "andorra.osm.pbf"),
        "gz": read_osm_ways(ANDORRA / "andorra.osm.gz"),
    }


def test_andorra_pbf_and_gz_agree(andorra_ways: dict[str, list[Way]]) -> None:
    pbf = {w.source: w for w in andorra_ways["pbf"]}
    gz = {w.source: w for w in andorra_ways["gz"]}
    print(f"Andorra highway ways: pbf {len(pbf)}, osm.gz {len(gz)}")
    # The two files are snapshots a few days apart (headers: 2013-05-23 vs 2013-05-28);
    # the later .pbf has one extra footpath (way 128167681). Everything else must match.
    assert set(gz) <= set(pbf)
    assert len(set(pbf) - set(gz)) <= 3
    common = sorted(gz)
    assert sum(pbf[s].lon.size for s in common) == sum(gz[s].lon.size for s in common)
    for s in common:
        np.testing.assert_array_equal(pbf[s].node_ids, gz[s].node_ids, err_msg=s)
        np.testing.assert_allclose(pbf[s].lon, gz[s].lon, atol=1e-7, err_msg=s)
        np.testing.assert_allclose(pbf[s].lat, gz[s].lat, atol=1e-7, err_msg=s)


def test_andorra_counts_plausible(andorra_ways: dict[str, list[Way]]) -> None:
    ways = andorra_ways["pbf"]
    print(f"Andorra .osm.pbf: {len(ways)} ways with a highway tag")
    assert 1000 < len(ways) < 2725  # the file holds 2725 ways in all
    assert all(w.lon.size >= 2 and w.node_ids.size == w.lon.size for w in ways)
    assert all("highway" in w.tags for w in ways)
    lon = np.concatenate([w.lon for w in ways])
    lat = np.concatenate([w.lat for w in ways])
    # Header bbox of the extract (ways may stick out a little past it).
    assert lon.min() > 1.3 and lon.max() < 1.9
    assert lat.min() > 42.3 and lat.max() < 42.8
    assert any(w.source == "way 23925255" for w in ways)


# --------------------------------------------------------------------------------------
# networkx / osmnx graphs
# --------------------------------------------------------------------------------------


@pytest.fixture
def small_multidigraph() -> nx.MultiDiGraph:
    """Three nodes; a two-way street 1<->2 with a bent geometry, a one-way edge 2->3."""
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=1.50, y=42.50, elevation=1000.0)
    g.add_node(2, x=1.51, y=42.50, elevation=1100.0)
    g.add_node(3, x=1.51, y=42.51)
    bend = [(1.50, 42.50), (1.505, 42.502), (1.51, 42.50)]
    g.add_edge(
        1,
        2,
        osmid=[10, 11],
        highway=["secondary", "tertiary"],
        maxspeed="50",
        oneway=False,
        geometry=LineString(bend),
    )
    g.add_edge(
        2, 1, osmid=[10, 11], highway="secondary", oneway=False, geometry=LineString(bend[::-1])
    )
    g.add_edge(2, 3, osmid=12, highway="track", surface="gravel", oneway=True)
    return g


def test_ways_from_multidigraph(small_multidigraph: nx.MultiDiGraph) -> None:
    ways = ways_from_graph(small_multidigraph)
    assert len(ways) == 3
    by_ends = {(int(w.node_ids[0]), int(w.node_ids[-1])): w for w in ways}
    assert set(by_ends) == {(1, 2), (2, 1), (2, 3)}
    assert all(w.tags["oneway"] == "yes" for w in ways)

    w12 = by_ends[1, 2]
    assert w12.tags["highway"] == "secondary"  # first of the merged list
    assert w12.tags["osmid"] == "10"
    assert w12.tags["maxspeed"] == "50"
    assert "geometry" not in w12.tags
    assert all(isinstance(v, str) for v in w12.tags.values())
    np.testing.assert_allclose(w12.lon, [1.50, 1.505, 1.51])
    np.testing.assert_allclose(w12.lat, [42.50, 42.502, 42.50])
    assert w12.node_ids[1] < 0
    # Elevation is spread along the geometry; the bend is symmetric so the middle is halfway.
    assert w12.z is not None
    np.testing.assert_allclose(w12.z, [1000.0, 1050.0, 1100.0])

    w21 = by_ends[2, 1]
    np.testing.assert_allclose(w21.lon, [1.51, 1.505, 1.50])
    # Interior vertices are never shared between ways.
    assert w21.node_ids[1] < 0 and w21.node_ids[1] != w12.node_ids[1]

    # No geometry: a straight segment; node 3 has no elevation, so no z.
    w23 = by_ends[2, 3]
    np.testing.assert_allclose(w23.lon, [1.51, 1.51])
    np.testing.assert_allclose(w23.lat, [42.50, 42.51])
    assert w23.z is None
    assert w23.tags["surface"] == "gravel"
    assert "graph" in w23.source


def test_ways_from_graph_reversed_geometry_and_3d() -> None:
    g = nx.MultiDiGraph()
    g.add_node(7, x=0.0, y=0.0)
    g.add_node(8, x=0.002, y=0.0)
    # Stored v->u and with z: must come out u->v with z reversed along.
    g.add_edge(
        7, 8, highway="road", geometry=LineString([(0.002, 0, 5), (0.001, 0.0005, 4), (0, 0, 3)])
    )
    (way,) = ways_from_graph(g)
    np.testing.assert_allclose(way.lon, [0.0, 0.001, 0.002])
    assert way.z is not None
    np.testing.assert_allclose(way.z, [3.0, 4.0, 5.0])


def test_ways_from_undirected_graph_with_string_nodes() -> None:
    g = nx.Graph()
    g.add_node("a", x=1.0, y=2.0)
    g.add_node("b", x=1.001, y=2.0)
    g.add_node(5, x=1.001, y=2.001)
    g.add_edge("a", "b", highway="residential")
    g.add_edge("b", 5, highway="residential", oneway=True)
    ways = ways_from_graph(g)
    assert [w.tags["oneway"] for w in ways] == ["no", "no"]
    ids = {tuple(int(i) for i in w.node_ids) for w in ways}
    # "b" gets one stable id shared by both ways; the int key 5 is kept and not reused.
    (ab,) = [t for t in ids if 5 not in t]
    (b5,) = [t for t in ids if 5 in t]
    assert ab[1] == b5[0]
    assert 5 not in ab


def test_graphml_round_trip(tmp_path: Path, small_multidigraph: nx.MultiDiGraph) -> None:
    ox = pytest.importorskip("osmnx")
    path = tmp_path / "small.graphml"
    ox.io.save_graphml(small_multidigraph, path)
    ways = read_graphml_ways(path)
    assert read_road_ways(path)[0].source == ways[0].source
    by_ends = {(int(w.node_ids[0]), int(w.node_ids[-1])): w for w in ways}
    assert set(by_ends) == {(1, 2), (2, 1), (2, 3)}
    w12 = by_ends[1, 2]
    assert w12.tags["highway"] == "secondary"
    assert w12.tags["oneway"] == "yes"
    np.testing.assert_allclose(w12.lon, [1.50, 1.505, 1.51])
    assert w12.z is not None
    np.testing.assert_allclose(w12.z, [1000.0, 1050.0, 1100.0])
    assert str(path) in w12.source


def test_read_road_ways_accepts_graph(small_multidigraph: nx.MultiDiGraph) -> None:
    assert len(read_road_ways(small_multidigraph)) == 3


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    for name in ("nothere.osm.pbf", "nothere.graphml"):
        with pytest.raises(InputError, match="not found") as info:
            read_road_ways(tmp_path / name)
        assert name in str(info.value)


def test_garbage_pbf(tmp_path: Path) -> None:
    path = tmp_path / "garbage.osm.pbf"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(InputError, match="cannot read OSM data") as info:
        read_osm_ways(path)
    assert "garbage.osm.pbf" in str(info.value)


def test_truncated_gzip(tmp_path: Path, tiny_osm_text: str) -> None:
    path = tmp_path / "cut.osm.gz"
    path.write_bytes(gzip.compress(tiny_osm_text.encode())[:150])
    with pytest.raises(InputError) as info:
        read_osm_ways(path)
    assert "cut.osm.gz" in str(info.value)


def test_corrupt_graphml(tmp_path: Path) -> None:
    path = tmp_path / "broken.graphml"
    path.write_text("<graphml><graph")
    with pytest.raises(InputError, match="cannot read GraphML") as info:
        read_graphml_ways(path)
    assert "broken.graphml" in str(info.value)


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "roads.shp"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="supported") as info:
        read_road_ways(path)
    assert "roads.shp" in str(info.value)
    with pytest.raises(InputError, match=r"roads\.shp"):
        read_osm_ways(path)


def test_geojson_points_to_load_county(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="load_county"):
        read_road_ways(tmp_path / "roads.geojson")


def test_projected_graph(small_multidigraph: nx.MultiDiGraph) -> None:
    small_multidigraph.graph["crs"] = "EPSG:32631"
    with pytest.raises(InputError, match="unprojected") as info:
        ways_from_graph(small_multidigraph)
    assert "graph" in str(info.value)


def test_crs_spelling_is_case_insensitive(small_multidigraph: nx.MultiDiGraph) -> None:
    small_multidigraph.graph["crs"] = "EPSG:4326"
    assert len(ways_from_graph(small_multidigraph)) == 3


def test_node_without_coordinates(small_multidigraph: nx.MultiDiGraph) -> None:
    del small_multidigraph.nodes[3]["y"]
    with pytest.raises(InputError, match="node 3") as info:
        ways_from_graph(small_multidigraph)
    assert "graph" in str(info.value)
