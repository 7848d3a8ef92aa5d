// "Print badge now": send a walk-in's badge to a badge desk's printer and follow it until the desk has
// printed it, or says why it could not. The desk chosen is remembered on this screen.

import { api, ev, h, problemText, say } from "./api.js";

const $ = (id) => document.getElementById(id);
const DESK_KEY = "gate.box.print-desk";
const DESKS_EVERY_MS = 15000;
const FOLLOW_EVERY_MS = 1500;
const FOLLOW_FOR_MS = 120000; // a desk screen asks for its queue every few seconds: two minutes means it is shut
const WORDS = { queued: "Queued at", printed: "Printed at", failed: "Not printed at" };

/** Offer the event's badge desks, open ones first, keeping this screen's choice. */
async function loadDesks() {
  let desks;
  try {
    desks = (await api(ev("/desks"))).desks;
  } catch (err) {
    return;
  }
  const choice = $("print-desk");
  const chosen = choice.value || localStorage.getItem(DESK_KEY) || "";
  desks.sort((a, b) => Number(b.open) - Number(a.open));
  choice.replaceChildren(h("option", { value: "" }, desks.length ? "Choose a desk…" : "No badge desk yet"),
    ...desks.map((d) => h("option", { value: d.name }, d.open ? d.name : `${d.name} (screen closed)`)));
  if (desks.some((d) => d.name === chosen)) choice.value = chosen;
}

export function startPrintDesks() {
  $("print-desk").addEventListener("change", () => localStorage.setItem(DESK_KEY, $("print-desk").value));
  loadDesks();
  setInterval(loadDesks, DESKS_EVERY_MS);
}

/** The "Print badge now" button of one sold ticket; `status` shows how the print goes. */
export const printBadgeButton = (ticket, status) => h("button", {
  type: "button", class: "secondary", onclick: () => sendBadge(ticket, status) }, "Print badge now");

async function sendBadge(ticket, status) {
  const desk = $("print-desk").value;
  if (!desk) {
    say(status, "Choose the badge desk to print at, above the tickets.", "error");
    return $("print-desk").focus();
  }
  try {
    follow(await api(ev("/badge-requests"), { method: "POST", body: { ticket_id: ticket.id, desk } }), status);
  } catch (err) {
    say(status, problemText(err), "error");
  }
}

async function follow(request, status) {
  const until = Date.now() + FOLLOW_FOR_MS;
  for (;;) {
    const why = request.state === "failed" && request.detail ? `: ${request.detail}` : ".";
    say(status, `Badge: ${WORDS[request.state]} ${request.desk}${why}`, request.state === "queued" ? "" :
      request.state === "printed" ? "ok" : "error");
    status.dataset.badge = request.state;
    if (request.state !== "queued") return;
    if (Date.now() > until) return say(status, `Badge still queued at ${request.desk}: is its screen open?`, "error");
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
    try {
      request = await api(ev(`/badge-requests/${request.id}`));
    } catch (err) { /* asked again at the next turn */ }
  }
}
