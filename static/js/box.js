// The box office: sell walk-ins (cash at once; card and UPI held with a visible
// timer until confirmed), upgrade, transfer and void, with what is left per
// type always on screen. Timers count from the server's `expires_in`, so a
// wrong clock on this device cannot mislead the clerk.

import { ApiError, api, ev, eventSlug, h, problemText, randomId, say } from "./api.js";
import { printBadgeButton, startPrintDesks } from "./box-print.js";
import { clockText, setEventZone } from "./clock.js";

const $ = (id) => document.getElementById(id);
const STOCK_EVERY_MS = 4000;
const HOLDS_EVERY_MS = 10000;
const state = { event: null, stock: [], type: null, method: "cash", nonce: null, holds: [], ticket: null };

const money = (amount) => Number(amount).toFixed(2);
const ADMIT_KEY = "gate.box.admit-at";
const mmss = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
const typeName = (code) => (state.event.ticket_types.find((t) => t.code === code) || { name: code }).name;

/* What is left */

async function loadStock() {
  try {
    state.stock = (await api(ev("/inventory"))).types;
  } catch (err) {
    $("stock-time").textContent = `Not updated: ${problemText(err)}`;
    return;
  }
  $("stock-time").textContent = `Updated ${clockText(new Date(), { seconds: true })}`;
  renderStock();
  renderTypes();
}

function flagOf(t) {
  if (!t.on_sale) return ["off", t.frozen ? "FROZEN" : "OFF SALE"];
  if (t.available === 0) return ["out", "SOLD OUT"];
  if (t.low_stock) return ["low", "LOW"];
  return ["", ""];
}

function renderStock() {
  $("stock").replaceChildren(...state.stock.map((t) => {
    const [kind, flag] = flagOf(t);
    return h("li", { class: kind, "data-type": t.code },
      h("span", { class: "name" }, t.name, flag ? h("span", { class: "flag" }, flag) : null),
      h("span", { class: "left" }, String(t.available)),
      h("span", { class: "detail" }, `left · ${t.held} held · ${t.sold} sold`));
  }));
}

/* Selling */

function renderTypes() {
  const buttons = state.stock.map((t) => h("button", {
    type: "button", class: "type", role: "radio", "data-type": t.code,
    "aria-checked": String(state.type === t.code), disabled: !t.on_sale || t.available === 0,
    onclick: () => { state.type = t.code; renderTypes(); },
  }, h("span", { class: "name" }, t.name), h("span", { class: "price" }, money(t.price)),
    h("span", { class: "left" }, `${t.available} left`)));
  $("types").replaceChildren(...buttons);
}

function chooseMethod(method) {
  state.method = method;
  for (const b of document.querySelectorAll(".method")) b.setAttribute("aria-pressed", String(b.dataset.method === method));
}

function saleBody() {
  const names = $("names").value.split("\n").map((n) => n.trim()).filter(Boolean);
  const quantity = names.length || Number($("quantity").value) || 1;
  const body = { type: state.type, quantity, payment: { method: state.method }, nonce: state.nonce };
  if (names.length) body.holders = names.map((name) => ({ name }));
  if ($("reference").value.trim()) body.payment.reference = $("reference").value.trim();
  if ($("admit").value) body.admit_at = $("admit").value;
  return body;
}

async function sell(event) {
  event.preventDefault();
  const status = $("sell-status");
  if (!state.type) return say(status, "Choose a ticket type first.", "error");
  state.nonce = state.nonce || randomId(); // kept until answered: a retry never sells twice
  $("sell").disabled = true;
  say(status, "Selling…");
  try {
    const result = await api(ev("/sales"), { method: "POST", body: saleBody() });
    state.nonce = null;
    showSale(result);
    $("names").value = "";
    $("reference").value = "";
    $("quantity").value = 1;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 0) state.nonce = null;
    say(status, problemText(err), "error");
  } finally {
    $("sell").disabled = false;
    loadStock();
  }
}

function showSale({ sale, tickets, admitted = [] }) {
  const what = `${sale.quantity} × ${typeName(sale.type)}`;
  if (sale.state === "held") {
    say($("sell-status"), `Held ${what} for ${mmss(sale.expires_in)}: confirm when the ${sale.method.toUpperCase()} payment arrives.`, "ok");
    $("sold").replaceChildren();
    return loadHolds();
  }
  const entered = admitted.filter((a) => a.status === "ok").length;
  say($("sell-status"), `Sold ${what} (${sale.method}, ${money(sale.total)})${entered ? `, ${entered} admitted` : ""}.`, "ok");
  $("sold").replaceChildren(...tickets.map(takeaway));
  $("print-to").hidden = false;
}

/** What a walk-in leaves with: the QR on screen to photograph, and a ticket to print. */
function takeaway(t) {
  const qr = h("img", { class: "qr", alt: `QR code of ${t.holder.name}'s ticket` });
  const status = h("span", { class: "status", role: "status" });
  const open = (file) => async () => {
    try {
      window.open(URL.createObjectURL(await api(ev(`/tickets/${t.id}/${file}`))), "_blank");
    } catch (err) {
      say(status, problemText(err), "error");
    }
  };
  api(ev(`/tickets/${t.id}/qr.svg`)).then((svg) => { qr.src = URL.createObjectURL(svg); },
    (err) => say(status, `No QR: ${problemText(err)}`, "error"));
  return h("li", { "data-ticket": t.id },
    h("span", { class: "name" }, t.holder.name), ` ${typeName(t.type)} `, qr,
    h("span", { class: "takeaway" },
      h("button", { type: "button", class: "secondary", onclick: open("ticket.pdf") }, "Ticket PDF"),
      h("button", { type: "button", class: "secondary", onclick: open("badge.pdf") }, "Badge PDF"),
      printBadgeButton(t, status)),
    status);
}

/* Payments pending */

async function loadHolds() {
  try {
    const sales = (await api(ev("/sales?state=held"))).sales;
    const now = performance.now();
    state.holds = sales.map((s) => ({ ...s, deadline: now + s.expires_in * 1000, expired: false }));
  } catch (err) {
    return;
  }
  // Keep what the clerk is typing: the list is drawn again with the server's timers.
  const typed = new Map([...document.querySelectorAll("[data-sale] input")].map((i) => [i.closest("[data-sale]").dataset.sale, i.value]));
  renderHolds();
  for (const [id, value] of typed) {
    const input = document.querySelector(`[data-sale="${id}"] input`);
    if (input) input.value = value;
  }
}

function renderHolds() {
  $("hold-count").textContent = String(state.holds.filter((s) => !s.expired).length);
  $("holds").replaceChildren(...state.holds.map((s) => {
    const ref = h("input", { maxlength: 128, placeholder: "Payment reference", "aria-label": "Payment reference" });
    return h("li", { class: `hold${s.expired ? " expired" : ""}`, "data-sale": s.id },
      h("div", { class: "what" }, `${s.quantity} × ${typeName(s.type)} · ${s.method.toUpperCase()} · ${money(s.total)}`),
      h("div", { class: "timer", "data-timer": s.id }, s.expired ? "Expired: seats went back" : mmss(secondsLeft(s))),
      s.expired ? null : h("div", { class: "hold-actions" }, ref,
        h("button", { type: "button", onclick: () => settle(s, "confirm", { reference: ref.value.trim() || null }) }, "Paid: confirm"),
        h("button", { type: "button", class: "secondary", onclick: () => settle(s, "cancel", { reason: "cancelled at the desk" }) }, "Cancel")));
  }));
}

const secondsLeft = (s) => Math.max(0, (s.deadline - performance.now()) / 1000);

function tick() {
  $("clock").textContent = clockText(new Date());
  let expired = false;
  for (const s of state.holds) {
    const left = secondsLeft(s);
    const el = document.querySelector(`[data-timer="${s.id}"]`);
    if (!s.expired && left <= 0) {
      s.expired = expired = true;
      say($("sell-status"), `Sale #${s.id} expired unpaid: ${s.quantity} seat(s) went back on sale.`, "error");
    } else if (el && !s.expired) {
      el.textContent = mmss(Math.ceil(left));
    }
  }
  if (expired) {
    renderHolds();
    setTimeout(() => { loadStock(); loadHolds(); }, 1000); // the server releases them on the next read
  }
}

async function settle(sale, step, body) {
  try {
    const result = await api(ev(`/sales/${sale.id}/${step}`), { method: "POST", body });
    if (step === "confirm") showSale(result);
    else say($("sell-status"), `Sale #${sale.id} cancelled: ${sale.quantity} seat(s) back on sale.`, "ok");
  } catch (err) {
    say($("sell-status"), problemText(err), "error");
  }
  loadHolds();
  loadStock();
}

/* Changing a ticket */

async function find(event) {
  event.preventDefault();
  const q = $("find").value.trim();
  $("results").replaceChildren();
  if (q.length < 3) return say($("find-status"), "Type at least 3 characters.", "error");
  try {
    const found = (await api(ev(`/tickets?q=${encodeURIComponent(q)}`))).tickets;
    say($("find-status"), found.length ? "" : "No ticket found.", found.length ? "" : "error");
    $("results").append(...found.map((t) => h("li", {}, h("button", { type: "button", onclick: () => select(t.id) },
      h("span", { class: "name" }, t.holder.name), `${typeName(t.type)} · #${t.id} · ${t.state}`))));
  } catch (err) {
    say($("find-status"), problemText(err), "error");
  }
}

async function select(id) {
  state.ticket = await api(ev(`/tickets/${id}`));
  $("results").replaceChildren(); // the list would go stale after the first change
  const t = state.ticket;
  $("change").hidden = false;
  $("c-type").textContent = t.type.name;
  $("c-name").textContent = t.holder.name;
  $("c-meta").textContent = `#${t.id} · ${t.state} · paid ${money(t.price)}${t.badge.needs_print ? " · badge to print" : ""}`;
  $("to-type").replaceChildren(...state.stock.filter((s) => s.code !== t.type.code).map((s) =>
    h("option", { value: s.code }, `${s.name} (${money(s.price)}, ${s.available} left)`)));
  say($("change-status"), "");
}

async function change(path, body, done) {
  try {
    const t = await api(ev(`/tickets/${state.ticket.id}/${path}`), { method: "POST", body });
    await select(t.id);
    say($("change-status"), done(t), "ok");
  } catch (err) {
    say($("change-status"), problemText(err), "error");
  }
  loadStock();
}

function upgrade() {
  change("upgrade", { to_type: $("to-type").value }, (t) =>
    `Now ${t.type.name}: difference ${money(t.price_difference)}. New code issued; reprint the badge.`);
}

function transfer() {
  const name = $("new-name").value.trim();
  if (!name) return say($("change-status"), "Type the new holder's name.", "error");
  change("transfer", { holder: { name }, reason: $("transfer-reason").value.trim() || "transfer at the box office" },
    (t) => `Transferred to ${t.holder.name}: the old code no longer works.`);
}

function voidTicket() {
  const reason = $("void-reason").value.trim();
  if (!reason) return say($("change-status"), "Say why the ticket is voided.", "error");
  change("void", { reason }, () => "Voided: the seat is back on sale.");
}

/* Start */

async function start() {
  // Forms never submit natively, even before the event has loaded: that would reload the page.
  $("sell-form").addEventListener("submit", sell);
  $("find-form").addEventListener("submit", find);
  try {
    state.event = await api(ev());
  } catch (err) {
    say($("sell-status"), `Cannot load event ${eventSlug()}: ${problemText(err)}`, "error");
    return window.pageHealth.cannotStart(problemText(err), eventSlug());
  }
  setEventZone(state.event.timezone);
  $("event-name").textContent = state.event.name;
  $("admit").append(...state.event.gates.filter((g) => g.direction !== "out").map((g) =>
    h("option", { value: g.code }, g.name)));
  // The clerk at the door admits at the same gate sale after sale: this screen remembers it.
  const remembered = localStorage.getItem(ADMIT_KEY);
  if ([...$("admit").options].some((o) => o.value === remembered)) $("admit").value = remembered;
  $("admit").addEventListener("change", () => localStorage.setItem(ADMIT_KEY, $("admit").value));
  for (const b of document.querySelectorAll(".method")) b.addEventListener("click", () => chooseMethod(b.dataset.method));
  $("less").addEventListener("click", () => { $("quantity").value = Math.max(1, Number($("quantity").value) - 1); });
  $("more").addEventListener("click", () => { $("quantity").value = Math.min(100, Number($("quantity").value) + 1); });
  $("upgrade").addEventListener("click", upgrade);
  $("transfer").addEventListener("click", transfer);
  $("void").addEventListener("click", voidTicket);
  startPrintDesks();
  await loadStock();
  await loadHolds();
  setInterval(tick, 250);
  setInterval(loadStock, STOCK_EVERY_MS);
  setInterval(loadHolds, HOLDS_EVERY_MS);
  document.body.dataset.ready = "1";
}

start();
