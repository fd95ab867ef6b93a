// The MQTT connection of the app: MQTT 3.1.1 over WebSocket with the `mqtt`
// package, a persistent session under the device id, QoS 1 events from the
// IndexedDB outbox, retained status with a last will, and the feedback
// subscription.
//
// Each retry has one owner. While a client lives, mqtt.js resends what it
// published but the broker did not acknowledge. Every new client (after a
// reload, a resume or a network change) publishes the whole outbox again.

import mqtt, { type MqttClient } from "mqtt";
import {
  APP_VERSION,
  HEARTBEAT_INTERVAL_MS,
  MQTT_KEEPALIVE_S,
  MQTT_RECONNECT_MS,
  MQTT_REJECTED_RETRY_MS,
  REPUBLISH_AFTER_MS,
  RESUME_RECONNECT_AFTER_MS,
} from "./config";
import { type DeviceCredentials, type OutboxEntry, pendingEvents, removeEvent } from "./store";
import { deviceTopic, GATEWAY_STATUS } from "./topics";

export type LinkState = "connecting" | "online" | "offline" | "rejected";

export interface LinkCallbacks {
  onState(state: LinkState): void;
  onFeedback(payload: string): void;
  onGatewayStatus(online: boolean): void;
  /** The event left the phone (it may still need the broker's PUBACK). */
  onPublished(entry: OutboxEntry): void;
  /** The broker acknowledged the event and it left the outbox. */
  onDelivered(entry: OutboxEntry): void;
}

const STATUS_ONLINE = JSON.stringify({ online: true, fw: APP_VERSION });
const STATUS_OFFLINE = JSON.stringify({ online: false });

// CONNACK return codes 4 and 5: bad username or password, not authorised.
const REJECTED_CODES = new Set([4, 5]);

export class MqttLink {
  private client: MqttClient | null = null;
  /** Event id -> time it was published, for the current client only. */
  private inFlight = new Map<string, number>();
  private state: LinkState = "offline";
  private hiddenAtMs: number | null = null;
  private readonly startedAtMs = Date.now();
  private timers: number[] = [];
  private rejectedRetry: number | null = null;
  private readonly topics;

  constructor(
    private readonly credentials: DeviceCredentials,
    private readonly callbacks: LinkCallbacks,
  ) {
    const id = credentials.device_id;
    this.topics = {
      event: deviceTopic(id, "event"),
      feedback: deviceTopic(id, "feedback"),
      status: deviceTopic(id, "status"),
      heartbeat: deviceTopic(id, "heartbeat"),
    };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get deviceId(): string {
    return this.credentials.device_id;
  }

  start(): void {
    this.openClient();
    window.addEventListener("online", this.onNetworkChange);
    window.addEventListener("offline", this.onNetworkChange);
    document.addEventListener("visibilitychange", this.onVisibilityChange);
    window.addEventListener("pageshow", this.onResume);
    document.addEventListener("resume", this.onResume);
    this.timers.push(window.setInterval(() => this.republishStale(), 5000));
    this.timers.push(window.setInterval(() => this.sendHeartbeat(), HEARTBEAT_INTERVAL_MS));
  }

  stop(): void {
    window.removeEventListener("online", this.onNetworkChange);
    window.removeEventListener("offline", this.onNetworkChange);
    document.removeEventListener("visibilitychange", this.onVisibilityChange);
    window.removeEventListener("pageshow", this.onResume);
    document.removeEventListener("resume", this.onResume);
    for (const timer of this.timers) {
      window.clearInterval(timer);
    }
    this.timers = [];
    this.closeClient();
    this.setState("offline");
  }

  /** Drop the current connection and open a new one at once. */
  restart(): void {
    this.closeClient();
    this.openClient();
  }

  /** Publish every outbox event that the current client has not published yet. */
  async flush(): Promise<void> {
    if (!this.connected) {
      return;
    }
    const entries = await pendingEvents();
    for (const entry of entries) {
      if (!this.inFlight.has(entry.id)) {
        this.publishEntry(entry);
      }
    }
  }

  private openClient(): void {
    this.inFlight = new Map();
    const { mqtt: account, device_id: deviceId } = this.credentials;
    const client = mqtt.connect(resolveWsUrl(account.ws_url), {
      protocolVersion: 4,
      clientId: deviceId,
      clean: false,
      username: account.username,
      password: account.password,
      keepalive: MQTT_KEEPALIVE_S,
      reconnectPeriod: MQTT_RECONNECT_MS,
      connectTimeout: 10_000,
      // Subscriptions are made in the connect handler, after every CONNACK.
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: this.topics.status, payload: STATUS_OFFLINE, qos: 1, retain: true },
    });
    this.client = client;
    this.setState("connecting");

    client.on("connect", () => {
      if (client !== this.client) {
        return;
      }
      this.setState("online");
      client.subscribe({ [this.topics.feedback]: { qos: 1 }, [GATEWAY_STATUS]: { qos: 1 } });
      client.publish(this.topics.status, STATUS_ONLINE, { qos: 1, retain: true });
      this.sendHeartbeat();
      void this.flush();
    });
    client.on("message", (topic, payload) => {
      if (client !== this.client) {
        return;
      }
      const text = new TextDecoder().decode(payload);
      if (topic === this.topics.feedback) {
        this.callbacks.onFeedback(text);
      } else if (topic === GATEWAY_STATUS) {
        this.callbacks.onGatewayStatus(parseOnline(text));
      }
    });
    client.on("reconnect", () => client === this.client && this.setState("connecting"));
    client.on("close", () => client === this.client && this.state !== "rejected" && this.setState("offline"));
    client.on("error", (error) => {
      const code = (error as { code?: number }).code;
      if (client === this.client && code !== undefined && REJECTED_CODES.has(code)) {
        // The same credentials will be rejected again, so try rarely; a
        // network change or a return to the app still tries at once.
        this.closeClient();
        this.setState("rejected");
        this.rejectedRetry = window.setTimeout(() => this.restart(), MQTT_REJECTED_RETRY_MS);
      }
    });
  }

  private closeClient(): void {
    if (this.rejectedRetry !== null) {
      window.clearTimeout(this.rejectedRetry);
      this.rejectedRetry = null;
    }
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      // An error event without a listener would be thrown by the emitter.
      client.on("error", () => undefined);
      client.end(true);
    }
  }

  private publishEntry(entry: OutboxEntry): void {
    const client = this.client;
    if (!client?.connected) {
      return;
    }
    this.inFlight.set(entry.id, Date.now());
    client.publish(this.topics.event, entry.payload, { qos: 1, retain: false }, (error) => {
      if (client !== this.client) {
        return;
      }
      this.inFlight.delete(entry.id);
      if (error) {
        // Still in the outbox: the next connection sends it again.
        return;
      }
      void removeEvent(entry.id).then(() => this.callbacks.onDelivered(entry));
    });
    this.callbacks.onPublished(entry);
  }

  /**
   * Publish again what waited too long for its PUBACK, with the same bytes.
   * mqtt.js resends after a reconnect, so this is only a safety net.
   */
  private republishStale(): void {
    if (!this.connected) {
      return;
    }
    const now = Date.now();
    const stale = [...this.inFlight].filter(([, atMs]) => now - atMs >= REPUBLISH_AFTER_MS);
    if (stale.length === 0) {
      return;
    }
    for (const [id] of stale) {
      this.inFlight.delete(id);
    }
    void this.flush();
  }

  private sendHeartbeat(): void {
    const client = this.client;
    if (!client?.connected) {
      return;
    }
    void pendingEvents().then((entries) => {
      const heartbeat = {
        uptime_s: Math.round((Date.now() - this.startedAtMs) / 1000),
        queued: entries.length,
      };
      client.publish(this.topics.heartbeat, JSON.stringify(heartbeat), { qos: 0 });
    });
  }

  private setState(state: LinkState): void {
    if (state !== this.state) {
      this.state = state;
      this.callbacks.onState(state);
    }
  }

  // A network change makes the old socket useless (offline) or lets a new
  // one through at once instead of at the next reconnect timer (online).
  private readonly onNetworkChange = (): void => {
    this.restart();
  };

  // Android doze delays timers and pings while the screen is off, so the
  // broker may have dropped the connection without the app noticing.
  private readonly onVisibilityChange = (): void => {
    if (document.visibilityState === "hidden") {
      this.hiddenAtMs = Date.now();
      return;
    }
    const hiddenForMs = this.hiddenAtMs === null ? 0 : Date.now() - this.hiddenAtMs;
    this.hiddenAtMs = null;
    if (!this.connected || hiddenForMs >= RESUME_RECONNECT_AFTER_MS) {
      this.restart();
    }
  };

  private readonly onResume = (event: Event): void => {
    if (event.type === "pageshow" && !(event as PageTransitionEvent).persisted) {
      return;
    }
    this.restart();
  };
}

function parseOnline(text: string): boolean {
  try {
    return (JSON.parse(text) as { online?: unknown }).online === true;
  } catch {
    return false;
  }
}

/** Accept an absolute ws:// or wss:// URL, or a path on the app's own host. */
export function resolveWsUrl(wsUrl: string): string {
  if (/^wss?:\/\//.test(wsUrl)) {
    return wsUrl;
  }
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${wsUrl.startsWith("/") ? "" : "/"}${wsUrl}`;
}

