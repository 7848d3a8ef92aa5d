// The gate screen: scan by keyboard-wedge scanner or camera, show the verdict
// big enough to read at arm's length, and keep judging when the server is gone.

import { api, ApiError, ev, eventSlug, randomId } from "./api.js";
import { clockText, setEventZone } from "./clock.js";
import { Camera, cameraBlocked, cameras } from "./gate-camera.js";
import { chooseDecoder, DECODER_NAMES } from "./gate-decoders.js";
import { mountSoundToggle, signal } from "./gate-feedback.js";
import { GatePack, queue, WrongDirection } from "./gate-offline.js";
import { mountGuestPanel } from "./gate-guests.js";
import { VERDICTS, verdictClass, verdictKey, WARN } from "./verdicts.js";

const $ = (id) => document.getElementById(id);
const RESULT_MS = 2500;
// A code seen by the camera again within this time of its last sighting is the same one still held up.
const SEEN_MS = RESULT_MS * 2;
const seen = new Map();  // code -> when the camera last saw it (performance.now())
const HINT_AFTER_MS = 1000;
let hintState = { text: null, since: 0 };  // the server's latest hint for a code it cannot read, and since when
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
  delete result.dataset.group;
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

const nameOf = (answer) => answer.ticket?.holder?.name || "unknown code";

/** Several codes from one camera frame: how many got through in the big word, who did not and why
 *  in the message, and every ticket on a line of its own below. */
function showGroup(answers) {
  const passed = answers.filter((a) => a.status === "ok");
  const tone = passed.length === answers.length ? "ok"
    : !passed.length && answers.some((a) => verdictClass(a) === "bad") ? "bad" : "warn";
  const result = $("result");
  result.className = `result ${tone} group`;
  signal(tone === "bad" ? "refused" : tone);
  Object.assign(result.dataset, { status: tone === "ok" ? "ok" : "refused", reason: "group",
                                  group: `${passed.length}/${answers.length}` });
  $("verdict").textContent = `${passed.length} OF ${answers.length} ${VERDICTS[verdictKey({ status: "ok" }, state.direction)]}`;
  const refused = new Map();  // reason -> names, in the order they were scanned
  for (const a of answers.filter((a) => a.status !== "ok")) {
    refused.set(a.reason, [...(refused.get(a.reason) || []), nameOf(a)]);
  }
  const said = [...refused].map(([reason, names]) =>
    `${names.length} ${(VERDICTS[reason] || reason).toLowerCase()}: ${names.join(", ")}`);
  const message = said.join(" · ") || "All let through";
  $("message").textContent = answers.some((a) => a.offline) ? `${message} (offline)` : message;
  $("holder").textContent = "";
  const list = Object.assign(document.createElement("ul"), { className: "group-list" });
  for (const a of answers) {
    const key = verdictKey(a, state.direction);
    const line = Object.assign(document.createElement("li"), { className: verdictClass(a, key) });
    line.append(Object.assign(document.createElement("b"), { textContent: VERDICTS[key] || key.toUpperCase() }),
                Object.assign(document.createElement("span"), { textContent: nameOf(a) }));
    list.append(line);
  }
  $("details").replaceChildren(list);
  clearTimeout(state.clearTimer);
  state.clearTimer = setTimeout(idle, RESULT_MS * 2);
}

function idle() {
  if (window.pageHealth?.failure) return window.pageHealth.show();  // never READY once something broke
  $("result").className = "result idle";
  delete $("result").dataset.group;
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

/** Judge one code: by the server, or from the gate pack while the server is gone (then queued for upload).
 *  Throws ApiError for a scan the server refuses to take, WrongDirection for one the pack's gate cannot take. */
async function judge(code) {
  const scan = { code, gate: state.gate, direction: state.direction, nonce: randomId(),
                 scanned_at: new Date().toISOString(), device };
  if (!state.offline) {
    try {
      const answer = await api(ev("/scans"), { method: "POST", body: scan });
      await state.pack.remember(code, answer);  // who is inside, for judging offline later
      return answer;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 0) throw err;
      setOffline(true);
    }
  }
  const answer = await state.pack.judge(code, state.direction, new Date(scan.scanned_at));
  queue.add({ ...scan, offline: true });  // after judge: a scan the server would refuse too is not queued
  setOffline(true);
  return answer;
}

const refusedToTake = (err) => err instanceof ApiError || err instanceof WrongDirection;

async function scanCode(code) {
  code = code.trim();
  if (!code) return;
  try {
    show(await judge(code));
  } catch (err) {
    if (!refusedToTake(err)) throw err;
    showError(err);
  }
}

/** Codes a camera frame shows that were not in view a moment ago: a code held up is judged once. */
function newInView(codes) {
  const now = performance.now();
  const fresh = [...new Set(codes)].filter((code) => !(now - seen.get(code) < SEEN_MS));
  for (const code of codes) seen.set(code, now);
  for (const [code, at] of seen) if (now - at >= SEEN_MS) seen.delete(code);
  return fresh;
}

/** The codes of one camera frame: one is shown as any scan; several (a group) each judged once, shown as a list. */
async function scanCodes(codes) {
  const fresh = newInView(codes.map((c) => c.trim()).filter(Boolean));
  if (fresh.length === 1) await scanCode(fresh[0]);
  if (fresh.length < 2) return fresh.length > 0;
  const results = [];
  for (const code of fresh) {  // one after another: each offline verdict counts the ones before it
    try {
      results.push(await judge(code));
    } catch (err) {
      if (!refusedToTake(err)) throw err;
      results.push({ status: "refused", reason: "error", message: err.message, ticket: null });
    }
  }
  showGroup(results);
  return true;
}

async function scanFrame(blob) {
  if (state.offline) return;  // offline, only codes decoded on the device can be judged
  const form = new FormData();
  form.append("image", blob, "frame.jpg");
  for (const [k, v] of Object.entries({ gate: state.gate, direction: state.direction, device, nonce: randomId() })) form.append(k, v);
  try {
    const answer = await api(ev("/scans/frame"), { method: "POST", form });
    hint(answer.status === "no_code" ? answer.hint : null);
    if (answer.status !== "no_code") { show(answer); camera.hold(RESULT_MS); }
  } catch (err) {
    if (err.status === 0) setOffline(true);
    else if (err.status !== 503) showError(err);  // busy reading other frames: the next frame comes soon
  }
}

/** Show the server's hint for a code it sees but cannot read once it has held for HINT_AFTER_MS:
 *  one unlucky frame says nothing, a second of them does. Gone at the first frame without it. */
function hint(text) {
  const now = performance.now();
  if (!text || text !== hintState.text) hintState = { text: text || null, since: now };
  const due = hintState.text && now - hintState.since >= HINT_AFTER_MS;
  $("camera-hint").hidden = !due;
  $("camera-hint").textContent = due ? hintState.text.charAt(0).toUpperCase() + hintState.text.slice(1) : "";
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
  onCodes: async (codes) => { if (await scanCodes(codes)) camera.hold(RESULT_MS); },
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
  // Load the QR reader now, while the server answers: the in-page one must be here before the server goes.
  if (!NO_CAMERA) chooseDecoder();
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
  if (camera.stream) {
    camera.stop();
    hint(null);
    $("camera-toggle").textContent = "Start camera";
    $("camera-reader").hidden = true;
    return;
  }
  if (NO_CAMERA) { $("message").textContent = NO_CAMERA; return; }
  try {
    await camera.start($("camera-select").value || undefined);
  } catch (err) {  // refused permission, no camera, or one in use elsewhere: say so, keep the wedge
    camera.stop();
    $("message").textContent = `Camera: ${err.message || err.name}. The scanner input still works.`;
    return;
  }
  $("camera-toggle").textContent = "Stop camera";
  Object.assign($("camera-reader"), { hidden: false, textContent: DECODER_NAMES[camera.decoder.name] });
  $("camera-reader").dataset.decoder = camera.decoder.name;
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
