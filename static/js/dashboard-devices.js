// The dashboard's Devices panel (supervisors and admins): pair a device with a short
// code and its QR, see every device signed in to the event, revoke one at once.

import { ApiError, api, ev, h } from "./api.js";
import { clockText as clock, setEventZone } from "./clock.js";
import { ROLE_NAMES, me } from "./session.js";

const $ = (id) => document.getElementById(id);
const MANAGERS = new Set(["admin", "supervisor"]);
const REFRESH_MS = 30_000;
const WATCH_MS = 3_000; // while a code is on screen, look for the device it pairs
const state = { role: null, gates: [], code: null, timer: null, watch: null, showAll: false };


function say(text, kind = "") {
  $("devices-status").textContent = text;
  $("devices-status").className = `status ${kind}`;
}

function fillForm() {
  const roles = Object.keys(ROLE_NAMES).filter((r) => state.role === "admin" || r !== "admin");
  $("pair-role").replaceChildren(...roles.map((r) => new Option(ROLE_NAMES[r], r, r === "gate", r === "gate")));
  $("pair-gate").replaceChildren(...state.gates.map((g) => new Option(g.name, g.code)));
  const showGate = () => { $("pair-gate-field").hidden = $("pair-role").value !== "gate"; };
  $("pair-role").addEventListener("change", showGate);
  showGate();
}

async function createCode(e) {
  e.preventDefault();
  const role = $("pair-role").value;
  const body = { role, name: $("pair-name").value.trim() || null, token_expires_in: $("pair-valid").value || null };
  if (role === "gate") body.gate = $("pair-gate").value;
  try {
    showCode(await api(ev("/pairing-codes"), { method: "POST", body }));
    say("");
  } catch (err) {
    say(err.message, "error");
  }
}

function showCode(made) {
  state.code = made;
  const box = $("pair-code");
  box.hidden = false;
  box.dataset.state = "open";
  $("pair-code-value").textContent = made.code;
  $("pair-code-qr").src = made.qr;
  $("pair-code-for").textContent = `${made.name} · ${ROLE_NAMES[made.role]}${made.gate ? ` · gate ${made.gate}` : ""}`;
  $("pair-code-url").textContent = made.url;
  clearInterval(state.timer);
  clearInterval(state.watch);
  state.timer = setInterval(countdown, 1000);
  state.watch = setInterval(loadTokens, WATCH_MS);
  countdown();
  box.scrollIntoView({ block: "nearest" });  // on a phone the code is below the form
}

function countdown() {
  const left = Math.max(0, Math.round((new Date(state.code.expires_at) - Date.now()) / 1000));
  $("pair-code-left").textContent = left
    ? `Works once, for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} more`
    : "Expired: make a new code";
  if (!left) closeCode("expired");
}

function closeCode(why) {
  clearInterval(state.timer);
  clearInterval(state.watch);
  if (why === "hide") $("pair-code").hidden = true;
  else $("pair-code").dataset.state = why;
}

function tokenRow(t) {
  const bits = [ROLE_NAMES[t.role], t.gate && `gate ${t.gate}`,
                t.last_used_at ? `last used ${clock(t.last_used_at)}` : "not used yet",
                t.state === "active" ? (t.expires_at ? `until ${clock(t.expires_at)}` : null) : t.state];
  const action = t.current ? h("span", { class: "tag" }, "this screen")
    : t.state === "active" ? h("button", { type: "button", class: "secondary", onclick: (e) => askRevoke(e, t) },
                               "Revoke") : null;
  return h("li", { class: `device ${t.state}`, "data-token": t.id },
    h("span", { class: "device-text" }, h("span", { class: "device-name" }, t.name || ROLE_NAMES[t.role]),
      h("span", { class: "device-meta" }, bits.filter(Boolean).join(" · "))),
    h("span", { class: "device-actions" }, action));
}

function askRevoke(e, t) {
  const cell = e.target.parentElement;
  cell.replaceChildren(
    h("button", { type: "button", class: "danger", onclick: () => revoke(t) }, "Revoke now"),
    h("button", { type: "button", class: "secondary", onclick: loadTokens }, "Keep"));
  cell.firstChild.focus();
}

async function revoke(t) {
  try {
    await api(ev(`/tokens/${t.id}/revoke`), { method: "POST" });
    say(`${t.name || ROLE_NAMES[t.role]} is signed out: its token no longer works.`, "ok");
  } catch (err) {
    say(err.message, "error");
  }
  loadTokens();
}

async function loadTokens() {
  try {
    const { tokens } = await api(ev(`/tokens?state=${state.showAll ? "all" : "active"}`));
    $("device-list").replaceChildren(...tokens.map(tokenRow));
    $("device-count").textContent = tokens.filter((t) => t.state === "active").length;
    const paired = state.code && tokens.find((t) => t.created_by === `pairing:${state.code.id}`);
    if (paired && $("pair-code").dataset.state === "open") {
      closeCode("used");
      $("pair-code-left").textContent = `Paired: ${paired.name} is signed in.`;
    }
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 0) say(err.message, "error");
  }
}

async function start() {
  const who = await me;
  if (!who || !MANAGERS.has(who.role)) return; // watching needs no devices panel
  state.role = who.role;
  const event = await api(ev());
  setEventZone(event.timezone);
  state.gates = event.gates;
  fillForm();
  $("devices").hidden = false;
  $("pair-form").addEventListener("submit", createCode);
  $("pair-code-close").addEventListener("click", () => closeCode("hide"));
  $("show-all").addEventListener("change", (e) => { state.showAll = e.target.checked; loadTokens(); });
  await loadTokens();
  setInterval(loadTokens, REFRESH_MS);
  document.body.dataset.devices = "1";
}

start().catch((err) => say(err.message, "error"));
