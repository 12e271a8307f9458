"""The county file: one GeoJSON FeatureCollection with roads, stations and settings.

Layout (full reference in ``docs/format.md``)::

    {"type": "FeatureCollection",
     "settings": {...},                                   # optional, see settings.py
     "features": [
        {"type": "Feature", "geometry": {"type": "LineString", ...},
         "properties": {"highway": "track", "surface": "gravel"}},     # a road
        {"type": "Feature", "geometry": {"type": "Point", ...},
         "properties": {"id": "v-012", "kind": "station", "down_parcels": 14}},  # a station
     ]}

Decisions
---------
* A road without a ``highway`` property (or with ``null`` or ``""``) is taken as
  ``highway=unclassified``: a hand-drawn road in a county file is meant to be driven, and
  ``unclassified`` (a minor public road, like most township roads) gives it a moderate
  rural speed rather than a trunk-road one.
* Road properties become string tags: ``null`` values are dropped, ``true``/``false``
  become ``"yes"``/``"no"`` (OSM style), whole floats lose their ``.0`` (``60.0`` ->
  ``"60"``), lists are joined with ``;`` (OSM multi-values), objects become JSON text.
* A ``crs`` member must declare WGS-84 lon/lat. CGCS2000 (``EPSG:4490``, the Chinese
  national datum) is accepted as well: it differs from WGS-84 by well under a metre,
  far below the snapping tolerance.
* Vertex elevations (a third coordinate) must be plausible metres, -500..9000.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from villageroute.errors import InputError
from villageroute.settings import Settings, _show, settings_from_json
from villageroute.stations import Station, feature_label, lonlat_problem, stations_from_features
from villageroute.ways import Way

__all__ = ["CountyFile", "load_feature_collection", "read_county_geojson", "ways_from_features"]

_LINE_TYPES = frozenset({"LineString", "MultiLineString"})
_DEFAULT_HIGHWAY = "unclassified"
_Z_RANGE = (-500.0, 9000.0)

# CRS names meaning lon/lat on WGS-84 (or CGCS2000, equal to it within a metre).
# urn:ogc:def:crs:EPSG::4326 officially has lat/lon axis order, but GeoJSON 2008 files
# that declare it are written lon/lat in practice; so are the EPSG:4490 ones.
_LONLAT_CRS = [
    re.compile(p)
    for p in (
        r"epsg:(4326|4490)",
        r"urn:ogc:def:crs:epsg:[0-9.]*:(4326|4490)",
        r"(urn:ogc:def:crs:)?ogc:[0-9.]*:crs84",
        r"(ogc:)?crs84",
        r"https?://www\.opengis\.net/def/crs/epsg/[0-9.]+/(4326|4490)",
        r"https?://www\.opengis\.net/def/crs/ogc/[0-9.]+/crs84",
    )
]


@dataclass(frozen=True)
class CountyFile:
    """A county file as read: its roads, stations, settings and where it came from."""

    ways: list[Way]
    stations: list[Station]
    settings: Settings
    path: str


def read_county_geojson(path: str | os.PathLike[str]) -> CountyFile:
    """Read and check a county file.

    Raises
    ------
    InputError
        One line naming file, feature and field, for: a missing or unreadable file, text
        that is not UTF-8 JSON (with line and column), a top level that is not a
        FeatureCollection, a non-lon/lat ``crs``, projected-looking coordinates, features
        without geometry or with a geometry other than Point, LineString and
        MultiLineString, bad roads or stations (see :func:`ways_from_features` and
        :func:`~villageroute.stations.stations_from_features`), bad ``settings`` and a file
        without roads.
    """
    file = os.fspath(path)
    data, crs_declared = load_feature_collection(path)
    settings = settings_from_json(data.get("settings"), file=file)
    roads: list[tuple[int, Mapping[str, Any]]] = []
    points: list[tuple[int, Mapping[str, Any]]] = []
    for i, feature in enumerate(data["features"]):
        label = feature_label("feature", i, _feature_id(feature), what="id")
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise InputError(
                f"must be a GeoJSON Feature object, got {_describe(feature)}",
                file=file,
                feature=label,
            )
        geometry = feature.get("geometry")
        if geometry is None:
            raise InputError(
                "has no geometry (null): a road needs a LineString, a station a Point",
                file=file,
                feature=label,
                field="geometry",
            )
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if kind in _LINE_TYPES:
            roads.append((i, feature))
        elif kind == "Point":
            points.append((i, feature))
        else:
            raise InputError(
                f"unsupported geometry type {kind!r}: a county file holds roads (LineString, "
                "MultiLineString) and stations (Point)",
                file=file,
                feature=label,
                field="geometry",
            )
    if not roads:
        raise InputError("no roads (LineString features)", file=file)
    ways = ways_from_features(
        [f for _, f in roads],
        file=file,
        indices=[i for i, _ in roads],
        crs_declared=crs_declared,
    )
    stations = stations_from_features(
        [f for _, f in points],
        settings=settings,
        file=file,
        indices=[i for i, _ in points],
        crs_declared=crs_declared,
    )
    return CountyFile(ways=ways, stations=stations, settings=settings, path=file)


def load_feature_collection(path: str | os.PathLike[str]) -> tuple[dict[str, Any], bool]:
    """Load a GeoJSON FeatureCollection; return it and whether it declares a lon/lat CRS.

    Checks only the outer layout (a JSON object of type FeatureCollection with a
    ``features`` list) and the ``crs`` member.
    """
    file = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a GeoJSON file", file=file) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=file) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); GeoJSON must "
            "be UTF-8: save the file as UTF-8 (tools on Chinese Windows often write GBK)",
            file=file,
        ) from None
    if not text.strip():
        raise InputError("the file is empty (expected a GeoJSON FeatureCollection)", file=file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", file=file
        ) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", file=file) from None
    if not isinstance(data, dict):
        raise InputError(
            f"expected a GeoJSON FeatureCollection object, got {_describe(data)}", file=file
        )
    if data.get("type") != "FeatureCollection":
        raise InputError(
            f"expected a GeoJSON FeatureCollection, got type {data.get('type')!r}",
            file=file,
            field="type",
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(
            f"must be a list of features, got {_describe(features)}", file=file, field="features"
        )
    return data, _crs_is_declared(data.get("crs"), file=file)


def _crs_is_declared(crs: object, *, file: str) -> bool:
    """``False`` if no CRS is declared, ``True`` if a lon/lat one is; else InputError."""
    if crs is None:
        return False
    name: object = crs
    if isinstance(crs, Mapping):
        properties = crs.get("properties")
        name = properties.get("name") if isinstance(properties, Mapping) else None
        if crs.get("type") != "name" or not isinstance(name, str):
            raise InputError(
                'unsupported crs member; expected a named CRS like {"type": "name", '
                '"properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}} or none at all',
                file=file,
                field="crs",
            )
    if not isinstance(name, str):
        raise InputError(f"unsupported crs member {_describe(crs)}", file=file, field="crs")
    normal = name.strip().lower()
    if any(p.fullmatch(normal) for p in _LONLAT_CRS):
        return True
    raise InputError(
        f"crs {name!r}{_crs_title(name)} is not WGS-84 lon/lat; reproject the file to "
        "EPSG:4326 (e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson)",
        file=file,
        field="crs",
    )


def _crs_title(name: str) -> str:
    try:
        import pyproj

        return f" ({pyproj.CRS.from_user_input(name).name})"
    except Exception:
        return ""


def ways_from_features(
    features: Sequence[Mapping[str, Any]],
    *,
    file: str | os.PathLike[str] | None,
    indices: Sequence[int] | None = None,
    crs_declared: bool = False,
) -> list[Way]:
    """Turn GeoJSON LineString/MultiLineString features into :class:`Way` objects.

    Each LineString gives one way, each part of a MultiLineString one way. Coordinates
    may carry a third value, the elevation in metres, on every vertex of a feature or on
    none. Tags are the properties as strings (see the module notes); ``highway``
    defaults to ``"unclassified"``. ``node_ids`` is ``None``: ways connect where they
    share coordinates. ``source`` is ``"feature 12"`` (``"feature 12 part 2"`` for the
    second part of a MultiLineString), numbered by ``indices`` (the positions in the
    original FeatureCollection; default ``0, 1, 2...``).

    Raises
    ------
    InputError
        For a feature that is not a line, has fewer than 2 vertices, has non-numeric,
        non-finite or out-of-range coordinates, mixes vertices with and without
        elevation, or has implausible elevations.
    """
    if indices is None:
        indices = range(len(features))
    if len(indices) != len(features):
        raise ValueError("indices must have one entry per feature")
    ways: list[Way] = []
    for index, feature in zip(indices, features, strict=True):
        ident = _feature_id(feature)
        label = feature_label("feature", index, ident, what="road")

        def where(key: str | None, label: str = label) -> dict[str, Any]:
            return {"file": file, "feature": label, "field": key}

        if not isinstance(feature, Mapping):
            raise InputError(
                f"must be a GeoJSON Feature object, got {_describe(feature)}", **where(None)
            )
        geometry = feature.get("geometry")
        if not isinstance(geometry, Mapping):
            raise InputError("has no geometry: a road needs a LineString", **where("geometry"))
        kind = geometry.get("type")
        coordinates = geometry.get("coordinates")
        if kind == "LineString":
            parts = [coordinates]
        elif kind == "MultiLineString":
            if not _is_sequence(coordinates) or not coordinates:
                raise InputError(
                    f"must be a non-empty list of lines, got {_show(coordinates)}",
                    **where("geometry.coordinates"),
                )
            parts = coordinates
        else:
            raise InputError(
                f"a road must be a LineString or MultiLineString, got geometry type {kind!r}",
                **where("geometry"),
            )
        tags = _tags(feature.get("properties"), where=where)
        arrays = [
            _line_array(
                part, where=where, crs_declared=crs_declared, part=k if len(parts) > 1 else None
            )
            for k, part in enumerate(parts)
        ]
        dims = {a.shape[1] for a in arrays}
        if len(dims) > 1:
            raise InputError(
                "some parts have elevations (a third coordinate) and some do not: give it on "
                "every vertex or on none",
                **where("geometry.coordinates"),
            )
        source = f"feature {index}"
        for k, array in enumerate(arrays):
            ways.append(
                Way(
                    lon=np.ascontiguousarray(array[:, 0]),
                    lat=np.ascontiguousarray(array[:, 1]),
                    tags=dict(tags),
                    node_ids=None,
                    z=np.ascontiguousarray(array[:, 2]) if array.shape[1] == 3 else None,
                    source=source if len(arrays) == 1 else f"{source} part {k + 1}",
                )
            )
    return ways


def _line_array(
    coordinates: object, *, where: Any, crs_declared: bool, part: int | None
) -> np.ndarray:
    """Check one line's coordinates; return them as a float array of shape (k, 2 or 3)."""
    field = "geometry.coordinates" if part is None else f"geometry.coordinates[{part}]"
    in_part = "" if part is None else f"part {part + 1}: "
    if not _is_sequence(coordinates):
        raise InputError(
            f"{in_part}must be a list of positions, got {_show(coordinates)}", **where(field)
        )
    if len(coordinates) < 2:
        raise InputError(
            f"{in_part}a line needs at least 2 vertices, got {len(coordinates)}", **where(field)
        )
    try:
        array = np.array(coordinates)
    except (ValueError, TypeError):
        array = None
    if (
        array is None
        or array.ndim != 2
        or array.dtype.kind not in "iuf"
        or array.shape[1] not in (2, 3)
    ):
        _raise_bad_position(coordinates, where=where, field=field, in_part=in_part)
    array = array.astype(np.float64)
    finite = np.isfinite(array).all(axis=1)
    in_range = (np.abs(array[:, 0]) <= 180.0) & (np.abs(array[:, 1]) <= 90.0)
    bad = ~(finite & in_range)
    if bad.any():
        k = int(np.argmax(bad))
        x, y = float(array[k, 0]), float(array[k, 1])
        problem = lonlat_problem(x, y, crs_declared=crs_declared)
        if problem is None:  # a non-finite elevation
            problem = f"elevation {array[k, 2]} is not a finite number"
        raise InputError(f"{in_part}vertex {k}: {problem}", **where(field))
    if array.shape[1] == 3:
        z = array[:, 2]
        low, high = _Z_RANGE
        out = (z < low) | (z > high)
        if out.any():
            k = int(np.argmax(out))
            raise InputError(
                f"{in_part}vertex {k}: elevation {z[k]} m is not plausible (expected metres in "
                f"{low:g}..{high:g}; feet or a swapped coordinate?)",
                **where(field),
            )
    if (array[:, :2] == array[0, :2]).all():
        raise InputError(
            f"{in_part}all vertices are the same point: the road has no length", **where(field)
        )
    return array


def _raise_bad_position(
    coordinates: Sequence[Any], *, where: Any, field: str, in_part: str
) -> None:
    dims = None
    for k, position in enumerate(coordinates):
        if (
            not _is_sequence(position)
            or len(position) not in (2, 3)
            or any(isinstance(c, bool) or not isinstance(c, numbers.Real) for c in position)
        ):
            raise InputError(
                f"{in_part}vertex {k}: must be [lon, lat] or [lon, lat, elevation] numbers, got "
                f"{_show(position)}",
                **where(field),
            )
        if dims is None:
            dims = len(position)
        elif len(position) != dims:
            has, lacks = (k, 0) if len(position) == 3 else (0, k)
            raise InputError(
                f"{in_part}vertex {has} has an elevation (a third coordinate) but vertex {lacks} "
                "does not: give it on every vertex or on none",
                **where(field),
            )
    raise InputError(f"{in_part}must be a list of [lon, lat] positions", **where(field))


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _tags(properties: object, *, where: Any) -> dict[str, str]:
    if properties is None:
        properties = {}
    if not isinstance(properties, Mapping):
        raise InputError(f"must be a JSON object, got {_show(properties)}", **where("properties"))
    tags = {str(k): _tag_text(v) for k, v in properties.items() if v is not None}
    if not tags.get("highway", "").strip():
        tags["highway"] = _DEFAULT_HIGHWAY
    return tags


def _tag_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ";".join(_tag_text(v) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _feature_id(feature: object) -> object:
    """The id of a feature for labels: properties ``id``, else the top-level ``id``."""
    if not isinstance(feature, Mapping):
        return None
    properties = feature.get("properties")
    if isinstance(properties, Mapping) and properties.get("id") is not None:
        return properties["id"]
    return feature.get("id")


def _describe(value: object) -> str:
    if isinstance(value, list):
        return "a JSON list"
    if isinstance(value, dict):
        return f"a JSON object of type {value.get('type')!r}"
    return _show(value)
