// Tunable durations of the app. Every key carries its unit.

/** How long the button must be held to confirm at once (sends `hold`). */
export const HOLD_MS = 2500;

/**
 * Local estimate of the gateway's confirm window, used for the countdown
 * until the gateway's `pending` feedback gives `remaining_s`. It matches the
 * gateway's documented default; the gateway's value always wins.
 */
export const DEFAULT_CONFIRM_WINDOW_S = 10;

/** Maximum wait for a position before an alert goes out without `loc`. */
export const GEO_TIMEOUT_MS = 3000;

/** A position younger than this is sent as it is, without asking again. */
export const GEO_MAX_AGE_MS = 60_000;

/** MQTT keepalive; short, because Android doze delays the app's pings. */
export const MQTT_KEEPALIVE_S = 30;

/** Pause between reconnect attempts of the MQTT client. */
export const MQTT_RECONNECT_MS = 2000;

/**
 * An event published but not acknowledged (no PUBACK) for this long is
 * published again with the same bytes; the gateway ignores the duplicate.
 */
export const REPUBLISH_AFTER_MS = 30_000;

/**
 * Pause before trying again after the broker rejected the credentials (for
 * example a revoked account), instead of every MQTT_RECONNECT_MS.
 */
export const MQTT_REJECTED_RETRY_MS = 60_000;

/** After the page was hidden this long, a return to it forces a new connection. */
export const RESUME_RECONNECT_AFTER_MS = 15_000;

/** Interval of heartbeats while the app is open. */
export const HEARTBEAT_INTERVAL_MS = 5 * 60_000;

/** App version, sent as `fw` in the retained status message. */
export const APP_VERSION: string = __APP_VERSION__;
