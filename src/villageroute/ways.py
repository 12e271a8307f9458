"""Raw road polylines as read from any road source, before a routable network is built.

Every road reader (OSM XML/PBF, GeoJSON LineStrings, GraphML, networkx graphs) produces
:class:`Way` objects; :func:`villageroute.network.build_network` turns them into one
routable :class:`~villageroute.network.RoadNetwork`. Keeping this border plain means the
readers know nothing about routing and the router nothing about file formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# OSM ``highway`` values a delivery van may drive on. Tracks stay in: in rural China the
# last kilometres to a village are often a track, driven slowly (see traveltime.py).
DRIVABLE_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "track",
        "road",
    }
)
_NO_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "delivery_no"})
_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})


@dataclass(frozen=True, eq=False)
class Way:
    """One road polyline with its tags.

    Attributes
    ----------
    lon, lat
        Vertex coordinates in WGS-84 degrees, shape ``(k,)`` with ``k >= 2``.
    tags
        OSM-style tags as strings (``highway``, ``maxspeed``, ``surface``, ``oneway``...).
    node_ids
        Vertex identities, shape ``(k,)``; ways connect where they share an id. ``None``
        means "identify vertices by their coordinates" (GeoJSON input).
    z
        Vertex elevations in metres, shape ``(k,)``, or ``None`` when unknown.
    source
        Where the way came from, for error messages (e.g. ``"way 23925255"``).
    """

    lon: np.ndarray
    lat: np.ndarray
    tags: Mapping[str, str] = field(default_factory=dict)
    node_ids: np.ndarray | None = None
    z: np.ndarray | None = None
    source: str = ""


def first_tag(value: object) -> str:
    """Return a tag value as one string; osmnx merges tags into lists, take the first."""
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def is_drivable(tags: Mapping[str, str]) -> bool:
    """Whether a delivery van may drive a way with these tags."""
    if first_tag(tags.get("highway")) not in DRIVABLE_HIGHWAYS:
        return False
    if tags.get("area") == "yes":
        return False
    for key in ("motor_vehicle", "motorcar", "vehicle", "access"):
        value = tags.get(key)
        if value is not None:
            return first_tag(value) not in _NO_ACCESS
    return True


def directions(tags: Mapping[str, str]) -> tuple[bool, bool]:
    """Return ``(forward, backward)``: which ways along the vertex order may be driven."""
    oneway = first_tag(tags.get("oneway")).lower()
    if oneway in _ONEWAY_FORWARD:
        return True, False
    if oneway in _ONEWAY_BACKWARD:
        return False, True
    if oneway in {"no", "false", "0"}:
        return True, True
    implied = first_tag(tags.get("highway")) in {"motorway"} or tags.get("junction") in {
        "roundabout",
        "circular",
    }
    return True, not implied
