// HTTP client for the dispatch API on the page's own origin. The console is
// served at <base>/console/, so the API root is the folder above it; this
// keeps working behind a reverse proxy that adds a path prefix.

const TOKEN_KEY = "ampera.console.token";

export const API_ROOT = new URL("../", document.baseURI);

export class ApiError extends Error {
  constructor(status, detail, path) {
    super(describeDetail(detail) || `HTTP ${status}`);
    this.status = status; // 0 when the server could not be reached
    this.detail = detail;
    this.path = path;
  }
}

// FastAPI sends {"detail": "text"} or, for validation errors, a list of
// {"loc": [...], "msg": "..."}; both become one readable line.
export function describeDetail(detail) {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        if (item && typeof item === "object") {
          const where = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : "";
          return where ? `${where}: ${item.msg}` : item.msg || JSON.stringify(item);
        }
        return String(item);
      })
      .join("; ");
  }
  if (typeof detail === "object") return detail.message || detail.msg || JSON.stringify(detail);
  return String(detail);
}

export function apiUrl(path, query = {}) {
  const url = new URL(path.replace(/^\//, ""), API_ROOT);
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, item);
  }
  return url;
}

export function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// Claims of the JWT, for display only (username, role, station). The server
// checks the signature on every request; the page never trusts these for
// access decisions.
export function tokenClaims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = payload + "=".repeat((4 - (payload.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

let unauthorizedHandler = () => {};

// Called once with the ApiError when a request with a token comes back 401,
// so the app can return to the login page.
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

async function parseBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function request(method, path, options = {}) {
  return (await requestWithHeaders(method, path, options)).body;
}

// Like request(), but also returns the response headers (for X-Change-Seq).
export async function requestWithHeaders(method, path, { query, json, form, auth = true } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = new URLSearchParams(form);
  }
  const token = storedToken();
  if (auth && token) headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(apiUrl(path, query), init);
  } catch (error) {
    throw new ApiError(0, error.message, path);
  }
  const body = await parseBody(response);
  if (!response.ok) {
    const error = new ApiError(response.status, body && typeof body === "object" ? body.detail : body, path);
    if (response.status === 401 && auth && token) unauthorizedHandler(error);
    throw error;
  }
  return { body, headers: response.headers };
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, json) => request("POST", path, { json });

export async function login(username, password) {
  const body = await request("POST", "/v1/auth/token", {
    form: { username, password, grant_type: "password" },
    auth: false,
  });
  storeToken(body.access_token);
  return body.access_token;
}

export function logout() {
  storeToken(null);
}

// Lists come as {"items": [...], "next": cursor} per the contract; a bare
// array is accepted too so a simpler endpoint still renders.
export function itemsOf(body) {
  if (Array.isArray(body)) return { items: body, next: null };
  return { items: body?.items ?? [], next: body?.next ?? null };
}
