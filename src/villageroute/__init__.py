"""villageroute: two-way logistics planning for rural counties.

Load a county (roads + stations) with :func:`load_county`; the result holds the routable
network, the snapped stations and the fastest-path travel matrices. :func:`plan` turns
it into a day's routes; :func:`validate_plan` checks any plan independently.
"""

from villageroute.county import County, Unreachable, load_county
from villageroute.errors import InputError, VillagerouteError
from villageroute.planning import SOLVERS, plan
from villageroute.plans import Plan, Route, Saving, Stop, Unserved, per_parcel_saving
from villageroute.problem import Problem
from villageroute.routing import TravelMatrix
from villageroute.settings import Settings, VehicleType
from villageroute.stations import Station
from villageroute.traveltime import SpeedProfile
from villageroute.validation import Violation, validate_plan

__all__ = [
    "SOLVERS",
    "County",
    "InputError",
    "Plan",
    "Problem",
    "Route",
    "Saving",
    "Settings",
    "SpeedProfile",
    "Station",
    "Stop",
    "TravelMatrix",
    "Unreachable",
    "Unserved",
    "VehicleType",
    "VillagerouteError",
    "Violation",
    "load_county",
    "per_parcel_saving",
    "plan",
    "validate_plan",
]
__version__ = "0.1.0"
