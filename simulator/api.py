"""A small client of the dispatch API for the demo: staff logins, devices, incidents, stats."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx


class ApiError(RuntimeError):
    """The dispatch API rejected a request; the message names the call and the response."""

    def __init__(self, response: httpx.Response) -> None:
        try:
            detail: Any = response.json().get("detail")
        except ValueError:
            detail = response.text[:200]
        request = response.request
        super().__init__(f"{request.method} {request.url.path} -> {response.status_code}: {detail}")
        self.status_code = response.status_code
        self.detail = detail

    @classmethod
    def missing_login(cls) -> ApiError:
        request = httpx.Request("POST", "/v1/auth/token")
        detail = "no login given: set --api-user and --api-password (an admin account)"
        return cls(httpx.Response(401, json={"detail": detail}, request=request))


class DispatchApi:
    """One logged-in user of the dispatch API (or none, for the open endpoints)."""

    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> DispatchApi:
        """Return a client holding a bearer token for ``username``; raise ApiError."""
        with httpx.Client(base_url=base_url, timeout=15.0) as http:
            response = http.post(
                "/v1/auth/token", data={"username": username, "password": password}
            )
        if response.status_code != 200:
            raise ApiError(response)
        return cls(base_url, response.json()["access_token"])

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json() if response.content else None

    # -- open endpoints ---------------------------------------------------

    def healthy(self) -> bool:
        try:
            return self.http.get("/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def has_path(self, path: str, method: str = "post") -> bool:
        """Return whether the API's OpenAPI document lists ``method`` on ``path``."""
        spec = self.request("GET", "/openapi.json")
        return method.lower() in spec.get("paths", {}).get(path, {})

    # -- staff ------------------------------------------------------------

    def stations(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", "/v1/polsek")
        return result

    def register_device(
        self, device_id: str, kind: str, label: str, lat: float, lon: float
    ) -> dict[str, Any]:
        body = {"device_id": device_id, "kind": kind, "label": label, "lat": lat, "lon": lon}
        result: dict[str, Any] = self.request("POST", "/v1/devices", json=body)
        return result

    def incidents(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield every incident matching ``params``, following the ``next`` cursor."""
        cursor: str | None = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = self.request("GET", "/v1/incidents", params=query)
            yield from page["items"]
            cursor = page.get("next")
            if not cursor:
                return

    def act(self, incident_id: str, action: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", f"/v1/incidents/{incident_id}/{action}", json=body)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/v1/stats")
        return result

    def file_complaint(self, category: str, text: str, lat: float, lon: float) -> Any:
        body = {"category": category, "text": text, "loc": {"lat": lat, "lon": lon}}
        return self.request("POST", "/v1/complaints", json=body)


def find_password(answer: Mapping[str, Any]) -> str | None:
    """Return the broker password from a device registration response."""
    for key in ("password", "mqtt_password"):
        if isinstance(answer.get(key), str):
            return str(answer[key])
    for key in ("mqtt", "credentials", "broker"):
        nested = answer.get(key)
        if isinstance(nested, Mapping) and isinstance(nested.get("password"), str):
            return str(nested["password"])
    return None
