"""The exact deliver-and-collect load filter, against a direct simulation of the load."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.constraint_solver import pywrapcp

import villageroute as vr
from tests.helpers import euclid
from tests.test_ortools import brute_force_one_vehicle, solve
from villageroute.settings import VehicleType
from villageroute.solvers.ortools_load_filter import TwoWayLoadFilter
from villageroute.solvers.ortools_routing import _Model


class Trips:
    """A routing model of ``n`` stations and ``trips`` routes, with its filter."""

    def __init__(self, down: list[int], up: list[int], capacity: int, trips: int) -> None:
        self.manager = pywrapcp.RoutingIndexManager(len(down), trips, 0)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.filter = TwoWayLoadFilter(
            self.routing, self.manager, [down], [up], [[capacity] * trips]
        )

    def nexts(self, trips: list[list[int]]) -> dict[int, int]:
        """Successor of every index: stations on ``trips``, the rest inactive."""
        routing, manager = self.routing, self.manager
        out = {i: i for i in range(routing.Size())}
        for r, trip in enumerate(trips):
            path = [routing.Start(r), *(manager.NodeToIndex(n) for n in trip), routing.End(r)]
            out.update(itertools.pairwise(path))
        return out

    def assignment(self, nexts: dict[int, int]) -> pywrapcp.Assignment:
        a = self.routing.solver().Assignment()
        for i, j in nexts.items():
            a.Add(self.routing.NextVar(i))
            a.SetValue(self.routing.NextVar(i), j)
        return a

    def sync(self, trips: list[list[int]]) -> None:
        self.filter.Synchronize(self.assignment(self.nexts(trips)), None)

    def accepts(self, trips: list[list[int]], *, whole: bool = False) -> bool:
        """Whether the filter accepts moving from the synchronised trips to ``trips``.

        The move lists only the successors that change, as local search does, unless
        ``whole``.
        """
        old = {i: self.filter.Value(i) for i in range(self.routing.Size())}
        new = self.nexts(trips)
        delta = new if whole else {i: j for i, j in new.items() if old[i] != j}
        empty = self.routing.solver().Assignment()
        return bool(self.filter.Accept(self.assignment(delta), empty, 0, 0))


def fits(down: list[int], up: list[int], capacity: int, trip: list[int]) -> bool:
    """Simulate the van: it leaves with every delivery and must never carry too much."""
    load = sum(down[n] for n in trip)
    if load > capacity:
        return False
    for n in trip:
        load += up[n] - down[n]
        if load > capacity:
            return False
    return True


def test_collecting_before_delivering_overloads_the_van() -> None:
    """Capacity 10: station 1 sends 6, station 2 receives 6 (as in test_ortools)."""
    model = Trips(down=[0, 0, 6], up=[0, 6, 0], capacity=10, trips=1)
    model.sync([[2, 1]])
    assert not model.accepts([[1, 2]])
    assert model.accepts([[2, 1]], whole=True)
    assert model.accepts([[2]])  # dropping a station never overloads
    model.sync([[2]])
    assert not model.accepts([[1, 2]])  # inserting at the trip's front
    assert model.accepts([[2, 1]])  # inserting at its end


def test_moves_between_trips_are_checked_on_both_trips() -> None:
    model = Trips(down=[0, 5, 5, 0, 0], up=[0, 0, 0, 5, 5], capacity=10, trips=2)
    model.sync([[1, 3], [2, 4]])
    assert not model.accepts([[3, 1, 2], [4]])  # leaves with 10, collects 5 first
    assert model.accepts([[1, 2], [3, 4]])
    assert model.accepts([[3, 1], [2, 4]])  # 5 out, 5 back, same trip


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_filter_agrees_with_simulating_the_load(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 7), label="stations")
    down = [0, *data.draw(st.lists(st.integers(0, 6), min_size=n, max_size=n), label="down")]
    up = [0, *data.draw(st.lists(st.integers(0, 6), min_size=n, max_size=n), label="up")]
    capacity = data.draw(st.integers(4, 14), label="capacity")

    def some_trips(label: str) -> list[list[int]]:
        order = data.draw(st.permutations(range(1, n + 1)), label=f"{label} order")
        cut = data.draw(st.integers(0, n), label=f"{label} cut")
        keep = data.draw(st.integers(cut, n), label=f"{label} served")
        return [list(order[:cut]), list(order[cut:keep])]

    before, after = some_trips("before"), some_trips("after")
    model = Trips(down, up, capacity, trips=2)
    model.sync(before)
    # Only trips the move changes are checked, as for local search.
    changed = [a for a, b in zip(after, before, strict=True) if a != b]
    expected = all(fits(down, up, capacity, trip) for trip in changed)
    assert model.accepts(after) is expected


VAN = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 24.0)


@pytest.mark.parametrize("seed", range(6))
def test_tight_two_way_trips_still_find_the_optimum(seed: int) -> None:
    """Five stations, one van of 10 parcels, loads that bind mid-trip: the search with
    the filter must find the brute-force optimum (a filter too strict would miss it)."""
    rng = np.random.default_rng(seed)
    while True:
        down = [0, *rng.integers(0, 5, 5)]
        up = [0, *rng.integers(0, 5, 5)]
        every = all(d + u > 0 for d, u in zip(down[1:], up[1:], strict=True))
        tight = sum(down) <= 10 and sum(up) <= 10 and sum(down) + sum(up) > 10
        orders = itertools.permutations(range(1, 6))
        if every and tight and any(fits(down, up, 10, list(o)) for o in orders):
            break
    d, t = euclid([(0, 0), *rng.uniform(-10, 10, (5, 2)).tolist()])
    problem = vr.Problem.from_arrays(d, t, vehicle_types=[VAN], down_parcels=down, up_parcels=up)
    assert _Model(problem, [1, 2, 3, 4, 5], 1).load_filter is not None
    plan = solve(problem, time_limit=0.5)
    assert plan.total_cost == pytest.approx(brute_force_one_vehicle(problem))


def test_days_with_a_time_dimension_go_without_the_filter() -> None:
    d, t = euclid([(0, 0), (5, 2), (10, -1)])
    shift = VehicleType("van", 1, 1000.0, 10, 1.0, 0.0, 0.0, 8.0)  # shorter than the day
    problem = vr.Problem.from_arrays(
        d, t, vehicle_types=[shift], down_parcels=[0, 0, 6], up_parcels=[0, 6, 0]
    )
    model = _Model(problem, [1, 2], 1)
    assert model.time is not None
    assert model.load_filter is None
