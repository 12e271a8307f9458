"""Snap stations onto the nearest drivable edge and split the edge there.

Village stations stand beside a road, rarely on one of its junctions: a station beside
the middle of a 3 km mountain road is 1.5 km from either end. Snapping to the nearest
*node* would add that detour to every route, so each station is projected onto the
nearest edge and the edge (and its twin, the same road the other way) is cut there.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely

from villageroute.network import RoadNetwork, _ranges

# Projections this close to each other or to an edge end share one node: a station
# 80 cm from a junction is at the junction, and two stations at one spot share a node.
MERGE_M = 1.0


def nearest_edges(
    net: RoadNetwork, x: np.ndarray, y: np.ndarray, candidates: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest edge to each projected point.

    Parameters
    ----------
    net
        The road network.
    x, y
        Points in the network's projected CRS.
    candidates
        Edges to choose from (all by default).

    Returns
    -------
    edge, distance_m, along_m
        For each point: the nearest edge, the distance to it and the position of the
        projected point along the edge from its start.
    """
    candidates = np.arange(net.n_edges) if candidates is None else np.asarray(candidates)
    lines = net.edge_lines(candidates)
    points = shapely.points(np.asarray(x, float), np.asarray(y, float))
    tree = shapely.STRtree(lines)
    (point_idx, line_idx), distance = tree.query_nearest(
        points, return_distance=True, all_matches=False
    )
    edge = np.empty(len(points), dtype=np.int64)
    dist = np.empty(len(points))
    edge[point_idx] = candidates[line_idx]
    dist[point_idx] = distance
    along = shapely.line_locate_point(lines[np.searchsorted(candidates, edge)], points)
    return edge, dist, along


def split_edges(
    net: RoadNetwork, edge: np.ndarray, along_m: np.ndarray
) -> tuple[RoadNetwork, np.ndarray]:
    """Cut edges at the given positions and return the new network and the cut nodes.

    Parameters
    ----------
    net
        The road network.
    edge
        Edge of each point, e.g. from :func:`nearest_edges`.
    along_m
        Position of each point along its edge, in metres from the edge's start.

    Returns
    -------
    network, node
        The network with every edge (and its twin) split at the points, and the node of
        each point in it. Positions within :data:`MERGE_M` of an edge end use that end.
    """
    edge = np.asarray(edge, dtype=np.int64)
    along_m = np.asarray(along_m, dtype=float)
    twin = net.edge_twin[edge]
    # Work on one edge of each twin pair so both directions get the same new nodes.
    canon = np.where((twin >= 0) & (twin < edge), twin, edge)
    pos = np.where(canon == edge, along_m, net.edge_length_m[edge] - along_m)
    point_node = np.empty(len(edge), dtype=np.int64)

    n_nodes = net.n_nodes
    new_nodes: list[np.ndarray] = []  # rows of lon, lat, x, y, z
    pieces: list[tuple[int, int, int, np.ndarray, int]] = []  # u, v, way, vertices, twin slot
    dropped: list[int] = []
    for c in np.unique(canon).tolist():
        members = np.flatnonzero(canon == c)
        length = float(net.edge_length_m[c])
        p = pos[members]
        at_u = p <= MERGE_M
        at_v = ~at_u & (p >= length - MERGE_M)
        point_node[members[at_u]] = net.edge_u[c]
        point_node[members[at_v]] = net.edge_v[c]
        inner = members[~at_u & ~at_v]
        if len(inner) == 0:
            continue
        inner = inner[np.argsort(pos[inner], kind="stable")]
        cluster = np.concatenate([[0], np.cumsum(np.diff(pos[inner]) > MERGE_M)])
        cuts = np.array([pos[inner][cluster == k].mean() for k in range(cluster[-1] + 1)])
        cut_nodes = n_nodes + np.arange(len(cuts))
        n_nodes += len(cuts)
        point_node[inner] = cut_nodes[cluster]

        verts = _edge_vertex_table(net, c)
        parts, cut_rows = _cut_polyline(verts, cuts)
        new_nodes.append(cut_rows)
        ends = [int(net.edge_u[c]), *cut_nodes.tolist(), int(net.edge_v[c])]
        way = int(net.edge_way[c])
        t = int(net.edge_twin[c])
        n, base = len(parts), len(pieces)
        # Twin pieces follow the forward ones: forward piece k pairs with base + 2n - 1 - k.
        for k, part in enumerate(parts):
            pieces.append((ends[k], ends[k + 1], way, part, base + 2 * n - 1 - k if t >= 0 else -1))
        if t >= 0:
            for k, part in enumerate(reversed(parts)):
                pieces.append((ends[n - k], ends[n - 1 - k], way, part[::-1], base + n - 1 - k))
            dropped.append(t)
        dropped.append(c)

    if not pieces:
        return net, point_node
    return _rebuild(net, np.asarray(dropped), pieces, new_nodes), point_node


def _edge_vertex_table(net: RoadNetwork, e: int) -> np.ndarray:
    """Rows ``(lon, lat, x, y, z)`` of the polyline of edge ``e``."""
    rows = net.edge_vertices(e)
    return np.column_stack(
        [
            net.vertex_lon[rows],
            net.vertex_lat[rows],
            net.vertex_x[rows],
            net.vertex_y[rows],
            net.vertex_z[rows],
        ]
    )


def _cut_polyline(verts: np.ndarray, cuts: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Split a ``(lon, lat, x, y, z)`` polyline at horizontal distances ``cuts``."""
    step = np.hypot(np.diff(verts[:, 2]), np.diff(verts[:, 3]))
    cum = np.concatenate([[0.0], np.cumsum(step)])
    seg = np.clip(np.searchsorted(cum, cuts, side="right") - 1, 0, len(verts) - 2)
    span = cum[seg + 1] - cum[seg]
    frac = np.where(span > 0, (cuts - cum[seg]) / np.where(span > 0, span, 1.0), 0.0)
    cut_rows = verts[seg] + frac[:, None] * (verts[seg + 1] - verts[seg])
    parts = []
    bounds = [0.0, *cuts.tolist(), float(cum[-1])]
    points = [verts[0], *cut_rows, verts[-1]]
    for k in range(len(bounds) - 1):
        inside = (cum > bounds[k]) & (cum < bounds[k + 1])
        parts.append(np.vstack([points[k], verts[inside], points[k + 1]]))
    return parts, cut_rows


def _rebuild(
    net: RoadNetwork,
    dropped: np.ndarray,
    pieces: list[tuple[int, int, int, np.ndarray, int]],
    new_nodes: list[np.ndarray],
) -> RoadNetwork:
    keep = np.ones(net.n_edges, dtype=bool)
    keep[dropped] = False
    kept = np.flatnonzero(keep)
    new_index = np.full(net.n_edges, -1, dtype=np.int64)
    new_index[kept] = np.arange(len(kept))

    counts = net.edge_start[kept + 1] - net.edge_start[kept]
    rows = _ranges(net.edge_start[kept], counts)
    old_twin = net.edge_twin[kept]
    twin_kept = np.where(old_twin >= 0, new_index[np.maximum(old_twin, 0)], -1)
    piece_twin = np.array([p[4] for p in pieces], dtype=np.int64)
    piece_twin = np.where(piece_twin >= 0, piece_twin + len(kept), -1)
    table = np.vstack([p[3] for p in pieces])
    piece_counts = np.array([len(p[3]) for p in pieces], dtype=np.int64)
    step = np.hypot(np.diff(table[:, 2]), np.diff(table[:, 3]))
    bounds = np.cumsum(piece_counts)
    step = np.concatenate([step, [0.0]])
    step[bounds - 1] = 0.0
    piece_len = np.add.reduceat(step, bounds - piece_counts)
    nodes = np.vstack(new_nodes)

    return replace(
        net,
        node_lon=np.concatenate([net.node_lon, nodes[:, 0]]),
        node_lat=np.concatenate([net.node_lat, nodes[:, 1]]),
        node_x=np.concatenate([net.node_x, nodes[:, 2]]),
        node_y=np.concatenate([net.node_y, nodes[:, 3]]),
        node_z=np.concatenate([net.node_z, nodes[:, 4]]),
        edge_u=np.concatenate([net.edge_u[kept], [p[0] for p in pieces]]).astype(np.int64),
        edge_v=np.concatenate([net.edge_v[kept], [p[1] for p in pieces]]).astype(np.int64),
        edge_start=np.concatenate([[0], np.cumsum(np.concatenate([counts, piece_counts]))]),
        vertex_lon=np.concatenate([net.vertex_lon[rows], table[:, 0]]),
        vertex_lat=np.concatenate([net.vertex_lat[rows], table[:, 1]]),
        vertex_x=np.concatenate([net.vertex_x[rows], table[:, 2]]),
        vertex_y=np.concatenate([net.vertex_y[rows], table[:, 3]]),
        vertex_z=np.concatenate([net.vertex_z[rows], table[:, 4]]),
        edge_way=np.concatenate([net.edge_way[kept], [p[2] for p in pieces]]).astype(np.int64),
        edge_twin=np.concatenate([twin_kept, piece_twin]),
        edge_length_m=np.concatenate([net.edge_length_m[kept], piece_len]),
    )
