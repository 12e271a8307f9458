"""Tests of villageroute.stations: parsing, defaults, validation and GeoDataFrame round-trips."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from villageroute.errors import InputError
from villageroute.settings import Settings
from villageroute.stations import (
    Station,
    parse_hhmm,
    read_stations,
    stations_from_features,
    stations_to_geodataframe,
)

FILE = "stations.geojson"


def point(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def valid_features() -> list[dict[str, Any]]:
    """A depot, a hub and two village stations (Yunnan mountains)."""
    return [
        point(100.55, 25.80, id="depot", kind="depot", name="县仓库"),
        point(100.60, 25.83, id="hub-1", kind="hub", down_parcels=40, up_parcels=10),
        point(
            100.65,
            25.86,
            id="v-1",
            kind="station",
            name="石门村",
            down_parcels=12,
            up_parcels=6,
            up_fresh_hours=24,
            up_cold_chain=True,
            open="08:00",
            close="17:30",
            service_min=3,
            township="青龙镇",
        ),
        point(100.62, 25.90, id="v-2", down_parcels=5, down_kg=14.5, up_kg=0, up_cold_chain=False),
    ]


def read(features: list[dict[str, Any]], settings: Settings | None = None) -> list[Station]:
    return stations_from_features(features, settings=settings or Settings(), file=FILE)


# -- happy path -----------------------------------------------------------------------------


def test_valid_stations_with_defaults() -> None:
    depot, hub, v1, v2 = read(valid_features())
    assert depot == Station(
        id="depot", kind="depot", name="县仓库", lon=100.55, lat=25.80
    )  # zero parcels are fine for the depot
    assert (depot.open_min, depot.close_min, depot.service_min) == (420, 1140, 5.0)
    assert hub.name == "hub-1"  # name defaults to the id
    assert (hub.down_kg, hub.up_kg) == (80.0, 75.0)  # 40 x 2 kg, 10 x 7.5 kg
    assert hub.up_fresh_hours is None
    assert hub.up_cold_chain is False and depot.up_cold_chain is False  # default
    assert v1.up_cold_chain is True and v2.up_cold_chain is False
    assert (v1.down_parcels, v1.up_parcels, v1.up_fresh_hours) == (12, 6, 24.0)
    assert (v1.open_min, v1.close_min, v1.service_min) == (480, 1050, 3.0)
    assert dict(v1.properties) == {"township": "青龙镇"}
    assert v2.kind == "station"  # kind defaults to "station"
    assert (v2.down_kg, v2.up_kg) == (14.5, 0.0)  # given weights win over the defaults


def test_defaults_come_from_the_settings() -> None:
    settings = Settings(
        kg_per_down_parcel=1.5,
        kg_per_up_parcel=10.0,
        day_start="06:30",
        day_end="20:00",
        default_service_min=8,
    )
    _, hub, _, v2 = read(valid_features(), settings)
    assert (hub.down_kg, hub.up_kg) == (60.0, 100.0)
    assert (v2.open_min, v2.close_min, v2.service_min) == (390, 1200, 8.0)


def test_numeric_and_top_level_ids() -> None:
    features = valid_features()
    del features[2]["properties"]["id"]
    features[2]["id"] = 17  # the GeoJSON feature id
    features[3]["properties"]["id"] = 18  # whole numbers become strings
    features[3]["properties"]["name"] = 2024
    stations = read(features)
    assert [s.id for s in stations] == ["depot", "hub-1", "17", "18"]
    assert stations[3].name == "2024"


def test_null_properties_count_as_absent() -> None:
    features = valid_features()
    features[3]["properties"].update(
        kind=None, down_kg=None, open=None, up_fresh_hours=None, up_cold_chain=None
    )
    v2 = read(features)[3]
    assert (v2.kind, v2.down_kg, v2.open_min, v2.up_fresh_hours) == ("station", 10.0, 420, None)
    assert v2.up_cold_chain is False


def test_minutes_window_and_24h_close() -> None:
    features = valid_features()
    features[3]["properties"].update(open_min=360.0, close="24:00")
    v2 = read(features)[3]
    assert (v2.open_min, v2.close_min) == (360, 1440)
    assert isinstance(v2.open_min, int)


def test_agreeing_lon_lat_properties_are_accepted() -> None:
    features = valid_features()
    features[1]["properties"].update(lon=100.60, lat=25.83)
    assert read(features)[1].properties == {}


def test_parse_hhmm_is_exported_here() -> None:
    assert parse_hhmm("07:45", file=FILE, feature=None, field="open") == 465


# -- bad stations ----------------------------------------------------------------------------

LABEL = "feature 2 (station 'v-1')"


def _props(**changes: Any) -> Any:
    def mutate(features: list[dict[str, Any]]) -> None:
        features[2]["properties"].update(changes)

    return mutate


def _drop(key: str) -> Any:
    def mutate(features: list[dict[str, Any]]) -> None:
        del features[2]["properties"][key]

    return mutate


def _rename(old: str, new: str) -> Any:
    def mutate(features: list[dict[str, Any]]) -> None:
        properties = features[2]["properties"]
        properties[new] = properties.pop(old)

    return mutate


def _geometry(geometry: Any) -> Any:
    def mutate(features: list[dict[str, Any]]) -> None:
        features[2]["geometry"] = geometry

    return mutate


def _coords(*coordinates: Any) -> Any:
    return _geometry({"type": "Point", "coordinates": list(coordinates)})


BAD: list[tuple[str, Any, str, str, str]] = [
    # id, mutation, feature label, field, message fragment
    ("id-missing", _drop("id"), "feature 2", "id", "missing"),
    ("id-empty", _props(id=""), "feature 2", "id", "non-empty string"),
    ("id-blank", _props(id="  "), "feature 2", "id", "non-empty string"),
    ("id-fraction", _props(id=3.5), "feature 2", "id", "non-empty string"),
    ("id-bool", _props(id=True), "feature 2", "id", "non-empty string"),
    ("id-list", _props(id=["v-1"]), "feature 2", "id", "non-empty string"),
    ("kind-unknown", _props(kind="village"), LABEL, "kind", "'depot', 'hub', 'station'"),
    ("kind-number", _props(kind=1), LABEL, "kind", "'depot', 'hub', 'station'"),
    ("lon-nan", _coords(math.nan, 25.0), LABEL, "geometry.coordinates", "finite"),
    ("lat-inf", _coords(100.0, math.inf), LABEL, "geometry.coordinates", "finite"),
    ("lon-out-of-range", _coords(181.0, 25.0), LABEL, "geometry.coordinates", "not WGS-84"),
    ("lat-out-of-range", _coords(100.0, -91.0), LABEL, "geometry.coordinates", "not WGS-84"),
    ("projected", _coords(660000.0, 2858000.0), LABEL, "geometry.coordinates", "reproject"),
    ("coords-strings", _coords("100.6", "25.8"), LABEL, "geometry.coordinates", "numbers"),
    ("coords-short", _coords(100.6), LABEL, "geometry.coordinates", "[lon, lat]"),
    ("geometry-null", _geometry(None), LABEL, "geometry", "no geometry"),
    (
        "geometry-line",
        _geometry({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}),
        LABEL,
        "geometry",
        "'LineString'",
    ),
    (
        "geometry-multipoint",
        _geometry({"type": "MultiPoint", "coordinates": [[1, 2]]}),
        LABEL,
        "geometry",
        "'MultiPoint'",
    ),
    ("down-negative", _props(down_parcels=-1), LABEL, "down_parcels", ">= 0"),
    ("up-negative", _props(up_parcels=-3), LABEL, "up_parcels", ">= 0"),
    ("down-fraction", _props(down_parcels=2.5), LABEL, "down_parcels", "whole number"),
    ("down-string", _props(down_parcels="12"), LABEL, "down_parcels", "a number"),
    ("up-bool", _props(up_parcels=True), LABEL, "up_parcels", "a number"),
    ("down-nan", _props(down_parcels=math.nan), LABEL, "down_parcels", "finite"),
    ("down-kg-negative", _props(down_kg=-1.0), LABEL, "down_kg", ">= 0"),
    ("up-kg-negative", _props(up_kg=-0.5), LABEL, "up_kg", ">= 0"),
    ("up-kg-string", _props(up_kg="30 kg"), LABEL, "up_kg", "a number"),
    ("fresh-zero", _props(up_fresh_hours=0), LABEL, "up_fresh_hours", "> 0"),
    ("fresh-negative", _props(up_fresh_hours=-2), LABEL, "up_fresh_hours", "> 0"),
    ("fresh-string", _props(up_fresh_hours="24h"), LABEL, "up_fresh_hours", "a number"),
    ("cold-number", _props(up_cold_chain=1), LABEL, "up_cold_chain", "true or false"),
    ("cold-zero", _props(up_cold_chain=0), LABEL, "up_cold_chain", "true or false"),
    ("cold-string", _props(up_cold_chain="true"), LABEL, "up_cold_chain", "true or false"),
    ("cold-yes", _props(up_cold_chain="yes"), LABEL, "up_cold_chain", "true or false"),
    ("cold-list", _props(up_cold_chain=[True]), LABEL, "up_cold_chain", "true or false"),
    ("open-bad", _props(open="8am"), LABEL, "open", "HH:MM"),
    ("open-number", _props(open=800), LABEL, "open", "HH:MM"),
    ("close-25h", _props(close="25:00"), LABEL, "close", "00:00 and 24:00"),
    ("close-60min", _props(close="17:60"), LABEL, "close", "00:00 and 24:00"),
    (
        "close-before-open",
        _props(open="14:00", close="09:00"),
        LABEL,
        "close",
        "the window closes before it opens",
    ),
    (
        "close-equals-open",
        _props(open="09:00", close="09:00"),
        LABEL,
        "close",
        "the window closes before it opens",
    ),
    (
        "close-before-default-open",
        _props(open=None, close="06:00"),
        LABEL,
        "close",
        "the window closes before it opens",
    ),
    (
        "open-after-default-close",
        _props(close=None, open="20:00"),
        LABEL,
        "open",
        "the window closes before it opens",
    ),
    ("open-both-forms", _props(open_min=480), LABEL, "open", "either"),
    ("open-min-range", _props(open=None, open_min=2000), LABEL, "open_min", "0..1440"),
    ("service-negative", _props(service_min=-1), LABEL, "service_min", ">= 0"),
    ("service-string", _props(service_min="5"), LABEL, "service_min", "a number"),
    ("name-list", _props(name=["a"]), LABEL, "name", "string"),
    ("lon-disagrees", _props(lon=101.0), LABEL, "lon", "disagrees"),
    (
        "typo-parcels",
        _rename("down_parcels", "down_parcel"),
        LABEL,
        "down_parcel",
        "did you mean 'down_parcels'",
    ),
    (
        "typo-case",
        _rename("up_parcels", "Up_Parcels"),
        LABEL,
        "Up_Parcels",
        "did you mean 'up_parcels'",
    ),
    (
        "typo-cold-chain",
        _rename("up_cold_chain", "cold_chain"),  # the fleet's key, not the station's
        LABEL,
        "cold_chain",
        "did you mean 'up_cold_chain'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "label", "field", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_station_names_file_feature_and_field(
    mutate: Any, label: str, field: str, fragment: str
) -> None:
    features = valid_features()
    mutate(features)
    with pytest.raises(InputError) as info:
        read(features)
    error = info.value
    text = str(error)
    assert (error.file, error.feature, error.field) == (FILE, label, field)
    assert text.startswith(f"{FILE}: {label}: field '{field}': ")
    assert fragment in text
    assert "\n" not in text


def test_properties_must_be_an_object() -> None:
    features = valid_features()
    features[2]["properties"] = ["id", "v-1"]
    with pytest.raises(InputError) as info:
        read(features)
    assert str(info.value).startswith(f"{FILE}: feature 2: field 'properties': ")


def test_disagreeing_ids_are_rejected() -> None:
    features = valid_features()
    features[2]["id"] = "v-9"
    with pytest.raises(InputError, match="disagrees") as info:
        read(features)
    assert info.value.field == "id" and info.value.feature == LABEL


def test_duplicate_id_names_both_features() -> None:
    features = valid_features()
    features[3]["properties"]["id"] = "hub-1"
    with pytest.raises(InputError) as info:
        read(features)
    text = str(info.value)
    assert text.startswith(f"{FILE}: feature 3 (station 'hub-1'): field 'id': ")
    assert "duplicate station id 'hub-1'" in text and "feature 1 (station 'hub-1')" in text


def test_numeric_id_duplicate_of_string_id() -> None:
    features = valid_features()
    features[2]["properties"]["id"] = "7"
    features[3]["properties"]["id"] = 7
    with pytest.raises(InputError, match="duplicate station id '7'"):
        read(features)


def test_no_depot() -> None:
    features = valid_features()
    features[0]["properties"]["kind"] = "hub"
    with pytest.raises(InputError) as info:
        read(features)
    assert str(info.value) == f"{FILE}: field 'kind': no depot (a station with kind 'depot')"


def test_two_depots_are_both_named() -> None:
    features = valid_features()
    features[3]["properties"]["kind"] = "depot"
    with pytest.raises(InputError) as info:
        read(features)
    text = str(info.value)
    assert text.startswith(f"{FILE}: feature 3 (station 'v-2'): field 'kind': ")
    assert "'depot'" in text and "'v-2'" in text and "feature 0" in text


def test_no_stations() -> None:
    with pytest.raises(InputError, match="no stations"):
        read([])


def test_indices_label_features_by_their_place_in_the_collection() -> None:
    features = valid_features()
    features[2]["properties"]["down_parcels"] = -1
    with pytest.raises(InputError) as info:
        stations_from_features(features, settings=Settings(), file=FILE, indices=[0, 4, 7, 9])
    assert info.value.feature == "feature 7 (station 'v-1')"


def test_stations_built_in_code_are_checked() -> None:
    with pytest.raises(InputError, match="field 'kind'"):
        Station(id="a", kind="village", name="a", lon=100.0, lat=25.0)
    with pytest.raises(InputError, match="field 'lat'"):
        Station(id="a", kind="hub", name="a", lon=100.0, lat=95.0)
    with pytest.raises(InputError, match="field 'close_min'"):
        Station(id="a", kind="hub", name="a", lon=100.0, lat=25.0, open_min=600, close_min=600)
    with pytest.raises(InputError, match="field 'id'"):
        Station(id="", kind="hub", name="a", lon=100.0, lat=25.0)
    for bad in (1, "yes", None):
        with pytest.raises(InputError, match="field 'up_cold_chain': must be true or false"):
            Station(id="a", kind="hub", name="a", lon=100.0, lat=25.0, up_cold_chain=bad)


# -- read_stations ------------------------------------------------------------------------------


def test_read_stations_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "stations.geojson"
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[100.5, 25.8], [100.6, 25.8]]},
        "properties": {"highway": "track"},
    }
    collection = {
        "type": "FeatureCollection",
        "settings": {"kg_per_down_parcel": 3},
        "features": [line, *valid_features()],  # line features are skipped
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    stations = read_stations(path)
    assert [s.id for s in stations] == ["depot", "hub-1", "v-1", "v-2"]
    assert stations[1].down_kg == 120.0  # the file's settings member
    assert read_stations(str(path), settings=Settings())[1].down_kg == 80.0


def test_read_stations_file_errors_name_the_file_and_original_index(tmp_path: Path) -> None:
    path = tmp_path / "stations.geojson"
    features = valid_features()
    features[2]["properties"]["kind"] = "farm"
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[100.5, 25.8], [100.6, 25.8]]},
        "properties": {},
    }
    collection = {"type": "FeatureCollection", "features": [line, *features]}
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_stations(path)
    assert str(info.value).startswith(f"{path}: feature 3 (station 'v-1'): field 'kind': ")


def test_read_stations_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_stations(tmp_path / "nope.geojson")


def test_geodataframe_round_trip_and_reprojection() -> None:
    stations = read(valid_features())
    gdf = stations_to_geodataframe(stations)
    assert gdf.crs.equals("EPSG:4326") and len(gdf) == 4
    assert list(gdf.columns[:14]) == [
        "id", "kind", "name", "lon", "lat", "down_parcels", "up_parcels", "down_kg", "up_kg",
        "up_fresh_hours", "up_cold_chain", "open_min", "close_min", "service_min",
    ]  # fmt: skip
    assert gdf["up_cold_chain"].dtype == bool
    assert gdf["up_cold_chain"].tolist() == [False, False, True, False]
    assert "township" in gdf.columns and gdf.geometry.name == "geometry"
    assert read_stations(gdf) == stations
    back = read_stations(gdf.to_crs("EPSG:32647"))  # UTM 47N, reprojected back
    for a, b in zip(back, stations, strict=True):
        assert a.id == b.id and a.down_kg == b.down_kg
        assert a.lon == pytest.approx(b.lon, abs=1e-9) and a.lat == pytest.approx(b.lat, abs=1e-9)


def test_geodataframe_without_crs() -> None:
    gdf = stations_to_geodataframe(read(valid_features()))
    lonlat = gdf.set_crs(None, allow_override=True)
    assert lonlat.crs is None
    assert [s.id for s in read_stations(lonlat)] == ["depot", "hub-1", "v-1", "v-2"]
    projected = gdf.to_crs("EPSG:32647").set_crs(None, allow_override=True)
    with pytest.raises(InputError) as info:
        read_stations(projected)
    text = str(info.value)
    assert text.startswith("GeoDataFrame: field 'geometry': ")
    assert "not WGS-84 lon/lat" in text and "set_crs" in text


def test_geodataframe_from_user_columns() -> None:
    gdf = gpd.GeoDataFrame(
        {
            "id": ["d", "a", "b"],
            "kind": ["depot", "station", None],
            "down_parcels": [0, 3, 4],
            "open": [None, "08:00", None],
        },
        geometry=gpd.points_from_xy([100.5, 100.6, 100.7], [25.8, 25.9, 26.0]),
        crs="EPSG:4326",
        index=["r0", "r1", "r2"],
    )
    _, a, b = read_stations(gdf)
    assert (a.open_min, b.open_min, b.kind, b.down_kg) == (480, 420, "station", 8.0)
    gdf.loc["r2", "down_parcels"] = -4
    with pytest.raises(InputError) as info:
        read_stations(gdf)
    assert str(info.value).startswith("GeoDataFrame: row r2 (station 'b'): field 'down_parcels': ")


def test_geodataframe_cold_chain_column() -> None:
    gdf = gpd.GeoDataFrame(
        {
            "id": ["d", "a", "b", "c"],
            "kind": ["depot", "station", "station", "station"],
            "up_cold_chain": [None, True, float("nan"), False],
        },
        geometry=gpd.points_from_xy([100.5, 100.6, 100.7, 100.8], [25.8, 25.9, 26.0, 26.1]),
        crs="EPSG:4326",
        index=["r0", "r1", "r2", "r3"],
    )
    assert [s.up_cold_chain for s in read_stations(gdf)] == [False, True, False, False]
    gdf["up_cold_chain"] = gdf["up_cold_chain"].astype(object)
    gdf.loc["r3", "up_cold_chain"] = "yes"
    with pytest.raises(InputError) as info:
        read_stations(gdf)
    assert str(info.value).startswith(
        "GeoDataFrame: row r3 (station 'c'): field 'up_cold_chain': must be true or false"
    )


def test_geodataframe_rejects_non_points() -> None:
    gdf = stations_to_geodataframe(read(valid_features()))
    gdf.loc[1, "geometry"] = shapely.LineString([(100.6, 25.8), (100.7, 25.9)])
    with pytest.raises(InputError) as info:
        read_stations(gdf)
    assert str(info.value).startswith("GeoDataFrame: row 1 (station 'hub-1'): field 'geometry': ")


# -- property: GeoDataFrame round-trip ---------------------------------------------------------

_ids = st.text(min_size=1, max_size=10).filter(str.strip)
_extra_keys = st.one_of(
    st.sampled_from(["township", "phone", "note", "负责人", "village_code"]),
    st.from_regex(r"extra_[a-z]{1,6}", fullmatch=True),
)
_extra_values = st.one_of(
    st.text(max_size=10),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_kg = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@st.composite
def _station(draw: st.DrawFn, station_id: str, kind: str) -> Station:
    open_min = draw(st.integers(0, 1439))
    return Station(
        id=station_id,
        kind=kind,
        name=draw(_ids),
        lon=draw(st.floats(-180, 180)),
        lat=draw(st.floats(-90, 90)),
        down_parcels=draw(st.integers(0, 10**6)),
        up_parcels=draw(st.integers(0, 10**6)),
        down_kg=draw(_kg),
        up_kg=draw(_kg),
        up_fresh_hours=draw(st.none() | st.floats(min_value=0.01, max_value=1e4)),
        up_cold_chain=draw(st.booleans()),
        open_min=open_min,
        close_min=draw(st.integers(open_min + 1, 1440)),
        service_min=draw(st.floats(min_value=0, max_value=600)),
        properties=draw(st.dictionaries(_extra_keys, _extra_values, max_size=3)),
    )


@st.composite
def _stations(draw: st.DrawFn) -> list[Station]:
    ids = draw(st.lists(_ids, min_size=1, max_size=6, unique=True))
    kinds = ["depot"] + [draw(st.sampled_from(["hub", "station"])) for _ in ids[1:]]
    stations = [draw(_station(i, k)) for i, k in zip(ids, kinds, strict=True)]
    return draw(st.permutations(stations))


@hypothesis_settings(max_examples=60, deadline=None, database=None)
@given(_stations())
def test_random_stations_round_trip_through_geodataframe(stations: list[Station]) -> None:
    gdf = stations_to_geodataframe(stations)
    assert read_stations(copy.deepcopy(gdf)) == stations
