// The desk's side of checking in without a code: the gate it admits at (kept per browser),
// admitting a guest found by search there, and the verdict, in the gate's words and colours.

import { api, ev, h, randomId } from "./api.js";
import { admitGuest } from "./guest-search.js";
import { VERDICTS, verdictClass, verdictKey } from "./verdicts.js";

const $ = (id) => document.getElementById(id);
const GATE_KEY = "gate.desk.admit";
// This screen's device id: the same desk admitting the same guest twice in a moment is a re-read.
const device = localStorage.getItem("gate.desk.device") ||
  (localStorage.setItem("gate.desk.device", `desk-${randomId().slice(0, 8)}`), localStorage.getItem("gate.desk.device"));

/** Offer the event's entry gates; the last one used here is chosen again. */
export async function loadAdmitGates() {
  const choice = $("admit-gate");
  const { gates } = await api(ev(""));
  choice.replaceChildren(...gates.filter((g) => g.direction !== "out")
    .map((g) => h("option", { value: g.code }, `${g.name} (${g.zone})`)));
  const kept = localStorage.getItem(GATE_KEY);
  if (gates.some((g) => g.code === kept)) choice.value = kept;
  choice.addEventListener("change", () => localStorage.setItem(GATE_KEY, choice.value));
}

/** Admit a guest at the chosen gate (a manual scan) and show the verdict. */
export async function admitAtDesk(guest, note, nonce) {
  const gate = $("admit-gate").value;
  if (!gate) throw new Error("Choose the gate to admit at first.");
  const answer = await admitGuest({ ticketId: guest.id, gate, note, device, nonce });
  showVerdict(answer, gate);
  return answer;
}

function showVerdict(answer, gate) {
  const key = verdictKey(answer, "in");
  const box = $("admit-verdict");
  box.hidden = false;
  box.className = `admit-verdict ${verdictClass(answer, key)}`;
  box.dataset.status = answer.status;
  box.dataset.reason = answer.reason || "";
  const gateName = $("admit-gate").selectedOptions[0]?.textContent || gate;
  $("admit-word").textContent = `${VERDICTS[key] || key.toUpperCase()}${answer.repeat ? " (again)" : ""}`;
  $("admit-message").textContent = answer.message;
  $("admit-where").textContent = `${answer.ticket ? answer.ticket.holder.name + " · " : ""}${gateName} · by hand`;
}
