// The gate screen: scan by keyboard-wedge scanner or camera, show the verdict
// big enough to read at arm's length, and keep judging when the server is gone.

import { api, ApiError, ev, eventSlug, randomId } from "./api.js";
import { clockText, setEventZone } from "./clock.js";
import { Camera, cameraBlocked, cameras } from "./gate-camera.js";
import { mountSoundToggle, signal } from "./gate-feedback.js";
import { GatePack, queue, WrongDirection } from "./gate-offline.js";
import { mountGuestPanel } from "./gate-guests.js";
import { VERDICTS, WARN } from "./verdicts.js";

const $ = (id) => document.getElementById(id);
const RESULT_MS = 2500;
// Plain HTTP on the venue's network is no secure context: the browser gives no camera, the scanner still works.
const NO_CAMERA = cameraBlocked() && `${cameraBlocked()}: ask for the https:// address, or use a scanner.`;

const device = localStorage.getItem("gate.device") ||
  (localStorage.setItem("gate.device", `web-${randomId().slice(0, 8)}`), localStorage.getItem("gate.device"));
const state = { gate: null, direction: "in", offline: false, pack: null, clearTimer: null };

function show(answer) {
  const reason = answer.status === "ok" ? (state.direction === "out" ? "out" : "ok") : answer.reason;
  const result = $("result");
  const tone = answer.status === "ok" ? "ok" : WARN.has(reason) ? "warn" : "bad";
  result.className = `result ${tone}`;
  signal(tone === "bad" ? "refused" : tone);
  result.dataset.status = answer.status;
  result.dataset.reason = answer.reason || "";
  $("verdict").textContent = VERDICTS[reason] || reason.toUpperCase();
  if (answer.repeat) $("verdict").append(Object.assign(document.createElement("span"), { className: "repeat", textContent: "REPEAT" }));
  $("message").textContent = answer.offline ? `${answer.message} (offline)` : answer.message;
  const t = answer.ticket;
  $("holder").textContent = t ? t.holder.name : "";
  const bits = t ? [t.type.name, (t.zones || []).join(" + ")] : [];
  if (answer.first_entry) {  // on the event's clock, as the message says it, whatever this device's zone
    bits.push(`first in ${clockText(answer.first_entry.at)} at ${answer.first_entry.gate_name || answer.first_entry.gate}`);
  }
  if (t?.notes) bits.push(t.notes);
  $("details").textContent = bits.filter(Boolean).join(" · ");
  clearTimeout(state.clearTimer);
  state.clearTimer = setTimeout(idle, RESULT_MS * 2);
}

function idle() {
  if (window.pageHealth?.failure) return window.pageHealth.show();  // never READY once something broke
  $("result").className = "result idle";
  $("verdict").textContent = state.offline ? "OFFLINE" : "READY";
  $("message").textContent = "Scan a ticket";
  $("holder").textContent = $("details").textContent = "";
}

function setOffline(offline) {
  if (offline !== state.offline) signal(offline ? "offline" : "online");
  state.offline = offline;
  $("offline-banner").hidden = !offline;
  $("queue-size").textContent = queue.items().length;
  document.body.classList.toggle("is-offline", offline);
}

async function scanCode(code) {
  code = code.trim();
  if (!code) return;
  const scan = { code, gate: state.gate, direction: state.direction, nonce: randomId(),
                 scanned_at: new Date().toISOString(), device };
  if (!state.offline) {
    try {
      const answer = await api(ev("/scans"), { method: "POST", body: scan });
      show(answer);
      return await state.pack.remember(code, answer);  // who is inside, for judging offline later
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 0) return showError(err);
      setOffline(true);
    }
  }
  let answer;
  try {
    answer = await state.pack.judge(code, state.direction, new Date(scan.scanned_at));
  } catch (err) {
    if (err instanceof WrongDirection) return showError(err);  // the server would refuse it too: not queued
    throw err;
  }
  queue.add({ ...scan, offline: true });
  setOffline(true);
  show(answer);
}

async function scanFrame(blob) {
  if (state.offline) return;  // offline, only codes decoded on the device can be judged
  const form = new FormData();
  form.append("image", blob, "frame.jpg");
  for (const [k, v] of Object.entries({ gate: state.gate, direction: state.direction, device, nonce: randomId() })) form.append(k, v);
  try {
    const answer = await api(ev("/scans/frame"), { method: "POST", form });
    if (answer.status !== "no_code") { show(answer); camera.hold(RESULT_MS); }
  } catch (err) {
    if (err.status === 0) setOffline(true);
    else if (err.status !== 503) showError(err);  // busy reading other frames: the next frame comes soon
  }
}

function showError(err) {
  show({ status: "refused", reason: "error", message: err.message, ticket: null });
  $("verdict").textContent = "ERROR";
}

/** While offline, try the server every few seconds; once it answers, upload the queue. */
async function heartbeat() {
  try {
    await state.pack.refresh();
    if (state.offline || queue.items().length) {
      const { conflicts, rejected } = await queue.flush();
      setOffline(false);
      const said = [conflicts && `${conflicts} offline conflict(s) reported to the supervisor`,
                    rejected && `${rejected} offline scan(s) refused by the server (check this device's clock)`];
      if (conflicts || rejected) {  // kept until the next scan: the last verdict's timer must not wipe it
        clearTimeout(state.clearTimer);
        idle();
        $("message").textContent = said.filter(Boolean).join("; ");
      } else if ($("result").classList.contains("idle")) idle();
    }
  } catch (err) {
    if (err.status === 0) setOffline(true);
  }
}

const camera = new Camera($("camera"), {
  onCode: async (code) => { await scanCode(code); camera.hold(RESULT_MS); },
  onFrame: scanFrame,
});

async function chooseGate(code) {
  state.gate = code;
  localStorage.setItem("gate.gate", code);
  const gate = state.gates.find((g) => g.code === code);
  $("title").textContent = `${gate.name} - ${gate.zone}`;
  $("direction").hidden = gate.direction !== "both";
  setDirection(gate.direction === "out" ? "out" : "in");
  state.pack = new GatePack(code);
  await state.pack.refresh();
  idle();
}

function setDirection(direction) {
  state.direction = direction;
  for (const b of $("direction").querySelectorAll("button")) {
    b.className = b.dataset.direction === direction ? "on" : "secondary";
  }
}

async function start() {
  const event = await api(ev());
  setEventZone(event.timezone);
  state.gates = event.gates;
  const wanted = new URLSearchParams(location.search).get("gate") || localStorage.getItem("gate.gate");
  for (const g of event.gates) $("gate-select").append(new Option(g.name, g.code));
  $("gate-select").value = event.gates.some((g) => g.code === wanted) ? wanted : event.gates[0].code;
  await chooseGate($("gate-select").value);
  $("gate-select").addEventListener("change", (e) => chooseGate(e.target.value));
  $("direction").addEventListener("click", (e) => e.target.dataset.direction && setDirection(e.target.dataset.direction));
  // A wedge scanner types into whatever has focus: keep it on the input.
  document.addEventListener("click", () => setTimeout(() => $("wedge").focus(), 0));
  $("wedge").addEventListener("blur", () => setTimeout(() => { if (document.activeElement === document.body) $("wedge").focus(); }, 0));
  $("wedge").focus();
  $("camera-toggle").addEventListener("click", toggleCamera);
  setOffline(false);
  setInterval(heartbeat, 5000);
  for (const code of early.splice(0)) await scanCode(code);
  document.body.dataset.ready = "1";
}

// Find a guest whose code cannot be scanned and admit them by hand: the verdict shows here as a scan's does.
mountGuestPanel({ gate: () => state.gate, direction: () => state.direction, device,
                  admitted: (answer, serial) => { show(answer); state.pack?.rememberSerial(serial, answer); } });

// A wedge scanner may type before the gate is known: hold those codes until it is,
// and never let the form submit natively (that would reload the page and drop the scan).
const early = [];
$("wedge-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const code = $("wedge").value;
  $("wedge").value = "";
  if (document.body.dataset.ready) scanCode(code);
  else early.push(code);
});

async function toggleCamera() {
  if (camera.stream) { camera.stop(); $("camera-toggle").textContent = "Start camera"; return; }
  if (NO_CAMERA) { $("message").textContent = NO_CAMERA; return; }
  try {
    await camera.start($("camera-select").value || undefined);
  } catch (err) {  // refused permission, no camera, or one in use elsewhere: say so, keep the wedge
    camera.stop();
    $("message").textContent = `Camera: ${err.message || err.name}. The scanner input still works.`;
    return;
  }
  $("camera-toggle").textContent = "Stop camera";
  const list = await cameras();
  if (list.length > 1 && $("camera-select").options.length === 0) {
    for (const c of list) $("camera-select").append(new Option(c.label || "Camera", c.deviceId));
    $("camera-select").hidden = false;
    $("camera-select").addEventListener("change", async (e) => { camera.stop(); await camera.start(e.target.value); });
  }
}

mountSoundToggle($("sound-toggle"));
if (NO_CAMERA) Object.assign($("camera-toggle"), { textContent: "Camera needs HTTPS", title: NO_CAMERA });
window.addEventListener("page-recovered", () => { if ($("result").classList.contains("not-ready")) idle(); });
start().catch((err) => window.pageHealth.cannotStart(err.message, eventSlug()));
