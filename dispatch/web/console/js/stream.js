// Live incident updates over Server-Sent Events (GET /v1/incidents/stream).
// EventSource cannot set headers, so the token goes in ?access_token=. While
// one EventSource lives, the browser reconnects by itself and sends
// Last-Event-ID. When it gives up (a non-200 response closes it for good), a
// new one is opened with ?last_event_id= so no change is skipped. When the
// server has no stream endpoint (404), the page polls the list instead.

import { apiUrl, storedToken } from "./api.js";

export const StreamStatus = Object.freeze({
  CONNECTING: "connecting",
  LIVE: "live",
  RECONNECTING: "reconnecting",
  POLLING: "polling",
  OFFLINE: "offline",
});

const STREAM_PATH = "/v1/incidents/stream";
const MAX_RETRY_MS = 30_000;

export class IncidentStream {
  // onIncident(incident): one incident JSON from the stream.
  // onStatus(status): a StreamStatus value.
  // onResync(): the page should reload the list (stream reopened or polling).
  // onUnauthorized(): the token was rejected.
  // pollIntervalMs: how often to reload the list when the server has no stream.
  constructor({ onIncident, onStatus, onResync, onUnauthorized, pollIntervalMs = 5000 }) {
    this.pollIntervalMs = pollIntervalMs;
    this.onIncident = onIncident;
    this.onStatus = onStatus;
    this.onResync = onResync;
    this.onUnauthorized = onUnauthorized;
    this.source = null;
    this.lastEventId = null;
    this.retryMs = 1000;
    this.timer = null;
    this.stopped = true;
    this.everOpened = false;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.source) this.source.close();
    this.source = null;
  }

  open() {
    if (this.stopped) return;
    const token = storedToken();
    if (!token) return;
    const url = apiUrl(STREAM_PATH, { access_token: token, last_event_id: this.lastEventId });
    const source = new EventSource(url);
    this.source = source;
    this.setStatus(this.everOpened ? StreamStatus.RECONNECTING : StreamStatus.CONNECTING);

    source.addEventListener("open", () => {
      this.everOpened = true;
      this.retryMs = 1000;
      this.setStatus(StreamStatus.LIVE);
    });
    const handle = (event) => this.handleMessage(event);
    source.addEventListener("incident", handle);
    source.addEventListener("message", handle);
    source.addEventListener("error", () => {
      if (this.source !== source) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.setStatus(StreamStatus.RECONNECTING);
        return;
      }
      source.close();
      this.source = null;
      this.diagnoseClosed();
    });
  }

  handleMessage(event) {
    if (event.lastEventId) this.lastEventId = event.lastEventId;
    let incident;
    try {
      incident = JSON.parse(event.data);
    } catch {
      console.warn("stream: invalid JSON in event", event.lastEventId);
      return;
    }
    if (incident && typeof incident === "object" && incident.id) this.onIncident(incident);
  }

  // The EventSource closed for good: find out why from the status code, which
  // EventSource does not expose, with a fetch that is aborted after the headers.
  async diagnoseClosed() {
    if (this.stopped) return;
    const controller = new AbortController();
    let status = 0;
    try {
      const response = await fetch(apiUrl(STREAM_PATH, { access_token: storedToken() }), {
        signal: controller.signal,
        headers: { Accept: "text/event-stream" },
        cache: "no-store",
      });
      status = response.status;
    } catch {
      status = 0;
    } finally {
      controller.abort();
    }
    if (this.stopped) return;
    if (status === 401) {
      this.onUnauthorized();
      return;
    }
    if (status === 404 || status === 405) {
      this.startPolling();
      return;
    }
    this.setStatus(status === 0 ? StreamStatus.OFFLINE : StreamStatus.RECONNECTING);
    this.timer = setTimeout(() => {
      this.onResync();
      this.open();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  startPolling() {
    this.setStatus(StreamStatus.POLLING);
    const poll = () => {
      if (this.stopped) return;
      this.onResync();
      this.timer = setTimeout(poll, this.pollIntervalMs);
    };
    this.timer = setTimeout(poll, this.pollIntervalMs);
  }

  setStatus(status) {
    this.status = status;
    this.onStatus(status);
  }
}
