// The self-service kiosk: a guest scans their ticket (a keyboard-wedge scanner types the
// code and Enter into the focused field), sees "Is this you?" with their badge, may fix a
// spelling, prints their badge at this kiosk's printer and is told to take it. One step
// per screen; every step but the first returns to "Scan your ticket" after a while, and
// leaving a guest's steps wipes everything shown of them first.

import { ApiError, api, ev } from "./api.js";
import { Camera, cameraBlocked } from "./gate-camera.js";
import { NAMES, TEXTS } from "./kiosk-texts.js";

const $ = (id) => document.getElementById(id);
const HERE_EVERY_MS = 3000;
const PRINT_WAIT_MS = 30000;
const PRINT_POLL_MS = 150;
// A code the camera keeps seeing (each sighting within this long of the last) is a phone still held
// up, not a new scan: the guest who just printed does not start again when the screen resets.
const CAMERA_SAME_MS = 3000;
// Seconds each step stays without a touch before the kiosk starts over (one number for all, for tests).
const kept = Number(localStorage.getItem("gate.kiosk.reset")) || 0;
const RESET_AFTER = { confirm: kept || 60, correct: kept || 90, printing: kept ? kept + 30 : 60,
                      done: kept || 8, refused: kept || 10 };
// What the screen tells the server it shows (the staff view reads it).
const REPORTED = { idle: "ready", confirm: "checking", correct: "checking", printing: "printing",
                   done: "done", refused: "refused", paused: "refused" };

let step = "idle";
let code = null; // the scanned code: the only way this kiosk names the guest's ticket
let guest = null;
let flow = 0; // grows at every new guest or reset: a late answer for an earlier guest is dropped
let timer = null;
let previewUrl = null;
let settings = { taken_over: false, admit_at: null, printer_jobs: [], languages: ["en"] };
let offline = false;
let languages = ["en"]; // the event's; the first is what a new guest sees
let language = "en";
let camera = null; // this kiosk's camera, where the page may have one and can read codes itself
let lastSeen = { code: null, at: 0 };

/** The text for `key` in the guest's language (English where a text is missing). */
function t(key, vars = {}) {
  const text = TEXTS[language]?.[key] ?? TEXTS.en[key];
  return text.replace(/\{(\w+)\}/g, (_, name) => vars[name]);
}

/** Speak `code`: every fixed text on the page, and the language buttons, follow. */
function speak(code) {
  language = TEXTS[code] ? code : "en";
  document.documentElement.lang = language;
  for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
  for (const el of document.querySelectorAll("[data-alt]")) el.alt = t(el.dataset.alt);
  $("languages").setAttribute("aria-label", t("languages"));
  for (const button of $("languages").children) button.setAttribute("aria-pressed", button.lang === language);
}

function offerLanguages(codes) {
  languages = codes.filter((code) => TEXTS[code]);
  if (!languages.length) languages = ["en"];
  const nav = $("languages");
  nav.replaceChildren(...languages.map((code) => {
    const button = document.createElement("button");
    button.type = "button";
    button.lang = code;
    button.textContent = NAMES[code];
    button.addEventListener("click", () => speak(code));
    return button;
  }));
  nav.hidden = languages.length < 2;
}

function show(next) {
  step = next;
  $("kiosk").dataset.step = next;
  for (const section of document.querySelectorAll(".step")) section.hidden = section.dataset.step !== next;
  armTimer();
  if (next === "idle") $("code").focus();
  here();
}

function armTimer() {
  clearTimeout(timer);
  if (RESET_AFTER[step]) timer = setTimeout(startOver, RESET_AFTER[step] * 1000);
}

/** Wipe everything shown of the last guest: names, company, badge, what they typed. */
function forget() {
  flow += 1;
  code = guest = null;
  for (const id of ["you-name", "you-company", "you-type", "fix-note", "done-verdict", "refused-why", "idle-note"]) {
    $(id).textContent = "";
  }
  for (const id of ["code", "fix-name", "fix-company"]) $(id).value = "";
  $("preview").removeAttribute("src");
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
}

function startOver() {
  forget();
  speak(languages[0]); // the next guest starts in the event's first language
  if (settings.taken_over) return paused(t("paused.staff"));
  if (offline) return paused(`${t("offline")} ${t("see_desk")}`);
  show("idle");
}

function paused(why) {
  $("paused-title").textContent = t(settings.taken_over ? "paused.title" : "paused.offline_title");
  $("paused-why").textContent = why;
  show("paused");
}

function refuse(message) {
  const why = message;
  forget();
  $("refused-why").textContent = why;
  show("refused");
}

/* Step 1: the scan */

async function scanned(text) {
  if (step !== "idle" || !text) return;
  const mine = ++flow;
  code = text;
  $("code").value = "";
  $("idle-note").textContent = t("idle.checking");
  let answer;
  try {
    answer = await api(ev("/kiosk/check"), { method: "POST", body: { code } });
  } catch (err) {
    if (mine === flow) refuse(trouble(err));
    return;
  }
  if (mine !== flow) return;
  if (!answer.ok) return refuse(refusal(answer));
  showGuest(answer.ticket);
  show("confirm");
  loadPreview(mine);
}

/** A refusal's reason in the guest's language (the server's English words for a reason we do not know). */
function refusal(answer) {
  const key = `reason.${answer.reason}`;
  return TEXTS.en[key] ? `${t(key)} ${t("see_desk")}` : answer.message;
}

function trouble(err) {
  return err instanceof ApiError && err.status === 0 ? `${t("offline")} ${t("see_desk")}` : t("see_desk");
}

/* Step 2: is this you? */

function showGuest(ticket) {
  guest = ticket;
  $("you-name").textContent = ticket.name;
  $("you-company").textContent = ticket.company || "";
  $("you-type").textContent = ticket.type;
}

async function loadPreview(mine) {
  try {
    const png = await api(ev("/kiosk/preview"), { method: "POST", body: { code } });
    if (mine !== flow) return;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(png);
    $("preview").src = previewUrl;
  } catch (err) { /* the name above is what the guest checks; the picture is a help */ }
}

/* Step 3 (optional): fix a spelling */

function openFix() {
  $("fix-name").value = guest.name;
  $("fix-company").value = guest.company || "";
  $("fix-note").textContent = "";
  show("correct");
  $("fix-name").focus();
}

async function saveFix() {
  const name = $("fix-name").value.trim().replace(/\s+/g, " ");
  const company = $("fix-company").value.trim().replace(/\s+/g, " ");
  const holder = {};
  if (name !== guest.name) holder.name = name;
  if (company !== (guest.company || "")) holder.company = company || null;
  if (!Object.keys(holder).length) return show("confirm");
  if (!name) return say($("fix-note"), t("correct.empty"));
  const mine = flow;
  say($("fix-note"), t("correct.saving"), "");
  let answer;
  try {
    answer = await api(ev("/kiosk/corrections"), { method: "POST", body: { code, holder } });
  } catch (err) {
    if (mine !== flow) return;
    if (err.status === 403) return say($("fix-note"), t("correct.too_much"));
    if (err.status === 422) return say($("fix-note"), t("correct.check"));
    return refuse(trouble(err));
  }
  if (mine !== flow) return;
  if (!answer.ok) return refuse(refusal(answer));
  showGuest(answer.ticket);
  show("confirm");
  loadPreview(mine);
}

function say(el, text, kind = "error") {
  el.textContent = text;
  el.className = `note ${kind}`;
}

/* Step 4: print, then "Take your badge" */

async function printBadge() {
  const mine = flow;
  show("printing");
  let answer;
  try {
    answer = await api(ev("/kiosk/print"), { method: "POST", body: { code } });
  } catch (err) {
    if (mine === flow) refuse(trouble(err));
    return;
  }
  if (mine !== flow) return;
  if (!answer.ok) return refuse(refusal(answer));
  const printed = await printerTook(answer.job, mine);
  if (mine !== flow) return;
  if (!printed) return refuse(`${t("refused.printer")} ${t("see_desk")}`);
  const verdict = verdictText(answer.admitted);
  forget();
  $("done-verdict").textContent = verdict;
  show("done");
}

/** Wait until the printer has the badge (the print agent reports it sent or printed). */
async function printerTook(job, mine) {
  if (!job.printer_job) return false;
  const until = Date.now() + PRINT_WAIT_MS;
  while (Date.now() < until && mine === flow) {
    const found = settings.printer_jobs.find((j) => j.print_job_id === job.id);
    if (found && (found.state === "sent" || found.state === "printed")) return true;
    if (found && found.state === "failed") return false;
    await new Promise((resolve) => setTimeout(resolve, PRINT_POLL_MS));
    await here();
  }
  return false;
}

function verdictText(admitted) {
  if (!admitted) return t("done.show_ticket");
  if (admitted.status === "ok") return t("done.welcome", { gate: admitted.gate_name });
  return t("done.not_admitted");
}

/* The kiosk's report to the server, and what it gets back */

async function here() {
  try {
    settings = await api(ev("/kiosk/here"), { method: "POST", body: { state: REPORTED[step] } });
  } catch (err) {
    if (err instanceof ApiError && err.status === 0) {
      offline = true;
      if (step === "idle") paused(`${t("offline")} ${t("see_desk")}`);
    }
    return;
  }
  const wasOffline = offline;
  offline = false;
  if (String(settings.languages) !== String(languages)) {
    offerLanguages(settings.languages || ["en"]);
    if (step === "idle" || step === "paused") speak(languages[0]); // never under a guest's feet
  }
  if (settings.taken_over && step !== "paused") {
    forget();
    paused(t("paused.staff"));
  } else if (step === "paused" && (wasOffline || !settings.taken_over) && !settings.taken_over) {
    startOver();
  }
  document.body.dataset.ready = "1";
}

/* The camera, where the kiosk has one: read in the page only (a guest's code never leaves it as a picture) */

async function startCamera() {
  if (cameraBlocked()) return; // plain HTTP: the scanner and the code field still work
  camera = new Camera($("camera"), { onCodes: (codes) => seen(codes[0]), onFrame: () => {} });
  try {
    await camera.start();
  } catch (err) { // no camera, or it is in use: the scanner still works
    camera.stop();
    camera = null;
    return;
  }
  if (!camera.decoder.detect) { // no reader in this page: the camera would show what it cannot read
    camera.stop();
    camera = null;
    return;
  }
  $("idle-lead").dataset.text = "idle.camera";
  $("idle-lead").textContent = t("idle.camera");
  document.body.dataset.camera = camera.decoder.name;
}

function seen(text) {
  const now = performance.now();
  const same = text === lastSeen.code && now - lastSeen.at < CAMERA_SAME_MS;
  lastSeen = { code: text, at: now };
  if (!same) scanned(text);
}

function start() {
  $("code-form").addEventListener("submit", (e) => {
    e.preventDefault();
    scanned($("code").value.trim());
  });
  $("yes").addEventListener("click", printBadge);
  $("fix").addEventListener("click", openFix);
  $("not-me").addEventListener("click", () => refuse(t("refused.not_me")));
  $("fix-form").addEventListener("submit", (e) => { e.preventDefault(); saveFix(); });
  $("fix-back").addEventListener("click", () => show("confirm"));
  for (const id of ["fix-name", "fix-company"]) $(id).addEventListener("input", () => say($("fix-note"), "", ""));
  for (const kind of ["pointerdown", "keydown", "input"]) document.addEventListener(kind, armTimer, true);
  // A scanner types wherever the focus is: keep it in the code field while waiting for a scan. The
  // next guest in line may scan while the last one's verdict still shows: that starts over at once.
  document.addEventListener("keydown", (e) => {
    if ((step === "done" || step === "refused") && e.key.length === 1) startOver();
    if (step === "idle") $("code").focus();
  }, true);
  setInterval(here, HERE_EVERY_MS);
  show("idle");
  startCamera();
}

start();
