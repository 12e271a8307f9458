"""Test helpers: tiny road networks drawn in metres, and the location of ../shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest

from villageroute.ways import Way

# Tiny networks are drawn in UTM 47N metres (around Binchuan, Yunnan) and converted to
# lon/lat, so build_network projects them back to the same metres.
CRS = "EPSG:32647"
X0, Y0 = 660_000.0, 2_858_000.0
_to_lonlat = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
_to_xy = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

SHARED = Path(__file__).resolve().parents[2] / "shared"
ANDORRA = SHARED / "data" / "roadnets" / "andorra"
needs_andorra = pytest.mark.skipif(
    not ANDORRA.exists(), reason=f"real Andorra data not found at {ANDORRA} (../shared absent)"
)


def lonlat(x: float | np.ndarray, y: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of local metres ``(x, y)`` measured from ``(X0, Y0)``."""
    lon, lat = _to_lonlat.transform(X0 + np.asarray(x, float), Y0 + np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def local_xy(lon: float | np.ndarray, lat: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres of lon/lat points (inverse of :func:`lonlat`)."""
    x, y = _to_xy.transform(lon, lat)
    return np.asarray(x) - X0, np.asarray(y) - Y0


def road(points: list[tuple[float, float]], z: list[float] | None = None, **tags: str) -> Way:
    """A way through local-metre ``points``; vertices are identified by coordinates."""
    xy = np.asarray(points, dtype=float)
    lon, lat = lonlat(xy[:, 0], xy[:, 1])
    tags.setdefault("highway", "unclassified")
    return Way(lon=lon, lat=lat, tags=tags, z=None if z is None else np.asarray(z, float))


def euclid(points: list[tuple[float, float]], kmh: float = 36.0) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and time (s) matrices of points given in km, at ``kmh``."""
    xy = np.asarray(points, dtype=float) * 1000.0
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return d, d / (kmh / 3.6)
