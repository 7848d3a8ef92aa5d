// Print at check-in: the desk listens to one gate's admitted entries (Socket.IO
// /live) and prints the badge of everyone who still needs one. The gate
// decides admission; this only prints. Off unless a gate is chosen, and the
// choice is kept per browser, so each desk sets its own.

import { io } from "/static/vendor/socket.io/socket.io.esm.min.js";
import { api, ev, eventSlug, h, token } from "./api.js";
import { showPrinters } from "./desk-printers.js";
import { signOutOnClose } from "./session.js";

const $ = (id) => document.getElementById(id);
const KEY = "gate.desk.autoprint";
const SENT_EVERY_MS = 3000;
let turn = Promise.resolve(); // one print at a time, whether for an arrival or a badge sent here
const inTurn = (work) => (turn = turn.then(work, work));

/**
 * Start listening. `print(ticketId, name)` prints one badge and resolves when
 * done; arrivals are printed one after another in the order they entered.
 */
export async function startAutoPrint(print) {
  const choice = $("autoprint-gate");
  const status = $("autoprint-status");
  const handled = new Set(); // scan ids: a scan relayed twice prints once

  try {
    const { gates } = await api(ev(""));
    choice.append(...gates.filter((g) => g.direction !== "out")
      .map((g) => h("option", { value: g.code }, `${g.name} (${g.zone})`)));
  } catch (err) {
    status.textContent = "Gates could not be loaded: print at check-in is off.";
    return;
  }
  choice.value = localStorage.getItem(KEY) || ""; // a gate since removed leaves it off
  let joined = false; // check-ins are heard only once the event is joined: say so until then
  const show = () => {
    status.textContent = !choice.value ? "" : joined ? "Waiting for check-ins…" : "Connecting…";
    document.body.classList.toggle("autoprint-on", Boolean(choice.value));
  };
  choice.addEventListener("change", () => {
    localStorage.setItem(KEY, choice.value);
    show();
  });
  show();

  const socket = io("/live", { auth: { token: token() }, transports: ["websocket", "polling"] });
  signOutOnClose(socket);
  socket.on("connect", () => socket.emit("join", { event: eventSlug(), scans: "all" }, (ack) => {
    joined = Boolean(ack && ack.ok);
    if (!joined) status.textContent = `Print at check-in is off: ${ack ? ack.detail : "no answer"}`;
    else show();
  }));
  socket.on("disconnect", () => {
    joined = false;
    if (choice.value) status.textContent = "Reconnecting… check-ins meanwhile are not printed.";
  });
  socket.on("scan", (scan) => {
    const wanted = choice.value && scan.gate === choice.value && scan.status === "ok"
      && scan.direction === "in" && scan.ticket_id && !handled.has(scan.id);
    if (!wanted) return;
    handled.add(scan.id);
    inTurn(() => printArrival(scan, print, status));
  });
}

async function printArrival(scan, print, status) {
  const name = scan.holder ? scan.holder.name : `ticket ${scan.ticket_id}`;
  let badge;
  try {
    badge = (await api(ev(`/tickets/${scan.ticket_id}/badge`))).badge;
  } catch (err) {
    status.textContent = `Could not look up ${name}'s badge: ${err.message}`;
    return;
  }
  if (badge.layout === null) {
    status.textContent = `${name} entered: this ticket type gets no badge.`;
  } else if (badge.prints > 0 && !badge.stale) {
    status.textContent = `${name} entered: badge already printed.`;
  } else {
    status.textContent = `${name} entered: printing…`;
    await print(scan.ticket_id, name);
    status.textContent = `${name} entered: badge printed.`;
  }
}

/**
 * Badges sent to this desk ("Print badge now" at the box office): while the desk has a name, its queue is
 * asked for every few seconds (which also tells the box office the desk is open) and each badge is printed
 * by `printSent(request)`, in turn with the arrivals.
 */
export function startSentBadges(printSent, deskName) {
  const status = $("sent-status");
  let asking = false;
  const ask = async () => {
    const desk = deskName();
    if (!desk) {
      status.textContent = "Name this desk to print badges the box office sends here.";
      return;
    }
    if (asking) return;
    asking = true;
    try {
      const answer = await api(ev("/desks/queue"), { method: "POST", body: { desk } });
      showPrinters(answer);
      const { requests } = answer;
      if (requests.length) status.textContent = `Printing ${requests.length} badge(s) sent here…`;
      for (const request of requests) await inTurn(() => printSent(request));
      status.textContent = `Badges the box office sends to ${desk} print here.`;
    } catch (err) {
      status.textContent = `Badges sent here cannot be fetched: ${err.message}`;
    } finally {
      asking = false;
    }
  };
  ask();
  setInterval(ask, SENT_EVERY_MS);
  $("desk-name").addEventListener("change", ask);
}
