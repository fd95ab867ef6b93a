"""A small in-process stand-in for the dispatch ingest endpoints.

It keeps the newest snapshot per ``alert_id`` (applying a version only when
it is higher, as the real API does) and can be told to fail, so forwarder
tests run without the database.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class StubDispatch:
    def __init__(self, token: str = "stub-token") -> None:
        self.token = token
        self.alerts: dict[str, dict[str, Any]] = {}
        self.requests: list[list[dict[str, Any]]] = []
        self.device_status: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.fail_status: int | None = None
        self.invalid_alert_ids: set[str] = set()
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {stub.token}":
                    self._reply(401, {"detail": "invalid token"})
                    return False
                return True

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self._authorised():
                    return
                if stub.fail_status is not None:
                    self._reply(stub.fail_status, {"detail": "stub failure"})
                    return
                if self.path == "/v1/ingest/device-status":
                    with stub.lock:
                        stub.device_status.extend(body["devices"])
                    self._reply(200, {"updated": len(body["devices"])})
                    return
                snapshots = body["alerts"]
                for index, snapshot in enumerate(snapshots):
                    if snapshot["alert_id"] in stub.invalid_alert_ids:
                        self._reply(422, {"detail": [{"loc": ["body", "alerts", index]}]})
                        return
                results = []
                with stub.lock:
                    stub.requests.append(snapshots)
                    for snapshot in snapshots:
                        kept = stub.alerts.get(snapshot["alert_id"])
                        applied = kept is None or snapshot["version"] > kept["version"]
                        if applied:
                            stub.alerts[snapshot["alert_id"]] = snapshot
                        results.append({"alert_id": snapshot["alert_id"], "applied": applied})
                self._reply(200, {"results": results})

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                if not self._authorised():
                    return
                query = parse_qs(urlsplit(self.path).query)
                after = int(query.get("after", ["0"])[0])
                with stub.lock:
                    changes = [change for change in stub.changes if change["seq"] > after]
                self._reply(
                    200, {"changes": changes, "next": changes[-1]["seq"] if changes else after}
                )

        self.handler = Handler
        self.server: ThreadingHTTPServer | None = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_change(self, **change: Any) -> None:
        with self.lock:
            change["seq"] = len(self.changes) + 1
            self.changes.append(change)

    def start(self) -> None:
        if self.thread.is_alive():
            return
        if self.server is None:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Close the port, as when the API process is down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self.thread.join()

    def __enter__(self) -> StubDispatch:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
