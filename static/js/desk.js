// The badge desk: find a ticket (a keyboard-wedge scanner types its code and
// Enter into the focused field; people type a name, email or serial), preview
// its badge, print it, reprint with a reason, and work through the out-of-date
// badges queue. Printing only prints: it never checks anyone in; "Admit" on a
// guest found does, at the gate chosen here, as a manual scan.

import { api, ev, eventSlug, h, problemText, say } from "./api.js";
import { clockText as time, setEventZone } from "./clock.js";
import { startAutoPrint, startSentBadges } from "./desk-autoprint.js";
import { correctionsFor, startCorrections } from "./desk-corrections.js";
import { startKiosks } from "./desk-kiosks.js";
import { sentToPrinter } from "./desk-printers.js";
import { admitAtDesk, loadAdmitGates } from "./desk-guests.js";
import { findGuests, showGuests } from "./guest-search.js";

const $ = (id) => document.getElementById(id);
const QUEUE_EVERY_MS = 15000;
const PREVIEW_DPI = 150;
let current = null; // {ticket, badge, prints} of the selected ticket
let previewUrl = null;
let printUrl = null;
let lastQuery = ""; // the search whose guests are listed, to show them again after a change

const deskName = () => $("desk-name").value.trim() || null;
// Our codes are long base32 without spaces; names have spaces or are short.
const looksLikeCode = (text) => text.length >= 16 && !/\s/.test(text);

/* Finding a ticket */

async function find(text, { quiet = false } = {}) {
  const q = text.trim();
  const status = $("find-status");
  if (!quiet) {
    $("results").replaceChildren(); // no tap may land on the last search's list while this one runs
    say(status, "Searching…");
  }
  let found;
  try {
    found = await findGuests(q);
  } catch (err) {
    $("results").replaceChildren();
    return say(status, problemText(err), "error");
  }
  lastQuery = q;
  const line = showGuests($("results"), found, { onPick: (g) => select(g.id), onAdmit: admitGuest, onCode: find });
  markPicked();
  if (quiet) return;
  if (found.guests.length === 0) {
    const hint = looksLikeCode(q) ? " A code replaced by a transfer or upgrade no longer matches: search by name." : "";
    return say(status, `No ticket found.${hint}`, "error");
  }
  say(status, found.guests.length === 1 ? "" : `${line} Pick one to see the badge.`);
  if (found.guests.length === 1) {
    resetFind();
    return select(found.guests[0].id);
  }
}

async function admitGuest(guest, note, nonce) {
  await admitAtDesk(guest, note, nonce);
  await find(lastQuery, { quiet: true }); // the list now says where the guest is
}

/** Outline the listed guest whose badge is shown. */
function markPicked() {
  for (const li of $("results").children) li.classList.toggle("picked", Number(li.dataset.ticket) === current?.ticket.id);
}

function resetFind() {
  $("find").value = "";
  $("find").focus();
}

/* The selected ticket */

async function select(id, keepStatus = false) {
  if (!keepStatus) {
    say($("print-status"), "");
    $("print-files").replaceChildren();
  }
  try {
    current = await api(ev(`/tickets/${id}/badge`));
  } catch (err) {
    return say($("find-status"), problemText(err), "error");
  }
  showTicket();
  markPicked();
  loadPreview();
}

function stateOf(ticket, badge) {
  if (ticket.state === "void") return ["refused", "✖ Void: no badge"];
  if (ticket.state === "pending") return ["refused", "✖ Not paid: no badge"];
  if (ticket.blocked) return ["refused", "✖ Blocked: see a supervisor"];
  if (badge.layout === null) return ["refused", "No badge for this type"];
  if (badge.stale) return ["stale", "⚠ Badge out of date"];
  if (badge.prints === 0) return ["needs", "● Needs a badge"];
  return ["done", `✔ Printed ${badge.prints}×`];
}

function showTicket() {
  const { ticket, badge, prints } = current;
  $("ticket").hidden = false;
  $("hint").hidden = true;
  correctionsFor(ticket);
  $("t-type").textContent = ticket.type.name;
  $("t-name").textContent = ticket.holder.name;
  $("t-company").textContent = ticket.holder.company || "";
  $("t-meta").textContent = [`#${ticket.serial}`, ticket.zones.join(" · "), ticket.holder.email]
    .filter(Boolean).join("  ·  ");
  const [kind, text] = stateOf(ticket, badge);
  $("t-state").textContent = text;
  $("t-state").className = `state ${kind}`;
  const again = badge.prints > 0 && !badge.stale;
  $("reprint").hidden = !again;
  $("reason").value = "";
  $("reason-other").hidden = true;
  $("print").disabled = kind === "refused" && !$("layout").value;
  $("print").textContent = badge.prints === 0 ? "Print badge"
    : badge.stale ? `Print updated badge (${badge.next_reprint})` : `Reprint badge (${badge.next_reprint})`;
  $("history-title").textContent = `Prints (${prints.length})`;
  $("history").replaceChildren(...prints.map((p) => h("tr", {},
    h("td", {}, p.reprint || "first"), h("td", {}, time(p.at)), h("td", {}, p.desk || ""),
    h("td", {}, p.actor.split(":").pop()), h("td", {}, p.reason || ""))));
}

async function loadPreview() {
  const id = current.ticket.id;
  const layout = $("layout").value;
  const img = $("preview");
  try {
    const blob = await api(ev(`/tickets/${id}/badge.png?dpi=${PREVIEW_DPI}${layout ? "&layout=" + layout : ""}`));
    if (current.ticket.id !== id) return; // another ticket was picked meanwhile
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    img.src = previewUrl;
    img.hidden = false;
    $("preview-note").textContent = "Preview of the next print (as a label printer prints it)";
  } catch (err) {
    img.hidden = true;
    $("preview-note").textContent = problemText(err);
  }
}

/* Printing */

function reasonGiven() {
  const choice = $("reason").value;
  return choice === "other" ? $("reason-other").value.trim() : choice;
}

async function printCurrent() {
  const status = $("print-status");
  const body = { ticket_ids: [current.ticket.id], desk: deskName() };
  if ($("layout").value) body.layout = $("layout").value;
  if ($("page").value) body.page = $("page").value;
  if (!$("reprint").hidden) {
    body.reason = reasonGiven();
    if (!body.reason) {
      say(status, "This badge was printed before: choose a reason first.", "error");
      return $("reason").focus();
    }
  }
  await printJob(body, current.ticket.holder.name);
  await select(current.ticket.id, true);
}

async function printJob(body, name) {
  const status = $("print-status");
  $("print").disabled = true;
  say(status, "Printing…");
  try {
    const job = await api(ev("/print-jobs"), { method: "POST", body });
    const mark = job.prints[0].reprint;
    say(status, `Printed ${name}${mark ? " (" + mark + ")" : ""}: job ${job.id}.`, "ok");
    await sendToPrinter(job);
  } catch (err) {
    say(status, problemText(err), "error");
  } finally {
    $("print").disabled = false;
    loadQueue();
    if (lastQuery) find(lastQuery, { quiet: true }); // "badge printed" in the list too
  }
}

// A badge the box office sent here: printed through its request, so the box office sees it printed.
async function printSent(request) {
  const name = request.holder.name;
  await select(request.ticket_id);
  $("print").disabled = true;
  say($("print-status"), `Printing ${name}, sent by the box office…`);
  try {
    const { job } = await api(ev(`/badge-requests/${request.id}/print`), { method: "POST" });
    say($("print-status"), `Printed ${name} (sent by the box office): job ${job.id}.`, "ok");
    await sendToPrinter(job);
  } catch (err) {
    say($("print-status"), `${name}'s badge was not printed: ${problemText(err)}`, "error");
  } finally {
    $("print").disabled = false;
  }
  await select(request.ticket_id, true);
}

async function sendToPrinter(job) {
  const pdf = await api(job.pdf.replace(/^\/api\/v1/, ""));
  if (printUrl) URL.revokeObjectURL(printUrl);
  printUrl = URL.createObjectURL(pdf);
  const label = (dpi) => h("a", { href: "#", onclick: (e) => { e.preventDefault(); openPng(job, dpi); } },
    `Label PNG ${dpi} dpi`);
  $("print-files").replaceChildren(
    h("a", { href: printUrl, target: "_blank", download: `badge-job-${job.id}.pdf` }, "Badge PDF"),
    label(203), label(300));
  if (sentToPrinter(job)) { // the desk's print agent prints it: no dialog
    $("print-files").prepend(`Sent to ${job.printer_job.printer_name}; its state shows below the search. `);
    return;
  }
  if ($("after-print").value !== "dialog") return;
  const frame = $("printer");
  frame.onload = () => {
    try {
      frame.contentWindow.print();
    } catch (err) { /* the PDF link above stays available */ }
  };
  frame.src = printUrl;
}

async function openPng(job, dpi) {
  const png = await api(`${job.png.replace(/^\/api\/v1/, "")}?dpi=${dpi}`);
  window.open(URL.createObjectURL(png), "_blank");
}

/* The out-of-date badges queue */

async function loadQueue() {
  let data;
  try {
    data = await api(ev("/badges/stale"));
  } catch (err) {
    return;
  }
  $("queue-count").textContent = data.tickets.length + (data.more ? "+" : "");
  $("queue").replaceChildren(...data.tickets.map((t) => h("li", {},
    h("div", { class: "row" },
      h("div", {},
        h("span", { class: "name" }, t.holder.name),
        h("span", { class: "why" }, `${t.type.name} · ${changeText(t.change)}`)),
      h("button", { onclick: () => reprintStale(t) }, "Reprint")))));
}

function changeText(change) {
  if (!change) return "changed";
  const word = { "ticket.transfer": "transferred", "ticket.upgrade": "upgraded", "ticket.reissue": "new code",
                 "ticket.correct": "corrected", "layout.activate": "layout changed" };
  return `${word[change.action] || change.action} ${time(change.at)}`;
}

// Out-of-date and first badges need no typed reason: the server logs why.
async function printNoReason(id, name) {
  await select(id);
  await printJob({ ticket_ids: [id], desk: deskName() }, name);
  await select(id, true);
}

const reprintStale = (t) => printNoReason(t.id, t.holder.name);

/* Start */

async function loadChoices() {
  try {
    const { layouts, pages } = await api("/badges/layouts");
    $("layout").append(...layouts.map((l) => h("option", { value: l.name }, l.title)));
    $("page").append(...pages.map((p) => h("option", { value: p.name },
      p.per_page > 1 ? `${p.name} (${p.per_page} per sheet)` : p.name)));
  } catch (err) {
    say($("find-status"), problemText(err), "error");
  }
}

function start() {
  $("event-name").textContent = eventSlug();
  $("desk-name").value = localStorage.getItem("gate.desk") || "";
  $("desk-name").addEventListener("change", () => localStorage.setItem("gate.desk", $("desk-name").value.trim()));
  $("after-print").value = localStorage.getItem("gate.desk.after") || "dialog";
  $("after-print").addEventListener("change", () => localStorage.setItem("gate.desk.after", $("after-print").value));
  $("find-form").addEventListener("submit", (e) => {
    e.preventDefault();
    find($("find").value);
  });
  $("find").addEventListener("keydown", (e) => { if (e.key === "Escape") resetFind(); });
  $("print").addEventListener("click", printCurrent);
  $("reason").addEventListener("change", () => {
    $("reason-other").hidden = $("reason").value !== "other";
    if (!$("reason-other").hidden) $("reason-other").focus();
  });
  $("layout").addEventListener("change", () => { if (current) { showTicket(); loadPreview(); } });
  loadChoices();
  loadAdmitGates().catch((err) => say($("find-status"), `Gates could not be loaded: ${problemText(err)}`, "error"));
  loadQueue();
  setInterval(loadQueue, QUEUE_EVERY_MS);
  startCorrections(async (id) => {
    await select(id, true);
    loadQueue();
    if (lastQuery) find(lastQuery, { quiet: true });
  });
  startKiosks();
  startAutoPrint(printNoReason);
  startSentBadges(printSent, deskName);
  $("find").focus();
  document.body.dataset.ready = "1";
}

/** The event first: its time zone is the one every time on this screen is written in. */
async function loadEvent() {
  setEventZone((await api(ev())).timezone);
}

loadEvent().then(start).catch((err) => window.pageHealth.cannotStart(problemText(err), eventSlug()));
