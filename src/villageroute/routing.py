"""Shortest paths between stations: travel-time and distance matrices and leg geometry.

Two ideas keep this fast on county-sized and larger networks:

* **One Dijkstra gives both matrices.** Each arc weighs ``time_ds * 2**24 + metres``
  (time in whole tenths of a second, length in whole metres), an integer below 2**53 and
  so exact in float64. Minimising it minimises travel time first and distance second, and
  the total splits back into the time and the length *of the fastest path*, the route a
  van actually drives. Path lengths must stay under 2**24 m (16,777 km).
* **A core graph.** Nodes that no shortest path between stations can need are removed
  first: dead-end branches without a station, then chains of two-neighbour nodes are
  replaced by shortcut arcs. scipy's compiled Dijkstra (``scipy.sparse.csgraph``) then
  runs once per station on the core.

A shortcut remembers the edges it stands for, so any leg expands back into road edges
and from there into its geometry.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from villageroute.network import RoadNetwork

_DIST_BITS = 24
_DIST_SCALE = float(2**_DIST_BITS)
MAX_PATH_M = 2**_DIST_BITS - 1


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Station-to-station travel times and distances on the fastest paths.

    Attributes
    ----------
    nodes
        Network node of each station, shape ``(s,)``; row/column ``i`` is ``nodes[i]``.
    time_s
        ``time_s[i, j]`` is the fastest driving time from station ``i`` to ``j`` in
        seconds (resolution 0.1 s per edge), ``inf`` if there is no path.
    distance_m
        Length in metres of that fastest path (resolution 1 m per edge), ``inf`` if none.
    """

    nodes: np.ndarray
    time_s: np.ndarray
    distance_m: np.ndarray


def encode_weights(edge_time_s: np.ndarray, edge_length_m: np.ndarray) -> np.ndarray:
    """Integer arc weights ``time_ds * 2**24 + metres`` as float64 (exact, see module doc)."""
    time_ds = np.maximum(np.rint(np.asarray(edge_time_s) * 10.0), 1).astype(np.int64)
    metres = np.rint(np.asarray(edge_length_m)).astype(np.int64)
    return (time_ds * 2**_DIST_BITS + metres).astype(np.float64)


def decode_weights(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split encoded path weights into ``(seconds, metres)``; ``inf`` stays ``inf``."""
    finite = np.isfinite(weight)
    safe = np.where(finite, weight, 0.0)
    time_ds = np.floor(safe / _DIST_SCALE)
    metres = safe - time_ds * _DIST_SCALE
    return (
        np.where(finite, time_ds / 10.0, np.inf),
        np.where(finite, metres, np.inf),
    )


class Router:
    """Fastest paths between a fixed set of terminal nodes of a road network.

    Parameters
    ----------
    net
        The road network.
    edge_time_s
        Travel time of each directed edge, e.g. from
        :func:`villageroute.traveltime.edge_travel_times`.
    terminals
        Nodes that paths may start or end at (the stations). Other nodes may be
        contracted away; every terminal stays.
    """

    def __init__(
        self, net: RoadNetwork, edge_time_s: np.ndarray, terminals: Sequence[int] | np.ndarray
    ) -> None:
        self.net = net
        self.terminals = np.unique(np.asarray(terminals, dtype=np.int64))
        weight = encode_weights(edge_time_s, net.edge_length_m)
        core = _contract(net.edge_u, net.edge_v, weight, net.n_nodes, self.terminals)
        self._core_node, self._arc_u, self._arc_v, self._arc_w, self._arc_edges = core
        self._core_index = np.full(net.n_nodes, -1, dtype=np.int64)
        self._core_index[self._core_node] = np.arange(len(self._core_node))
        n = len(self._core_node)
        order = np.lexsort((self._arc_v, self._arc_u))
        self._arc_u, self._arc_v = self._arc_u[order], self._arc_v[order]
        self._arc_w = self._arc_w[order]
        self._arc_edges = [self._arc_edges[k] for k in order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self._arc_u, minlength=n), out=indptr[1:])
        self.graph = csr_array((self._arc_w, self._arc_v, indptr), shape=(n, n))
        self._predecessors = lru_cache(maxsize=256)(self._predecessors_uncached)

    @property
    def core_size(self) -> tuple[int, int]:
        """Nodes and arcs of the contracted graph that Dijkstra runs on."""
        return len(self._core_node), len(self._arc_u)

    def matrix(self, nodes: Sequence[int] | np.ndarray) -> TravelMatrix:
        """Times and distances between ``nodes``, each of which must be a terminal."""
        nodes = np.asarray(nodes, dtype=np.int64)
        core = self._core_index[nodes]
        if (core < 0).any():
            raise ValueError("matrix nodes must be among the router's terminals")
        # scipy's Dijkstra holds the GIL, so threads would not help; one call does all rows.
        weight = dijkstra(self.graph, indices=core)[:, core]
        time_s, distance_m = decode_weights(weight)
        return TravelMatrix(nodes=nodes, time_s=time_s, distance_m=distance_m)

    def _predecessors_uncached(self, source_core: int) -> np.ndarray:
        return dijkstra(self.graph, indices=source_core, return_predecessors=True)[1]

    def path_edges(self, source: int, target: int) -> list[int]:
        """Road edges of the fastest path from terminal ``source`` to terminal ``target``.

        Raises
        ------
        ValueError
            If either node is not a terminal or ``target`` is unreachable.
        """
        s, t = int(self._core_index[source]), int(self._core_index[target])
        if s < 0 or t < 0:
            raise ValueError("path ends must be among the router's terminals")
        if s == t:
            return []
        pred = self._predecessors(s)
        if pred[t] < 0:
            raise ValueError(f"node {target} is not reachable from node {source}")
        hops = [t]
        while hops[-1] != s:
            hops.append(int(pred[hops[-1]]))
        hops.reverse()
        edges: list[int] = []
        indptr, indices = self.graph.indptr, self.graph.indices
        for a, b in itertools.pairwise(hops):
            k = indptr[a] + int(np.searchsorted(indices[indptr[a] : indptr[a + 1]], b))
            edges.extend(self._arc_edges[k])
        return edges


def _contract(
    edge_u: np.ndarray,
    edge_v: np.ndarray,
    weight: np.ndarray,
    n_nodes: int,
    terminals: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Core graph keeping every shortest path between terminals.

    Returns the kept nodes and, per core arc, its ends (core numbering), its weight and
    the road edges it stands for.
    """
    # Best arc per (u, v) pair: a parallel, slower edge is never on a fastest path.
    order = np.lexsort((weight, edge_v, edge_u))
    u, v, w = edge_u[order], edge_v[order], weight[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    loop = u == v
    pick = first & ~loop
    out: list[dict[int, tuple[float, tuple[int, ...]]]] = [{} for _ in range(n_nodes)]
    inn: list[dict[int, float]] = [{} for _ in range(n_nodes)]
    for a, b, wt, e in zip(
        u[pick].tolist(), v[pick].tolist(), w[pick].tolist(), order[pick].tolist(), strict=True
    ):
        out[a][b] = (wt, (e,))
        inn[b][a] = wt

    is_terminal = np.zeros(n_nodes, dtype=bool)
    is_terminal[terminals] = True
    terminal = is_terminal.tolist()
    alive = [True] * n_nodes

    def neighbours(x: int) -> set[int]:
        return set(out[x]) | set(inn[x])

    def remove(x: int) -> None:
        for b in out[x]:
            del inn[b][x]
        for a in inn[x]:
            del out[a][x]
        out[x], inn[x] = {}, {}
        alive[x] = False

    # Dead ends: a path entering a non-terminal node with one neighbour must turn back.
    stack = [x for x in range(n_nodes) if not terminal[x] and len(neighbours(x)) <= 1]
    while stack:
        x = stack.pop()
        if not alive[x]:
            continue
        around = neighbours(x)
        if len(around) > 1:
            continue
        remove(x)
        stack.extend(y for y in around if not terminal[y] and len(neighbours(y)) <= 1)

    # Chains: a non-terminal node with exactly two neighbours is bypassed by shortcuts.
    for x in range(n_nodes):
        if terminal[x] or not alive[x]:
            continue
        around = neighbours(x)
        if len(around) != 2:
            continue
        a, b = around
        for p, q in ((a, b), (b, a)):
            if x in out[p] and q in out[x]:
                w1, e1 = out[p][x]
                w2, e2 = out[x][q]
                if q not in out[p] or w1 + w2 < out[p][q][0]:
                    out[p][q] = (w1 + w2, e1 + e2)
                    inn[q][p] = w1 + w2
        remove(x)

    core_node = np.flatnonzero(alive)
    index = np.full(n_nodes, -1, dtype=np.int64)
    index[core_node] = np.arange(len(core_node))
    arc_u: list[int] = []
    arc_v: list[int] = []
    arc_w: list[float] = []
    arc_edges: list[tuple[int, ...]] = []
    for a in core_node.tolist():
        for b, (wt, edges) in out[a].items():
            arc_u.append(a)
            arc_v.append(b)
            arc_w.append(wt)
            arc_edges.append(edges)
    return (
        core_node,
        index[np.asarray(arc_u, dtype=np.int64)],
        index[np.asarray(arc_v, dtype=np.int64)],
        np.asarray(arc_w, dtype=np.float64),
        arc_edges,
    )
