"""An interactive plan map that opens offline: one HTML file with inline SVG and JavaScript.

No tiles, no CDN, no network: the road network is drawn from the county itself, the
routes follow the roads (the same leg geometry as :func:`~villageroute.outputs.plan_geojson`)
and a few lines of plain JavaScript pan (drag) and zoom (mouse wheel) by changing the SVG
``viewBox``; clicking a vehicle in the legend hides or shows its route.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from villageroute.county import County
from villageroute.outputs import clock, vehicle_name
from villageroute.plans import Plan

# Width of the map in SVG units; coordinates are written with one decimal.
SIZE = 1000.0
PAD = 0.03
# Colour-blind-friendly-ish, distinct on white and on the grey roads.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#7b4173",
)
UNSERVED = "#d62728"
OSM_ATTRIBUTION = "Road data © OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class _Marker:
    """A station to draw, routable or not."""

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    down: int
    up: int


class _Projection:
    """Local equirectangular lon/lat to SVG x/y, fitted into ``SIZE`` units with padding."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray) -> None:
        self.k = math.cos(math.radians(float(np.mean(lat)))) if len(lat) else 1.0
        x, y = lon * self.k, -lat
        self.x0, self.y0 = float(x.min()), float(y.min())
        span = max(float(x.max()) - self.x0, float(y.max()) - self.y0, 1e-6)
        self.scale = SIZE * (1 - 2 * PAD) / span
        self.pad = SIZE * PAD
        self.width = (float(x.max()) - self.x0) * self.scale + 2 * self.pad
        self.height = (float(y.max()) - self.y0) * self.scale + 2 * self.pad

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon * self.k - self.x0) * self.scale + self.pad
        y = (-lat - self.y0) * self.scale + self.pad
        return round(x, 1), round(y, 1)

    def points(self, lon: Iterable[float], lat: Iterable[float]) -> str:
        out: list[str] = []
        for a, b in zip(lon, lat, strict=True):
            x, y = self.xy(float(a), float(b))
            out.append(f"{_num(x)},{_num(y)}")
        return " ".join(out)

    @property
    def units_per_km(self) -> float:
        return self.scale / 111.32


def _num(v: float) -> str:
    """Shortest text of a value rounded to one decimal."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _money(v: float, currency: str) -> str:
    return f"{v:,.2f} {currency}"


def _roads_from_osm(county: County) -> bool:
    net = county.network
    if any(s.startswith("way ") for s in net.way_source):
        return True
    if any("osmid" in t or "osm_id" in t or "@id" in t for t in net.way_tags):
        return True
    src = county.source.lower()
    return src.endswith((".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf"))


def _unreachable_markers(county: County) -> dict[str, _Marker]:
    """Markers of the stations that could not be routed, at their own positions."""
    return {
        u.station_id: _Marker(u.station_id, u.name, "station", u.lon, u.lat, 0, 0)
        for u in county.unreachable
    }


def _route_lonlat(county: County, nodes: Sequence[int]) -> tuple[list[float], list[float]]:
    lon: list[float] = []
    lat: list[float] = []
    for a, b in itertools.pairwise([0, *nodes, 0]):
        coords = list(county.leg_geometry(a, b).coords)
        if lon:
            coords = coords[1:]
        lon += [c[0] for c in coords]
        lat += [c[1] for c in coords]
    return lon, lat


def _roads_path(county: County, proj: _Projection) -> str:
    """All edges of the network as one SVG path; a two-way road is drawn once."""
    net = county.network
    parts: list[str] = []
    for e in range(net.n_edges):
        twin = int(net.edge_twin[e])
        if 0 <= twin < e:
            continue
        rows = net.edge_vertices(e)
        pts = proj.points(net.vertex_lon[rows], net.vertex_lat[rows])
        if pts:
            parts.append("M" + pts.replace(" ", "L"))
    return "".join(parts)


_CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,
"Noto Sans","Noto Sans CJK SC",sans-serif;color:#222}
body{display:flex}
#panel{width:320px;flex:none;overflow:auto;padding:12px 14px;border-right:1px solid #ccc;
background:#fafafa}
#panel h1{font-size:17px;margin:0 0 8px}
#panel h2{font-size:14px;margin:14px 0 6px}
table.summary{border-collapse:collapse;width:100%}
table.summary td{padding:1px 0}table.summary td+td{text-align:right;font-weight:600}
ul{list-style:none;margin:0;padding:0}
.legend-item{display:flex;align-items:center;gap:6px;padding:3px 4px;cursor:pointer;
border-radius:3px;user-select:none}
.legend-item:hover{background:#eee}
.legend-item.off{opacity:.35}
.legend-item .sw{width:22px;height:5px;border-radius:2px;flex:none}
.legend-item .nm{font-weight:600;white-space:nowrap}
.legend-item .fig{flex:1;text-align:right;color:#555;font-variant-numeric:tabular-nums}
.problem li{padding:2px 0}.problem .why{color:#666;font-size:12px}
.key svg{vertical-align:middle}
.attr{margin-top:14px;color:#666;font-size:11px}
#wrap{flex:1;position:relative;min-width:0}
#map{width:100%;height:100%;display:block;background:#fff;cursor:grab;touch-action:none}
#map.dragging{cursor:grabbing}
#reset{position:absolute;top:8px;right:8px;font:inherit;padding:3px 8px}
.roads{fill:none;stroke:#bbb;stroke-width:1;stroke-linejoin:round}
.route{fill:none;stroke-width:3;stroke-opacity:.85;stroke-linejoin:round;stroke-linecap:round}
.route:hover{stroke-width:5;stroke-opacity:1}
.route.hidden{display:none}
.roads,.route,.station{vector-effect:non-scaling-stroke}
.station{stroke:#222;stroke-width:1}
.station.depot{fill:#111;stroke:#fff;stroke-width:1.5}
.station.idle{fill:#fff;stroke:#888}
.cross{stroke:#d62728;stroke-width:2.5;vector-effect:non-scaling-stroke}
.station.unserved{fill:#fff;stroke:#d62728;stroke-width:2}
.station.unreachable{fill:#fff;stroke:#d62728;stroke-width:2;stroke-dasharray:3 2}
.scale{stroke:#333;stroke-width:2;vector-effect:non-scaling-stroke}
.scale-text{font-size:13px;fill:#333}
"""

_JS = """
(function () {
  var svg = document.getElementById("map");
  var home = svg.getAttribute("viewBox").split(" ").map(Number);
  var vb = home.slice(), drag = null;
  function show() { svg.setAttribute("viewBox", vb.join(" ")); }
  function at(e) {
    var m = svg.getScreenCTM().inverse();
    return new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = at(e), f = e.deltaY < 0 ? 0.8 : 1.25;
    vb = [p.x - (p.x - vb[0]) * f, p.y - (p.y - vb[1]) * f, vb[2] * f, vb[3] * f];
    show();
  }, {passive: false});
  svg.addEventListener("pointerdown", function (e) {
    drag = at(e); svg.setPointerCapture(e.pointerId); svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var p = at(e); vb[0] -= p.x - drag.x; vb[1] -= p.y - drag.y; show();
  });
  function stop() { drag = null; svg.classList.remove("dragging"); }
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  document.getElementById("reset").addEventListener("click", function () {
    vb = home.slice(); show();
  });
  document.querySelectorAll(".legend-item").forEach(function (li) {
    li.addEventListener("click", function () {
      var off = li.classList.toggle("off");
      svg.querySelectorAll(".route").forEach(function (r) {
        if (r.dataset.vehicle === li.dataset.vehicle) r.classList.toggle("hidden", off);
      });
    });
  });
})();
"""


def _cross(x: float, y: float, r: float) -> str:
    return (
        f'<path class="cross" d="M{_num(x - r)},{_num(y - r)}L{_num(x + r)},{_num(y + r)}'
        f'M{_num(x - r)},{_num(y + r)}L{_num(x + r)},{_num(y - r)}"/>'
    )


def plan_map_html(county: County, plan: Plan, *, title: str | None = None) -> str:
    """A self-contained HTML page showing ``plan`` on ``county``'s roads.

    The page needs no network: the roads are drawn from ``county.network`` as inline SVG,
    each route is a polyline along the roads (``data-vehicle`` names its vehicle), each
    station a marker sized by its parcels with a tooltip, the depot a square, unserved
    stations a red cross and unreachable ones a red cross in a dashed ring. Drag to pan,
    use the mouse wheel to zoom, click a legend entry to hide or show a route.
    """
    p = plan.problem
    summary = plan.summary()
    currency = summary["currency"]
    title = title if title is not None else f"{county.name} — delivery plan"

    # Who visits each station, when.
    visits: dict[int, list[tuple[str, str]]] = {}
    names = {route.vehicle: vehicle_name(plan, route.vehicle) for route in plan.routes}
    colours = {v: PALETTE[k % len(PALETTE)] for k, v in enumerate(names)}
    for route in plan.routes:
        for stop in route.stops:
            if stop.node != 0:
                visits.setdefault(stop.node, []).append(
                    (names[route.vehicle], clock(stop.arrival_s))
                )
    first_vehicle = {
        node: next(r.vehicle for r in plan.routes if node in r.nodes) for node in visits
    }
    unserved_ids = {p.ids[u.node]: u.reason for u in plan.unserved}
    unreachable = _unreachable_markers(county)

    route_lonlat = {route.vehicle: _route_lonlat(county, route.nodes) for route in plan.routes}
    net = county.network
    lon_all = [net.vertex_lon, np.array([s.lon for s in county.stations])]
    lat_all = [net.vertex_lat, np.array([s.lat for s in county.stations])]
    lon_all.append(np.array([m.lon for m in unreachable.values()], dtype=float))
    lat_all.append(np.array([m.lat for m in unreachable.values()], dtype=float))
    proj = _Projection(np.concatenate(lon_all), np.concatenate(lat_all))

    svg: list[str] = [
        f'<svg id="map" viewBox="0 0 {_num(round(proj.width, 1))} {_num(round(proj.height, 1))}"'
        ' preserveAspectRatio="xMidYMid meet" role="img"'
        f' aria-label="{escape(title)}">',
        f'<path class="roads" d="{_roads_path(county, proj)}"/>',
    ]

    # Routes.
    legend: list[str] = []
    for route in plan.routes:
        v = route.vehicle
        name = names[v]
        km = route.distance_m / 1000.0
        stops = sum(1 for s in route.stops if s.node != 0)
        tip = (
            f"{name} ({p.vehicle(v).name}): {km:,.1f} km, {stops} stops, "
            f"{clock(route.start_s)}–{clock(route.end_s)}, cost {_money(route.cost, currency)}"
        )
        pts = proj.points(*route_lonlat[v])
        svg.append(
            f'<polyline class="route" data-vehicle="{escape(name)}" stroke="{colours[v]}"'
            f' points="{pts}"><title>{escape(tip)}</title></polyline>'
        )
        legend.append(
            f'<li class="legend-item" data-vehicle="{escape(name)}" title="click to hide/show">'
            f'<span class="sw" style="background:{colours[v]}"></span>'
            f'<span class="nm">{escape(name)}</span>'
            f'<span class="fig">{km:,.1f} km · {stops} stops · '
            f"{escape(_money(route.cost, currency))}</span></li>"
        )

    # Stations, biggest first so small ones stay on top and clickable; the depot last.
    markers = [
        (i, _Marker(s.id, s.name, s.kind, s.lon, s.lat, s.down_parcels, s.up_parcels))
        for i, s in enumerate(county.stations)
    ]
    volume_max = max([math.sqrt(m.down + m.up) for _, m in markers] + [1.0])
    r_min, r_max = 0.004 * SIZE, 0.014 * SIZE

    def radius(m: _Marker) -> float:
        return r_min + (r_max - r_min) * math.sqrt(m.down + m.up) / volume_max

    station_svg: list[str] = []
    order = sorted(markers[1:], key=lambda im: -(im[1].down + im[1].up))
    for i, m in [*order, markers[0]]:
        x, y = proj.xy(m.lon, m.lat)
        lines = [f"{m.id} — {m.name}" if m.name != m.id else m.id, m.kind]
        lines.append(f"parcels: {m.down} to drop, {m.up} to collect")
        attrs = f'data-station="{escape(m.id)}"'
        if i == 0:
            lines[1] = "depot"
            s = r_max * 1.1
            tip = escape("\n".join(lines))
            station_svg.append(
                f'<rect class="station depot" {attrs} x="{_num(round(x - s / 2, 1))}"'
                f' y="{_num(round(y - s / 2, 1))}" width="{_num(round(s, 1))}"'
                f' height="{_num(round(s, 1))}"><title>{tip}</title></rect>'
            )
            continue
        r = round(radius(m), 1)
        if i in visits:
            lines += [f"arrival {t} ({name})" for name, t in visits[i]]
            cls, fill = "station served", f' fill="{colours[first_vehicle[i]]}"'
        elif m.id in unserved_ids:
            lines.append(f"NOT SERVED: {unserved_ids[m.id]}")
            cls, fill = "station unserved", ""
        else:
            lines.append("no parcels today")
            cls, fill = "station idle", ""
        tip = escape("\n".join(lines))
        cross = _cross(x, y, r * 0.7) if m.id in unserved_ids else ""
        station_svg.append(
            f'<g><circle class="{cls}" {attrs} cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"{fill}>'
            f"<title>{tip}</title></circle>{cross}</g>"
        )
    for u in county.unreachable:
        m = unreachable.get(u.station_id)
        if m is None:
            continue
        x, y = proj.xy(m.lon, m.lat)
        r = round(max(radius(m), r_min * 2), 1)
        lines = [f"{m.id} — {m.name}" if m.name != m.id else m.id, m.kind]
        lines += [f"parcels: {m.down} to drop, {m.up} to collect", f"UNREACHABLE: {u.reason}"]
        station_svg.append(
            f'<g><circle class="station unreachable" data-station="{escape(m.id)}"'
            f' cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"><title>{escape(chr(10).join(lines))}'
            f"</title></circle>{_cross(x, y, r * 0.7)}</g>"
        )
    svg += station_svg

    # Scale bar: a round number of km near a fifth of the map width.
    target = proj.width / 5 / proj.units_per_km
    km = max(
        (k for k in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500) if k <= target),
        default=0.1,
    )
    bar = km * proj.units_per_km
    x0, y0 = proj.pad, proj.height - proj.pad / 2
    svg.append(
        f'<path class="scale" d="M{_num(round(x0, 1))},{_num(round(y0 - 4, 1))}'
        f"V{_num(round(y0, 1))}H{_num(round(x0 + bar, 1))}V{_num(round(y0 - 4, 1))}"
        '" fill="none"/>'
        f'<text class="scale-text" x="{_num(round(x0 + bar + 5, 1))}" y="{_num(round(y0, 1))}">'
        f"{_num(km) if km < 1 else int(km)} km</text>"
    )
    svg.append("</svg>")

    # Side panel.
    rows = [
        ("Cost per parcel", _money(summary["per_parcel_cost"], currency)),
        ("Total cost", _money(summary["total_cost"], currency)),
        ("Vehicles used", f"{summary['vehicles_used']}"),
        ("Distance", f"{summary['distance_km']:,.1f} km"),
        ("Hours on the road", f"{summary['duration_h']:,.1f} h"),
        ("Parcels dropped / collected", f"{summary['parcels_down']} / {summary['parcels_up']}"),
        (
            "Unserved stations",
            f"{summary['stations_unserved']} ({summary['parcels_unserved']} parcels)",
        ),
        ("Unreachable stations", f"{len(county.unreachable)}"),
        ("Solver", plan.solver),
    ]
    panel = [
        f"<h1>{escape(title)}</h1>",
        '<table class="summary">',
        *(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows),
        "</table>",
        "<h2>Vehicles</h2>",
        f"<ul>{''.join(legend)}</ul>" if legend else "<p>No routes.</p>",
    ]
    problems = [
        f"<li><b>{escape(u.station_id)}</b> {escape(p.names[u.node])}: not served"
        f'<div class="why">{escape(u.reason)}</div></li>'
        for u in plan.unserved
    ] + [
        f"<li><b>{escape(u.station_id)}</b> {escape(u.name)}: unreachable"
        f"{'' if u.station_id in unreachable else ' (position unknown, not drawn)'}"
        f'<div class="why">{escape(u.reason)}</div></li>'
        for u in county.unreachable
    ]
    if problems:
        panel += ["<h2>Not served</h2>", f'<ul class="problem">{"".join(problems)}</ul>']
    panel += [
        '<h2>Key</h2><div class="key">',
        '<svg width="16" height="16"><rect x="2" y="2" width="12" height="12" fill="#111"/></svg>'
        " depot &nbsp;",
        '<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="#1f77b4" stroke="#222"/>'
        "</svg> station (size: parcels, colour: vehicle)<br>",
        '<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="#fff" stroke="#d62728"'
        ' stroke-width="2"/><path d="M4,4L12,12M4,12L12,4" stroke="#d62728" stroke-width="2"/>'
        "</svg> not served &nbsp;",
        '<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="#fff" stroke="#d62728"'
        ' stroke-width="2" stroke-dasharray="3 2"/><path d="M4,4L12,12M4,12L12,4"'
        ' stroke="#d62728" stroke-width="2"/></svg> unreachable',
        "</div>",
        '<p class="attr">Drag to pan, mouse wheel to zoom, click a vehicle to hide or show its'
        " route; hover for details.</p>",
    ]
    if _roads_from_osm(county):
        panel.append(f'<p class="attr">{escape(OSM_ATTRIBUTION)}</p>')
    panel.append(f'<p class="attr">Roads and stations: {escape(county.source)}</p>')

    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head><body>",
            f'<div id="panel">{"".join(panel)}</div>',
            '<div id="wrap">',
            *svg,
            '<button id="reset" type="button">reset view</button>',
            "</div>",
            f"<script>{_JS}</script>",
            "</body></html>",
            "",
        ]
    )
