"""Reproducible daily demand for village stations, shaped like rural e-commerce.

Real per-station parcel counts are not public, so sample counties and the Andorra test
county get demand from this model, whose shape follows the project's background:

* **downlink dominates**: online orders arrive every day at nearly every station, in
  numbers that grow with the settlement (a township seat gets dozens, a hamlet a few);
* **uplink is rarer and heavier**: about a third of villages send farm produce, a few
  boxes a day at :data:`~villageroute.settings.DEFAULT_KG_PER_UP_PARCEL` kg each;
* **fresh produce**: some of those villages ship perishables (mushrooms, berries,
  vegetables) that must reach the county within a few hours, and some of it needs a
  refrigerated vehicle.

Every draw comes from one ``numpy`` generator seeded by the caller, so the same inputs
and seed give the same demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np

from villageroute.stations import Station


@dataclass(frozen=True)
class DemandProfile:
    """Parameters of the demand model.

    Attributes
    ----------
    down_mean
        Mean downlink parcels a day per station size class.
    produce_share
        Share of stations that send produce.
    up_mean
        Mean uplink boxes a day at a station that sends produce.
    fresh_share
        Share of producing stations whose produce is perishable.
    fresh_hours
        Deadlines (hours to reach the depot) drawn for perishable produce.
    cold_share
        Share of perishable producers that need a refrigerated vehicle.
    """

    down_mean: tuple[tuple[str, float], ...] = (
        ("town", 60.0),
        ("hub", 40.0),
        ("village", 14.0),
        ("hamlet", 4.0),
        ("other", 2.0),
    )
    produce_share: float = 0.35
    up_mean: float = 6.0
    fresh_share: float = 0.4
    fresh_hours: tuple[float, ...] = (3.0, 4.0, 6.0)
    cold_share: float = 0.3

    def mean_for(self, size: str) -> float:
        means = dict(self.down_mean)
        return means.get(size, means["other"])


def assign_demand(
    stations: Sequence[Station],
    sizes: Sequence[str],
    *,
    seed: int,
    profile: DemandProfile | None = None,
    kg_per_down_parcel: float = 2.0,
    kg_per_up_parcel: float = 7.5,
) -> list[Station]:
    """Stations with daily demand drawn from the model (the depot keeps none).

    Parameters
    ----------
    stations
        Stations to give demand to; the depot's demand is set to zero.
    sizes
        Size class of each station: ``"town"``, ``"hub"``, ``"village"``, ``"hamlet"``
        or anything else (smallest class).
    seed
        Random seed.
    profile
        Model parameters.
    kg_per_down_parcel, kg_per_up_parcel
        Weights used for ``down_kg`` and ``up_kg``.

    Returns
    -------
    list of Station
        Copies of ``stations`` with ``down_*``, ``up_*``, ``up_fresh_hours`` and
        ``up_cold_chain`` set.
    """
    if len(sizes) != len(stations):
        raise ValueError("one size class per station is needed")
    profile = profile or DemandProfile()
    rng = np.random.default_rng(seed)
    out = []
    for station, size in zip(stations, sizes, strict=True):
        # Gamma-Poisson: counts over-dispersed like real orders (many small days).
        mean = profile.mean_for(size)
        down = int(rng.poisson(rng.gamma(2.0, mean / 2.0)))
        produces = rng.random() < profile.produce_share
        up = int(rng.poisson(profile.up_mean)) if produces else 0
        fresh = up > 0 and rng.random() < profile.fresh_share
        hours = float(rng.choice(profile.fresh_hours)) if fresh else None
        cold = bool(fresh and rng.random() < profile.cold_share)
        if station.kind == "depot":
            down, up, hours, cold = 0, 0, None, False
        out.append(
            replace(
                station,
                down_parcels=down,
                up_parcels=up,
                down_kg=down * kg_per_down_parcel,
                up_kg=up * kg_per_up_parcel,
                up_fresh_hours=hours,
                up_cold_chain=cold,
            )
        )
    return out


# OSM place values mapped to the model's size classes.
_PLACE_SIZE = {"city": "town", "town": "town", "suburb": "village", "village": "village"}


def stations_from_places(
    places: gpd.GeoDataFrame, *, depot: str, seed: int, **kwargs: object
) -> list[Station]:
    """Village stations with generated demand from OSM place points.

    Parameters
    ----------
    places
        Points with ``name`` and OSM ``place`` columns (town, village, hamlet...) and an
        ``osm_id`` column used for station ids when present.
    depot
        Name of the place that hosts the depot.
    seed
        Random seed of the demand.
    **kwargs
        Passed to :func:`assign_demand`.

    Returns
    -------
    list of Station
        The depot first, then one station per other place.
    """
    places = places.to_crs("EPSG:4326")
    if depot not in set(places["name"]):
        raise ValueError(f"no place named {depot!r}")
    stations, sizes = [], []
    for k, row in enumerate(places.itertuples()):
        ident = str(getattr(row, "osm_id", k))
        kind = "depot" if row.name == depot else "station"
        stations.append(
            Station(id=ident, kind=kind, name=str(row.name), lon=row.geometry.x, lat=row.geometry.y)
        )
        sizes.append(_PLACE_SIZE.get(str(getattr(row, "place", "")), "hamlet"))
    order = sorted(range(len(stations)), key=lambda i: stations[i].kind != "depot")
    stations = [stations[i] for i in order]
    sizes = [sizes[i] for i in order]
    return assign_demand(stations, sizes, seed=seed, **kwargs)  # type: ignore[arg-type]
