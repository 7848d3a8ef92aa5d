// Drawing the dashboard from the live messages (see checkin/live/snapshots.py for their shapes).

import { h } from "./api.js";
import { clockText as clock } from "./clock.js";

const $ = (id) => document.getElementById(id);
const n = (x) => Number(x || 0).toLocaleString();
const WARN = 0.9; // a zone at 90% of its capacity shows as near


/** Inside per zone against capacity. */
export function drawZones(counts) {
  const tiles = Object.entries(counts.zones).map(([zone, z]) => {
    const ratio = z.capacity ? z.inside / z.capacity : 0;
    const state = !z.capacity ? "" : ratio >= 1 ? "full" : ratio >= WARN ? "near" : "";
    return h("article", { class: `zone ${state}`, "data-zone": zone },
      state ? h("span", { class: "state" }, state === "full" ? "FULL" : "NEAR FULL") : null,
      h("h3", {}, zone),
      h("div", {}, h("span", { class: "inside" }, n(z.inside)),
        z.capacity ? h("span", { class: "cap" }, ` / ${n(z.capacity)}`) : h("span", { class: "cap" }, " inside")),
      z.capacity ? h("div", { class: "meter", role: "img", "aria-label": `${Math.round(ratio * 100)}% full` },
        h("span", { style: `width: ${Math.min(100, ratio * 100).toFixed(1)}%` })) : null,
      h("div", { class: "flow muted" }, `in ${n(z.entries)} · out ${n(z.exits)}`));
  });
  $("zones").replaceChildren(...tiles);
}

/** The totals strip. */
export function drawTotals(counts) {
  for (const dd of $("totals").querySelectorAll("dd")) {
    dd.textContent = n(counts.totals[dd.dataset.k]);
  }
}

/** A small line chart of one gate's entries per minute over the last hour. */
function sparkline(values) {
  const max = Math.max(1, ...values);
  const step = 100 / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(2)},${(38 - (v / max) * 34).toFixed(2)}`).join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 100 40");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `peak ${max} a minute`);
  const area = document.createElementNS(svg.namespaceURI, "polygon");
  area.setAttribute("class", "area");
  area.setAttribute("points", `0,40 ${points} 100,40`);
  const line = document.createElementNS(svg.namespaceURI, "polyline");
  line.setAttribute("points", points);
  svg.append(area, line);
  return svg;
}

/** Entries, exits, refusals and rate per gate, with the last hour's chart. */
export function drawGates(counts) {
  const rows = Object.entries(counts.gates).map(([code, g]) => {
    const refused = Object.values(g.refused).reduce((a, b) => a + b, 0);
    return h("tr", { "data-gate": code },
      h("td", {}, h("span", { class: "name" }, g.name), h("br"), h("span", { class: "muted small" }, g.zone || "")),
      h("td", { class: "num entries" }, n(g.entries)), h("td", { class: "num" }, n(g.exits)),
      h("td", { class: "num" }, n(refused)), h("td", { class: "num" }, g.scans_per_minute.toFixed(0)),
      h("td", { class: "chart-col" }, sparkline(g.last_hour.entries)));
  });
  $("gates").replaceChildren(...rows);
}

/** Stock per type, and per channel quota under it. */
export function drawStock(inventory) {
  const rows = [];
  for (const t of inventory.types) {
    const left = t.available;
    const mark = left <= 0 ? "out" : t.low_stock_at != null && left <= t.low_stock_at ? "low" : "";
    rows.push(h("tr", { class: "type", "data-type": t.code },
      h("td", {}, t.name, t.frozen ? " (frozen)" : ""), h("td", { class: "num" }, n(t.sold)),
      h("td", { class: "num" }, n(t.held)), h("td", { class: `num ${mark}` }, left <= 0 ? "SOLD OUT" : n(left)),
      h("td", { class: "num" }, n(t.capacity - t.buffer))));
    for (const c of t.channels) {
      rows.push(h("tr", { class: "channel" }, h("td", {}, c.channel), h("td", { class: "num" }, n(c.used)),
        h("td", {}), h("td", { class: `num ${c.available <= 0 ? "out" : ""}` }, n(c.available)),
        h("td", { class: "num" }, n(c.quota))));
    }
  }
  $("stock").replaceChildren(...rows);
}

function gapWords(seconds) {
  if (seconds == null) return "";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** One duplicate scan at the top of the feed. */
export function addDuplicate(scan, keep = 30) {
  const first = scan.first_entry || {};
  const who = scan.holder ? ` · ${scan.holder.name}` : "";
  $("dupes").prepend(h("li", { "data-scan": scan.id },
    h("span", { class: "when" }, clock(scan.at)), `${scan.gate_name}${who} · `,
    h("span", { class: "gap" }, `${gapWords(scan.gap_seconds)} after entering`),
    first.at ? ` at ${first.gate_name || first.gate} ${clock(first.at)}` : ""));
  while ($("dupes").children.length > keep) $("dupes").lastElementChild.remove();
  $("no-dupes").hidden = true;
}

/** The open alerts, newest first; `onAck` is given when this screen may acknowledge. */
export function drawAlerts(alerts, onAck) {
  const items = alerts.map((a) => h("li", { class: a.level, "data-alert": a.id },
    h("div", { class: "text" }, h("span", { class: "level" }, `${a.level} · ${clock(a.raised_at)}`),
      h("span", { class: "msg" }, a.message)),
    onAck ? h("button", { class: "secondary", onclick: () => onAck(a) }, "Seen") : null));
  $("alerts").replaceChildren(...items);
  $("no-alerts").hidden = alerts.length > 0;
  $("alert-count").textContent = alerts.length;
  $("alert-count").classList.toggle("some", alerts.length > 0);
}
