"""The 14 Polsek of Palembang and routing of a location to the station whose area contains it.

Coordinates are approximate (the middle of each station's kecamatan, read
off a map to about 1 km), not surveyed station addresses. A station's area is
its Voronoi cell: every point belongs to the nearest station, so a location
at a station's own coordinates belongs to that station. This approximates
the real district borders, which follow kecamatan lines and the Musi river.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    lat: float
    lon: float
    kecamatan: str


STATIONS: tuple[Station, ...] = (
    Station("ilir-timur-1", "Polsek Ilir Timur I", -2.9760, 104.7560, "Ilir Timur I"),
    Station("ilir-timur-2", "Polsek Ilir Timur II", -2.9700, 104.7800, "Ilir Timur II"),
    Station("ilir-timur-3", "Polsek Ilir Timur III", -2.9560, 104.7700, "Ilir Timur III"),
    Station("ilir-barat-1", "Polsek Ilir Barat I", -2.9620, 104.7330, "Ilir Barat I"),
    Station("ilir-barat-2", "Polsek Ilir Barat II", -2.9880, 104.7400, "Ilir Barat II"),
    Station("seberang-ulu-1", "Polsek Seberang Ulu I", -3.0080, 104.7620, "Seberang Ulu I"),
    Station("seberang-ulu-2", "Polsek Seberang Ulu II", -3.0000, 104.7880, "Seberang Ulu II"),
    Station("kemuning", "Polsek Kemuning", -2.9470, 104.7480, "Kemuning"),
    Station("sukarami", "Polsek Sukarami", -2.9300, 104.7150, "Sukarami"),
    Station("kalidoni", "Polsek Kalidoni", -2.9540, 104.8030, "Kalidoni"),
    Station("sako", "Polsek Sako", -2.9250, 104.7950, "Sako"),
    Station("plaju", "Polsek Plaju", -2.9950, 104.8200, "Plaju"),
    Station("kertapati", "Polsek Kertapati", -3.0280, 104.7400, "Kertapati"),
    Station("gandus", "Polsek Gandus", -2.9900, 104.6950, "Gandus"),
)

STATIONS_BY_ID = {station.id: station for station in STATIONS}

# A location farther than this from every station lies outside the city and
# goes to the city-wide queue (polsek null). Palembang is about 30 km across.
MAX_ROUTING_DISTANCE_M = 25_000.0

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def route(lat: float | None, lon: float | None) -> str | None:
    """Return the id of the station whose area contains the location, or None.

    None means the city-wide queue: no location, or one outside the city.
    Ties go to the station listed first, so the result is stable.
    """
    if lat is None or lon is None:
        return None
    best: Station | None = None
    best_distance = math.inf
    for station in STATIONS:
        distance = distance_m(lat, lon, station.lat, station.lon)
        if distance < best_distance:
            best, best_distance = station, distance
    if best is None or best_distance > MAX_ROUTING_DISTANCE_M:
        return None
    return best.id
