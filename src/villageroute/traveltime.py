"""Travel time of a delivery van on each directed edge: road class, surface, bends, slope.

The model (documented with its defaults in ``docs/graph.md``) is, per edge polyline:

* a base speed: the ``maxspeed`` tag if present, else the default for the road class,
  capped at the van's top speed, times a surface factor;
* per segment, a slope factor from the grade ``g`` along the direction of travel: uphill
  ``1 / (1 + uphill_coeff * g)``; downhill beyond ``downhill_free_grade``
  ``1 / (1 + downhill_coeff * (|g| - downhill_free_grade))`` (engine braking). So the two
  directions of a mountain road take different times and the time matrix is asymmetric;
* per interior vertex, a bend penalty: a turn of angle ``theta`` between segments of
  lengths ``a`` and ``b`` is taken as an arc of length ``L = min(a, b)`` and radius
  ``L / theta``, driven at ``sqrt(lateral_accel * radius)`` when that is slower.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from villageroute.network import RoadNetwork
from villageroute.ways import first_tag

# km/h a loaded light van keeps on each class of rural Chinese road. OSM classes map to
# the Chinese administrative classes as used by OSM China: trunk = national road (国道),
# primary = provincial road (省道), secondary = county road (县道), tertiary = township
# road (乡道), unclassified = village road (村道).
DEFAULT_HIGHWAY_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 80.0,
        "trunk": 60.0,
        "primary": 50.0,
        "secondary": 40.0,
        "tertiary": 30.0,
        "unclassified": 25.0,
        "road": 25.0,
        "residential": 20.0,
        "living_street": 10.0,
        "service": 15.0,
        "track": 12.0,
    }
)
# Ramps are driven a good deal slower than the road they join.
LINK_FACTOR = 0.7

DEFAULT_SURFACE_FACTOR: Mapping[str, float] = MappingProxyType(
    {
        "asphalt": 1.0,
        "paved": 1.0,
        "concrete": 1.0,
        "concrete:plates": 0.95,
        "paving_stones": 0.8,
        "sett": 0.7,
        "cobblestone": 0.6,
        "unhewn_cobblestone": 0.5,
        "compacted": 0.8,
        "fine_gravel": 0.75,
        "gravel": 0.65,
        "pebblestone": 0.6,
        "unpaved": 0.6,
        "dirt": 0.5,
        "earth": 0.5,
        "ground": 0.5,
        "grass": 0.4,
        "mud": 0.35,
        "sand": 0.4,
    }
)
# Used for tracks without a surface tag: grade1 is a paved track, grade5 barely passable.
DEFAULT_TRACKTYPE_FACTOR: Mapping[str, float] = MappingProxyType(
    {"grade1": 1.0, "grade2": 0.85, "grade3": 0.7, "grade4": 0.55, "grade5": 0.4}
)


@dataclass(frozen=True)
class SpeedProfile:
    """Parameters of the travel-time model.

    Attributes
    ----------
    highway_kmh
        Speed per OSM ``highway`` value; unknown values use ``"road"``.
    surface_factor, tracktype_factor
        Multipliers on the base speed for unpaved or rough roads.
    max_kmh
        Top speed of the van whatever the sign says.
    lateral_accel
        Sideways acceleration (m/s²) taken through bends; 1.5 is a careful driver with
        a loaded van on a narrow mountain road.
    uphill_coeff
        Speed is divided by ``1 + uphill_coeff * grade`` going up: a 10 % climb costs a
        light van about 40 % of its speed.
    downhill_free_grade, downhill_coeff
        Descents steeper than ``downhill_free_grade`` are driven in low gear: speed is
        divided by ``1 + downhill_coeff * (|grade| - downhill_free_grade)``.
    max_grade
        Grades are clipped to this: steeper values come from DEM noise, not from roads.
    """

    highway_kmh: Mapping[str, float] = field(default_factory=lambda: DEFAULT_HIGHWAY_KMH)
    surface_factor: Mapping[str, float] = field(default_factory=lambda: DEFAULT_SURFACE_FACTOR)
    tracktype_factor: Mapping[str, float] = field(default_factory=lambda: DEFAULT_TRACKTYPE_FACTOR)
    max_kmh: float = 80.0
    lateral_accel: float = 1.5
    uphill_coeff: float = 6.0
    downhill_free_grade: float = 0.04
    downhill_coeff: float = 5.0
    max_grade: float = 0.25

    def with_overrides(
        self,
        highway_kmh: Mapping[str, float] | None = None,
        surface_factor: Mapping[str, float] | None = None,
    ) -> SpeedProfile:
        """A copy with some road-class speeds or surface factors replaced."""
        return SpeedProfile(
            highway_kmh={**self.highway_kmh, **(highway_kmh or {})},
            surface_factor={**self.surface_factor, **(surface_factor or {})},
            tracktype_factor=self.tracktype_factor,
            max_kmh=self.max_kmh,
            lateral_accel=self.lateral_accel,
            uphill_coeff=self.uphill_coeff,
            downhill_free_grade=self.downhill_free_grade,
            downhill_coeff=self.downhill_coeff,
            max_grade=self.max_grade,
        )

    def base_kmh(self, tags: Mapping[str, str]) -> float:
        """Speed on the flat and straight for a way with these tags."""
        highway = first_tag(tags.get("highway"))
        link = highway.endswith("_link")
        kind = highway.removesuffix("_link")
        speed = self.highway_kmh.get(kind, self.highway_kmh.get("road", 25.0))
        if link:
            speed *= LINK_FACTOR
        posted = parse_maxspeed(first_tag(tags.get("maxspeed")))
        if posted is not None:
            speed = posted
        speed = min(speed, self.max_kmh)
        surface = first_tag(tags.get("surface"))
        if surface in self.surface_factor:
            speed *= self.surface_factor[surface]
        elif kind == "track":
            speed *= self.tracktype_factor.get(first_tag(tags.get("tracktype")), 1.0)
        return speed


_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(text: str) -> float | None:
    """Posted limit in km/h from an OSM ``maxspeed`` value, or None if not numeric."""
    match = _MAXSPEED.match(text)
    if not match or float(match.group(1)) <= 0:
        return None
    value = float(match.group(1))
    return value * 1.609344 if match.group(2) == "mph" else value


def edge_travel_times(net: RoadNetwork, profile: SpeedProfile | None = None) -> np.ndarray:
    """Seconds to drive each directed edge of ``net``.

    Parameters
    ----------
    net
        The road network; vertex elevations that are NaN count as flat.
    profile
        Model parameters; the rural-China defaults when omitted.

    Returns
    -------
    numpy.ndarray
        Shape ``(net.n_edges,)``, every entry positive.
    """
    profile = profile or SpeedProfile()
    way_speed = np.array([profile.base_kmh(tags) for tags in net.way_tags]) / 3.6
    edge_speed = way_speed[net.edge_way]

    n_rows = len(net.vertex_x)
    starts = net.edge_start[:-1]
    ends = net.edge_start[1:] - 1
    edge_of_row = np.repeat(np.arange(net.n_edges), np.diff(net.edge_start))

    dx = np.zeros(n_rows)
    dy = np.zeros(n_rows)
    dz = np.zeros(n_rows)
    dx[:-1] = np.diff(net.vertex_x)
    dy[:-1] = np.diff(net.vertex_y)
    dz[:-1] = np.nan_to_num(np.diff(net.vertex_z))
    # Row r holds the segment from vertex r to r + 1; an edge's last row holds none.
    dx[ends] = dy[ends] = dz[ends] = 0.0
    seg = np.hypot(dx, dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        grade = np.where(seg > 0, dz / seg, 0.0)
    grade = np.clip(grade, -profile.max_grade, profile.max_grade)
    slow = np.ones(n_rows)
    up = grade > 0
    slow[up] = 1 + profile.uphill_coeff * grade[up]
    steep_down = grade < -profile.downhill_free_grade
    slow[steep_down] = 1 + profile.downhill_coeff * (
        -grade[steep_down] - profile.downhill_free_grade
    )
    seg_speed = edge_speed[edge_of_row] / slow
    seg_time = seg / seg_speed

    # Bends: turning angle at vertex r between segments r - 1 and r of the same edge.
    interior = np.ones(n_rows, dtype=bool)
    interior[starts] = False
    interior[ends] = False
    r = np.flatnonzero(interior)
    a, b = seg[r - 1], seg[r]
    heading_in = np.arctan2(dy[r - 1], dx[r - 1])
    heading_out = np.arctan2(dy[r], dx[r])
    theta = np.abs((heading_out - heading_in + np.pi) % (2 * np.pi) - np.pi)
    arc = np.minimum(a, b)
    v_road = np.minimum(seg_speed[r - 1], seg_speed[r])
    bent = (theta > 1e-3) & (arc > 0)
    v_curve = np.sqrt(profile.lateral_accel * arc[bent] / theta[bent])
    bend = np.zeros(len(r))
    bend[bent] = np.maximum(arc[bent] / v_curve - arc[bent] / v_road[bent], 0.0)

    time = np.bincount(edge_of_row, weights=seg_time, minlength=net.n_edges)
    time += np.bincount(edge_of_row[r], weights=bend, minlength=net.n_edges)
    # Coincident nodes (zero-length edges) still cost something so no path is free.
    return np.maximum(time, 0.01)
