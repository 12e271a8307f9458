"""Standard VRP benchmark instances, their best-known solutions, and readers for them.

One module per family of files:

* :mod:`~villageroute.instances.vrpspd`: VRPSPD/VRPMPD of the LKH-3 distribution
  (Dethloff, Montané-Galvão, Salhi-Nagy).
* :mod:`~villageroute.instances.cvrp`: CVRP in CVRPLIB form (Uchoa et al. ``X``,
  Augerat), with the CVRPLIB ``.sol`` reader and writer.
* :mod:`~villageroute.instances.solomon`: Solomon VRPTW, distances truncated to one
  decimal as the best-known solutions use them.
* :mod:`~villageroute.instances.lilim`: Li & Lim PDPTW (paired pickups and deliveries),
  with an independent feasibility check instead of ``to_problem``.

Every reader returns plain arrays in natural units and, where the problem fits
:class:`~villageroute.problem.Problem`, a ``to_problem`` method, so that any solver's
plan can be checked by the one validator and costed under the set's rounding rule.
Best-known values come as :class:`BestKnown` ``(cost, routes)`` by instance name.
"""

from villageroute.instances._common import BestKnown
from villageroute.instances.cvrp import (
    CvrpInstance,
    cvrp_dir,
    load_bks_x,
    read_cvrp,
    read_solution,
    write_solution,
)
from villageroute.instances.lilim import (
    LiLimInstance,
    LiLimSolution,
    check_solution,
    lilim_dir,
    load_bks_lilim,
    read_lilim,
    read_lilim_solution,
)
from villageroute.instances.shared import instances_dir
from villageroute.instances.solomon import (
    SolomonInstance,
    load_bks_solomon,
    read_solomon,
    solomon_dir,
    truncated_distance,
)
from villageroute.instances.vrpspd import (
    VrpspdInstance,
    load_bks,
    read_tour,
    read_vrpspd,
    route_duration,
    tour_cost,
    tour_file_cost,
    vrpspd_dir,
)

__all__ = [
    "BestKnown",
    "CvrpInstance",
    "LiLimInstance",
    "LiLimSolution",
    "SolomonInstance",
    "VrpspdInstance",
    "check_solution",
    "cvrp_dir",
    "instances_dir",
    "lilim_dir",
    "load_bks",
    "load_bks_lilim",
    "load_bks_solomon",
    "load_bks_x",
    "read_cvrp",
    "read_lilim",
    "read_lilim_solution",
    "read_solomon",
    "read_solution",
    "read_tour",
    "read_vrpspd",
    "route_duration",
    "solomon_dir",
    "tour_cost",
    "tour_file_cost",
    "truncated_distance",
    "vrpspd_dir",
    "write_solution",
]
