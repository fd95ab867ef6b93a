// Build the MQTT topics under `ampera/v1`. The only place in the app where a
// topic string is written; it mirrors protocol/topics.py.

export const PREFIX = "ampera/v1";
export const GATEWAY_STATUS = `${PREFIX}/gateway/status`;

// The device id is also the broker username, so the broker's ACL pins the
// app to its own topics.
const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/;

export type DeviceSuffix = "event" | "feedback" | "status" | "heartbeat";

export function isValidDeviceId(deviceId: string): boolean {
  return DEVICE_ID_PATTERN.test(deviceId);
}

/** Return `ampera/v1/dev/{deviceId}/{suffix}`; throw on an invalid device id. */
export function deviceTopic(deviceId: string, suffix: DeviceSuffix): string {
  if (!isValidDeviceId(deviceId)) {
    throw new Error(
      `invalid device id ${JSON.stringify(deviceId)}: expected 3-64 characters of a-z, 0-9 and '-'`,
    );
  }
  return `${PREFIX}/dev/${deviceId}/${suffix}`;
}
