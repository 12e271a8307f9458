"""Fleet and cost settings of a county plan: the ``settings`` member of a county file.

A county file (see ``docs/format.md``) carries one JSON object ``settings`` next to its
features. :func:`settings_from_json` turns it into a validated, immutable
:class:`Settings`; every key is optional and falls back to a default chosen for a
mountain county in China. Unknown keys are errors, so that a typo such as
``"kg_per_up_parcels"`` is reported instead of silently ignored.

:class:`Settings` and :class:`VehicleType` validate themselves on construction as well, so
settings built in code get the same checks (reported without a file name).

This module also owns the ``"HH:MM"`` time parser, :func:`parse_hhmm`, shared with
:mod:`villageroute.stations` (which re-exports it).
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from os import PathLike
from typing import Any

from villageroute.errors import InputError
from villageroute.ways import DRIVABLE_HIGHWAYS

__all__ = [
    "DEFAULT_FLEET",
    "Settings",
    "VehicleType",
    "format_hhmm",
    "parse_hhmm",
    "settings_from_json",
    "settings_to_json",
]

_File = str | PathLike[str] | None

# --------------------------------------------------------------------------------------
# Times of day
# --------------------------------------------------------------------------------------

_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_hhmm(
    text: object,
    *,
    file: _File = None,
    feature: str | None = None,
    field: str | None = None,
) -> int:
    """Parse a time of day ``"HH:MM"`` (or ``"H:MM"``) into minutes after midnight.

    ``"24:00"`` is accepted (1440, the end of the day, useful as a closing time).

    Raises
    ------
    InputError
        If ``text`` is not a string of that form or not a time between 00:00 and 24:00;
        the error names ``file``, ``feature`` and ``field``.
    """
    where = {"file": file, "feature": feature, "field": field}
    if not isinstance(text, str):
        raise InputError(
            f"must be a time 'HH:MM' (a string such as '07:30'), got {_show(text)}", **where
        )
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        raise InputError(f"must be a time 'HH:MM' (such as '07:30'), got {text!r}", **where)
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise InputError(f"{text!r} is not a time of day between 00:00 and 24:00", **where)
    return hours * 60 + minutes


def format_hhmm(minutes: int) -> str:
    """Format minutes after midnight as ``"HH:MM"`` (1440 -> ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------------------
# Validation shared by the constructors and the JSON reader
# --------------------------------------------------------------------------------------


def _vehicle_values(
    values: Mapping[str, Any], *, prefix: str, file: _File, feature: str | None = None
) -> dict[str, Any]:
    """Check and normalise the fields of one vehicle type; return them."""

    def where(key: str) -> dict[str, Any]:
        return {"file": file, "feature": feature, "field": f"{prefix}{key}"}

    name = values["name"]
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"must be a non-empty string, got {_show(name)}", **where("name"))
    out: dict[str, Any] = {"name": name}
    out["count"] = _as_int(values["count"], **where("count"))
    if out["count"] < 0:
        raise InputError(f"must be >= 0, got {out['count']}", **where("count"))
    out["capacity_kg"] = _as_float(values["capacity_kg"], **where("capacity_kg"))
    out["capacity_parcels"] = _as_int(values["capacity_parcels"], **where("capacity_parcels"))
    for key in ("capacity_kg", "capacity_parcels"):
        if out[key] <= 0:
            raise InputError(f"must be > 0, got {out[key]}", **where(key))
    for key in ("cost_per_km", "cost_per_hour", "cost_per_day"):
        out[key] = _as_float(values[key], **where(key))
        if out[key] < 0:
            raise InputError(f"must be >= 0, got {out[key]}", **where(key))
    shift = _as_float(values["max_shift_hours"], **where("max_shift_hours"))
    if not 0 < shift <= 24:
        raise InputError(f"must be in (0, 24] hours, got {shift}", **where("max_shift_hours"))
    out["max_shift_hours"] = shift
    cold = values["cold_chain"]
    if not isinstance(cold, bool):
        raise InputError(f"must be true or false, got {_show(cold)}", **where("cold_chain"))
    out["cold_chain"] = cold
    return out


def _settings_values(values: Mapping[str, Any], *, file: _File) -> dict[str, Any]:
    """Check and normalise the fields of :class:`Settings`; return them."""

    def where(key: str) -> dict[str, Any]:
        return {"file": file, "field": f"settings.{key}"}

    out: dict[str, Any] = {}
    for key in ("name", "currency"):
        value = values[key]
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"must be a non-empty string, got {_show(value)}", **where(key))
        out[key] = value
    start = parse_hhmm(values["day_start"], **where("day_start"))
    end = parse_hhmm(values["day_end"], **where("day_end"))
    if end <= start:
        raise InputError(
            f"the day ends ({values['day_end']}) before it starts ({values['day_start']})",
            **where("day_end"),
        )
    out["day_start"], out["day_end"] = values["day_start"].strip(), values["day_end"].strip()
    for key in ("kg_per_down_parcel", "kg_per_up_parcel", "snap_warn_m", "snap_max_m"):
        out[key] = _as_float(values[key], **where(key))
        if out[key] <= 0:
            raise InputError(f"must be > 0, got {out[key]}", **where(key))
    if out["snap_max_m"] < out["snap_warn_m"]:
        raise InputError(
            f"must be >= snap_warn_m ({out['snap_warn_m']}), got {out['snap_max_m']}",
            **where("snap_max_m"),
        )
    out["default_service_min"] = _as_float(
        values["default_service_min"], **where("default_service_min")
    )
    if out["default_service_min"] < 0:
        raise InputError(
            f"must be >= 0, got {out['default_service_min']}", **where("default_service_min")
        )
    out["fleet"] = _check_fleet(values["fleet"], file=file)
    out["speeds"] = _number_map(
        values["speeds"],
        key="speeds",
        file=file,
        ok=lambda x: x > 0,
        rule="> 0 km/h",
        known_keys=DRIVABLE_HIGHWAYS,
    )
    out["surface_factors"] = _number_map(
        values["surface_factors"],
        key="surface_factors",
        file=file,
        ok=lambda x: 0 < x <= 1.5,
        rule="in (0, 1.5]",
    )
    return out


def _check_fleet(fleet: object, *, file: _File) -> tuple[VehicleType, ...]:
    where = {"file": file, "field": "settings.fleet"}
    if not isinstance(fleet, Sequence) or isinstance(fleet, (str, bytes)):
        raise InputError(f"must be a sequence of VehicleType, got {_show(fleet)}", **where)
    if not fleet:
        raise InputError("fleet has no vehicles", **where)
    seen: dict[str, int] = {}
    for i, vehicle in enumerate(fleet):
        if not isinstance(vehicle, VehicleType):
            raise InputError(
                f"must be a VehicleType, got {_show(vehicle)}",
                file=file,
                field=f"settings.fleet[{i}]",
            )
        if vehicle.name in seen:
            raise InputError(
                f"duplicate vehicle name {vehicle.name!r} "
                f"(also settings.fleet[{seen[vehicle.name]}])",
                file=file,
                field=f"settings.fleet[{i}].name",
            )
        seen[vehicle.name] = i
    if sum(v.count for v in fleet) == 0:
        raise InputError("fleet has no vehicles (every count is 0)", **where)
    return tuple(fleet)


def _number_map(
    obj: object,
    *,
    key: str,
    file: _File,
    ok: Any,
    rule: str,
    known_keys: frozenset[str] | None = None,
) -> dict[str, float]:
    if not isinstance(obj, Mapping):
        raise InputError(
            f"must be an object of name: number, got {_show(obj)}",
            file=file,
            field=f"settings.{key}",
        )
    out: dict[str, float] = {}
    for name, value in obj.items():
        field_name = f"settings.{key}.{name}"
        if not isinstance(name, str) or not name.strip():
            raise InputError("keys must be non-empty strings", file=file, field=field_name)
        if known_keys is not None and name not in known_keys:
            close = difflib.get_close_matches(name, sorted(known_keys), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(
                f"{name!r} is not a drivable OSM highway value{hint} "
                f"(known: {', '.join(sorted(known_keys))})",
                file=file,
                field=field_name,
            )
        number = _as_float(value, file=file, field=field_name)
        if not ok(number):
            raise InputError(f"must be {rule}, got {number}", file=file, field=field_name)
        out[name] = number
    return out


def _as_float(value: object, *, file: _File, field: str, feature: str | None = None) -> float:
    """``value`` as a finite float; JSON numbers only (no strings, no booleans)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(
            f"must be a number, got {_show(value)}", file=file, feature=feature, field=field
        )
    number = float(value)
    if not math.isfinite(number):
        raise InputError(
            f"must be a finite number, got {number}", file=file, feature=feature, field=field
        )
    return number


def _as_int(value: object, *, file: _File, field: str, feature: str | None = None) -> int:
    """``value`` as an int; whole floats such as ``3.0`` are accepted."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    number = _as_float(value, file=file, field=field, feature=feature)
    if not number.is_integer():
        raise InputError(
            f"must be a whole number, got {number}", file=file, feature=feature, field=field
        )
    return int(number)


def _show(value: object) -> str:
    """A short description of a wrong value for an error message."""
    if isinstance(value, str):
        text = repr(value)
        return (text[:40] + "...'") if len(text) > 44 else text + " (a string)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    if len(text) > 40:
        text = text[:40] + "..."
    return f"{text} ({type(value).__name__})"


# --------------------------------------------------------------------------------------
# Defaults, each with the reason it fits a mountain county in China
# --------------------------------------------------------------------------------------

#: Village stations (mostly a shop or the village committee) open around 07:00.
DEFAULT_DAY_START = "07:00"
#: Mountain roads without lighting are not driven after dusk: vans are back by 19:00.
DEFAULT_DAY_END = "19:00"
#: Average downlink e-commerce parcel to a village (clothes, daily goods): about 2 kg.
DEFAULT_KG_PER_DOWN_PARCEL = 2.0
#: Average uplink produce box (fruit, mushrooms, tea, honey) is 5-10 kg: take 7.5 kg.
DEFAULT_KG_PER_UP_PARCEL = 7.5
#: A stop takes about 5 min: park, hand over a bag of parcels, scan, load produce boxes.
DEFAULT_SERVICE_MIN = 5.0
#: GPS points of village shops are often off the road by 100-200 m; beyond 300 m, check.
DEFAULT_SNAP_WARN_M = 300.0
#: Beyond 2 km from any drivable road, a station cannot be served by van (walk or porter).
DEFAULT_SNAP_MAX_M = 2000.0


@dataclass(frozen=True)
class VehicleType:
    """A group of identical vehicles of the county fleet.

    Attributes
    ----------
    name
        Unique name of the type, e.g. ``"light_van"``.
    count
        How many vehicles of this type are available per day (``>= 0``).
    capacity_kg, capacity_parcels
        Payload limits (``> 0``); both apply at the same time.
    cost_per_km
        Variable cost per km driven (fuel, tyres, wear), in the settings' currency.
    cost_per_hour
        Cost per hour on duty (driver wage).
    cost_per_day
        Fixed cost of using one vehicle on a day (depreciation, insurance, parking).
    max_shift_hours
        Longest working day of one vehicle and its driver, in ``(0, 24]``.
    cold_chain
        Whether the vehicle is refrigerated (may carry fresh produce with a deadline).
    """

    name: str
    count: int
    capacity_kg: float
    capacity_parcels: int
    cost_per_km: float
    cost_per_hour: float
    cost_per_day: float
    max_shift_hours: float
    cold_chain: bool = False

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        name = values["name"]
        label = f"vehicle {name!r}" if isinstance(name, str) else "vehicle"
        for key, value in _vehicle_values(values, prefix="", file=None, feature=label).items():
            object.__setattr__(self, key, value)


#: Light van like a Wuling Rongguang: ~750 kg payload / ~100 parcels; fuel ~0.6 CNY/km +
#: tyres and wear on mountain roads ~0.6 CNY/km; driver ~30 CNY/h; ~120 CNY per day used
#: (depreciation, insurance, parking); 10 h shift. Four of them for a county.
LIGHT_VAN = VehicleType(
    name="light_van",
    count=4,
    capacity_kg=750.0,
    capacity_parcels=100,
    cost_per_km=1.2,
    cost_per_hour=30.0,
    cost_per_day=120.0,
    max_shift_hours=10.0,
)
#: One refrigerated light van for fresh produce: the insulated box and cooling unit cost
#: ~250 kg of payload (500 kg, 60 boxes), the unit burns extra fuel (1.8 CNY/km), and the
#: dearer vehicle costs ~200 CNY per day used; the driver gets a little more (35 CNY/h).
COLD_VAN = VehicleType(
    name="cold_van",
    count=1,
    capacity_kg=500.0,
    capacity_parcels=60,
    cost_per_km=1.8,
    cost_per_hour=35.0,
    cost_per_day=200.0,
    max_shift_hours=10.0,
    cold_chain=True,
)
DEFAULT_FLEET: tuple[VehicleType, ...] = (LIGHT_VAN, COLD_VAN)


@dataclass(frozen=True)
class Settings:
    """Fleet, cost and modelling settings of one county.

    All defaults are documented in ``docs/format.md`` with their reasons.
    ``speeds`` overrides the travel speed (km/h) per OSM ``highway`` value and
    ``surface_factors`` the speed factor per OSM ``surface`` value; see ``docs/graph.md``.
    """

    name: str = "county"
    currency: str = "CNY"
    day_start: str = DEFAULT_DAY_START
    day_end: str = DEFAULT_DAY_END
    kg_per_down_parcel: float = DEFAULT_KG_PER_DOWN_PARCEL
    kg_per_up_parcel: float = DEFAULT_KG_PER_UP_PARCEL
    default_service_min: float = DEFAULT_SERVICE_MIN
    fleet: tuple[VehicleType, ...] = DEFAULT_FLEET
    speeds: Mapping[str, float] = field(default_factory=dict)
    surface_factors: Mapping[str, float] = field(default_factory=dict)
    snap_warn_m: float = DEFAULT_SNAP_WARN_M
    snap_max_m: float = DEFAULT_SNAP_MAX_M

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in _settings_values(values, file=None).items():
            object.__setattr__(self, key, value)

    @property
    def day_start_min(self) -> int:
        """``day_start`` in minutes after midnight."""
        return parse_hhmm(self.day_start)

    @property
    def day_end_min(self) -> int:
        """``day_end`` in minutes after midnight."""
        return parse_hhmm(self.day_end)


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------

_SETTINGS_KEYS = tuple(f.name for f in fields(Settings))
_VEHICLE_KEYS = tuple(f.name for f in fields(VehicleType))
_VEHICLE_REQUIRED = tuple(k for k in _VEHICLE_KEYS if k != "cold_chain")


def settings_from_json(obj: Mapping[str, Any] | None, *, file: _File) -> Settings:
    """Build :class:`Settings` from the ``settings`` member of a county file.

    ``None`` (member absent) gives the defaults. Every key is optional except that each
    fleet vehicle must give every :class:`VehicleType` field but ``cold_chain``.

    Raises
    ------
    InputError
        For unknown keys, wrong types and out-of-range values, naming the field like
        ``settings.fleet[1].capacity_kg``.
    """
    if obj is None:
        return Settings()
    if not isinstance(obj, Mapping):
        raise InputError(f"must be a JSON object, got {_show(obj)}", file=file, field="settings")
    _reject_unknown(obj, _SETTINGS_KEYS, prefix="settings.", file=file, what="setting")
    defaults = Settings()
    values: dict[str, Any] = {f.name: getattr(defaults, f.name) for f in fields(Settings)}
    values.update(obj)
    if "fleet" in obj:
        values["fleet"] = _fleet_from_json(obj["fleet"], file=file)
    checked = _settings_values(values, file=file)
    return Settings(**checked)


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """Return ``settings`` as a JSON-ready dict; :func:`settings_from_json` reads it back."""
    return {
        "name": settings.name,
        "currency": settings.currency,
        "day_start": settings.day_start,
        "day_end": settings.day_end,
        "kg_per_down_parcel": settings.kg_per_down_parcel,
        "kg_per_up_parcel": settings.kg_per_up_parcel,
        "default_service_min": settings.default_service_min,
        "fleet": [{f.name: getattr(v, f.name) for f in fields(v)} for v in settings.fleet],
        "speeds": dict(settings.speeds),
        "surface_factors": dict(settings.surface_factors),
        "snap_warn_m": settings.snap_warn_m,
        "snap_max_m": settings.snap_max_m,
    }


def _fleet_from_json(obj: object, *, file: _File) -> tuple[VehicleType, ...]:
    if not isinstance(obj, Sequence) or isinstance(obj, (str, bytes)):
        raise InputError(
            f"must be a list of vehicle objects, got {_show(obj)}",
            file=file,
            field="settings.fleet",
        )
    if not obj:
        raise InputError("fleet has no vehicles", file=file, field="settings.fleet")
    fleet = []
    for i, item in enumerate(obj):
        prefix = f"settings.fleet[{i}]."
        if not isinstance(item, Mapping):
            raise InputError(
                f"must be a vehicle object, got {_show(item)}", file=file, field=prefix[:-1]
            )
        _reject_unknown(item, _VEHICLE_KEYS, prefix=prefix, file=file, what="vehicle key")
        missing = [k for k in _VEHICLE_REQUIRED if k not in item]
        if missing:
            raise InputError(
                f"missing required key(s) {', '.join(missing)} (every vehicle gives "
                f"{', '.join(_VEHICLE_REQUIRED)}; cold_chain is optional)",
                file=file,
                field=prefix[:-1],
            )
        values = {"cold_chain": False, **item}
        fleet.append(VehicleType(**_vehicle_values(values, prefix=prefix, file=file)))
    return tuple(fleet)


def _reject_unknown(
    obj: Mapping[Any, Any], known: Sequence[str], *, prefix: str, file: _File, what: str
) -> None:
    for key in obj:
        if key in known:
            continue
        hint = ""
        if isinstance(key, str):
            close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean {close[0]!r}?"
        raise InputError(
            f"unknown {what}{hint} (known: {', '.join(known)})",
            file=file,
            field=f"{prefix}{key}",
        )
