"""load_county end to end: tiny hand-made counties and the real Andorra network."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

import villageroute as vr
from tests.helpers import ANDORRA, lonlat, needs_andorra


def point(x: float, y: float, **properties: object) -> dict:
    lon, lat = lonlat(x, y)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
        "properties": properties,
    }


def line(
    points: list[tuple[float, float]], z: list[float] | None = None, **properties: object
) -> dict:
    xy = np.asarray(points, dtype=float)
    lon, lat = lonlat(xy[:, 0], xy[:, 1])
    coords = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
    if z is not None:
        coords = [[*c, float(h)] for c, h in zip(coords, z, strict=True)]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {"highway": "unclassified", **properties},
    }


def valley_county() -> dict:
    """A depot at the valley mouth, a road climbing 300 m to a hub, two villages beside
    the road, one village 600 m off the road, and one hamlet beside a cut-off track."""
    return {
        "type": "FeatureCollection",
        "settings": {"name": "valley"},
        "features": [
            line([(0, 0), (3000, 0)], z=[1000, 1300], highway="secondary"),
            line([(3000, 0), (3000, 2000)], z=[1300, 1500]),
            line([(10_000, 10_000), (10_500, 10_000)], highway="track"),
            point(-20, 10, id="depot", kind="depot", name="County centre"),
            point(3010, 10, id="hub", kind="hub", name="Township", down_parcels=40),
            point(1500, 30, id="v1", kind="station", down_parcels=5, up_parcels=2),
            point(3020, 1000, id="v2", kind="station", down_parcels=3),
            point(1500, 600, id="far", kind="station", down_parcels=1),
            point(10_250, 10_010, id="cutoff", kind="station", name="Cut-off hamlet"),
        ],
    }


@pytest.fixture
def valley_file(tmp_path: Path) -> Path:
    path = tmp_path / "valley.geojson"
    path.write_text(json.dumps(valley_county()))
    return path


def test_county_file_loads_with_depot_first(valley_file: Path) -> None:
    county = vr.load_county(valley_file)
    assert county.name == "valley"
    assert [s.id for s in county.stations] == ["depot", "hub", "v1", "v2", "far"]
    assert county.matrix.time_s.shape == (5, 5)
    assert np.isfinite(county.matrix.time_s).all()
    assert np.allclose(np.diag(county.matrix.time_s), 0)


def test_cut_off_station_is_reported_with_a_reason(valley_file: Path) -> None:
    county = vr.load_county(valley_file)
    (lost,) = county.unreachable
    assert (lost.station_id, lost.name) == ("cutoff", "Cut-off hamlet")
    assert "cut off from the depot's network" in lost.reason


def test_station_off_the_road_is_snapped_and_flagged(valley_file: Path) -> None:
    county = vr.load_county(valley_file)
    i = county.index("far")
    assert county.snap_distance_m[i] == pytest.approx(600, abs=1)
    assert county.far_snaps == ["far"]
    # It sits beside the middle of the 3 km road, so it is cut there, not at an end.
    node = county.station_node[i]
    assert county.network.node_z[node] == pytest.approx(1150, abs=1)


def test_stations_frame_reports_snaps(valley_file: Path) -> None:
    frame = vr.load_county(valley_file).stations_frame()
    assert list(frame["id"]) == ["depot", "hub", "v1", "v2", "far"]
    assert frame.crs == "EPSG:4326"
    assert list(frame.loc[frame["far_snap"], "id"]) == ["far"]
    assert frame.loc[frame["id"] == "v1", "snap_m"].item() == pytest.approx(30, abs=0.5)


def test_climb_to_the_hub_is_slower_than_the_descent(valley_file: Path) -> None:
    county = vr.load_county(valley_file)
    up = county.matrix.time_s[0, county.index("hub")]
    down = county.matrix.time_s[county.index("hub"), 0]
    assert up > 1.2 * down
    assert county.matrix.distance_m[0, 1] == pytest.approx(county.matrix.distance_m[1, 0], abs=2)


def test_leg_geometry_follows_the_road(valley_file: Path) -> None:
    county = vr.load_county(valley_file)
    leg = county.leg_geometry(0, county.index("v2"))
    assert leg.has_z
    lon, lat = lonlat(3000, 0)
    # The path turns the corner at (3000, 0).
    assert min(np.hypot(x - lon, y - lat) for x, y, _ in leg.coords) < 1e-7
    assert county.leg_edges(0, 0) == []


def test_depot_far_from_every_road_is_an_input_error(tmp_path: Path) -> None:
    data = valley_county()
    data["features"][3] = point(-8000, 0, id="depot", kind="depot")
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data))
    with pytest.raises(
        vr.InputError,
        match=r"bad\.geojson: station 'depot': field 'geometry': the depot is 8,000 m",
    ):
        vr.load_county(path)


def test_footpaths_only_is_an_input_error(tmp_path: Path) -> None:
    data = valley_county()
    for feature in data["features"][:3]:
        feature["properties"]["highway"] = "footway"
    path = tmp_path / "paths.geojson"
    path.write_text(json.dumps(data))
    with pytest.raises(vr.InputError, match=r"paths\.geojson.*no drivable roads"):
        vr.load_county(path)


def test_file_and_separate_inputs_together_is_an_error(valley_file: Path) -> None:
    with pytest.raises(vr.InputError, match="not both"):
        vr.load_county(valley_file, roads=valley_file)


def andorra_stations() -> gpd.GeoDataFrame:
    """The 67 OSM places of Andorra as stations, the capital as the depot."""
    places = gpd.read_file(ANDORRA / "andorra_places.geojson")
    places["id"] = places["osm_id"].astype(str)
    places["kind"] = np.where(places["name"] == "Andorra la Vella", "depot", "station")
    return places[["id", "kind", "name", "place", "geometry"]]


@needs_andorra
@pytest.mark.parametrize("roads", ["andorra.osm.pbf", "andorra.osm.gz"])
def test_andorra_loads_with_srtm_and_every_place_is_accounted_for(roads: str) -> None:
    stations = andorra_stations()
    county = vr.load_county(
        roads=ANDORRA / roads, stations=stations, dem=ANDORRA / "N42E001.hgt.zip"
    )
    routed = {s.id for s in county.stations}
    lost = {u.station_id for u in county.unreachable}
    assert len(stations) == 67
    assert routed | lost == set(stations["id"]) and not routed & lost
    # Every town and village is on the road network; only mountain localities are not.
    settlements = stations[stations["place"].isin(["town", "village"])]
    assert set(settlements["id"]) <= routed
    assert len(routed) >= 60
    assert np.isfinite(county.matrix.time_s).all()
    # Pyrenean valleys from 850 m up: elevations come from the SRTM tile.
    z = county.network.node_z
    assert np.isfinite(z).all() and z.min() > 800 and z.max() < 2800
    # Climbing takes longer than descending: the matrix is asymmetric.
    t = county.matrix.time_s
    assert np.abs(t - t.T).max() > 60
    # Driving speeds are those of mountain roads, not of a flat grid.
    d = county.matrix.distance_m
    off = ~np.eye(len(t), dtype=bool)
    mean_kmh = d[off].sum() / t[off].sum() * 3.6
    assert 20 < mean_kmh < 50


@needs_andorra
def test_andorra_dem_must_cover_the_roads(tmp_path: Path) -> None:
    # A 1x1 degree tile one degree west (N42E000) does not cover Andorra.
    tile = tmp_path / "N42E000.hgt"
    tile.write_bytes(np.full((1201, 1201), 1000, dtype=">i2").tobytes())
    with pytest.raises(vr.InputError, match=r"N42E000\.hgt"):
        vr.load_county(roads=ANDORRA / "andorra.osm.pbf", stations=andorra_stations(), dem=tile)
