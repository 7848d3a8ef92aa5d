// Signing in a device: it trades a supervisor's short pairing code for a token of its
// own, kept for one screen, then opens that screen. The camera reads the code's QR
// only where the browser allows a camera (a secure context: HTTPS, or this machine
// itself); on a plain-HTTP address in the venue's network the code is typed.
// A token from `gate token create` can be pasted instead.

import { ApiError } from "./api.js";
import { Camera, cameraBlocked } from "./gate-camera.js";
import { ROLE_NAMES, SCREENS, forget, remember } from "./session.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const wanted = SCREENS[params.get("screen")] ? params.get("screen") : "";
const ALPHABET = /^[0-9A-HJKMNP-TV-Z]{8}$/;

/** The code as the server reads it: upper case, separators dropped, look-alikes read as digits. */
function normalise(text) {
  return text.toUpperCase().replace(/[\s._-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

/** A pairing code in a scanned text: the /pair link's ?code=, or the code itself; null if none. */
function codeIn(text) {
  let candidate = text.trim();
  try {
    candidate = new URL(candidate).searchParams.get("code") || "";
  } catch { /* not a link: maybe the bare code */ }
  return ALPHABET.test(normalise(candidate)) ? candidate : null;
}

function say(id, text, kind = "") {
  $(id).textContent = text;
  $(id).className = `status ${kind}`;
}

async function call(path, init = {}) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError({ status: 0, title: "Offline", detail: "The server cannot be reached." });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(data.detail ? data : { status: response.status, title: response.statusText });
  return data;
}

/** Where a token of this role goes: the screen asked for, if the role can run it, else the role's own. */
const screenFor = (role, fallback) => (wanted && SCREENS[wanted].roles.includes(role) ? wanted : fallback);

function open(screen, extra = "") {
  document.body.dataset.signedIn = screen;
  location.replace(`/${screen}${extra}`);
}

async function pair(typed) {
  if (!ALPHABET.test(normalise(typed))) {
    return say("pair-status", "A pairing code has 8 letters and digits, such as ABCD-EFGH.", "error");
  }
  say("pair-status", "Pairing…");
  $("pair-button").disabled = true;
  try {
    const paired = await call("/api/v1/pair", { method: "POST", headers: { "Content-Type": "application/json" },
                                                body: JSON.stringify({ code: typed }) });
    const target = screenFor(paired.role, paired.screen);
    forget(target);
    remember(target, { token: paired.token, event: paired.event, name: paired.name, role: paired.role, paired: "1" });
    say("pair-status", `Paired as ${paired.name}. Opening the ${SCREENS[target].title} screen…`, "ok");
    open(target, target === "gate" && paired.gate ? `?gate=${encodeURIComponent(paired.gate)}` : "");
  } catch (err) {
    say("pair-status", err.message, "error");
    $("pair-button").disabled = false;
    $("code").select();
  }
}

async function signInWithToken(token, screen, typedEvent) {
  const headers = { Authorization: `Bearer ${token}` };
  const who = await call("/api/v1/me", { headers });
  if (!SCREENS[screen].roles.includes(who.role)) {
    throw new Error(`A ${ROLE_NAMES[who.role]} token cannot run the ${SCREENS[screen].title} screen.`);
  }
  const event = who.event || typedEvent;
  if (!event) throw new Error("This token is not bound to an event: name the event.");
  await call(`/api/v1/events/${encodeURIComponent(event)}`, { headers });  // the event exists and the token may see it
  forget(screen);
  remember(screen, { token, event, name: who.name, role: who.role });
  open(screen);
}

function setUpCamera() {
  if (cameraBlocked()) {
    $("camera-note").textContent = `${cameraBlocked()}: ask for the https:// address, or type the code.`;
    $("camera-note").hidden = false;
    return;
  }
  const found = (text) => {
    const code = text && codeIn(text);
    if (!code) return;
    camera.stop();
    $("code").value = code;
    pair(code);
  };
  const camera = new Camera($("camera"), {
    onCodes: (codes) => found(codes.find(codeIn)),  // of all codes in view, the pairing code
    onFrame: async (blob) => {
      const form = new FormData();
      form.append("image", blob, "frame.jpg");
      const answer = await call("/api/v1/pair/frame", { method: "POST", body: form }).catch(() => null);
      if (answer?.status === "found") found(answer.code);
    },
  });
  $("scan-button").hidden = false;
  $("scan-button").addEventListener("click", async () => {
    if (camera.stream) return camera.stop();
    try {
      await camera.start();
    } catch (err) {
      camera.stop();
      say("pair-status", `Camera: ${err.message || err.name}. Type the code instead.`, "error");
    }
  });
}

function start() {
  if (wanted) $("pair-title").textContent = `Enter the pairing code for the ${SCREENS[wanted].title} screen`;
  $("token-screen").value = wanted || "gate";
  $("code-form").addEventListener("submit", (e) => { e.preventDefault(); pair($("code").value); });
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    say("token-status", "Checking the token…");
    signInWithToken($("token-value").value.trim(), $("token-screen").value, $("token-event").value.trim())
      .catch((err) => say("token-status", err.message, "error"));
  });
  setUpCamera();
  const linked = params.get("code");
  if (linked) {  // opened from the QR's link: pair at once, and keep the code out of the history
    params.delete("code");
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
    $("code").value = linked;
    pair(linked);
  } else {
    $("code").focus();
  }
  document.body.dataset.ready = "1";
}

start();
