"""Standard VRP benchmark instances, their best-known solutions, and readers for them.

One module per family of files: :mod:`~villageroute.instances.vrpspd` (VRPSPD/VRPMPD of
the LKH-3 distribution). Every reader returns plain arrays in natural units and, where
the problem fits :class:`~villageroute.problem.Problem`, a ``to_problem`` method, so that
any solver's plan can be checked by the one validator and costed under the set's
rounding rule.
"""

from villageroute.instances.shared import instances_dir
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
    "VrpspdInstance",
    "instances_dir",
    "load_bks",
    "read_tour",
    "read_vrpspd",
    "route_duration",
    "tour_cost",
    "tour_file_cost",
    "vrpspd_dir",
]
