"""villageroute: two-way logistics planning for rural counties.

Load a county (roads + stations) with :func:`load_county`; the result holds the routable
network, the snapped stations and the fastest-path travel matrices.
"""

from villageroute.county import County, Unreachable, load_county
from villageroute.errors import InputError, VillagerouteError
from villageroute.routing import TravelMatrix
from villageroute.settings import Settings, VehicleType
from villageroute.stations import Station
from villageroute.traveltime import SpeedProfile

__all__ = [
    "County",
    "InputError",
    "Settings",
    "SpeedProfile",
    "Station",
    "TravelMatrix",
    "Unreachable",
    "VehicleType",
    "VillagerouteError",
    "load_county",
]
__version__ = "0.1.0"
