// The API client every page uses, with this screen's own token and event
// (session.js keeps them per screen and shows who is signed in).

import { credentials, leaving, signedOut } from "./session.js";

export const token = () => credentials().token;
export const eventSlug = () => credentials().event || "demo";

export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "Request failed");
    this.problem = problem;
    this.status = problem.status;
  }
}

/** Call the API; JSON in and out; a problem+json answer throws ApiError. */
export async function api(path, { method = "GET", body, form } = {}) {
  const headers = {};
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  return read(await send(path, { method, headers, body: payload }));
}

/** GET what the server tags with an ETag: {data, etag}, or null when `etag` still names it (304).
 *  A conditional request set by the page skips the browser's cache, so the 304 reaches us. */
export async function apiUnlessUnchanged(path, etag) {
  const response = await send(path, { headers: etag ? { "If-None-Match": etag } : {} });
  if (response.status === 304) return null;
  return { data: await read(response), etag: response.headers.get("ETag") };
}

async function send(path, { method = "GET", headers = {}, body } = {}) {
  if (leaving) return new Promise(() => {});  // on the way to sign in: no call, no error to show
  try {
    return await fetch(`/api/v1${path}`, { method, headers: { ...headers, Authorization: `Bearer ${token()}` }, body });
  } catch (err) {
    throw new ApiError({ status: 0, title: "Offline", detail: "The server cannot be reached." });
  }
}

async function read(response) {
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.blob();
  if (response.status === 401) signedOut(data);
  if (!response.ok) throw new ApiError(data.detail ? data : { status: response.status, title: response.statusText });
  return data;
}

/** 128 random bits as hex: crypto.getRandomValues works on plain HTTP too (a screen on the
 *  venue's network), where crypto.randomUUID does not exist. */
export const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
                                         (b) => b.toString(16).padStart(2, "0")).join("");

/** A problem as one line for a person: the detail, and the first field error if it adds anything. */
export function problemText(err) {
  if (!(err instanceof ApiError)) return String(err);
  const fields = err.problem.errors ? Object.values(err.problem.errors).flat() : [];
  return fields.length && !err.message.includes(fields[0]) ? `${err.message} (${fields[0]})` : err.message;
}

/** Show a status line; kind is "", "ok" or "error". */
export function say(el, text, kind = "") {
  el.textContent = text;
  el.className = `status ${kind}`;
}

/** The event path prefix for the current event. */
export const ev = (rest = "") => `/events/${encodeURIComponent(eventSlug())}${rest}`;

/** Build an element: h("td", {class: "x"}, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== false && v != null) el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children.flat().filter((c) => c != null));
  return el;
}
