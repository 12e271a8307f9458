"""The routing problem as plain, immutable arrays: one day, one depot, a fleet.

A :class:`Problem` is what every solver reads and what the validator checks plans
against. It is built once, from a loaded county (:meth:`Problem.from_county`) or from
matrices (:meth:`Problem.from_arrays`), and never changes. Location 0 is the depot;
locations ``1..n-1`` are stations (township hubs are stations with demand here).

Units are natural and floating point: metres, seconds, kilograms, parcels, currency.
Solvers that need integers (OR-Tools) scale inside ``solvers/``; reported costs are
always recomputed from these floats, so no rounding drifts into them.

Extension points (kept out until their issue lands): a multi-day horizon adds a visit
day per station, carriers add a parcel split per station, hubs add transfer locations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from villageroute.errors import InputError
from villageroute.settings import VehicleType

_DAY_S = 24 * 3600.0


@dataclass(frozen=True, eq=False)
class Problem:
    """One day of two-way routing from a single depot.

    Attributes
    ----------
    ids, names
        Location ids and names; index 0 is the depot.
    distance_m, time_s
        ``(n, n)`` driving distance and time between locations (may be asymmetric).
    down_parcels, up_parcels
        ``(n,)`` parcels to deliver to / collect from each location (depot: 0).
    down_kg, up_kg
        ``(n,)`` their weight.
    service_s
        ``(n,)`` time spent at each location per visit.
    open_s, close_s
        ``(n,)`` service must start within ``[open_s, close_s]`` (seconds after midnight).
    fresh_s
        ``(n,)`` produce collected at a location must reach the depot within this many
        seconds of the collection (service start); ``inf`` when it keeps.
    cold_chain
        ``(n,)`` whether the collected produce must travel in a cold-chain vehicle.
    vehicle_types
        The fleet; vehicle ``k`` is of type ``vehicle_type[k]``.
    day_start_s, day_end_s
        Vehicles leave the depot no earlier and are back no later than these.
    split_visits
        Whether a station's delivery and collection may be done on separate visits
        (say, parcels on the morning round, produce picked up by the cold van). The
        textbook VRPSPD forbids it: one visit does both.
    name, currency
        For reports.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    distance_m: np.ndarray
    time_s: np.ndarray
    down_parcels: np.ndarray
    up_parcels: np.ndarray
    down_kg: np.ndarray
    up_kg: np.ndarray
    service_s: np.ndarray
    open_s: np.ndarray
    close_s: np.ndarray
    fresh_s: np.ndarray
    cold_chain: np.ndarray
    vehicle_types: tuple[VehicleType, ...]
    day_start_s: float = 0.0
    day_end_s: float = _DAY_S
    split_visits: bool = True
    name: str = ""
    currency: str = "CNY"
    vehicle_type: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("distance_m", "time_s"):
            matrix = np.asarray(getattr(self, name), dtype=float)
            if matrix.shape != (n, n):
                raise InputError(f"{name} has shape {matrix.shape}, expected {(n, n)}", field=name)
            if np.isnan(matrix).any() or (matrix < 0).any():
                raise InputError(f"{name} has negative or NaN entries", field=name)
            object.__setattr__(self, name, _frozen(matrix))
        for name in ("down_parcels", "up_parcels"):
            values = np.asarray(getattr(self, name))
            if values.shape != (n,) or (values < 0).any() or (values != np.round(values)).any():
                raise InputError(f"{name} must be {n} whole numbers >= 0", field=name)
            object.__setattr__(self, name, _frozen(values.astype(np.int64)))
        for name in ("down_kg", "up_kg", "service_s", "open_s", "close_s", "fresh_s"):
            values = np.asarray(getattr(self, name), dtype=float)
            if values.shape != (n,) or np.isnan(values).any() or (values < 0).any():
                raise InputError(f"{name} must be {n} numbers >= 0", field=name)
            object.__setattr__(self, name, _frozen(values))
        object.__setattr__(self, "cold_chain", _frozen(np.asarray(self.cold_chain, dtype=bool)))
        for kg, parcels in (("down_kg", "down_parcels"), ("up_kg", "up_parcels")):
            weightless = np.flatnonzero((getattr(self, kg) > 0) & (getattr(self, parcels) == 0))
            if len(weightless):
                i = int(weightless[0])
                raise InputError(
                    f"{getattr(self, kg)[i]:g} kg but no parcels: weight travels in parcels "
                    f"(a tonne of fertiliser is one or more parcels)",
                    feature=f"station '{self.ids[i]}'",
                    field=parcels,
                )
        bad = np.flatnonzero(self.close_s < self.open_s)
        if len(bad):
            i = int(bad[0])
            raise InputError(
                f"the time window closes before it opens ({self.close_s[i]:.0f} s < "
                f"{self.open_s[i]:.0f} s)",
                feature=f"station '{self.ids[i]}'",
                field="close",
            )
        if self.day_end_s <= self.day_start_s:
            raise InputError("the working day ends before it starts", field="day_end")
        if sum(v.count for v in self.vehicle_types) == 0:
            raise InputError("the fleet has no vehicles", field="fleet")
        if self.down_parcels[0] or self.up_parcels[0]:
            raise InputError("the depot (location 0) cannot have parcels of its own")
        kinds = np.repeat(np.arange(len(self.vehicle_types)), [v.count for v in self.vehicle_types])
        object.__setattr__(self, "vehicle_type", _frozen(kinds))

    @property
    def n(self) -> int:
        """Number of locations, depot included."""
        return len(self.ids)

    @property
    def n_vehicles(self) -> int:
        return len(self.vehicle_type)

    def vehicle(self, k: int) -> VehicleType:
        """The type of vehicle ``k``."""
        return self.vehicle_types[int(self.vehicle_type[k])]

    @property
    def demand_nodes(self) -> np.ndarray:
        """Stations with something to deliver or collect."""
        return np.flatnonzero((self.down_parcels > 0) | (self.up_parcels > 0))

    @classmethod
    def from_arrays(
        cls,
        distance_m: np.ndarray,
        time_s: np.ndarray,
        *,
        vehicle_types: Sequence[VehicleType],
        down_parcels: Sequence[int] | np.ndarray | None = None,
        up_parcels: Sequence[int] | np.ndarray | None = None,
        down_kg: Sequence[float] | np.ndarray | None = None,
        up_kg: Sequence[float] | np.ndarray | None = None,
        service_s: Sequence[float] | np.ndarray | float = 0.0,
        open_s: Sequence[float] | np.ndarray | float = 0.0,
        close_s: Sequence[float] | np.ndarray | float = _DAY_S,
        fresh_s: Sequence[float] | np.ndarray | float = np.inf,
        cold_chain: Sequence[bool] | np.ndarray | bool = False,
        ids: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        day_start_s: float = 0.0,
        day_end_s: float = _DAY_S,
        split_visits: bool = True,
        name: str = "",
        currency: str = "CNY",
    ) -> Problem:
        """Build a problem from matrices and per-location values (scalars broadcast).

        Weights default to the parcel counts (one kg per parcel). The depot has no
        service time; its window, like the stations', is taken as given.
        """
        n = len(distance_m)

        def column(values: object, default: float = 0.0) -> np.ndarray:
            if values is None:
                return np.full(n, default)
            array = np.asarray(values, dtype=float)
            return np.full(n, float(array)) if array.ndim == 0 else array

        down = column(down_parcels)
        up = column(up_parcels)
        service = column(service_s)
        service[0] = 0.0  # vehicles load at the depot before the day starts
        ids = tuple(ids) if ids is not None else tuple(str(i) for i in range(n))
        return cls(
            ids=ids,
            names=tuple(names) if names is not None else ids,
            distance_m=np.asarray(distance_m, dtype=float),
            time_s=np.asarray(time_s, dtype=float),
            down_parcels=down,
            up_parcels=up,
            down_kg=column(down_kg) if down_kg is not None else down.copy(),
            up_kg=column(up_kg) if up_kg is not None else up.copy(),
            service_s=service,
            open_s=column(open_s),
            close_s=column(close_s),
            fresh_s=column(fresh_s),
            cold_chain=np.asarray(column(cold_chain), dtype=bool),
            vehicle_types=tuple(vehicle_types),
            day_start_s=day_start_s,
            day_end_s=day_end_s,
            split_visits=split_visits,
            name=name,
            currency=currency,
        )

    @classmethod
    def from_county(cls, county: object) -> Problem:
        """The day's problem of a loaded :class:`~villageroute.county.County`."""
        from villageroute.county import County
        from villageroute.settings import parse_hhmm

        assert isinstance(county, County)
        stations = county.stations
        settings = county.settings
        day_start = parse_hhmm(settings.day_start) * 60.0
        day_end = parse_hhmm(settings.day_end) * 60.0
        depot = stations[0]
        return cls.from_arrays(
            county.matrix.distance_m,
            county.matrix.time_s,
            vehicle_types=settings.fleet,
            ids=[s.id for s in stations],
            names=[s.name for s in stations],
            down_parcels=[0, *(s.down_parcels for s in stations[1:])],
            up_parcels=[0, *(s.up_parcels for s in stations[1:])],
            down_kg=[0.0, *(s.down_kg for s in stations[1:])],
            up_kg=[0.0, *(s.up_kg for s in stations[1:])],
            service_s=[0.0, *(s.service_min * 60.0 for s in stations[1:])],
            open_s=[day_start, *(s.open_min * 60.0 for s in stations[1:])],
            close_s=[day_end, *(s.close_min * 60.0 for s in stations[1:])],
            fresh_s=[
                np.inf,
                *(
                    np.inf if s.up_fresh_hours is None else s.up_fresh_hours * 3600.0
                    for s in stations[1:]
                ),
            ],
            cold_chain=[False, *(bool(s.up_cold_chain) for s in stations[1:])],
            day_start_s=max(day_start, depot.open_min * 60.0),
            day_end_s=min(day_end, depot.close_min * 60.0),
            name=county.name,
            currency=settings.currency,
        )


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array
