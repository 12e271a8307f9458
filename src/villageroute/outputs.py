"""Plan outputs for people and machines: plan.json, plan.geojson, map.html, manifests."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from villageroute.county import County
from villageroute.plans import Plan, Route


def clock(seconds: float) -> str:
    """``HH:MM`` of seconds after midnight."""
    minutes = round(seconds / 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def vehicle_name(plan: Plan, vehicle: int) -> str:
    """A stable, readable name: the type's name and the vehicle's number within it."""
    p = plan.problem
    kind = int(p.vehicle_type[vehicle])
    number = vehicle - int(np.flatnonzero(p.vehicle_type == kind)[0]) + 1
    return f"{p.vehicle_types[kind].name}-{number}"


def route_record(plan: Plan, route: Route) -> dict[str, Any]:
    """A route as plain JSON data."""
    p = plan.problem
    return {
        "vehicle": vehicle_name(plan, route.vehicle),
        "vehicle_type": p.vehicle(route.vehicle).name,
        "start": clock(route.start_s),
        "end": clock(route.end_s),
        "distance_km": route.distance_m / 1000.0,
        "hours_on_road": route.working_s / 3600.0,
        "cost": route.cost,
        "start_load_parcels": route.start_load_parcels,
        "start_load_kg": route.start_load_kg,
        "stops": [
            {
                "order": k,
                "station_id": p.ids[s.node],
                "name": p.names[s.node],
                "arrival": clock(s.arrival_s),
                "departure": clock(s.departure_s),
                "drop_parcels": s.down_parcels,
                "collect_parcels": s.up_parcels,
                "load_parcels": s.load_parcels,
                "load_kg": s.load_kg,
            }
            for k, s in enumerate(route.stops, start=1)
        ],
    }


def plan_geojson(county: County, plan: Plan) -> dict[str, Any]:
    """Routes as LineStrings along the roads and stops as Points, in EPSG:4326."""
    features = []
    for route in plan.routes:
        record = route_record(plan, route)
        sequence = [0, *route.nodes, 0]
        coords: list[list[float]] = []
        for a, b in itertools.pairwise(sequence):
            leg = [[round(float(v), 7) for v in c[:2]] for c in county.leg_geometry(a, b).coords]
            coords += leg if not coords else leg[1:]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {k: v for k, v in record.items() if k != "stops"},
            }
        )
        for stop, node in zip(record["stops"], route.nodes, strict=True):
            station = county.stations[node]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(station.lon, 7), round(station.lat, 7)],
                    },
                    "properties": {"vehicle": record["vehicle"], **stop},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def write_manifests(plan: Plan, folder: Path) -> list[Path]:
    """One CSV per vehicle: the stops in order with times and parcels to drop and collect."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for route in plan.routes:
        record = route_record(plan, route)
        path = folder / f"{record['vehicle']}.csv"
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(record["stops"][0]))
            writer.writeheader()
            writer.writerows(record["stops"])
        paths.append(path)
    return paths


def write_outputs(county: County, plan: Plan, report: dict[str, Any], folder: Path) -> None:
    """Write ``plan.json``, ``plan.geojson``, ``map.html`` and ``manifests/<vehicle>.csv``."""
    from villageroute.webmap import plan_map_html

    data = {**report, "routes": [route_record(plan, r) for r in plan.routes]}
    (folder / "plan.json").write_text(json.dumps(data, indent=1, default=float))
    (folder / "plan.geojson").write_text(json.dumps(plan_geojson(county, plan)))
    (folder / "map.html").write_text(plan_map_html(county, plan), encoding="utf-8")
    write_manifests(plan, folder / "manifests")
