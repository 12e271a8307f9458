"""The routable road network: nodes, directed edges and their 3-D geometry as numpy arrays.

:func:`build_network` turns raw :class:`~villageroute.ways.Way` polylines into a
:class:`RoadNetwork`: drivable ways only, split into edges at every junction, projected to
the local UTM zone, elevations attached. Arrays rather than a networkx graph are the
primary form because every later step (snapping, travel times, shortest paths) is
vectorised; :meth:`RoadNetwork.to_networkx` gives an osmnx-style graph for users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import pyproj
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from villageroute.elevation import DEM
from villageroute.errors import InputError
from villageroute.ways import Way, directions, first_tag, is_drivable

# Vertices closer than this (1e-7 degree, about 1 cm) are the same vertex when ways carry
# no vertex ids (GeoJSON); digitising tools snap shared vertices far closer than that.
_COORD_RESOLUTION = 1e7


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network with per-edge polylines.

    Attributes
    ----------
    crs
        Projected CRS of ``x``/``y`` coordinates (local UTM zone, metres).
    node_lon, node_lat, node_x, node_y, node_z
        Node positions, shape ``(n,)``; ``node_z`` is NaN where elevation is unknown.
    edge_u, edge_v
        Edge end nodes, shape ``(m,)``.
    edge_start
        Shape ``(m + 1,)``: the vertices of edge ``e`` are rows
        ``edge_start[e]:edge_start[e + 1]`` of the ``vertex_*`` arrays, ``u`` first.
    vertex_lon, vertex_lat, vertex_x, vertex_y, vertex_z
        Edge polyline vertices, concatenated edge after edge.
    edge_way
        Index into ``way_tags`` of the way each edge came from.
    edge_twin
        The edge running the same road the other way, or -1 (one-way roads).
    edge_length_m
        Horizontal length of each edge in metres.
    way_tags, way_source
        Tags and provenance of the ways, shared by their edges.
    """

    crs: str
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    node_z: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_start: np.ndarray
    vertex_lon: np.ndarray
    vertex_lat: np.ndarray
    vertex_x: np.ndarray
    vertex_y: np.ndarray
    vertex_z: np.ndarray
    edge_way: np.ndarray
    edge_twin: np.ndarray
    edge_length_m: np.ndarray
    way_tags: tuple[Mapping[str, str], ...]
    way_source: tuple[str, ...]

    @property
    def n_nodes(self) -> int:
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    def edge_vertices(self, edge: int) -> slice:
        """Rows of the ``vertex_*`` arrays that hold the polyline of ``edge``."""
        return slice(int(self.edge_start[edge]), int(self.edge_start[edge + 1]))

    def edge_lines(self, edges: np.ndarray | None = None) -> np.ndarray:
        """Projected 2-D shapely LineStrings of ``edges`` (all edges by default)."""
        edges = np.arange(self.n_edges) if edges is None else np.asarray(edges)
        counts = self.edge_start[edges + 1] - self.edge_start[edges]
        rows = _ranges(self.edge_start[edges], counts)
        xy = np.column_stack([self.vertex_x[rows], self.vertex_y[rows]])
        return shapely.linestrings(xy, indices=np.repeat(np.arange(len(edges)), counts))

    def path_lonlat(self, edges: Sequence[int]) -> np.ndarray:
        """Concatenated ``(k, 3)`` lon, lat, z polyline of consecutive ``edges``."""
        if len(edges) == 0:
            return np.empty((0, 3))
        edges = np.asarray(edges)
        counts = self.edge_start[edges + 1] - self.edge_start[edges]
        rows = _ranges(self.edge_start[edges], counts)
        # Drop each edge's first vertex but the first edge's: it repeats the previous end.
        keep = np.ones(len(rows), dtype=bool)
        keep[np.cumsum(counts)[:-1]] = False
        rows = rows[keep]
        return np.column_stack([self.vertex_lon[rows], self.vertex_lat[rows], self.vertex_z[rows]])

    def strong_components(self) -> np.ndarray:
        """Label of the strongly connected component of each node."""
        graph = csr_array(
            (np.ones(self.n_edges), (self.edge_u, self.edge_v)), shape=(self.n_nodes,) * 2
        )
        return connected_components(graph, directed=True, connection="strong")[1]

    def subnetwork(self, node_mask: np.ndarray) -> RoadNetwork:
        """The network induced by the nodes in ``node_mask`` (edges with both ends kept)."""
        new_index = np.cumsum(node_mask) - 1
        keep = node_mask[self.edge_u] & node_mask[self.edge_v]
        return _select(self, np.flatnonzero(node_mask), np.flatnonzero(keep), new_index)

    def to_networkx(self, edge_time_s: np.ndarray | None = None) -> nx.MultiDiGraph:
        """An osmnx-style ``MultiDiGraph`` in EPSG:4326 (``x`` = lon, ``y`` = lat).

        Edges carry ``length`` (m), ``geometry`` (lon/lat LineString), the way's tags, and
        ``travel_time`` (s) when ``edge_time_s`` is given.
        """
        graph = nx.MultiDiGraph(crs="EPSG:4326")
        for i in range(self.n_nodes):
            attrs = {"x": float(self.node_lon[i]), "y": float(self.node_lat[i])}
            if np.isfinite(self.node_z[i]):
                attrs["elevation"] = float(self.node_z[i])
            graph.add_node(i, **attrs)
        for e in range(self.n_edges):
            rows = self.edge_vertices(e)
            attrs = dict(self.way_tags[self.edge_way[e]])
            attrs["length"] = float(self.edge_length_m[e])
            attrs["geometry"] = shapely.LineString(
                np.column_stack([self.vertex_lon[rows], self.vertex_lat[rows]])
            )
            if edge_time_s is not None:
                attrs["travel_time"] = float(edge_time_s[e])
            graph.add_edge(int(self.edge_u[e]), int(self.edge_v[e]), key=e, **attrs)
        return graph


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each start ``s`` and count ``c``."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(counts)
    steps = np.ones(total, dtype=np.int64)
    steps[0] = starts[0]
    nonempty = counts > 0
    starts, ends = np.asarray(starts)[nonempty], ends[nonempty]
    counts = counts[nonempty]
    steps[ends[:-1]] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(steps)


def _select(
    net: RoadNetwork, nodes: np.ndarray, edges: np.ndarray, new_index: np.ndarray
) -> RoadNetwork:
    counts = net.edge_start[edges + 1] - net.edge_start[edges]
    rows = _ranges(net.edge_start[edges], counts)
    edge_new = np.full(net.n_edges, -1, dtype=np.int64)
    edge_new[edges] = np.arange(len(edges))
    twin = net.edge_twin[edges]
    return replace(
        net,
        node_lon=net.node_lon[nodes],
        node_lat=net.node_lat[nodes],
        node_x=net.node_x[nodes],
        node_y=net.node_y[nodes],
        node_z=net.node_z[nodes],
        edge_u=new_index[net.edge_u[edges]],
        edge_v=new_index[net.edge_v[edges]],
        edge_start=np.concatenate([[0], np.cumsum(counts)]),
        vertex_lon=net.vertex_lon[rows],
        vertex_lat=net.vertex_lat[rows],
        vertex_x=net.vertex_x[rows],
        vertex_y=net.vertex_y[rows],
        vertex_z=net.vertex_z[rows],
        edge_way=net.edge_way[edges],
        edge_twin=np.where(twin >= 0, edge_new[np.maximum(twin, 0)], -1),
        edge_length_m=net.edge_length_m[edges],
    )


def utm_crs(lon: float, lat: float) -> str:
    """EPSG code of the UTM zone holding ``(lon, lat)``."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def build_network(
    ways: Sequence[Way],
    *,
    dem: DEM | None = None,
    source: str = "roads",
    crs: str | None = None,
) -> RoadNetwork:
    """Build the drivable road network from raw ways.

    Parameters
    ----------
    ways
        Road polylines from any reader; non-drivable ways (footpaths, steps, private
        roads...) are left out here.
    dem
        Elevation raster for vertices whose way has no z values.
    source
        Name of the road input, for error messages.
    crs
        Projected CRS to use; by default the UTM zone of the roads' centre.

    Returns
    -------
    RoadNetwork
        Edges split at every junction; two-way roads give two twin edges.

    Raises
    ------
    InputError
        When no way is drivable, or the DEM does not cover the roads.
    """
    drivable = [w for w in ways if is_drivable(w.tags)]
    if not drivable:
        kinds = sorted({first_tag(w.tags.get("highway")) or "(none)" for w in ways})
        shown = ", ".join(kinds[:6]) + (" ..." if len(kinds) > 6 else "")
        what = f"{len(ways)} ways, highway: {shown}" if ways else "no ways at all"
        raise InputError(f"no drivable roads ({what})", file=source, field="highway")

    lens = np.array([len(w.lon) for w in drivable], dtype=np.int64)
    way_of = np.repeat(np.arange(len(drivable)), lens)
    lon = np.concatenate([np.asarray(w.lon, dtype=float) for w in drivable])
    lat = np.concatenate([np.asarray(w.lat, dtype=float) for w in drivable])
    z = np.concatenate(
        [
            np.full(n, np.nan) if w.z is None else np.asarray(w.z, float)
            for w, n in zip(drivable, lens, strict=True)
        ]
    )
    vertex = _vertex_identity(drivable, lon, lat)

    # A vertex repeated back to back adds nothing but zero-length segments.
    first = np.zeros(len(lon), dtype=bool)
    first[np.concatenate([[0], np.cumsum(lens)[:-1]])] = True
    dup = np.zeros(len(lon), dtype=bool)
    dup[1:] = (vertex[1:] == vertex[:-1]) & ~first[1:]
    keep = ~dup
    lon, lat, z, vertex, way_of, first = (
        lon[keep],
        lat[keep],
        z[keep],
        vertex[keep],
        way_of[keep],
        first[keep],
    )
    last = np.zeros(len(lon), dtype=bool)
    last[np.flatnonzero(first)[1:] - 1] = True
    last[-1] = True

    # A vertex is a node where a way ends or where more than one way passes.
    uses = np.bincount(vertex)
    is_node = (uses[vertex] > 1) | first | last
    node_rows = np.flatnonzero(is_node)
    same_way = way_of[node_rows[:-1]] == way_of[node_rows[1:]]
    seg_start, seg_end = node_rows[:-1][same_way], node_rows[1:][same_way]
    seg_way = way_of[seg_start]

    fwd_bwd = np.array([directions(w.tags) for w in drivable], dtype=bool)
    fwd, bwd = fwd_bwd[seg_way, 0], fwd_bwd[seg_way, 1]
    n_seg = len(seg_start)
    counts = seg_end - seg_start + 1
    fwd_rows = _ranges(seg_start[fwd], counts[fwd])
    bwd_rows = _ranges(seg_start[bwd], counts[bwd])
    # Reverse each backward run in place: row r of a run [s, e] maps to s + e - r.
    run_start = np.repeat(seg_start[bwd], counts[bwd])
    run_end = np.repeat(seg_end[bwd], counts[bwd])
    bwd_rows = run_start + run_end - bwd_rows
    rows = np.concatenate([fwd_rows, bwd_rows])
    edge_counts = np.concatenate([counts[fwd], counts[bwd]])

    seg_ids = np.arange(n_seg)
    fwd_edge = np.full(n_seg, -1)
    fwd_edge[fwd] = np.arange(fwd.sum())
    bwd_edge = np.full(n_seg, -1)
    bwd_edge[bwd] = fwd.sum() + np.arange(bwd.sum())
    both = fwd & bwd
    twin = np.full(len(edge_counts), -1, dtype=np.int64)
    twin[fwd_edge[seg_ids[both]]] = bwd_edge[seg_ids[both]]
    twin[bwd_edge[seg_ids[both]]] = fwd_edge[seg_ids[both]]

    node_vertex = np.unique(vertex[node_rows])
    vertex_node = np.full(int(vertex.max()) + 1, -1, dtype=np.int64)
    vertex_node[node_vertex] = np.arange(len(node_vertex))
    edge_first = np.concatenate([[0], np.cumsum(edge_counts)[:-1]])
    edge_u = vertex_node[vertex[rows[edge_first]]]
    edge_v = vertex_node[vertex[rows[edge_first + edge_counts - 1]]]

    crs = crs or utm_crs(float(np.mean(lon)), float(np.mean(lat)))
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_xy.transform(lon, lat)
    if dem is not None and np.isnan(z).any():
        missing = np.isnan(z)
        z[missing] = dem.sample(lon[missing], lat[missing])
    # One elevation per vertex identity: shared vertices take their first way's value.
    first_row = np.unique(vertex, return_index=True)[1]
    z = z[first_row[vertex]]

    node_row = first_row[node_vertex]
    vx, vy = x[rows], y[rows]
    bounds = np.cumsum(edge_counts)
    step = np.zeros(len(rows))
    step[:-1] = np.hypot(np.diff(vx), np.diff(vy))
    step[bounds - 1] = 0.0  # the last vertex of an edge starts no segment of it
    length = np.add.reduceat(step, edge_first)
    return RoadNetwork(
        crs=crs,
        node_lon=lon[node_row],
        node_lat=lat[node_row],
        node_x=x[node_row],
        node_y=y[node_row],
        node_z=z[node_row],
        edge_u=edge_u,
        edge_v=edge_v,
        edge_start=np.concatenate([[0], bounds]),
        vertex_lon=lon[rows],
        vertex_lat=lat[rows],
        vertex_x=vx,
        vertex_y=vy,
        vertex_z=z[rows],
        edge_way=np.concatenate([seg_way[fwd], seg_way[bwd]]),
        edge_twin=twin,
        edge_length_m=length,
        way_tags=tuple(w.tags for w in drivable),
        way_source=tuple(w.source for w in drivable),
    )


def _vertex_identity(ways: Sequence[Way], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Dense vertex ids: shared OSM ids, or shared rounded coordinates when ways lack ids."""
    keys = np.empty((len(lon), 3), dtype=np.int64)
    start = 0
    for way in ways:
        stop = start + len(way.lon)
        if way.node_ids is None:
            keys[start:stop, 0] = 1
            keys[start:stop, 1] = np.round(lon[start:stop] * _COORD_RESOLUTION)
            keys[start:stop, 2] = np.round(lat[start:stop] * _COORD_RESOLUTION)
        else:
            keys[start:stop, 0] = 0
            keys[start:stop, 1] = way.node_ids
            keys[start:stop, 2] = 0
        start = stop
    return np.unique(keys, axis=0, return_inverse=True)[1].ravel()


def pair_twins(net: RoadNetwork, tolerance_m: float = 0.5) -> RoadNetwork:
    """Pair opposite one-way edges that follow the same polyline (graph input).

    A directed graph lists each direction of a two-way road as its own edge; snapping
    must split both, so they are recognised here by their reversed geometry.
    """
    lonely = np.flatnonzero(net.edge_twin < 0)
    if len(lonely) == 0:
        return net
    by_ends: dict[tuple[int, int], list[int]] = {}
    for e in lonely:
        by_ends.setdefault((int(net.edge_u[e]), int(net.edge_v[e])), []).append(int(e))
    twin = net.edge_twin.copy()
    for (u, v), edges in by_ends.items():
        if u >= v:
            continue
        partners = by_ends.get((v, u), [])
        for e in edges:
            a = net.edge_vertices(e)
            xa, ya = net.vertex_x[a], net.vertex_y[a]
            for f in partners:
                b = net.edge_vertices(f)
                if twin[f] >= 0 or b.stop - b.start != a.stop - a.start:
                    continue
                if np.all(
                    np.hypot(xa - net.vertex_x[b][::-1], ya - net.vertex_y[b][::-1]) <= tolerance_m
                ):
                    twin[e], twin[f] = f, e
                    break
    return replace(net, edge_twin=twin)
