"""The parts of the dispatch API the technician tool uses: login, register, check."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from provision.errors import Fault, ProvisionError

logger = logging.getLogger(__name__)

DEFAULT_DISPATCH_URL = "http://127.0.0.1:8000"


class DispatchClient:
    """A small httpx client that turns HTTP failures into ProvisionError."""

    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self.token = token

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            return self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ProvisionError(
                Fault.DISPATCH_UNREACHABLE, url=self.base_url, detail=str(exc) or type(exc).__name__
            ) from exc

    def login(self, username: str, password: str) -> str:
        response = self._send(
            "POST", "/v1/auth/token", data={"username": username, "password": password}
        )
        if response.status_code in (400, 401, 403):
            raise ProvisionError(Fault.LOGIN_FAILED, username=username)
        self._raise_for_status(response, "action.log_in")
        self.token = response.json()["access_token"]
        return self.token

    def register_device(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._send("POST", "/v1/devices", json=body)
        if response.status_code == 409:
            raise ProvisionError(
                Fault.DEVICE_EXISTS, device_id=body["device_id"], detail=_detail(response)
            )
        self._raise_for_status(response, "action.register_devices")
        return response.json()

    def device(self, device_id: str) -> dict[str, Any] | None:
        """Return the device record, or None when the API does not know the device."""
        response = self._send("GET", f"/v1/devices/{device_id}")
        if response.status_code == 404:
            return None
        self._raise_for_status(response, "action.read_devices")
        return response.json()

    def test_incidents(self) -> list[dict[str, Any]]:
        response = self._send("GET", "/v1/incidents", params={"test": "true"})
        if response.status_code == 403:
            # Servers older than the technician's read access to test
            # incidents (docs/architecture.md) return 403 here.
            raise ProvisionError(Fault.TEST_INCIDENTS_FORBIDDEN, status=403)
        self._raise_for_status(response, "action.read_test_incidents")
        return response.json()["items"]

    def _raise_for_status(self, response: httpx.Response, action: str) -> None:
        if response.status_code in (401, 403):
            raise ProvisionError(Fault.NOT_ALLOWED, action=action, status=response.status_code)
        if response.status_code >= 400:
            raise ProvisionError(
                Fault.REQUEST_REJECTED, status=response.status_code, detail=_detail(response)
            )


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:200]
    if isinstance(detail, list) and detail:
        first = detail[0]
        where = ".".join(str(part) for part in first.get("loc", []))
        return f"{where}: {first.get('msg')}"
    return str(detail)
