"""Stations: the county depot, township hubs and village stations, with their daily demand.

Stations come from GeoJSON Point features (in a county file, see
:mod:`villageroute.countyfile`, or a file of their own) or from a
:class:`geopandas.GeoDataFrame`. Every property is described in ``docs/format.md``.

Decisions
---------
* ``id`` is a string. A whole-number id (JSON ``12``, or an integer column of a
  GeoDataFrame) is converted to its decimal string ``"12"``, because spreadsheet and
  OSM exports write numeric ids; fractional numbers and booleans are rejected. The id
  may also be given as the feature's top-level ``"id"`` member; if both are given they
  must agree.
* ``kind`` defaults to ``"station"`` (most features are village stations).
* A property whose value is ``null`` (or a missing value in a GeoDataFrame) counts as
  absent, so its default applies.
* The times ``open``/``close`` are ``"HH:MM"`` strings; ``open_min``/``close_min``
  (whole minutes after midnight) are accepted as well, which is what
  :func:`stations_to_geodataframe` writes.
* ``lon``/``lat`` properties are optional; if present they must agree with the geometry
  (within 1e-6 degrees).
* An unknown property that is a near-miss of a known one (``down_parcel``, ``Kind``) is
  an error with a "did you mean" hint: a silently ignored typo would plan zero parcels.
  Every other unknown property is kept in :attr:`Station.properties` for round-trips.
* ``up_cold_chain`` must be a JSON boolean (``true``/``false``, a bool column in a
  GeoDataFrame); ``1``, ``"yes"`` and the like are rejected rather than guessed.
* A third coordinate (elevation) of a station Point is ignored.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from villageroute.errors import InputError
from villageroute.settings import (
    DEFAULT_DAY_END,
    DEFAULT_DAY_START,
    DEFAULT_SERVICE_MIN,
    Settings,
    _as_float,
    _as_int,
    _show,
    format_hhmm,
    parse_hhmm,
)

__all__ = [
    "KINDS",
    "Station",
    "feature_label",
    "lonlat_problem",
    "parse_hhmm",
    "read_stations",
    "stations_from_features",
    "stations_to_geodataframe",
]

#: The kinds of station, from the top of the network down.
KINDS = ("depot", "hub", "station")

#: Property names a station feature understands.
KNOWN_PROPERTIES = (
    "id",
    "kind",
    "name",
    "lon",
    "lat",
    "down_parcels",
    "up_parcels",
    "down_kg",
    "up_kg",
    "up_fresh_hours",
    "up_cold_chain",
    "open",
    "close",
    "open_min",
    "close_min",
    "service_min",
)

_File = str | os.PathLike[str] | None
_LONLAT_TOLERANCE = 1e-6
_GDF_FILE = "GeoDataFrame"


@dataclass(frozen=True)
class Station:
    """One depot, township hub or village station.

    Attributes
    ----------
    id
        Unique identifier.
    kind
        ``"depot"`` (the county warehouse, exactly one), ``"hub"`` (township) or
        ``"station"`` (village).
    name
        Display name; the id when not given.
    lon, lat
        WGS-84 degrees.
    down_parcels, up_parcels
        Parcels per day delivered to / collected from the station (``>= 0``).
    down_kg, up_kg
        Weight per day; readers default them to parcels times
        ``Settings.kg_per_down_parcel`` / ``Settings.kg_per_up_parcel``.
    up_fresh_hours
        Collected produce must reach the depot within this many hours (``> 0``), or
        ``None`` when it keeps.
    up_cold_chain
        The collected produce must travel in a cold-chain (refrigerated) vehicle.
    open_min, close_min
        Time window in minutes after midnight (``close_min`` up to 1440); readers
        default them to ``Settings.day_start`` / ``Settings.day_end``.
    service_min
        Minutes spent at the station per visit.
    properties
        Every other property of the input feature, kept for round-trips.
    """

    id: str
    kind: str
    name: str
    lon: float
    lat: float
    down_parcels: int = 0
    up_parcels: int = 0
    down_kg: float = 0.0
    up_kg: float = 0.0
    up_fresh_hours: float | None = None
    up_cold_chain: bool = False
    open_min: int = parse_hhmm(DEFAULT_DAY_START)
    close_min: int = parse_hhmm(DEFAULT_DAY_END)
    service_min: float = DEFAULT_SERVICE_MIN
    properties: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        label = f"station {self.id!r}" if isinstance(self.id, str) else "station"
        _check_station(self, file=None, feature=label)


# --------------------------------------------------------------------------------------
# Helpers shared with countyfile.py
# --------------------------------------------------------------------------------------


def feature_label(
    prefix: str, index: int | object, ident: object = None, what: str = "station"
) -> str:
    """Label a feature for error messages: ``"feature 12 (station 'v-012')"``.

    ``prefix`` is ``"feature"`` or ``"row"``; ``ident`` is the feature's id if it has a
    usable one (a string or a whole number), otherwise only the index is shown.
    """
    label = f"{prefix} {index}"
    if isinstance(ident, str) and ident.strip():
        return f"{label} ({what} {ident!r})"
    if isinstance(ident, numbers.Integral) and not isinstance(ident, bool):
        return f"{label} ({what} '{int(ident)}')"
    return label


def lonlat_problem(x: float, y: float, *, crs_declared: bool) -> str | None:
    """Describe what is wrong with the position ``(x, y)`` as lon/lat, or ``None``.

    Without a declared CRS, out-of-range coordinates are reported as projected (or as
    ``[lat, lon]`` when swapping the two would make them valid).
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        return f"coordinate [{x}, {y}] is not a finite number"
    if -180.0 <= x <= 180.0 and -90.0 <= y <= 90.0:
        return None
    if crs_declared:
        return f"coordinate [{x}, {y}] is out of range (lon -180..180, lat -90..90)"
    base = f"coordinates [{x}, {y}] are not WGS-84 lon/lat (lon -180..180, lat -90..90)"
    if abs(x) <= 90.0 and abs(y) <= 180.0:
        return (
            f"{base}: they look like [lat, lon]; GeoJSON positions are [longitude, latitude], "
            "swap them"
        )
    return (
        f"{base} and no CRS is declared; if they are projected, reproject the data to "
        "EPSG:4326 (e.g. ogr2ogr -t_srs EPSG:4326), or for a GeoDataFrame declare its CRS "
        "with set_crs() so that it is reprojected"
    )


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def stations_from_features(
    features: Sequence[Mapping[str, Any]],
    *,
    settings: Settings,
    file: _File,
    indices: Sequence[int] | None = None,
    crs_declared: bool = False,
) -> list[Station]:
    """Build and check stations from GeoJSON Point features.

    Parameters
    ----------
    features
        GeoJSON ``Feature`` objects with Point geometry.
    settings
        Supplies the defaults (weights per parcel, day window, service time).
    file
        Named in error messages.
    indices
        Index of each feature in the original FeatureCollection, for error messages
        like ``feature 12 (station 'v-012')``; default ``0, 1, 2...``.
    crs_declared
        Whether the file declares a lon/lat CRS (changes only how bad coordinates are
        reported).

    Raises
    ------
    InputError
        On the first bad feature or property, naming file, feature and field; for
        duplicate ids; when there is no depot or more than one.
    """
    if indices is None:
        indices = range(len(features))
    if len(indices) != len(features):
        raise ValueError("indices must have one entry per feature")
    items = [("feature", i, f) for i, f in zip(indices, features, strict=True)]
    return _stations_from_items(items, settings=settings, file=file, crs_declared=crs_declared)


def read_stations(
    source: str | os.PathLike[str] | gpd.GeoDataFrame, *, settings: Settings | None = None
) -> list[Station]:
    """Read stations from a GeoJSON file of Point features or from a GeoDataFrame.

    A file may be a whole county file: LineString/MultiLineString features are skipped,
    and its ``settings`` member is used when ``settings`` is ``None``. A GeoDataFrame is
    reprojected to EPSG:4326 if it has another CRS; without a CRS its coordinates must be
    lon/lat. Errors on GeoDataFrame rows name the file as ``GeoDataFrame`` and the row
    by its index label.
    """
    if isinstance(source, gpd.GeoDataFrame):
        return _stations_from_geodataframe(source, settings=settings or Settings())
    if isinstance(source, pd.DataFrame):
        raise TypeError("a DataFrame without geometry: build a GeoDataFrame with Point geometry")
    from villageroute.countyfile import _LINE_TYPES, load_feature_collection
    from villageroute.settings import settings_from_json

    data, crs_declared = load_feature_collection(source)
    file = os.fspath(source)
    if settings is None:
        settings = settings_from_json(data.get("settings"), file=file)
    features = data["features"]
    kept = [
        (i, f)
        for i, f in enumerate(features)
        if not (
            isinstance(f, Mapping)
            and isinstance(f.get("geometry"), Mapping)
            and f["geometry"].get("type") in _LINE_TYPES
        )
    ]
    return stations_from_features(
        [f for _, f in kept],
        settings=settings,
        file=file,
        indices=[i for i, _ in kept],
        crs_declared=crs_declared,
    )


def _stations_from_geodataframe(gdf: gpd.GeoDataFrame, *, settings: Settings) -> list[Station]:
    crs_declared = gdf.crs is not None
    if gdf.crs is None:
        xy = shapely.get_coordinates(gdf.geometry.to_numpy())
        bad = (np.abs(xy[:, 0]) > 180.0) | (np.abs(xy[:, 1]) > 90.0)
        if bad.any():
            x, y = xy[np.argmax(bad)]
            raise InputError(
                f"the GeoDataFrame has no CRS and coordinates such as [{x}, {y}] are not "
                "WGS-84 lon/lat; declare its CRS with set_crs() (it is then reprojected) or "
                "reproject it to EPSG:4326",
                file=_GDF_FILE,
                field="geometry",
            )
    elif not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    geometry_name = gdf.geometry.name
    columns = [c for c in gdf.columns if c != geometry_name]
    records = gdf[columns].to_dict("records") if columns else [{} for _ in range(len(gdf))]
    items = []
    for label, geom, record in zip(gdf.index, gdf.geometry, records, strict=True):
        properties = {}
        for key, value in record.items():
            value = _python_value(value)
            if value is not None:
                properties[str(key)] = value
        geometry = None if geom is None or geom.is_empty else geom.__geo_interface__
        items.append(
            ("row", label, {"type": "Feature", "geometry": geometry, "properties": properties})
        )
    return _stations_from_items(items, settings=settings, file=_GDF_FILE, crs_declared=crs_declared)


def _python_value(value: object) -> object:
    """A cell value as a plain Python value; missing values (NaN, NA, NaT) as ``None``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _stations_from_items(
    items: Iterable[tuple[str, object, Any]],
    *,
    settings: Settings,
    file: _File,
    crs_declared: bool,
) -> list[Station]:
    defaults = {
        "open_min": settings.day_start_min,
        "close_min": settings.day_end_min,
        "service_min": settings.default_service_min,
        "kg_per_down_parcel": settings.kg_per_down_parcel,
        "kg_per_up_parcel": settings.kg_per_up_parcel,
    }
    stations: list[Station] = []
    where_id: dict[str, str] = {}
    depots: list[tuple[Station, str]] = []
    for prefix, index, feature in items:
        station, label = _station_from_feature(
            prefix, index, feature, defaults=defaults, file=file, crs_declared=crs_declared
        )
        if station.id in where_id:
            raise InputError(
                f"duplicate station id {station.id!r} (also used by {where_id[station.id]})",
                file=file,
                feature=label,
                field="id",
            )
        where_id[station.id] = label
        if station.kind == "depot":
            depots.append((station, label))
            if len(depots) > 1:
                (first, first_label), (second, _) = depots[0], depots[1]
                raise InputError(
                    f"more than one depot: {first.id!r} ({first_label}) and {second.id!r}; "
                    "exactly one station may have kind 'depot'",
                    file=file,
                    feature=label,
                    field="kind",
                )
        stations.append(station)
    if not stations:
        raise InputError("no stations (Point features)", file=file)
    if not depots:
        raise InputError("no depot (a station with kind 'depot')", file=file, field="kind")
    return stations


def _station_from_feature(
    prefix: str,
    index: object,
    feature: Any,
    *,
    defaults: Mapping[str, Any],
    file: _File,
    crs_declared: bool,
) -> tuple[Station, str]:
    if not isinstance(feature, Mapping):
        raise InputError(
            f"must be a GeoJSON Feature object, got {_show(feature)}",
            file=file,
            feature=f"{prefix} {index}",
        )
    raw_props = feature.get("properties")
    if raw_props is None:
        raw_props = {}
    if not isinstance(raw_props, Mapping):
        raise InputError(
            f"must be a JSON object, got {_show(raw_props)}",
            file=file,
            feature=f"{prefix} {index}",
            field="properties",
        )
    props = {k: v for k, v in raw_props.items() if v is not None}
    raw_id = props.get("id", feature.get("id"))
    label = feature_label(prefix, index, raw_id)

    def where(key: str | None) -> dict[str, Any]:
        return {"file": file, "feature": label, "field": key}

    # id ---------------------------------------------------------------------------------
    if "id" in props and feature.get("id") is not None:
        top = _id_text(feature["id"])
        if top != _id_text(props["id"]):
            raise InputError(
                f"property id {props['id']!r} disagrees with the feature id {feature['id']!r}",
                **where("id"),
            )
    ident = _id_text(raw_id)
    if ident is None:
        what = "missing" if raw_id is None else f"must be a non-empty string, got {_show(raw_id)}"
        raise InputError(f"station id {what}", **where("id"))

    # geometry ---------------------------------------------------------------------------
    lon, lat = _point_lonlat(feature.get("geometry"), where=where, crs_declared=crs_declared)

    # unknown keys that look like typos ---------------------------------------------------
    for key in props:
        if key in KNOWN_PROPERTIES or not isinstance(key, str):
            continue
        close = difflib.get_close_matches(key.lower(), KNOWN_PROPERTIES, n=1, cutoff=0.85)
        if close and close[0] not in props:
            raise InputError(
                f"unknown property; did you mean {close[0]!r}? (a misspelt property would be "
                "ignored and its default used)",
                **where(key),
            )

    # plain properties ---------------------------------------------------------------------
    kind = props.get("kind", "station")
    if kind not in KINDS:
        raise InputError(
            f"must be one of 'depot', 'hub', 'station', got {_show(kind)}", **where("kind")
        )
    name = props.get("name", "")
    if isinstance(name, numbers.Real) and not isinstance(name, bool):
        name = str(name)
    if not isinstance(name, str):
        raise InputError(f"must be a string, got {_show(name)}", **where("name"))
    if not name.strip():
        name = ident
    for key, value in (("lon", lon), ("lat", lat)):
        if key in props:
            given = _as_float(props[key], **where(key))
            if abs(given - value) > _LONLAT_TOLERANCE:
                raise InputError(
                    f"property {key}={given} disagrees with the geometry ({value})", **where(key)
                )

    parcels = {}
    for key in ("down_parcels", "up_parcels"):
        parcels[key] = _as_int(props.get(key, 0), **where(key))
        if parcels[key] < 0:
            raise InputError(f"must be >= 0 parcels per day, got {parcels[key]}", **where(key))
    kg = {}
    for key, parcel_key, per in (
        ("down_kg", "down_parcels", defaults["kg_per_down_parcel"]),
        ("up_kg", "up_parcels", defaults["kg_per_up_parcel"]),
    ):
        kg[key] = _as_float(props[key], **where(key)) if key in props else parcels[parcel_key] * per
        if kg[key] < 0:
            raise InputError(f"must be >= 0 kg per day, got {kg[key]}", **where(key))
    fresh = None
    if "up_fresh_hours" in props:
        fresh = _as_float(props["up_fresh_hours"], **where("up_fresh_hours"))
        if fresh <= 0:
            raise InputError(f"must be > 0 hours, got {fresh}", **where("up_fresh_hours"))
    cold = props.get("up_cold_chain", False)
    if not isinstance(cold, bool):
        raise InputError(f"must be true or false, got {_show(cold)}", **where("up_cold_chain"))

    window = {}
    for key, minutes_key in (("open", "open_min"), ("close", "close_min")):
        if key in props and minutes_key in props:
            raise InputError(f"give either {key} or {minutes_key}, not both", **where(key))
        if key in props:
            window[minutes_key] = parse_hhmm(props[key], **where(key))
        elif minutes_key in props:
            window[minutes_key] = _as_int(props[minutes_key], **where(minutes_key))
            if not 0 <= window[minutes_key] <= 1440:
                raise InputError(
                    f"must be in 0..1440 minutes after midnight, got {window[minutes_key]}",
                    **where(minutes_key),
                )
        else:
            window[minutes_key] = defaults[minutes_key]
    if window["close_min"] <= window["open_min"]:
        close_key = "close" if "close" in props else "close_min" if "close_min" in props else None
        open_key = "open" if "open" in props else "open_min" if "open_min" in props else None
        raise InputError(
            f"the window closes before it opens (opens {format_hhmm(window['open_min'])}, closes "
            f"{format_hhmm(window['close_min'])})",
            **where(close_key or open_key or "close"),
        )

    service = defaults["service_min"]
    if "service_min" in props:
        service = _as_float(props["service_min"], **where("service_min"))
        if service < 0:
            raise InputError(f"must be >= 0 minutes, got {service}", **where("service_min"))

    extra = {k: v for k, v in raw_props.items() if k not in KNOWN_PROPERTIES}
    station = Station(
        id=ident,
        kind=kind,
        name=name,
        lon=lon,
        lat=lat,
        down_parcels=parcels["down_parcels"],
        up_parcels=parcels["up_parcels"],
        down_kg=kg["down_kg"],
        up_kg=kg["up_kg"],
        up_fresh_hours=fresh,
        up_cold_chain=cold,
        open_min=window["open_min"],
        close_min=window["close_min"],
        service_min=service,
        properties=extra,
    )
    return station, label


def _id_text(value: object) -> str | None:
    """The id as a string, or ``None`` if it is not a usable id."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return None


def _point_lonlat(geometry: object, *, where: Any, crs_declared: bool) -> tuple[float, float]:
    if geometry is None:
        raise InputError("has no geometry (a station needs a Point)", **where("geometry"))
    if not isinstance(geometry, Mapping):
        raise InputError(
            f"must be a GeoJSON geometry object, got {_show(geometry)}", **where("geometry")
        )
    kind = geometry.get("type")
    if kind != "Point":
        raise InputError(
            f"a station must be a Point, got geometry type {kind!r}", **where("geometry")
        )
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, Sequence)
        or isinstance(coords, str)
        or len(coords) not in (2, 3)
        or any(isinstance(c, bool) or not isinstance(c, numbers.Real) for c in coords)
    ):
        raise InputError(
            f"must be [lon, lat] or [lon, lat, elevation] numbers, got {_show(coords)}",
            **where("geometry.coordinates"),
        )
    lon, lat = float(coords[0]), float(coords[1])
    problem = lonlat_problem(lon, lat, crs_declared=crs_declared)
    if problem is not None:
        raise InputError(problem, **where("geometry.coordinates"))
    return lon, lat


def _check_station(station: Station, *, file: _File, feature: str | None) -> None:
    """Check the fields of a constructed :class:`Station` (types and ranges)."""

    def where(key: str) -> dict[str, Any]:
        return {"file": file, "feature": feature, "field": key}

    if _id_text(station.id) is None or not isinstance(station.id, str):
        raise InputError(f"must be a non-empty string, got {_show(station.id)}", **where("id"))
    if station.kind not in KINDS:
        raise InputError(
            f"must be one of 'depot', 'hub', 'station', got {_show(station.kind)}", **where("kind")
        )
    if not isinstance(station.name, str):
        raise InputError(f"must be a string, got {_show(station.name)}", **where("name"))
    lon = _as_float(station.lon, **where("lon"))
    lat = _as_float(station.lat, **where("lat"))
    problem = lonlat_problem(lon, lat, crs_declared=True)
    if problem is not None:
        raise InputError(problem, **where("lon" if abs(lon) > 180 else "lat"))
    for key in ("down_parcels", "up_parcels"):
        value = getattr(station, key)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise InputError(f"must be a whole number >= 0, got {_show(value)}", **where(key))
    for key in ("down_kg", "up_kg", "service_min"):
        if _as_float(getattr(station, key), **where(key)) < 0:
            raise InputError(f"must be >= 0, got {getattr(station, key)}", **where(key))
    fresh = station.up_fresh_hours
    if fresh is not None and _as_float(fresh, **where("up_fresh_hours")) <= 0:
        raise InputError(
            f"must be > 0 hours, got {station.up_fresh_hours}", **where("up_fresh_hours")
        )
    if not isinstance(station.up_cold_chain, bool):
        raise InputError(
            f"must be true or false, got {_show(station.up_cold_chain)}", **where("up_cold_chain")
        )
    for key in ("open_min", "close_min"):
        value = getattr(station, key)
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or not 0 <= value <= 1440
        ):
            raise InputError(f"must be a whole number in 0..1440, got {_show(value)}", **where(key))
    if station.close_min <= station.open_min:
        raise InputError(
            f"the window closes before it opens (opens {format_hhmm(station.open_min)}, closes "
            f"{format_hhmm(station.close_min)})",
            **where("close_min"),
        )
    if not isinstance(station.properties, Mapping):
        raise InputError(
            f"must be a mapping, got {_show(station.properties)}", **where("properties")
        )


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_COLUMNS = (
    "id",
    "kind",
    "name",
    "lon",
    "lat",
    "down_parcels",
    "up_parcels",
    "down_kg",
    "up_kg",
    "up_fresh_hours",
    "up_cold_chain",
    "open_min",
    "close_min",
    "service_min",
)


def stations_to_geodataframe(stations: Iterable[Station]) -> gpd.GeoDataFrame:
    """One row per station in EPSG:4326, every field a column.

    The columns are the :class:`Station` fields (``lon``/``lat`` included, times as
    ``open_min``/``close_min``), then one column (object dtype, ``None`` where a
    station lacks it) per key of :attr:`Station.properties`, then ``geometry``.
    :func:`read_stations` reads the frame back to equal stations.
    """
    stations = list(stations)
    data: dict[str, Any] = {}
    for column in _COLUMNS:
        values = [getattr(s, column) for s in stations]
        if column == "up_fresh_hours":
            values = [np.nan if v is None else float(v) for v in values]
            data[column] = pd.Series(values, dtype="float64")
        elif column == "up_cold_chain":
            data[column] = pd.Series(values, dtype="bool")
        elif column in ("down_parcels", "up_parcels", "open_min", "close_min"):
            data[column] = pd.Series(values, dtype="int64")
        elif column in ("lon", "lat", "down_kg", "up_kg", "service_min"):
            data[column] = pd.Series(values, dtype="float64")
        else:
            data[column] = pd.Series(values, dtype=object)
    extra_keys: dict[str, None] = {}
    for s in stations:
        extra_keys.update(dict.fromkeys(s.properties))
    for key in extra_keys:
        if key in data or key == "geometry":
            raise ValueError(f"station property {key!r} collides with a column name")
        data[key] = pd.Series([s.properties.get(key) for s in stations], dtype=object)
    geometry = gpd.points_from_xy(
        [s.lon for s in stations], [s.lat for s in stations], crs="EPSG:4326"
    )
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")
