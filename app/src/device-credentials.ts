// New panic-button credentials for a phone that has none: a citizen who logs
// in on a new phone, or after clearing the browser, gets a new MQTT password
// for the account's app device. The server replaces the old password, so the
// phone that held it stops sending alerts.

import { ApiError } from "./api";
import { t } from "./i18n";
import type { DeviceCredentials } from "./store";

export interface RestoreDeps {
  /** `POST /v1/citizens/me/device` with the access token. */
  fetchCredentials(token: string): Promise<DeviceCredentials>;
  /** Keep the credentials on the phone (IndexedDB). */
  save(device: DeviceCredentials): Promise<void>;
}

export type RestoreResult =
  | { device: DeviceCredentials; error: null; sessionExpired: false }
  | { device: null; error: unknown; sessionExpired: boolean };

/** Check the fields the MQTT link needs, so a malformed response is never stored. */
export function isDeviceCredentials(value: unknown): value is DeviceCredentials {
  const candidate = value as Partial<DeviceCredentials> | null;
  const mqtt = candidate?.mqtt;
  return (
    typeof candidate?.device_id === "string" &&
    candidate.device_id !== "" &&
    typeof mqtt?.username === "string" &&
    typeof mqtt.password === "string" &&
    mqtt.password !== "" &&
    typeof mqtt.ws_url === "string"
  );
}

/** Return the message to show when new credentials could not be obtained. */
export function deviceErrorText(error: unknown): string {
  if (!(error instanceof ApiError)) {
    const detail = error instanceof Error ? error.message : String(error);
    return t("device.error", { detail });
  }
  switch (error.status) {
    case 0:
      return t("device.errorNetwork");
    case 401:
      return t("error.sessionExpired");
    case 409:
      return t("device.errorRevoked");
    case 429:
    case 503:
      return t("device.errorBusy");
    default:
      return t("device.error", { detail: error.message });
  }
}

/**
 * Fetch new credentials and store them before returning them, because the
 * server invalidates the previous password with every call. On failure,
 * return the cause instead (`deviceErrorText` turns it into the message).
 * `sessionExpired` is true when the caller must ask for a new login.
 */
export async function restoreDevice(token: string, deps: RestoreDeps): Promise<RestoreResult> {
  let device: unknown;
  try {
    device = await deps.fetchCredentials(token);
  } catch (error) {
    const sessionExpired = error instanceof ApiError && error.status === 401;
    return { device: null, error, sessionExpired };
  }
  if (!isDeviceCredentials(device)) {
    return {
      device: null,
      error: new Error("invalid credentials in the server's response"),
      sessionExpired: false,
    };
  }
  const credentials: DeviceCredentials = {
    device_id: device.device_id,
    mqtt: {
      username: device.mqtt.username,
      password: device.mqtt.password,
      ws_url: device.mqtt.ws_url,
    },
  };
  try {
    await deps.save(credentials);
  } catch (error) {
    // Without stored credentials a reload would lose the button, so do not connect.
    return { device: null, error, sessionExpired: false };
  }
  return { device: credentials, error: null, sessionExpired: false };
}
