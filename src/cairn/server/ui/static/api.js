// The REST client of the UI: one fetch wrapper, the session token, and API errors.

const TOKEN_KEY = "cairn.token";
const BASE = "/api/v1";

/** An error answered by the API as {code, message, hint}. */
export class ApiError extends Error {
  constructor(status, code, message, hint) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint || "";
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** "/models" + {limit: 5, ref: ["a", "b"]} -> "/api/v1/models?limit=5&ref=a&ref=b" */
export function apiUrl(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const qs = params.toString();
  return BASE + path + (qs ? "?" + qs : "");
}

/** Call the API; resolves to the parsed JSON (null for 204), rejects with ApiError. */
export async function api(path, { method = "GET", query, body } = {}) {
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "unreachable", "the registry server did not answer", "is `cairn server` running?");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    const d = data && typeof data === "object" ? data : {};
    throw new ApiError(response.status, d.code || "error", d.message || response.statusText, d.hint);
  }
  return data;
}

/** Follow next_token pages of a listing until `max` items or the end. */
export async function allPages(path, query, max = 1000) {
  const items = [];
  let token = null;
  do {
    const page = await api(path, { query: { ...query, page_token: token } });
    items.push(...page.items);
    token = page.next_token;
  } while (token && items.length < max);
  return { items, more: Boolean(token) };
}

/** encodeURIComponent for one path segment. */
export const seg = (s) => encodeURIComponent(String(s));
