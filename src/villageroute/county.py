"""A county ready for routing: its road network, snapped stations and travel matrices."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely

from villageroute.countyfile import read_county_geojson
from villageroute.elevation import DEM, read_dem
from villageroute.errors import InputError
from villageroute.network import RoadNetwork, build_network, pair_twins
from villageroute.roadfiles import read_road_ways
from villageroute.routing import MAX_PATH_M, Router, TravelMatrix
from villageroute.settings import Settings
from villageroute.snapping import nearest_edges, split_edges
from villageroute.stations import Station, read_stations
from villageroute.traveltime import SpeedProfile, edge_travel_times

# The depot must sit on a real part of the road network, not on a stray fragment left at
# the edge of an extract: its component must have at least this share of the largest.
MIN_DEPOT_COMPONENT_SHARE = 0.1

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Unreachable:
    """A station that cannot be routed, why, and where it is (WGS-84)."""

    station_id: str
    name: str
    reason: str
    lon: float
    lat: float


@dataclass(frozen=True, eq=False)
class County:
    """A county's routable network with its stations snapped onto it.

    Attributes
    ----------
    name
        County name from the settings.
    stations
        Routable stations, the depot first, then the others in input order; row ``i`` of
        the matrices is ``stations[i]``.
    network
        The strongly connected part of the drivable network that holds the depot, with
        every routable station's edge split at the station.
    edge_time_s
        Travel time of each network edge in seconds.
    station_node
        Network node of each routable station.
    snap_distance_m
        Distance from each routable station to the road it was snapped to.
    unreachable
        Stations left out, each with the reason.
    settings
        Fleet, cost and model settings.
    matrix
        Fastest-path travel times and distances between the routable stations.
    router
        Shortest-path engine, to expand any leg into road edges.
    source
        Where the county came from, for messages.
    """

    name: str
    stations: tuple[Station, ...]
    network: RoadNetwork
    edge_time_s: np.ndarray
    station_node: np.ndarray
    snap_distance_m: np.ndarray
    unreachable: tuple[Unreachable, ...]
    settings: Settings
    matrix: TravelMatrix
    router: Router
    source: str

    @property
    def depot(self) -> Station:
        return self.stations[0]

    @property
    def far_snaps(self) -> list[str]:
        """Ids of stations snapped farther than ``settings.snap_warn_m`` from their road."""
        limit = self.settings.snap_warn_m
        return [s.id for s, d in zip(self.stations, self.snap_distance_m, strict=True) if d > limit]

    def index(self, station_id: str) -> int:
        """Matrix row of a routable station."""
        for i, station in enumerate(self.stations):
            if station.id == station_id:
                return i
        raise KeyError(station_id)

    def leg_edges(self, i: int, j: int) -> list[int]:
        """Network edges of the fastest path from station ``i`` to station ``j``."""
        return self.router.path_edges(int(self.station_node[i]), int(self.station_node[j]))

    def leg_geometry(self, i: int, j: int) -> shapely.LineString:
        """Road geometry (lon, lat, elevation) of the fastest path from station ``i`` to ``j``."""
        coords = self.network.path_lonlat(self.leg_edges(i, j))
        if len(coords) == 0:
            node = self.station_node[i]
            point = (
                self.network.node_lon[node],
                self.network.node_lat[node],
                self.network.node_z[node],
            )
            coords = np.array([point, point])
        return shapely.LineString(coords)

    def stations_frame(self) -> gpd.GeoDataFrame:
        """Routable stations with their snap (node, distance, flag) as a GeoDataFrame."""
        frame = gpd.GeoDataFrame(
            {
                "id": [s.id for s in self.stations],
                "kind": [s.kind for s in self.stations],
                "name": [s.name for s in self.stations],
                "down_parcels": [s.down_parcels for s in self.stations],
                "up_parcels": [s.up_parcels for s in self.stations],
                "node": self.station_node,
                "snap_m": self.snap_distance_m,
                "far_snap": self.snap_distance_m > self.settings.snap_warn_m,
            },
            geometry=gpd.points_from_xy(
                [s.lon for s in self.stations], [s.lat for s in self.stations]
            ),
            crs="EPSG:4326",
        )
        return frame

    def to_networkx(self) -> nx.MultiDiGraph:
        """The routable network as an osmnx-style graph with ``travel_time`` on edges."""
        return self.network.to_networkx(self.edge_time_s)


def load_county(
    path: str | os.PathLike[str] | None = None,
    *,
    roads: str | os.PathLike[str] | nx.Graph | None = None,
    stations: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    dem: str | os.PathLike[str] | DEM | None = None,
    settings: Settings | None = None,
    speed_profile: SpeedProfile | None = None,
    progress: Progress | None = None,
) -> County:
    """Load a county and make it ready for routing.

    Either pass one county GeoJSON file (roads, stations and settings together) as
    ``path``, or pass ``roads`` and ``stations`` separately.

    Parameters
    ----------
    path
        County GeoJSON FeatureCollection (see ``docs/format.md``).
    roads
        OSM file (``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``), GraphML file, or an
        osmnx/networkx graph in EPSG:4326.
    stations
        GeoJSON file of station Points, or a GeoDataFrame.
    dem
        Elevation raster (SRTM ``.hgt``/``.hgt.zip``, GeoTIFF) or a loaded :class:`DEM`;
        used for vertices without z values.
    settings
        Fleet, cost and model settings; with ``path`` they come from the file's
        ``settings`` member unless given here.
    speed_profile
        Travel-time model; by default the rural-China profile with the settings' speed
        overrides applied.
    progress
        Called with a short message before each stage.

    Returns
    -------
    County

    Raises
    ------
    InputError
        For any problem with the input data, naming the file, feature and field.
    """
    say = progress or (lambda _message: None)
    if path is not None:
        if roads is not None or stations is not None:
            raise InputError("give either a county file or roads= and stations=, not both")
        say(f"reading {path}")
        county_file = read_county_geojson(path)
        ways, station_list, source = county_file.ways, county_file.stations, str(path)
        settings = settings or county_file.settings
        roads_name = source
    else:
        if roads is None or stations is None:
            raise InputError("load_county needs a county file, or both roads= and stations=")
        if settings is None:
            named = isinstance(stations, (str, os.PathLike))
            settings = Settings(name=Path(stations).stem if named else "county")
        roads_name = roads if isinstance(roads, (str, os.PathLike)) else "roads graph"
        say(f"reading roads from {roads_name}")
        ways = read_road_ways(roads)
        station_list = read_stations(stations, settings=settings)
        source = str(roads_name)
    if dem is not None and not isinstance(dem, DEM):
        say(f"reading elevation from {dem}")
        dem = read_dem(dem)

    say("building the road network")
    net = pair_twins(build_network(ways, dem=dem, source=str(roads_name)))
    depot = next(s for s in station_list if s.kind == "depot")
    others = [s for s in station_list if s is not depot]
    ordered = [depot, *others]

    say(f"snapping {len(ordered)} stations")
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    x, y = to_xy.transform([s.lon for s in ordered], [s.lat for s in ordered])
    x, y = np.asarray(x), np.asarray(y)
    labels = net.strong_components()
    sizes = np.bincount(labels)
    edge_comp = np.where(labels[net.edge_u] == labels[net.edge_v], labels[net.edge_u], -1)

    big = np.flatnonzero(sizes >= MIN_DEPOT_COMPONENT_SHARE * sizes.max())
    depot_edges = np.flatnonzero(np.isin(edge_comp, big))
    d_edge, d_dist, _ = nearest_edges(net, x[:1], y[:1], depot_edges)
    if d_dist[0] > settings.snap_max_m:
        raise InputError(
            f"the depot is {d_dist[0]:,.0f} m from the road network "
            f"(limit snap_max_m = {settings.snap_max_m:,.0f} m); is it in the right place?",
            file=source,
            feature=f"station '{depot.id}'",
            field="geometry",
        )
    home = edge_comp[d_edge[0]]
    home_edges = np.flatnonzero(edge_comp == home)
    edge, dist, along = nearest_edges(net, x, y, home_edges)
    any_edge, any_dist, _ = nearest_edges(net, x, y)

    unreachable: list[Unreachable] = []
    ok = dist <= settings.snap_max_m
    ok[0] = True
    for i in np.flatnonzero(~ok):
        station = ordered[i]
        reason = (
            f"nearest road connected both ways to the depot is {dist[i]:,.0f} m away "
            f"(limit {settings.snap_max_m:,.0f} m)"
        )
        if any_dist[i] < dist[i] and edge_comp[any_edge[i]] != home:
            reason += f"; the road {any_dist[i]:,.0f} m away is cut off from the depot's network"
        unreachable.append(Unreachable(station.id, station.name, reason, station.lon, station.lat))

    routed = [s for s, keep in zip(ordered, ok, strict=True) if keep]
    net, node = split_edges(net, edge[ok], along[ok])
    # Keep the depot's strongly connected part; the split nodes are in it by construction.
    labels = net.strong_components()
    net_home = labels == labels[node[0]]
    new_index = np.cumsum(net_home) - 1
    net = net.subnetwork(net_home)
    node = new_index[node]

    profile = speed_profile or SpeedProfile().with_overrides(
        settings.speeds, settings.surface_factors
    )
    say("computing travel times")
    times = edge_travel_times(net, profile)
    say(f"computing the {len(routed)}x{len(routed)} travel matrix")
    router = Router(net, times, node)
    matrix = router.matrix(node)
    too_long = np.isfinite(matrix.distance_m) & (matrix.distance_m >= MAX_PATH_M)
    if too_long.any():
        raise InputError(f"a road path is longer than {MAX_PATH_M / 1000:,.0f} km", file=source)
    return County(
        name=settings.name,
        stations=tuple(routed),
        network=net,
        edge_time_s=times,
        station_node=node,
        snap_distance_m=dist[ok],
        unreachable=tuple(unreachable),
        settings=settings,
        matrix=matrix,
        router=router,
        source=source,
    )
