"""Reproducible random road networks shaped like rural mountain roads.

Real county road networks of 100,000 edges are not at hand offline, and property tests
need many small networks, so this module makes them: random junctions joined by the
Euclidean minimum spanning tree of their Delaunay triangulation (rural road networks are
mostly tree-like), plus a share of short extra links that close local loops. Roads wind
(sinusoidal offsets) and climb over a smooth terrain surface (z values), and their classes
run from county road to village track. The output is plain :class:`~villageroute.ways.Way`
objects, so it goes through exactly the code path of real data.
"""

from __future__ import annotations

import numpy as np
import pyproj
from scipy.sparse import coo_array
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

from villageroute.network import utm_crs
from villageroute.ways import Way

# Binchuan county seat (Yunnan), the mountain county named in the project's background.
DEFAULT_ORIGIN = (100.575, 25.830)

_CLASSES = ("secondary", "tertiary", "unclassified", "track")
_CLASS_SHARE = (0.15, 0.25, 0.35, 0.25)


def terrain_height(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smooth ridges and valleys (metres) over local coordinates in metres."""
    return (
        1600.0
        + 500.0 * np.sin(x / 6000.0) * np.cos(y / 8000.0)
        + 200.0 * np.sin((x + 2.0 * y) / 2500.0)
        + 60.0 * np.cos((3.0 * x - y) / 900.0)
    )


def random_road_ways(
    n_junctions: int,
    *,
    seed: int = 0,
    spacing_m: float = 400.0,
    loop_share: float = 0.12,
    origin: tuple[float, float] = DEFAULT_ORIGIN,
) -> list[Way]:
    """Random two-way road network with about ``n_junctions`` junctions.

    Parameters
    ----------
    n_junctions
        Number of junctions (at least 3); the network has about
        ``2 * (1 + loop_share) * n_junctions`` directed edges.
    seed
        Random seed; the same arguments give the same ways.
    spacing_m
        Typical distance between neighbouring junctions.
    loop_share
        Extra links beyond the spanning tree, as a share of ``n_junctions``.
    origin
        Lon/lat of the south-west corner.

    Returns
    -------
    list of Way
        One way per road between two junctions, with z values.
    """
    if n_junctions < 3:
        raise ValueError("a random road network needs at least 3 junctions")
    rng = np.random.default_rng(seed)
    side = spacing_m * np.sqrt(n_junctions)
    xy = rng.random((n_junctions, 2)) * side

    tri = Delaunay(xy)
    pairs = np.vstack(
        [tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]]
    )
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    graph = coo_array((length, (pairs[:, 0], pairs[:, 1])), shape=(n_junctions,) * 2)
    tree = minimum_spanning_tree(graph).tocoo()
    in_tree = np.zeros(len(pairs), dtype=bool)
    tree_keys = np.sort(np.column_stack([tree.row, tree.col]), axis=1)
    key = pairs[:, 0].astype(np.int64) * n_junctions + pairs[:, 1]
    in_tree[np.isin(key, tree_keys[:, 0].astype(np.int64) * n_junctions + tree_keys[:, 1])] = True
    short = np.flatnonzero(~in_tree & (length < 1.5 * spacing_m))
    extra = rng.choice(short, size=min(len(short), int(loop_share * n_junctions)), replace=False)
    roads = pairs[np.concatenate([np.flatnonzero(in_tree), np.sort(extra)])]

    crs = utm_crs(*origin)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x0, y0 = to_xy.transform(*origin)

    classes = rng.choice(len(_CLASSES), size=len(roads), p=_CLASS_SHARE)
    lines: list[np.ndarray] = []
    for a, b in roads.tolist():
        p, q = xy[a], xy[b]
        span = float(np.hypot(*(q - p)))
        t = np.linspace(0.0, 1.0, int(np.clip(span / 60.0, 1, 8)) + 2)
        normal = np.array([-(q - p)[1], (q - p)[0]]) / max(span, 1e-9)
        wiggle = 0.12 * span * rng.uniform(-1, 1) * np.sin(np.pi * rng.integers(1, 4) * t)
        lines.append(p + t[:, None] * (q - p) + wiggle[:, None] * normal)
    counts = np.array([len(line) for line in lines])
    flat = np.vstack(lines)
    lon, lat = to_lonlat.transform(x0 + flat[:, 0], y0 + flat[:, 1])
    z = terrain_height(flat[:, 0], flat[:, 1])
    # Junctions keep their index as id; inner vertices get fresh ids after them.
    inner_ids = n_junctions + np.arange(len(flat))
    ways: list[Way] = []
    for k, (start, stop) in enumerate(
        zip(np.cumsum(counts) - counts, np.cumsum(counts), strict=True)
    ):
        ids = inner_ids[start:stop].copy()
        ids[0], ids[-1] = roads[k]
        highway = _CLASSES[classes[k]]
        tags = (
            {"highway": highway, "surface": "gravel"}
            if highway == "track"
            else {"highway": highway}
        )
        ways.append(
            Way(
                lon=lon[start:stop],
                lat=lat[start:stop],
                tags=tags,
                node_ids=ids,
                z=z[start:stop],
                source=f"synthetic road {k}",
            )
        )
    return ways
