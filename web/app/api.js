// The API client: same origin, bearer token kept in sessionStorage (gone with the tab).

const KEY = "fr.token";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

let onUnauthorized = () => {};

export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function token() { return sessionStorage.getItem(KEY); }

const PURPOSE = "fr.purpose";
const CASE = "fr.case";
const PURPOSES = "fr.purposes";

// The lead being worked on. Set when a lead is opened, cleared on the queue.
export function workOn(leadId) {
  if (leadId) sessionStorage.setItem(CASE, leadId);
  else sessionStorage.removeItem(CASE);
}

// The purpose stated for each lead, asked once per lead on its page (this tab only).
// Only a purpose stated for the open lead names it ("<purpose> lead:<id>"), which is what
// opens full identifiers to investigators; until then every call carries the sign-in
// purpose, which names no lead, and the API answers with the masked view.
function purposes() {
  try { return JSON.parse(sessionStorage.getItem(PURPOSES) || "{}") || {}; } catch { return {}; }
}

export function leadPurpose(leadId) { return purposes()[leadId] || ""; }

export function setLeadPurpose(leadId, text) {
  const all = purposes();
  all[leadId] = text;
  sessionStorage.setItem(PURPOSES, JSON.stringify(all));
}

function purposeHeader(headers) {
  const lead = sessionStorage.getItem(CASE);
  const stated = lead ? leadPurpose(lead) : "";
  const text = stated ? `${stated} lead:${lead}` : sessionStorage.getItem(PURPOSE) || "";
  if (text) headers["X-Purpose"] = encodeURIComponent(text);
}

export function logout() {
  const t = token();
  if (t) fetch("/auth/logout", { method: "POST", headers: { Authorization: "Bearer " + t } }).catch(() => {});
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(CASE);
  sessionStorage.removeItem(PURPOSES);
}

// TOTP code with the password; the stated purpose goes with every call (X-Purpose).
export async function login(username, password, totp, purpose) {
  sessionStorage.setItem(PURPOSE, purpose || "");
  const body = new URLSearchParams({ username, password, totp: totp || "", grant_type: "password" });
  const r = await fetch("/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
  if (!r.ok) throw new ApiError(r.status, (await problem(r)) || "login failed");
  const data = await r.json();
  sessionStorage.setItem(KEY, data.access_token);
  return data;
}

async function problem(r) {
  try {
    const p = await r.json();
    return p.detail || p.title;
  } catch {
    return null;
  }
}

export async function call(method, path, { params, body } = {}) {
  let url = path;
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined && v !== "") q.set(k, v);
    }
    const s = q.toString();
    if (s) url += "?" + s;
  }
  const headers = { Authorization: "Bearer " + (token() || "") };
  purposeHeader(headers);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401) {
    logout();
    onUnauthorized();
    throw new ApiError(401, await problem(r));
  }
  if (!r.ok) throw new ApiError(r.status, await problem(r));
  return r.status === 204 ? null : r.json();
}

/** A file the API serves behind the bearer token and the stated purpose, as a Blob. */
export async function blob(path) {
  const headers = { Authorization: "Bearer " + (token() || "") };
  purposeHeader(headers);
  const r = await fetch(path, { headers });
  if (r.status === 401) { logout(); onUnauthorized(); throw new ApiError(401, await problem(r)); }
  if (!r.ok) throw new ApiError(r.status, await problem(r));
  return r.blob();
}

export const get = (path, params) => call("GET", path, { params });
export const post = (path, body) => call("POST", path, { body });
export const put = (path, body) => call("PUT", path, { body });
