// The app's data on the phone, in IndexedDB (database "ampera-app"):
//
// - kv/device: the device credentials from registration (device id, MQTT
//   username, password and WebSocket URL). The panic button needs them to
//   connect, and the server returns them only once.
// - kv/session: the access token (it expires; used for complaint reports),
//   the e-mail address and the name, to show who is logged in.
// - kv/seq: the next event sequence number, which must survive restarts.
// - kv/alert: the alert shown on screen, so a reload shows it again.
// - outbox: events not yet acknowledged by the broker, with their id, seq,
//   time and exact payload, so a retry sends the same bytes.
//
// The password is never stored. Logging out deletes the session; "delete
// data" deletes everything, including the outbox.

import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import type { AlertView } from "./alert-state";
import { type AppEvent, buildEvent, type EventInput, encodeEvent } from "./events";

export interface DeviceCredentials {
  device_id: string;
  mqtt: { username: string; password: string; ws_url: string };
}

export interface Session {
  access_token: string;
  email: string;
  name: string | null;
}

export interface OutboxEntry {
  id: string;
  seq: number;
  type: AppEvent["type"];
  /** The serialised event, sent unchanged on every retry. */
  payload: string;
  createdAtMs: number;
}

interface KvValues {
  device: DeviceCredentials;
  session: Session;
  seq: number;
  alert: AlertView;
}

type KvKey = keyof KvValues;

interface AppDb extends DBSchema {
  kv: { key: KvKey; value: KvValues[KvKey] };
  outbox: { key: string; value: OutboxEntry; indexes: { by_seq: number } };
}

const DB_NAME = "ampera-app";
const DB_VERSION = 1;

let dbPromise: Promise<IDBPDatabase<AppDb>> | null = null;

function db(): Promise<IDBPDatabase<AppDb>> {
  dbPromise ??= openDB<AppDb>(DB_NAME, DB_VERSION, {
    upgrade(database) {
      database.createObjectStore("kv");
      const outbox = database.createObjectStore("outbox", { keyPath: "id" });
      outbox.createIndex("by_seq", "seq");
    },
  });
  return dbPromise;
}

export async function getValue<K extends KvKey>(key: K): Promise<KvValues[K] | undefined> {
  return (await (await db()).get("kv", key)) as KvValues[K] | undefined;
}

export async function setValue<K extends KvKey>(key: K, value: KvValues[K]): Promise<void> {
  await (await db()).put("kv", value, key);
}

export async function deleteValue(key: KvKey): Promise<void> {
  await (await db()).delete("kv", key);
}

/**
 * Take the next sequence number, build the event and put it in the outbox,
 * in one transaction, so a crash can neither reuse a seq nor lose the event.
 */
export async function enqueueEvent(input: Omit<EventInput, "seq">): Promise<OutboxEntry> {
  const database = await db();
  const tx = database.transaction(["kv", "outbox"], "readwrite");
  const kv = tx.objectStore("kv");
  const seq = ((await kv.get("seq")) as number | undefined) ?? 0;
  const event = buildEvent({ ...input, seq });
  const entry: OutboxEntry = {
    id: event.id,
    seq,
    type: event.type,
    payload: encodeEvent(event),
    createdAtMs: input.tsMs,
  };
  await Promise.all([kv.put(seq + 1, "seq"), tx.objectStore("outbox").put(entry), tx.done]);
  return entry;
}

/** Events waiting for the broker's acknowledgement, oldest first. */
export async function pendingEvents(): Promise<OutboxEntry[]> {
  return (await db()).getAllFromIndex("outbox", "by_seq");
}

export async function removeEvent(id: string): Promise<void> {
  await (await db()).delete("outbox", id);
}

/** Delete everything the app stored on this phone. */
export async function deleteAll(): Promise<void> {
  const database = await db();
  const tx = database.transaction(["kv", "outbox"], "readwrite");
  await Promise.all([tx.objectStore("kv").clear(), tx.objectStore("outbox").clear(), tx.done]);
}
