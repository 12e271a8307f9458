"""Travel time per edge: road class, surface, bends and slope."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import road
from villageroute.network import build_network
from villageroute.traveltime import SpeedProfile, edge_travel_times, parse_maxspeed


def times_by_direction(net, profile=None) -> dict[tuple[float, float], float]:
    """Edge times keyed by the (x, y) rounded start of each edge, for readable asserts."""
    times = edge_travel_times(net, profile)
    return {
        (
            round(float(net.node_x[u] - net.node_x.min())),
            round(float(net.node_y[u] - net.node_y.min())),
        ): t
        for u, t in zip(net.edge_u, times, strict=True)
    }


def test_flat_straight_road_runs_at_class_speed() -> None:
    net = build_network([road([(0, 0), (1000, 0)], highway="secondary")])
    assert edge_travel_times(net) == pytest.approx([1000 / (40 / 3.6)] * 2, rel=1e-6)


def test_slope_makes_uphill_slower_than_downhill() -> None:
    """A 10 % grade: up divides speed by 1 + 6 * 0.1, down by 1 + 5 * (0.1 - 0.04)."""
    net = build_network([road([(0, 0), (1000, 0)], z=[1000, 1100])])
    profile = SpeedProfile()
    flat = 1000 / (25 / 3.6)
    up_start = np.flatnonzero(net.node_z[net.edge_u] < 1050)[0]
    times = edge_travel_times(net, profile)
    assert times[up_start] == pytest.approx(flat * 1.6, rel=1e-6)
    assert times[1 - up_start] == pytest.approx(flat * 1.3, rel=1e-6)
    assert times[up_start] > times[1 - up_start] > flat


def test_gentle_descent_is_not_penalised() -> None:
    net = build_network([road([(0, 0), (1000, 0)], z=[1000, 1030])])
    times = np.sort(edge_travel_times(net))
    assert times[0] == pytest.approx(1000 / (25 / 3.6), rel=1e-6)


def test_hairpins_cost_time_over_a_straight_road_of_equal_length() -> None:
    zigzag = [(0, 0), (100, 0), (0, 20), (100, 40), (0, 60), (100, 80)]
    length = 100 + 4 * np.hypot(100, 20) + 0  # the first leg plus four slanted legs
    winding = build_network([road(zigzag, highway="primary")])
    straight = build_network([road([(0, 0), (length, 0)], highway="primary")])
    assert winding.edge_length_m[0] == pytest.approx(length, rel=1e-6)
    assert edge_travel_times(winding)[0] > 1.5 * edge_travel_times(straight)[0]


@pytest.mark.parametrize(
    ("tags", "kmh"),
    [
        ({"highway": "secondary", "maxspeed": "60"}, 60),
        ({"highway": "secondary", "maxspeed": "30 mph"}, 30 * 1.609344),
        ({"highway": "secondary", "maxspeed": "signals"}, 40),
        ({"highway": "primary_link"}, 50 * 0.7),
        ({"highway": "track", "tracktype": "grade4"}, 12 * 0.55),
        ({"highway": "tertiary", "surface": "gravel"}, 30 * 0.65),
        ({"highway": "motorway", "maxspeed": "120"}, 80),
        ({"highway": "no_such_class"}, 25),
    ],
)
def test_base_speed_from_tags(tags: dict[str, str], kmh: float) -> None:
    assert SpeedProfile().base_kmh(tags) == pytest.approx(kmh)


def test_overrides_change_class_speeds() -> None:
    profile = SpeedProfile().with_overrides({"track": 6.0}, {"gravel": 0.5})
    assert profile.base_kmh({"highway": "track"}) == 6.0
    assert profile.base_kmh({"highway": "tertiary", "surface": "gravel"}) == 15.0


@pytest.mark.parametrize(
    ("text", "kmh"), [("50", 50.0), ("20 mph", 32.18688), ("none", None), ("", None), ("0", None)]
)
def test_parse_maxspeed(text: str, kmh: float | None) -> None:
    assert parse_maxspeed(text) == (None if kmh is None else pytest.approx(kmh))
