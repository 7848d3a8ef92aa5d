// The admission rules, for the gate page while the server is away: the browser's
// copy of scanner/rules.py (its docstring states the rules and their order), with
// the same statuses, reasons and messages. The shared judge vectors
// (tests/vectors/judge.json) are run against both, in Chromium for this one.
// Pure: no page, network or crypto. Facts carry the Python names:
//   gate      {code, name, zone, admits, direction, reentry, opens_at, closes_at, timezone}
//   ticket    {holder_name, type_code, type_name, state, blocked, zones, valid_from, valid_until}
//   admission {inside, first_at, first_gate_name}
// Times are Date objects; null means no limit. Messages write times as clock.js does.

import { eventTime } from "./clock.js";

export const OK = "ok", REFUSED = "refused";
export const INVALID = "invalid", WRONG_EVENT = "wrong_event", REVOKED = "revoked";
export const VOID = "void", BLOCKED = "blocked", UNPAID = "unpaid", NOT_ADMITTED = "not_admitted";
export const INVALID_TIME = "invalid_time", DUPLICATE = "duplicate";

// What a gate person reads aloud; the answers that need names or times are built in messageFor.
const FIXED = {
  [INVALID]: "Not a valid ticket",
  [WRONG_EVENT]: "Ticket is for another event",
  [VOID]: "Ticket cancelled - send to the box office",
  [BLOCKED]: "Ticket blocked - call a supervisor",
  [UNPAID]: "Payment pending - send to the box office",
};

/** The gate takes scans only the other way. */
export class WrongDirection extends Error {
  constructor(gateName, allowed) {
    super(`${gateName} only takes '${allowed}' scans`);
    this.name = "WrongDirection";
    this.allowed = allowed;
  }
}

/** The scan's direction: the one asked for, else the gate's own; throws WrongDirection if the gate forbids it. */
export function directionAt(gate, asked) {
  const allowed = gate.direction || "in";
  const direction = asked || (allowed === "out" ? "out" : "in");
  if (allowed !== "both" && direction !== allowed) throw new WrongDirection(gate.name, allowed);
  return direction;
}

/** Why a read code cannot be used as is (invalid, wrong_event, revoked), or null. */
export function codeReason({ known, ownEvent = true, generation = null, current = null }) {
  if (!known) return INVALID;
  if (!ownEvent) return WRONG_EVENT;
  if (current == null || generation == null || generation > current) return INVALID;
  return generation < current ? REVOKED : null;
}

/** Why this ticket may not pass this gate now, before anyone's presence is considered; null if it may. */
export function refusal(gate, ticket, direction, when) {
  if (direction === "out") return null;  // whoever is leaving may leave
  if (ticket.state === "void") return VOID;
  if (ticket.blocked) return BLOCKED;
  if (ticket.state === "pending") return UNPAID;
  const zones = ticket.zones || [];
  if (!(gate.admits || []).includes(ticket.type_code) || (zones.length && !zones.includes(gate.zone))) {
    return NOT_ADMITTED;
  }
  if (!isOpen(gate, when) || !within(when, ticket.valid_from, ticket.valid_until)) return INVALID_TIME;
  return null;
}

/** Why an entry is refused given the ticket's admission in the gate's zone: duplicate, or null. */
export function admissionRefusal(gate, admission) {
  if (!admission || (!admission.inside && gate.reentry)) return null;
  return DUPLICATE;
}

/** The ticket's admission in the gate's zone after this gate let it through. */
export function admissionAfter(gate, admission, direction, when) {
  if (direction === "out") return admission ? { ...admission, inside: false } : null;
  if (!admission) return { inside: true, first_at: when, first_gate_name: gate.name };
  return { ...admission, inside: true };
}

/** The verdict {status, reason, message} from plain facts. */
export function judge({ gate, ticket = null, reason = null, direction, when, admission = null }) {
  if (reason == null) reason = refusal(gate, ticket, direction, when);
  if (reason == null && direction === "in") reason = admissionRefusal(gate, admission);
  return verdict(reason, direction, gate, ticket, admission, when);
}

/** The verdict for a scan judged `reason` (null: let through). */
export function verdict(reason, direction, gate, ticket, admission, when) {
  return { status: reason ? REFUSED : OK, reason: reason || null,
           message: messageFor(reason, direction, gate, ticket, admission, when) };
}

/** The one line a gate person reads aloud for this verdict. */
export function messageFor(reason, direction, gate, ticket, admission, when) {
  if (reason in FIXED || !ticket) return FIXED[reason] || FIXED[INVALID];
  if (reason === REVOKED) return `Old code - this ticket now belongs to ${ticket.holder_name}`;
  if (reason === NOT_ADMITTED) return `${ticket.type_name} is not admitted at ${gate.name}`;
  if (reason === INVALID_TIME) return notNow(gate, ticket, when);
  if (reason === DUPLICATE) {
    const first = eventTime(admission.first_at, gate.timezone, when);
    if (admission.inside) return `Already entered ${first} at ${admission.first_gate_name}`;
    return `No re-entry at ${gate.name} - first entered ${first} at ${admission.first_gate_name}`;
  }
  if (direction === "out") return `Goodbye ${ticket.holder_name}`;
  return `Welcome ${ticket.holder_name} - ${ticket.type_name}`;
}

function within(when, start, end) {
  return (start == null || when >= start) && (end == null || when <= end);
}

function isOpen(gate, when) {
  return within(when, gate.opens_at, gate.closes_at);
}

function notNow(gate, ticket, when) {
  // Name the gate's hours only when they are what stops the ticket (as the server does).
  if (isOpen(gate, when)) return `${ticket.type_name} is not valid at this time`;
  return `Not valid now at ${gate.name} (open ${hours(gate, when)})`;
}

/** The gate's hours; the closing time's date only when it is not the opening's day. */
function hours(gate, when) {
  const { opens_at: opens, closes_at: closes, timezone } = gate;
  if (opens && closes) return `${eventTime(opens, timezone, when)} to ${eventTime(closes, timezone, opens)}`;
  return eventTime(opens || closes, timezone, when);
}
