// The desk's view of the event's self-service kiosks: each one's state in a word (ready, a guest
// on it, printing, out of labels, printer down, offline, taken over), its last guests, and a
// button to take it over (its screen then sends guests here) or hand it back.

import { api, ev, h, problemText, say } from "./api.js";
import { clockText as time } from "./clock.js";

const $ = (id) => document.getElementById(id);
const EVERY_MS = 4000;
const WORDS = { ready: "Ready", checking: "A guest is on it", printing: "Printing", out_of_labels: "Out of labels",
                printer_down: "Printer down", offline: "Offline", taken_over: "Taken over by staff" };
const TROUBLE = new Set(["out_of_labels", "printer_down", "offline"]);

export function startKiosks() {
  load();
  setInterval(load, EVERY_MS);
}

async function load() {
  let data;
  try {
    data = await api(ev("/kiosks"));
  } catch (err) {
    return;  // the panel keeps its last view; the desk's own work goes on
  }
  $("kiosks").hidden = data.kiosks.length === 0;
  $("kiosk-list").replaceChildren(...data.kiosks.map(row));
}

function row(k) {
  const kind = TROUBLE.has(k.state) ? "bad" : k.state === "taken_over" ? "warn" : "ok";
  const guests = k.last_guests.map((g) => `${g.name} ${time(g.at)}`).join(" · ");
  const taken = k.state === "taken_over";
  return h("li", { class: `kiosk-row ${kind}`, "data-kiosk": k.name, "data-state": k.state },
    h("div", { class: "kiosk-head" },
      h("span", { class: "kiosk-name" }, k.name),
      h("span", { class: "kiosk-state" }, WORDS[k.state] || k.state)),
    h("span", { class: "why" }, k.admit_at ? `Prints and admits at ${k.admit_at.name}` : "Prints only"),
    h("span", { class: "why kiosk-guests" }, guests ? `Last: ${guests}` : "No guests yet"),
    h("button", { class: taken ? "secondary" : "", onclick: () => takeOver(k.name, !taken) },
      taken ? "Hand back" : "Take over"));
}

async function takeOver(name, taken) {
  try {
    await api(ev(`/kiosks/${encodeURIComponent(name)}/takeover`), { method: "POST", body: { taken } });
  } catch (err) {
    say($("kiosk-status"), problemText(err), "error");
  }
  load();
}
