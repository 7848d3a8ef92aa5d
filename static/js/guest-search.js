// Check in without a code, shared by /gate and /desk: find a guest (name, email, serial such as
// #3001, external id, code or barcode), show where they are and whether their badge is printed,
// and admit them by hand. An admit is a manual scan (POST .../scans with ticket_id): the server
// judges it exactly as a scanned code, so the screen shows its answer as it shows any scan.

import { api, ev, h, problemText, randomId } from "./api.js";
import { eventTime } from "./clock.js";

/** Whether a text is one of our signed codes (120 base32 characters): a wedge scanner typed it. */
export const looksLikeCode = (text) => /^[A-Z2-7]{120}$/i.test(text.trim());

/** {guests, more, timezone}: the guests a search text finds (GET .../checkin/search). */
export const findGuests = (q) => api(ev(`/checkin/search?q=${encodeURIComponent(q.trim())}`));

/** Admit a guest by hand at a gate; resolves to the judged scan's answer. A retry keeps its nonce. */
export function admitGuest({ ticketId, gate, direction = "in", note = "", device, nonce = randomId() }) {
  const body = { ticket_id: ticketId, gate, direction, nonce };
  if (device) body.device = device;
  if (note.trim()) body.note = note.trim();
  return api(ev("/scans"), { method: "POST", body });
}

const STATUS = { void: "CANCELLED", blocked: "BLOCKED", unpaid: "UNPAID" };

/** One line per zone: inside or not, and the last entry (where, when, by hand). */
function zoneLine(z, timeZone) {
  const last = z.last_entry;
  const where = last ? ` ${eventTime(last.at, timeZone)} at ${last.gate_name}${last.manual ? " (by hand)" : ""}` : "";
  const text = z.inside ? `inside since${where}` : z.entries ? `left · last in${where}` : "not in yet";
  return h("li", { class: z.inside ? "inside" : "" }, h("strong", {}, `${z.zone}:`), ` ${text}`);
}

function badgeLine(badge) {
  if (badge.printed) return `Badge printed${badge.prints > 1 ? ` ${badge.prints}×` : ""}${badge.needs_print ? ", out of date" : ""}`;
  return badge.needs_print ? "No badge printed yet" : "No badge for this type";
}

/**
 * A guest as a list item: who, ticket, zones, badge, and an Admit button that asks for an
 * optional note first. Options: timezone; admitLabel; onAdmit(guest, note, nonce) -> Promise;
 * onPick(guest) (the name becomes a button); onCode(text) for a scanned code typed into the note.
 */
export function guestItem(guest, { timezone, admitLabel = "Admit", onAdmit, onPick, onCode } = {}) {
  const who = [h("span", { class: "guest-name" }, guest.holder.name),
               h("span", { class: "guest-serial" }, `#${guest.serial}`)];
  const facts = [guest.type.name, guest.holder.company, guest.holder.email].filter(Boolean).join(" · ");
  const status = STATUS[guest.status];
  const item = h("li", { class: `guest ${guest.status}`, "data-ticket": guest.id, "data-status": guest.status },
    onPick ? h("button", { type: "button", class: "guest-pick", onclick: () => onPick(guest) }, who)
      : h("div", { class: "guest-who" }, who),
    h("p", { class: "guest-facts" }, status && h("span", { class: "guest-status" }, status), facts),
    h("ul", { class: "guest-zones" }, guest.zones.map((z) => zoneLine(z, timezone))),
    h("p", { class: "guest-badge" }, badgeLine(guest.badge)),
    guest.notes ? h("p", { class: "guest-notes" }, guest.notes) : null);
  if (onAdmit) item.append(admitControls(guest, admitLabel, onAdmit, onCode));
  return item;
}

function admitControls(guest, label, onAdmit, onCode) {
  let nonce = randomId();  // one per admit asked for: a retry after a lost answer is not a second scan
  const note = h("input", { name: "note", maxlength: 500, autocomplete: "off", enterkeyhint: "go",
                            placeholder: "e.g. phone died, ID checked", "aria-label": "Note (optional)" });
  const error = h("p", { class: "guest-error", role: "alert" });
  const confirm = h("form", { class: "guest-confirm", hidden: true },
    h("label", {}, "Note (optional)", note),
    h("div", { class: "guest-buttons" },
      h("button", { type: "submit", class: "guest-admit-now" }, `${label} ${guest.holder.name}`),
      h("button", { type: "button", class: "secondary guest-cancel", onclick: () => ask(false) }, "Cancel")));
  const start = h("button", { type: "button", class: "guest-admit", onclick: () => ask(true) }, label);
  function ask(open) {
    confirm.hidden = !open;
    start.hidden = open;
    error.textContent = "";
    if (open) note.focus();
  }
  confirm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (onCode && looksLikeCode(note.value)) {  // a scanner typed a code here: that is a scan, not a note
      const code = note.value;
      note.value = "";
      ask(false);
      return onCode(code);
    }
    for (const b of confirm.querySelectorAll("button")) b.disabled = true;
    try {
      await onAdmit(guest, note.value, nonce);
      nonce = randomId();
    } catch (err) {
      error.textContent = err.problem ? problemText(err) : err.message;
    } finally {
      for (const b of confirm.querySelectorAll("button")) b.disabled = false;
    }
  });
  return h("div", { class: "guest-actions" }, start, confirm, error);
}

/** Fill a list with the guests found; returns a line saying how many, and whether there are more. */
export function showGuests(list, found, options) {
  list.replaceChildren(...found.guests.map((g) => guestItem(g, { timezone: found.timezone, ...options })));
  const n = found.guests.length;
  if (n === 0) return "No guest found.";
  if (found.more) return `The first ${n} shown; more match: type more of the name, or the serial.`;
  return n === 1 ? "1 guest found." : `${n} guests found.`;
}
