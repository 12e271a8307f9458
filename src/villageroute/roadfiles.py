"""Readers that turn road sources (OSM files, GraphML, networkx graphs) into :class:`Way` lists.

The readers keep every way with a ``highway`` tag and leave the choice of drivable roads to
:func:`villageroute.ways.is_drivable`, so that a file holding only footpaths can be reported
as such rather than as an empty file. GeoJSON road files are read by ``load_county``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from villageroute.errors import InputError
from villageroute.ways import Way, first_tag

if TYPE_CHECKING:
    import networkx

__all__ = ["read_graphml_ways", "read_osm_ways", "read_road_ways", "ways_from_graph"]

# Suffix -> libosmium format string. The format is passed explicitly instead of letting
# libosmium guess from the name, so the accepted suffixes are exactly the ones listed here
# and match case-insensitively, as the dispatcher in read_road_ways does.
_OSM_FORMATS: dict[str, str] = {
    ".osm.pbf": "pbf",
    ".pbf": "pbf",
    ".osm.gz": "osm.gz",
    ".osm.bz2": "osm.bz2",
    ".osm": "osm",
    ".xml.gz": "osm.gz",
    ".xml.bz2": "osm.bz2",
    ".xml": "osm",
}
_GRAPHML_SUFFIXES = (".graphml",)
_GEOJSON_SUFFIXES = (".geojson", ".json")
_SUPPORTED = (*_OSM_FORMATS, *_GRAPHML_SUFFIXES)

# Edge attributes that describe geometry rather than the road; they are not tags.
_NON_TAG_EDGE_ATTRS = frozenset({"geometry"})


def _suffix_of(path: Path, suffixes: tuple[str, ...] | Mapping[str, str]) -> str | None:
    """Return the longest suffix in ``suffixes`` that ``path`` ends with (case-insensitive)."""
    name = path.name.lower()
    matches = [s for s in suffixes if name.endswith(s)]
    return max(matches, key=len) if matches else None


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", file=path)
    if not path.is_file():
        raise InputError("not a regular file", file=path)


# --------------------------------------------------------------------------------------
# OSM XML / PBF
# --------------------------------------------------------------------------------------


def read_osm_ways(path: str | os.PathLike[str]) -> list[Way]:
    """Read every way with a ``highway`` tag from an OpenStreetMap file.

    Parameters
    ----------
    path
        An ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file (``.pbf`` and ``.xml``
        with optional ``.gz``/``.bz2`` are accepted as well).

    Returns
    -------
    list of Way
        One way per OSM way with a ``highway`` tag, in file order. ``node_ids`` are the OSM
        node ids, ``tags`` all way tags, ``source`` is ``"way <id>"``. Footpaths and other
        non-drivable ways are kept; drivability is decided later.

    Raises
    ------
    InputError
        If the file is missing, has an unknown suffix, cannot be parsed, or holds no way
        with a ``highway`` tag and at least two nodes present in the file.

    Notes
    -----
    Extracts cut at a border keep ways whose nodes lie partly outside the extract. Such
    missing nodes are dropped from the way; a way left with fewer than two vertices is
    skipped.
    """
    import osmium
    from osmium.filter import EntityFilter, KeyFilter

    path = Path(path)
    suffix = _suffix_of(path, _OSM_FORMATS)
    if suffix is None:
        raise InputError(
            "unknown OSM file suffix; expected one of " + ", ".join(_OSM_FORMATS), file=path
        )
    _require_file(path)

    # Nodes must be read for the location cache, but only highway ways are handed back:
    # the location handler runs before the filters, so filtering nodes out is safe.
    processor = (
        osmium.FileProcessor(
            osmium.io.File(str(path), _OSM_FORMATS[suffix]), osmium.osm.NODE | osmium.osm.WAY
        )
        .with_locations()
        .with_filter(EntityFilter(osmium.osm.WAY))
        .with_filter(KeyFilter("highway"))
    )

    ways: list[Way] = []
    n_highway = 0
    try:
        # Parse errors surface lazily while iterating (e.g. a truncated .gz), so the whole
        # loop is guarded, not only the constructor.
        for osm_way in processor:
            n_highway += 1
            ids: list[int] = []
            lons: list[float] = []
            lats: list[float] = []
            for node in osm_way.nodes:
                loc = node.location
                if not loc.valid():
                    continue
                ids.append(node.ref)
                lons.append(loc.lon)
                lats.append(loc.lat)
            if len(ids) < 2:
                continue
            ways.append(
                Way(
                    lon=np.array(lons, dtype=np.float64),
                    lat=np.array(lats, dtype=np.float64),
                    tags={tag.k: tag.v for tag in osm_way.tags},
                    node_ids=np.array(ids, dtype=np.int64),
                    source=f"way {osm_way.id}",
                )
            )
    except RuntimeError as exc:
        raise InputError(f"cannot read OSM data: {exc}", file=path) from exc

    if not ways:
        if n_highway:
            raise InputError(
                f"no roads with at least two nodes in this file ({n_highway} ways with a "
                "highway tag, but their nodes are missing from the file)",
                file=path,
            )
        raise InputError("no roads (ways with a highway tag) in this file", file=path)
    return ways


# --------------------------------------------------------------------------------------
# networkx / osmnx graphs
# --------------------------------------------------------------------------------------


def _check_crs(graph: Any, source: str) -> None:
    crs = graph.graph.get("crs")
    if crs is None or str(crs).strip().lower() == "epsg:4326":
        return
    # A pyproj CRS object (or an equivalent spelling such as a PROJ string) is accepted
    # when it means the same geographic system; anything projected is rejected below.
    try:
        from pyproj import CRS

        parsed = CRS.from_user_input(crs)
    except Exception as exc:
        raise InputError(
            f"graph CRS {crs!r} is not understood; pass an unprojected graph in EPSG:4326 "
            "(longitude/latitude)",
            file=source,
        ) from exc
    if parsed.to_epsg() == 4326:
        return
    kind = "a projected" if parsed.is_projected else "a non-WGS-84"
    raise InputError(
        f"graph has {kind} CRS ({crs}); pass an unprojected graph in EPSG:4326 "
        "(e.g. the graph before osmnx.project_graph, or "
        "osmnx.project_graph(G, to_latlong=True))",
        file=source,
    )


def _is_int_like(key: object) -> bool:
    return isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_))


def _node_id_map(graph: Any) -> tuple[dict[Hashable, int], int]:
    """Map graph node keys to int64 ids and return the first free negative id.

    Integer keys (OSM node ids in osmnx graphs) are kept so that messages and cross
    references stay meaningful; other keys get ids above the largest integer key so they
    cannot collide with it.
    """
    int_keys = [int(n) for n in graph.nodes if _is_int_like(n)]
    next_free = max(int_keys, default=0) + 1
    mapping: dict[Hashable, int] = {}
    for n in graph.nodes:
        if _is_int_like(n):
            mapping[n] = int(n)
        else:
            mapping[n] = next_free
            next_free += 1
    # Interior geometry vertices need ids no endpoint uses; negative ids below every key
    # are free whatever the graph holds (OSM editors use negative ids for new nodes).
    first_negative = min(min(mapping.values(), default=0), 0) - 1
    return mapping, first_negative


def _node_xyz(graph: Any, node: Hashable, source: str) -> tuple[float, float, float | None]:
    data = graph.nodes[node]
    try:
        x = float(data["x"])
        y = float(data["y"])
    except KeyError as exc:
        raise InputError(
            f"node has no {exc.args[0]!r} coordinate; graph nodes need x (lon) and y (lat)",
            file=source,
            feature=f"node {node!r}",
        ) from exc
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"node coordinates are not numbers (x={data.get('x')!r}, y={data.get('y')!r})",
            file=source,
            feature=f"node {node!r}",
        ) from exc
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError(
            f"node coordinates are not finite (x={x}, y={y})",
            file=source,
            feature=f"node {node!r}",
        )
    elevation = data.get("elevation")
    z: float | None
    try:
        z = None if elevation is None else float(first_tag(elevation))
    except ValueError:
        z = None
    if z is not None and not math.isfinite(z):
        z = None
    return x, y, z


def _edge_coords(geometry: object, feature: str, source: str) -> np.ndarray:
    """Return the ``(k, 2)`` or ``(k, 3)`` coordinate array of an edge geometry."""
    if isinstance(geometry, str):
        # Plain nx.read_graphml leaves geometry as WKT text; osmnx would have parsed it.
        import shapely

        try:
            geometry = shapely.from_wkt(geometry)
        except Exception as exc:
            raise InputError(
                f"edge geometry is not valid WKT: {exc}", file=source, feature=feature
            ) from exc
    if getattr(geometry, "geom_type", None) != "LineString":
        raise InputError(
            f"edge geometry must be a LineString, got {type(geometry).__name__}",
            file=source,
            feature=feature,
        )
    coords = np.asarray(geometry.coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[0] < 2:
        raise InputError("edge geometry has fewer than 2 points", file=source, feature=feature)
    return coords


def _interpolate_z(lon: np.ndarray, lat: np.ndarray, z0: float, z1: float) -> np.ndarray:
    # Local equirectangular lengths are plenty for spreading a rise along one edge.
    coslat = math.cos(math.radians(float(np.mean(lat))))
    step = np.hypot(np.diff(lon) * coslat, np.diff(lat))
    cum = np.concatenate(([0.0], np.cumsum(step)))
    total = cum[-1]
    frac = cum / total if total > 0 else np.linspace(0.0, 1.0, lon.size)
    return z0 + (z1 - z0) * frac


def ways_from_graph(
    graph: networkx.MultiDiGraph | networkx.DiGraph | networkx.Graph,
    *,
    source: str = "graph",
) -> list[Way]:
    """Turn an osmnx-style graph in longitude/latitude into ways, one per edge.

    Parameters
    ----------
    graph
        A networkx graph whose nodes carry ``x`` (longitude) and ``y`` (latitude) in
        EPSG:4326 and optionally ``elevation`` (metres). Edges may carry a shapely
        ``geometry`` LineString in u->v order and OSM tags (``highway``, ``maxspeed``,
        ``surface``, ``access``...), possibly as lists as osmnx merges them.
    source
        Name used in error messages and in each way's ``source`` (e.g. the file name).

    Returns
    -------
    list of Way
        For a directed graph every edge is one way with ``oneway="yes"``, because the
        graph already lists each drivable direction as its own edge. For an undirected
        graph every edge is one way with ``oneway="no"``. Endpoint ``node_ids`` are the
        graph node ids (non-integer keys are numbered); interior geometry vertices get
        unique negative ids. ``z`` comes from a 3-D geometry, else is interpolated
        between the end nodes' ``elevation``, else is ``None``.

    Raises
    ------
    InputError
        If the graph is projected (``graph.graph["crs"]`` not EPSG:4326), has no edges,
        a node used by an edge lacks ``x``/``y``, or an edge geometry is not a LineString.
    """
    _check_crs(graph, source)
    if graph.number_of_edges() == 0:
        raise InputError("no roads (edges) in graph", file=source)

    ids, next_negative = _node_id_map(graph)
    directed = graph.is_directed()
    multi = graph.is_multigraph()
    oneway = "yes" if directed else "no"
    node_cache: dict[Hashable, tuple[float, float, float | None]] = {}

    def node_xyz(node: Hashable) -> tuple[float, float, float | None]:
        if node not in node_cache:
            node_cache[node] = _node_xyz(graph, node, source)
        return node_cache[node]

    edges = graph.edges(keys=True, data=True) if multi else graph.edges(data=True)
    ways: list[Way] = []
    for edge in edges:
        if multi:
            u, v, key, data = edge
            feature = f"edge ({u!r}, {v!r}, {key!r})"
        else:
            u, v, data = edge
            feature = f"edge ({u!r}, {v!r})"
        xu, yu, zu = node_xyz(u)
        xv, yv, zv = node_xyz(v)

        geometry = data.get("geometry")
        if geometry is None:
            coords = np.array([[xu, yu], [xv, yv]], dtype=np.float64)
        else:
            coords = _edge_coords(geometry, feature, source)
            # osmnx stores geometry in u->v order, but undirected graphs may list the edge
            # as (v, u) and other producers are not bound to the convention.
            first, last = coords[0, :2], coords[-1, :2]
            forward = math.dist(first, (xu, yu)) + math.dist(last, (xv, yv))
            backward = math.dist(first, (xv, yv)) + math.dist(last, (xu, yu))
            if backward < forward:
                coords = coords[::-1].copy()
            # Snap the ends onto the nodes: ways meet by node id, and one id must not
            # carry two slightly different positions.
            coords[0, :2] = (xu, yu)
            coords[-1, :2] = (xv, yv)

        k = coords.shape[0]
        lon = np.ascontiguousarray(coords[:, 0])
        lat = np.ascontiguousarray(coords[:, 1])
        node_ids = np.empty(k, dtype=np.int64)
        node_ids[0] = ids[u]
        node_ids[-1] = ids[v]
        if k > 2:
            node_ids[1:-1] = np.arange(next_negative, next_negative - (k - 2), -1)
            next_negative -= k - 2

        if coords.shape[1] >= 3:
            z: np.ndarray | None = np.ascontiguousarray(coords[:, 2])
        elif zu is not None and zv is not None:
            z = _interpolate_z(lon, lat, zu, zv)
        else:
            z = None

        tags = {
            str(name): first_tag(value)
            for name, value in data.items()
            if name not in _NON_TAG_EDGE_ATTRS and value is not None
        }
        tags["oneway"] = oneway
        ways.append(
            Way(lon=lon, lat=lat, tags=tags, node_ids=node_ids, z=z, source=f"{source} {feature}")
        )
    return ways


def read_graphml_ways(path: str | os.PathLike[str]) -> list[Way]:
    """Read an osmnx GraphML file into ways.

    Parameters
    ----------
    path
        A ``.graphml`` file as written by ``osmnx.io.save_graphml``, unprojected.

    Returns
    -------
    list of Way
        See :func:`ways_from_graph`; ``source`` names the file.

    Raises
    ------
    InputError
        If the file is missing or cannot be parsed, or as in :func:`ways_from_graph`.
    """
    path = Path(path)
    _require_file(path)
    # osmnx pulls in geopandas; import it only when GraphML is actually read.
    import osmnx

    try:
        graph = osmnx.io.load_graphml(path)
    except Exception as exc:
        # load_graphml fails with a zoo of types (ParseError, KeyError, ValueError from
        # dtype conversion, networkx errors); all mean "this is not a usable GraphML file".
        raise InputError(f"cannot read GraphML: {type(exc).__name__}: {exc}", file=path) from exc
    return ways_from_graph(graph, source=str(path))


def read_road_ways(
    path_or_graph: str | os.PathLike[str] | networkx.Graph,
) -> list[Way]:
    """Read ways from a road file or a networkx graph, choosing the reader by type/suffix.

    Parameters
    ----------
    path_or_graph
        A networkx graph (see :func:`ways_from_graph`) or a path ending in ``.osm``,
        ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``, ``.pbf``, ``.xml`` (OSM data) or
        ``.graphml``.

    Returns
    -------
    list of Way

    Raises
    ------
    InputError
        For GeoJSON paths (read those with ``load_county``), unsupported suffixes, and
        every error of the chosen reader.
    """
    import networkx

    if isinstance(path_or_graph, networkx.Graph):
        return ways_from_graph(path_or_graph)
    if not isinstance(path_or_graph, (str, os.PathLike)):
        raise InputError(
            "road source must be a file path or a networkx graph, got "
            f"{type(path_or_graph).__name__}"
        )
    path = Path(path_or_graph)
    if _suffix_of(path, _OSM_FORMATS) is not None:
        return read_osm_ways(path)
    if _suffix_of(path, _GRAPHML_SUFFIXES) is not None:
        return read_graphml_ways(path)
    if _suffix_of(path, _GEOJSON_SUFFIXES) is not None:
        raise InputError(
            "GeoJSON road files are read with load_county, not read_road_ways", file=path
        )
    raise InputError("unsupported road file suffix; supported: " + ", ".join(_SUPPORTED), file=path)
