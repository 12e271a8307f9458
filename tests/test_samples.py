"""Sample counties built on real county data (../shared) with synthetic roads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

import villageroute as vr
from villageroute.samples import (
    county_boundary,
    county_towns,
    default_shared,
    dumps_county,
    gcj02_to_wgs84,
    make_sample_county,
    wgs84_to_gcj02,
)

SHARED = default_shared()
BINCHUAN = "532924"
needs_shared = pytest.mark.skipif(
    not (SHARED / "data" / "china_counties" / "counties" / f"{BINCHUAN}.csv").exists(),
    reason=f"real county data not found in {SHARED}/data/china_counties (../shared is absent)",
)
_GEOD = pyproj.Geod(ellps="WGS84")


def test_gcj02_round_trip_below_one_metre():
    rng = np.random.default_rng(1)
    lon = rng.uniform(74.0, 134.0, 2000)
    lat = rng.uniform(18.0, 53.0, 2000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    _, _, shift = _GEOD.inv(lon, lat, glon, glat)
    assert np.all(shift > 1.0)  # the offset is real (hundreds of metres)...
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    _, _, err = _GEOD.inv(lon, lat, wlon, wlat)
    assert err.max() < 1.0  # ...and the inverse undoes it


def test_gcj02_is_identity_outside_china():
    lon, lat = gcj02_to_wgs84([1.5, -70.0], [42.5, -33.0])
    assert np.allclose(lon, [1.5, -70.0]) and np.allclose(lat, [42.5, -33.0])


@pytest.fixture(scope="module")
def small() -> dict:
    return make_sample_county(SHARED, BINCHUAN, "small", seed=7)


@pytest.fixture(scope="module")
def small_path(small, tmp_path_factory):
    path = tmp_path_factory.mktemp("samples") / "binchuan-small.geojson"
    path.write_text(dumps_county(small), encoding="utf-8")
    return path


@needs_shared
def test_same_seed_same_county(small):
    again = make_sample_county(SHARED, BINCHUAN, "small", seed=7)
    assert json.dumps(again, sort_keys=True) == json.dumps(small, sort_keys=True)
    other = make_sample_county(SHARED, BINCHUAN, "small", seed=8)
    assert json.dumps(other, sort_keys=True) != json.dumps(small, sort_keys=True)


@needs_shared
def test_small_county_loads_and_every_station_is_routable(small_path):
    county = vr.load_county(small_path)
    assert county.unreachable == ()
    assert 25 <= len(county.stations) <= 35
    assert np.isfinite(county.matrix.time_s).all()
    assert any(v.cold_chain and v.count >= 1 for v in county.settings.fleet)
    plan = vr.plan(county, "naive")
    assert len(plan.unserved) <= 0.1 * len(county.stations)


@needs_shared
def test_stations_inside_boundary_and_hubs_at_towns(small):
    boundary = county_boundary(SHARED, BINCHUAN)
    points = [f for f in small["features"] if f["geometry"]["type"] == "Point"]
    tolerance = 0.001  # degrees, ~100 m
    for f in points:
        assert boundary.buffer(tolerance).contains(shapely.Point(f["geometry"]["coordinates"]))
    towns = {name: (lon, lat) for _, name, lon, lat in county_towns(SHARED, BINCHUAN)}
    hubs = [f for f in points if f["properties"]["kind"] in ("hub", "depot")]
    assert len(hubs) >= 5
    for f in hubs:
        lon, lat = f["geometry"]["coordinates"]
        town = f["properties"]["township"]
        _, _, d = _GEOD.inv(lon, lat, *towns[town])
        assert d < 1.0, (town, d)


@needs_shared
def test_downlink_exceeds_uplink(small):
    props = [f["properties"] for f in small["features"] if f["geometry"]["type"] == "Point"]
    assert sum(p["down_parcels"] for p in props) > sum(p["up_parcels"] for p in props)
    assert sum(p["down_parcels"] for p in props if p["kind"] == "depot") == 0


@pytest.mark.skipif(not (SHARED / "data" / "china_counties").exists(), reason="../shared absent")
def test_committed_sample_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    from villageroute.cli import main

    assert main(["sample", "--out", str(tmp_path), "--seed", "2026"]) == 0
    committed = Path(__file__).resolve().parents[1] / "data" / "sample_counties"
    for name in ("binchuan-small.geojson", "wanshan-medium.geojson"):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_plan_runs_on_the_bundled_small_county() -> None:
    import villageroute as vr

    path = (
        Path(__file__).resolve().parents[1] / "data" / "sample_counties" / "binchuan-small.geojson"
    )
    county = vr.load_county(path)
    result = vr.plan(county, time_limit=2.0)
    assert vr.validate_plan(result.problem, result) == []
    assert not result.unserved
    naive = vr.plan(county, "naive")
    assert result.summary()["per_parcel_cost"] < naive.summary()["per_parcel_cost"]
