"""Tests of villageroute.countyfile: reading a county GeoJSON with roads, stations, settings."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from villageroute.countyfile import CountyFile, read_county_geojson, ways_from_features
from villageroute.errors import InputError
from villageroute.settings import Settings


def point(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def line(coordinates: list[list[float]], **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": properties,
    }


def county() -> dict[str, Any]:
    """A small valid county: depot, hub, two stations, three roads, settings.

    Features (in this order): 0 depot, 1 road (with elevations), 2 hub, 3 road (no
    highway tag), 4 station v-1, 5 road (MultiLineString), 6 station v-2.
    """
    return {
        "type": "FeatureCollection",
        "name": "test county",
        "settings": {
            "name": "Test county",
            "kg_per_up_parcel": 6,
            "fleet": [
                {
                    "name": "van",
                    "count": 2,
                    "capacity_kg": 750,
                    "capacity_parcels": 100,
                    "cost_per_km": 1.2,
                    "cost_per_hour": 30,
                    "cost_per_day": 120,
                    "max_shift_hours": 10,
                }
            ],
        },
        "features": [
            point(100.50, 25.80, id="depot", kind="depot"),
            line(
                [[100.50, 25.80, 1650.0], [100.55, 25.81, 1720.5], [100.60, 25.83, 1800.0]],
                highway="tertiary",
                ref="X012",
                maxspeed=40.0,
                oneway=False,
                lanes=2,
                note=None,
            ),
            point(100.60, 25.83, id="hub-1", kind="hub", down_parcels=40, up_parcels=10),
            line([[100.60, 25.83], [100.65, 25.86]], surface="gravel"),
            point(100.65, 25.86, id="v-1", down_parcels=12, up_fresh_hours=24, close="17:00"),
            {
                "type": "Feature",
                "id": "w-5",
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [
                        [[100.60, 25.83], [100.62, 25.88]],
                        [[100.62, 25.88], [100.62, 25.90], [100.63, 25.91]],
                    ],
                },
                "properties": {"highway": "track", "tracktype": "grade3", "name": "村道"},
            },
            point(100.62, 25.90, id="v-2", kind="station", up_parcels=3),
        ],
    }


def write(tmp_path: Path, data: Any, name: str = "county.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# -- happy path ---------------------------------------------------------------------------


def test_read_valid_county(tmp_path: Path) -> None:
    path = write(tmp_path, county())
    result = read_county_geojson(path)
    assert isinstance(result, CountyFile) and result.path == str(path)
    assert result.settings.name == "Test county" and result.settings.kg_per_up_parcel == 6.0
    assert [v.name for v in result.settings.fleet] == ["van"]

    assert [s.id for s in result.stations] == ["depot", "hub-1", "v-1", "v-2"]
    depot, hub, v1, v2 = result.stations
    assert depot.kind == "depot" and depot.down_parcels == 0
    assert (hub.down_kg, hub.up_kg) == (80.0, 60.0)  # 40 x 2 kg default, 10 x 6 kg setting
    assert (v1.kind, v1.close_min, v1.open_min, v1.up_fresh_hours) == ("station", 1020, 420, 24.0)
    assert (v2.up_kg, v2.service_min) == (18.0, 5.0)

    assert [w.source for w in result.ways] == [
        "feature 1",
        "feature 3",
        "feature 5 part 1",
        "feature 5 part 2",
    ]
    first = result.ways[0]
    np.testing.assert_array_equal(first.lon, [100.50, 100.55, 100.60])
    np.testing.assert_array_equal(first.lat, [25.80, 25.81, 25.83])
    np.testing.assert_array_equal(first.z, [1650.0, 1720.5, 1800.0])
    assert first.lon.dtype == np.float64 and first.node_ids is None
    assert dict(first.tags) == {
        "highway": "tertiary",
        "ref": "X012",
        "maxspeed": "40",
        "oneway": "no",
        "lanes": "2",
    }  # null dropped, bool as yes/no, whole float without .0
    assert result.ways[1].z is None
    assert result.ways[1].tags == {"surface": "gravel", "highway": "unclassified"}
    assert result.ways[3].tags["name"] == "村道" and len(result.ways[3].lon) == 3


def test_settings_member_is_optional(tmp_path: Path) -> None:
    data = county()
    del data["settings"]
    result = read_county_geojson(write(tmp_path, data))
    assert result.settings == Settings()
    assert result.stations[1].up_kg == 75.0  # 10 x 7.5 kg default


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(county()).encode("utf-8"))
    assert len(read_county_geojson(path).stations) == 4


@pytest.mark.parametrize(
    "crs",
    [
        None,
        {"type": "name", "properties": {"name": "EPSG:4326"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "EPSG:4326",
    ],
)
def test_lonlat_crs_is_accepted(tmp_path: Path, crs: Any) -> None:
    data = county()
    data["crs"] = crs
    assert len(read_county_geojson(write(tmp_path, data)).ways) == 4


def test_ways_from_features_directly() -> None:
    features = [line([[100.0, 25.0], [100.1, 25.1]], highway="primary", oneway=True)]
    (way,) = ways_from_features(features, file="x.geojson", indices=[7])
    assert way.source == "feature 7" and way.tags == {"highway": "primary", "oneway": "yes"}
    assert ways_from_features([], file="x.geojson") == []


# -- file-level errors ----------------------------------------------------------------------


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_county_geojson(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ") and "\n" not in text
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in str(_error(tmp_path / "absent.geojson"))


def test_directory(tmp_path: Path) -> None:
    assert "directory" in str(_error(tmp_path))


def test_not_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection",\n  "features": [,]}', encoding="utf-8")
    text = str(_error(path))
    assert "not valid JSON" in text and "line 2, column 16" in text


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text("  \n", encoding="utf-8")
    assert "empty" in str(_error(path))


def test_gbk_file(tmp_path: Path) -> None:
    path = tmp_path / "gbk.geojson"
    path.write_bytes(json.dumps(county(), ensure_ascii=False).encode("gbk"))
    assert "not UTF-8" in str(_error(path))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "FeatureCollection"),
        ({"type": "Feature", "geometry": None, "properties": {}}, "'Feature'"),
        ({"type": "FeatureCollection"}, "field 'features'"),
        ({"type": "FeatureCollection", "features": {}}, "field 'features'"),
    ],
)
def test_not_a_feature_collection(tmp_path: Path, data: Any, fragment: str) -> None:
    assert fragment in str(_error(write(tmp_path, data)))


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "EPSG:3857"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4547"}},
        {"type": "link", "properties": {"href": "http://example.com/crs", "type": "proj4"}},
        "EPSG:32647",
        42,
    ],
)
def test_other_crs_is_rejected(tmp_path: Path, crs: Any) -> None:
    data = county()
    data["crs"] = crs
    error = _error(write(tmp_path, data))
    assert error.field == "crs"


def test_projected_crs_message_says_reproject(tmp_path: Path) -> None:
    data = county()
    data["crs"] = {"type": "name", "properties": {"name": "EPSG:4547"}}
    text = str(_error(write(tmp_path, data)))
    assert "not WGS-84 lon/lat" in text and "reproject" in text and "EPSG:4326" in text


def test_projected_coordinates_without_crs(tmp_path: Path) -> None:
    data = county()
    data["features"][3]["geometry"]["coordinates"] = [[660000.0, 2858000.0], [660500.0, 2858300.0]]
    error = _error(write(tmp_path, data))
    assert error.feature == "feature 3" and error.field == "geometry.coordinates"
    assert "not WGS-84 lon/lat" in error.message and "reproject" in error.message
    assert "no CRS is declared" in error.message


def test_projected_station_without_crs(tmp_path: Path) -> None:
    data = county()
    data["features"][6]["geometry"]["coordinates"] = [660000.0, 2858000.0]
    error = _error(write(tmp_path, data))
    assert error.feature == "feature 6 (station 'v-2')" and "not WGS-84 lon/lat" in error.message


def test_swapped_lat_lon_is_recognised(tmp_path: Path) -> None:
    data = county()
    data["features"][3]["geometry"]["coordinates"] = [[25.83, 100.60], [25.86, 100.65]]
    assert "[lat, lon]" in _error(write(tmp_path, data)).message


def test_out_of_range_with_declared_crs(tmp_path: Path) -> None:
    data = county()
    data["crs"] = {"type": "name", "properties": {"name": "EPSG:4326"}}
    data["features"][3]["geometry"]["coordinates"] = [[100.6, 25.8], [100.6, 95.0]]
    error = _error(write(tmp_path, data))
    assert "vertex 1" in error.message and "out of range" in error.message


def test_no_roads(tmp_path: Path) -> None:
    data = county()
    data["features"] = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    assert str(_error(write(tmp_path, data))).endswith(": no roads (LineString features)")


def test_no_depot(tmp_path: Path) -> None:
    data = county()
    data["features"][0]["properties"]["kind"] = "hub"
    assert "no depot (a station with kind 'depot')" in str(_error(write(tmp_path, data)))


def test_station_errors_use_the_index_in_the_collection(tmp_path: Path) -> None:
    data = county()
    data["features"][4]["properties"]["up_parcels"] = -2
    error = _error(write(tmp_path, data))
    assert error.feature == "feature 4 (station 'v-1')" and error.field == "up_parcels"


def test_settings_errors_name_the_file(tmp_path: Path) -> None:
    data = county()
    data["settings"]["fleet"][0]["capacity_kg"] = -1
    path = write(tmp_path, data)
    assert str(_error(path)).startswith(f"{path}: field 'settings.fleet[0].capacity_kg': ")


# -- feature-level errors --------------------------------------------------------------------


def _set(index: int, *path_and_value: Any) -> Any:
    """A mutation setting ``features[index][k1][k2]... = value``."""
    *keys, value = path_and_value

    def mutate(data: dict[str, Any]) -> None:
        target = data["features"][index]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return mutate


def _coords(index: int, value: Any) -> Any:
    return _set(index, "geometry", "coordinates", value)


BAD: list[tuple[str, Any, str, str | None, str]] = [
    # id, mutation, feature label, field, message fragment
    ("not-a-feature", _set(3, "type", "Point"), "feature 3", None, "Feature object"),
    ("geometry-null", _set(3, "geometry", None), "feature 3", "geometry", "no geometry"),
    (
        "polygon",
        _set(
            3,
            "geometry",
            {"type": "Polygon", "coordinates": [[[100, 25], [101, 25], [101, 26], [100, 25]]]},
        ),
        "feature 3",
        "geometry",
        "'Polygon'",
    ),
    (
        "multipoint",
        _set(5, "geometry", {"type": "MultiPoint", "coordinates": [[100, 25]]}),
        "feature 5 (id 'w-5')",
        "geometry",
        "'MultiPoint'",
    ),
    (
        "collection",
        _set(3, "geometry", {"type": "GeometryCollection", "geometries": []}),
        "feature 3",
        "geometry",
        "'GeometryCollection'",
    ),
    (
        "one-vertex",
        _coords(3, [[100.6, 25.8]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "at least 2 vertices",
    ),
    (
        "no-vertex",
        _coords(3, []),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "at least 2 vertices",
    ),
    (
        "coords-not-list",
        _coords(3, "100.6,25.8"),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "list of positions",
    ),
    (
        "vertex-nan",
        _coords(3, [[100.6, 25.8], [math.nan, 25.9]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "vertex 1",
    ),
    (
        "vertex-inf",
        _coords(3, [[100.6, math.inf], [100.7, 25.9]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "finite",
    ),
    (
        "vertex-string",
        _coords(3, [[100.6, 25.8], ["100.7", 25.9]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "vertex 1",
    ),
    (
        "vertex-4d",
        _coords(3, [[100.6, 25.8, 1, 2], [100.7, 25.9, 1, 2]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "[lon, lat, elevation]",
    ),
    (
        "mixed-z",
        _coords(3, [[100.6, 25.8, 1500], [100.7, 25.9]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "elevation",
    ),
    (
        "mixed-z-parts",
        _coords(5, [[[100.6, 25.8, 1500], [100.7, 25.9, 1600]], [[100.7, 25.9], [100.8, 25.9]]]),
        "feature 5 (road 'w-5')",
        "geometry.coordinates",
        "elevation",
    ),
    (
        "z-nan",
        _coords(3, [[100.6, 25.8, 1500], [100.7, 25.9, math.nan]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "elevation",
    ),
    (
        "z-feet",
        _coords(3, [[100.6, 25.8, 1500], [100.7, 25.9, 12000]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "elevation",
    ),
    (
        "zero-length",
        _coords(3, [[100.6, 25.8], [100.6, 25.8]]),
        "feature 3 (road 'r-3')",
        "geometry.coordinates",
        "same point",
    ),
    (
        "multi-part-short",
        _coords(5, [[[100.6, 25.8], [100.7, 25.9]], [[100.7, 25.9]]]),
        "feature 5 (road 'w-5')",
        "geometry.coordinates[1]",
        "part 2",
    ),
    ("multi-empty", _coords(5, []), "feature 5 (road 'w-5')", "geometry.coordinates", "non-empty"),
    (
        "properties-list",
        _set(3, "properties", ["highway"]),
        "feature 3",
        "properties",
        "JSON object",
    ),
    (
        "station-kind",
        _set(2, "properties", "kind", "township"),
        "feature 2 (station 'hub-1')",
        "kind",
        "'depot', 'hub', 'station'",
    ),
    (
        "station-geometry",
        _set(2, "geometry", "coordinates", [100.6]),
        "feature 2 (station 'hub-1')",
        "geometry.coordinates",
        "[lon, lat]",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "label", "field", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_feature_names_file_feature_and_field(
    tmp_path: Path, mutate: Any, label: str, field: str | None, fragment: str
) -> None:
    data = county()
    data["features"][3]["properties"]["id"] = "r-3"  # road ids appear in labels
    if label == "feature 3" and "id" in data["features"][3]["properties"]:
        del data["features"][3]["properties"]["id"]  # ... unless the case needs none
    mutate(data)
    path = write(tmp_path, copy.deepcopy(data))
    error = _error(path)
    text = str(error)
    assert error.feature == label and error.field == field
    prefix = f"{path}: {label}: " + (f"field '{field}': " if field else "")
    assert text.startswith(prefix)
    assert fragment in text
