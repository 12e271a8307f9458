"""Tests of villageroute.settings: defaults, JSON round-trips and validation."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from villageroute.errors import InputError
from villageroute.settings import (
    DEFAULT_FLEET,
    Settings,
    VehicleType,
    format_hhmm,
    parse_hhmm,
    settings_from_json,
    settings_to_json,
)

FILE = "county.geojson"


def vehicle(**changes: Any) -> dict[str, Any]:
    """A valid fleet vehicle as JSON."""
    base = {
        "name": "van",
        "count": 3,
        "capacity_kg": 750,
        "capacity_parcels": 100,
        "cost_per_km": 1.2,
        "cost_per_hour": 30,
        "cost_per_day": 120,
        "max_shift_hours": 10,
    }
    base.update(changes)
    return base


def valid_settings() -> dict[str, Any]:
    """A valid settings member with a two-vehicle fleet."""
    return {
        "name": "Test county",
        "currency": "CNY",
        "day_start": "07:30",
        "day_end": "18:00",
        "kg_per_down_parcel": 2.5,
        "kg_per_up_parcel": 6,
        "default_service_min": 4,
        "fleet": [vehicle(), vehicle(name="cold", count=1, capacity_kg=500, cold_chain=True)],
        "speeds": {"track": 10, "unclassified": 30},
        "surface_factors": {"gravel": 0.6, "asphalt": 1.0},
        "snap_warn_m": 250,
        "snap_max_m": 1500,
    }


# -- defaults ---------------------------------------------------------------------------


def test_defaults_fit_a_mountain_county() -> None:
    s = Settings()
    assert (s.name, s.currency) == ("county", "CNY")
    assert (s.day_start, s.day_end) == ("07:00", "19:00")
    assert (s.day_start_min, s.day_end_min) == (420, 1140)
    assert s.kg_per_down_parcel == 2.0
    assert 5.0 <= s.kg_per_up_parcel <= 10.0
    assert s.default_service_min == 5.0
    assert s.fleet == DEFAULT_FLEET
    assert dict(s.speeds) == {} and dict(s.surface_factors) == {}
    assert (s.snap_warn_m, s.snap_max_m) == (300.0, 2000.0)


def test_default_fleet_is_light_vans_and_one_cold_chain_van() -> None:
    vans = [v for v in DEFAULT_FLEET if not v.cold_chain]
    cold = [v for v in DEFAULT_FLEET if v.cold_chain]
    assert len(vans) == 1 and len(cold) == 1
    van, reefer = vans[0], cold[0]
    assert 700 <= van.capacity_kg <= 800 and 80 <= van.capacity_parcels <= 120
    assert 1.0 <= van.cost_per_km <= 1.5 and 25 <= van.cost_per_hour <= 35
    assert 100 <= van.cost_per_day <= 150 and van.max_shift_hours == 10
    assert van.count >= 1 and reefer.count == 1
    assert reefer.capacity_kg < van.capacity_kg
    assert reefer.cost_per_km > van.cost_per_km and reefer.cost_per_day > van.cost_per_day


@pytest.mark.parametrize("obj", [None, {}])
def test_absent_or_empty_settings_give_defaults(obj: Any) -> None:
    assert settings_from_json(obj, file=FILE) == Settings()


def test_partial_settings_keep_other_defaults() -> None:
    s = settings_from_json({"kg_per_up_parcel": 8, "speeds": {"track": 12}}, file=FILE)
    assert s.kg_per_up_parcel == 8.0 and isinstance(s.kg_per_up_parcel, float)
    assert dict(s.speeds) == {"track": 12.0}
    assert s.fleet == DEFAULT_FLEET and s.day_start == "07:00"


def test_full_settings_are_read() -> None:
    s = settings_from_json(valid_settings(), file=FILE)
    assert s.name == "Test county" and s.day_start_min == 450 and s.day_end_min == 1080
    assert [v.name for v in s.fleet] == ["van", "cold"]
    assert s.fleet[1].cold_chain and not s.fleet[0].cold_chain
    assert s.fleet[0].capacity_kg == 750.0 and isinstance(s.fleet[0].capacity_kg, float)
    assert isinstance(s.fleet[0].count, int)
    assert dict(s.surface_factors) == {"gravel": 0.6, "asphalt": 1.0}
    assert (s.snap_warn_m, s.snap_max_m) == (250.0, 1500.0)


def test_whole_float_count_is_accepted() -> None:
    s = settings_from_json({"fleet": [vehicle(count=2.0, capacity_parcels=50.0)]}, file=FILE)
    assert s.fleet[0].count == 2 and isinstance(s.fleet[0].count, int)
    assert s.fleet[0].capacity_parcels == 50


@pytest.mark.parametrize("settings", [Settings(), None])
def test_json_round_trip(settings: Settings | None) -> None:
    if settings is None:
        settings = settings_from_json(valid_settings(), file=FILE)
    as_json = settings_to_json(settings)
    text = json.dumps(as_json)  # JSON-ready
    assert settings_from_json(json.loads(text), file=FILE) == settings


def test_settings_built_in_code_are_checked() -> None:
    with pytest.raises(InputError, match="fleet has no vehicles"):
        Settings(fleet=())
    with pytest.raises(InputError) as info:
        VehicleType("van", 1, 0.0, 10, 1.0, 1.0, 1.0, 8.0)
    assert "vehicle 'van'" in str(info.value) and "field 'capacity_kg'" in str(info.value)
    s = Settings(fleet=[DEFAULT_FLEET[0]])  # a list is accepted and stored as a tuple
    assert s.fleet == (DEFAULT_FLEET[0],)


# -- bad input ----------------------------------------------------------------------------


def _fleet(*vehicles: dict[str, Any]) -> dict[str, Any]:
    return {"fleet": list(vehicles)}


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    # id, settings member, field named, message fragment
    ("unknown-key", {"kg_per_up_parcels": 5}, "settings.kg_per_up_parcels", "kg_per_up_parcel"),
    ("name-number", {"name": 3}, "settings.name", "string"),
    ("name-empty", {"name": " "}, "settings.name", "non-empty"),
    ("currency-null", {"currency": None}, "settings.currency", "string"),
    ("day-start-bad", {"day_start": "7am"}, "settings.day_start", "HH:MM"),
    ("day-end-25h", {"day_end": "25:00"}, "settings.day_end", "00:00 and 24:00"),
    ("day-start-number", {"day_start": 7}, "settings.day_start", "HH:MM"),
    ("day-ends-first", {"day_start": "18:00", "day_end": "08:00"}, "settings.day_end", "before"),
    ("kg-down-zero", {"kg_per_down_parcel": 0}, "settings.kg_per_down_parcel", "> 0"),
    ("kg-up-negative", {"kg_per_up_parcel": -5}, "settings.kg_per_up_parcel", "> 0"),
    ("kg-down-string", {"kg_per_down_parcel": "2"}, "settings.kg_per_down_parcel", "number"),
    ("kg-down-bool", {"kg_per_down_parcel": True}, "settings.kg_per_down_parcel", "number"),
    ("kg-up-nan", {"kg_per_up_parcel": math.nan}, "settings.kg_per_up_parcel", "finite"),
    ("service-negative", {"default_service_min": -1}, "settings.default_service_min", ">= 0"),
    ("fleet-empty", {"fleet": []}, "settings.fleet", "fleet has no vehicles"),
    ("fleet-not-list", {"fleet": "van"}, "settings.fleet", "list"),
    ("fleet-not-object", {"fleet": [3]}, "settings.fleet[0]", "vehicle object"),
    ("fleet-all-zero", _fleet(vehicle(count=0)), "settings.fleet", "fleet has no vehicles"),
    (
        "vehicle-unknown",
        _fleet(vehicle(), vehicle(name="b", capacity=3)),
        "settings.fleet[1].capacity",
        "unknown",
    ),
    (
        "vehicle-typo",
        _fleet(vehicle(cold_chian=True)),
        "settings.fleet[0].cold_chian",
        "cold_chain",
    ),
    ("vehicle-missing", _fleet({"name": "van", "count": 1}), "settings.fleet[0]", "capacity_kg"),
    ("count-negative", _fleet(vehicle(count=-1)), "settings.fleet[0].count", ">= 0"),
    ("count-fraction", _fleet(vehicle(count=1.5)), "settings.fleet[0].count", "whole"),
    ("count-string", _fleet(vehicle(count="2")), "settings.fleet[0].count", "number"),
    (
        "capacity-kg-zero",
        _fleet(vehicle(), vehicle(name="b", capacity_kg=0)),
        "settings.fleet[1].capacity_kg",
        "> 0",
    ),
    (
        "capacity-kg-negative",
        _fleet(vehicle(capacity_kg=-750)),
        "settings.fleet[0].capacity_kg",
        "> 0",
    ),
    (
        "capacity-parcels-zero",
        _fleet(vehicle(capacity_parcels=0)),
        "settings.fleet[0].capacity_parcels",
        "> 0",
    ),
    (
        "cost-km-negative",
        _fleet(vehicle(cost_per_km=-0.1)),
        "settings.fleet[0].cost_per_km",
        ">= 0",
    ),
    (
        "cost-hour-string",
        _fleet(vehicle(cost_per_hour="30")),
        "settings.fleet[0].cost_per_hour",
        "number",
    ),
    (
        "cost-day-negative",
        _fleet(vehicle(cost_per_day=-1)),
        "settings.fleet[0].cost_per_day",
        ">= 0",
    ),
    (
        "shift-zero",
        _fleet(vehicle(max_shift_hours=0)),
        "settings.fleet[0].max_shift_hours",
        "(0, 24]",
    ),
    (
        "shift-25h",
        _fleet(vehicle(max_shift_hours=25)),
        "settings.fleet[0].max_shift_hours",
        "(0, 24]",
    ),
    (
        "cold-chain-string",
        _fleet(vehicle(cold_chain="yes")),
        "settings.fleet[0].cold_chain",
        "true or false",
    ),
    ("vehicle-name-empty", _fleet(vehicle(name="")), "settings.fleet[0].name", "non-empty"),
    ("vehicle-name-duplicate", _fleet(vehicle(), vehicle()), "settings.fleet[1].name", "duplicate"),
    ("speeds-unknown-highway", {"speeds": {"trak": 10}}, "settings.speeds.trak", "track"),
    ("speeds-zero", {"speeds": {"track": 0}}, "settings.speeds.track", "> 0"),
    ("speeds-string", {"speeds": {"track": "10"}}, "settings.speeds.track", "number"),
    ("speeds-not-object", {"speeds": [10]}, "settings.speeds", "object"),
    (
        "surface-zero",
        {"surface_factors": {"gravel": 0}},
        "settings.surface_factors.gravel",
        "(0, 1.5]",
    ),
    (
        "surface-too-big",
        {"surface_factors": {"gravel": 1.6}},
        "settings.surface_factors.gravel",
        "(0, 1.5]",
    ),
    (
        "surface-string",
        {"surface_factors": {"gravel": "fast"}},
        "settings.surface_factors.gravel",
        "number",
    ),
    ("snap-warn-zero", {"snap_warn_m": 0}, "settings.snap_warn_m", "> 0"),
    ("snap-max-negative", {"snap_max_m": -1}, "settings.snap_max_m", "> 0"),
    (
        "snap-max-below-warn",
        {"snap_warn_m": 500, "snap_max_m": 400},
        "settings.snap_max_m",
        "snap_warn_m",
    ),
]


@pytest.mark.parametrize(
    ("obj", "field", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_settings_name_file_and_field(obj: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        settings_from_json(copy.deepcopy(obj), file=FILE)
    error = info.value
    text = str(error)
    assert error.file == FILE and error.field == field
    assert text.startswith(f"{FILE}: ") and f"field '{field}'" in text
    assert fragment in text
    assert "\n" not in text


@pytest.mark.parametrize("obj", [[], "settings", 3])
def test_settings_member_must_be_an_object(obj: Any) -> None:
    with pytest.raises(InputError) as info:
        settings_from_json(obj, file=FILE)
    assert str(info.value).startswith(f"{FILE}: field 'settings': ")


# -- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("7:05", 425),
        ("07:30", 450),
        ("23:59", 1439),
        ("24:00", 1440),
        (" 08:00 ", 480),
    ],
)
def test_parse_hhmm(text: str, minutes: int) -> None:
    assert parse_hhmm(text, file=FILE, feature="f", field="open") == minutes


@pytest.mark.parametrize("text", ["8", "08:60", "24:01", "25:00", "8am", "08:00:00", "", None, 480])
def test_parse_hhmm_rejects(text: Any) -> None:
    with pytest.raises(InputError) as info:
        parse_hhmm(text, file=FILE, feature="feature 3 (station 'a')", field="open")
    assert str(info.value).startswith(f"{FILE}: feature 3 (station 'a'): field 'open': ")


@hypothesis_settings(database=None)
@given(st.integers(0, 1440))
def test_format_hhmm_round_trips(minutes: int) -> None:
    assert parse_hhmm(format_hhmm(minutes)) == minutes


# -- property -------------------------------------------------------------------------------

_positive = st.floats(min_value=0.01, max_value=1e5, allow_nan=False)
_vehicles = st.builds(
    VehicleType,
    name=st.text(min_size=1, max_size=8).filter(str.strip),
    count=st.integers(1, 20),
    capacity_kg=_positive,
    capacity_parcels=st.integers(1, 1000),
    cost_per_km=st.floats(0, 100),
    cost_per_hour=st.floats(0, 500),
    cost_per_day=st.floats(0, 5000),
    max_shift_hours=st.floats(min_value=0.5, max_value=24),
    cold_chain=st.booleans(),
)


@hypothesis_settings(max_examples=50, deadline=None, database=None)
@given(
    fleet=st.lists(_vehicles, min_size=1, max_size=3, unique_by=lambda v: v.name),
    kg_down=_positive,
    kg_up=_positive,
    speeds=st.dictionaries(st.sampled_from(["track", "unclassified", "tertiary"]), _positive),
    factors=st.dictionaries(st.sampled_from(["gravel", "dirt"]), st.floats(0.05, 1.5)),
)
def test_random_settings_round_trip_through_json(
    fleet: list[VehicleType],
    kg_down: float,
    kg_up: float,
    speeds: dict[str, float],
    factors: dict[str, float],
) -> None:
    s = Settings(
        fleet=tuple(fleet),
        kg_per_down_parcel=kg_down,
        kg_per_up_parcel=kg_up,
        speeds=speeds,
        surface_factors=factors,
    )
    back = settings_from_json(json.loads(json.dumps(settings_to_json(s))), file=FILE)
    assert back == s
