"""An exact deliver-and-collect load check for OR-Tools' local search.

:mod:`~villageroute.solvers.ortools_routing` models the load of a two-way trip with two
dimensions tied at the trip's start (``load[start] == delivered[end]``). OR-Tools'
filters check each dimension on its own, so a move that overloads the van mid-trip
passes them and is rejected only afterwards, by constraint propagation, which costs far
more than a filter. On the tight Dethloff instances about nine in ten moves that pass
the built-in filters died there.

:class:`TwoWayLoadFilter` does the whole check in a filter: a trip that delivers ``D``
in total carries ``D + max(0, max_k (collected_k - delivered_k))`` at its fullest
(sums up to and including stop ``k``), which must fit the vehicle. The tie stays in the
model, so the filter only saves work and can never let an overloaded plan through.

It is written in Python, so each call costs tens of microseconds. In local search that
is cheap: only the moves that OR-Tools' cheaper built-in filters let through reach it
(fewer than 1 in 200 on CON8-0). OR-Tools' insertion-based large neighbourhoods call it
at every insertion, though (on CON8-0 it then took two thirds of a 3 s search), so
:func:`without_path_lns` turns those off wherever the filter is used.
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.constraint_solver import pywrapcp, routing_parameters_pb2
from ortools.util import optional_boolean_pb2


class TwoWayLoadFilter(pywrapcp.IntVarLocalSearchFilter):  # type: ignore[misc]
    """Rejects a move when a trip it changes is overloaded at some point.

    Parameters
    ----------
    routing, manager
        The routing model and its index manager.
    down, up
        Per measure (kg, parcels, ...), the quantity delivered and collected at each
        model node (node 0 is the depot).
    capacities
        Per measure, the capacity of each routing vehicle (trip).
    """

    def __init__(
        self,
        routing: pywrapcp.RoutingModel,
        manager: pywrapcp.RoutingIndexManager,
        down: Sequence[Sequence[int]],
        up: Sequence[Sequence[int]],
        capacities: Sequence[Sequence[int]],
    ) -> None:
        size = routing.Size()
        super().__init__([routing.NextVar(i) for i in range(size)])
        self._size = size
        self._starts = [routing.Start(r) for r in range(routing.vehicles())]
        nodes = [manager.IndexToNode(i) for i in range(size)]
        # Per measure: quantities by routing index, and capacity by route.
        self._measures = [
            ([d[n] for n in nodes], [u[n] for n in nodes], list(c))
            for d, u, c in zip(down, up, capacities, strict=True)
        ]
        self._next = [-1] * size
        self._route = [-1] * size  # trip of each index (-1: not on a trip)
        self._stops: list[list[int]] = [[] for _ in self._starts]
        for r, start in enumerate(self._starts):
            self._route[start] = r
        self._synced = False

    def IsIncremental(self) -> bool:
        # Defined here because the SWIG proxy of the base method calls back into
        # Python without end.
        return False

    def Synchronize(self, assignment: pywrapcp.Assignment, delta: pywrapcp.Assignment) -> None:
        # OR-Tools' bindings never call OnSynchronize, so the base's own bookkeeping
        # runs first and the copy of the routes is refreshed here.
        pywrapcp.IntVarLocalSearchFilter.Synchronize(self, assignment, delta)
        changes = delta.IntVarContainer() if delta is not None else None
        if not self._synced or changes is None or changes.Size() == 0:
            self._next = [self.Value(i) for i in range(self._size)]
            self._synced = True
            trips = range(len(self._starts))
        else:
            changed = [self.IndexFromVar(changes.Element(k).Var()) for k in range(changes.Size())]
            changed = [i for i in changed if i >= 0]
            for i in changed:
                self._next[i] = self.Value(i)
            # As in Accept: the old trips of the changed indices are all that changed.
            trips = {self._route[i] for i in changed} - {-1}
        route = self._route
        for r in trips:
            for i in self._stops[r]:
                route[i] = -1
        for r in trips:
            self._stops[r] = stops = self._walk(self._starts[r], {})
            for i in stops:
                route[i] = r

    def Accept(
        self,
        delta: pywrapcp.Assignment,
        deltadelta: pywrapcp.Assignment,
        objective_min: int,
        objective_max: int,
    ) -> bool:
        if not self._synced:
            return True
        changes = delta.IntVarContainer()
        new: dict[int, int] = {}
        for k in range(changes.Size()):
            element = changes.Element(k)
            if not element.Activated():
                return True  # not a plain change of successors: leave it to the solver
            index = self.IndexFromVar(element.Var())
            if index >= 0:
                new[index] = element.Value()
        # A trip that differs has a first changed node, and before the move that node
        # was on this same trip: the old trips of the changed nodes cover every change.
        for r in {self._route[i] for i in new} - {-1}:
            stops = self._walk(self._starts[r], new)
            for down, up, capacity in self._measures:
                delivered = peak = balance = 0
                for i in stops:
                    delivered += down[i]
                    balance += up[i] - down[i]
                    if balance > peak:
                        peak = balance
                if delivered + peak > capacity[r]:
                    return False
        return True

    def _walk(self, start: int, new: dict[int, int]) -> list[int]:
        """The stops after ``start`` up to the trip's end, with ``new`` successors."""
        stops = []
        index = new.get(start, self._next[start])
        while 0 <= index < self._size and len(stops) <= self._size:
            stops.append(index)
            index = new.get(index, self._next[index])
        return stops


def without_path_lns(params: routing_parameters_pb2.RoutingSearchParameters) -> None:
    """Turn off the insertion-based path neighbourhoods (see the module docstring)."""
    off = optional_boolean_pb2.BOOL_FALSE
    params.local_search_operators.use_global_cheapest_insertion_path_lns = off
    params.local_search_operators.use_local_cheapest_insertion_path_lns = off
