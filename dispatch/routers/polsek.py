from __future__ import annotations

from fastapi import APIRouter

from dispatch.deps import CurrentUser
from dispatch.schemas import StationPublic
from dispatch.stations import STATIONS

router = APIRouter(prefix="/v1/polsek", tags=["polsek"])


@router.get("", response_model=list[StationPublic])
def list_stations(_user: CurrentUser) -> list[StationPublic]:
    """List the Polsek stations with approximate coordinates."""
    return [
        StationPublic(id=s.id, name=s.name, lat=s.lat, lon=s.lon, kecamatan=s.kecamatan)
        for s in STATIONS
    ]
