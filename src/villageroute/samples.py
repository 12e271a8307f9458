"""Sample county files built on real Chinese county data with synthetic roads.

The real part comes from ``../shared/data/china_counties`` (beside the repository root):
the county boundary (``fences_gcj02/<code>.geojson``) and the towns and villages of the
administrative division table (``counties/<code>.csv``, columns as in ``adcode.ddl``).
Both are in GCJ-02, the offset datum of Chinese web maps, and are converted to WGS-84
with :func:`gcj02_to_wgs84`.

The synthetic part:

* the **depot** sits at the county seat (the town nearest the county's own point in the
  table), **hubs** at the other towns with coordinates;
* **village stations**: the real villages of the table (at their position when it has
  one, else drawn around their town inside the boundary), then, for larger sizes,
  generated hamlets around the towns;
* **roads**: a minimum spanning tree over depot and hubs (``secondary``/``tertiary``),
  and per township a spanning tree over the hub and its villages (``unclassified`` or
  gravel ``track``) with a few extra links closing loops; every road winds, has a vertex
  every ~150 m, and z values from a smooth terrain in which the towns lie in valleys;
* **demand** from :func:`villageroute.demand.assign_demand`;
* **settings**: the default fleet, with more vans when the day's parcels need them.

Everything is seeded and rounded, and :func:`write_sample_counties` writes sorted keys
with fixed separators, so the files are byte-for-byte reproducible.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree, distance_matrix

from villageroute.demand import assign_demand
from villageroute.network import utm_crs
from villageroute.settings import Settings, settings_to_json
from villageroute.stations import Station

__all__ = [
    "COUNTIES",
    "SIZES",
    "default_shared",
    "gcj02_to_wgs84",
    "make_sample_county",
    "wgs84_to_gcj02",
    "write_sample_counties",
]

#: Station count per sample size (depot and hubs included).
SIZES = {"small": 30, "medium": 120, "large": 400}
#: County code -> (file slug, display name, valley-floor elevation in metres).
COUNTIES = {
    "532924": ("binchuan", "Binchuan 宾川县", 1450.0),
    "520603": ("wanshan", "Wanshan 万山区", 550.0),
}
#: Files written by :func:`write_sample_counties`.
SAMPLE_FILES = (
    ("532924", "small"),
    ("532924", "medium"),
    ("532924", "large"),
    ("520603", "small"),
    ("520603", "medium"),
)

_VERTEX_SPACING_M = 150.0
_MIN_STATION_GAP_M = 300.0
_BOUNDARY_MARGIN_M = 300.0


def default_shared() -> Path:
    """The ``shared`` folder beside the repository root (``../shared``)."""
    return Path(__file__).resolve().parents[3] / "shared"


# --------------------------------------------------------------------------------------
# GCJ-02 <-> WGS-84 (the public offset algorithm and its iterative inverse)
# --------------------------------------------------------------------------------------

_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    dlat = dlat * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * np.sqrt(magic)) * pi)
    dlon = dlon * 180.0 / (_GCJ_A / np.sqrt(magic) * np.cos(rad) * pi)
    inside = (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 lon/lat (degrees, scalars or arrays) to GCJ-02 (no offset outside China)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat to WGS-84: fixed-point inverse of :func:`wgs84_to_gcj02`.

    Iterates until the forward transform reproduces the input within 1e-9 degrees
    (about 0.1 mm), far inside the 1 m asked of it.
    """
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - flon, glat - flat
        wlon, wlat = wlon + elon, wlat + elat
        if (
            max(float(np.max(np.abs(elon), initial=0)), float(np.max(np.abs(elat), initial=0)))
            < 1e-9
        ):
            break
    return wlon, wlat


def _to_wgs84_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, convert)


# --------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------


def _read_table(shared: Path, code: str) -> list[dict[str, str]]:
    folder = Path(shared) / "data" / "china_counties"
    ddl = (folder / "adcode.ddl").read_text(encoding="utf-8")
    start = ddl.index("CREATE TABLE adcode")
    body = ddl[ddl.index("(", start) + 1 : ddl.index(");", start)]
    columns = [line.split()[0] for line in body.splitlines() if line.strip()]
    with open(folder / "counties" / f"{code}.csv", encoding="utf-8", newline="") as f:
        return [dict(zip(columns, row, strict=False)) for row in csv.reader(f) if row]


def _read_boundary(shared: Path, code: str) -> shapely.Geometry:
    path = Path(shared) / "data" / "china_counties" / "fences_gcj02" / f"{code}.geojson"
    obj = json.loads(path.read_text(encoding="utf-8"))
    if obj.get("type") == "FeatureCollection":
        geom = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in obj["features"]])
    elif obj.get("type") == "Feature":
        geom = shapely.geometry.shape(obj["geometry"])
    else:
        geom = shapely.geometry.shape(obj)
    return shapely.make_valid(_to_wgs84_geometry(geom))


def _has_position(row: dict[str, str]) -> bool:
    return bool(row.get("longitude")) and bool(row.get("latitude"))


def county_boundary(shared: Path, county_code: str) -> shapely.Geometry:
    """The county boundary in WGS-84."""
    return _read_boundary(shared, county_code)


def county_towns(shared: Path, county_code: str) -> list[tuple[str, str, float, float]]:
    """``(code, name, lon, lat)`` of the towns with a position, in WGS-84."""
    rows = _read_table(shared, county_code)
    towns = [r for r in rows if r["rank"] == "4" and _has_position(r)]
    lon, lat = gcj02_to_wgs84(
        [float(r["longitude"]) for r in towns], [float(r["latitude"]) for r in towns]
    )
    return [
        (r["code"], r["name"], float(x), float(y)) for r, x, y in zip(towns, lon, lat, strict=True)
    ]


# --------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------


def _terrain(x: np.ndarray, y: np.ndarray, base: float, towns_xy: np.ndarray) -> np.ndarray:
    """Smooth hills (m) over local metres; towns lie in valleys, villages up the slopes."""
    hills = (
        320.0 * np.sin(x / 7000.0 + 0.7) * np.cos(y / 9000.0 - 0.3)
        + 110.0 * np.sin((x + 2.0 * y) / 3200.0)
        + 25.0 * np.cos((3.0 * x - y) / 1300.0)
    )
    near, _ = cKDTree(towns_xy).query(np.column_stack([x, y]))
    return base + 150.0 + hills + 0.045 * np.minimum(near, 9000.0)


def _winding(p: np.ndarray, q: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A winding polyline from ``p`` to ``q`` with a vertex every ~150 m of chord."""
    span = float(np.hypot(*(q - p)))
    n = max(2, math.ceil(span / _VERTEX_SPACING_M) + 1)
    t = np.linspace(0.0, 1.0, n)
    normal = np.array([-(q - p)[1], (q - p)[0]]) / max(span, 1e-9)
    amp = min(0.08 * span, 1200.0)
    offset = amp * rng.uniform(0.3, 1.0) * rng.choice([-1, 1]) * np.sin(np.pi * t)
    k = int(rng.integers(2, 6))
    offset += min(0.03 * span, 300.0) * rng.uniform(0.5, 1.0) * np.sin(np.pi * k * t)
    offset += min(0.01 * span, 40.0) * np.sin(np.pi * 3 * k * t + rng.uniform(0, 6.3))
    offset[0] = offset[-1] = 0.0
    return p + t[:, None] * (q - p) + offset[:, None] * normal


def _tree_edges(xy: np.ndarray) -> list[tuple[int, int]]:
    if len(xy) < 2:
        return []
    d = distance_matrix(xy, xy)
    tree = minimum_spanning_tree(d + 1e-6).tocoo()  # +eps: coincident points stay linked
    return sorted((int(min(a, b)), int(max(a, b))) for a, b in zip(tree.row, tree.col, strict=True))


def make_sample_county(shared: Path, county_code: str, size: str, *, seed: int) -> dict[str, Any]:
    """Generate one sample county as a GeoJSON FeatureCollection dict.

    Parameters
    ----------
    shared
        The ``shared`` folder holding ``data/china_counties``.
    county_code
        Six-digit county code, e.g. ``"532924"`` (Binchuan) or ``"520603"`` (Wanshan).
    size
        ``"small"`` (~30 stations), ``"medium"`` (~120) or ``"large"`` (~400).
    seed
        Random seed; the same inputs and seed give the same dict.

    Returns
    -------
    dict
        A county file (see ``docs/format.md``) with stations, roads and ``settings``.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    slug, label, base = COUNTIES.get(county_code, (county_code, county_code, 1000.0))
    rng = np.random.default_rng([seed, int(county_code), list(SIZES).index(size)])
    rows = _read_table(shared, county_code)
    boundary = _read_boundary(shared, county_code)
    county_row = next(r for r in rows if r["rank"] == "3")
    towns = [r for r in rows if r["rank"] == "4"]

    centroid = boundary.centroid
    crs = utm_crs(centroid.x, centroid.y)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    boundary_xy = shapely.transform(
        boundary, lambda a: np.column_stack(to_xy.transform(a[:, 0], a[:, 1]))
    )
    inner = boundary_xy.buffer(-_BOUNDARY_MARGIN_M)
    shapely.prepare(inner)

    def xy_of(gcj: list[tuple[float, float]]) -> np.ndarray:
        lon, lat = gcj02_to_wgs84([p[0] for p in gcj], [p[1] for p in gcj])
        return np.column_stack(to_xy.transform(lon, lat)).reshape(-1, 2)

    # Towns with a position inside the county; the depot at the one nearest the seat.
    placed = [t for t in towns if _has_position(t)]
    town_xy = xy_of([(float(t["longitude"]), float(t["latitude"])) for t in placed])
    keep = [i for i, p in enumerate(town_xy) if boundary_xy.buffer(50.0).contains(shapely.Point(p))]
    placed, town_xy = [placed[i] for i in keep], town_xy[keep]
    if not placed:
        raise ValueError(f"county {county_code}: no town with a position inside the boundary")
    if _has_position(county_row):
        seat = xy_of([(float(county_row["longitude"]), float(county_row["latitude"]))])[0]
        depot_town = int(np.argmin(np.hypot(*(town_xy - seat).T)))
    else:
        c = np.array(boundary_xy.centroid.coords[0])
        depot_town = int(np.argmin(np.hypot(*(town_xy - c).T)))
    town_codes = [t["code"] for t in placed]

    # Stations: 0 = depot, then hubs, then villages (each with its town index).
    names = ["县物流仓储中心 (" + placed[depot_town]["name"] + ")"]
    ids = ["depot"]
    kinds = ["depot"]
    sizes = ["town"]
    group = [depot_town]
    xy = [town_xy[depot_town]]
    for i, town in enumerate(placed):
        if i != depot_town:
            ids.append(f"hub-{town['code'][6:9]}")
            names.append(town["name"])
            kinds.append("hub")
            sizes.append("hub")
            group.append(i)
            xy.append(town_xy[i])
    n_villages = max(0, SIZES[size] - len(ids))

    real = [r for r in rows if r["rank"] == "5" and r["parent"] in town_codes]
    if len(real) > n_villages:
        pick = np.sort(rng.choice(len(real), size=n_villages, replace=False))
        real = [real[i] for i in pick]
    chosen: list[tuple[str, str, int, bool]] = [
        (f"v-{r['code'][6:]}", r["name"], town_codes.index(r["parent"]), True) for r in real
    ]
    for k in range(n_villages - len(chosen)):
        t = k % len(placed)
        chosen.append((f"h-{town_codes[t][6:9]}-{k // len(placed) + 1:03d}", "", t, False))
    for ident, name, t, is_real in chosen:
        row = next(
            (r for r in real if name and r["name"] == name and r["parent"] == town_codes[t]), None
        )
        point = None
        if row is not None and _has_position(row):
            cand = xy_of([(float(row["longitude"]), float(row["latitude"]))])[0]
            if inner.contains(shapely.Point(cand)) and _far_enough(cand, xy):
                point = cand
        for attempt in range(400):
            if point is not None:
                break
            reach = 2500.0 + 6000.0 * min(attempt / 200.0, 1.0) + 4000.0 * (size == "large")
            r = reach * math.sqrt(rng.uniform(0.04, 1.0))
            a = rng.uniform(0.0, 2.0 * math.pi)
            cand = town_xy[t] + r * np.array([math.cos(a), math.sin(a)])
            gap = _MIN_STATION_GAP_M if attempt < 300 else 50.0
            if inner.contains(shapely.Point(cand)) and _far_enough(cand, xy, gap):
                point = cand
        if point is None:
            continue
        town_name = placed[t]["name"]
        ids.append(ident)
        names.append(name or f"{town_name}{ident[-3:]}组")
        kinds.append("station")
        sizes.append("village" if is_real else "hamlet")
        group.append(t)
        xy.append(point)
    xy_arr = np.array(xy)
    group_arr = np.array(group)

    # Roads: trunk tree over depot + hubs, a tree per township over hub + villages.
    hubs = [i for i, k in enumerate(kinds) if k != "station"]
    roads: list[tuple[int, int, dict[str, str]]] = []
    for a, b in _tree_edges(xy_arr[hubs]):
        u, v = hubs[a], hubs[b]
        cls = "secondary" if 0 in (u, v) else "tertiary"
        roads.append((u, v, {"highway": cls, "surface": "asphalt"}))
    for t in range(len(placed)):
        members = [hubs[[group[h] for h in hubs].index(t)]] + [
            i for i in range(len(ids)) if kinds[i] == "station" and group[i] == t
        ]
        pts = xy_arr[members]
        edges = _tree_edges(pts)
        linked = set(edges)
        # A few extra links close local loops.
        if len(members) > 3:
            d = distance_matrix(pts, pts)
            np.fill_diagonal(d, np.inf)
            for i in range(1, len(members)):
                if rng.random() < 0.12:
                    for j in np.argsort(d[i])[:3].tolist():
                        e = (min(i, j), max(i, j))
                        if e not in linked and d[i, j] < 3000.0:
                            linked.add(e)
                            edges.append(e)
                            break
        for a, b in edges:
            u, v = members[a], members[b]
            if kinds[u] != "station" or kinds[v] != "station" or rng.random() < 0.6:
                tags = {"highway": "unclassified", "surface": "concrete"}
            else:
                tags = {"highway": "track", "surface": "gravel", "tracktype": "grade2"}
            roads.append((u, v, tags))

    # Geometry in metres -> lon/lat, z from the terrain; endpoints exactly on stations.
    st_lon, st_lat = to_lonlat.transform(xy_arr[:, 0], xy_arr[:, 1])
    st_lon, st_lat = np.round(st_lon, 7), np.round(st_lat, 7)
    lines = [_winding(xy_arr[u], xy_arr[v], rng) for u, v, _ in roads]
    flat = np.vstack(lines)
    lon, lat = to_lonlat.transform(flat[:, 0], flat[:, 1])
    z = _terrain(flat[:, 0], flat[:, 1], base, xy_arr[hubs])
    starts = np.cumsum([0] + [len(line) for line in lines])
    road_features = []
    for k, (u, v, tags) in enumerate(roads):
        s, e = starts[k], starts[k + 1]
        coords = [
            [round(float(x), 7), round(float(y), 7), round(float(h), 1)]
            for x, y, h in zip(lon[s:e], lat[s:e], z[s:e], strict=True)
        ]
        coords[0][:2] = [float(st_lon[u]), float(st_lat[u])]
        coords[-1][:2] = [float(st_lon[v]), float(st_lat[v])]
        road_features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": dict(tags, name=f"{ids[u]}–{ids[v]}"),
            }
        )

    # Demand.
    stations = [
        Station(id=ids[i], kind=kinds[i], name=names[i], lon=float(st_lon[i]), lat=float(st_lat[i]))
        for i in range(len(ids))
    ]
    stations = assign_demand(stations, sizes, seed=seed + int(county_code))
    # A station's daily parcels must fit one light van (the model's tail can exceed it).
    cap = int(0.95 * min(v.capacity_parcels for v in Settings().fleet if not v.cold_chain))
    stations = [replace(s, down_parcels=min(s.down_parcels, cap)) for s in stations]
    station_features = []
    for i, st in enumerate(stations):
        props: dict[str, Any] = {
            "id": st.id,
            "kind": st.kind,
            "name": st.name,
            "township": placed[group_arr[i]]["name"],
            "down_parcels": st.down_parcels,
            "up_parcels": st.up_parcels,
            "service_min": 15 if st.kind == "hub" else (0 if st.kind == "depot" else 5),
        }
        if st.up_fresh_hours is not None:
            props["up_fresh_hours"] = st.up_fresh_hours
        if st.up_cold_chain:
            props["up_cold_chain"] = True
        if st.kind == "station" and rng.random() < 0.15:
            props["open"], props["close"] = "08:00", "18:00"
        station_features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [st.lon, st.lat]},
                "properties": props,
            }
        )

    settings = settings_to_json(_scaled_settings(f"{label} ({size}, synthetic)", stations))
    return {
        "type": "FeatureCollection",
        "name": f"{slug}-{size}",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "source": (
            "Towns, villages and boundary: ../shared/data/china_counties (GCJ-02 -> WGS-84); "
            "roads, elevations, village positions without data and demand: synthetic "
            f"(villageroute.samples, seed {seed})"
        ),
        "settings": settings,
        "features": station_features + road_features,
    }


def _far_enough(p: np.ndarray, others: list[np.ndarray], gap: float = _MIN_STATION_GAP_M) -> bool:
    return all(float(np.hypot(*(p - o))) >= gap for o in others)


def _scaled_settings(name: str, stations: list[Station]) -> Settings:
    """Default fleet, with enough vans and cold vans for the day's parcels."""
    base = Settings(name=name)
    down = sum(s.down_parcels for s in stations)
    up = sum(s.up_parcels for s in stations if not s.up_cold_chain)
    cold = sum(s.up_parcels for s in stations if s.up_cold_chain)
    fleet = []
    for v in base.fleet:
        if v.cold_chain:
            need = math.ceil(3.0 * cold / v.capacity_parcels)
        else:
            need = math.ceil(1.2 * (down + up) / v.capacity_parcels)
        fleet.append(replace(v, count=max(v.count, need)))
    return replace(base, fleet=tuple(fleet))


def dumps_county(county: dict[str, Any]) -> str:
    """The county as JSON text: sorted keys, fixed separators, one feature per line."""
    head = {k: v for k, v in county.items() if k != "features"}
    lines = [
        json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        for f in county["features"]
    ]
    text = json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_sample_counties(shared: Path, out_dir: Path, *, seed: int = 2026) -> list[Path]:
    """Write the sample county files (``binchuan-small.geojson``...) into ``out_dir``.

    Returns the paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for code, size in SAMPLE_FILES:
        county = make_sample_county(shared, code, size, seed=seed)
        path = out_dir / f"{COUNTIES[code][0]}-{size}.geojson"
        path.write_text(dumps_county(county), encoding="utf-8")
        paths.append(path)
    return paths
