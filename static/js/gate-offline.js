// Offline judging for the gate page: the gate pack, reading codes, a local verdict,
// and a queue of scans that uploads through /scans/batch when the server is back.
// The rules are gate-rules.js (the browser's copy of scanner/rules.py); this module
// reads codes and turns the pack (see checkin/gate/offline.py) into their facts.
// Code format (see scanner/ticket_codes.py): base32 of version(1) kid(4) serial(4)
// generation(2) + Ed25519 signature(64) over the first 11 bytes.
// Signatures are checked on every origin (signatures.js: WebCrypto in a secure context,
// else vendored code): over plain HTTP on a LAN address a forged code is refused too.

import { api, apiUnlessUnchanged, ev } from "./api.js";
import * as rules from "./gate-rules.js";
import { hmac } from "/static/vendor/noble-hashes/hmac.js";
import { sha256 } from "/static/vendor/noble-hashes/sha2.js";
import { bytesToHex } from "/static/vendor/noble-hashes/utils.js";
import { verifier } from "./signatures.js";

export { WrongDirection } from "./gate-rules.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const queueKey = () => `gate.queue.${ev()}`;

function base32(text) {
  if (text.length !== 120) return null;
  const out = new Uint8Array(75);
  let bits = 0, value = 0, i = 0;
  for (const ch of text.toUpperCase()) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v; bits += 5;
    if (bits >= 8) { out[i++] = (value >>> (bits - 8)) & 255; bits -= 8; }
  }
  return out;
}

const moment = (text) => (text ? new Date(text) : null);
const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** A foreign barcode as the pack carries it: HMAC-SHA256 under the pack key, 32 hex digits (barcode_digest).
 * Vendored noble-hashes, not crypto.subtle: a plain-HTTP page has none. */
export function barcodeDigest(key, text) {
  return bytesToHex(hmac(sha256, key, new TextEncoder().encode(text))).slice(0, 32);
}

/** The pack's tickets, one object each as format 1 lists them. Format 2 (checkin/gate/offline.py) has one
 *  array per field: serials as differences, state and type as indexes into `states` and `type_codes`. */
export function ticketsOf(pack) {
  if ((pack.version || 1) === 1) return pack.tickets;
  const c = pack.tickets, types = pack.types || {}, out = new Array(c.count);
  const pick = (values, i) => {
    if (!Number.isInteger(i) || i < 0 || i >= values.length) throw new Error(`gate pack: no value ${i}`);
    return values[i];
  };
  const fields = ["serial", "generation", "state", "blocked", "type", "barcode_hash", "barcode_generation"];
  for (const f of pack.names ? [...fields, "name"] : fields) {
    if (!Array.isArray(c[f]) || c[f].length !== c.count) throw new Error(`gate pack: column ${f} is not ${c.count} long`);
  }
  let serial = 0;
  for (let i = 0; i < c.count; i++) {
    serial += c.serial[i];
    const type = pick(pack.type_codes, c.type[i]);
    const t = { serial, generation: c.generation[i], state: pick(pack.states, c.state[i]), blocked: !!c.blocked[i],
                type, type_name: types[type]?.name || type, barcode: null };
    if (pack.names) t.name = c.name[i];
    if (c.barcode_hash[i] != null) t.barcode_hash = { hash: c.barcode_hash[i], generation: c.barcode_generation[i] };
    out[i] = t;
  }
  return out;
}

export class GatePack {
  constructor(gate) {
    this.gate = gate;
    this.rules = {}; this.types = {}; this.cursor = 0;
    this.tickets = new Map();  // serial -> the pack's ticket
    this.barcodes = new Map();  // a foreign barcode's hash (plain from an older server) -> {serial, generation it names}
    this.barcodeKey = null;  // the pack key its hashes are made with
    this.keys = new Map();  // kid -> {verify(signature, body) -> Promise<boolean>, own: this event's}
    this.admissions = new Map();  // serial -> {inside, first_at, first_gate_name}, as this page saw them
    this.etag = null;  // the ETag of the last pack taken in: sent as If-None-Match
  }

  /** Load the whole pack, or only what changed since the last cursor, in the compact format 2; the
   *  browser unpacks it (gzip, br). Nothing comes back (304) while the pack we hold is current. */
  async refresh() {
    const since = this.cursor ? `&since=${this.cursor}` : "";
    const fresh = await apiUnlessUnchanged(ev(`/gate-pack?gate=${encodeURIComponent(this.gate)}&format=2${since}`),
                                           this.etag);
    if (!fresh) return;
    await this.load(fresh.data);
    this.etag = fresh.etag;
  }

  /** Take in a pack from the server (whole or incremental, format 1 or 2). */
  async load(pack) {
    const tickets = ticketsOf(pack);  // first: a malformed pack throws before anything held is dropped
    this.rules = pack.gate;
    this.types = pack.types || {};
    if (!pack.incremental) { this.tickets.clear(); this.barcodes.clear(); }
    this.barcodeKey = pack.barcode_key ? bytesOf(pack.barcode_key) : null;
    for (const t of tickets) this.storeTicket(t);
    for (const [own, keys] of [[true, pack.keys], [false, pack.other_keys || []]]) {
      for (const k of keys) {
        if (!this.keys.has(k.kid)) this.keys.set(k.kid, { verify: await verifier(fromBase64(k.public_key)), own });
      }
    }
    this.cursor = pack.cursor;
  }

  storeTicket(t) {
    this.tickets.set(t.serial, t);
    // The pack's hash; an older server sends the plain `foreign_barcode`, or only `barcode` while current.
    const foreign = (t.barcode_hash && { code: t.barcode_hash.hash, generation: t.barcode_hash.generation })
      || t.foreign_barcode || (t.barcode && { code: t.barcode, generation: t.generation });
    if (foreign) this.barcodes.set(foreign.code, { serial: t.serial, generation: foreign.generation });
  }

  /** The verdict for a code, judged here without the server; throws WrongDirection as the server refuses it. */
  async judge(code, asked, now = new Date()) {
    const gate = this.gateFacts();
    const direction = rules.directionAt(gate, asked);
    const { ticket, reason } = await this.lookup(code);
    const facts = ticket && this.ticketFacts(ticket);
    const admission = (ticket && this.admissions.get(ticket.serial)) || null;
    const verdict = rules.judge({ gate, ticket: facts, reason, direction, when: now, admission });
    const after = verdict.status === rules.OK && rules.admissionAfter(gate, admission, direction, now);
    if (after) this.admissions.set(ticket.serial, after);
    const first = verdict.reason === rules.DUPLICATE && admission;
    return {
      ...verdict, repeat: false, offline: true,
      ticket: facts && { type: { code: facts.type_code, name: facts.type_name },
                         holder: { name: rules.holder(facts), company: null }, serial: facts.serial, zones: facts.zones },
      first_entry: first ? { at: first.first_at.toISOString(), gate_name: first.first_gate_name } : null,
    };
  }

  /** Note who the server let in or out here, or found inside already, for offline judging later. */
  async remember(code, answer) {
    const { ticket } = await this.lookup(code);
    if (ticket) this.rememberSerial(ticket.serial, answer);
  }

  /** The same for a ticket known by its serial (a manual scan reads no code). */
  rememberSerial(serial, answer) {
    if (answer.repeat) return;
    const first = answer.first_entry;
    if (answer.reason === rules.DUPLICATE && first) {  // inside already, by whichever gate
      this.admissions.set(serial, { inside: true, first_at: new Date(first.at),
                                    first_gate_name: first.gate_name || first.gate });
    } else if (answer.status === rules.OK && answer.scan?.at) {
      const after = rules.admissionAfter(this.gateFacts(), this.admissions.get(serial) || null,
                                         answer.scan.direction || "in", new Date(answer.scan.at));
      if (after) this.admissions.set(serial, after);
    }
  }

  /** {ticket, reason}: the ticket a code names and why it cannot be used as is (rules.codeReason). */
  async lookup(code) {
    const raw = base32(code);
    if (!raw || raw[0] !== 1) {  // not one of our codes: perhaps a barcode printed elsewhere
      const foreign = this.barcodes.get(this.barcodeKey ? barcodeDigest(this.barcodeKey, code) : code);
      const t = foreign && this.tickets.get(foreign.serial);
      if (!t) return { ticket: null, reason: rules.codeReason({ known: false }) };
      return { ticket: t, reason: rules.codeReason({ known: true, generation: foreign.generation, current: t.generation }) };
    }
    const view = new DataView(raw.buffer);
    const kid = view.getUint32(1), serial = view.getUint32(5), generation = view.getUint16(9);
    const key = this.keys.get(kid);
    const signed = key && (await key.verify(raw.slice(11), raw.slice(0, 11)));
    if (!signed) return { ticket: null, reason: rules.codeReason({ known: false }) };
    if (!key.own) return { ticket: null, reason: rules.codeReason({ known: true, ownEvent: false }) };
    const t = this.tickets.get(serial);
    const reason = rules.codeReason({ known: true, generation, current: t ? t.generation : null });
    return { ticket: reason === rules.INVALID ? null : t, reason };
  }

  gateFacts() {
    const g = this.rules;
    return { code: g.code, name: g.name || g.code, zone: g.zone, admits: g.admits || [], direction: g.direction || "in",
             reentry: !!g.reentry, opens_at: moment(g.opens_at), closes_at: moment(g.closes_at),
             timezone: g.timezone || null };
  }

  ticketFacts(t) {
    const kind = this.types[t.type] || {};
    return { holder_name: t.name || null, serial: t.serial, type_code: t.type, type_name: t.type_name || kind.name || t.type,
             state: t.state || "valid", blocked: !!t.blocked, zones: kind.zones || [],
             valid_from: moment(kind.valid_from), valid_until: moment(kind.valid_until) };
  }
}

const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** Scans made offline, kept in this browser until the server has them. */
export const queue = {
  items() { return JSON.parse(localStorage.getItem(queueKey()) || "[]"); },
  add(scan) { localStorage.setItem(queueKey(), JSON.stringify([...this.items(), scan])); },
  /** Upload the queue. The server refuses a batch whole, naming the one bad scan (`item`: a wrong
   *  clock, a reused nonce): that scan is dropped and the rest sent again, so one never blocks the queue. */
  async flush() {
    let rejected = 0;
    for (;;) {
      const items = this.items();
      if (!items.length) return { uploaded: 0, conflicts: 0, rejected };
      try {
        const result = await api(ev("/scans/batch"), { method: "POST", body: { scans: items } });
        localStorage.setItem(queueKey(), JSON.stringify(this.items().slice(items.length)));
        return { uploaded: items.length, conflicts: result.conflicts, rejected };
      } catch (err) {
        const bad = err.problem && err.problem.item;
        if (!Number.isInteger(bad) || ![403, 404, 409, 422].includes(err.status)) throw err;
        const left = this.items();  // scans queued meanwhile were appended: the index still holds
        left.splice(bad, 1);
        localStorage.setItem(queueKey(), JSON.stringify(left));
        rejected += 1;
      }
    }
  },
};
