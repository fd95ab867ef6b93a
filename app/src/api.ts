// Calls to the dispatch API on the same origin that serves the app.

import type { Location } from "./events";
import type { DeviceCredentials } from "./store";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Registration extends DeviceCredentials {
  citizen: { email: string; name: string; [field: string]: unknown };
}

export interface RegistrationInput {
  email: string;
  name: string;
  phone: string;
  password: string;
}

/** The categories the dispatch API accepts (dispatch/schemas.py, ComplaintCategory). */
export const COMPLAINT_CATEGORIES = [
  "perjudian",
  "pencurian",
  "begal",
  "narkoba",
  "kekerasan",
  "penipuan",
  "keributan",
  "lainnya",
] as const;

export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export interface ComplaintInput {
  category: ComplaintCategory;
  text: string;
  loc: Location | null;
}

/** Turn FastAPI's `detail` (a string or a list of field errors) into one line. */
export function describeDetail(detail: unknown): string {
  if (typeof detail === "string") {
    return detail;
  }
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const error = item as { loc?: unknown[]; msg?: string };
        const field = (error.loc ?? []).filter((part) => part !== "body").join(".");
        return field ? `${field}: ${error.msg ?? ""}` : (error.msg ?? "");
      })
      .join("; ");
  }
  return "";
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network");
  }
  if (!response.ok) {
    let detail = "";
    try {
      detail = describeDetail(((await response.json()) as { detail?: unknown }).detail);
    } catch {
      detail = response.statusText;
    }
    throw new ApiError(response.status, detail || `HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

function apiUrl(path: string): string {
  // The app lives at /app/ and the API at /v1/ on the same origin.
  return new URL(path, window.location.origin).toString();
}

export function registerCitizen(input: RegistrationInput): Promise<Registration> {
  return request<Registration>(apiUrl("/v1/citizens"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(input),
  });
}

export async function login(email: string, password: string): Promise<string> {
  const body = new URLSearchParams({ username: email, password });
  const token = await request<{ access_token: string }>(apiUrl("/v1/auth/token"), {
    method: "POST",
    body,
  });
  return token.access_token;
}

export function fileComplaint(token: string, input: ComplaintInput): Promise<{ id: string }> {
  const body: Record<string, unknown> = { category: input.category, text: input.text };
  if (input.loc) {
    body.loc = input.loc;
  }
  return request<{ id: string }>(apiUrl("/v1/complaints"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

/**
 * Ask for new panic-button credentials for the logged-in citizen's app device
 * (`POST /v1/citizens/me/device`). The server replaces the MQTT password, so
 * the phone that held the old one can no longer send alerts.
 */
export function fetchDeviceCredentials(token: string): Promise<DeviceCredentials> {
  return request<DeviceCredentials>(apiUrl("/v1/citizens/me/device"), {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** Return the logged-in citizen's account (`GET /v1/citizens/me`). */
export function fetchMe(token: string): Promise<{ email: string | null; name: string | null }> {
  return request(apiUrl("/v1/citizens/me"), { headers: { Authorization: `Bearer ${token}` } });
}

/**
 * Return when a JWT access token expires, in Unix ms, from its `exp` claim;
 * null when the token carries none. The signature is not checked: the value
 * only decides when the app forgets the token, and the server still judges it.
 */
export function tokenExpiresAtMs(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) {
    return null;
  }
  const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
  try {
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="))) as {
      exp?: unknown;
    };
    return typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}
