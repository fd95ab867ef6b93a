// Event payloads published on ampera/v1/dev/{device_id}/event, as the
// contract defines them: one compact UTF-8 JSON object of at most 1 KiB.

export type EventType = "press" | "hold" | "cancel" | "test";

export const MAX_EVENT_BYTES = 1024;

/** A position from the browser's geolocation: degrees and metres. */
export interface Location {
  lat: number;
  lon: number;
  acc_m: number;
}

export interface AppEvent {
  v: 1;
  id: string;
  type: EventType;
  source: "app";
  seq: number;
  /** Phone clock, Unix milliseconds. */
  ts: number;
  loc?: Location;
  bat?: number;
  /** For `cancel`: the event id of the press it cancels. */
  alert?: string;
}

export interface EventInput {
  id: string;
  type: EventType;
  seq: number;
  tsMs: number;
  loc?: Location | null;
  bat?: number | null;
  alert?: string | null;
}

/** Round a position to what GPS can know: about 1 cm in degrees, whole metres. */
export function roundLocation(loc: Location): Location {
  return {
    lat: Math.round(loc.lat * 1e7) / 1e7,
    lon: Math.round(loc.lon * 1e7) / 1e7,
    acc_m: Math.max(0, Math.round(loc.acc_m)),
  };
}

/** Build an event, leaving out optional fields that have no value. */
export function buildEvent(input: EventInput): AppEvent {
  if (input.id.length < 1 || input.id.length > 64) {
    throw new Error(`event id must be 1-64 characters, got ${input.id.length}`);
  }
  if (!Number.isInteger(input.seq) || input.seq < 0) {
    throw new Error(`seq must be an integer >= 0, got ${input.seq}`);
  }
  const event: AppEvent = {
    v: 1,
    id: input.id,
    type: input.type,
    source: "app",
    seq: input.seq,
    ts: Math.trunc(input.tsMs),
  };
  if (input.loc) {
    event.loc = roundLocation(input.loc);
  }
  if (input.bat !== null && input.bat !== undefined) {
    event.bat = Math.min(100, Math.max(0, Math.round(input.bat)));
  }
  if (input.alert) {
    event.alert = input.alert;
  }
  return event;
}

/**
 * Serialise an event once. The outbox keeps this exact text, so every retry
 * sends the same bytes, as the contract requires.
 */
export function encodeEvent(event: AppEvent): string {
  const text = JSON.stringify(event);
  const size = new TextEncoder().encode(text).length;
  if (size > MAX_EVENT_BYTES) {
    throw new Error(`event of ${size} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit`);
  }
  return text;
}

/**
 * Return a new event id: a random version 4 UUID, 36 characters. Built from
 * getRandomValues because crypto.randomUUID exists only in secure contexts.
 */
export function newEventId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
