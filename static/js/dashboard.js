// The supervisor dashboard: joins the event on /live and redraws from each message.
// Read-only, except that a supervisor may mark an alert as seen.

import { io } from "/static/vendor/socket.io/socket.io.esm.min.js";
import { ApiError, api, ev, eventSlug, token } from "./api.js";
import { clockText, setEventZone } from "./clock.js";
import { addDuplicate, drawAlerts, drawGates, drawStock, drawTotals, drawZones } from "./dashboard-view.js";
import { signOutOnClose } from "./session.js";

const $ = (id) => document.getElementById(id);
const ACKERS = new Set(["admin", "supervisor"]);
let version = -1; // counts from two nodes may cross: never go back to an older snapshot
let mayAck = false;
const alerts = new Map(); // id -> open alert

function linkState(up, text) {
  $("link").textContent = text;
  $("link").className = `link ${up ? "up" : "down"}`;
}

function problem(text) {
  $("problem").textContent = text;
  $("problem").hidden = !text;
}

function showCounts(counts) {
  if (counts.version < version) return;
  version = counts.version;
  drawZones(counts);
  drawTotals(counts);
  drawGates(counts);
  $("updated").textContent = `updated ${clockText(counts.at, { seconds: true })}`;
  document.body.dataset.version = version;
}

function showAlerts() {
  const open = [...alerts.values()].sort((a, b) => b.id - a.id);
  drawAlerts(open, mayAck ? acknowledge : null);
}

function takeAlert(alert) {
  if (alert.acked_at) alerts.delete(alert.id);
  else alerts.set(alert.id, alert);
  showAlerts();
}

async function acknowledge(alert) {
  try {
    takeAlert(await api(ev(`/alerts/${alert.id}/ack`), { method: "POST", body: {} }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) takeAlert({ ...alert, acked_at: "seen" });
    else problem(err.message);
  }
}

async function loadAlerts() {
  try {
    const { alerts: open } = await api(ev("/alerts?state=open&limit=100"));
    alerts.clear();
    for (const a of open) alerts.set(a.id, a);
    showAlerts();
  } catch (err) {
    problem(err.message);
  }
}

/** The event first: its name, and its time zone, which every time on this screen is written in. */
async function loadEvent() {
  const event = await api(ev());
  setEventZone(event.timezone);
  $("event-name").textContent = event.name;
}

function connect() {
  const socket = io("/live", { auth: { token: token() }, transports: ["websocket", "polling"] });
  signOutOnClose(socket);
  socket.on("connect", () => {
    socket.emit("join", { event: eventSlug(), scans: "refused" }, (ack) => {
      if (!ack || !ack.ok) {
        linkState(false, "Not joined");
        return problem(ack ? ack.detail : "The server did not answer.");
      }
      mayAck = ACKERS.has(ack.role);
      problem("");
      linkState(true, "Live");
      loadAlerts(); // alerts raised while disconnected
    });
  });
  // Only a revoked or expired token makes the server close the connection: it is not opened again.
  socket.on("disconnect", (why) => linkState(false, why === "io server disconnect" ? "Signed out" : "Reconnecting…"));
  socket.on("connect_error", (err) => {
    linkState(false, "Not connected");
    problem(err.message && err.message.includes("token") ? "This screen's token was refused." : "");
  });
  socket.on("counts", showCounts);
  socket.on("inventory", drawStock);
  socket.on("alert", takeAlert);
  socket.on("scan", (scan) => {
    if (scan.reason === "duplicate") addDuplicate(scan);
  });
  return socket;
}

loadEvent().then(() => {
  window.gateLive = connect(); // kept reachable, so the connection lives as long as the page
  document.body.dataset.ready = "1";
}).catch((err) => {
  linkState(false, "Not connected");
  window.pageHealth.cannotStart(err.message, eventSlug());
});
